"""Personal data of interview simulations: requests and windows, invitations, sessions, feedback, ratings."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import selectinload

from app.core.registry import ErasureAction, LegalBasis, PersonalDataEntry, register
from app.extensions import db
from app.simulations.models import (
    Feedback,
    InterviewSession,
    SessionMessage,
    SimulationInvitation,
    SimulationRequest,
)


def _iso(value):
    return value.isoformat() if value else None


def export_requests(user) -> list[dict]:
    rows = db.session.scalars(
        select(SimulationRequest).where(SimulationRequest.candidate_id == user.id).order_by(SimulationRequest.id)
    )
    return [
        {
            "created": _iso(row.created_dt),
            "interview_type": row.interview_type,
            "mode": row.mode,
            "city": row.city,
            "sector": row.sector,
            "company_type": row.company_type,
            "language": row.language,
            "goal": row.goal,
            "status": row.status,
            "paid_by": row.paid_by,
            "windows": [{"start_utc": _iso(w.start_dt), "end_utc": _iso(w.end_dt)} for w in row.windows],
        }
        for row in rows
    ]


def erase_requests(user) -> int:
    # Sessions, windows and invitations of the member's requests go with them (ON DELETE CASCADE).
    return db.session.execute(delete(SimulationRequest).where(SimulationRequest.candidate_id == user.id)).rowcount


register(
    PersonalDataEntry(
        key="simulation_requests",
        category=_l("Your mock-interview requests: type, mode, goal, time windows"),
        purpose=_l("Finding the interviewers best suited to your request, and arranging the session"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("The interviewers you invite"), _l("Your sponsor, as a count only, if it paid")),
        retention=_l("As long as your account exists"),
        tables=("simulation_request", "time_window"),
        export=export_requests,
        erase=erase_requests,
        count_query=lambda user: select(func.count(SimulationRequest.id)).where(
            SimulationRequest.candidate_id == user.id
        ),
        order=40,
    )
)


def export_invitations(user) -> list[dict]:
    rows = db.session.scalars(
        select(SimulationInvitation)
        .where(SimulationInvitation.interviewer_id == user.id)
        .order_by(SimulationInvitation.id)
    )
    return [
        {
            "received": _iso(row.created_dt),
            "status": row.status,
            "answered": _iso(row.responded_dt),
            "decline_reason": row.decline_reason,
        }
        for row in rows
    ]


register(
    PersonalDataEntry(
        key="simulation_invitations",
        category=_l("Invitations you received as an interviewer, and your answers"),
        purpose=_l("Arranging mock interviews and spreading requests fairly between interviewers"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("The candidate who invited you sees whether you accepted"),),
        retention=_l("As long as your account exists"),
        tables=("simulation_invitation",),
        export=export_invitations,
        erase=lambda user: (
            db.session.execute(
                delete(SimulationInvitation).where(SimulationInvitation.interviewer_id == user.id)
            ).rowcount
        ),
        count_query=lambda user: select(func.count(SimulationInvitation.id)).where(
            SimulationInvitation.interviewer_id == user.id
        ),
        order=41,
    )
)


def _sessions(user):
    return db.session.scalars(
        select(InterviewSession)
        .where(or_(InterviewSession.candidate_id == user.id, InterviewSession.interviewer_id == user.id))
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
                "start_utc": _iso(session.start_dt),
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
                    "sent": _iso(feedback.submitted_dt),
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
    touched = db.session.execute(
        update(InterviewSession).where(InterviewSession.interviewer_id == user.id).values(interviewer_id=None)
    ).rowcount
    touched += db.session.execute(
        update(InterviewSession).where(InterviewSession.cancelled_by_id == user.id).values(cancelled_by_id=None)
    ).rowcount
    return (
        touched + db.session.execute(delete(InterviewSession).where(InterviewSession.candidate_id == user.id)).rowcount
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
        retention=_l("As long as your account exists"),
        tables=("interview_session", "feedback"),
        erasure=ErasureAction.ANONYMISE,
        erasure_note=_l("A session you ran as an interviewer stays in the candidate's history, without your name."),
        export=export_sessions,
        erase=erase_sessions,
        count_query=lambda user: select(func.count(InterviewSession.id)).where(
            or_(InterviewSession.candidate_id == user.id, InterviewSession.interviewer_id == user.id)
        ),
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
        .where(or_(InterviewSession.candidate_id == user.id, InterviewSession.interviewer_id == user.id))
        .order_by(SessionMessage.created_dt, SessionMessage.id)
    )
    return [
        {
            "session": session_public_id,
            "written": _iso(message.created_dt),
            "from": "you" if message.author_id == user.id else "the other party",
            "text": message.body,
        }
        for message, session_public_id in rows
    ]


def erase_messages(user) -> int:
    """The messages she wrote are deleted; the other party's own messages stay in their thread, under no name
    of hers (the session no longer links to an erased interviewer, an erased candidate's sessions go whole)."""
    return db.session.execute(delete(SessionMessage).where(SessionMessage.author_id == user.id)).rowcount


register(
    PersonalDataEntry(
        key="session_messages",
        category=_l("Messages you exchanged with the other party of a mock interview"),
        purpose=_l("Preparing and arranging the session with the other party"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("The other party of each session"),),
        retention=_l("As long as your account exists"),
        tables=("session_message",),
        erasure_note=_l(
            "The messages you wrote are deleted; the other party keeps the messages they wrote, without your name."
        ),
        export=export_messages,
        erase=erase_messages,
        count_query=lambda user: (
            select(func.count(SessionMessage.id))
            .join(InterviewSession, SessionMessage.session_id == InterviewSession.id)
            .where(or_(InterviewSession.candidate_id == user.id, InterviewSession.interviewer_id == user.id))
        ),
        order=43,
    )
)
