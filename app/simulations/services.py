"""Interview simulations: requests, matching, invitations, sessions, feedback, reminders.

Services flush but never commit; views and commands commit. Acceptance races are settled by the
database: a request has at most one session (unique constraint), so the second acceptance fails there.
"""

import functools
import hashlib
import json
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, bindparam, cast, func, literal, select, union_all
from sqlalchemy.orm import joinedload, lazyload

from app.auth.models import Role, User, UserRole
from app.core import prebuilt
from app.core.access_log import AccessedData, AccessReason, record_access
from app.core.errors import DomainError
from app.core.mail import Attachment, absolute_url, queue_member_email
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.disclosure import Recipient, disclosed_to
from app.profiles.choices import InterviewType
from app.profiles.models import (
    AvailabilitySlot,
    CandidateProfile,
    EducationEntry,
    ExperienceEntry,
    InterviewerProfile,
)
from app.simulations import match_cache, matching, meeting
from app.simulations.calendar import session_ics
from app.simulations.models import (
    Feedback,
    InterviewSession,
    InvitationStatus,
    RequestStatus,
    SessionStatus,
    SimulationInvitation,
    SimulationRequest,
    TimeWindow,
)
from app.sponsors.figures import SharedItem

SESSION_LENGTH = timedelta(hours=1)
MIN_WINDOWS, MAX_WINDOWS = 2, 5
AUTO_INVITE_COUNT = 3
LOAD_PERIOD = timedelta(days=7)
NO_SHOW_MEMORY = timedelta(days=90)
#: Criteria of the feedback form, by interview type.
CRITERIA = {
    "case": ("structure", "analysis", "communication", "business_sense"),
    "behavioural": ("structure", "communication", "company_fit"),
    "technical": ("analysis", "structure", "communication"),
    "group": ("communication", "analysis", "company_fit"),
    "presentation": ("structure", "communication", "business_sense"),
}
CRITERION_LABELS = {
    "structure": _l("Structure"),
    "analysis": _l("Analysis"),
    "communication": _l("Communication"),
    "business_sense": _l("Business sense"),
    "company_fit": _l("Fit with the company"),
}


class SimulationError(DomainError):
    """A refusal about simulation requests, invitations or sessions."""


class AcceptedTooLate(SimulationError):
    """Another interviewer accepted first; the caller rolls back and tells this one politely."""


# --- requests ----------------------------------------------------------------------------------------


@dataclass
class RequestData:
    mode: str
    interview_type: str
    language: str
    windows: list[tuple[datetime, datetime]]  # naive, in the candidate's time zone
    sector: str = ""
    company_type: str = ""
    city: str = ""
    goal: str = ""
    is_auto_invite: bool = True


def to_utc(local: datetime, zone: str) -> datetime:
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).replace(tzinfo=None)


def create_request(candidate: User, data: RequestData) -> SimulationRequest:
    """Record the request, its windows (stored in UTC) and, when a sponsor pays, which one."""
    if data.mode == "in_person" and not data.city.strip():
        raise SimulationError(_l("Give the city where you want to meet."), "city")
    now = utcnow()
    windows = [(to_utc(start, candidate.timezone), to_utc(end, candidate.timezone)) for start, end in data.windows]
    if len(windows) < MIN_WINDOWS:
        raise SimulationError(_l("Give at least %(count)d time windows.", count=MIN_WINDOWS), "windows")
    for start, end in windows:
        if end - start < SESSION_LENGTH:
            raise SimulationError(_l("Each window must last at least one hour."), "windows")
        if start < now + timedelta(hours=2):
            raise SimulationError(_l("Each window must start at least two hours from now."), "windows")
    request = SimulationRequest(
        candidate_id=candidate.id,
        mode=data.mode,
        city=data.city.strip(),
        interview_type=data.interview_type,
        sector=data.sector,
        company_type=data.company_type,
        language=data.language,
        goal=data.goal.strip(),
        timezone=candidate.timezone,
        is_auto_invite=data.is_auto_invite,
        windows=[TimeWindow(start_dt=start, end_dt=end) for start, end in sorted(windows)],
    )
    request.paid_by = _charge_sponsor(candidate)
    db.session.add(request)
    db.session.flush()
    return request


def _charge_sponsor(candidate: User) -> str | None:
    """A sponsor's seat pays for the request when the candidate has one (the sponsors feature decides)."""
    try:
        from app.sponsors import services as sponsor_services
    except ImportError:  # the sponsors feature is optional
        return None
    usage = sponsor_services.charge_sponsor(candidate, "simulation")
    return getattr(usage, "organisation_name", None) if usage else None


def find_request(public_id: str, *, with_invitations: bool = False) -> SimulationRequest | None:
    """The request with its time windows; `with_invitations`, also its invitations and their interviewers (whose
    names its page lists). One statement: a request has a few windows and invitations, and each further
    statement of the ORM cost more than the rows their join repeats (1,409 to 627 Python calls on the page)."""
    statement = _REQUEST_WITH_INVITATIONS if with_invitations else _REQUEST
    return db.session.execute(statement, {"public_id": public_id}).unique().scalar_one_or_none()


