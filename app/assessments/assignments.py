"""Clients assign tests to candidates, follow them, and see the results of their own assignments for two years;
other clients find consenting candidates by results and skills; candidates contest a score.

Services flush, never commit; views commit once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, bindparam, delete, func, or_, select
from sqlalchemy.orm import joinedload

from app.assessments.models import (
    Assignment,
    AssignmentStatus,
    Attempt,
    Result,
    ScoreContest,
    Test,
    TestKind,
    localised,
)
from app.assessments.services import AssessmentError, close_if_due, email_language, new_attempt
from app.auth.models import Role, User
from app.core import prebuilt
from app.core.access_log import AccessReason
from app.core.mail import absolute_url, queue_email, queue_member_email
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.consents import consenting, has_consent
from app.privacy.disclosure import Recipient, disclosed_to, may_disclose
from app.privacy.models import ConsentPurpose, PrivacyRequest, RequestKind, RequestStatus
from app.privacy.requests import submit_request
from app.privacy.services import unrestricted
from app.profiles.choices import Section
from app.profiles.models import CandidateProfile

#: How many addresses one assignment form may carry.
MAX_ADDRESSES = 50


def result_visibility() -> timedelta:
    """How long the assigning client sees a result after it was made available (the policy says two years)."""
    return current_app.config["CLIENT_RESULT_RETENTION"]


# --- assigning ----------------------------------------------------------------------------------------


def parse_addresses(text: str) -> list[str]:
    """The distinct, normalised addresses of a text (one per line, or separated by commas or semicolons).

    Raises AssessmentError naming every address that is not valid, so that nothing is half-assigned.
    """
    tokens = [token.strip() for token in text.replace(";", "\n").replace(",", "\n").splitlines()]
    addresses: list[str] = []
    invalid: list[str] = []
    for token in filter(None, tokens):
        try:
            address = validate_email(token, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            invalid.append(token)
            continue
        if address not in addresses:
            addresses.append(address)
    if invalid:
        raise AssessmentError(
            _l("These addresses are not valid: %(addresses)s", addresses=", ".join(invalid[:10])), field="emails"
        )
    if not addresses:
        raise AssessmentError(_l("Give at least one e-mail address."), field="emails")
    if len(addresses) > MAX_ADDRESSES:
        raise AssessmentError(_l("At most %(count)s addresses at a time.", count=MAX_ADDRESSES), field="emails")
    return addresses


def check_due_date(due: datetime) -> None:
    now = utcnow()
    if due <= now:
        raise AssessmentError(_l("The due date must be in the future."), field="due_date")
    if due > now + timedelta(days=366):
        raise AssessmentError(_l("The due date must be within a year."), field="due_date")


@dataclass
class AssignOutcome:
    members: list[str]
    invited: list[str]
    already: list[str]


def assign(client: User, test: Test, addresses: list[str], due: datetime) -> AssignOutcome:
    """Assign `test` to each address: a member gets a notice, anyone else an invitation to register.

    An address that already has an open assignment of the same test from this client is skipped.
    """
    if not test.is_published:
        raise AssessmentError(_l("This test is not available."), field="test")
    check_due_date(due)
    outcome = AssignOutcome(members=[], invited=[], already=[])
    members = {
        user.email.lower(): user
        for user in db.session.scalars(select(User).where(func.lower(User.email).in_(addresses)))
    }
    open_for = set(
        db.session.scalars(
            select(Assignment.email).where(
                Assignment.client_id == client.id,
                Assignment.test_id == test.id,
                Assignment.status != AssignmentStatus.COMPLETED.value,
                func.lower(Assignment.email).in_(addresses),
            )
        )
    )
    for address in addresses:
        if address in open_for:
            outcome.already.append(address)
            continue
        member = members.get(address)
        if member is not None and member.id == client.id:
            raise AssessmentError(_l("You cannot assign a test to yourself."), field="emails")
        assignment = Assignment(
            client_id=client.id,
            candidate_id=member.id if member is not None else None,
            email=address,
            test_id=test.id,
            due_dt=due,
        )
        db.session.add(assignment)
        db.session.flush()
        _notify_assigned(assignment, member)
        (outcome.members if member is not None else outcome.invited).append(address)
    return outcome


def _notify_assigned(assignment: Assignment, member: User | None) -> None:
    """A service message: the member is told of the test; anyone else is invited to register to take it."""
    client = assignment.client
    lang = email_language(member) if member is not None else "fr"
    common = {
        "client_name": client_label(client),
        "test_title": localised(assignment.test.title, lang),
        "due": assignment.due_dt,
        "minutes": assignment.test.time_limit_minutes,
    }
    if member is not None:
        queue_member_email(
            member,
            "assessments/email/assigned",
            _l("A test to take for %(client)s", client=common["client_name"]),
            locale=lang,
            link=absolute_url("assessments.index", lang_code=lang),
            **common,
        )
    else:
        queue_email(
            to=assignment.email,
            template="assessments/email/assignment_invitation",
            locale=lang,
            subject=_l("%(client)s invites you to take a test", client=common["client_name"]),
            email=assignment.email,
            link=absolute_url("auth.register", lang_code=lang),
            **common,
        )


def client_label(client) -> str:
    """How a client is named to candidates: its company, else the person's name (a User or a row of the three)."""
    return client.company or f"{client.first_name} {client.last_name}"


