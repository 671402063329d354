"""What candidates and interviewers have to do next about their mock interviews, for the home page
(registered in app/simulations/blueprint.py with core.next_steps). A fixed number of queries per member."""

from datetime import timedelta

from flask import url_for
from flask_babel import format_date, format_time, gettext, ngettext
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.core import prebuilt
from app.core.next_steps import Link, NextStep
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.disclosure import Recipient, disclosed_to
from app.profiles.choices import InterviewType
from app.simulations.meeting import link_for
from app.simulations.models import (
    Feedback,
    InterviewSession,
    InvitationStatus,
    RequestStatus,
    SessionStatus,
    SimulationInvitation,
    SimulationRequest,
)

#: How many of each kind the home page lists one by one; past that, one step says how many more.
SHOWN = 3
#: An invitation expiring within this is marked urgent.
URGENT_WITHIN = timedelta(hours=24)


def moment(value, member) -> str:
    """ "Tuesday 14 April 2026 at 18:00 (Europe/Paris)": the member's language and time zone, the zone named."""
    return gettext(
        "%(date)s at %(time)s (%(zone)s time)",
        date=format_date(value, "full"),
        time=format_time(value, "short"),
        zone=member.timezone,
    )


def _type_label(code: str) -> str:
    return InterviewType(code).label if code in InterviewType._value2member_map_ else code


def _name(first_name: str | None, last_name: str | None) -> str:
    """The other party's name, or "a former member" when their account is gone (its columns read None)."""
    return f"{first_name} {last_name}" if first_name is not None else gettext("a former member")


def _interview_of(start_dt) -> str:
    return gettext("Interview of %(date)s", date=format_date(start_dt, "long"))


def _session_links(session) -> tuple[Link, ...]:
    links = []
    join = link_for(session.mode, session.meeting_details)
    if join:
        links.append(Link(gettext("Join the video call"), join))
    calendar = url_for("simulations.session_calendar", public_id=session.public_id)
    links.append(Link(gettext("Add to my calendar (.ics)"), calendar, is_download=True))
    return tuple(links)


def _session_to_come(session, member, text: str, now) -> NextStep:
    """A scheduled interview: when, in the member's zone, marked urgent within a day, with its call and calendar."""
    return NextStep(
        text,
        url_for("simulations.session", public_id=session.public_id),
        detail=moment(session.start_dt, member),
        due=session.start_dt,
        is_urgent=session.start_dt - now < URGENT_WITHIN,
        links=_session_links(session),
    )


# The home page reads plain rows (Core), with selects built once (app.core.prebuilt): it shows a few columns.


def _sessions_to_come(as_interviewer: bool):
    """The member's next scheduled sessions, with the request's mode and type and the other party's name."""
    mine, other = (
        (InterviewSession.interviewer_id, InterviewSession.candidate_id)
        if as_interviewer
        else (InterviewSession.candidate_id, InterviewSession.interviewer_id)
    )
    return (
        select(
            InterviewSession.public_id,
            InterviewSession.start_dt,
            InterviewSession.meeting_details,
            SimulationRequest.mode,
            SimulationRequest.interview_type,
            User.first_name,
            User.last_name,
        )
        .join(SimulationRequest, SimulationRequest.id == InterviewSession.request_id)
        .outerjoin(User, User.id == other)
        .where(
            mine == bindparam("member_id"),
            InterviewSession.status == SessionStatus.SCHEDULED.value,
            InterviewSession.end_dt > bindparam("now"),
        )
        .order_by(InterviewSession.start_dt)
        .limit(SHOWN)
    )


_TO_COME = {as_interviewer: _sessions_to_come(as_interviewer) for as_interviewer in (False, True)}

_FEEDBACK_TO_READ = (
    select(InterviewSession.public_id, InterviewSession.start_dt, User.first_name, User.last_name)
    .join(Feedback, Feedback.session_id == InterviewSession.id)
    .outerjoin(User, User.id == InterviewSession.interviewer_id)
    .where(
        InterviewSession.candidate_id == bindparam("member_id"),
        Feedback.submitted_dt.is_not(None),
        Feedback.rated_dt.is_(None),
    )
    .order_by(Feedback.submitted_dt.desc())
    .limit(SHOWN)
)

#: The member's newest open requests, each with how many interviewers are invited and yet to answer.
_OPEN_REQUESTS = (
    select(SimulationRequest.public_id, SimulationRequest.interview_type, func.count(SimulationInvitation.id))
    .outerjoin(
        SimulationInvitation,
        (SimulationInvitation.request_id == SimulationRequest.id)
        & (SimulationInvitation.status == InvitationStatus.PENDING.value),
    )
    .where(
        SimulationRequest.candidate_id == bindparam("member_id"),
        SimulationRequest.status == RequestStatus.OPEN.value,
    )
    .group_by(
        SimulationRequest.id,
        SimulationRequest.public_id,
        SimulationRequest.interview_type,
        SimulationRequest.created_dt,
    )
    .order_by(SimulationRequest.created_dt.desc(), SimulationRequest.id.desc())
    .limit(SHOWN)
)

