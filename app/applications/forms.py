"""Application forms; the choices are the profiles' own vocabularies, so an accepted application fits a profile."""

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import ValidationError

from app.core.forms import CheckboxesField, PortalForm, at_most, required
from app.profiles.choices import CompanyType, Sector
from app.profiles.forms import spoken_language_choices


def _at_least_one(form, field) -> None:
    if not field.data:
        raise ValidationError(str(_l("Tick at least one.")))


class InterviewerApplicationForm(PortalForm):
    experience = TextAreaField(
        _l("Your experience"),
        validators=[required(), at_most(3000)],
        description=_l("Your career, the interviews you have run or taken part in, and for which companies."),
    )
    sectors = CheckboxesField(_l("Sectors you know"), choices=Sector.choices, validators=[_at_least_one])
    company_types = CheckboxesField(
        _l("Kinds of company you know"), choices=CompanyType.choices, validators=[_at_least_one]
    )
    languages = CheckboxesField(
        _l("Languages you interview in"), choices=spoken_language_choices, validators=[_at_least_one]
    )
    submit = SubmitField(_l("Send my application"))


class ClientApplicationForm(PortalForm):
    organisation = StringField(_l("Your organisation's name"), validators=[required(), at_most(200)])
    website = StringField(
        _l("Its website"),
        validators=[required(), at_most(300)],
        description=_l("For example https://www.example.com"),
    )
    motivation = TextAreaField(
        _l("Why you want to assess candidates on the portal"),
        validators=[required(), at_most(2000)],
        description=_l("The positions you recruit for, and how you will use the results."),
    )
    submit = SubmitField(_l("Send my application"))

    def validate_website(self, field) -> None:
        text = (field.data or "").strip()
        try:
            parts = urlsplit(text)
            host = parts.hostname or ""
        except ValueError:
            host, parts = "", None
        if parts is None or parts.scheme not in ("http", "https") or "." not in host.strip(".") or " " in text:
            raise ValidationError(str(_l("Give the full address of the website, such as https://www.example.com.")))


class AcceptApplicationForm(PortalForm):
    submit = SubmitField(_l("Accept and grant the role"))


class RefuseApplicationForm(PortalForm):
    reason = TextAreaField(_l("Why you refuse (the applicant will read it)"), validators=[required(), at_most(1000)])
    submit = SubmitField(_l("Refuse"))
