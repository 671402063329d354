"""Matching: rank the interviewers who can run a requested mock interview, and explain each rank.

A pure function over plain data (no database, no request), so it is tested on its own with large,
hand-made data sets. The service layer loads the data and turns the reasons into sentences.
"""

import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Points for each kind of fit. Interview type matters most, then availability, then the target.
WEIGHT_TYPE = 40
WEIGHT_AVAILABILITY = 30
WEIGHT_SECTOR = 20
WEIGHT_COMPANY_TYPE = 20
WEIGHT_EXPERIENCE = 10  # full bonus at EXPERIENCE_FULL sessions of this type for this kind of company
EXPERIENCE_FULL = 10
WEIGHT_LOAD = 25  # taken away as the interviewer's week fills up, so that requests are spread
#: Below this, a match is not good enough to propose: the candidate is told how to widen the request.
GOOD_FIT = 70
BEST_FEW = 5


@dataclass(frozen=True)
class Window:
    start: datetime  # aware (UTC)
    end: datetime


@dataclass(frozen=True)
class Slot:
    weekday: int  # 0 = Monday, in the interviewer's time zone
    start: time
    end: time


@dataclass(frozen=True)
class RequestSpec:
    candidate_id: int
    mode: str
    interview_type: str
    sector: str
    company_type: str
    language: str
    windows: Sequence[Window]
    city: str = ""


@dataclass(frozen=True)
class InterviewerSpec:
    user_id: int
    is_accepting: bool
    languages: frozenset[str]
    modes: frozenset[str]
    interview_types: frozenset[str]
    sectors: frozenset[str]
    company_types: frozenset[str]
    timezone: str
    slots: Sequence[Slot]
    weekly_capacity: int
    load: int = 0  # sessions this week, no-shows included
    city: str = ""
    #: Completed sessions by (interview type, company type).
    experience: dict = field(default_factory=dict)
    is_restricted: bool = False


@dataclass(frozen=True)
class Reason:
    """Why a match scores as it does: a code and the values a sentence needs."""

    code: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    user_id: int
    score: int
    reasons: tuple[Reason, ...]
    free_windows: tuple[Window, ...]

    @property
    def is_good(self) -> bool:
        return self.score >= GOOD_FIT


def is_eligible(request: RequestSpec, interviewer: InterviewerSpec) -> bool:
    """The hard rules: never the candidate, never a restricted member; accepting, language, mode, room in the week."""
    if interviewer.user_id == request.candidate_id or interviewer.is_restricted or not interviewer.is_accepting:
        return False
    if request.language not in interviewer.languages or request.mode not in interviewer.modes:
        return False
    if request.mode == "in_person" and not same_city(interviewer.city, request.city):
        return False
    return interviewer.load < interviewer.weekly_capacity


def same_city(one: str, other: str) -> bool:
    return _city(one) == _city(other)


@functools.lru_cache(maxsize=4096)  # the same few cities, compared for every interviewer on every page
def _city(name: str) -> str:
    """Compare city names without case, accents or dashes: "Saint-Étienne" is "saint etienne"."""
    plain = "".join(char for char in unicodedata.normalize("NFKD", name) if not unicodedata.combining(char))
    return " ".join(plain.casefold().replace("-", " ").split())


def free_windows(interviewer: InterviewerSpec, windows: Iterable[Window]) -> tuple[Window, ...]:
    """The candidate's windows that fall, at least for an hour, inside the interviewer's weekly slots."""
    zone = ZoneInfo(interviewer.timezone)
    found = []
    for window in windows:
        start, end = window.start.astimezone(zone), window.end.astimezone(zone)
        for slot in interviewer.slots:
            if slot.weekday != start.weekday():
                continue
            slot_start = start.replace(hour=slot.start.hour, minute=slot.start.minute, second=0, microsecond=0)
            slot_end = start.replace(hour=slot.end.hour, minute=slot.end.minute, second=0, microsecond=0)
            if min(end, slot_end) - max(start, slot_start) >= timedelta(hours=1):
                found.append(window)
                break
    return tuple(found)


def score(request: RequestSpec, interviewer: InterviewerSpec) -> Match:
    reasons: list[Reason] = []
    points = 0
    done = interviewer.experience.get((request.interview_type, request.company_type), 0)
    if request.interview_type in interviewer.interview_types:
        points += WEIGHT_TYPE
        reasons.append(
            Reason("type", {"type": request.interview_type, "count": done, "company_type": request.company_type})
        )
    # An empty sector or company type means "any": every interviewer fits it.
    if not request.sector or request.sector in interviewer.sectors:
        points += WEIGHT_SECTOR
        if request.sector:
            reasons.append(Reason("sector", {"sector": request.sector}))
    if not request.company_type or request.company_type in interviewer.company_types:
        points += WEIGHT_COMPANY_TYPE
        if request.company_type:
            reasons.append(Reason("company_type", {"company_type": request.company_type}))
    points += round(WEIGHT_EXPERIENCE * min(done, EXPERIENCE_FULL) / EXPERIENCE_FULL)
    windows = free_windows(interviewer, request.windows)
    if windows:
        points += WEIGHT_AVAILABILITY
        reasons.append(Reason("free", {"start": windows[0].start, "timezone": interviewer.timezone}))
    else:
        reasons.append(Reason("not_free"))
    if interviewer.weekly_capacity:
        points -= round(WEIGHT_LOAD * interviewer.load / interviewer.weekly_capacity)
        if interviewer.load == 0:
            reasons.append(Reason("free_week"))
    return Match(interviewer.user_id, points, tuple(reasons), windows)


def rank(request: RequestSpec, interviewers: Iterable[InterviewerSpec]) -> list[Match]:
    """Every eligible interviewer, best first; ties go to the less loaded, then the lower id (stable)."""
    loads = {}
    matches = []
    for interviewer in interviewers:
        if is_eligible(request, interviewer):
            matches.append(score(request, interviewer))
            loads[interviewer.user_id] = interviewer.load
    return sorted(matches, key=lambda match: (-match.score, loads[match.user_id], match.user_id))


def best(request: RequestSpec, interviewers: Sequence[InterviewerSpec], count: int = BEST_FEW) -> list[Match]:
    """The best few good matches; empty when nothing fits well (then see `widening_suggestions`)."""
    return [match for match in rank(request, interviewers) if match.is_good][:count]


#: Ways to widen a request, tried in order, each a change to the request and a code for its sentence.
WIDENINGS = (
    ("mode_video", {"mode": "video", "city": ""}),
    ("mode_phone", {"mode": "phone", "city": ""}),
    ("other_language", None),
    ("any_sector", {"sector": ""}),
    ("any_company_type", {"company_type": ""}),
)


def widening_suggestions(request: RequestSpec, interviewers: Sequence[InterviewerSpec]) -> list[str]:
    """Changes to the request that would give at least one good match, as codes; 'more_windows' if none does."""
    suggestions = []
    for code, changes in WIDENINGS:
        if code.startswith("mode_") and request.mode == changes["mode"]:
            continue
        if code == "other_language":
            changes = {"language": "en" if request.language == "fr" else "fr"}
        widened = replace(request, **changes)
        if any(match.is_good for match in rank(widened, interviewers)):
            suggestions.append(code)
    if not any(free_windows(i, request.windows) for i in interviewers if is_eligible(request, i)):
        suggestions.append("more_windows")
    return suggestions
