"""The main pages of the portal, for each role, and the data they need: what the accessibility and HTML checks visit.

To cover a new page, add a row to PAGES: (role, name, path). The path may use {lang} and any key of the dict
that `seed_site` returns; add what the page needs to `seed_site` when it is not there yet. Every page must
answer 200 at exactly that address for that role (a redirect or an error fails the check, so the table
cannot silently rot).
"""

import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.assessments import assignments, authoring
from app.assessments import services as assessments
from app.assessments.bank import load_bank
from app.assessments.models import Assignment
from app.auth import services as auth_services
from app.auth.models import Role, User
from app.core import crypto
from app.core.mail import OutboxMessage
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy import consents, erasure, requests
from app.privacy.models import ConsentPurpose, ObjectionTopic, RequestKind
from app.profiles import services as profiles
from app.profiles.models import AvailabilitySlot, EducationEntry, ExperienceEntry, InterviewerProfile
from app.simulations import services as simulations
from app.sponsors import services as sponsors
from app.sponsors.models import (
    Cohort,
    Enrolment,
    ImportBatch,
    Invitation,
    InvitationRole,
    Organisation,
    Usage,
    UsageKind,
)
from tests.conftest import link_in

LANGUAGES = ("en", "fr")
SPONSOR_INVITATION_TOKEN = "a11y-sponsor-invitation-token-0123456789"  # noqa: S105 (a test token)

# role: the e-mail of the member who signs in for it (None: not signed in), and the roles that member holds.
MEMBERS = {
    "anonymous": (None, ()),
    "candidate": ("camille@example.com", (Role.CANDIDATE,)),
    "interviewer": ("julien@example.com", (Role.INTERVIEWER, Role.CANDIDATE)),
    "sponsor_admin": ("claire@example.com", (Role.SPONSOR_ADMIN,)),
    "client": ("thomas@example.com", (Role.CLIENT,)),
    "test_author": ("elise@example.com", (Role.TEST_AUTHOR,)),
    "admin": ("alex@example.com", (Role.ADMIN,)),
}

BANK_TESTS = ("numerical_reasoning", "five_trait_personality", "sql_basics", "verbal_logical_reasoning")

