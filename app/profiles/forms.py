"""Profile forms. Lists typed as text are split by the services; choices come from profiles.choices."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    IntegerField,
    MonthField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from app.core.forms import CheckboxesField, PortalForm, at_most, required
from app.profiles.choices import (
    SPOKEN_LANGUAGES,
    CompanyType,
    InterviewType,
    LanguageLevel,
    Mode,
    Section,
    Sector,
    Visibility,
    language_name,
)


def spoken_language_choices():
    """The languages one may speak or interview in, named in the page's language (profiles and applications)."""
    from flask_babel import get_locale

    locale = get_locale()
    return [SelectChoice(code, language_name(code, locale)) for code in SPOKEN_LANGUAGES]


def _years():
    this_year = date.today().year
    return NumberRange(min=1950, max=this_year + 8, message=_l("Give a year between %(min)s and %(max)s."))


class GoalsForm(PortalForm):
    headline = StringField(
        _l("Headline"),
        validators=[Optional(), at_most(160)],
        description=_l("For example: Engineering student preparing for strategy consulting interviews."),
    )
    skills = TextAreaField(
        _l("Skills"),
        validators=[Optional(), at_most(2000)],
        description=_l("One per line, or separated by commas (30 at most)."),
    )
    target_sectors = CheckboxesField(_l("Sectors you aim at"), choices=Sector.choices)
    target_company_types = CheckboxesField(_l("Kinds of company you aim at"), choices=CompanyType.choices)
    target_roles = TextAreaField(
        _l("Roles you are preparing for"),
        validators=[Optional(), at_most(1000)],
        description=_l("For example: Consultant, Financial analyst, Data scientist."),
    )
    submit = SubmitField(_l("Save"))


class EducationForm(PortalForm):
    school = StringField(_l("School or university"), validators=[required(), at_most(160)])
    degree = StringField(_l("Degree"), validators=[required(), at_most(160)])
    field = StringField(_l("Field of study (optional)"), validators=[Optional(), at_most(160)])
    start_year = IntegerField(
        _l("Start year"), validators=[InputRequired(message=_l("This field is required.")), _years()]
    )
    end_year = IntegerField(_l("End year (or expected)"), validators=[Optional(), _years()])
    grade = StringField(_l("Grade or distinction (optional)"), validators=[Optional(), at_most(120)])
    submit = SubmitField(_l("Save"))

    def validate_end_year(self, field) -> None:
        if field.data is not None and self.start_year.data is not None and field.data < self.start_year.data:
            raise ValidationError(str(_l("The end year cannot be before the start year.")))


class ExperienceForm(PortalForm):
    employer = StringField(_l("Employer"), validators=[required(), at_most(160)])
    title = StringField(_l("Job title"), validators=[required(), at_most(160)])
    start_month = MonthField(
        _l("Start month"),
        validators=[InputRequired(message=_l("This field is required."))],
        description=_l("Year and month, for example 2024-09."),
    )
    end_month = MonthField(_l("End month (leave empty if it is your current job)"), validators=[Optional()])
    description = TextAreaField(_l("What you did (optional)"), validators=[Optional(), at_most(2000)])
    submit = SubmitField(_l("Save"))

    def validate_end_month(self, field) -> None:
        if field.data and self.start_month.data and field.data < self.start_month.data:
            raise ValidationError(str(_l("The end month cannot be before the start month.")))


class LanguageForm(PortalForm):
    language = SelectField(_l("Language"), choices=spoken_language_choices)
    level = SelectField(_l("Level"), choices=LanguageLevel.choices)
    submit = SubmitField(_l("Add this language"))


class DeleteForm(PortalForm):
    """A button that deletes or moves one entry; it carries only the CSRF token."""


def visibility_form_class():
    """A form with one visibility choice per profile section."""

    class VisibilityForm(PortalForm):
        submit = SubmitField(_l("Save who sees what"))

    for section in Section:
        setattr(VisibilityForm, section.value, SelectField(section.label, choices=Visibility.choices))
    return VisibilityForm


class PhotoForm(PortalForm):
    photo = FileField(_l("Photo (JPEG, PNG or WebP, up to 5 MB)"))
    submit = SubmitField(_l("Upload the photo"))

    def validate_photo(self, field) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError(str(_l("Choose a file.")))


class CvForm(PortalForm):
    cv = FileField(_l("CV (PDF or Word DOCX, up to 10 MB)"))
    visibility = SelectField(_l("Who can see your CV"), choices=Visibility.choices)
    submit = SubmitField(_l("Upload the CV"))

    def validate_cv(self, field) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError(str(_l("Choose a file.")))


class InterviewerProfileForm(PortalForm):
    bio = TextAreaField(
        _l("About you"),
        validators=[Optional(), at_most(3000)],
        description=_l("Your background and the interviews you know well."),
    )
    current_employer = StringField(_l("Current employer"), validators=[Optional(), at_most(160)])
    former_employers = TextAreaField(
        _l("Former employers"),
        validators=[Optional(), at_most(1000)],
        description=_l("One per line, or separated by commas."),
    )
    sectors = CheckboxesField(_l("Sectors you know"), choices=Sector.choices)
    company_types = CheckboxesField(_l("Kinds of company you know"), choices=CompanyType.choices)
    interview_types = CheckboxesField(_l("Interviews you run"), choices=InterviewType.choices)
    modes = CheckboxesField(_l("How you run them"), choices=Mode.choices)
    city = StringField(_l("City for face-to-face interviews"), validators=[Optional(), at_most(120)])
    languages = CheckboxesField(_l("Languages you interview in"), choices=spoken_language_choices)
    weekly_capacity = IntegerField(
        _l("Sessions you accept per week"),
        validators=[
            InputRequired(message=_l("This field is required.")),
            NumberRange(min=0, max=40, message=_l("Give a number between %(min)s and %(max)s.")),
        ],
    )
    is_accepting = BooleanField(_l("I am accepting new requests"))
    submit = SubmitField(_l("Save"))

    def validate_city(self, field) -> None:
        if Mode.IN_PERSON.value in (self.modes.data or []) and not (field.data or "").strip():
            raise ValidationError(str(_l("Give the city where you meet candidates face to face.")))

    def validate_is_accepting(self, field) -> None:
        if field.data and not (self.interview_types.data and self.modes.data and self.languages.data):
            raise ValidationError(
                str(_l("To accept requests, choose at least one interview type, one way to run it and one language."))
            )


WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


class SlotForm(PortalForm):
    weekday = SelectField(
        _l("Day"), choices=lambda: [SelectChoice(str(i), str(day)) for i, day in enumerate(WEEKDAYS)], coerce=int
    )
    start_time = TimeField(_l("From"), validators=[InputRequired(message=_l("This field is required."))])
    end_time = TimeField(_l("To"), validators=[InputRequired(message=_l("This field is required."))])
    submit = SubmitField(_l("Add this slot"))

    def validate_end_time(self, field) -> None:
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError(str(_l("The end must be after the start.")))