_REQUEST = (
    select(SimulationRequest)
    .where(SimulationRequest.public_id == bindparam("public_id"))
    .options(joinedload(SimulationRequest.windows))
)
_REQUEST_WITH_INVITATIONS = _REQUEST.options(
    joinedload(SimulationRequest.invitations).joinedload(SimulationInvitation.interviewer).lazyload(User.roles)
)


def candidate_requests(candidate: User) -> list[SimulationRequest]:
    return list(
        db.session.scalars(
            select(SimulationRequest)
            .where(SimulationRequest.candidate_id == candidate.id)
            .order_by(SimulationRequest.created_dt.desc())
        )
    )


def cancel_request(request: SimulationRequest, reason: str) -> None:
    if request.status != RequestStatus.OPEN:
        raise SimulationError(_l("Only a request that is still looking for an interviewer can be cancelled here."))
    request.status = RequestStatus.CANCELLED
    request.cancelled_dt = utcnow()
    request.cancel_reason = reason.strip() or None
    for invitation in request.invitations:
        if invitation.status == InvitationStatus.PENDING:
            invitation.status = InvitationStatus.WITHDRAWN


# --- matching ----------------------------------------------------------------------------------------


def request_spec(
    request: SimulationRequest, profile: matching.ProfileSpec = matching.ProfileSpec()
) -> matching.RequestSpec:
    return matching.RequestSpec(
        candidate_id=request.candidate_id,
        mode=request.mode,
        interview_type=request.interview_type,
        sector=request.sector,
        company_type=request.company_type,
        language=request.language,
        city=request.city,
        windows=[
            matching.Window(w.start_dt.replace(tzinfo=UTC), w.end_dt.replace(tzinfo=UTC)) for w in request.windows
        ],
        profile=profile,
    )


def profile_spec(candidate_id: int) -> matching.ProfileSpec:
    """What the candidate's profile says that matching weighs (goals, schools, fields, employers), in one query."""
    parts: dict[str, list] = {"goals": [], "education": [], "experience": []}
    for part, position, first, second in prebuilt.rows(_profile_parts(), candidate_id=candidate_id):
        parts[part].append((position, first, second))
    sectors, company_types, skills = json.loads(parts["goals"][0][1]) if parts["goals"] else ([], [], [])
    education_rows = sorted(parts["education"])
    return matching.ProfileSpec(
        sectors=tuple(sectors),
        company_types=tuple(company_types),
        employers=_distinct(employer for _, employer, _ in sorted(parts["experience"])),
        skills=_distinct(skills),
        schools=_distinct(school for _, school, _ in education_rows),
        fields=_distinct(field_of_study for _, _, field_of_study in education_rows),
    )


@functools.cache
def _profile_parts():
    """The union profile_spec reads, built once (app.core.prebuilt says why), the candidate bound at execution."""

    def text(value):  # typed, so that PostgreSQL can unite the parts
        return cast(literal(value), String)

    candidate_id = bindparam("candidate_id")
    goals = select(
        text("goals").label("part"),
        literal(0).label("position"),
        _json_lists(CandidateProfile.target_sectors, CandidateProfile.target_company_types, CandidateProfile.skills),
        text(""),
    ).where(CandidateProfile.user_id == candidate_id)
    education = select(text("education"), EducationEntry.position, EducationEntry.school, EducationEntry.field).where(
        EducationEntry.user_id == candidate_id
    )
    experience = select(text("experience"), ExperienceEntry.position, ExperienceEntry.employer, text("")).where(
        ExperienceEntry.user_id == candidate_id
    )
    return union_all(goals, education, experience)


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    """The values once each, as first written, without blanks."""
    seen: dict[str, str] = {}
    for value in values:
        key = matching.plain_name(value or "")
        if key and key not in seen:
            seen[key] = value.strip()
    return tuple(seen.values())


def _fingerprint(profile: matching.ProfileSpec) -> str:
    """A short key for what the profile says: a ranking kept for the old profile is not reused for a new one."""
    if profile == matching.ProfileSpec():
        return "-"
    return hashlib.blake2b(repr(profile).encode(), digest_size=8).hexdigest()