PAGES = [
    # --- anonymous visitors ---
    ("anonymous", "home", "/{lang}/"),
    ("anonymous", "login", "/{lang}/login"),
    ("anonymous", "register", "/{lang}/register"),
    ("anonymous", "check e-mail", "/{lang}/register/check-email"),
    ("anonymous", "forgot password", "/{lang}/password/forgot"),
    ("anonymous", "reset password", "/{lang}/password/reset/{reset_token}"),
    ("anonymous", "privacy policy", "/{lang}/privacy"),
    ("anonymous", "policy versions", "/{lang}/privacy/versions"),
    ("anonymous", "policy version", "/{lang}/privacy/versions/{policy_version}"),
    ("anonymous", "unsubscribe", "/{lang}/unsubscribe/{unsubscribe_token}"),
    ("anonymous", "erasure status", "/{lang}/privacy/erasure/{erasure_job}"),
    ("anonymous", "sponsor invitation", "/{lang}/sponsors/join/{sponsor_token}"),
    ("anonymous", "help", "/{lang}/help/"),
    *[("anonymous", f"help for {role.value}", f"/{{lang}}/help/{role.value}") for role in Role],
    # --- candidate ---
    ("candidate", "dashboard", "/{lang}/dashboard"),
    ("candidate", "help", "/{lang}/help/candidate"),
    ("candidate", "profile", "/{lang}/profile"),
    ("candidate", "profile goals", "/{lang}/profile/goals"),
    ("candidate", "profile visibility", "/{lang}/profile/visibility"),
    ("candidate", "new education", "/{lang}/profile/education/new"),
    ("candidate", "edit education", "/{lang}/profile/education/{education}/edit"),
    ("candidate", "new experience", "/{lang}/profile/experience/new"),
    ("candidate", "edit experience", "/{lang}/profile/experience/{experience}/edit"),
    ("candidate", "simulations", "/{lang}/simulations/"),
    ("candidate", "new simulation request", "/{lang}/simulations/new"),
    ("candidate", "simulation request", "/{lang}/simulations/requests/{simulation_request}"),
    ("candidate", "upcoming session", "/{lang}/simulations/sessions/{upcoming_session}"),
    ("candidate", "session with feedback", "/{lang}/simulations/sessions/{finished_session}"),
    ("candidate", "tests", "/{lang}/tests/"),
    *[("candidate", f"test instructions {slug}", f"/{{lang}}/tests/{{test_{slug}}}") for slug in ("sql_basics",)],
    *[("candidate", f"test being taken {slug}", f"/{{lang}}/tests/attempts/{{attempt_{slug}}}") for slug in BANK_TESTS],
    *[
        ("candidate", f"test result {slug}", f"/{{lang}}/tests/attempts/{{result_{slug}}}/result")
        for slug in BANK_TESTS
    ],
    ("candidate", "assigned test", "/{lang}/tests/assigned/{assignment}"),
    ("candidate", "test accommodation", "/{lang}/tests/accommodation"),
    ("candidate", "my sponsors", "/{lang}/sponsors/mine"),
    ("candidate", "sponsor data correction", "/{lang}/sponsors/mine/{enrolment}/correction"),
    ("candidate", "privacy dashboard", "/{lang}/privacy/dashboard"),
    ("candidate", "new privacy request", "/{lang}/privacy/requests/new"),
    ("candidate", "privacy request", "/{lang}/privacy/requests/{privacy_request}"),
    ("candidate", "erase account", "/{lang}/privacy/erase"),
    ("candidate", "account", "/{lang}/account"),
    ("candidate", "change e-mail", "/{lang}/account/email"),
    ("candidate", "mobile phone", "/{lang}/account/phone"),
    ("candidate", "username", "/{lang}/account/username"),
    ("candidate", "change password", "/{lang}/account/password"),
    ("candidate", "devices", "/{lang}/account/sessions"),
    ("candidate", "two-step settings", "/{lang}/account/two-step"),
    ("candidate", "two-step setup", "/{lang}/account/two-step/setup"),
    # --- interviewer ---
    ("interviewer", "dashboard", "/{lang}/dashboard"),
    ("interviewer", "interviewer profile", "/{lang}/interviewer-profile"),
    ("interviewer", "simulations", "/{lang}/simulations/"),
    ("interviewer", "invitation", "/{lang}/simulations/invitations/{invitation}"),
    ("interviewer", "candidate profile", "/{lang}/members/{candidate}/profile"),
    ("interviewer", "upcoming session", "/{lang}/simulations/sessions/{upcoming_session}"),
    ("interviewer", "session to give feedback", "/{lang}/simulations/sessions/{feedback_due_session}"),
    ("interviewer", "session with feedback", "/{lang}/simulations/sessions/{finished_session}"),
    # --- sponsor admin ---
    ("sponsor_admin", "dashboard", "/{lang}/dashboard"),
    ("sponsor_admin", "sponsor home", "/{lang}/sponsors/"),
    ("sponsor_admin", "organisation", "/{lang}/sponsors/{organisation}"),
    ("sponsor_admin", "members", "/{lang}/sponsors/{organisation}/members"),
    ("sponsor_admin", "edit member", "/{lang}/sponsors/members/{enrolment}/edit"),
    ("sponsor_admin", "invitations", "/{lang}/sponsors/{organisation}/invitations"),
    ("sponsor_admin", "invite member", "/{lang}/sponsors/{organisation}/invitations/new"),
    ("sponsor_admin", "import", "/{lang}/sponsors/{organisation}/import"),
    ("sponsor_admin", "import preview", "/{lang}/sponsors/imports/{import_batch}"),
    ("sponsor_admin", "cohorts", "/{lang}/sponsors/{organisation}/cohorts"),
    ("sponsor_admin", "admins", "/{lang}/sponsors/{organisation}/admins"),
    ("sponsor_admin", "corrections", "/{lang}/sponsors/{organisation}/corrections"),
    ("sponsor_admin", "shared with us", "/{lang}/sponsors/{organisation}/shared"),
    ("sponsor_admin", "privacy dashboard", "/{lang}/privacy/dashboard"),
    # --- client ---
    ("client", "dashboard", "/{lang}/dashboard"),
    ("client", "assignments", "/{lang}/tests/assignments/"),
    ("client", "assign a test", "/{lang}/tests/assignments/new"),
    ("client", "assignment", "/{lang}/tests/assignments/{assignment}"),
    ("client", "assignment with its result", "/{lang}/tests/assignments/{completed_assignment}"),
    ("client", "candidate search", "/{lang}/tests/candidates/"),
    ("client", "account", "/{lang}/account"),
    ("client", "my applications", "/{lang}/apply/"),
    ("client", "apply to be an interviewer", "/{lang}/apply/interviewer"),
    ("candidate", "apply to be a client", "/{lang}/apply/client"),
    # --- test author ---
    ("test_author", "dashboard", "/{lang}/dashboard"),
    ("test_author", "authoring", "/{lang}/tests/authoring/"),
    ("test_author", "new test", "/{lang}/tests/authoring/new"),
    ("test_author", "import a test", "/{lang}/tests/authoring/import"),
    ("test_author", "edit test", "/{lang}/tests/authoring/{draft_test}/edit"),
    *[
        (
            "test_author",
            f"new {kind} item",
            f"/{{lang}}/tests/authoring/{{draft_test}}/sections/{{draft_section}}/items/new?type={kind}",
        )
        for kind in ("single", "multiple", "numeric", "agreement")
    ],
    ("test_author", "edit item", "/{lang}/tests/authoring/items/{draft_item}"),
    ("test_author", "preview", "/{lang}/tests/authoring/{draft_test}/preview"),
    # --- the second step of signing in, shown to the administrator (who must use two-step verification) ---
    ("second_step", "two-step sign-in", "/{lang}/login/two-step"),
    # --- administrator ---
    ("admin", "dashboard", "/{lang}/dashboard"),
    ("admin", "members", "/{lang}/admin/"),
    ("admin", "member", "/{lang}/admin/members/{candidate}"),
    ("admin", "audit log", "/{lang}/admin/audit"),
    ("admin", "simulation statistics", "/{lang}/simulations/statistics"),
    ("admin", "test statistics", "/{lang}/tests/authoring/{test_sql_basics}/statistics"),
    ("admin", "member accommodation", "/{lang}/tests/admin/members/{candidate}/accommodation"),
    ("admin", "organisations", "/{lang}/sponsors/manage"),
    ("admin", "new organisation", "/{lang}/sponsors/manage/new"),
    ("admin", "edit organisation", "/{lang}/sponsors/manage/{organisation}"),
    ("admin", "privacy requests", "/{lang}/privacy/admin/requests"),
    ("admin", "privacy request", "/{lang}/privacy/admin/requests/{privacy_request}"),
    ("admin", "score contest with its correction form", "/{lang}/privacy/admin/requests/{score_contest}"),
    ("admin", "failed e-mails", "/{lang}/admin/mail"),
    ("admin", "objections", "/{lang}/privacy/admin/objections"),
    ("admin", "privacy runs", "/{lang}/privacy/admin/runs"),
    ("admin", "records of processing", "/{lang}/privacy/admin/records"),
    ("admin", "policies", "/{lang}/privacy/admin/policies"),
    ("admin", "promises", "/{lang}/privacy/admin/promises"),
    ("admin", "role applications", "/{lang}/admin/applications/"),
    ("admin", "role application", "/{lang}/admin/applications/{role_application}"),
]


