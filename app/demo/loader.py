"""`flask demo load`: a few members of every role, in French and English, to click through the portal."""

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.assessments import assignments, authoring, feedback
from app.assessments import services as assessments
from app.assessments.models import Attempt, Result, Test, TestFeedback
from app.auth import services as auth_services
from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.core.access_log import AccessedData, AccessReason, record_access
from app.core.mail import OutboxMessage, OutboxStatus
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy import erasure, holds
from app.privacy import services as privacy_services
from app.privacy.models import RequestKind
from app.privacy.requests import submit_request
from app.profiles import services as profiles
from app.profiles.models import AvailabilitySlot, EducationEntry, ExperienceEntry, InterviewerProfile
from app.simulations import services as simulations
from app.sponsors import services as sponsors
from app.sponsors.models import OrganisationKind

#: Every demo account signs in with this password (README lists the accounts).
DEMO_PASSWORD = "tulip-harbour-47"  # noqa: S105 (a documented demo password)


@dataclass(frozen=True)
class DemoMember:
    email: str
    first_name: str
    last_name: str
    locale: str
    roles: tuple[Role, ...]
    company: str | None = None
    timezone: str = "Europe/Paris"


DEMO_MEMBERS = (
    DemoMember("camille.dupont@demo.caseinjob.fr", "Camille", "Dupont", "fr", (Role.CANDIDATE,), "HEC Paris"),
    DemoMember("emma.wilson@demo.caseinjob.fr", "Emma", "Wilson", "en", (Role.CANDIDATE,), None, "Europe/London"),
    DemoMember(
        "julien.martin@demo.caseinjob.fr",
        "Julien",
        "Martin",
        "fr",
        (Role.INTERVIEWER, Role.CANDIDATE),
        "Conseil & Co",
    ),
    DemoMember(
        "sarah.johnson@demo.caseinjob.fr",
        "Sarah",
        "Johnson",
        "en",
        (Role.INTERVIEWER,),
        "Northbridge Bank",
        "America/New_York",
    ),
    DemoMember("claire.bernard@demo.caseinjob.fr", "Claire", "Bernard", "fr", (Role.SPONSOR_ADMIN,), "École Centrale"),
    DemoMember("thomas.petit@demo.caseinjob.fr", "Thomas", "Petit", "fr", (Role.CLIENT,), "Banque Lumière"),
    DemoMember("james.brown@demo.caseinjob.fr", "James", "Brown", "en", (Role.CLIENT,), "Brown & Partners"),
    DemoMember("elise.moreau@demo.caseinjob.fr", "Élise", "Moreau", "fr", (Role.TEST_AUTHOR,), "Psychométrie SAS"),
    DemoMember("admin@demo.caseinjob.fr", "Alex", "Admin", "en", (Role.ADMIN,)),
)


#: Students of École Centrale besides Camille (and a former one), so that the school's figures cover groups of
#: at least 5 and the tests have enough results for percentiles and item statistics. They sign in like the
#: others but the README names only the accounts above.
def _address(first: str, last: str) -> str:
    """ "Hugo Lefèvre" -> hugo.lefevre@demo.caseinjob.fr"""
    plain = unicodedata.normalize("NFKD", f"{first}.{last}".lower())
    return "".join(char for char in plain if not unicodedata.combining(char)) + "@demo.caseinjob.fr"


DEMO_STUDENTS = tuple(
    DemoMember(
        _address(first, last),
        first,
        last,
        locale,
        (Role.CANDIDATE,),
        None,
        "Europe/Paris" if locale == "fr" else "Europe/London",
    )
    for first, last, locale in (
        ("Léa", "Durand", "fr"),
        ("Hugo", "Lefèvre", "fr"),
        ("Inès", "Garnier", "fr"),
        ("Théo", "Roux", "fr"),
        ("Manon", "Faure", "fr"),
        ("Nathan", "Morel", "fr"),
        ("Chloé", "Blanc", "fr"),
        ("Oliver", "Hughes", "en"),
        ("Amelia", "Clarke", "en"),
        ("Jules", "Mercier", "fr"),
        ("Zoé", "Perrin", "fr"),
        ("Raphaël", "Henry", "fr"),
        ("Lucas", "Girard", "fr"),
    )
)


