"""Privacy forms: consents, objections, restriction, requests, erasure, and the admins' forms."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.passwords import MAX_LENGTH
from app.core.forms import PortalForm, at_most, required
from app.privacy.models import ConsentPurpose, ObjectionTopic, RequestKind, RequestStatus


class ConsentForm(PortalForm):
    """One box per purpose, named after it; boxes start unticked (SECURITY.md 20)."""

    submit = SubmitField(_l("Save my choices"))

    def chosen(self, form_data) -> set[ConsentPurpose]:
        return {purpose for purpose in ConsentPurpose if form_data.get(f"consent-{purpose.value}") == "y"}


class ObjectionForm(PortalForm):
    topic = SelectField(
        _l("What do you object to?"),
        choices=lambda: [SelectChoice(topic.value, topic.label) for topic in ObjectionTopic],
    )
    reason = TextAreaField(_l("Your grounds (not needed for direct marketing)"), validators=[Optional(), at_most(2000)])
    submit = SubmitField(_l("Object"))

    def validate_reason(self, field) -> None:
        if self.topic.data != ObjectionTopic.DIRECT_MARKETING.value and not (field.data or "").strip():
            raise ValidationError(
                str(_l("Tell us briefly about your situation, so that we can examine your objection."))
            )


class RestrictionForm(PortalForm):
    submit = SubmitField(_l("Confirm"))


class PrivacyRequestForm(PortalForm):
    kind = SelectField(
        _l("What is it about?"),
        # A score contest starts from the result it contests (the assessments result page).
        choices=lambda: [
            SelectChoice(kind.value, kind.label) for kind in RequestKind if kind != RequestKind.SCORE_CONTEST
        ],
    )
    subject = StringField(_l("Subject"), validators=[required(), at_most(200)])
    message = TextAreaField(_l("Your message"), validators=[required(), at_most(5000)])
    submit = SubmitField(_l("Send"))


class ErasureForm(PortalForm):
    current_password = PasswordField(_l("Current password"), validators=[required(), Length(max=MAX_LENGTH)])
    confirm = BooleanField(_l("I understand that my account and my data will be erased, and that this is final"))
    submit = SubmitField(_l("Erase my account"))

    def validate_confirm(self, field) -> None:
        if not field.data:
            raise ValidationError(str(_l("Tick this box to confirm.")))


class AcceptPolicyForm(PortalForm):
    accept = BooleanField(_l("I have read and accept this version of the privacy policy"))
    submit = SubmitField(_l("Accept and continue"))

    def validate_accept(self, field) -> None:
        if not field.data:
            raise ValidationError(str(_l("Tick this box to accept, or close your account below.")))


# --- admins ------------------------------------------------------------------------------------------


class HandleRequestForm(PortalForm):
    status = SelectField(
        _l("Status"), choices=lambda: [SelectChoice(status.value, status.label) for status in RequestStatus]
    )
    outcome = TextAreaField(_l("Answer to the member"), validators=[Optional(), at_most(5000)])
    extend_months = IntegerField(
        _l("Extend the deadline by (months)"),
        default=0,
        validators=[InputRequired(message=_l("This field is required.")), NumberRange(min=0, max=2)],
    )
    extension_reason = TextAreaField(_l("Why more time is needed"), validators=[Optional(), at_most(2000)])
    submit = SubmitField(_l("Save"))


class ReviewObjectionForm(PortalForm):
    decision = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("uphold", _l("Uphold: the processing stays stopped")),
            SelectChoice("override", _l("Override: compelling legitimate grounds")),
        ],
    )
    note = TextAreaField(_l("Note to the member"), validators=[Optional(), at_most(2000)])
    submit = SubmitField(_l("Save"))

    def validate_note(self, field) -> None:
        if self.decision.data == "override" and not (field.data or "").strip():
            raise ValidationError(str(_l("Explain the compelling grounds to the member.")))


class PublishPolicyForm(PortalForm):
    version = StringField(_l("Version number"), validators=[required(), at_most(10)])
    effective_date = DateField(
        _l("Effective date"), validators=[InputRequired(message=_l("Enter a date, such as 2027-03-01."))]
    )
    template = SelectField(_l("Text"))
    is_material = BooleanField(_l("Material change: members are told by e-mail and must accept it again"))
    summary_en = TextAreaField(_l("What changes, in English"), validators=[required(), at_most(2000)])
    summary_fr = TextAreaField(_l("What changes, in French"), validators=[required(), at_most(2000)])
    submit = SubmitField(_l("Publish"))

    def validate_version(self, field) -> None:
        value = (field.data or "").strip()
        parts = value.split(".")
        if not (2 <= len(parts) <= 3 and all(part.isdigit() for part in parts)):
            raise ValidationError(str(_l("Use a number such as 2.1 or 3.0.")))
        field.data = value


class ActionForm(PortalForm):
    """A button that changes something, with its CSRF token (retry an erasure, end a session...)."""

    submit = SubmitField(_l("Confirm"))


class LegalHoldForm(PortalForm):
    """An admin keeps part of a member's data for a legal claim or an authority's request, until a day."""

    email = StringField(_l("The member's e-mail address"), validators=[required(), at_most(254)])
    reason = TextAreaField(
        _l("Why (the member reads it)"),
        validators=[required(), at_most(2000)],
        description=_l("The claim or the authority's request, such as “Dispute over an invoice, case 2027-114”."),
    )
    scope = SelectMultipleField(
        _l("What to keep"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    until_date = DateField(
        _l("Kept until"), validators=[InputRequired(message=_l("Enter a date, such as 2027-03-01."))]
    )
    submit = SubmitField(_l("Place the hold"))
