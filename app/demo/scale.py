"""`flask demo scale`: tens of thousands of bilingual members with a realistic history, for benchmarks.

Rows go in with SQLAlchemy Core bulk inserts (executemany, in batches) with ids chosen here, so that a
million answers take minutes, not hours, on SQLite and PostgreSQL. The content follows what the services
would write (hashed tokens, policy acceptances, consents with their events, scored results...).

Known accounts for the benchmark (password: the demo password) are created too:
- bench.candidate.NN@bench.caseinjob.test: candidates, each with an open practice attempt (deadline in a
  month) and an open simulation request whose matching page lists interviewers;
- bench.client@bench.caseinjob.test: a client with many assignments, most of them with a shared result;
- bench.heavy@bench.caseinjob.test: the heaviest member (hundreds of attempts, requests, sign-ins), whose
  export is timed.
"""

import random
import secrets
import time as clock
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import click
from sqlalchemy import func, insert, select, text

from app.assessments import scoring
from app.assessments.bank import load_bank
from app.assessments.models import (
    Answer,
    Assignment,
    AssignmentStatus,
    Attempt,
    Item,
    Result,
    Test,
    TestFeedback,
)
from app.auth.models import Role, User, UserRole, UserSession, new_public_id
from app.auth.passwords import hash_password
from app.core import crypto
from app.core.access_log import AccessLogEntry
from app.core.audit import AuditEvent, EventKind
from app.core.timeutil import utcnow
from app.demo.loader import DEMO_PASSWORD
from app.extensions import db
from app.privacy import services as privacy_services
from app.privacy.models import Consent, ConsentEvent, ConsentPurpose, PolicyAcceptance, PrivacyRequest
from app.profiles.choices import CompanyType, InterviewType, LanguageLevel, Mode, Sector
from app.profiles.models import (
    AvailabilitySlot,
    CandidateProfile,
    EducationEntry,
    ExperienceEntry,
    InterviewerProfile,
    SpokenLanguage,
)
from app.simulations.models import (
    Feedback,
    InterviewSession,
    InvitationStatus,
    SessionStatus,
    SimulationInvitation,
    SimulationRequest,
    TimeWindow,
)
from app.simulations.services import CRITERIA
from app.sponsors.models import Cohort, Enrolment, Organisation, SponsorAdmin, Usage

BENCH_DOMAIN = "bench.caseinjob.test"
BENCH_CLIENT = f"bench.client@{BENCH_DOMAIN}"
BENCH_HEAVY = f"bench.heavy@{BENCH_DOMAIN}"
BENCH_TEST_SLUG = "numerical-reasoning"
BATCH = 5000


def bench_candidate_email(number: int) -> str:
    return f"bench.candidate.{number:02d}@{BENCH_DOMAIN}"


