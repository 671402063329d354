"""How every form of the portal renders: one rule for all forms, applied once when the app is built."""

from flask_wtf import FlaskForm
from wtforms.meta import DefaultMeta
from wtforms.widgets import HiddenInput, SubmitInput

UNLABELLED_WIDGETS = (HiddenInput, SubmitInput)


def _render_field(meta, field, render_kw: dict):
    """Hidden inputs and submit buttons render without an id: no label points at them, and a page with several
    forms would otherwise repeat ids such as "csrf_token" or "submit" (invalid HTML). An id given on purpose,
    in the template or the field's render_kw, is kept."""
    explicit = "id" in render_kw or "id" in (field.render_kw or {})
    if isinstance(field.widget, UNLABELLED_WIDGETS) and not explicit:
        render_kw = {**render_kw, "id": False}  # wtforms leaves out attributes whose value is False
    return DefaultMeta.render_field(meta, field, render_kw)


def drop_needless_ids() -> None:
    FlaskForm.Meta.render_field = _render_field
