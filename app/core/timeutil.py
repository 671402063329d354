"""Time in one place: naive UTC datetimes in the database (`*_dt` columns), aware ones for display."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time in UTC, without tzinfo, as the `*_dt` columns store it."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_to_utc(local: datetime, zone: str) -> datetime:
    """A wall-clock time in `zone` as the naive UTC datetime the database stores."""
    from zoneinfo import ZoneInfo

    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).replace(tzinfo=None)