def interviewer_specs(
    now: datetime | None = None,
    *,
    able_to: matching.RequestSpec | None = None,
    excluding: Iterable[int] = (),
    with_about: bool = False,
) -> list[matching.InterviewerSpec]:
    """Every interviewer who is accepting requests, with slots, load and experience, in a few queries.

    With `able_to`, only those the database can already tell might take that request (see `_could_take`):
    the page then reads and scores a fraction of the interviewers instead of all of them on every view.
    `matching.is_eligible` still decides; the filter only skips rows it would reject anyway.
    `with_about` also reads their "about" text, for the candidate's skills and schools it may mention.
    """
    now = now or utcnow()
    conditions = (
        InterviewerProfile.is_accepting.is_(True),
        User.is_suspended.is_(False),
        User.id.not_in(list(excluding)),
        *(_could_take(able_to) if able_to is not None else ()),
    )

    def chosen(*columns):
        return (
            select(*columns)
            .select_from(InterviewerProfile)
            .join(User, User.id == InterviewerProfile.user_id)
            .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == Role.INTERVIEWER.value))
            .where(*conditions)
        )

    # Columns, not entities: thousands of interviewers are read on every matching page, and building ORM
    # objects for them cost more than everything else on the page.
    rows = db.session.execute(
        chosen(
            User.id,
            User.timezone,
            User.is_processing_restricted,
            InterviewerProfile.is_accepting,
            _json_lists(*OFFER_LISTS).label("offer"),
            InterviewerProfile.weekly_capacity,
            InterviewerProfile.city,
            InterviewerProfile.current_employer,
            (InterviewerProfile.bio if with_about else literal("")).label("bio"),
        )
    ).all()
    if not rows:
        return []
    # The same choice as a subquery, not a list of ids: binding hundreds of ids cost more than the queries.
    ids = chosen(User.id)
    slots: dict[int, list] = {}
    for user_id, weekday, start, end in db.session.execute(
        select(
            AvailabilitySlot.user_id, AvailabilitySlot.weekday, AvailabilitySlot.start_time, AvailabilitySlot.end_time
        ).where(AvailabilitySlot.user_id.in_(ids))
    ):
        slots.setdefault(user_id, []).append(matching.Slot(weekday, start, end))
    loads = _loads(ids, now)
    experience = _experience(ids)
    return [
        matching.InterviewerSpec(
            user_id=row.id,
            is_accepting=row.is_accepting,
            **{name: frozenset(values) for name, values in zip(OFFER_NAMES, json.loads(row.offer), strict=True)},
            timezone=row.timezone,
            slots=tuple(slots.get(row.id, ())),
            weekly_capacity=row.weekly_capacity,
            load=loads.get(row.id, 0),
            city=row.city,
            experience=experience.get(row.id, {}),
            is_restricted=row.is_processing_restricted,
            current_employer=row.current_employer or "",
            about=matching.plain_text(row.bio) if row.bio else "",
        )
        for row in rows
    ]


#: The JSON lists of a profile that matching reads, and their names in `matching.InterviewerSpec`.
OFFER_LISTS = (
    InterviewerProfile.languages,
    InterviewerProfile.modes,
    InterviewerProfile.interview_types,
    InterviewerProfile.sectors,
    InterviewerProfile.company_types,
    InterviewerProfile.former_employers,
)
OFFER_NAMES = ("languages", "modes", "interview_types", "sectors", "company_types", "former_employers")


def _json_lists(*columns):
    """The JSON lists as one JSON text, '[[...],[...]]': one json.loads per interviewer instead of one per
    column and row (decoding five columns for each of hundreds of interviewers was a third of the page)."""
    text = literal("[")
    for index, column in enumerate(columns):
        text = text + (literal(",") if index else literal("")) + cast(column, String)
    return text + literal("]")


def _listed(column, value: str):
    """The JSON list `column` may hold `value`: a text match on '"value"', portable across SQLite and
    PostgreSQL. It can only let through too much (never too little), and Python checks the list exactly."""
    return cast(column, String).contains(f'"{value}"', autoescape=True)


def _could_take(request: matching.RequestSpec) -> tuple:
    """The hard rules of `matching.is_eligible` that SQL can check: not the candidate, not restricted,
    language and mode offered, some weekly capacity, the same city in person. The week's load is checked in Python."""
    rules = (
        User.id != request.candidate_id,
        User.is_processing_restricted.is_(False),
        InterviewerProfile.weekly_capacity > 0,
        _listed(InterviewerProfile.languages, request.language),
        _listed(InterviewerProfile.modes, request.mode),
    )
    if request.mode != "in_person":
        return rules
    return (*rules, InterviewerProfile.city.in_(_spellings_of(request.city)))


def _spellings_of(city: str) -> list[str]:
    """The cities as interviewers wrote them that name `city` ("Saint-Etienne", "saint étienne"...): matching
    compares names without case, accents or dashes, which SQL cannot do portably; the distinct names are few."""
    names = db.session.scalars(select(InterviewerProfile.city).distinct().where(InterviewerProfile.is_accepting))
    return [name for name in names if matching.same_city(name, city)]


def _loads(ids: Select, now: datetime) -> dict[int, int]:
    """Sessions around this week, plus no-shows of the last months (they count against the interviewer)."""
    busy = db.session.execute(
        select(InterviewSession.interviewer_id, func.count(InterviewSession.id))
        .where(
            InterviewSession.interviewer_id.in_(ids),
            InterviewSession.status.in_([SessionStatus.SCHEDULED.value, SessionStatus.COMPLETED.value]),
            InterviewSession.start_dt.between(now - LOAD_PERIOD, now + LOAD_PERIOD),
        )
        .group_by(InterviewSession.interviewer_id)
    ).all()
    no_shows = db.session.execute(
        select(InterviewSession.interviewer_id, func.count(InterviewSession.id))
        .where(
            InterviewSession.interviewer_id.in_(ids),
            InterviewSession.status == SessionStatus.NO_SHOW_INTERVIEWER.value,
            InterviewSession.start_dt >= now - NO_SHOW_MEMORY,
        )
        .group_by(InterviewSession.interviewer_id)
    ).all()
    loads: dict[int, int] = {}
    for user_id, count in [*busy, *no_shows]:
        loads[user_id] = loads.get(user_id, 0) + count
    return loads


