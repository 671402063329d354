"""The simulations blueprint: its views, the label helpers of simulation codes, and what it registers with
other features (the interviewers' profile ground, a sponsor metric, shared feedback, next steps)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.core.enums import label_of
from app.core.next_steps import register_next_steps
from app.profiles.access import register_ground
from app.profiles.choices import InterviewType, Mode, Section
from app.simulations import next_steps
from app.simulations.meeting import link_for
from app.simulations.models import InvitationStatus, RequestStatus, SessionStatus
from app.simulations.services import (
    CRITERION_LABELS,
    completed_interviews_by_candidate,
    feedback_shared_with_sponsors,
    interviewer_ground,
)
from app.sponsors.figures import Metric, register_metric, register_shared_items

bp = Blueprint("simulations", __name__, url_prefix="/<lang:lang_code>/simulations")

# Invited and accepting interviewers may see the candidate's shared profile (profiles asks us).
register_ground(interviewer_ground)

# Sponsors see, by cohort, how many interviews their members completed (never who did what).
register_metric(
    Metric(
        "completed_interviews",
        _l("Completed interviews"),
        lambda organisation, user_ids: completed_interviews_by_candidate(user_ids),
        order=20,
    )
)

# Feedback a candidate chose to share appears on their sponsor's page (nothing else does).
register_shared_items(feedback_shared_with_sponsors)

# The home page lists interviews to come, invitations to answer, feedback to write and to read.
register_next_steps("candidate", next_steps.candidate_steps, order=10)
register_next_steps("interviewer", next_steps.interviewer_steps, order=10)


@bp.app_context_processor
def _simulation_labels() -> dict:
    """Label helpers for simulation codes, in the page's language."""
    return {
        "interview_type_label": label_of(InterviewType),
        "mode_label": label_of(Mode),
        "request_status_label": label_of(RequestStatus),
        "invitation_status_label": label_of(InvitationStatus),
        "session_status_label": label_of(SessionStatus),
        "criterion_label": lambda code: str(CRITERION_LABELS.get(code, code)),
        "meeting_link": link_for,  # a link only for a video session's valid address
        "Section": Section,
    }


from app.simulations import routes  # noqa: E402,F401  (registers the views on bp)