FRENCH_FIRST = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Jade",
    "Louise",
    "Zoé",
    "Élise",
    "Anaïs",
    "Margaux",
    "Juliette",
    "Hélène",
    "Océane",
    "Amélie",
    "Clémence",
    "Lucas",
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Théo",
    "Raphaël",
    "Nathan",
    "Mathéo",
    "Étienne",
    "Benoît",
    "Loïc",
    "Maël",
    "Thomas",
    "Antoine",
]
FRENCH_LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
]
ENGLISH_FIRST = [
    "Emma",
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Grace",
    "Sophia",
    "Lily",
    "Freya",
    "Charlotte",
    "Evie",
    "James",
    "Oliver",
    "George",
    "Harry",
    "Noah",
    "Jack",
    "Leo",
    "Arthur",
    "Oscar",
    "Charlie",
    "Henry",
    "William",
    "Thomas",
    "Jacob",
    "Alfie",
    "Samuel",
    "Joshua",
    "Daniel",
]
ENGLISH_LAST = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
]
SCHOOLS = (
    "HEC Paris",
    "ESSEC",
    "ESCP",
    "Sciences Po",
    "École Centrale",
    "Université Paris-Dauphine",
    "London School of Economics",
    "Imperial College London",
    "INSEAD",
    "EM Lyon",
    "Université de Lille",
    "King's College London",
    "Polytechnique",
    "Université de Bordeaux",
)
EMPLOYERS = (
    "Conseil & Co",
    "Banque Lumière",
    "Northbridge Bank",
    "Brown & Partners",
    "Atelier Numérique",
    "Green Energy SA",
    "Santé Plus",
    "Maison Dorée",
    "Tech Horizon",
    "Cabinet Juridique Roche",
    "Thames Analytics",
    "Ministère de l'Économie",
    "Open Data Lab",
    "Carrefour des Talents",
)
CITIES = ("Paris", "Lyon", "Lille", "Bordeaux", "Marseille", "Nantes", "Toulouse", "London", "Saint-Étienne")
HEADLINES = {
    "fr": (
        "Étudiant·e en master de finance",
        "Consultant junior en stratégie",
        "Ingénieure data en reconversion",
        "Diplômé d'école de commerce, à la recherche d'un premier poste",
        "Analyste crédit, 3 ans d'expérience",
    ),
    "en": (
        "Finance master's student",
        "Junior strategy consultant",
        "Data engineer changing careers",
        "Business school graduate looking for a first role",
        "Credit analyst, 3 years of experience",
    ),
}
SKILLS = (
    "Excel",
    "SQL",
    "Python",
    "Modélisation financière",
    "Financial modelling",
    "Power BI",
    "Prise de parole",
    "Public speaking",
    "Négociation",
    "Gestion de projet",
    "Project management",
    "Tableau",
    "VBA",
)
FEEDBACK_TEXTS = {
    "fr": (
        "Structure claire dès l'introduction, hypothèses bien posées.",
        "Travailler le calcul mental et la synthèse finale ; prendre le temps de conclure.",
        "Refaire deux cas de croissance de marché avant l'entretien final.",
        "« Case in Point » et les cas publiés par les cabinets.",
    ),
    "en": (
        "Clear structure from the start, sensible assumptions.",
        "Practise mental arithmetic and the closing summary; take time to conclude.",
        "Redo two market-sizing cases before the final round.",
        "'Case in Point' and the cases the firms publish.",
    ),
}
GOALS = {
    "fr": (
        "Préparer l'entretien final chez un cabinet de conseil.",
        "Gagner en aisance sur les questions de motivation.",
    ),
    "en": ("Prepare for the final round at a consulting firm.", "Get more at ease with motivation questions."),
}
ORGANISATION_NAMES = (
    "École de Commerce de Lyon",
    "Institut Supérieur de Gestion",
    "Université Paris-Saclay",
    "Northbridge Bank Academy",
    "Banque Lumière RH",
    "Business School of London",
)
TIMEZONES = ("Europe/Paris", "Europe/Paris", "Europe/Paris", "Europe/London", "America/New_York", "Europe/Brussels")


def _ascii(text: str) -> str:
    plain = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    return "".join(char for char in plain.lower() if char.isalnum())


@dataclass
class Volume:
    members: int = 2000
    interviewers: int = 100
    simulations: int = 400
    answers: int = 20000
    bench_candidates: int = 20
    seed: int = 8


@dataclass
class Member:
    id: int
    locale: str
    created: datetime
    first_name: str
    last_name: str


@dataclass
class TestInfo:
    id: int
    items: list
    kind: str


class Rows:
    """Rows waiting to be inserted, per table, sent in batches; ids are chosen here (max(id) + 1 onwards)."""

    def __init__(self):
        self.pending: dict = {}
        self.next_ids: dict = {}
        self.counts: dict[str, int] = {}

    def new_id(self, model) -> int:
        table = model.__table__
        if table.name not in self.next_ids:
            self.next_ids[table.name] = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
        value = self.next_ids[table.name]
        self.next_ids[table.name] = value + 1
        return value

    def add(self, model, **values) -> int:
        """Queue one row; returns its id."""
        if "id" not in values:
            values["id"] = self.new_id(model)
        if "public_id" in model.__table__.c and "public_id" not in values:
            values["public_id"] = new_public_id()
        self.pending.setdefault(model, []).append(values)
        if len(self.pending[model]) >= BATCH:
            self.flush()  # every table, parents first: a child row may name a parent still waiting
        return values["id"]

    def flush_model(self, model) -> None:
        rows = self.pending.pop(model, [])
        if not rows:
            return
        # Rows of one table share their keys, so that executemany sends one statement.
        keys = set().union(*(row.keys() for row in rows))
        for row in rows:
            for key in keys - row.keys():
                row[key] = _column_default(model, key)
        db.session.execute(insert(model.__table__), rows)
        self.counts[model.__tablename__] = self.counts.get(model.__tablename__, 0) + len(rows)

    def flush(self) -> None:
        # Parents before children: the models' declaration order here follows the foreign keys.
        for model in FLUSH_ORDER:
            self.flush_model(model)
        for model in list(self.pending):
            self.flush_model(model)