def _experience(ids: Select) -> dict[int, dict]:
    rows = db.session.execute(
        select(
            InterviewSession.interviewer_id,
            SimulationRequest.interview_type,
            SimulationRequest.company_type,
            func.count(InterviewSession.id),
        )
        .join(SimulationRequest, SimulationRequest.id == InterviewSession.request_id)
        .where(InterviewSession.interviewer_id.in_(ids), InterviewSession.status == SessionStatus.COMPLETED.value)
        .group_by(InterviewSession.interviewer_id, SimulationRequest.interview_type, SimulationRequest.company_type)
    ).all()
    found: dict[int, dict] = {}
    for user_id, interview_type, company_type, count in rows:
        found.setdefault(user_id, {})[(interview_type, company_type)] = count
    return found


@dataclass
class MatchResult:
    matches: list  # [(Match, User)]
    suggestions: list[str] = field(default_factory=list)
    mismatches: list[matching.Mismatch] = field(default_factory=list)  # why nobody fits, when nobody does


def find_matches(request: SimulationRequest, *, fresh: bool = False) -> MatchResult:
    """The best few good matches not yet invited, with their members; or why nobody fits and how to widen it.

    Ranked once and reused until the interviewers' side or the candidate's profile changes (see `match_cache`);
    `fresh` ranks again, for the moment an invitation is sent.
    """
    already = {invitation.interviewer_id for invitation in request.invitations}
    profile = profile_spec(request.candidate_id)
    rank = functools.partial(_rank, request, already, profile)
    if fresh:
        good, suggestions, found = rank()
    else:
        good, suggestions, found = match_cache.cached(request.id, already, rank, variant=_fingerprint(profile))
    proposed = select(User).where(User.id.in_([m.user_id for m in good])).options(lazyload(User.roles))
    users = {user.id: user for user in db.session.scalars(proposed)}  # their roles only if asked for (never here)
    # A member who left since the ranking was kept is simply not proposed.
    return MatchResult([(match, users[match.user_id]) for match in good if match.user_id in users], suggestions, found)


def _rank(
    request: SimulationRequest, already: set[int], profile: matching.ProfileSpec
) -> tuple[list[matching.Match], list[str], list[matching.Mismatch]]:
    spec = request_spec(request, profile)
    good = matching.best(spec, interviewer_specs(able_to=spec, excluding=already, with_about=bool(profile.terms)))
    if good:
        return good, [], []
    # Widening tries other modes, languages, sectors, and the mismatches look at everyone: both need every
    # interviewer, so only when nothing fits. Neither depends on the profile (it never makes a fit good).
    everyone = interviewer_specs(excluding=already)
    return good, matching.widening_suggestions(spec, everyone), matching.mismatches(spec, everyone)


# --- invitations -------------------------------------------------------------------------------------


def invite(request: SimulationRequest, interviewer_ids: list[int]) -> list[SimulationInvitation]:
    """Invite some of the current good matches (never anyone else) and tell them by e-mail."""
    if request.status != RequestStatus.OPEN:
        raise SimulationError(_l("This request is no longer looking for an interviewer."))
    if request.candidate.is_processing_restricted:
        # Matching is processing: while restricted, interviewers are neither invited nor shown the request.
        raise SimulationError(
            _l("Your data is restricted: lift the restriction on your privacy dashboard to invite interviewers.")
        )
    result = find_matches(request, fresh=True)
    allowed = {match.user_id: (match, user) for match, user in result.matches}
    chosen = [allowed[user_id] for user_id in interviewer_ids if user_id in allowed]
    if not chosen:
        raise SimulationError(_l("Choose at least one of the interviewers proposed."))
    lifetime = timedelta(hours=current_app.config["SIMULATION_INVITATION_HOURS"])
    invitations = []
    for match, user in chosen:
        invitation = SimulationInvitation(
            request=request,
            interviewer_id=user.id,
            score=match.score,
            reasons=[{"code": reason.code, **_for_the_record(reason.values)} for reason in match.reasons],
            expires_dt=utcnow() + lifetime,
        )
        db.session.add(invitation)
        db.session.flush()  # the e-mail links to the invitation's public id
        invitations.append(invitation)
        _mail_invitation(invitation, user)
    return invitations


def invite_chosen(request: SimulationRequest, public_ids: set[str]) -> list[SimulationInvitation]:
    """Invite the interviewers the candidate ticked; one that is not proposed (a tampered form) invites nobody."""
    if request.status != RequestStatus.OPEN:
        raise SimulationError(_l("This request is no longer looking for an interviewer."))
    proposed = {user.public_id: user.id for _, user in find_matches(request).matches}
    if public_ids - proposed.keys():
        raise SimulationError(_l("Choose among the interviewers proposed on this page: nobody was invited."))
    return invite(request, [proposed[public_id] for public_id in public_ids])


