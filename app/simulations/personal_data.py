"""Personal data of interview simulations: requests and windows, invitations, sessions, feedback, ratings."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.core.personal_data import AS_LONG_AS_THE_ACCOUNT, delete_member_rows, iso, member_table_entry, unlink_member
from app.core.registry import ErasureAction, LegalBasis, PersonalDataEntry, register
from app.extensions import db
from app.simulations.models import (
    Feedback,
    InterviewSession,
    SessionMessage,
    SimulationInvitation,
    SimulationRequest,
)


def _request_row(row: SimulationRequest) -> dict:
    return {
        "created": iso(row.created_dt),
        "interview_type": row.interview_type,
        "mode": row.mode,
        "city": row.city,
        "sector": row.sector,
        "company_type": row.company_type,
        "language": row.language,
        "goal": row.goal,
        "status": row.status,
        "paid_by": row.paid_by,
        "windows": [{"start_utc": iso(w.start_dt), "end_utc": iso(w.end_dt)} for w in row.windows],
    }


# Erasing a request deletes its sessions, windows and invitations too (ON DELETE CASCADE).
register(
    member_table_entry(
        SimulationRequest,
        to_row=_request_row,
        owner="candidate_id",
        key="simulation_requests",
        category=_l("Your mock-interview requests: type, mode, goal, time windows"),
        purpose=_l("Finding the interviewers best suited to your request, and arranging the session"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("The interviewers you invite"), _l("Your sponsor, as a count only, if it paid")),
        retention=AS_LONG_AS_THE_ACCOUNT,
        tables=("simulation_request", "time_window"),
        order=40,
    )
)


def _invitation_row(row: SimulationInvitation) -> dict:
    return {
        "received": iso(row.created_dt),
        "status": row.status,
        "answered": iso(row.responded_dt),
        "decline_reason": row.decline_reason,
    }


register(
    member_table_entry(
        SimulationInvitation,
        to_row=_invitation_row,
        owner="interviewer_id",
        key="simulation_invitations",
        category=_l("Invitations you received as an interviewer, and your answers"),
        purpose=_l("Arranging mock interviews and spreading requests fairly between interviewers"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("The candidate who invited you sees whether you accepted"),),
        retention=AS_LONG_AS_THE_ACCOUNT,
        order=41,
    )
)


def _takes_part(user):
    """The sessions the member takes part in, as the candidate or the interviewer."""
    return or_(InterviewSession.candidate_id == user.id, InterviewSession.interviewer_id == user.id)


def _sessions(user):
    return db.session.scalars(
        select(InterviewSession)
        .where(_takes_part(user))
        .order_by(InterviewSession.start_dt)
        .options(selectinload(InterviewSession.feedback))  # not one query per session
    )


def export_sessions(user) -> list[dict]:
    result = []
    for session in _sessions(user):
        feedback = session.feedback
        result.append(
            {
                "role": "candidate" if session.candidate_id == user.id else "interviewer",
                "start_utc": iso(session.start_dt),
                "status": session.status,
                "meeting_details": session.meeting_details,
                "cancel_reason": session.cancel_reason,
                "feedback": None
                if feedback is None
                else {
                    "scores": feedback.scores,
                    "strengths": feedback.strengths,
                    "improvements": feedback.improvements,
                    "recommendations": feedback.recommendations,
                    "resources": feedback.resources,
                    "sent": iso(feedback.submitted_dt),
                    "candidate_rating": feedback.candidate_rating,
                    "candidate_comment": feedback.candidate_comment,
                    "shared_with_sponsor": feedback.is_shared_with_sponsor,
                },
            }
        )
    return result


def erase_sessions(user) -> int:
    """The member's own sessions as a candidate go; as an interviewer, the session stays for the candidate,
    without the link to the interviewer, and the feedback the candidate received is kept for them."""
    return (
        unlink_member(InterviewSession, "interviewer_id", user)
        + unlink_member(InterviewSession, "cancelled_by_id", user)
        + delete_member_rows(InterviewSession, user, "candidate_id")
    )


register(
    PersonalDataEntry(
        key="interview_sessions",
        category=_l("Your mock-interview sessions, the feedback and recommendations, and your ratings"),
        purpose=_l("Running the session, sending the feedback, and improving the service"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(
            _l("The other party of each session"),
            _l("Your sponsor, only for feedback you chose to share"),
        ),
        retention=AS_LONG_AS_THE_ACCOUNT,
        tables=("interview_session", "feedback"),
        erasure=ErasureAction.ANONYMISE,
        erasure_note=_l("A session you ran as an interviewer stays in the candidate's history, without your name."),
        export=export_sessions,
        erase=erase_sessions,
        count_query=lambda user: select(func.count(InterviewSession.id)).where(_takes_part(user)),
        order=42,
    )
)

# Feedback rows belong to a session: they are exported and erased with it (above).
_ = Feedback


def export_messages(user) -> list[dict]:
    """The messages of the member's sessions: hers and the other party's answers to her (the thread is hers too)."""
    rows = db.session.execute(
        select(SessionMessage, InterviewSession.public_id)
        .join(InterviewSession, SessionMessage.session_id == InterviewSession.id)
        .where(_takes_part(user))
        .order_by(SessionMessage.created_dt, SessionMessage.id)
    )
    return [
        {
            "session": session_public_id,
            "written": iso(message.created_dt),
            "from": "you" if message.author_id == user.id else "the other party",
            "text": message.body,
        }
        for message, session_public_id in rows
    ]


def erase_messages(user) -> int:
    """The messages she wrote are deleted; the other party's own messages stay in their thread, under no name
    of hers (the session no longer links to an erased interviewer, an erased candidate's sessions go whole)."""
    return delete_member_rows(SessionMessage, user, "author_id")


register(
    PersonalDataEntry(
        key="session_messages",
        category=_l("Messages you exchanged with the other party of a mock interview"),
        purpose=_l("Preparing and arranging the session with the other party"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("The other party of each session"),),
        retention=AS_LONG_AS_THE_ACCOUNT,
        tables=("session_message",),
        erasure_note=_l(
            "The messages you wrote are deleted; the other party keeps the messages they wrote, without your name."
        ),
        export=export_messages,
        erase=erase_messages,
        count_query=lambda user: (
            select(func.count(SessionMessage.id))
            .join(InterviewSession, SessionMessage.session_id == InterviewSession.id)
            .where(_takes_part(user))
        ),
        order=43,
    )
)