@dataclass(frozen=True)
class Page:
    role: str
    name: str
    lang: str
    path: str

    @property
    def label(self) -> str:
        return f"{self.role} · {self.name} · {self.path}"

    @property
    def slug(self) -> str:
        return "-".join([self.role, self.lang, *self.name.split()]).replace("/", "_")


def pages_of(role: str, ids: dict) -> list[Page]:
    """Every page of the table for `role`, in both languages, with its placeholders filled."""
    return [
        Page(role, name, lang, path.format(lang=lang, **ids))
        for lang in LANGUAGES
        for page_role, name, path in PAGES
        if page_role == role
    ]


# --- the data those pages show ----------------------------------------------------------------------------


def seed_site(app, make_user) -> dict:
    """Members for every role and what their pages need; returns the public ids the page table refers to."""
    users = {role: make_user(email, roles=held) for role, (email, held) in MEMBERS.items() if email}
    leaving_id = make_user("leaving@example.com")  # a member whose erasure is under way
    with app.app_context():
        member = {role: db.session.get(User, user_id) for role, user_id in users.items()}
        ids = {"candidate": member["candidate"].public_id, "recovery_code": _two_step(member["admin"])}
        ids |= _profile(member["candidate"])
        ids |= _simulations(member["candidate"], member["interviewer"])
        ids |= _assessments(member["candidate"])
        ids |= _assignment(
            member["client"], member["candidate"], ids["test_sql_basics"], ids["test_numerical_reasoning"]
        )
        ids |= _authoring(member["test_author"])
        ids |= _sponsor(member["candidate"], member["sponsor_admin"], member["admin"])
        ids |= _privacy(member["candidate"], db.session.get(User, leaving_id))
        ids |= _role_application(member["client"])
        ids["score_contest"] = _open_contest(member["candidate"], ids["result_numerical_reasoning"])
        _failed_mail(member["candidate"])
        db.session.commit()
        return ids