#: Interviewer profiles of the demo interviewers, so that matching has someone to propose.
DEMO_INTERVIEWERS = {
    "julien.martin@demo.caseinjob.fr": {
        "bio": "Ancien manager en conseil en stratégie, j'ai mené plus de 200 entretiens de recrutement.",
        "current_employer": "Conseil & Co",
        "former_employers": ["Grand Cabinet"],
        "sectors": ["consulting", "banking_finance"],
        "company_types": ["consulting_firm", "large_company"],
        "interview_types": ["case", "behavioural"],
        "modes": ["video", "phone", "in_person"],
        "city": "Paris",
        "languages": ["fr", "en"],
        "weekly_capacity": 3,
        "slots": ((1, 18, 22), (3, 18, 22), (5, 9, 12)),
    },
    "sarah.johnson@demo.caseinjob.fr": {
        "bio": "Vice-president at an investment bank; I run technical and fit interviews for analysts.",
        "current_employer": "Northbridge Bank",
        "former_employers": [],
        "sectors": ["banking_finance", "technology"],
        "company_types": ["bank_finance", "large_company"],
        "interview_types": ["technical", "behavioural", "case"],
        "modes": ["video", "phone"],
        "city": "",
        "languages": ["en"],
        "weekly_capacity": 2,
        "slots": ((0, 8, 12), (2, 8, 12)),
    },
}


def load_demo_interviewer_profiles() -> int:
    """Fill the demo interviewers' profiles and weekly slots, once."""
    from datetime import time

    created = 0
    for email, data in DEMO_INTERVIEWERS.items():
        user = auth_services.find_user_by_email(email)
        if user is None or db.session.scalar(
            db.select(InterviewerProfile.id).where(InterviewerProfile.user_id == user.id)
        ):
            continue
        values = {key: value for key, value in data.items() if key != "slots"}
        db.session.add(InterviewerProfile(user_id=user.id, is_accepting=True, **values))
        for weekday, start, end in data["slots"]:
            db.session.add(
                AvailabilitySlot(user_id=user.id, weekday=weekday, start_time=time(start), end_time=time(end))
            )
        created += 1
    return created


