"""How every form of the portal renders: one rule for all forms, applied once when the app is built."""

from flask_wtf import FlaskForm
from wtforms.meta import DefaultMeta
from wtforms.widgets import HiddenInput, Select, SubmitInput

UNLABELLED_WIDGETS = (HiddenInput, SubmitInput)


def _render_field(meta, field, render_kw: dict):
    """Hidden inputs and submit buttons render without an id: no label points at them, and a page with several
    forms would otherwise repeat ids such as "csrf_token" or "submit" (invalid HTML). An id given on purpose,
    in the template or the field's render_kw, is kept."""
    explicit = "id" in render_kw or "id" in (field.render_kw or {})
    if isinstance(field.widget, UNLABELLED_WIDGETS) and not explicit:
        render_kw = {**render_kw, "id": False}  # wtforms leaves out attributes whose value is False
    if _select_always_answered(field) and "required" not in render_kw:
        render_kw = {**render_kw, "required": False}
    return DefaultMeta.render_field(meta, field, render_kw)


def _select_always_answered(field) -> bool:
    """A single-choice list whose first option is a real value always sends one: HTML forbids `required` on it
    (it would need an empty first option to mean "nothing chosen"); the server still checks the value."""
    if not isinstance(field.widget, Select) or field.widget.multiple or not field.flags.required:
        return False
    first = next(iter(field.iter_choices()), None)
    return first is not None and first[0] not in ("", None)


def drop_needless_ids() -> None:
    FlaskForm.Meta.render_field = _render_field