#: Sessions that have started and whose interviewer has not submitted feedback yet.
_FEEDBACK_TO_WRITE = (
    select(
        InterviewSession.public_id,
        InterviewSession.start_dt,
        InterviewSession.end_dt,
        User.first_name,
        User.last_name,
    )
    .outerjoin(Feedback, Feedback.session_id == InterviewSession.id)
    .outerjoin(User, User.id == InterviewSession.candidate_id)
    .where(
        InterviewSession.interviewer_id == bindparam("member_id"),
        InterviewSession.status == SessionStatus.SCHEDULED.value,
        InterviewSession.start_dt <= bindparam("now"),
        Feedback.submitted_dt.is_(None),
    )
    .order_by(InterviewSession.start_dt)
    .limit(SHOWN)
)


def _upcoming(member, *, as_interviewer: bool) -> list:
    return prebuilt.rows(_TO_COME[as_interviewer], member_id=member.id, now=utcnow())


def candidate_steps(member) -> list[NextStep]:
    """The next interview with its link and calendar file, feedback to read and rate, requests still open."""
    now = utcnow()
    steps = []
    upcoming = _upcoming(member, as_interviewer=False)
    for session in upcoming:
        text = gettext(
            "Mock interview with %(name)s: %(type)s",
            type=_type_label(session.interview_type),
            name=_name(session.first_name, session.last_name),
        )
        steps.append(_session_to_come(session, member, text, now))
    for session in prebuilt.rows(_FEEDBACK_TO_READ, member_id=member.id):
        text = gettext(
            "Read %(name)s's feedback and rate the session", name=_name(session.first_name, session.last_name)
        )
        url = url_for("simulations.session", public_id=session.public_id, _anchor="feedback-title")
        steps.append(NextStep(text, url, detail=_interview_of(session.start_dt)))
    waiting = prebuilt.rows(_OPEN_REQUESTS, member_id=member.id)
    for public_id, interview_type, invited in waiting:
        kind = _type_label(interview_type)
        if invited:
            text = gettext("Your request (%(type)s) is waiting for an interviewer's answer", type=kind)
            detail = ngettext("%(num)d interviewer invited", "%(num)d interviewers invited", invited)
        else:
            text = gettext("Invite interviewers for your request (%(type)s)", type=kind)
            detail = gettext("Nobody is invited yet: choose among the interviewers proposed.")
        steps.append(NextStep(text, url_for("simulations.request_page", public_id=public_id), detail=detail))
    if not upcoming and not waiting:
        how = gettext("Give a few time windows: we propose the interviewers who suit your goal.")
        steps.append(NextStep(gettext("Ask for a mock interview"), url_for("simulations.new_request"), detail=how))
    return steps


def interviewer_steps(member) -> list[NextStep]:
    """Invitations to answer before they expire, sessions to come, feedback to write."""
    now = utcnow()
    steps = []
    invitations = list(
        db.session.scalars(
            select(SimulationInvitation)
            .join(SimulationRequest, SimulationRequest.id == SimulationInvitation.request_id)
            .options(
                joinedload(SimulationInvitation.request).lazyload(SimulationRequest.windows),
                joinedload(SimulationInvitation.request).joinedload(SimulationRequest.candidate).lazyload(User.roles),
            )
            .where(
                SimulationInvitation.interviewer_id == member.id,
                SimulationInvitation.status == InvitationStatus.PENDING.value,
                SimulationInvitation.expires_dt > now,
                disclosed_to(Recipient.INTERVIEWER, SimulationRequest.candidate_id),
            )
            .order_by(SimulationInvitation.expires_dt)
            .limit(SHOWN + 1)
        )
    )
    for invitation in invitations[:SHOWN]:
        request = invitation.request
        steps.append(
            NextStep(
                gettext(
                    "Answer %(name)s's request: %(type)s",
                    name=request.candidate.first_name,
                    type=_type_label(request.interview_type),
                ),
                url_for("simulations.invitation", public_id=invitation.public_id),
                detail=gettext(
                    "Expires on %(date)s at %(time)s",
                    date=format_date(invitation.expires_dt, "long"),
                    time=format_time(invitation.expires_dt, "short"),
                ),
                due=invitation.expires_dt,
                is_urgent=invitation.expires_dt - now < URGENT_WITHIN,
            )
        )
    if len(invitations) > SHOWN:
        steps.append(NextStep(gettext("See every invitation waiting for your answer"), url_for("simulations.index")))
    for session in _upcoming(member, as_interviewer=True):
        text = gettext(
            "Interview %(name)s: %(type)s",
            name=_name(session.first_name, session.last_name),
            type=_type_label(session.interview_type),
        )
        steps.append(_session_to_come(session, member, text, now))
    to_write = prebuilt.rows(_FEEDBACK_TO_WRITE, member_id=member.id, now=now)
    for session in to_write:
        steps.append(
            NextStep(
                gettext("Write your feedback for %(name)s", name=_name(session.first_name, session.last_name)),
                url_for("simulations.session", public_id=session.public_id, _anchor="write-title"),
                detail=_interview_of(session.start_dt),
                due=session.end_dt + timedelta(days=1),
                is_urgent=now - session.end_dt > timedelta(days=1),
            )
        )
    return steps
