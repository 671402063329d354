"""Forms of the assessment pages. A test page's form is built from its items, in the page's language."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.assessments.models import ItemKind, localised
from app.core.forms import PortalForm, at_most, required


class StartForm(PortalForm):
    submit = SubmitField(_l("Start the test"))


class SubmitAttemptForm(PortalForm):
    submit = SubmitField(_l("Submit my answers"))


class PageForm(PortalForm):
    """Base of a test page: the navigation buttons; the item fields are added by `page_form_class`."""

    previous = SubmitField(_l("Previous page"))
    next = SubmitField(_l("Save and continue"))
    finish = SubmitField(_l("Save and submit"))
    #: The server time the page was shown: a submit measures the answering time from it.
    shown_at = HiddenField()


def agreement_choices():
    return [
        SelectChoice("1", _l("1 – Strongly disagree")),
        SelectChoice("2", _l("2 – Disagree")),
        SelectChoice("3", _l("3 – Neither agree nor disagree")),
        SelectChoice("4", _l("4 – Agree")),
        SelectChoice("5", _l("5 – Strongly agree")),
    ]


def field_name(item) -> str:
    return f"item_{item.public_id}"


#: Form classes of published test pages, by (test key, page, language): built once per process.
_page_forms: dict[tuple, type[PageForm]] = {}


def cached_page_form_class(key: tuple, items, lang: str) -> type[PageForm]:
    """`page_form_class`, built once for a page that never changes (`key` names the test version and page)."""
    form_class = _page_forms.get((*key, lang))
    if form_class is None:
        form_class = _page_forms[(*key, lang)] = page_form_class(items, lang)
    return form_class


def page_form_class(items, lang: str) -> type[PageForm]:
    """A PageForm subclass with one optional field per item (an unanswered question is allowed)."""

    class Form(PageForm):
        pass

    for item in items:
        label = localised(item.prompt, lang)
        options = [SelectChoice(str(index), localised(option, lang)) for index, option in enumerate(item.options or [])]
        if item.type == ItemKind.SINGLE:
            field = RadioField(label, choices=options, validators=[Optional()], validate_choice=False)
        elif item.type == ItemKind.MULTIPLE:
            field = SelectMultipleField(
                label,
                choices=options,
                validators=[Optional()],
                option_widget=CheckboxInput(),
                widget=ListWidget(prefix_label=False),
                validate_choice=False,
            )
        elif item.type == ItemKind.NUMERIC:
            field = StringField(
                label, validators=[Optional()], render_kw={"inputmode": "decimal", "autocomplete": "off"}
            )
        else:
            field = RadioField(label, choices=agreement_choices(), validators=[Optional()], validate_choice=False)
        setattr(Form, field_name(item), field)
    return Form


# --- clients, contests and accommodations --------------------------------------------------------------


class AssignForm(PortalForm):
    test = SelectField(_l("Test"), validators=[required()])
    emails = TextAreaField(
        _l("Candidates' e-mail addresses"),
        description=_l("One per line. Someone without an account is invited to create one to take the test."),
        validators=[required(), Length(max=20000)],
    )
    due_date = DateField(_l("Due date"), validators=[InputRequired(message=_l("Enter a date, such as 2027-03-01."))])
    submit = SubmitField(_l("Assign the test"))


class CancelAssignmentForm(PortalForm):
    submit = SubmitField(_l("Cancel this assignment"))


class CandidateSearchForm(PortalForm):
    """A GET form: it reads, never writes, so it carries no CSRF token."""

    class Meta:
        csrf = False

    test = SelectField(_l("Test"), validators=[required()])
    min_percentage = IntegerField(
        _l("Minimum score, as a percentage of the points"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=100, message=_l("Enter a number from 0 to 100."))],
    )
    skill = StringField(_l("Skill"), validators=[Optional(), Length(max=100)])


class ContestForm(PortalForm):
    reason = TextAreaField(
        _l("What do you contest, and why?"),
        description=_l("An administrator checks the scoring and answers within one month."),
        validators=[required(), Length(max=5000)],
    )
    submit = SubmitField(_l("Contest this score"))


#: The extra time a member may declare: a factor of the time limit.
TIME_FACTORS = ("1", "1.25", "1.33", "1.5", "2", "2.5", "3")


def time_factor_choices():
    labels = {"1": _l("No extra time")}
    return [
        SelectChoice(value, labels.get(value) or _l("%(percent)s%% more time", percent=round((float(value) - 1) * 100)))
        for value in TIME_FACTORS
    ]


class AccommodationForm(PortalForm):
    time_factor = SelectField(_l("Extra time on every timed test"), choices=time_factor_choices)
    note = TextAreaField(
        _l("Private note (optional)"),
        description=_l("Only you and Caseinjob administrators read it. Employers see only that extra time applied."),
        validators=[Optional(), Length(max=1000)],
    )
    submit = SubmitField(_l("Save"))


class ContestCorrectionForm(PortalForm):
    """Uphold a score contest by correcting that attempt's scoring. The choices are the attempt's questions
    (`corrections.correction_form` fills them); a value from elsewhere is refused here, with our message."""

    set_aside = SelectMultipleField(
        _l("Questions to set aside for this attempt"),
        description=_l("They no longer count, neither in the score nor in its maximum."),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=False,
        coerce=str,
    )
    corrected_key = SelectField(
        _l("A question whose answer key is wrong: the option that counts as right"),
        description=_l("For this attempt only; the test itself does not change."),
        validate_choice=False,
    )
    answer = TextAreaField(
        _l("Answer to the member"),
        validators=[required(), at_most(5000)],
    )
    submit = SubmitField(_l("Uphold the contest and correct the score"))

    def validate_set_aside(self, field) -> None:
        allowed = {value for value, _label in field.choices}
        if any(value not in allowed for value in field.data or []):
            raise ValidationError(str(_l("This question is not part of the test of this attempt.")))

    def validate_corrected_key(self, field) -> None:
        allowed = {value for group in field.choices.values() for value, _label in group}
        if (field.data or "") not in allowed:
            raise ValidationError(str(_l("Choose one of the options listed.")))
