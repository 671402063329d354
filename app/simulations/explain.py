"""Plain sentences, in the reader's language, for the reasons matching gives and its suggestions."""

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import format_date, get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from app.profiles.choices import CompanyType, InterviewType, Sector

SUGGESTIONS = {
    "mode_video": _l("Ask for a video interview: more interviewers offer it."),
    "mode_phone": _l("Ask for a phone interview: more interviewers offer it."),
    "other_language": _l("Accept the interview in the other language."),
    "any_sector": _l("Choose 'Any sector': interviewers from other sectors fit your request well."),
    "any_company_type": _l("Choose 'Any kind' of company."),
    "more_windows": _l("Add more time windows, at other times of day or on other days."),
}


def part_of_day(moment: datetime) -> str:
    if moment.hour < 12:
        return gettext("morning")
    if moment.hour < 18:
        return gettext("afternoon")
    return gettext("evening")


def reason_sentence(code: str, values: dict, timezone: str) -> str:
    """One reason as a short sentence; `timezone` is the reader's, for times."""
    if code == "type":
        kind = InterviewType(values["type"]).label.lower()
        count = values.get("count", 0)
        if count and values.get("company_type"):
            return ngettext(
                "has run %(num)d session of this type (%(kind)s) for %(companies)s",
                "has run %(num)d sessions of this type (%(kind)s) for %(companies)s",
                count,
                kind=kind,
                companies=CompanyType(values["company_type"]).label.lower(),
            )
        return gettext("runs this type of interview: %(kind)s", kind=kind)
    if code == "sector":
        return gettext("knows the sector: %(sector)s", sector=Sector(values["sector"]).label)
    if code == "company_type":
        return gettext("knows this kind of company: %(kind)s", kind=CompanyType(values["company_type"]).label)
    if code == "free":
        start = values["start"]
        if isinstance(start, str):
            start = datetime.fromisoformat(start)
        local = (
            start.astimezone(ZoneInfo(timezone))
            if start.tzinfo
            else start.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))
        )
        return gettext("free on %(day)s %(part)s", day=format_date(local.date(), "EEEE"), part=part_of_day(local))
    if code == "not_free":
        return gettext("no availability in your windows yet")
    if code == "free_week":
        return gettext("has room this week")
    return code


def reasons_text(reasons, timezone: str) -> str:
    """All reasons of a match, joined: 'has run 12 case interviews for consulting firms; free on Tuesday evening'."""
    language = str(get_locale())
    text = "; ".join(
        _remembered_sentence(
            reason.code if hasattr(reason, "code") else reason["code"],
            reason.values if hasattr(reason, "values") else reason,
            timezone,
            language,
        )
        for reason in reasons
    )
    return text[:1].upper() + text[1:] + "."


def _remembered_sentence(code: str, values: dict, timezone: str, language: str) -> str:
    """The same reasons come back on every view of a request page (its ranking is cached): write each once."""
    frozen = tuple(sorted(values.items()))
    try:
        return _sentence(code, frozen, timezone, language)
    except TypeError:  # a value that cannot be a key (a list): written each time
        return reason_sentence(code, values, timezone)


@functools.lru_cache(maxsize=4096)
def _sentence(code: str, frozen_values: tuple, timezone: str, language: str) -> str:
    return reason_sentence(code, dict(frozen_values), timezone)  # `language` is the page's: part of the key