def _role_application(client: User) -> dict:
    """The client asks to become an interviewer too: the administrators' queue has one to review."""
    from app.applications import services as applications

    application = applications.apply_as_interviewer(
        client,
        experience="Ten years of recruiting analysts; I sat on many interview panels.",
        sectors=["banking_finance"],
        company_types=["bank_finance"],
        languages=["en", "fr"],
    )
    return {"role_application": application.public_id}


def _two_step(admin: User) -> str:
    """Administrators need two-step verification; returns a recovery code to sign in with."""
    admin.totp_secret_encrypted = crypto.encrypt_text(auth_services.new_totp_secret())
    admin.totp_enabled_dt = utcnow()
    return auth_services.replace_recovery_codes(admin)[0]


def _profile(candidate: User) -> dict:
    profile = profiles.candidate_profile(candidate)
    profiles.update_goals(
        profile,
        headline="Engineering student aiming for strategy consulting",
        skills=["SQL", "Market sizing"],
        sectors=["consulting"],
        company_types=["consulting_firm"],
        roles=["Consultant"],
    )
    education = profiles.add_entry(
        EducationEntry, candidate, school="École Centrale", degree="MSc", field="Engineering", start_year=2022,
        end_year=2026, grade="",
    )  # fmt: skip
    experience = profiles.add_entry(
        ExperienceEntry, candidate, employer="Banque Lumière", title="Analyst intern",
        start_month=datetime(2025, 6, 1), end_month=datetime(2025, 9, 1), description="Credit analysis",
    )  # fmt: skip
    profiles.add_language(candidate, "en", "c1")
    db.session.flush()
    return {"education": education.public_id, "experience": experience.public_id}


def _next_weekday(weekday: int) -> date:
    day = date.today() + timedelta(days=3)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def _request(candidate: User) -> simulations.SimulationRequest:
    tuesday, thursday = _next_weekday(1), _next_weekday(3)
    windows = [
        (datetime.combine(tuesday, time(18)), datetime.combine(tuesday, time(21))),
        (datetime.combine(thursday, time(9)), datetime.combine(thursday, time(11))),
    ]
    data = simulations.RequestData(
        mode="video", interview_type="case", language="fr", windows=windows, sector="consulting",
        company_type="consulting_firm", goal="Structure a market-sizing case",
    )  # fmt: skip
    return simulations.create_request(candidate, data)


def _session(candidate: User, interviewer: User, *, days_ago: int | None = None):
    request = _request(candidate)
    (invitation,) = simulations.invite(request, [interviewer.id])
    session = simulations.accept(invitation, request.windows[0].public_id, "https://visio.example/room")
    if days_ago is not None:  # a session that took place already
        session.start_dt = utcnow() - timedelta(days=days_ago)
        session.end_dt = session.start_dt + simulations.SESSION_LENGTH
    return session