def invite_best(request: SimulationRequest, count: int = AUTO_INVITE_COUNT) -> list[SimulationInvitation]:
    result = find_matches(request)
    return invite(request, [match.user_id for match, _ in result.matches[:count]]) if result.matches else []


#: Words from the candidate's profile that a reason may carry: the invitation keeps the reason's kind, not them
#: (the row outlives the profile entry they came from, and is the interviewer's record too).
PROFILE_WORDS = ("employer", "term")


def _for_the_record(values: dict) -> dict:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in values.items()
        if key not in PROFILE_WORDS
    }


def _mail_invitation(invitation: SimulationInvitation, interviewer: User) -> None:
    if not interviewer.email:
        return
    queue_member_email(
        interviewer,
        "simulation_invitation",
        _l("A candidate asks you for a mock interview"),
        interviewer=interviewer,
        request=invitation.request,
        link=absolute_url("simulations.invitation", lang_code=interviewer.locale, public_id=invitation.public_id),
        expires=_format_in(invitation.expires_dt, interviewer),
    )


def invitations_for(interviewer: User, status: InvitationStatus | None = None) -> list[SimulationInvitation]:
    """The interviewer's invitations, except those of candidates who restricted processing (matching pauses)."""
    query = (
        select(SimulationInvitation)
        .join(SimulationRequest, SimulationRequest.id == SimulationInvitation.request_id)
        .where(
            SimulationInvitation.interviewer_id == interviewer.id,
            disclosed_to(Recipient.INTERVIEWER, SimulationRequest.candidate_id),
        )
        .order_by(SimulationInvitation.created_dt.desc())
    )
    if status:
        query = query.where(SimulationInvitation.status == status.value)
    return list(db.session.scalars(query))


def decline(invitation: SimulationInvitation, reason: str) -> None:
    _require_pending(invitation)
    invitation.status = InvitationStatus.DECLINED
    invitation.responded_dt = utcnow()
    invitation.decline_reason = reason.strip() or None
    _move_on(invitation.request)


def _require_pending(invitation: SimulationInvitation) -> None:
    if invitation.status == InvitationStatus.TOO_LATE:  # e.g. the other acceptance committed while this one waited
        raise AcceptedTooLate(_l("Thank you! Another interviewer has already accepted this request."))
    if invitation.status != InvitationStatus.PENDING or invitation.expires_dt <= utcnow():
        raise SimulationError(_l("This invitation is no longer open."))
    if invitation.request.status != RequestStatus.OPEN:
        raise AcceptedTooLate(_l("Thank you! Another interviewer has already accepted this request."))


def accept(invitation: SimulationInvitation, window_public_id: str, meeting_details: str) -> InterviewSession:
    """Create the session in the chosen window. The database refuses a second session for the request."""
    _require_pending(invitation)
    request = invitation.request
    window = next((w for w in request.windows if w.public_id == window_public_id), None)
    if window is None:
        raise SimulationError(_l("Choose one of the candidate's time windows."), "window")
    details = (meeting_details or "").strip()
    if not details:
        raise SimulationError(_meeting_prompt(request.mode), "meeting_details")
    details = meeting.clean_details(request.mode, details)
    if details is None:
        raise SimulationError(_meeting_refusal(request.mode), "meeting_details")
    session = InterviewSession(
        request_id=request.id,
        candidate_id=request.candidate_id,
        interviewer_id=invitation.interviewer_id,
        start_dt=window.start_dt,
        end_dt=window.start_dt + SESSION_LENGTH,
        meeting_details=details,
    )
    db.session.add(session)
    db.session.flush()  # IntegrityError here when another acceptance won: the caller reports AcceptedTooLate
    invitation.status = InvitationStatus.ACCEPTED
    invitation.responded_dt = utcnow()
    request.status = RequestStatus.SCHEDULED
    for other in request.invitations:
        if other.id != invitation.id and other.status == InvitationStatus.PENDING:
            other.status = InvitationStatus.TOO_LATE
    _mail_session(session, template="session_scheduled", subject=_l("Your mock interview is scheduled"))
    return session


def request_has_session(invitation_id: int) -> bool:
    """Whether the request of this invitation already has its session (another interviewer was first)."""
    return bool(
        db.session.scalar(
            select(InterviewSession.id)
            .join(SimulationInvitation, SimulationInvitation.request_id == InterviewSession.request_id)
            .where(SimulationInvitation.id == invitation_id)
        )
    )


def mark_too_late(invitation_id: int) -> None:
    """After a lost race: this interviewer's invitation ends, politely."""
    invitation = db.session.get(SimulationInvitation, invitation_id)
    if invitation is not None and invitation.status == InvitationStatus.PENDING:
        invitation.status = InvitationStatus.TOO_LATE
        invitation.responded_dt = utcnow()


