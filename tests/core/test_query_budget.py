"""Query budget (issue #8, item 4): the SQL statements of each key page must not grow with the data.

Each page is rendered once with 10 related rows and once with 1,000 (bulk inserted with the generator of
`flask demo scale`); the second request may not send more statements than the first. A page that loops over
rows and queries per row (N+1) fails here long before it shows in the benchmark.
"""

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select, update

from app.assessments.models import Item
from app.assessments.models import Test as AssessmentTest
from app.auth.models import Role, User, UserRole
from app.core.timeutil import utcnow
from app.demo.scale import Generator, Member, Volume, reset_postgres_sequences
from app.demo.scale import TestInfo as BankTest
from app.extensions import db
from app.privacy import services as privacy_services
from app.privacy.models import ConsentEvent, ConsentPurpose
from app.profiles.choices import InterviewType
from app.profiles.models import AvailabilitySlot, InterviewerProfile
from app.simulations.models import SimulationRequest
from tests.assessments import conftest as assessment_fixtures
from tests.assessments.conftest import start
from tests.conftest import csrf_from, recorded_statements, signed_in

bank = assessment_fixtures.bank  # the fixture {slug: test public id}, shared with tests/assessments

SMALL, LARGE = 10, 1000
TEST_SLUG = "numerical-reasoning"


# --- counting -----------------------------------------------------------------------------------------


def statements_of_one_request(app, send) -> list[str]:
    """After a warm-up request (caches, first-time writes), the statements of one request of the page."""
    warm_up = send()
    assert warm_up.status_code == 200, warm_up.get_data(as_text=True)[:500]
    with recorded_statements(app) as statements:
        response = send()
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return statements


def growth(small: list[str], large: list[str]) -> str:
    """The statements sent more often with more data, for the failure message."""
    before, after = Counter(small), Counter(large)
    grown = [(after[text] - before[text], text) for text in after if after[text] > before[text]]
    return "\n".join(f"  +{extra}x {' '.join(text.split())[:300]}" for extra, text in sorted(grown, reverse=True))


# --- related rows, inserted in bulk ----------------------------------------------------------------------


def generator() -> Generator:
    """The volume-data generator, set up on the test database (inside an app context)."""
    rows = Generator(Volume(), random.Random(8), utcnow())
    rows.policy_id = privacy_services.current_policy().id
    rows.password_hash = "not-a-usable-hash"  # noqa: S105 (these members never sign in)
    rows.email_numbers = db.session.scalar(select(func.max(User.id))) or 0  # new addresses each time
    for test in db.session.scalars(
        select(AssessmentTest).where(AssessmentTest.published_dt.is_not(None)).order_by(AssessmentTest.id)
    ):
        items = list(db.session.scalars(select(Item).where(Item.test_id == test.id).order_by(Item.id)))
        rows.tests.append(BankTest(test.id, items, test.kind))
    rows.interviewers = [as_member(user) for user in members_with_role(Role.INTERVIEWER)]
    return rows


def as_member(user: User) -> Member:
    return Member(user.id, user.locale, user.created_dt, user.first_name, user.last_name)


def members_with_role(role: Role) -> list[User]:
    query = select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role.value)
    return list(db.session.scalars(query.order_by(User.id)))


def member(email: str) -> Member:
    return as_member(db.session.scalar(select(User).where(User.email == email)))


def bank_test(rows: Generator, slug: str = TEST_SLUG) -> BankTest:
    test_id = db.session.scalar(select(AssessmentTest.id).where(AssessmentTest.slug == slug))
    return next(test for test in rows.tests if test.id == test_id)


def insert_rows(app, fill: Callable[[Generator], None]) -> None:
    """Queue rows with `fill(generator)`, then insert them in batches and commit."""
    with app.app_context():
        rows = generator()
        fill(rows)
        rows.rows.flush()
        reset_postgres_sequences(rows.rows.counts)  # ids were chosen by the generator
        db.session.commit()


