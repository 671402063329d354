"""Planning a session: the calendar file and the "add to my calendar" links, as each party reads them.

The links are plain addresses built here; the member's browser opens them, the portal calls no calendar.
"""

from dataclasses import dataclass

from flask_babel import gettext as _

from app.core.mail import absolute_url
from app.profiles.choices import InterviewType
from app.simulations import calendar
from app.simulations.models import InterviewSession, SessionStatus


@dataclass(frozen=True)
class CalendarEvent:
    title: str
    details: str
    location: str


def event_for(session: InterviewSession, reader) -> CalendarEvent:
    """The session as a calendar entry for `reader`, in the current language (the reader's page or e-mail)."""
    kind = session.request.interview_type
    label = InterviewType(kind).label if kind in InterviewType._value2member_map_ else kind
    link = absolute_url("simulations.session", lang_code=reader.locale, public_id=session.public_id)
    return CalendarEvent(
        title=_("Mock interview (Caseinjob): %(kind)s", kind=label),
        details=_("Session details: %(link)s", link=link),
        location=session.meeting_details or "",
    )


def ics_for(session: InterviewSession, reader) -> bytes:
    """The .ics file of the session (cancelled sessions as a cancellation, so calendars remove them)."""
    event = event_for(session, reader)
    return calendar.session_ics(
        uid=session.public_id,
        start=session.start_dt,
        end=session.end_dt,
        summary=event.title,
        description=event.details,
        location=event.location,
        cancelled=session.status == SessionStatus.CANCELLED,
    )


def calendar_links(session: InterviewSession, reader) -> dict[str, str]:
    """{"google": ..., "outlook": ...} for a scheduled session."""
    event = event_for(session, reader)
    values = {
        "start": session.start_dt,
        "end": session.end_dt,
        "title": event.title,
        "details": event.details,
        "location": event.location,
    }
    return {"google": calendar.google_calendar_link(**values), "outlook": calendar.outlook_calendar_link(**values)}