def _meeting_prompt(mode: str):
    return {
        "video": _l("Give the video link for the session."),
        "phone": _l("Give the phone number the candidate should call."),
        "in_person": _l("Give the address where you will meet."),
    }.get(mode, _l("This field is required."))


def _meeting_refusal(mode: str):
    """Why these details do not fit the session's mode (a face-to-face address is any text)."""
    if mode == "phone":
        return _l("Enter a valid phone number, such as 06 12 34 56 78 or +44 20 7946 0958.")
    return _l("Give the video link as a full web address without spaces, such as https://meet.example.com/abc.")


#: Asked on every view of a request page, where usually no invitation has expired: as one Core row, not objects.
_ANY_EXPIRED = (
    select(SimulationInvitation.id)
    .where(SimulationInvitation.status == bindparam("pending"), SimulationInvitation.expires_dt <= bindparam("now"))
    # In the index's order: unordered, PostgreSQL takes the two conditions as independent (most invitations are
    # past their time, some are pending), expects a match early in the table and scans all of it when none is
    # there, on every request page (5.9 ms on the volume data; 0.4 ms on ix_simulation_invitation_status_expires).
    .order_by(SimulationInvitation.expires_dt)
    .limit(1)
)


def expire_invitations(now: datetime | None = None) -> int:
    """Invitations past their time expire; requests with auto-invite move on to the next match."""
    now = now or utcnow()
    if not prebuilt.rows(_ANY_EXPIRED, pending=InvitationStatus.PENDING.value, now=now):
        return 0
    expired = list(
        db.session.scalars(
            select(SimulationInvitation).where(
                SimulationInvitation.status == InvitationStatus.PENDING.value, SimulationInvitation.expires_dt <= now
            )
        )
    )
    for invitation in expired:
        invitation.status = InvitationStatus.EXPIRED
    db.session.flush()
    for request in {invitation.request for invitation in expired}:
        _move_on(request)
    return len(expired)


def _move_on(request: SimulationRequest) -> None:
    """When nobody is left to answer, invite the next best interviewer (if the candidate let us)."""
    if request.status != RequestStatus.OPEN or not request.is_auto_invite:
        return
    if any(invitation.status == InvitationStatus.PENDING for invitation in request.invitations):
        return
    # When nobody fits well any more, nothing is sent: the candidate sees it on the request page.
    with suppress(SimulationError):
        invite_best(request, count=1)


# --- sessions ----------------------------------------------------------------------------------------


def find_session(public_id: str) -> InterviewSession | None:
    return db.session.scalar(select(InterviewSession).where(InterviewSession.public_id == public_id))


def sessions_for(user: User) -> list[InterviewSession]:
    return list(
        db.session.scalars(
            select(InterviewSession)
            .where((InterviewSession.candidate_id == user.id) | (InterviewSession.interviewer_id == user.id))
            .order_by(InterviewSession.start_dt.desc())
        )
    )


def other_party(session: InterviewSession, user: User) -> User | None:
    return session.interviewer if user.id == session.candidate_id else session.candidate


def cancel_session(session: InterviewSession, by: User, reason: str) -> None:
    if session.status != SessionStatus.SCHEDULED:
        raise SimulationError(_l("This session is not scheduled any more."))
    if not reason.strip():
        raise SimulationError(_l("Say why you cancel: the other person will read it."), "reason")
    session.status = SessionStatus.CANCELLED
    session.cancelled_by_id = by.id
    session.cancel_reason = reason.strip()
    session.request.status = RequestStatus.CLOSED
    _mail_session(
        session,
        template="session_cancelled",
        subject=_l("Your mock interview is cancelled"),
        only=other_party(session, by),
        cancelled=True,
        actor=by,
    )


def reschedule(session: InterviewSession, by: User, new_start_local: datetime, reason: str) -> None:
    if session.status != SessionStatus.SCHEDULED:
        raise SimulationError(_l("This session is not scheduled any more."))
    if not reason.strip():
        raise SimulationError(_l("Say why you move the session: the other person will read it."), "reason")
    start = to_utc(new_start_local, by.timezone)
    if start < utcnow() + timedelta(hours=2):
        raise SimulationError(_l("The new time must be at least two hours from now."), "start")
    session.start_dt, session.end_dt = start, start + SESSION_LENGTH
    session.reminded_dt = None
    _mail_session(
        session,
        template="session_rescheduled",
        subject=_l("Your mock interview has a new time"),
        actor=by,
        reason=reason.strip(),
        sequence=1,
    )


def report_no_show(session: InterviewSession, by: User) -> None:
    """Either party says the other did not come; it counts in the interviewer's load or the candidate's history."""
    if session.status != SessionStatus.SCHEDULED or session.start_dt > utcnow():
        raise SimulationError(_l("A no-show can be reported only after the session's start time."))
    session.status = (
        SessionStatus.NO_SHOW_INTERVIEWER if by.id == session.candidate_id else SessionStatus.NO_SHOW_CANDIDATE
    )
    session.request.status = RequestStatus.CLOSED


