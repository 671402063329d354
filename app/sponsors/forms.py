"""Sponsor forms: organisations, cohorts, invitations, the CSV import, accepting, corrections."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from app.auth import services as auth_services
from app.auth.forms import PasswordRulesMixin
from app.auth.passwords import MAX_LENGTH
from app.core.forms import PortalForm, at_most, required
from app.sponsors.models import OrganisationKind

LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]


def _email(field) -> None:
    try:
        field.clean = auth_services.normalise_email(field.data or "")
    except auth_services.AuthError as error:
        raise ValidationError(str(error.message)) from None


class OrganisationForm(PortalForm):
    name = StringField(_l("Name"), validators=[required(), at_most(200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(kind.value, kind.label) for kind in OrganisationKind])
    default_locale = SelectField(_l("Default language of invitations"), choices=LANGUAGE_CHOICES)
    seats = IntegerField(
        _l("Seats"),
        validators=[NumberRange(min=0, max=1_000_000, message=_l("Enter a whole number, 0 or more."))],
    )
    simulation_allowance = IntegerField(
        _l("Interview simulations paid for"),
        description=_l("Leave empty for no limit."),
        validators=[Optional(), NumberRange(min=0, max=10_000_000, message=_l("Enter a whole number, 0 or more."))],
    )
    practice_test_allowance = IntegerField(
        _l("Practice tests paid for"),
        description=_l("Leave empty for no limit."),
        validators=[Optional(), NumberRange(min=0, max=10_000_000, message=_l("Enter a whole number, 0 or more."))],
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels are lazy: build the choices in the request's language.
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in OrganisationKind]


class CohortForm(PortalForm):
    name = StringField(_l("New cohort (a class, a year, a department)"), validators=[required(), at_most(100)])
    submit = SubmitField(_l("Add the cohort"))


class MemberDataForm(PortalForm):
    """What the organisation provides about a member; the view sets the cohort choices."""

    first_name = StringField(_l("First name"), validators=[required(), at_most(100)])
    last_name = StringField(_l("Last name"), validators=[required(), at_most(100)])
    cohort = SelectField(_l("Cohort"), choices=[], validate_choice=True)
    grade = StringField(_l("Grade or year of study"), validators=[Optional(), at_most(100)])
    hierarchy_level = StringField(_l("Level of hierarchy"), validators=[Optional(), at_most(100)])
    recommendation = TextAreaField(_l("Recommendation (optional)"), validators=[Optional(), at_most(2000)])
    submit = SubmitField(_l("Save"))

    def set_cohorts(self, cohorts) -> None:
        self.cohort.choices = [SelectChoice("", str(_l("No cohort")))] + [
            SelectChoice(cohort.public_id, cohort.name) for cohort in cohorts
        ]


class InvitationForm(PortalForm):
    """Where an invitation goes and its language. Defined after MemberDataForm, so that a member's invitation
    lists these fields after the member's data."""

    email = EmailField(_l("E-mail address"), validators=[required(), at_most(254)])
    locale = SelectField(
        _l("Language of the invitation"),
        choices=[SelectChoice("", _l("The person's language, or the organisation's default")), *LANGUAGE_CHOICES],
    )
    submit = SubmitField(_l("Send the invitation"))

    def validate_email(self, field) -> None:
        _email(field)


class InviteMemberForm(InvitationForm, MemberDataForm):
    """A member's invitation: what the organisation provides about her, then the invitation itself."""


class InviteAdminForm(InvitationForm):
    """Another admin's invitation."""


class ImportForm(PortalForm):
    file = FileField(
        _l("CSV file"),
        description=_l("UTF-8, with commas or semicolons, and a first line naming the columns."),
    )
    submit = SubmitField(_l("Check the file"))

    def validate_file(self, field) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError(str(_l("Choose a CSV file.")))


class ActionForm(PortalForm):
    """A button that changes something: only the CSRF token."""


class CorrectionForm(PortalForm):
    message = TextAreaField(_l("What is wrong, and what should it say?"), validators=[required(), Length(max=5000)])
    submit = SubmitField(_l("Send my request"))


class RefuseCorrectionForm(PortalForm):
    """Refuse a member's correction request; the reason goes to the member."""

    reason = TextAreaField(
        _l("Why you do not make this correction (the member will read it)"),
        validators=[Length(max=2000)],  # an empty reason: the service says why it is needed
    )
    submit = SubmitField(_l("Refuse the correction"))


class JoinForm(PortalForm, PasswordRulesMixin):
    """Create an account to accept an invitation; the view sets `email` for the password rules."""

    first_name = StringField(_l("First name"), validators=[required(), at_most(100)])
    last_name = StringField(_l("Last name"), validators=[required(), at_most(100)])
    password = PasswordField(_l("Password"), validators=[required(), Length(max=MAX_LENGTH)])
    accept_policy = BooleanField(_l("I have read and accept the privacy policy"))
    submit = SubmitField(_l("Create my account and accept"))
    email = None

    def validate_password(self, field) -> None:
        self.check_new_password(
            field.data, email=self.email, names=(self.first_name.data or "", self.last_name.data or "")
        )

    def validate_accept_policy(self, field) -> None:
        if not field.data:
            raise ValidationError(str(_l("You must accept the privacy policy to create an account.")))