def cancel(client: User, assignment: Assignment) -> None:
    if assignment.client_id != client.id:
        raise AssessmentError(_l("This assignment is not yours."))
    if assignment.status != AssignmentStatus.ASSIGNED.value:
        raise AssessmentError(_l("The candidate has already started this test: it can no longer be cancelled."))
    db.session.delete(assignment)
    db.session.flush()


# --- candidates ---------------------------------------------------------------------------------------


def _belongs_to(user: User):
    """Assignments made to this member: linked to their account, or to their verified address before they
    registered (linked when they start)."""
    return belonging_to(user.id, (user.email or "").lower(), by_address=user.is_email_verified)


def belonging_to(member_id, lowered_email, *, by_address: bool):
    """The same condition from its values, or from bound parameters for a select built once."""
    to_address = and_(Assignment.candidate_id.is_(None), func.lower(Assignment.email) == lowered_email)
    return or_(Assignment.candidate_id == member_id, to_address if by_address else False)


def assignments_for_candidate(user: User) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .options(joinedload(Assignment.test), joinedload(Assignment.client))
            .where(_belongs_to(user))
            .order_by(Assignment.status != AssignmentStatus.ASSIGNED.value, Assignment.due_dt)
        )
    )


def find_candidate_assignment(user: User, public_id: str) -> Assignment | None:
    return db.session.scalar(select(Assignment).where(Assignment.public_id == public_id, _belongs_to(user)))


def attempt_of(assignment: Assignment) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(Attempt.assignment_id == assignment.id))


def start_assigned(user: User, assignment: Assignment) -> Attempt:
    """The attempt for this assignment: one only. A second start (second tab) returns the same attempt."""
    attempt = attempt_of(assignment)
    if attempt is not None:
        close_if_due(attempt)
        return attempt
    if utcnow() > assignment.due_dt:
        raise AssessmentError(_l("The due date of this test has passed: ask the employer for a new one."))
    assignment.candidate_id = user.id
    assignment.status = AssignmentStatus.STARTED.value
    return new_attempt(user, assignment.test, assignment_id=assignment.id)


def share_with_client(attempt: Attempt) -> None:
    """Called when an assigned attempt is submitted: its result becomes visible to the client, who is told."""
    assignment = db.session.get(Assignment, attempt.assignment_id)
    if assignment is None:
        return
    assignment.status = AssignmentStatus.COMPLETED.value
    assignment.result_shared_dt = utcnow()
    if not may_disclose(attempt.candidate, Recipient.CLIENT):
        return  # restricted: the client is not told; it sees the result once the restriction is lifted
    client = assignment.client
    lang = email_language(client)
    queue_member_email(
        client,
        "assessments/email/assignment_completed",
        _l("A candidate completed a test"),
        locale=lang,
        candidate_name=attempt.candidate.full_name,
        test_title=localised(assignment.test.title, lang),
        link=absolute_url("assessments.client_assignment", lang_code=lang, public_id=assignment.public_id),
    )