def _simulations(candidate: User, interviewer: User) -> dict:
    db.session.add(
        InterviewerProfile(
            user_id=interviewer.id,
            bio="Former consultant",
            current_employer="Conseil & Co",
            languages=["fr", "en"],
            modes=["video", "phone"],
            interview_types=["case"],
            sectors=["consulting"],
            company_types=["consulting_firm"],
            former_employers=[],
            weekly_capacity=4,
            is_accepting=True,
        )  # fmt: skip
    )
    db.session.add(AvailabilitySlot(user_id=interviewer.id, weekday=1, start_time=time(18), end_time=time(22)))
    upcoming = _session(candidate, interviewer)
    feedback_due = _session(candidate, interviewer, days_ago=1)
    finished = _session(candidate, interviewer, days_ago=2)
    with db.session.no_autoflush:  # the service adds the new feedback at its end, as the view expects
        simulations.submit_feedback(
            finished, scores={"structure": 4, "analysis": 3, "communication": 5, "business_sense": 2},
            strengths="Clear structure", improvements="Sharpen the maths", recommendations="One case a day",
            resources="Case in Point",
        )  # fmt: skip
    earlier = _session(candidate, interviewer, days_ago=9)  # the feedback chart follows the scores over sessions
    with db.session.no_autoflush:
        simulations.submit_feedback(
            earlier, scores={"structure": 2, "analysis": 2, "communication": 4, "business_sense": 1},
            strengths="Good energy", improvements="Structure first", recommendations="", resources="",
        )  # fmt: skip
    pending_request = _request(candidate)
    (invitation,) = simulations.invite(pending_request, [interviewer.id])
    db.session.flush()
    return {
        "simulation_request": pending_request.public_id,
        "invitation": invitation.public_id,
        "upcoming_session": upcoming.public_id,
        "feedback_due_session": feedback_due.public_id,
        "finished_session": finished.public_id,
    }


#: Tests whose pages draw charts of a norm group (the result's distribution or trait profile, item statistics):
#: they get NORM_GROUP other takers, as many as the portal needs before it shows any aggregate.
CHARTED_TESTS = ("numerical-reasoning", "five-trait-personality", "sql-basics")
NORM_GROUP = 32


def _answer(item, number: int):
    """Taker `number`'s answer to `item`: some takers get most right, others few, and some items are harder."""
    if item.type == "agreement":
        return 1 + (number * 3 + item.position * (number % 3 + 1)) % 5
    is_right = (number * 13 + item.position * 7) % 10 < 2 + number % 7
    if item.type == "numeric":
        return float(item.key) + (0 if is_right else 7)
    options = len(item.options or []) or 1
    right = list(item.key or [0])
    choice = right if is_right else [(right[0] + 1 + number % max(options - 1, 1)) % options]
    return choice if item.type == "multiple" else choice[0]


def _take(user: User, test, number: int) -> None:
    attempt, _ = assessments.start_practice(user, test)
    for item in test.items:
        assessments.save_answer(attempt, item, _answer(item, number))
    assessments.submit(attempt)


def _norm_group(test) -> None:
    for number in range(NORM_GROUP):
        email = f"norm{number}-{test.slug}@example.com"
        taker = User(email=email, first_name="Norm", last_name=f"Taker{number}", password_hash="-", locale="en")
        db.session.add(taker)
        db.session.flush()
        _take(taker, test, number)


def _assessments(candidate: User) -> dict:
    ids = {}
    for test in load_bank():
        db.session.flush()
        if test.slug in CHARTED_TESTS:
            _norm_group(test)
        done, _ = assessments.start_practice(candidate, test)
        for item in test.items:
            assessments.save_answer(done, item, _answer(item, 4))
        assessments.submit(done)
        taking, _ = assessments.start_practice(candidate, test)
        slug = test.slug.replace("-", "_")
        ids |= {f"test_{slug}": test.public_id, f"attempt_{slug}": taking.public_id, f"result_{slug}": done.public_id}
    db.session.flush()
    return ids


def _assignment(client: User, candidate: User, test_public_id: str, completed_test_public_id: str) -> dict:
    """A test assigned and not yet taken, and one taken: its result (with the norm group's chart) is the client's."""
    test = assessments.find_published_test(test_public_id)
    assignments.assign(client, test, [candidate.email], utcnow() + timedelta(days=10))
    (row,) = db.session.scalars(select(Assignment).where(Assignment.client_id == client.id))
    taken = assessments.find_published_test(completed_test_public_id)
    assignments.assign(client, taken, [candidate.email], utcnow() + timedelta(days=10))
    done = db.session.scalar(select(Assignment).where(Assignment.client_id == client.id, Assignment.id != row.id))
    attempt = assignments.start_assigned(candidate, done)
    for item in taken.items:
        assessments.save_answer(attempt, item, _answer(item, 5))
    assessments.submit(attempt)
    _upheld_contest(candidate, attempt)
    return {"assignment": row.public_id, "completed_assignment": done.public_id}


