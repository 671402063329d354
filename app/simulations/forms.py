"""Forms of the simulations pages."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, ValidationError

from app.core.forms import PortalForm, at_most, required
from app.profiles.choices import CompanyType, InterviewType, Mode, Sector
from app.simulations.services import CRITERION_LABELS, MAX_WINDOWS


def _any(choices_function, any_label):
    return lambda: [SelectChoice("", str(any_label)), *choices_function()]


LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]


class WindowForm(PortalForm):
    class Meta:
        csrf = False  # part of the request form, which carries the token

    start = DateTimeLocalField(_l("From"), validators=[Optional()])
    end = DateTimeLocalField(_l("To"), validators=[Optional()])

    def validate_end(self, field) -> None:
        if bool(field.data) != bool(self.start.data):
            raise ValidationError(str(_l("Give both the start and the end of the window.")))
        if field.data and field.data <= self.start.data:
            raise ValidationError(str(_l("The end must be after the start.")))


class RequestForm(PortalForm):
    interview_type = SelectField(_l("Type of interview"), choices=InterviewType.choices)
    mode = RadioField(_l("How"), choices=Mode.choices, default="video")
    city = StringField(_l("City (for face to face)"), validators=[Optional(), at_most(120)])
    sector = SelectField(_l("Sector you aim at"), choices=_any(Sector.choices, _l("Any sector")))
    company_type = SelectField(_l("Kind of company you aim at"), choices=_any(CompanyType.choices, _l("Any kind")))
    language = SelectField(_l("Language of the interview"), choices=LANGUAGE_CHOICES)
    windows = FieldList(FormField(WindowForm), min_entries=MAX_WINDOWS, max_entries=MAX_WINDOWS)
    goal = TextAreaField(
        _l("What do you want to practise?"),
        validators=[Optional(), at_most(1000)],
        description=_l("For example: structuring a market-sizing case; answering 'why this firm?'."),
    )
    is_auto_invite = BooleanField(
        _l("If an invited interviewer does not answer, invite the next best one"), default=True
    )
    submit = SubmitField(_l("Find my interviewers"))
    windows_error = None

    def validate_city(self, field) -> None:
        if self.mode.data == "in_person" and not (field.data or "").strip():
            raise ValidationError(str(_l("Give the city where you want to meet.")))

    def chosen_windows(self):
        return [(entry.start.data, entry.end.data) for entry in self.windows if entry.start.data and entry.end.data]


class InviteForm(PortalForm):
    submit = SubmitField(_l("Invite the interviewers I ticked"))


class InviteBestForm(PortalForm):
    submit = SubmitField(_l("Invite the best three for me"))


class CancelRequestForm(PortalForm):
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), at_most(500)])
    submit = SubmitField(_l("Cancel my request"))


class AcceptForm(PortalForm):
    window = RadioField(
        _l("Choose one of the candidate's windows"),
        validators=[InputRequired(message=_l("Choose one of the candidate's time windows."))],
    )
    meeting_details = StringField(_l("Video link, phone number or address"), validators=[required(), at_most(500)])
    submit = SubmitField(_l("Accept"))


class DeclineForm(PortalForm):
    reason = StringField(_l("Reason (optional, the candidate does not see it)"), validators=[Optional(), at_most(500)])
    submit = SubmitField(_l("Decline"))


class CancelSessionForm(PortalForm):
    reason = StringField(  # an id of its own: the reschedule form is on the same page
        _l("Why you cancel (the other person will read it)"), validators=[required(), at_most(500)], id="cancel_reason"
    )
    submit = SubmitField(_l("Cancel the session"))


class RescheduleForm(PortalForm):
    start = DateTimeLocalField(
        _l("New start time (in your time zone)"), validators=[InputRequired(message=_l("This field is required."))]
    )
    reason = StringField(  # an id of its own: the cancel form is on the same page
        _l("Why you move it (the other person will read it)"), validators=[required(), at_most(500)], id="move_reason"
    )
    submit = SubmitField(_l("Move the session"))


class NoShowForm(PortalForm):
    submit = SubmitField(_l("Report that the other person did not come"))


SCORE_CHOICES = [SelectChoice(str(value), str(value)) for value in range(1, 6)]


def feedback_form_class(criteria: tuple[str, ...]):
    """A feedback form with a 1–5 score for each criterion of this interview type."""

    class FeedbackForm(PortalForm):
        strengths = TextAreaField(_l("Strengths"), validators=[required(), at_most(3000)])
        improvements = TextAreaField(_l("Areas to improve"), validators=[required(), at_most(3000)])
        recommendations = TextAreaField(_l("Recommendations"), validators=[Optional(), at_most(3000)])
        resources = TextAreaField(_l("Resources (books, sites, exercises)"), validators=[Optional(), at_most(3000)])
        submit = SubmitField(_l("Send my feedback"))

    for criterion in criteria:
        setattr(
            FeedbackForm,
            f"score_{criterion}",
            RadioField(
                CRITERION_LABELS[criterion],
                choices=SCORE_CHOICES,
                validators=[InputRequired(message=_l("Give a score from 1 to 5."))],
            ),
        )
    return FeedbackForm


class RatingForm(PortalForm):
    rating = RadioField(
        _l("Your rating of the session"),
        choices=SCORE_CHOICES,
        validators=[InputRequired(message=_l("Give a score from 1 to 5."))],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), at_most(2000)])
    share_with_sponsor = BooleanField(_l("Share this feedback with my school or employer"))
    submit = SubmitField(_l("Send my rating"))


class MessageForm(PortalForm):
    body = TextAreaField(
        _l("Your message"),
        validators=[required(), at_most(2000)],  # messages.MAX_LENGTH
        description=_l("Only the other person of this session reads it. They receive an e-mail telling them."),
    )
    submit = SubmitField(_l("Send the message"))
