"""The page-wide datetime formatter writes exactly what Flask-Babel's `datetimeformat` filter writes."""

import datetime as dt

import pytest
import pytz
from flask_babel import force_locale, format_datetime, get_babel

from app.core.dateformat import DateTimeFormatter

VALUES = [
    dt.datetime(2026, 3, 29, 0, 59),  # naive = UTC: just before the switch to summer time in Paris
    dt.datetime(2026, 3, 29, 1, 0),
    dt.datetime(2026, 10, 25, 0, 30),  # the hour that happens twice in Paris
    dt.datetime(2026, 10, 25, 1, 30),
    dt.datetime(2026, 11, 8, 6, 30),  # New York leaves summer time
    dt.datetime(2026, 1, 1, 23, 59, 59, 999999),
    dt.datetime(2026, 7, 14, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 7, 14, 12, 0, tzinfo=pytz.timezone("Asia/Tokyo").localize(dt.datetime(2026, 7, 14)).tzinfo),
    dt.date(2026, 2, 3),  # not a datetime: the filter itself
]


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_same_text_as_the_filter(app, monkeypatch, locale, zone):
    monkeypatch.setattr(get_babel(app), "timezone_selector", lambda: zone)
    with app.test_request_context(f"/{locale}/"), force_locale(locale):
        for format in ("short", "medium", "long", "full"):
            formatter = DateTimeFormatter(format)
            assert str(formatter.tzinfo) == zone
            for value in VALUES:
                assert formatter(value) == format_datetime(value, format), (format, value)


def test_a_custom_babel_format_is_left_to_the_filter(app, monkeypatch):
    monkeypatch.setitem(get_babel(app).instance.date_formats, "datetime.short", "yyyy-MM-dd HH:mm")
    with app.test_request_context("/en/"), force_locale("en"):
        value = dt.datetime(2026, 5, 6, 7, 8)
        assert DateTimeFormatter("short")(value) == format_datetime(value, "short")
        assert DateTimeFormatter("short")(value).startswith("2026-05-06 ")