def submit_feedback(
    session: InterviewSession, *, scores: dict, strengths: str, improvements: str, recommendations: str, resources: str
) -> Feedback:
    if session.status not in {SessionStatus.SCHEDULED, SessionStatus.COMPLETED} or session.start_dt > utcnow():
        raise SimulationError(_l("Feedback can be written once the session has started."))
    if session.feedback is not None and session.feedback.submitted_dt is not None:
        raise SimulationError(_l("Your feedback is already sent."))
    feedback = session.feedback or Feedback(session=session)
    feedback.scores = scores
    feedback.strengths, feedback.improvements = strengths.strip(), improvements.strip()
    feedback.recommendations, feedback.resources = recommendations.strip(), resources.strip()
    feedback.submitted_dt = utcnow()
    session.status = SessionStatus.COMPLETED
    session.request.status = RequestStatus.CLOSED
    db.session.add(feedback)
    candidate = session.candidate
    if candidate.email:
        queue_member_email(
            candidate,
            "feedback_ready",
            _l("Your interviewer's feedback is ready"),
            link=absolute_url("simulations.session", lang_code=candidate.locale, public_id=session.public_id),
        )
    return feedback


def rate_session(session: InterviewSession, rating: int, comment: str, share_with_sponsor: bool) -> None:
    if session.feedback is None or session.feedback.submitted_dt is None:
        raise SimulationError(_l("You can rate the session once your interviewer's feedback is in."))
    session.feedback.candidate_rating = rating
    session.feedback.candidate_comment = comment.strip() or None
    session.feedback.rated_dt = utcnow()
    session.feedback.is_shared_with_sponsor = share_with_sponsor


# --- e-mails and reminders ---------------------------------------------------------------------------


def _format_in(moment: datetime, user: User) -> str:
    """A UTC moment as the member reads it: their language, their time zone, the zone named."""
    from babel.dates import format_datetime as babel_format

    return babel_format(
        moment.replace(tzinfo=UTC), "EEEE d MMMM y, HH:mm zzzz", tzinfo=ZoneInfo(user.timezone), locale=user.locale
    )


def _mail_session(
    session: InterviewSession,
    *,
    template: str,
    subject,
    only: User | None = None,
    cancelled: bool = False,
    sequence: int = 0,
    **context,
) -> None:
    for person in [only] if only else [session.candidate, session.interviewer]:
        if person is None or not person.email:
            continue
        with force_locale(person.locale):
            summary = str(_l("Mock interview (Caseinjob)"))
            description = str(
                _l(
                    "Session details: %(link)s",
                    link=absolute_url("simulations.session", lang_code=person.locale, public_id=session.public_id),
                )
            )
        ics = session_ics(
            uid=session.public_id,
            start=session.start_dt,
            end=session.end_dt,
            summary=summary,
            description=description,
            location=session.meeting_details,
            sequence=sequence,
            cancelled=cancelled,
        )
        queue_member_email(
            person,
            template,
            subject,
            session=session,
            other=other_party(session, person),
            when=_format_in(session.start_dt, person),
            link=absolute_url("simulations.session", lang_code=person.locale, public_id=session.public_id),
            attachments=[Attachment("interview.ics", "text/calendar", ics)],
            **context,
        )


def remind_upcoming(now: datetime | None = None) -> int:
    """The day before: remind both parties of tomorrow's sessions (once)."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(InterviewSession).where(
                InterviewSession.status == SessionStatus.SCHEDULED.value,
                InterviewSession.reminded_dt.is_(None),
                InterviewSession.start_dt.between(now, now + timedelta(hours=24)),
            )
        )
    )
    for session in due:
        _mail_session(session, template="session_reminder", subject=_l("Reminder: your mock interview is tomorrow"))
        session.reminded_dt = now
    return len(due)


def remind_feedback(now: datetime | None = None) -> int:
    """A day after a session without feedback, remind the interviewer (once)."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(InterviewSession)
            .outerjoin(Feedback, Feedback.session_id == InterviewSession.id)
            .where(
                InterviewSession.status == SessionStatus.SCHEDULED.value,
                InterviewSession.feedback_reminded_dt.is_(None),
                InterviewSession.end_dt <= now - timedelta(hours=24),
                Feedback.submitted_dt.is_(None),
            )
        )
    )
    for session in due:
        interviewer = session.interviewer
        if interviewer and interviewer.email:
            queue_member_email(
                interviewer,
                "feedback_reminder",
                _l("Your candidate is waiting for your feedback"),
                link=absolute_url("simulations.session", lang_code=interviewer.locale, public_id=session.public_id),
            )
        session.feedback_reminded_dt = now
    return len(due)


# --- statistics for admins ---------------------------------------------------------------------------


def _in_statistics():
    """Sessions of candidates who neither restrict processing nor object to statistics."""
    return disclosed_to(Recipient.STATISTICS, InterviewSession.candidate_id)