def load_demo_members() -> int:
    """Create the demo members that do not exist yet; returns how many were created."""
    privacy_services.ensure_shipped_versions()
    db.session.flush()
    policy = privacy_services.current_policy()
    password_hash = hash_password(DEMO_PASSWORD)
    created = 0
    for member in (*DEMO_MEMBERS, *DEMO_STUDENTS):
        if auth_services.find_user_by_email(member.email):
            continue
        user = User(
            email=member.email,
            first_name=member.first_name,
            last_name=member.last_name,
            locale=member.locale,
            company=member.company,
            timezone=member.timezone,
            password_hash=password_hash,
            email_verified_dt=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
        for role in member.roles:
            auth_services.grant_role(user, role)
        privacy_services.record_acceptance(user, policy)
        created += 1
    return created


def load_demo_assignments() -> int:
    """Banque Lumière assigned the numerical test to Camille (completed, so its result page has data) and to
    Emma (not started yet)."""
    from datetime import timedelta

    client = _demo_user("thomas.petit@demo.caseinjob.fr")
    test = db.session.scalar(select(Test).where(Test.slug == "numerical-reasoning", Test.published_dt.is_not(None)))
    if client is None or test is None:
        return 0
    emails = ["camille.dupont@demo.caseinjob.fr", "emma.wilson@demo.caseinjob.fr"]
    assignments.assign(client, test, emails, utcnow() + timedelta(days=14))
    camille = _demo_user(emails[0])
    assignment = assignments.assignments_for_candidate(camille)[0]
    attempt = assignments.start_assigned(camille, assignment)
    for item in test.items[:10]:  # ten right answers, the rest left blank
        assessments.save_answer(attempt, item, item.key if item.type in ("numeric", "multiple") else item.key[0])
    assessments.submit(attempt)
    return len(emails)


def _demo_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


# --- a history that shows every feature working --------------------------------------------------------
# Built through the features' own services (so that the rows agree with each other, as the portal writes
# them), except where time must pass: a session "held" ten days ago is accepted in the future, then moved
# back, as the calendar would have done. The 30+ results per test come from the volume generator's builder.

CAMILLE = "camille.dupont@demo.caseinjob.fr"
EMMA = "emma.wilson@demo.caseinjob.fr"
JULIEN = "julien.martin@demo.caseinjob.fr"
SARAH = "sarah.johnson@demo.caseinjob.fr"
CLAIRE = "claire.bernard@demo.caseinjob.fr"
THOMAS = "thomas.petit@demo.caseinjob.fr"
JAMES = "james.brown@demo.caseinjob.fr"
ELISE = "elise.moreau@demo.caseinjob.fr"
ADMIN = "admin@demo.caseinjob.fr"
#: The former student whose erasure waits for a legal hold.
LEAVER = "lucas.girard@demo.caseinjob.fr"

#: École Centrale's cohorts and who is in each, with the grade the school provides (Camille in the first).
COHORTS = {
    "Promotion 2026": (
        (CAMILLE, "M1"),
        ("lea.durand@demo.caseinjob.fr", "M1"),
        ("hugo.lefevre@demo.caseinjob.fr", "M1"),
        ("ines.garnier@demo.caseinjob.fr", "M2"),
        ("theo.roux@demo.caseinjob.fr", "M1"),
        ("manon.faure@demo.caseinjob.fr", "M2"),
        ("nathan.morel@demo.caseinjob.fr", "M1"),
    ),
    "Mastère spécialisé Finance": (
        ("chloe.blanc@demo.caseinjob.fr", "MS"),
        ("oliver.hughes@demo.caseinjob.fr", "MS"),
        ("amelia.clarke@demo.caseinjob.fr", "MS"),
        ("jules.mercier@demo.caseinjob.fr", "MS"),
        ("zoe.perrin@demo.caseinjob.fr", "MS"),
        ("raphael.henry@demo.caseinjob.fr", "MS"),
    ),
}
#: Invited by the school, not joined yet (no account): Claire's pending invitations.
PENDING_STUDENTS = (
    ("Anaïs", "Bonnet", "anais.bonnet@etudiant.centrale.example"),
    ("Maël", "Roussel", "mael.roussel@etudiant.centrale.example"),
    ("Louise", "Nicolas", "louise.nicolas@etudiant.centrale.example"),
)

ELISE_PUBLISHED = {
    "format": 1,
    "slug": "applied-logic",
    "kind": "aptitude",
    "time_limit_minutes": 10,
    "title": {"fr": "Logique appliquée", "en": "Applied logic"},
    "instructions": {
        "fr": "6 questions de logique tirées de situations de bureau. Pas de calculatrice.",
        "en": "6 logic questions drawn from office situations. No calculator.",
    },
    "sections": [
        {
            "title": {"fr": "Suites et règles", "en": "Series and rules"},
            "items": [
                {
                    "type": "numeric",
                    "prompt": {
                        "fr": "Quel nombre suit : 2, 6, 12, 20, 30… ?",
                        "en": "Which number comes next: 2, 6, 12, 20, 30…?",
                    },
                    "answer": 42,
                },
                {
                    "type": "single",
                    "prompt": {
                        "fr": "Toutes les réunions du lundi sont en visio. La réunion budget est un lundi. Donc :",
                        "en": "Every Monday meeting is on video. The budget meeting is on a Monday. So:",
                    },
                    "options": [
                        {"fr": "elle est en visio", "en": "it is on video"},
                        {"fr": "elle est en salle", "en": "it is in a room"},
                        {"fr": "on ne peut pas savoir", "en": "one cannot tell"},
                    ],
                    "answer": [0],
                },
                {
                    "type": "numeric",
                    "prompt": {
                        "fr": "Trois collègues relisent 12 dossiers en 2 heures. Combien d'heures"
                        " faut-il à deux collègues ?",
                        "en": "Three colleagues review 12 files in 2 hours. How many hours do two colleagues need?",
                    },
                    "answer": 3,
                },
            ],
        },
        {
            "title": {"fr": "Déductions", "en": "Deductions"},
            "items": [
                {
                    "type": "single",
                    "prompt": {
                        "fr": "Si aucun stagiaire n'est cadre et que Paul est cadre, alors :",
                        "en": "If no intern is a manager and Paul is a manager, then:",
                    },
                    "options": [
                        {"fr": "Paul n'est pas stagiaire", "en": "Paul is not an intern"},
                        {"fr": "Paul est stagiaire", "en": "Paul is an intern"},
                        {"fr": "on ne peut pas savoir", "en": "one cannot tell"},
                    ],
                    "answer": [0],
                },
                {
                    "type": "multiple",
                    "prompt": {"fr": "Lesquels sont des nombres premiers ?", "en": "Which are prime numbers?"},
                    "options": [
                        {"fr": "7", "en": "7"},
                        {"fr": "9", "en": "9"},
                        {"fr": "11", "en": "11"},
                        {"fr": "15", "en": "15"},
                    ],
                    "answer": [0, 2],
                },
                {
                    "type": "numeric",
                    "prompt": {
                        "fr": "Une tâche commence à 9 h 40 et dure 95 minutes. À quelle heure"
                        " finit-elle (en minutes après 11 h) ?",
                        "en": "A task starts at 9:40 and lasts 95 minutes. When does it end (in minutes after 11:00)?",
                    },
                    "answer": 15,
                },
            ],
        },
    ],
}
ELISE_DRAFT = {
    "format": 1,
    "slug": "situational-judgement",
    "kind": "skills",
    "time_limit_minutes": 15,
    "title": {"fr": "Jugement en situation", "en": "Situational judgement"},
    "instructions": {
        "fr": "Pour chaque situation, choisissez la réaction la plus adaptée.",
        "en": "For each situation, choose the most suitable reaction.",
    },
    "sections": [
        {
            "title": {"fr": "Travail en équipe", "en": "Teamwork"},
            "items": [
                {
                    "type": "single",
                    "prompt": {
                        "fr": "Un collègue rend sa partie en retard la veille d'un rendu client. Vous :",
                        "en": "A colleague hands in their part late, the day before a client deadline. You:",
                    },
                    "options": [
                        {
                            "fr": "lui proposez de l'aide et prévenez le chef de projet",
                            "en": "offer help and tell the project lead",
                        },
                        {"fr": "refaites sa partie sans rien dire", "en": "redo their part without a word"},
                        {"fr": "attendez", "en": "wait"},
                    ],
                    "answer": [0],
                }
            ],
        }
    ],
}


def load_demo_history() -> None:
    """Organisations, tests, results, interviews in every state, privacy requests: each account has work."""
    from app.demo.scale import reset_postgres_sequences

    users = {user.email: user for user in db.session.scalars(select(User))}
    _demo_profiles(users)
    school, employer, enrolments = _demo_organisations(users)
    _demo_more_assignments(users)
    published = _demo_authored_tests(users)
    generator = _demo_results(users, enrolments, published)
    reset_postgres_sequences(generator.rows.counts)
    _demo_ratings(published)
    _demo_interviews(users)
    _demo_privacy(users, school)
    _demo_failed_mail(users)
    db.session.flush()


def _demo_profiles(users: dict) -> None:
    """Camille's and Emma's profiles, about two thirds complete: the home page says what to add next (the CV)."""
    for email, headline, school, degree, language, skills in (
        (
            CAMILLE,
            "Étudiante en M1, je vise le conseil en stratégie",
            "École Centrale",
            "Master",
            "fr",
            ["Excel", "Modélisation financière", "Prise de parole"],
        ),
        (
            EMMA,
            "Credit analyst preparing for a move to consulting",
            "London School of Economics",
            "MSc Finance",
            "en",
            ["Excel", "SQL", "Financial modelling"],
        ),
    ):
        user = users[email]
        profile = profiles.candidate_profile(user)
        profiles.update_goals(
            profile,
            headline=headline,
            skills=skills,
            sectors=["consulting", "banking_finance"],
            company_types=["consulting_firm"],
            roles=["Consultant junior" if language == "fr" else "Associate consultant"],
        )
        profiles.add_entry(EducationEntry, user, school=school, degree=degree, field="", start_year=2022, end_year=2027)
        profiles.add_language(user, language, "native")
        profiles.add_language(user, "en" if language == "fr" else "fr", "b2")
    profiles.add_entry(
        ExperienceEntry,
        users[EMMA],
        employer="Northbridge Bank",
        title="Credit analyst",
        start_month=datetime(2024, 9, 1),
        end_month=None,
        description="Credit files for mid-sized companies.",
    )


def _demo_organisations(users: dict):
    """École Centrale (Claire, two cohorts, 13 members with grades, 3 invitations pending, a correction asked
    by Camille) and Northbridge Bank, an employer (Emma enrolled, one invitation pending)."""
    admin = users[ADMIN]
    school = sponsors.create_organisation(
        sponsors.OrganisationSettings("École Centrale", OrganisationKind.SCHOOL, "fr", 40, 60, None), admin
    )
    sponsors.add_admin(school, users[CLAIRE], admin)
    enrolments = {}
    for name, members in COHORTS.items():
        cohort = sponsors.add_cohort(school, name)
        people = [
            sponsors.MemberData(email, users[email].first_name, users[email].last_name, cohort.id, grade=grade)
            for email, grade in members
        ]
        for invitation in sponsors.create_member_invitations(school, people, users[CLAIRE]):
            enrolments[invitation.email] = sponsors.accept_invitation(invitation, users[invitation.email])
    sponsors.create_member_invitations(
        school,
        [sponsors.MemberData(email, first, last, grade="M1") for first, last, email in PENDING_STUDENTS],
        users[CLAIRE],
    )
    employer = sponsors.create_organisation(
        sponsors.OrganisationSettings("Northbridge Bank", OrganisationKind.EMPLOYER, "en", 10, 20, 20), admin
    )
    staff = sponsors.MemberData(EMMA, "Emma", "Wilson", hierarchy_level="Analyst", recommendation="Fast learner.")
    (invitation,) = sponsors.create_member_invitations(employer, [staff], admin)
    enrolments[EMMA] = sponsors.accept_invitation(invitation, users[EMMA])
    sponsors.create_member_invitations(
        employer, [sponsors.MemberData("harry.walker@northbridge.example", "Harry", "Walker")], admin
    )
    sponsors.request_correction(
        enrolments[CAMILLE], "Je suis passée en M2 en septembre : mon niveau indiqué (M1) n'est plus exact."
    )
    return school, employer, enrolments


def _published(slug: str):
    return db.session.scalar(
        select(Test).where(Test.slug == slug, Test.published_dt.is_not(None)).order_by(Test.version.desc())
    )


def _demo_more_assignments(users: dict) -> None:
    """Thomas also sent Camille the personality test (due in 5 days); James sent the SQL test to Emma (not started)
    and to Oliver, who finished it (a result James has not read yet)."""
    from datetime import timedelta

    assignments.assign(users[THOMAS], _published("five-trait-personality"), [CAMILLE], utcnow() + timedelta(days=5))
    sql = _published("sql-basics")
    oliver = "oliver.hughes@demo.caseinjob.fr"
    assignments.assign(users[JAMES], sql, [EMMA, oliver], utcnow() + timedelta(days=10))
    assignment = next(a for a in assignments.assignments_for_candidate(users[oliver]) if a.test_id == sql.id)
    attempt = assignments.start_assigned(users[oliver], assignment)
    for item in sql.items:
        assessments.save_answer(attempt, item, item.key if item.type in ("numeric", "multiple") else item.key[0])
    assessments.submit(attempt)


def _demo_authored_tests(users: dict):
    """Élise's published test (with results and ratings to come) and a draft she is still writing."""
    import json

    published = authoring.import_file(users[ELISE], json.dumps(ELISE_PUBLISHED).encode())
    authoring.publish(published)
    authoring.import_file(users[ELISE], json.dumps(ELISE_DRAFT).encode())
    return published


def _demo_results(users: dict, enrolments: dict, published):
    """Three submitted attempts by each student on the numerical test and on Élise's, a few on the others:
    more than 30 results each, so that percentiles, benchmarks and item statistics show. Practice tests of
    enrolled students count against the school's allowance, as the portal would charge them."""
    import random

    from app.demo.scale import Generator, Member, TestInfo, Volume

    generator = Generator(Volume(), random.Random(8), utcnow())
    generator.load_tests()
    generator.tests.append(TestInfo(published.id, list(published.items), published.kind))
    by_id = {test.id: test for test in generator.tests}
    numerical, elise_test = by_id[_published("numerical-reasoning").id], by_id[published.id]
    for email, enrolment in enrolments.items():
        generator.enrolment_of[users[email].id] = (enrolment.organisation_id, enrolment.id)
    for student in DEMO_STUDENTS:
        user = users[student.email]
        member = Member(user.id, user.locale, user.created_dt, user.first_name, user.last_name)
        for _ in range(3):
            generator.make_attempt(member, numerical)
            generator.make_attempt(member, elise_test)
        generator.make_attempt(member, generator.rng.choice(generator.tests))
    generator.rows.flush()
    return generator


def _demo_ratings(published) -> None:
    """Students rated Élise's test (five ratings at least, so that the author sees them)."""
    rated = set(db.session.scalars(select(TestFeedback.attempt_id).where(TestFeedback.test_id == published.id)))
    attempts = db.session.scalars(select(Attempt).where(Attempt.test_id == published.id).order_by(Attempt.id))
    comments = ("Clair et rapide.", "Bonnes questions, un peu court.", "", "Useful practice.", "", "Très bien.")
    for number, attempt in enumerate(attempt for attempt in attempts if attempt.id not in rated):
        if number >= len(comments):
            break
        feedback.rate_test(attempt, 3 + number % 3, comments[number])


def _weekday_windows(member: User, weekday: int, start_hour: int, days_ahead: int, count: int = 2):
    """`count` three-hour windows on the next days of `weekday` at least `days_ahead` away, in the member's zone."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo(member.timezone)).date() + timedelta(days=days_ahead)
    first = today + timedelta(days=(weekday - today.weekday()) % 7)
    days = [first + timedelta(weeks=week) for week in range(count)]
    return [(datetime.combine(day, time(start_hour)), datetime.combine(day, time(start_hour + 3))) for day in days]


def _demo_request(candidate: User, interviewer: User, kind: str, language: str, windows, goal: str):
    """A request and one invitation to `interviewer` (who must be among the matches, as on the page)."""
    data = simulations.RequestData(
        mode="video", interview_type=kind, language=language, windows=windows, goal=goal, is_auto_invite=False
    )
    request = simulations.create_request(candidate, data)
    (invitation,) = simulations.invite(request, [interviewer.id])
    return request, invitation


def _accept(invitation, number: int):
    return simulations.accept(
        invitation, invitation.request.windows[0].public_id, f"https://meet.example.com/caseinjob-demo-{number}"
    )


def _move_back(session, days: int) -> None:
    """Time passes: the session (and its request) took place `days` ago."""
    from datetime import timedelta

    shift = session.start_dt - (utcnow() - timedelta(days=days))
    for row in (session, *session.request.windows):
        row.start_dt -= shift
        row.end_dt -= shift
    session.request.created_dt -= shift + timedelta(days=2)
    for invitation in session.request.invitations:
        invitation.created_dt -= shift + timedelta(days=2)
        invitation.expires_dt -= shift
        if invitation.responded_dt:
            invitation.responded_dt -= shift + timedelta(days=1)
    db.session.flush()


def _feedback(session, language: str) -> None:
    from app.demo.scale import FEEDBACK_TEXTS

    strengths, improvements, recommendations, resources = FEEDBACK_TEXTS[language]
    simulations.submit_feedback(
        session,
        scores={
            criterion: 3 + index % 2
            for index, criterion in enumerate(simulations.CRITERIA[session.request.interview_type])
        },
        strengths=strengths,
        improvements=improvements,
        recommendations=recommendations,
        resources=resources,
    )


def _demo_interviews(users: dict) -> None:
    """Requests in every state: invitations waiting for Julien and for Sarah, sessions to come, one held with
    feedback to read, one rated, one waiting for feedback, one cancelled, one where the candidate did not come."""
    camille, emma, julien, sarah = users[CAMILLE], users[EMMA], users[JULIEN], users[SARAH]
    # Every invitation first, while the interviewers' weeks are empty, then the answers.
    _, waiting_julien = _demo_request(
        camille,
        julien,
        "case",
        "fr",
        _weekday_windows(camille, 1, 18, 6),
        "Préparer le dernier tour chez un cabinet de conseil : un cas de croissance.",
    )
    _, waiting_sarah = _demo_request(
        emma,
        sarah,
        "behavioural",
        "en",
        _weekday_windows(emma, 2, 14, 3),
        "Get more at ease with motivation questions before my bank interview.",
    )
    _, next_for_camille = _demo_request(
        camille,
        julien,
        "case",
        "fr",
        _weekday_windows(camille, 3, 18, 2),
        "Travailler la structure et la synthèse finale.",
    )
    _, read_for_camille = _demo_request(
        camille, julien, "behavioural", "fr", _weekday_windows(camille, 5, 9, 1), "Questions de motivation."
    )
    _, rated_by_emma = _demo_request(
        emma, sarah, "technical", "en", _weekday_windows(emma, 0, 14, 1), "Valuation questions for analysts."
    )
    _, to_write_julien = _demo_request(
        emma, julien, "case", "en", _weekday_windows(emma, 1, 17, 1), "A market-sizing case in English."
    )
    _, next_for_julien = _demo_request(
        julien, sarah, "technical", "en", _weekday_windows(julien, 0, 15, 4), "Technical questions for a bank."
    )
    _, cancelled = _demo_request(emma, sarah, "case", "en", _weekday_windows(emma, 2, 14, 8), "A profitability case.")
    _, no_show = _demo_request(julien, sarah, "behavioural", "en", _weekday_windows(julien, 2, 15, 1), "Fit questions.")
    simulations.record_profile_view(waiting_julien, julien)  # Camille's access log shows it
    _accept(next_for_camille, 1)
    _accept(next_for_julien, 2)
    session = _accept(read_for_camille, 3)
    _move_back(session, 9)
    _feedback(session, "fr")
    session = _accept(rated_by_emma, 4)
    _move_back(session, 12)
    _feedback(session, "en")
    simulations.rate_session(session, 5, "Very useful, thank you!", share_with_sponsor=True)
    session = _accept(to_write_julien, 5)
    _move_back(session, 2)
    session = _accept(cancelled, 6)
    simulations.cancel_session(session, sarah, "I am travelling that week, sorry: please ask again.")
    session = _accept(no_show, 7)
    _move_back(session, 20)
    simulations.report_no_show(session, sarah)


def _demo_privacy(users: dict, school) -> None:
    """The admin's queue: Emma's access request due in five days, Julien's question, Camille's correction (from
    the school page) and score contest, and the erasure of a former student that waits for a legal hold."""
    from datetime import timedelta

    emma = submit_request(
        users[EMMA],
        RequestKind.ACCESS,
        "My interview data",
        "Which data do you hold about my interviews, and who saw it?",
    )
    emma.received_dt -= timedelta(days=26)  # time passes: due in a few days
    emma.due_date -= timedelta(days=26)
    submit_request(
        users[JULIEN],
        RequestKind.QUESTION,
        "Qui lit mes retours ?",
        "Mes retours aux candidats sont-ils transmis à leur école ?",
    )
    camille = users[CAMILLE]
    assignment = next(a for a in assignments.assignments_for_candidate(camille) if a.status == "completed")
    attempt = assignments.attempt_of(assignment)
    result = db.session.scalar(select(Result).where(Result.attempt_id == attempt.id))
    assignments.contest_score(
        camille,
        attempt,
        result,
        "À la question 4, j'ai répondu 12,5 : la consigne accepte la virgule, ce devrait être juste.",
    )
    record_access(
        owner_id=camille.id, viewer=users[THOMAS], what=AccessedData.TEST_RESULT, why=AccessReason.CLIENT_ASSIGNMENT
    )
    leaver, admin = users[LEAVER], users[ADMIN]
    holds.place_hold(
        leaver,
        reason="Litige en cours sur une facture de l'école (dossier 2025-114).",
        scope=["assessment_results", "sponsor_usage"],
        until=utcnow().date() + timedelta(days=90),
        admin=admin,
    )
    erasure.start_erasure(leaver)


def failed_outbox_message(user: User, subject: str, error: str):
    """An e-mail to `user` given up after every attempt, as the sender leaves it (demo data and tests)."""
    return OutboxMessage(
        user_id=user.id,
        to_address=user.email,
        subject=subject,
        body_text=subject,
        body_html=f"<p>{subject}</p>",
        status=OutboxStatus.FAILED,
        attempts=5,
        last_error=error,
    )


def _demo_failed_mail(users: dict) -> None:
    """A reminder that Emma's mail server refused at every attempt: the admin's home page asks to send it again."""
    message = failed_outbox_message(
        users[EMMA], "Reminder: your mock interview tomorrow", "SMTPRecipientsRefused: 452 4.2.2 mailbox full"
    )
    db.session.add(message)
