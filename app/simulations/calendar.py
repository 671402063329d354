"""Calendar invitations (.ics, RFC 5545) for interview sessions, built with the icalendar package."""

from datetime import UTC

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