def interview_counts_by_profile() -> list[tuple[str, str, int]]:
    """Completed interviews by interview type and company type (aggregated, no member named)."""
    return list(
        db.session.execute(
            select(SimulationRequest.interview_type, SimulationRequest.company_type, func.count(InterviewSession.id))
            .join(InterviewSession, InterviewSession.request_id == SimulationRequest.id)
            .where(InterviewSession.status == SessionStatus.COMPLETED.value, _in_statistics())
            .group_by(SimulationRequest.interview_type, SimulationRequest.company_type)
            .order_by(func.count(InterviewSession.id).desc())
        ).all()
    )


def interview_counts_by_interviewer() -> list[tuple[str, int, int]]:
    """Per interviewer: completed sessions and their own no-shows."""
    completed = func.sum(func.cast(InterviewSession.status == SessionStatus.COMPLETED.value, db.Integer))
    no_shows = func.sum(func.cast(InterviewSession.status == SessionStatus.NO_SHOW_INTERVIEWER.value, db.Integer))
    return list(
        db.session.execute(
            select(User.first_name + " " + User.last_name, completed, no_shows)
            .join(InterviewSession, InterviewSession.interviewer_id == User.id)
            .where(_in_statistics())
            .group_by(User.id, User.first_name, User.last_name)
            .order_by(completed.desc())
        ).all()
    )


def sessions_for_request(request: SimulationRequest) -> list[InterviewSession]:
    return list(db.session.scalars(select(InterviewSession).where(InterviewSession.request_id == request.id)))


# --- who may see the candidate's profile -------------------------------------------------------------


def interviewer_ground(viewer, owner):
    """An interviewer sees the shared profile of a candidate who invited them (or whose request they accepted)."""
    if not viewer.has_role(Role.INTERVIEWER):
        return None
    found = db.session.scalar(
        select(SimulationInvitation.id)
        .join(SimulationRequest, SimulationRequest.id == SimulationInvitation.request_id)
        .where(
            SimulationInvitation.interviewer_id == viewer.id,
            SimulationRequest.candidate_id == owner.id,
            SimulationInvitation.status.in_([InvitationStatus.PENDING.value, InvitationStatus.ACCEPTED.value]),
        )
        .limit(1)
    )
    return AccessReason.INTERVIEW_REQUEST if found else None


def record_profile_view(invitation: SimulationInvitation, viewer: User) -> None:
    """The invitation page shows the candidate's shared profile: the candidate can see that it was viewed."""
    record_access(
        owner_id=invitation.request.candidate_id,
        viewer=viewer,
        what=AccessedData.PROFILE,
        why=AccessReason.INTERVIEW_REQUEST,
    )


def completed_interviews_by_candidate(user_ids: list[int]) -> dict[int, int]:
    """{candidate id: completed sessions}, in one query, for sponsors' aggregated figures."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(InterviewSession.candidate_id, func.count(InterviewSession.id))
        .where(InterviewSession.candidate_id.in_(user_ids), InterviewSession.status == SessionStatus.COMPLETED.value)
        .group_by(InterviewSession.candidate_id)
    ).all()
    return dict(rows)


def feedback_shared_with_sponsors(user_ids: list[int]) -> list:
    """The feedback these candidates chose to share with their sponsor, as the sponsors' page shows it."""
    rows = db.session.execute(
        select(InterviewSession, Feedback, User)
        .join(Feedback, Feedback.session_id == InterviewSession.id)
        .join(User, User.id == InterviewSession.candidate_id)
        .where(
            InterviewSession.candidate_id.in_(user_ids),
            Feedback.is_shared_with_sponsor.is_(True),
            Feedback.submitted_dt.is_not(None),
        )
    ).all()
    items = []
    for session, feedback, candidate in rows:
        scores = ", ".join(f"{CRITERION_LABELS[key]} {value}/5" for key, value in feedback.scores.items())
        kind = InterviewType(session.request.interview_type).label
        items.append(
            SharedItem(
                member_name=candidate.full_name,
                heading=str(_l("Feedback on a mock interview: %(kind)s", kind=kind)),
                when=session.start_dt,
                lines=[
                    (str(_l("Scores")), scores),
                    (str(_l("Strengths")), feedback.strengths),
                    (str(_l("Areas to improve")), feedback.improvements),
                    (str(_l("Recommendations")), feedback.recommendations),
                ],
            )
        )
    return items


#: How many of the latest sessions the feedback chart follows.
FEEDBACK_TREND_SESSIONS = 10


def feedback_over_sessions(session: InterviewSession, viewer) -> list[tuple[datetime, dict]]:
    """The feedback scores of the candidate's finished sessions, oldest first, as (start, scores), in one query.

    The candidate sees all of hers; an interviewer only those of the sessions he ran with her (his own feedback)."""
    query = (
        select(InterviewSession.start_dt, Feedback.scores)
        .join(Feedback, Feedback.session_id == InterviewSession.id)
        .where(InterviewSession.candidate_id == session.candidate_id, Feedback.submitted_dt.is_not(None))
        .order_by(InterviewSession.start_dt.desc())
        .limit(FEEDBACK_TREND_SESSIONS)
    )
    if viewer.id != session.candidate_id:
        query = query.where(InterviewSession.interviewer_id == viewer.id)
    return [(start, scores or {}) for start, scores in db.session.execute(query)][::-1]