def _upheld_contest(candidate: User, attempt) -> None:
    """The candidate contested the assigned result and an admin set its first question aside: the candidate's
    and the client's pages show the corrected score with its note."""
    from app.assessments.corrections import ContestCase, correct_score
    from app.assessments.models import Result

    result = db.session.scalar(select(Result).where(Result.attempt_id == attempt.id))
    contest = assignments.contest_score(candidate, attempt, result, "Question 1 had two right answers.")
    correct_score(ContestCase(contest, result, attempt), set_aside=[attempt.test.items[0]])


def _open_contest(candidate: User, practice_public_id: str) -> str:
    """A contest of a practice result, waiting for an admin: its page offers the correction form."""
    from app.assessments.models import Attempt, Result

    attempt = db.session.scalar(select(Attempt).where(Attempt.public_id == practice_public_id))
    result = db.session.scalar(select(Result).where(Result.attempt_id == attempt.id))
    contest = assignments.contest_score(candidate, attempt, result, "Question 3 was marked wrong but it was right.")
    return contest.request.public_id


def _failed_mail(candidate: User) -> None:
    """An e-mail given up after every attempt, for the administrators' list."""
    from app.demo import failed_outbox_message

    db.session.add(failed_outbox_message(candidate, "Your result", "SMTPRecipientsRefused: 452 4.2.2 mailbox full"))


def _authoring(author: User) -> dict:
    both = {"en": "Mental arithmetic", "fr": "Calcul mental"}
    settings = authoring.TestSettings(
        kind="personality", title=both, instructions={"en": "No calculator.", "fr": "Sans calculatrice."},
        time_limit_minutes=15, traits={"calm": {"en": "Calm", "fr": "Calme"}}, slug="mental-arithmetic",
    )  # fmt: skip
    test = authoring.create_test(author, settings)
    section = authoring.add_section(test, {"en": "Part 1", "fr": "Partie 1"})
    content = authoring.ItemContent(
        type="single", prompt={"en": "12 × 12?", "fr": "12 × 12 ?"}, key=[1],
        options=[{"en": "124", "fr": "124"}, {"en": "144", "fr": "144"}],
    )  # fmt: skip
    item = authoring.add_item(section, content)
    return {"draft_test": test.public_id, "draft_section": section.id, "draft_item": item.public_id}


def _sponsor(candidate: User, sponsor_admin: User, admin: User) -> dict:
    organisation = Organisation(
        name="École Centrale", kind="school", seats=20, default_locale="fr", simulation_allowance=100,
        practice_test_allowance=100,
    )  # fmt: skip
    db.session.add(organisation)
    db.session.flush()
    cohort = Cohort(organisation_id=organisation.id, name="Promo 2026")
    db.session.add(cohort)
    db.session.flush()
    sponsors.add_admin(organisation, sponsor_admin, actor=admin)
    second = Organisation(name="Banque Lumière", kind="employer", seats=5, default_locale="fr")
    db.session.add(second)
    db.session.flush()
    sponsors.add_admin(second, sponsor_admin, actor=admin)  # with two, the sponsor home lists them
    enrolment = Enrolment(
        organisation_id=organisation.id, user_id=candidate.id, cohort_id=cohort.id, first_name=candidate.first_name,
        last_name=candidate.last_name, grade="M1",
    )  # fmt: skip
    db.session.add(enrolment)
    db.session.flush()
    sponsors.request_correction(enrolment, "My grade is M2, not M1.")
    _cohort_activity(organisation, cohort)
    people = [sponsors.MemberData(email="nina@example.com", first_name="Nina", last_name="Roux", cohort_id=cohort.id)]
    sponsors.create_member_invitations(organisation, people, sponsor_admin)
    db.session.add(
        Invitation(
            organisation_id=organisation.id,
            role=InvitationRole.MEMBER.value,
            email="new.student@example.com",
            first_name="Lina",
            last_name="Petit",
            locale="fr",
            grade="M1",
            token_hash=sponsors._hash_token(SPONSOR_INVITATION_TOKEN),
            created_dt=utcnow(),
            expires_dt=utcnow() + timedelta(days=7),
            invited_by_id=sponsor_admin.id,
        )  # fmt: skip
    )
    batch = ImportBatch(
        organisation_id=organisation.id, uploaded_by_id=sponsor_admin.id, filename="members.csv", row_count=1,
        content="email,first_name,last_name,cohort\nhugo@example.com,Hugo,Lambert,Promo 2026\n",
    )  # fmt: skip
    db.session.add(batch)
    db.session.flush()
    return {
        "organisation": organisation.public_id,
        "enrolment": enrolment.public_id,
        "import_batch": batch.public_id,
        "sponsor_token": SPONSOR_INVITATION_TOKEN,
    }