# --- clients ------------------------------------------------------------------------------------------


def visible_since(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - result_visibility()


def _client_visible(client: User):
    """The client's own assignments, with results still within their two years."""
    return visible_to(client.id, visible_since())


def visible_to(client_id, since):
    """The client's assignments within their two years, without those of candidates whose data it may not read
    now (restriction, erasure under way: app/privacy/disclosure.py)."""
    return and_(
        Assignment.client_id == client_id,
        or_(Assignment.result_shared_dt.is_(None), Assignment.result_shared_dt >= since),
        disclosed_to(Recipient.CLIENT, Assignment.candidate_id),
    )


@dataclass
class AssignmentRow:
    assignment: Assignment
    attempt: Attempt | None
    result: Result | None

    @property
    def has_accommodation(self) -> bool:
        """Only whether extra time applied: the factor's reason (the note) is never shown to clients."""
        return self.attempt is not None and self.attempt.time_factor > 1


@dataclass
class ListedAssignment:
    """One line of the client's list: only the columns it shows (the list is the client's busiest page)."""

    public_id: str
    email: str
    status: str
    due_dt: datetime
    test_id: int
    candidate_name: str | None
    time_factor: float | None
    percentage: float | None
    is_personality: bool

    @property
    def has_accommodation(self) -> bool:
        return self.time_factor is not None and self.time_factor > 1


def client_assignments(client: User, *, test_slug: str | None = None, page: int = 1, per_page: int = 50):
    """(rows, total) of the client's assignments, newest first, with attempts and results, in one query."""
    values = {
        "client_id": client.id,
        "since": visible_since(),
        "limit": per_page,
        "offset": (max(page, 1) - 1) * per_page,
        **({"test_slug": test_slug} if test_slug else {}),
    }
    listing, count = _client_list_statements(by_test=bool(test_slug))
    rows = prebuilt.rows(listing, **values)  # on the connection: the session's execute cost as much again
    if rows:
        return [ListedAssignment(*row[:-1]) for row in rows], rows[0].total
    # Past the last page, no row carries the total.
    return [], prebuilt.one(count, **values)[0] if page > 1 else 0


@cache
def _client_list_statements(*, by_test: bool):
    """The list's query and its count, built once per process: building them costs more than running them.
    Their values come at execution: client_id, since, limit, offset and, by test, test_slug.

    The page's ids and the total are read from the index ix_assessment_assignment_client_created alone (with the
    candidate's id that the disclosure check reads): only the rows shown are joined, however deep the page."""
    where = [visible_to(bindparam("client_id"), bindparam("since"))]
    if by_test:
        where.append(Assignment.test_id.in_(select(Test.id).where(Test.slug == bindparam("test_slug"))))
    newest_first = (Assignment.created_dt.desc(), Assignment.id.desc())
    # Uncorrelated: both subqueries read the whole list, not the row of the outer query.
    page_ids = (
        select(Assignment.id)
        .where(*where)
        .order_by(*newest_first)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .correlate(None)
    )
    count = select(func.count()).select_from(Assignment).where(*where)
    candidate_name = (User.first_name + " " + User.last_name).label("candidate_name")
    listing = (
        select(
            Assignment.public_id,
            Assignment.email,
            Assignment.status,
            Assignment.due_dt,
            Assignment.test_id,
            candidate_name,
            Attempt.time_factor,
            Result.percentage,
            (Test.kind == TestKind.PERSONALITY.value).label("is_personality"),
            count.correlate(None).scalar_subquery().label("total"),
        )
        .join(Test, Test.id == Assignment.test_id)
        .outerjoin(User, User.id == Assignment.candidate_id)
        .outerjoin(Attempt, Attempt.assignment_id == Assignment.id)
        .outerjoin(Result, Result.attempt_id == Attempt.id)
        .where(Assignment.id.in_(page_ids))
        .order_by(*newest_first)
    )
    return listing, count


def client_tests(client: User) -> list:
    """The tests the client assigned at least once (to filter the list): rows of id, slug and title only."""
    return prebuilt.rows(_client_tests_statement(), client_id=client.id)


@cache
def _client_tests_statement():
    """Built once per process, like the list's statements."""
    assigned = select(Assignment.test_id).where(Assignment.client_id == bindparam("client_id"))
    return select(Test.id, Test.slug, Test.title).where(Test.id.in_(assigned)).order_by(Test.id)


def find_client_assignment(client: User, public_id: str) -> AssignmentRow | None:
    row = db.session.execute(
        select(Assignment, Attempt, Result)
        .outerjoin(Attempt, Attempt.assignment_id == Assignment.id)
        .outerjoin(Result, Result.attempt_id == Attempt.id)
        .where(Assignment.public_id == public_id, _client_visible(client))
    ).first()
    return AssignmentRow(*row) if row else None


def has_assigned_result(candidate: User) -> bool:
    """Whether the candidate has a result of an assigned test (what employers may find, with consent)."""
    return bool(
        db.session.scalar(
            select(Result.id)
            .join(Attempt, Attempt.id == Result.attempt_id)
            .where(Attempt.candidate_id == candidate.id, Attempt.assignment_id.is_not(None))
            .limit(1)
        )
    )


def client_ground(viewer, owner) -> AccessReason | None:
    """A client may see the profile of a candidate it assigned a test to, while that assignment is kept."""
    if not viewer.has_role(Role.CLIENT):
        return None
    exists = db.session.scalar(
        select(Assignment.id).where(_client_visible(viewer), Assignment.candidate_id == owner.id).limit(1)
    )
    return AccessReason.CLIENT_ASSIGNMENT if exists else None


def consent_ground(viewer, owner) -> AccessReason | None:
    """A client may open the profile of a candidate who agreed to be found by employers and has results to show."""
    if not viewer.has_role(Role.CLIENT):
        return None
    if not has_consent(owner, ConsentPurpose.SHARE_RESULTS):
        return None
    return AccessReason.RESULTS_SEARCH if has_assigned_result(owner) else None


def purge_shared_results(now: datetime) -> int:
    """After two years, the client's link to a result is deleted; assignments never taken go a year after their
    due date. The result itself stays the candidate's."""
    return db.session.execute(
        delete(Assignment)
        .where(
            or_(
                Assignment.result_shared_dt < visible_since(now),
                and_(
                    Assignment.status != AssignmentStatus.COMPLETED.value,
                    Assignment.due_dt < now - timedelta(days=365),
                ),
                _invitation_never_taken_up(now),
            )
        )
        .execution_options(synchronize_session=False)
    ).rowcount


def _invitation_never_taken_up(now: datetime):
    """An invitation to register, past its due date for DELIVERED_EMAIL_RETENTION, to an address that never
    became an account: it names someone who never joined."""
    return and_(
        Assignment.candidate_id.is_(None),
        Assignment.due_dt < now - current_app.config["DELIVERED_EMAIL_RETENTION"],
        ~select(User.id).where(User.email == func.lower(Assignment.email)).exists(),
    )


#: Only what the dashboard shows of each share: loading the assignments with their tests as objects read each
#: test's whole content too.
_SHARES = (
    select(Test.title, User.company, User.first_name, User.last_name, Assignment.result_shared_dt)
    .join(Test, Test.id == Assignment.test_id)
    .join(User, User.id == Assignment.client_id)
    .where(
        Assignment.candidate_id == bindparam("member_id"),
        Assignment.result_shared_dt.is_not(None),
        Assignment.result_shared_dt >= bindparam("since"),
    )
    .order_by(Assignment.result_shared_dt, Assignment.id)
)


def shares_of(user: User) -> list[dict]:
    """For the privacy dashboard: which client sees which result, and until when."""
    lang = email_language(user)
    return [
        {
            "what": localised(row.title, lang),
            "client": client_label(row),
            "until": (row.result_shared_dt + result_visibility()).date(),
        }
        for row in prebuilt.rows(_SHARES, member_id=user.id, since=visible_since())
    ]


# --- search by results and skills (with consent) ------------------------------------------------------


@dataclass
class SearchHit:
    candidate: User
    test: Test
    percentage: float | None
    skills: list[str]


def search_candidates(
    client: User, *, test_slug: str, min_percentage: float = 0, skill: str = "", limit: int = 50
) -> list[SearchHit]:
    """Candidates who consent to be found, with a result of an assigned test from another client.

    Practice results are the candidate's alone and never appear; nor does a candidate who restricted
    processing, withdrew consent, or objects. Each candidate appears once, with their best result.
    """
    best = func.max(Result.percentage).label("best")
    query = (
        select(User, Test, best)
        .join(Attempt, Attempt.candidate_id == User.id)
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .join(Result, Result.attempt_id == Attempt.id)
        .join(Test, Test.id == Result.test_id)
        .where(
            Test.slug == test_slug,
            Test.kind != TestKind.PERSONALITY.value,
            Assignment.client_id != client.id,
            User.id != client.id,
            User.is_suspended.is_(False),
            consenting(ConsentPurpose.SHARE_RESULTS),
            unrestricted(),
            func.coalesce(Result.percentage, 0) >= min_percentage,
        )
        .group_by(User.id, Test.id)
        .order_by(best.desc(), User.id)
        .limit(limit * 4 if skill else limit)
    )
    rows = db.session.execute(query).all()
    profiles = db.session.scalars(
        select(CandidateProfile).where(CandidateProfile.user_id.in_([row[0].id for row in rows]))
    )
    # Skills count only where the candidate shares them with employers and interviewers.
    skills_of = {profile.user_id: profile.skills for profile in profiles if profile.is_shared(Section.SKILLS)}
    hits = []
    wanted = skill.strip().casefold()
    for candidate, test, percentage in rows:
        skills = list(skills_of.get(candidate.id) or [])
        if wanted and not any(wanted in str(item).casefold() for item in skills):
            continue
        hits.append(SearchHit(candidate=candidate, test=test, percentage=percentage, skills=skills))
    return hits[:limit]


def searchable_tests() -> list[Test]:
    """Scored (not personality) tests that have at least one assigned result."""
    return list(
        db.session.scalars(
            select(Test)
            .where(Test.kind != TestKind.PERSONALITY.value, Test.published_dt.is_not(None))
            .order_by(Test.slug, Test.version.desc())
        )
    )


# --- contests -----------------------------------------------------------------------------------------


def open_contest(result: Result) -> ScoreContest | None:
    return db.session.scalar(
        select(ScoreContest)
        .join(PrivacyRequest, PrivacyRequest.id == ScoreContest.request_id)
        .where(
            ScoreContest.result_id == result.id,
            PrivacyRequest.status.in_([RequestStatus.RECEIVED.value, RequestStatus.IN_PROGRESS.value]),
        )
    )


def contests_of(result: Result) -> list[ScoreContest]:
    return list(db.session.scalars(select(ScoreContest).where(ScoreContest.result_id == result.id)))


def contest_score(user: User, attempt: Attempt, result: Result, reason: str) -> ScoreContest:
    """Record a contest as a privacy request (due in one month, answered by an admin), linked to the result."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise AssessmentError(_l("Explain in a few words what you contest (10 characters at least)."), field="reason")
    if len(reason) > 5000:
        raise AssessmentError(_l("At most 5,000 characters."), field="reason")
    if open_contest(result) is not None:
        raise AssessmentError(_l("You already contested this score: the answer will come by e-mail."))
    title = localised(attempt.test.title, "en")
    request = submit_request(
        user, RequestKind.SCORE_CONTEST, f"{title} (v{attempt.test.version}) #{result.public_id[:8]}", reason
    )
    contest = ScoreContest(result_id=result.id, request_id=request.id)
    db.session.add(contest)
    db.session.flush()
    return contest
