"""Account forms. Each check is a validate_<field> that turns a service's AuthError into a field error."""

from functools import lru_cache
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from app.auth import services
from app.auth.passwords import MAX_LENGTH, password_problem
from app.core.forms import PortalForm, at_most, required
from app.core.values import timezone_name


def clean(field):
    """The normalised value a validate_<field> method stored, or None when the field was left empty."""
    return getattr(field, "clean", None)


def _normalised(field, normalise):
    """Run a service normaliser on a field, keeping the clean value on the field for the view."""
    try:
        field.clean = normalise(field.data)
    except services.AuthError as error:
        raise ValidationError(str(error.message)) from None


class PasswordRulesMixin:
    """A new password must pass the portal's rules, knowing the member's name and address."""

    def check_new_password(self, password: str, *, email=None, names=()) -> None:
        problem = password_problem(password or "", email=email, names=names)
        if problem:
            raise ValidationError(str(problem))


class RegistrationForm(PortalForm, PasswordRulesMixin):
    first_name = StringField(_l("First name"), validators=[required(), at_most(100)])
    last_name = StringField(_l("Last name"), validators=[required(), at_most(100)])
    email = EmailField(_l("E-mail address"), validators=[Optional(), at_most(254)])
    phone = TelField(_l("Mobile phone"), validators=[Optional(), at_most(30)])
    company = StringField(_l("Company or school (optional)"), validators=[Optional(), at_most(200)])
    username = StringField(_l("Username (optional)"), validators=[Optional(), at_most(40)])
    password = PasswordField(_l("Password"), validators=[required(), Length(max=MAX_LENGTH)])
    accept_policy = BooleanField(_l("I have read and accept the privacy policy"))
    submit = SubmitField(_l("Create my account"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.email.data or "").strip() and not (self.phone.data or "").strip():
            self.phone.errors = [
                *self.phone.errors,
                str(_l("Give an e-mail address or a phone number (or both).")),
            ]
            return False
        return valid

    def validate_email(self, field) -> None:
        _normalised(field, services.normalise_email)

    def validate_phone(self, field) -> None:
        _normalised(field, services.normalise_phone)

    def validate_username(self, field) -> None:
        _normalised(field, services.normalise_username)

    def validate_password(self, field) -> None:
        self.check_new_password(
            field.data, email=self.email.data, names=(self.first_name.data or "", self.last_name.data or "")
        )

    def validate_accept_policy(self, field) -> None:
        if not field.data:
            raise ValidationError(str(_l("You must accept the privacy policy to create an account.")))


class LoginForm(PortalForm):
    identifier = StringField(_l("E-mail, phone or username"), validators=[required(), at_most(254)])
    password = PasswordField(_l("Password"), validators=[required(), Length(max=MAX_LENGTH)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class TwoStepForm(PortalForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"), validators=[required(), at_most(20)])
    submit = SubmitField(_l("Verify"))


class ForgotPasswordForm(PortalForm):
    """An e-mail address (a link is sent) or a mobile phone number (a code is sent by SMS)."""

    identifier = StringField(_l("E-mail address or mobile phone number"), validators=[required(), at_most(254)])
    submit = SubmitField(_l("Send me a link or a code"))
    #: "email" or "phone", once validated.
    channel = None

    def validate_identifier(self, field) -> None:
        if "@" in field.data:
            self.channel = "email"
            _normalised(field, services.normalise_email)
            return
        self.channel = "phone"
        try:
            field.clean = services.normalise_phone(field.data)
        except services.AuthError:
            raise ValidationError(
                str(_l("Enter your e-mail address, or your mobile phone number such as 06 12 34 56 78."))
            ) from None


class PhoneCodeForm(PortalForm):
    code = StringField(
        _l("Code received by text message"),
        validators=[required(), at_most(12)],
        description=_l("6 digits"),
    )
    submit = SubmitField(_l("Confirm"))


class NewPasswordForm(PortalForm, PasswordRulesMixin):
    """Choose a new password; the view sets `member` so the rules know the name and address."""

    password = PasswordField(_l("New password"), validators=[required(), Length(max=MAX_LENGTH)])
    confirm = PasswordField(_l("New password again"), validators=[required(), Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Save the new password"))
    member = None

    def validate_password(self, field) -> None:
        member = self.member
        self.check_new_password(
            field.data,
            email=member.email if member else None,
            names=(member.first_name, member.last_name) if member else (),
        )

    def validate_confirm(self, field) -> None:
        if field.data != self.password.data:
            raise ValidationError(str(_l("The two passwords are not the same.")))


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[required(), Length(max=MAX_LENGTH)])


class ChangeEmailForm(PortalForm):
    email = EmailField(_l("New e-mail address"), validators=[required(), at_most(254)])
    current_password = PasswordField(_l("Current password"), validators=[required(), Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Change my e-mail address"))

    def validate_email(self, field) -> None:
        _normalised(field, services.normalise_email)


class ChangePhoneForm(PortalForm):
    phone = TelField(
        _l("New mobile phone number"),
        validators=[required(), at_most(30)],
        description=_l("Without a country code, the number is read as French: 06 12 34 56 78 or +44 7911 123456."),
    )
    current_password = PasswordField(_l("Current password"), validators=[required(), Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Send me a code"))

    def validate_phone(self, field) -> None:
        _normalised(field, services.normalise_phone)


class ChangeUsernameForm(PortalForm):
    username = StringField(
        _l("Username"),
        validators=[Optional(), at_most(40)],
        description=_l("Leave it empty to remove your username. You can then sign in with your e-mail or phone."),
    )
    current_password = PasswordField(_l("Current password"), validators=[required(), Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Save the username"))

    def validate_username(self, field) -> None:
        _normalised(field, services.normalise_username)


#: The regions of the time-zone database, as the select groups them.
REGIONS = {
    "Europe": _l("Europe"),
    "America": _l("Americas"),
    "Africa": _l("Africa"),
    "Asia": _l("Asia"),
    "Australia": _l("Australia"),
    "Pacific": _l("Pacific"),
    "Atlantic": _l("Atlantic"),
    "Indian": _l("Indian Ocean"),
    "Antarctica": _l("Antarctica"),
    "Arctic": _l("Arctic"),
}
#: A member's likely time zone when she has none yet: that of the portal's language.
LIKELY_ZONE = {"fr": "Europe/Paris", "en": "Europe/London"}


@lru_cache(maxsize=8)
def _zones_by_region(locale: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Every zone of each region as (identifier, place in `locale`), by place: computed once per language."""
    from babel import Locale

    reader = Locale.parse(locale)
    grouped: dict[str, list[tuple[str, str]]] = {}
    for name in available_timezones():
        region = name.split("/", 1)[0]
        if region in REGIONS and "/" in name:
            grouped.setdefault(region, []).append((name, timezone_name(name, reader)))
    return tuple((region, tuple(sorted(grouped.get(region, ()), key=lambda zone: zone[1]))) for region in REGIONS)


def timezone_choices() -> dict[str, list[SelectChoice]]:
    """Time zones grouped by region, each named by its place ("France (Paris)"), the member's likely zone first."""
    from flask_babel import get_locale
    from flask_login import current_user

    locale = str(get_locale() or "en")
    likely = getattr(current_user, "timezone", None) or LIKELY_ZONE.get(locale[:2], "Europe/Paris")
    groups: dict[str, list[SelectChoice]] = {}
    for region, zones in _zones_by_region(locale):
        for name, place in zones:
            if name == likely:
                groups = {str(_l("Your time zone")): [SelectChoice(name, place)], **groups}
            else:
                groups.setdefault(str(REGIONS[region]), []).append(SelectChoice(name, place))
    return groups


class AccountForm(PortalForm):
    first_name = StringField(_l("First name"), validators=[required(), at_most(100)])
    last_name = StringField(_l("Last name"), validators=[required(), at_most(100)])
    company = StringField(_l("Company or school (optional)"), validators=[Optional(), at_most(200)])
    locale = SelectField(
        _l("Language for the portal and e-mails"),
        choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")],
    )
    timezone = SelectField(_l("Time zone"), choices=timezone_choices)
    submit = SubmitField(_l("Save"))


class EnableTwoStepForm(PortalForm):
    code = StringField(_l("6-digit code shown by your app"), validators=[required(), at_most(10)])
    submit = SubmitField(_l("Turn on two-step verification"))


class PasswordConfirmForm(PortalForm):
    """Any action that needs the current password again (turning off two-step, for example)."""

    current_password = PasswordField(_l("Current password"), validators=[required(), Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Confirm"))