def _cohort_activity(organisation: Organisation, cohort: Cohort) -> None:
    """Two cohorts large enough for the sponsor's figures (5 members at least), with work paid for each month."""
    later = Cohort(organisation_id=organisation.id, name="Promo 2027")
    db.session.add(later)
    db.session.flush()
    now = utcnow()
    for number in range(12):
        group = cohort if number < 6 else later
        student = User(
            email=f"student{number}@example.com", first_name="Student", last_name=f"Number{number}",
            password_hash="-", locale="fr",
        )  # fmt: skip
        db.session.add(student)
        db.session.flush()
        member = Enrolment(
            organisation_id=organisation.id, user_id=student.id, cohort_id=group.id, first_name="Student",
            last_name=f"Number{number}",
        )  # fmt: skip
        db.session.add(member)
        db.session.flush()
        for months_ago in range(6):
            for _ in range((number + months_ago * (2 if group is cohort else 1)) % 4):
                kind = UsageKind.SIMULATION if (number + months_ago) % 2 else UsageKind.PRACTICE_TEST
                db.session.add(
                    Usage(
                        organisation_id=organisation.id,
                        enrolment_id=member.id,
                        user_id=student.id,
                        kind=kind.value,
                        created_dt=now - timedelta(days=30 * months_ago, minutes=5),
                    )  # fmt: skip
                )


def _privacy(candidate: User, leaving: User) -> dict:
    request = requests.submit_request(candidate, RequestKind.QUESTION, "Who sees my CV?", "Which sponsors?")
    consents.object_to(candidate, ObjectionTopic.STATISTICS, "I prefer not to be counted.")
    consents.update_consents(candidate, {ConsentPurpose.SURVEYS})
    job = erasure.start_erasure(leaving)
    auth_services.request_password_reset(candidate.email, "en")
    db.session.flush()
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == candidate.email))
    reset_link = next(link_in(row.body_text, "/password/reset/") for row in mail if "/password/reset/" in row.body_text)
    from app.privacy import services as privacy_services

    return {
        "privacy_request": request.public_id,
        "erasure_job": job.public_id,
        "unsubscribe_token": consents.unsubscribe_token(candidate, ConsentPurpose.MARKETING),
        "reset_token": reset_link.rsplit("/", 1)[-1],
        "policy_version": privacy_services.current_policy().version,
    }


def sign_in_through_the_form(page, base: str, email: str, lang: str, totp_secret: str | None = None) -> None:
    """Sign in on the real login page; with `totp_secret`, answer the two-step page too. Ends on the dashboard."""
    import pyotp

    from tests.conftest import PASSWORD

    page.goto(f"{base}/{lang}/login")
    page.locator("input[name=identifier]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    if totp_secret and page.url.endswith("/login/two-step"):
        page.locator("input[name=code]").fill(pyotp.TOTP(totp_secret).now())
        page.locator("main form [type=submit]").first.click()
    page.wait_for_url(f"{base}/*/dashboard")


# --- the checkers, installed by `make tools` (npm) into a git-ignored folder ------------------------------

TOOLS = Path(__file__).resolve().parents[2] / ".tools" / "node_modules"
AXE_SCRIPT = TOOLS / "axe-core" / "axe.min.js"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"


def require_tool(path: Path, *, needs_java: bool = False) -> None:
    """Skip when a checker is missing here (offline, no npm or java); fail under CI, where it must run."""
    problem = None
    if not path.exists():
        problem = f"{path} is missing: run `make tools` (npm install)"
    elif needs_java and shutil.which("java") is None:
        problem = "java is not installed (apt-get install default-jre-headless)"
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"the quality checks must run in CI, but {problem}")
    pytest.skip(problem)


def open_section(page, section_id: str):
    """A folded section of the privacy dashboard (`<details id=...>`), opened if it is not already."""
    section = page.locator(f"details#{section_id}")
    if section.get_attribute("open") is None:
        section.locator("summary").click()
    return section
