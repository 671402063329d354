"""Interview simulations: requests, explainable matching, invitations, scheduling and feedback."""

from flask import Blueprint

bp = Blueprint("simulations", __name__, url_prefix="/<lang:lang_code>/simulations")


def _register_profile_ground() -> None:
    """Invited and accepting interviewers may see the candidate's shared profile (profiles asks us)."""
    from app.profiles.access import register_ground
    from app.simulations.services import interviewer_ground

    register_ground(interviewer_ground)


_register_profile_ground()


def _register_sponsor_metric() -> None:
    """Sponsors see, by cohort, how many interviews their members completed (never who did what)."""
    from flask_babel import lazy_gettext as _l

    from app.simulations.services import completed_interviews_by_candidate
    from app.sponsors.figures import Metric, register_metric

    register_metric(
        Metric(
            "completed_interviews",
            _l("Completed interviews"),
            lambda organisation, user_ids: completed_interviews_by_candidate(user_ids),
            order=20,
        )
    )


_register_sponsor_metric()


def _register_shared_feedback() -> None:
    """Feedback a candidate chose to share appears on their sponsor's page (nothing else does)."""
    from app.simulations.services import feedback_shared_with_sponsors
    from app.sponsors.figures import register_shared_items

    register_shared_items(feedback_shared_with_sponsors)


_register_shared_feedback()


def _register_next_steps() -> None:
    """The home page lists interviews to come, invitations to answer, feedback to write and to read."""
    from app.core.next_steps import register_next_steps
    from app.simulations import next_steps

    register_next_steps("candidate", next_steps.candidate_steps, order=10)
    register_next_steps("interviewer", next_steps.interviewer_steps, order=10)


_register_next_steps()


@bp.app_context_processor
def _simulation_labels() -> dict:
    """Label helpers for simulation codes, in the page's language."""
    from app.core.enums import label_of
    from app.profiles.choices import InterviewType, Mode, Section
    from app.simulations.meeting import link_for
    from app.simulations.models import InvitationStatus, RequestStatus, SessionStatus
    from app.simulations.services import CRITERION_LABELS

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
