"""Matching: rank the interviewers who can run a requested mock interview, and explain each rank.

A pure function over plain data (no database, no request), so it is tested on its own with large,
hand-made data sets. The service layer loads the data and turns the reasons into sentences.
"""

import functools
import re
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
#: Points for what the candidate's profile says. Together they stay below any one field of the request
#: (WEIGHT_SECTOR), so that the request remains the main thing; they never make a poor fit look good.
WEIGHT_PROFILE_SECTOR = 6
WEIGHT_PROFILE_COMPANY_TYPE = 6
WEIGHT_PROFILE_EMPLOYER = 4
WEIGHT_PROFILE_MENTION = 3
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
class ProfileSpec:
    """What the candidate's profile says that matching can weigh; every list in her own order."""

    sectors: tuple[str, ...] = ()  # the sectors she aims at
    company_types: tuple[str, ...] = ()  # the kinds of company she aims at
    employers: tuple[str, ...] = ()  # of her experience, as she wrote them
    skills: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()  # of her education
    fields: tuple[str, ...] = ()  # of study

    @property
    def terms(self) -> tuple[tuple[str, str], ...]:
        """(source, term) pairs an interviewer's profile text may mention."""
        return (
            *(("skill", term) for term in self.skills),
            *(("school", term) for term in self.schools),
            *(("field", term) for term in self.fields),
        )


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
    profile: ProfileSpec = ProfileSpec()


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
    current_employer: str = ""
    former_employers: frozenset[str] = frozenset()
    #: The profile's free text as `plain_text` gives it (empty unless the candidate has terms to look for).
    about: str = ""


@dataclass(frozen=True)
class Reason:
    """Why a match scores as it does: a code and the values a sentence needs."""

    code: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    user_id: int
    score: int  # the rank: the fit to the request plus what the profile adds
    reasons: tuple[Reason, ...]
    free_windows: tuple[Window, ...]
    fit: int | None = None  # the request's points alone; None means the same as `score`
    runs_type: bool = True  # the interviewer runs the type of interview asked for

    @property
    def is_good(self) -> bool:
        """Good enough to propose: the type of interview asked for, and enough points for the request alone
        (the profile only refines the order). Sector, kind of company and time could otherwise make up for a
        type the interviewer does not run, and a case interview be offered by someone who runs none."""
        return self.runs_type and (self.score if self.fit is None else self.fit) >= GOOD_FIT


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
    return plain_name(one) == plain_name(other)


@functools.lru_cache(maxsize=4096)  # the same few cities and employers, compared for every interviewer
def plain_name(name: str) -> str:
    """Compare names (cities, employers) without case, accents or dashes: "Saint-Étienne" is "saint etienne"."""
    plain = "".join(char for char in unicodedata.normalize("NFKD", name) if not unicodedata.combining(char))
    return " ".join(plain.casefold().replace("-", " ").split())


def plain_text(text: str) -> str:
    """Text without case or accents, to look for terms in: Latin letters, digits and signs only. Built of
    str methods written in C, because it runs on every interviewer's text when the ranking is made again."""
    return unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()


@functools.lru_cache(maxsize=1024)  # the candidate's few terms, looked for in every interviewer's text
def _term_pattern(term: str) -> tuple[str, re.Pattern] | None:
    """A term's first word (a quick test) and a pattern that finds it whole: "HEC Paris" in "hec-paris", not
    "sql" in "postgresql". A term shorter than two letters is never looked for: "R" is in every French
    text ("c'est", "l'audit")."""
    words = re.findall(r"[a-z0-9]+[+#]*", plain_text(term))
    if len("".join(words)) < 2:
        return None
    pattern = r"(?<![a-z0-9])" + r"[^a-z0-9]+".join(map(re.escape, words)) + r"(?![a-z0-9+#])"
    return words[0], re.compile(pattern)


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
    """The fit to the request, then what the profile adds; each reason says whether it comes from the
    request (source "request") or from the profile."""
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
            reasons.append(Reason("sector", {"sector": request.sector, "source": "request"}))
    if not request.company_type or request.company_type in interviewer.company_types:
        points += WEIGHT_COMPANY_TYPE
        if request.company_type:
            reasons.append(Reason("company_type", {"company_type": request.company_type, "source": "request"}))
    points += round(WEIGHT_EXPERIENCE * min(done, EXPERIENCE_FULL) / EXPERIENCE_FULL)
    extra, profile_reasons = profile_fit(request, interviewer)
    reasons.extend(profile_reasons)
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
    runs_type = request.interview_type in interviewer.interview_types
    return Match(interviewer.user_id, points + extra, tuple(reasons), windows, fit=points, runs_type=runs_type)


