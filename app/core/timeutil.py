"""Time in one place: naive UTC datetimes in the database (`*_dt` columns), aware ones for display."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time in UTC, without tzinfo, as the `*_dt` columns store it."""
    return datetime.now(UTC).replace(tzinfo=None)
