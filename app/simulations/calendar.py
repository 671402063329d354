"""Calendar invitations (.ics, RFC 5545) for interview sessions, built with the icalendar package."""

from datetime import UTC
from urllib.parse import urlencode

from icalendar import Calendar, Event, vText

PRODUCT_ID = "-//Caseinjob//Interview simulations//EN"


def session_ics(
    *, uid: str, start, end, summary: str, description: str, location: str, sequence: int = 0, cancelled: bool = False
) -> bytes:
    """One event in UTC; calendar apps show it in each reader's own time zone."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"{uid}@caseinjob")
    event.add("dtstamp", start.replace(tzinfo=UTC))
    event.add("dtstart", start.replace(tzinfo=UTC))
    event.add("dtend", end.replace(tzinfo=UTC))
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event["location"] = vText(location)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
OUTLOOK_CALENDAR = "https://outlook.live.com/calendar/0/deeplink/compose"


def google_calendar_link(*, start, end, title: str, details: str, location: str) -> str:
    """An "add to Google Calendar" address: the browser opens it, the portal calls no one."""
    moment = "%Y%m%dT%H%M%SZ"
    query = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{start.strftime(moment)}/{end.strftime(moment)}",  # UTC: Google shows the reader's zone
        "details": details,
        "location": location,
    }
    return f"{GOOGLE_CALENDAR}?{urlencode(query)}"


def outlook_calendar_link(*, start, end, title: str, details: str, location: str) -> str:
    """An "add to Outlook" address (Outlook on the web's compose deep link)."""
    moment = "%Y-%m-%dT%H:%M:%SZ"
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": start.strftime(moment),
        "enddt": end.strftime(moment),
        "body": details,
        "location": location,
    }
    return f"{OUTLOOK_CALENDAR}?{urlencode(query)}"
