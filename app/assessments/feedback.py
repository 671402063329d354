"""A candidate's rating (1 to 5) and optional comment on a test they submitted: the form, the service, and
what the personal-data registry exports and erases. Authors see ratings only aggregated (statistics.py)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from app.assessments.models import Attempt, Test, TestFeedback
from app.core.errors import DomainError
from app.core.forms import PortalForm
from app.extensions import db

MAX_COMMENT_LENGTH = 1000
RATING_CHOICES = ("1", "2", "3", "4", "5")
RATING_LABELS = (_l("1 – Very poor"), _l("2 – Poor"), _l("3 – Fair"), _l("4 – Good"), _l("5 – Excellent"))
BAD_RATING = _l("Choose a rating from 1 to 5.")
ALREADY_RATED = _l("Your rating of this test was already recorded.")


class FeedbackError(DomainError):
    """A rating or comment on a test that cannot be saved."""


class RateTestForm(PortalForm):
    # Choices are checked in validate_rating, so that a missing or forged value gets our message.
    rating = RadioField(
        _l("Your rating of this test"),
        choices=[SelectChoice(value, label) for value, label in zip(RATING_CHOICES, RATING_LABELS, strict=True)],
        validate_choice=False,
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        description=_l("The test's authors see comments without your name, mixed with those of others."),
        validators=[Length(max=MAX_COMMENT_LENGTH, message=_l("Your comment can have at most %(max)d characters."))],
        render_kw={"maxlength": MAX_COMMENT_LENGTH, "rows": 4},
    )
    submit = SubmitField(_l("Send my rating"))

    def validate_rating(self, field) -> None:
        if field.data not in RATING_CHOICES:
            raise ValidationError(BAD_RATING)


def feedback_of(attempt: Attempt) -> TestFeedback | None:
    return db.session.scalar(select(TestFeedback).where(TestFeedback.attempt_id == attempt.id))


def rate_test(attempt: Attempt, rating: int, comment: str = "") -> TestFeedback:
    """Record the candidate's rating of the test version of a submitted attempt, once per attempt (flushed)."""
    if attempt.submitted_dt is None:
        raise FeedbackError(_l("You can rate a test once you have submitted your answers."))
    if isinstance(rating, bool) or rating not in range(1, 6):
        raise FeedbackError(BAD_RATING, field="rating")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise FeedbackError(_l("Your comment can have at most %(max)d characters.", max=MAX_COMMENT_LENGTH), "comment")
    if feedback_of(attempt) is not None:
        raise FeedbackError(ALREADY_RATED)
    feedback = TestFeedback(test_id=attempt.test_id, attempt_id=attempt.id, rating=rating, comment=comment)
    try:
        with db.session.begin_nested():
            db.session.add(feedback)
    except IntegrityError:
        # A second tab sent its rating at the same moment: the unique attempt_id kept the first one.
        raise FeedbackError(ALREADY_RATED) from None
    return feedback


# --- personal data (registered in personal_data.py) ---------------------------------------------------


def export_feedback(user) -> list[dict]:
    rows = db.session.execute(
        select(Test.slug, Test.version, TestFeedback)
        .join(Attempt, Attempt.id == TestFeedback.attempt_id)
        .join(Test, Test.id == TestFeedback.test_id)
        .where(Attempt.candidate_id == user.id)
        .order_by(TestFeedback.id)
    ).all()
    return [
        {
            "test": slug,
            "version": version,
            "rating": feedback.rating,
            "comment": feedback.comment,
            "rated_utc": feedback.created_dt.isoformat() if feedback.created_dt else None,
        }
        for slug, version, feedback in rows
    ]


def erase_feedback(user) -> int:
    """Unlink the member's ratings from their attempts and blank the comments: averages keep their counts.

    It must run before the attempts are deleted (registry order), or the link to the member is already gone.
    """
    attempt_ids = select(Attempt.id).where(Attempt.candidate_id == user.id).scalar_subquery()
    return db.session.execute(
        update(TestFeedback)
        .where(TestFeedback.attempt_id.in_(attempt_ids))
        .values(attempt_id=None, comment="")
        .execution_options(synchronize_session=False)
    ).rowcount


def count_feedback_query(user):
    return (
        select(func.count(TestFeedback.id))
        .join(Attempt, Attempt.id == TestFeedback.attempt_id)
        .where(Attempt.candidate_id == user.id)
    )
