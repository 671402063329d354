"""The portal's base form: how every form renders, and how it answers when posted past a rate limit.

Every form of the portal derives from `PortalForm` (tests/core/test_forms.py checks it), so that these rules
live in one class of ours rather than in Flask-WTF's, which other code in the process shares.
"""

from flask_wtf import FlaskForm
from wtforms.widgets import HiddenInput, Select, SubmitInput

from app.core import ratelimit

UNLABELLED_WIDGETS = (HiddenInput, SubmitInput)


class PortalForm(FlaskForm):
    class Meta:
        # WTForms builds each form's Meta from the Meta classes of its bases: this one comes before Flask-WTF's.
        def render_field(self, field, render_kw: dict):
            return super().render_field(field, rendering_attributes(field, render_kw))

    def validate_on_submit(self, extra_validators=None) -> bool:
        """As Flask-WTF's, but a form posted past a limit is not acted on (see ratelimit.form_kept_when_limited)."""
        if ratelimit.refuses_form(self):
            return False
        return super().validate_on_submit(extra_validators)


def rendering_attributes(field, render_kw: dict) -> dict:
    """Hidden inputs and submit buttons render without an id: no label points at them, and a page with several
    forms would otherwise repeat ids such as "csrf_token" or "submit" (invalid HTML). An id given on purpose,
    in the template or the field's render_kw, is kept."""
    explicit = "id" in render_kw or "id" in (field.render_kw or {})
    if isinstance(field.widget, UNLABELLED_WIDGETS) and not explicit:
        render_kw = {**render_kw, "id": False}  # wtforms leaves out attributes whose value is False
    if _select_always_answered(field) and "required" not in render_kw:
        render_kw = {**render_kw, "required": False}
    return render_kw


def _select_always_answered(field) -> bool:
    """A single-choice list whose first option is a real value always sends one: HTML forbids `required` on it
    (it would need an empty first option to mean "nothing chosen"); the server still checks the value."""
    if not isinstance(field.widget, Select) or field.widget.multiple or not field.flags.required:
        return False
    first = next(iter(field.iter_choices()), None)
    return first is not None and first[0] not in ("", None)