def add_interviewers(rows: Generator, count: int) -> None:
    """Interviewers who fit any video request in English (so that the matching page lists them)."""
    for _ in range(count):
        interviewer = rows.new_member((Role.INTERVIEWER,), locale="en")
        rows.add_interviewer_profile(interviewer)
        for weekday in range(7):
            rows.rows.add(
                AvailabilitySlot, user_id=interviewer.id, weekday=weekday, start_time=time(7), end_time=time(22)
            )
        rows.interviewers.append(interviewer)


def make_fit_everyone() -> None:
    """Every interviewer fits the request, so that the matching ranks them all."""
    db.session.execute(
        update(InterviewerProfile).values(
            modes=["video", "phone", "in_person"],
            languages=["fr", "en"],
            interview_types=[kind.value for kind in InterviewType],
            sectors=[],
            company_types=[],
            is_accepting=True,
            weekly_capacity=5,
        )
    )


# --- the pages ---------------------------------------------------------------------------------------


@dataclass
class Scenario:
    send: Callable[[], object]  # one request of the page
    add_rows: Callable[[int], None]  # add that many related rows


def candidate_dashboard(app, make_user, bank_ids) -> Scenario:
    make_user("candidate@example.com")
    client = signed_in(app, "candidate@example.com")

    def add_rows(count: int) -> None:
        def fill(rows: Generator) -> None:
            if not rows.interviewers:
                add_interviewers(rows, 5)
            candidate = member("candidate@example.com")
            for number in range(count):
                rows.make_attempt(candidate, rows.tests[number % len(rows.tests)])
                rows.make_simulation(candidate)

        insert_rows(app, fill)

    return Scenario(lambda: client.get("/en/dashboard"), add_rows)


