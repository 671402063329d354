"""Datetimes formatted as Flask-Babel's `datetimeformat` filter does, for pages that format many of them.

The filter looks up and parses the locale's patterns again for every value (about 130 Python calls each);
a page of 50 sign-ins and 50 consent choices spent more on that than on reading the rows. The formatter
here looks them up once per page, and gives the same text for every value.
"""

import datetime as dt
from functools import lru_cache

from babel import dates
from flask_babel import format_datetime, get_babel, get_locale, get_timezone

PREDEFINED = ("full", "long", "medium", "short")


@lru_cache(maxsize=64)
def _patterns(locale, format: str) -> tuple[str, dates.DateTimePattern, dates.DateTimePattern]:
    """How babel.dates.format_datetime writes a predefined format: "{1}, {0}" with the date and time patterns."""
    return (
        dates.get_datetime_format(format, locale=locale).replace("'", ""),
        dates.parse_pattern(dates.get_time_format(format, locale=locale)),
        dates.parse_pattern(dates.get_date_format(format, locale=locale)),
    )


class DateTimeFormatter:
    """`value|datetimeformat(format)` for one page: in the page's locale and the member's time zone."""

    def __init__(self, format: str = "short") -> None:
        self.format = format
        self.locale = get_locale()
        self.tzinfo = get_timezone()
        # Flask-Babel's BABEL date formats may map "short" to a pattern of their own: then use the filter itself.
        self.patterns = _patterns(self.locale, format) if _flask_babel_format(format) in PREDEFINED else None

    def __call__(self, value) -> str:
        if self.patterns is None or not isinstance(value, dt.datetime):
            return format_datetime(value, self.format)
        template, time_pattern, date_pattern = self.patterns
        moment = self._in_zone(value)
        time_text = time_pattern.apply(moment.timetz(), self.locale, reference_date=moment.date())
        return template.replace("{0}", time_text).replace("{1}", date_pattern.apply(moment.date(), self.locale))

    def _in_zone(self, value: dt.datetime) -> dt.datetime:
        """As babel does: a naive datetime is UTC, shown in the member's time zone."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        if self.tzinfo is None:
            return value
        value = value.astimezone(self.tzinfo)
        return self.tzinfo.normalize(value) if hasattr(self.tzinfo, "normalize") else value


def _flask_babel_format(format: str) -> str:
    return get_babel().instance.date_formats.get(f"datetime.{format}") or format