def _column_default(model, key):
    default = model.__table__.c[key].default
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)
    return default.arg


FLUSH_ORDER = (
    User,
    UserRole,
    UserSession,
    PolicyAcceptance,
    Consent,
    ConsentEvent,
    AuditEvent,
    AccessLogEntry,
    PrivacyRequest,
    CandidateProfile,
    EducationEntry,
    ExperienceEntry,
    SpokenLanguage,
    InterviewerProfile,
    AvailabilitySlot,
    Organisation,
    SponsorAdmin,
    Cohort,
    Enrolment,
    Usage,
    SimulationRequest,
    TimeWindow,
    SimulationInvitation,
    InterviewSession,
    Feedback,
    Assignment,
    Attempt,
    Answer,
    Result,
    TestFeedback,
)


@dataclass
class Generator:
    volume: Volume
    rng: random.Random
    now: datetime
    rows: Rows = field(default_factory=Rows)
    password_hash: str = ""
    policy_id: int = 0
    candidates: list[Member] = field(default_factory=list)
    interviewers: list[Member] = field(default_factory=list)
    clients: list[Member] = field(default_factory=list)
    organisations: list[tuple[int, list[int]]] = field(default_factory=list)  # (id, cohort ids)
    tests: list[TestInfo] = field(default_factory=list)
    enrolment_of: dict[int, tuple[int, int]] = field(default_factory=dict)  # user id -> (org id, enrolment id)
    email_numbers: int = 0
    invited: dict[int, set] = field(default_factory=dict)  # request id -> interviewer ids

    # --- members -----------------------------------------------------------------------------------

    def ago(self, days_max: float, days_min: float = 0) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(days_min, days_max))

    def new_member(
        self,
        roles,
        *,
        email: str | None = None,
        locale: str | None = None,
        verified: bool = True,
        created: datetime | None = None,
        names: tuple[str, str] | None = None,
        consent_events: int = 1,
    ) -> Member:
        rng = self.rng
        locale = locale or ("fr" if rng.random() < 0.65 else "en")
        if names is None:
            first_pool, last_pool = (FRENCH_FIRST, FRENCH_LAST) if locale == "fr" else (ENGLISH_FIRST, ENGLISH_LAST)
            names = (rng.choice(first_pool), rng.choice(last_pool))
        first, last = names
        if email is None:
            self.email_numbers += 1
            email = f"{_ascii(first)}.{_ascii(last)}.{self.email_numbers}@scale.caseinjob.test"
        created = created or self.ago(900, 1)
        user_id = self.rows.add(
            User,
            first_name=first,
            last_name=last,
            email=email,
            email_verified_dt=created + timedelta(minutes=5) if verified else None,
            company=rng.choice(EMPLOYERS) if rng.random() < 0.4 else None,
            password_hash=self.password_hash,
            password_changed_dt=created,
            locale=locale,
            timezone="Europe/Paris" if locale == "fr" else rng.choice(TIMEZONES),
            created_dt=created,
            last_login_dt=self.ago(30),
            is_suspended=False,
            is_processing_restricted=False,
        )
        for role in roles:
            self.rows.add(UserRole, user_id=user_id, role=role.value, granted_dt=created)
        if verified:
            self.rows.add(PolicyAcceptance, user_id=user_id, policy_version_id=self.policy_id, accepted_dt=created)
        member = Member(user_id, locale, created, first, last)
        self.add_consents(member, consent_events)
        return member

    def add_consents(self, member: Member, events: int = 1) -> None:
        for purpose in ConsentPurpose:
            granted = self.rng.random() < 0.3
            self.rows.add(
                Consent, user_id=member.id, purpose=purpose.value, is_granted=granted, updated_dt=member.created
            )
            for number in range(events if granted or events > 1 else 0):
                self.rows.add(
                    ConsentEvent,
                    user_id=member.id,
                    purpose=purpose.value,
                    is_granted=granted if number == events - 1 else not granted,
                    created_dt=member.created + timedelta(hours=number),
                    policy_version_id=self.policy_id,
                    source="dashboard",
                    ip_address="192.0.2.10",
                )

    def add_sign_ins(self, member: Member, count: int) -> None:
        """Sign-in records over two years: those older than a year are the purge's work."""
        for _ in range(count):
            self.rows.add(
                AuditEvent,
                created_dt=self.ago(730),
                kind=EventKind.LOGIN_SUCCESS.value,
                user_id=member.id,
                ip_address=f"198.51.100.{self.rng.randint(1, 254)}",
                user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
                details={},
            )
        started = self.ago(500)
        ended = started + timedelta(hours=2) if started < self.now - timedelta(days=2) else None
        self.rows.add(
            UserSession,
            token_hash=crypto.sha256_hex(secrets.token_urlsafe(16)),
            user_id=member.id,
            created_dt=started,
            last_seen_dt=started + timedelta(hours=1),
            expires_dt=started + timedelta(hours=12),
            ended_dt=ended,
            end_reason="logout" if ended else None,
            ip_address="198.51.100.7",
            user_agent="Mozilla/5.0",
        )

    def add_candidate_profile(self, member: Member) -> None:
        rng = self.rng
        if rng.random() < 0.8:
            self.rows.add(
                CandidateProfile,
                user_id=member.id,
                headline=rng.choice(HEADLINES[member.locale]),
                skills=rng.sample(SKILLS, 3),
                target_sectors=[rng.choice(list(Sector)).value],
                target_company_types=[rng.choice(list(CompanyType)).value],
                target_roles=[],
                visibility={},
                updated_dt=member.created,
            )
        for position in range(rng.randint(0, 2)):
            start = rng.randint(2012, 2023)
            self.rows.add(
                EducationEntry,
                user_id=member.id,
                position=position,
                school=rng.choice(SCHOOLS),
                degree="Master" if position == 0 else "Licence",
                field="Finance" if member.locale == "en" else "Gestion",
                start_year=start,
                end_year=start + 2,
                grade="",
            )
        for position in range(rng.randint(0, 2)):
            self.rows.add(
                ExperienceEntry,
                user_id=member.id,
                position=position,
                employer=rng.choice(EMPLOYERS),
                title="Analyste" if member.locale == "fr" else "Analyst",
                start_month=datetime(rng.randint(2015, 2023), rng.randint(1, 12), 1),
                end_month=None,
                description="",
            )
        for language in {member.locale, rng.choice(("en", "fr", "es", "de"))}:
            self.rows.add(
                SpokenLanguage,
                user_id=member.id,
                language=language,
                level=LanguageLevel.NATIVE.value if language == member.locale else rng.choice(("b2", "c1")),
            )

    def make_members(self) -> None:
        volume = self.volume
        organisations = max(2, volume.members // 2000)
        clients = max(2, volume.members // 500)
        unverified = min(500, max(5, volume.members // 200))
        for _ in range(volume.interviewers):
            member = self.new_member((Role.INTERVIEWER,))
            self.interviewers.append(member)
            self.add_interviewer_profile(member)
            self.add_sign_ins(member, 2)
        for _ in range(clients):
            member = self.new_member((Role.CLIENT,))
            self.clients.append(member)
            self.add_sign_ins(member, 2)
        self.make_organisations(organisations)
        candidates = max(1, volume.members - volume.interviewers - clients - organisations - unverified)
        for _ in range(candidates):
            member = self.new_member((Role.CANDIDATE,))
            self.candidates.append(member)
            self.add_candidate_profile(member)
            self.add_sign_ins(member, self.rng.randint(1, 4))
            if self.rng.random() < 0.3:
                self.enrol(member)
        # Accounts never verified, past the 30 days: the purge erases them.
        for _ in range(unverified):
            self.new_member((Role.CANDIDATE,), verified=False, created=self.ago(200, 40))

    def add_interviewer_profile(self, member: Member) -> None:
        rng = self.rng
        modes = rng.sample([mode.value for mode in Mode], rng.randint(1, 3))
        self.rows.add(
            InterviewerProfile,
            user_id=member.id,
            bio="Ancienne manager en conseil, j'ai mené plus de 100 entretiens."
            if member.locale == "fr"
            else "Former consulting manager; I have run over 100 interviews.",
            current_employer=rng.choice(EMPLOYERS),
            former_employers=[rng.choice(EMPLOYERS)],
            sectors=rng.sample([sector.value for sector in Sector], 3),
            company_types=rng.sample([kind.value for kind in CompanyType], 2),
            interview_types=rng.sample([kind.value for kind in InterviewType], rng.randint(1, 3)),
            modes=modes,
            city=rng.choice(CITIES) if Mode.IN_PERSON.value in modes else "",
            languages=[member.locale] if rng.random() < 0.6 else ["fr", "en"],
            weekly_capacity=rng.randint(1, 5),
            is_accepting=rng.random() < 0.85,
            updated_dt=member.created,
        )
        for weekday in rng.sample(range(7), rng.randint(1, 3)):
            start = rng.choice((8, 9, 12, 17, 18))
            self.rows.add(
                AvailabilitySlot, user_id=member.id, weekday=weekday, start_time=time(start), end_time=time(start + 3)
            )

    def make_organisations(self, count: int) -> None:
        for number in range(count):
            name = ORGANISATION_NAMES[number % len(ORGANISATION_NAMES)]
            name = name if number < len(ORGANISATION_NAMES) else f"{name} {number // len(ORGANISATION_NAMES) + 1}"
            is_school = number % 3 != 2
            org_id = self.rows.add(
                Organisation,
                name=name,
                kind="school" if is_school else "employer",
                default_locale="fr" if number % 4 else "en",
                seats=self.volume.members,
                simulation_allowance=None,
                practice_test_allowance=None,
                created_dt=self.ago(900, 800),
            )
            cohorts = [
                self.rows.add(Cohort, organisation_id=org_id, name=cohort, created_dt=self.ago(800, 700))
                for cohort in (("Promotion 2025", "Promotion 2026", "Master Finance") if is_school else ("Analysts",))
            ]
            admin = self.new_member((Role.SPONSOR_ADMIN,))
            self.rows.add(SponsorAdmin, organisation_id=org_id, user_id=admin.id, added_dt=self.ago(800, 700))
            self.organisations.append((org_id, cohorts))

    def enrol(self, member: Member) -> None:
        org_id, cohorts = self.rng.choice(self.organisations)
        # One in ten ended more than a year ago: the purge deletes what the sponsor provided.
        ended = self.ago(600, 380) if self.rng.random() < 0.1 else None
        enrolment_id = self.rows.add(
            Enrolment,
            organisation_id=org_id,
            user_id=member.id,
            cohort_id=self.rng.choice(cohorts),
            first_name=member.first_name,
            last_name=member.last_name,
            grade="M2" if member.locale == "fr" else "Year 2",
            hierarchy_level="",
            recommendation="",
            provided_dt=member.created,
            started_dt=member.created,
            ended_dt=ended,
            end_reason="left" if ended else None,
        )
        if ended is None:
            self.enrolment_of[member.id] = (org_id, enrolment_id)

    # --- simulations -------------------------------------------------------------------------------

    def future_windows(self, request_id: int, count: int) -> list[int]:
        ids = []
        for day in self.rng.sample(range(2, 15), count):
            start = datetime.combine(self.now.date() + timedelta(days=day), time(self.rng.choice((8, 9, 16, 17))))
            ids.append(
                self.rows.add(TimeWindow, request_id=request_id, start_dt=start, end_dt=start + timedelta(hours=4))
            )
        return ids

    def make_simulation(self, candidate: Member, *, status: str | None = None) -> None:
        rng = self.rng
        status = status or rng.choices(("closed", "scheduled", "cancelled", "open"), (60, 10, 15, 15))[0]
        created = self.ago(600, 3) if status in ("closed", "cancelled") else self.ago(2)
        interview_type = rng.choice(list(CRITERIA))
        language = candidate.locale if rng.random() < 0.8 else ("en" if candidate.locale == "fr" else "fr")
        paid = self.enrolment_of.get(candidate.id)
        request_id = self.rows.add(
            SimulationRequest,
            candidate_id=candidate.id,
            mode=rng.choice(("video", "video", "phone", "in_person")),
            city=rng.choice(CITIES),
            interview_type=interview_type,
            sector=rng.choice([sector.value for sector in Sector] + [""]),
            company_type=rng.choice([kind.value for kind in CompanyType] + [""]),
            language=language,
            goal=rng.choice(GOALS[language]),
            timezone="Europe/Paris",
            status=status,
            is_auto_invite=True,
            paid_by="Sponsor" if paid else None,
            created_dt=created,
            cancelled_dt=created + timedelta(days=1) if status == "cancelled" else None,
            cancel_reason="Plus disponible" if status == "cancelled" else None,
        )
        if paid:
            self.rows.add(
                Usage,
                organisation_id=paid[0],
                enrolment_id=paid[1],
                user_id=candidate.id,
                kind="simulation",
                created_dt=created,
            )
        if status == "open":
            self.future_windows(request_id, 3)
            self.invite(request_id, created, InvitationStatus.PENDING, expires=self.now + timedelta(hours=60))
            return
        start = created + timedelta(days=rng.randint(2, 10), hours=rng.randint(0, 8))
        if status == "scheduled":
            start = self.now + timedelta(days=rng.randint(1, 10))
        self.rows.add(TimeWindow, request_id=request_id, start_dt=start, end_dt=start + timedelta(hours=3))
        if status == "cancelled":
            self.invite(request_id, created, InvitationStatus.WITHDRAWN, expires=created + timedelta(hours=72))
            return
        for _ in range(rng.randint(0, 2)):
            self.invite(request_id, created, InvitationStatus.DECLINED, expires=created + timedelta(hours=72))
        interviewer_id = self.invite(
            request_id, created, InvitationStatus.ACCEPTED, expires=created + timedelta(hours=72)
        )
        session_status = SessionStatus.SCHEDULED.value
        if status == "closed":
            session_status = rng.choices(
                (SessionStatus.COMPLETED.value, SessionStatus.NO_SHOW_CANDIDATE.value, SessionStatus.CANCELLED.value),
                (90, 4, 6),
            )[0]
        session_id = self.rows.add(
            InterviewSession,
            request_id=request_id,
            candidate_id=candidate.id,
            interviewer_id=interviewer_id,
            start_dt=start,
            end_dt=start + timedelta(hours=1),
            meeting_details="https://meet.example/caseinjob-" + secrets.token_hex(4),
            status=session_status,
            created_dt=created + timedelta(hours=5),
        )
        if session_status == SessionStatus.COMPLETED.value:
            strengths, improvements, recommendations, resources = FEEDBACK_TEXTS[language]
            rated = rng.random() < 0.7
            self.rows.add(
                Feedback,
                session_id=session_id,
                scores={criterion: rng.randint(2, 5) for criterion in CRITERIA[interview_type]},
                strengths=strengths,
                improvements=improvements,
                recommendations=recommendations,
                resources=resources,
                submitted_dt=start + timedelta(hours=3),
                candidate_rating=rng.randint(3, 5) if rated else None,
                candidate_comment=("Très utile, merci !" if language == "fr" else "Very useful, thank you!")
                if rated
                else None,
                rated_dt=start + timedelta(days=1) if rated else None,
                is_shared_with_sponsor=rng.random() < 0.2,
            )

    def invite(self, request_id: int, created: datetime, status: InvitationStatus, *, expires: datetime) -> int:
        """Invite an interviewer not yet invited to this request (one invitation per pair); returns their id."""
        invited = self.invited.setdefault(request_id, set())
        interviewer = self.rng.choice(self.interviewers)
        while interviewer.id in invited and len(invited) < len(self.interviewers):
            interviewer = self.rng.choice(self.interviewers)
        invited.add(interviewer.id)
        self.rows.add(
            SimulationInvitation,
            request_id=request_id,
            interviewer_id=interviewer.id,
            status=status.value,
            score=self.rng.randint(70, 120),
            reasons=[{"code": "type", "values": {}}],
            created_dt=created,
            expires_dt=expires,
            responded_dt=None if status == InvitationStatus.PENDING else created + timedelta(hours=6),
        )
        return interviewer.id

    def make_simulations(self) -> None:
        if not self.interviewers:
            return
        for _ in range(self.volume.simulations):
            self.make_simulation(self.rng.choice(self.candidates))

    # --- assessments -------------------------------------------------------------------------------

    def load_tests(self) -> None:
        load_bank()
        db.session.flush()
        for test in db.session.scalars(select(Test).where(Test.published_dt.is_not(None))):
            items = list(db.session.scalars(select(Item).where(Item.test_id == test.id)))
            self.tests.append(TestInfo(test.id, items, test.kind))

    def answer_value(self, item: Item):
        rng = self.rng
        if item.type == "single":
            return (item.key or [0])[0] if rng.random() < 0.6 else rng.randrange(len(item.options))
        if item.type == "multiple":
            return sorted(item.key or [0]) if rng.random() < 0.5 else [rng.randrange(len(item.options))]
        if item.type == "numeric":
            return float(item.key) if rng.random() < 0.6 else float(rng.randint(1, 200))
        return rng.randint(1, 5)

    def make_attempt(self, candidate: Member, test: TestInfo, *, assignment_id: int | None = None) -> int:
        """A submitted attempt with its answers and result; returns the number of answers."""
        rng = self.rng
        started = self.ago(700, 1)
        attempt_id = self.rows.add(
            Attempt,
            candidate_id=candidate.id,
            test_id=test.id,
            assignment_id=assignment_id,
            started_dt=started,
            deadline_dt=started + timedelta(minutes=20),
            time_factor=1.0,
            page=0,
            submitted_dt=started + timedelta(minutes=rng.randint(8, 19)),
            is_timed_out=False,
        )
        saved = {}
        for item in test.items:
            if rng.random() < 0.08:
                continue
            saved[item.id] = self.answer_value(item)
            self.rows.add(
                Answer,
                attempt_id=attempt_id,
                item_id=item.id,
                value=saved[item.id],
                saved_dt=started + timedelta(minutes=5),
                seconds=rng.uniform(10, 90),
            )
        summary = scoring.score_attempt(test.items, saved)
        self.rows.add(
            Result,
            attempt_id=attempt_id,
            test_id=test.id,
            raw_score=summary.raw,
            max_score=summary.maximum,
            percentage=summary.percentage,
            trait_scores=summary.traits,
            created_dt=started + timedelta(minutes=20),
        )
        if rng.random() < 0.1:
            self.rows.add(
                TestFeedback,
                test_id=test.id,
                attempt_id=attempt_id,
                rating=rng.randint(2, 5),
                comment="" if rng.random() < 0.5 else "Clair et bien rythmé.",
                created_dt=started,
            )
        paid = self.enrolment_of.get(candidate.id)
        if paid and assignment_id is None:
            self.rows.add(
                Usage,
                organisation_id=paid[0],
                enrolment_id=paid[1],
                user_id=candidate.id,
                kind="practice_test",
                created_dt=started,
            )
        return len(saved)

    def assign(self, client: Member, candidate: Member, test: TestInfo, *, completed: bool) -> int:
        created = self.ago(400, 20)
        return self.rows.add(
            Assignment,
            client_id=client.id,
            candidate_id=candidate.id,
            email=f"candidate{candidate.id}@scale.caseinjob.test",
            test_id=test.id,
            due_dt=created + timedelta(days=14),
            status=AssignmentStatus.COMPLETED.value if completed else AssignmentStatus.ASSIGNED.value,
            created_dt=created,
            result_shared_dt=created + timedelta(days=3) if completed else None,
        )

    def make_attempts(self) -> None:
        answers = 0
        while answers < self.volume.answers and self.tests and self.candidates:
            candidate = self.rng.choice(self.candidates)
            test = self.rng.choice(self.tests)
            assignment_id = None
            if self.clients and self.rng.random() < 0.3:
                assignment_id = self.assign(self.rng.choice(self.clients), candidate, test, completed=True)
            answers += self.make_attempt(candidate, test, assignment_id=assignment_id)

    # --- the accounts the benchmark signs in as ---------------------------------------------------

    def make_bench_accounts(self) -> None:
        bench_test = next(test for test in self.tests if self.test_slug(test.id) == BENCH_TEST_SLUG)
        for number in range(1, self.volume.bench_candidates + 1):
            member = self.new_member(
                (Role.CANDIDATE,), email=bench_candidate_email(number), locale="en" if number % 2 else "fr"
            )
            self.add_candidate_profile(member)
            self.add_sign_ins(member, 5)
            self.enrol(member)
            for _ in range(5):
                self.make_simulation(member)
            for _ in range(8):
                self.make_attempt(member, self.rng.choice(self.tests))
            self.make_simulation(member, status="open")
            self.open_attempt(member, bench_test)
        client = self.new_member((Role.CLIENT,), email=BENCH_CLIENT, locale="en", names=("Benoît", "Client"))
        for index in range(min(2000, max(50, len(self.candidates) // 20))):
            test = self.rng.choice(self.tests)
            candidate = self.rng.choice(self.candidates)
            completed = index % 5 != 0
            assignment_id = self.assign(client, candidate, test, completed=completed)
            if completed:
                self.make_attempt(candidate, test, assignment_id=assignment_id)
        self.make_heavy_member()

    def test_slug(self, test_id: int) -> str:
        return db.session.scalar(select(Test.slug).where(Test.id == test_id))

    def open_attempt(self, member: Member, test: TestInfo) -> None:
        """An open attempt with a month to go, so that the benchmark can autosave into it for a long while."""
        started = self.now - timedelta(minutes=1)
        attempt_id = self.rows.add(
            Attempt,
            candidate_id=member.id,
            test_id=test.id,
            assignment_id=None,
            started_dt=started,
            deadline_dt=started + timedelta(days=30),
            time_factor=1.0,
            page=0,
            submitted_dt=None,
            is_timed_out=False,
        )
        for item in test.items[:3]:
            self.rows.add(
                Answer,
                attempt_id=attempt_id,
                item_id=item.id,
                value=self.answer_value(item),
                saved_dt=self.now,
                seconds=30.0,
            )

    def make_heavy_member(self) -> None:
        """The member with the most rows: what an export must handle in under a second."""
        member = self.new_member(
            (Role.CANDIDATE, Role.INTERVIEWER),
            email=BENCH_HEAVY,
            locale="fr",
            created=self.now - timedelta(days=1000),
            names=("Héloïse", "Lourd"),
            consent_events=20,
        )
        self.add_candidate_profile(member)
        self.add_interviewer_profile(member)
        self.add_sign_ins(member, 1000)
        self.enrol(member)
        for _ in range(60):
            self.make_simulation(member)
        self.interviewers.append(member)
        for _ in range(200):
            self.make_attempt(member, self.rng.choice(self.tests))
        for _ in range(100):
            viewer = self.rng.choice(self.interviewers)
            self.rows.add(
                AccessLogEntry,
                created_dt=self.ago(300),
                owner_id=member.id,
                viewer_id=viewer.id,
                viewer_name=f"{viewer.first_name} {viewer.last_name}",
                what="profile",
                why="interview_request",
            )
        for number in range(10):
            received = self.ago(300, 40)
            self.rows.add(
                PrivacyRequest,
                user_id=member.id,
                kind="question",
                subject=f"Question {number + 1}",
                message="Quelles données conservez-vous sur moi ?",
                received_dt=received,
                due_date=(received + timedelta(days=30)).date(),
                extension_reason="",
                status="done",
                outcome="Voir le tableau de bord.",
                handled_dt=received + timedelta(days=3),
            )

    # --- the whole run -----------------------------------------------------------------------------

    def run(self, echo) -> dict[str, int]:
        privacy_services.ensure_shipped_versions()
        db.session.flush()
        self.policy_id = privacy_services.current_policy().id
        self.password_hash = hash_password(DEMO_PASSWORD)
        self.load_tests()
        steps = (
            ("members", self.make_members),
            ("simulations", self.make_simulations),
            ("assessments", self.make_attempts),
            ("bench accounts", self.make_bench_accounts),
        )
        for name, step in steps:
            started = clock.monotonic()
            step()
            self.rows.flush()
            echo(f"  {name}: {clock.monotonic() - started:.1f} s")
        return self.rows.counts


def reset_postgres_sequences(tables) -> None:
    """Ids were chosen here: move PostgreSQL's sequences past them so that the portal's inserts go on."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) FROM {table}")  # noqa: S608
        )


def generate(volume: Volume, echo=print) -> dict[str, int]:
    """Fill the database; flushes and commits (the volume is too large for one transaction to be useful)."""
    if db.session.scalar(select(User.id).where(User.email == BENCH_HEAVY)) is not None:
        raise click.ClickException("This database already has the volume data (bench.heavy exists).")
    generator = Generator(volume, random.Random(volume.seed), utcnow())
    counts = generator.run(echo)
    reset_postgres_sequences(counts)
    db.session.commit()
    return counts