def others_take_the_test(app, count: int) -> None:
    """`count` submitted attempts of the test, with their answers, by new members (ten attempts each)."""

    def fill(rows: Generator) -> None:
        test = bank_test(rows)
        others = [rows.new_member((Role.CANDIDATE,)) for _ in range(max(1, count // 10))]
        for number in range(count):
            rows.make_attempt(others[number % len(others)], test)

    insert_rows(app, fill)


def started_attempt(app, make_user, bank_ids) -> tuple[object, str, list[str]]:
    """A signed-in candidate with an open attempt of the test and three answers saved: client, attempt, items."""
    make_user("candidate@example.com")
    client = signed_in(app, "candidate@example.com")
    attempt = start(client, bank_ids[TEST_SLUG], lang="en")
    token = csrf_from(client.get(f"/en/tests/attempts/{attempt}").text)
    with app.app_context():
        items = [
            item.public_id
            for item in db.session.scalars(
                select(Item)
                .join(AssessmentTest)
                .where(AssessmentTest.slug == TEST_SLUG, Item.type == "numeric")
                .order_by(Item.id)
            )
        ]
    assert items, "the test has no numeric item"
    for value, item in enumerate(items[:3]):
        saved = autosave(client, attempt, token, item, value + 1)
        assert saved.status_code == 200, saved.text
    client.csrf_token = token
    return client, attempt, items


def autosave(client, attempt: str, token: str, item: str, value):
    return client.post(
        f"/en/tests/attempts/{attempt}/answers", json={"item": item, "value": value}, headers={"X-CSRFToken": token}
    )


def item_page(app, make_user, bank_ids) -> Scenario:
    client, attempt, _ = started_attempt(app, make_user, bank_ids)
    return Scenario(lambda: client.get(f"/en/tests/attempts/{attempt}"), lambda count: others_take_the_test(app, count))


def autosave_post(app, make_user, bank_ids) -> Scenario:
    client, attempt, items = started_attempt(app, make_user, bank_ids)
    values = iter(range(10, 10_000))
    return Scenario(
        lambda: autosave(client, attempt, client.csrf_token, items[0], next(values)),
        lambda count: others_take_the_test(app, count),
    )


def matching_results(app, make_user, bank_ids) -> Scenario:
    make_user("candidate@example.com")
    client = signed_in(app, "candidate@example.com")

    def fill_request(rows: Generator) -> None:
        add_interviewers(rows, 1)
        rows.make_simulation(member("candidate@example.com"), status="open")

    insert_rows(app, fill_request)
    with app.app_context():
        request = db.session.scalar(select(SimulationRequest))
        request.mode, request.language, request.sector, request.company_type = "video", "en", "", ""
        request.interview_type = list(InterviewType)[0].value
        make_fit_everyone()
        db.session.commit()
        public_id = request.public_id

    def add_rows(count: int) -> None:
        insert_rows(app, lambda rows: add_interviewers(rows, count))
        with app.app_context():
            make_fit_everyone()
            db.session.commit()

    def send():
        response = client.get(f"/en/simulations/requests/{public_id}")
        # The page must list interviewers, else the count would say nothing of the matching.
        assert 'name="interviewer"' in response.text, "no interviewer proposed"
        return response

    return Scenario(send, add_rows)


def client_results_list(app, make_user, bank_ids) -> Scenario:
    make_user("client@example.com", roles=[Role.CLIENT])
    client = signed_in(app, "client@example.com")

    def add_rows(count: int) -> None:
        def fill(rows: Generator) -> None:
            buyer = member("client@example.com")
            candidates = [rows.new_member((Role.CANDIDATE,)) for _ in range(max(1, count // 5))]
            for number in range(count):
                test = rows.tests[number % len(rows.tests)]
                candidate = candidates[number % len(candidates)]
                completed = number % 5 != 0
                assignment = rows.assign(buyer, candidate, test, completed=completed)
                if completed:
                    rows.make_attempt(candidate, test, assignment_id=assignment)

        insert_rows(app, fill)

    return Scenario(lambda: client.get("/en/tests/assignments/"), add_rows)


def privacy_dashboard(app, make_user, bank_ids) -> Scenario:
    make_user("candidate@example.com")
    client = signed_in(app, "candidate@example.com")

    def add_rows(count: int) -> None:
        def fill(rows: Generator) -> None:
            candidate = member("candidate@example.com")
            rows.add_sign_ins(candidate, count)
            for number in range(count):
                rows.make_attempt(candidate, rows.tests[number % len(rows.tests)])
                rows.rows.add(
                    ConsentEvent,
                    user_id=candidate.id,
                    purpose=list(ConsentPurpose)[number % len(ConsentPurpose)].value,
                    is_granted=number % 2 == 0,
                    created_dt=utcnow() - timedelta(hours=count - number),
                    policy_version_id=rows.policy_id,
                    source="dashboard",
                    ip_address="192.0.2.10",
                )

        insert_rows(app, fill)

    return Scenario(lambda: client.get("/en/privacy/dashboard"), add_rows)


def privacy_policy(app, make_user, bank_ids) -> Scenario:
    client = app.test_client()

    def add_rows(count: int) -> None:
        insert_rows(app, lambda rows: [rows.new_member((Role.CANDIDATE,)) for _ in range(count)])

    return Scenario(lambda: client.get("/en/privacy"), add_rows)


def interviewer_home(app, make_user, bank_ids) -> Scenario:
    """Invitations, sessions to come and feedback to write, among many past interviews."""
    make_user("interviewer@example.com", roles=[Role.INTERVIEWER])
    client = signed_in(app, "interviewer@example.com")

    def add_rows(count: int) -> None:
        def fill(rows: Generator) -> None:
            if len(rows.interviewers) < 4:
                add_interviewers(rows, 3)
            me = member("interviewer@example.com")
            rows.interviewers = [me, *[other for other in rows.interviewers if other.id != me.id][:3]]
            candidates = [rows.new_member((Role.CANDIDATE,)) for _ in range(max(1, count // 10))]
            for number in range(count):
                rows.make_simulation(candidates[number % len(candidates)])

        insert_rows(app, fill)

    return Scenario(lambda: client.get("/en/dashboard"), add_rows)


def sponsor_admin_home(app, make_user, bank_ids) -> Scenario:
    """Seats, invitations and corrections of an organisation with many members."""
    from app.sponsors.models import Cohort, Organisation, SponsorAdmin

    make_user("sponsor@example.com", roles=[Role.SPONSOR_ADMIN])
    client = signed_in(app, "sponsor@example.com")

    def add_rows(count: int) -> None:
        def fill(rows: Generator) -> None:
            me = member("sponsor@example.com")
            organisation_id = db.session.scalar(
                select(SponsorAdmin.organisation_id).where(SponsorAdmin.user_id == me.id)
            )
            if organisation_id is None:
                rows.make_organisations(1)
                organisation_id = rows.organisations[0][0]
                rows.rows.add(SponsorAdmin, organisation_id=organisation_id, user_id=me.id, added_dt=utcnow())
                rows.rows.flush()
            cohorts = list(db.session.scalars(select(Cohort.id).where(Cohort.organisation_id == organisation_id)))
            rows.organisations = [(organisation_id, cohorts)]
            db.session.execute(update(Organisation).values(seats=10 * LARGE))
            for _ in range(count):
                rows.enrol(rows.new_member((Role.CANDIDATE,)))

        insert_rows(app, fill)

    return Scenario(lambda: client.get("/en/dashboard"), add_rows)


def client_home(app, make_user, bank_ids) -> Scenario:
    scenario = client_results_list(app, make_user, bank_ids)
    client = signed_in(app, "client@example.com")
    return Scenario(lambda: client.get("/en/dashboard"), scenario.add_rows)


def author_home(app, make_user, bank_ids) -> Scenario:
    """An author whose tests have many attempts: the statistics are ready, the page costs the same."""
    make_user("author@example.com", roles=[Role.TEST_AUTHOR])
    client = signed_in(app, "author@example.com")
    with app.app_context():
        author_id = db.session.scalar(select(User.id).where(User.email == "author@example.com"))
        db.session.execute(update(AssessmentTest).values(author_id=author_id))
        db.session.commit()
    return Scenario(lambda: client.get("/en/dashboard"), lambda count: others_take_the_test(app, count))


def admin_home(app, make_user, bank_ids) -> Scenario:
    """Many privacy requests in the queue: the home page lists the most urgent and counts the rest."""
    from datetime import date

    from app.privacy.models import PrivacyRequest
    from tests.auth.test_two_step import sign_in_admin_with_two_step

    client = sign_in_admin_with_two_step(app, make_user)

    def add_rows(count: int) -> None:
        def fill(rows: Generator) -> None:
            asking = [rows.new_member((Role.CANDIDATE,)) for _ in range(max(1, count // 10))]
            for number in range(count):
                rows.rows.add(
                    PrivacyRequest,
                    user_id=asking[number % len(asking)].id,
                    kind="question",
                    subject=f"Question {number}",
                    message="Quelles données ?",
                    received_dt=utcnow(),
                    due_date=date.today() + timedelta(days=number % 30),
                    extension_reason="",
                    status="received",
                    outcome="",
                )

        insert_rows(app, fill)

    return Scenario(lambda: client.get("/en/dashboard"), add_rows)


PAGES = {
    "candidate home page": candidate_dashboard,
    "test item page": item_page,
    "autosave POST": autosave_post,
    "matching results": matching_results,
    "client results list": client_results_list,
    "privacy dashboard": privacy_dashboard,
    "privacy policy": privacy_policy,
    "interviewer home page": interviewer_home,
    "sponsor admin home page": sponsor_admin_home,
    "client home page": client_home,
    "test author home page": author_home,
    "admin home page": admin_home,
}


@pytest.mark.parametrize("page", list(PAGES))
def test_statements_per_request_do_not_grow_with_the_data(app, make_user, bank, page):
    scenario = PAGES[page](app, make_user, bank)
    scenario.add_rows(SMALL)
    small = statements_of_one_request(app, scenario.send)
    scenario.add_rows(LARGE - SMALL)
    large = statements_of_one_request(app, scenario.send)
    assert len(large) <= len(small), (
        f"{page}: {len(small)} statements with {SMALL} related rows, {len(large)} with {LARGE}; grown:\n"
        + growth(small, large)
    )
