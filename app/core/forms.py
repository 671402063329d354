"""The portal's base form: how every form renders, and how it answers when posted past a rate limit.

Every form of the portal derives from `PortalForm` (tests/core/test_forms.py checks it), so that these rules
live in one class of ours rather than in Flask-WTF's, which other code in the process shares.
Also how a view shows a service's DomainError on its form (`show_domain_error`), and runs a service call that
may refuse (`commit_or_show_refusal`, `commit_or_flash_refusal`).
"""

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget, Select, SubmitInput

from app.core import ratelimit
from app.core.errors import DomainError
from app.extensions import db

UNLABELLED_WIDGETS = (HiddenInput, SubmitInput)


def required():
    """The portal's "required" check, with its one message."""
    return DataRequired(message=_l("This field is required."))


def at_most(count: int):
    """The portal's length limit, with its one message."""
    return Length(max=count, message=_l("Use at most %(max)d characters."))


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (the forms macro's `checkboxes` renders it in a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


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


def show_domain_error(form, error: DomainError, *, rollback: bool = True, flash_unplaced: bool = False) -> None:
    """Undo what the refused service wrote, then show its message under `error.field` when the form has that
    field, else above the form (or as a flashed message, for pages that do not show form-level errors)."""
    if rollback:
        db.session.rollback()
    message = str(error.message)
    if error.field and error.field in form:
        field = form[error.field]
        field.errors = [*field.errors, message]
    elif flash_unplaced:
        flash(message, "error")
    else:
        form.form_errors.append(message)


def flash_domain_error(error: DomainError, *, rollback: bool = True) -> None:
    """Undo what the refused service wrote and flash its message, for a view that redirects after a refusal."""
    if rollback:
        db.session.rollback()
    flash(str(error.message), "error")


def commit_or_show_refusal(form, change, refusal: type[DomainError] = DomainError, **show) -> bool:
    """Run `change` (the service call a valid form asks for) and commit it. When the service refuses with
    `refusal`, show why on the form instead (show_domain_error, given `show`) and answer False."""
    try:
        change()
    except refusal as error:
        show_domain_error(form, error, **show)
        return False
    db.session.commit()
    return True


def commit_or_flash_refusal(change, refusal: type[DomainError] = DomainError, *, rollback: bool = True) -> bool:
    """As commit_or_show_refusal, for a view that redirects either way: a refusal is flashed."""
    try:
        change()
    except refusal as error:
        flash_domain_error(error, rollback=rollback)
        return False
    db.session.commit()
    return True