def profile_fit(request: RequestSpec, interviewer: InterviewerSpec) -> tuple[int, list[Reason]]:
    """Points and reasons for what the candidate's profile says, beyond what the request already counted."""
    profile = request.profile
    points, reasons = 0, []
    sector = _first_in(profile.sectors, interviewer.sectors, besides=request.sector)
    if sector:
        points += WEIGHT_PROFILE_SECTOR
        reasons.append(Reason("sector", {"sector": sector, "source": "profile"}))
    company_type = _first_in(profile.company_types, interviewer.company_types, besides=request.company_type)
    if company_type:
        points += WEIGHT_PROFILE_COMPANY_TYPE
        reasons.append(Reason("company_type", {"company_type": company_type, "source": "profile"}))
    employer = shared_employer(profile.employers, interviewer)
    if employer:
        points += WEIGHT_PROFILE_EMPLOYER
        reasons.append(Reason("employer", {"employer": employer[0], "current": employer[1], "source": "experience"}))
    mention = mentioned(profile.terms, interviewer.about)
    if mention:
        points += WEIGHT_PROFILE_MENTION
        reasons.append(Reason("mention", {"term": mention[1], "source": mention[0]}))
    return points, reasons


def _first_in(wanted: Sequence[str], offered: frozenset[str], besides: str) -> str | None:
    return next((value for value in wanted if value != besides and value in offered), None)


def shared_employer(employers: Sequence[str], interviewer: InterviewerSpec) -> tuple[str, bool] | None:
    """The first employer of the candidate's experience the interviewer works at now (True) or did (False)."""
    if not employers or not (interviewer.current_employer or interviewer.former_employers):
        return None
    current = plain_name(interviewer.current_employer)
    former = {plain_name(name) for name in interviewer.former_employers}
    for employer in employers:
        name = plain_name(employer)
        if name and name == current:
            return employer, True
        if name and name in former:
            return employer, False
    return None


def mentioned(terms: Sequence[tuple[str, str]], about: str) -> tuple[str, str] | None:
    """The first (source, term) the interviewer's profile text holds as whole words."""
    if not about:
        return None
    for source, term in terms:
        found = _term_pattern(term)
        if found and found[0] in about and found[1].search(about):
            return source, term
    return None


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
    """Changes to the request that would give at least one good match, as codes; 'more_windows' when those who
    could take it are not free in its windows."""
    suggestions = []
    for code, changes in WIDENINGS:
        if code.startswith("mode_") and request.mode == changes["mode"]:
            continue
        if code == "other_language":
            changes = {"language": "en" if request.language == "fr" else "fr"}
        widened = replace(request, **changes)
        if any(match.is_good for match in rank(widened, interviewers)):
            suggestions.append(code)
    # Other windows help only someone who could otherwise take the request.
    eligible = [interviewer for interviewer in interviewers if is_eligible(request, interviewer)]
    if eligible and not any(free_windows(interviewer, request.windows) for interviewer in eligible):
        suggestions.append("more_windows")
    return suggestions


#: The request's criteria, in the order `mismatches` applies them: the hard rules first, then the request's
#: fields, then time, the easiest to change. Each is a code and a test an interviewer passes.
CRITERIA_IN_ORDER = (
    ("language", lambda request, interviewer: request.language in interviewer.languages),
    ("mode", lambda request, interviewer: request.mode in interviewer.modes),
    (
        "city",
        lambda request, interviewer: request.mode != "in_person" or same_city(interviewer.city, request.city),
    ),
    ("full", lambda request, interviewer: interviewer.load < interviewer.weekly_capacity),
    ("type", lambda request, interviewer: request.interview_type in interviewer.interview_types),
    ("sector", lambda request, interviewer: not request.sector or request.sector in interviewer.sectors),
    (
        "company_type",
        lambda request, interviewer: not request.company_type or request.company_type in interviewer.company_types,
    ),
    ("time", lambda request, interviewer: bool(free_windows(interviewer, request.windows))),
)


@dataclass(frozen=True)
class Mismatch:
    """One criterion of the request and the interviewers it leaves out."""

    code: str  # a code of CRITERIA_IN_ORDER, or "nobody" when no interviewer is open to requests at all
    count: int  # interviewers this criterion leaves out
    total: int  # interviewers still in the running when it is applied

    @property
    def left(self) -> int:
        return self.total - self.count


def mismatches(request: RequestSpec, interviewers: Iterable[InterviewerSpec]) -> list[Mismatch]:
    """Why nobody fits: the criteria applied one after another to the interviewers open to requests, each with
    how many it leaves out (criteria that leave out nobody are not listed). The last one listed, which leaves
    nobody, is the real mismatch (see `main_mismatch`); what would widen the choice is `widening_suggestions`."""
    left = [
        interviewer
        for interviewer in interviewers
        if interviewer.is_accepting and not interviewer.is_restricted and interviewer.user_id != request.candidate_id
    ]
    if not left:
        return [Mismatch("nobody", 0, 0)]
    found = []
    for code, fits in CRITERIA_IN_ORDER:
        kept = [interviewer for interviewer in left if fits(request, interviewer)]
        if len(kept) < len(left):
            found.append(Mismatch(code, len(left) - len(kept), len(left)))
        left = kept
        if not left:
            break
    return found


def main_mismatch(found: Sequence[Mismatch]) -> Mismatch | None:
    """The criterion nobody left passes; else (some still pass) the one that leaves out the most."""
    blocking = next((mismatch for mismatch in found if mismatch.left == 0), None)
    return blocking or max(found, key=lambda mismatch: mismatch.count, default=None)
