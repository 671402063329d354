"""Plain sentences, in the reader's language, for the reasons matching gives, its suggestions, and why
nobody fits when nobody does."""

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from flask_babel import format_date, get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from app.profiles.choices import CompanyType, InterviewType, Mode, Sector

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
    if code in PROFILE_REASONS:
        return PROFILE_REASONS[code](values)
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


def _sector(values: dict) -> str:
    sector = Sector(values["sector"]).label
    if values.get("source") == "profile":
        return gettext("knows a sector your profile aims at: %(sector)s", sector=sector)
    return gettext("knows the sector of your request: %(sector)s", sector=sector)


def _company_type(values: dict) -> str:
    kind = CompanyType(values["company_type"]).label
    if values.get("source") == "profile":
        return gettext("knows a kind of company your profile aims at: %(kind)s", kind=kind)
    return gettext("knows the kind of company of your request: %(kind)s", kind=kind)


def _employer(values: dict) -> str:
    if values.get("current"):
        return gettext("works at %(employer)s, where you gained experience", employer=values.get("employer", ""))
    return gettext("has worked at %(employer)s, where you gained experience", employer=values.get("employer", ""))


def _mention(values: dict) -> str:
    term, source = values.get("term", ""), values.get("source")
    if source == "school":
        return gettext("their profile mentions %(term)s, where you studied", term=term)
    if source == "field":
        return gettext("their profile mentions %(term)s, your field of study", term=term)
    return gettext("their profile mentions %(term)s, one of your skills", term=term)


#: Reasons that say where they come from: the request, or the candidate's profile (goals, experience, education).
PROFILE_REASONS = {"sector": _sector, "company_type": _company_type, "employer": _employer, "mention": _mention}


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


# --- why nobody fits ---------------------------------------------------------------------------------

#: The criterion that leaves nobody, for "What stands in the way: %(criterion)s."; values from `_words`.
OBSTACLES = {
    "language": _l("the language, %(language)s"),
    "mode": _l("the format, %(mode)s"),
    "city": _l("face-to-face interviews in %(city)s"),
    "full": _l("room this week: the interviewers who could take it are fully booked"),
    "type": _l("the type of interview, %(kind)s"),
    "sector": _l("the sector, %(sector)s"),
    "company_type": _l("the kind of company, %(company_type)s"),
    "time": _l("your time windows: nobody who fits the rest is free in them"),
}
#: How many are left once a criterion is applied, under "Interviewers open to requests: %(count)d".
FUNNEL = {
    "language": _l("who interview in %(language)s: %(count)d"),
    "mode": _l("who also interview %(mode)s: %(count)d"),
    "city": _l("who also meet face to face in %(city)s: %(count)d"),
    "full": _l("who also have room this week: %(count)d"),
    "type": _l("who also run this type of interview (%(kind)s): %(count)d"),
    "sector": _l("who also know the sector (%(sector)s): %(count)d"),
    "company_type": _l("who also know this kind of company (%(company_type)s): %(count)d"),
    "time": _l("who are also free in one of your windows: %(count)d"),
}


def _words(request) -> dict:
    """The request's values as the sentences name them, in the reader's language."""
    return {
        "language": Locale.parse(str(get_locale())).languages.get(request.language, request.language),
        "mode": Mode(request.mode).label.lower() if request.mode in Mode._value2member_map_ else request.mode,
        "city": request.city,
        "kind": InterviewType(request.interview_type).label.lower(),
        "sector": Sector(request.sector).label if request.sector else "",
        "company_type": CompanyType(request.company_type).label if request.company_type else "",
    }


def obstacle_sentence(mismatch, request) -> str:
    """The real mismatch, named: 'What stands in the way: the sector, Luxury and fashion.'"""
    if mismatch.code == "nobody":
        return gettext("No other interviewer is open to requests right now.")
    criterion = str(OBSTACLES[mismatch.code]) % _words(request)
    return gettext("What stands in the way: %(criterion)s.", criterion=criterion)


def funnel_lines(mismatches, request) -> list[str]:
    """How many interviewers each criterion leaves, from all those open to requests: 'Interviewers open to
    requests: 14', 'who interview in German: 3', 'who also interview by video: 0'."""
    if not mismatches or mismatches[0].code == "nobody":
        return []
    words = _words(request)
    lines = [gettext("Interviewers open to requests: %(count)d", count=mismatches[0].total)]
    lines.extend(str(FUNNEL[mismatch.code]) % {**words, "count": mismatch.left} for mismatch in mismatches)
    return lines
