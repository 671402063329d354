"""Restriction and objection, in a real browser: a candidate restricts processing in French and the client that
assigned her a test can no longer open her result; a candidate objects to statistics in English and her
sponsor's figures and another candidate's percentile stop counting her.

Expected French texts come from the catalog (messages.po), read when the test runs.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.assessments import assignments
from app.assessments import services as assessment_services
from app.assessments.models import Test
from app.auth.models import Role, User
from app.core.timeutil import utcnow
from app.extensions import db
from tests.assessments.populate import make_test, submitted_attempt, take_many
from tests.conftest import PASSWORD
from tests.e2e.catalog import translation as fr
from tests.e2e.pages import open_section
from tests.sponsors.conftest import add_admin, enrol, make_organisation

ALL_RIGHT = {0: "1", 1: ["0", "2"], 2: "92"}
ONE_RIGHT = {0: "1", 1: ["0"], 2: "100"}
NONE_RIGHT = {0: "0"}
#: 12 score 3, 12 score 1, 6 score 0: a candidate who scores 1 is at (6 + 12/2) / 30 = 40% without the member.
OTHERS = [ALL_RIGHT] * 12 + [ONE_RIGHT] * 12 + [NONE_RIGHT] * 6


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def sign_in(page, base: str, email: str, lang: str) -> None:
    text = fr if lang == "fr" else (lambda msgid: msgid)
    page.goto(f"{base}/{lang}/login")
    page.get_by_label(text("E-mail, phone or username"), exact=True).fill(email)
    page.get_by_label(text("Password"), exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=text("Sign in"), exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page).not_to_have_url(re.compile(r"/login"))


def assigned_and_taken(app, client_id: int, candidate_id: int) -> str:
    """The client assigns a test to the candidate, who takes it; returns the assignment's public id."""
    test_id = make_test(app)
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.public_id == test_id))
        candidate = db.session.get(User, candidate_id)
        assignments.assign(db.session.get(User, client_id), test, [candidate.email], utcnow() + timedelta(days=7))
        [assignment] = assignments.assignments_for_candidate(candidate)
        attempt = assignments.start_assigned(candidate, assignment)
        for position, raw in ALL_RIGHT.items():
            assessment_services.save_answer(attempt, test.items[position], raw)
        assessment_services.submit(attempt)
        db.session.commit()
        return assignment.public_id


@pytest.mark.promise("right-restriction")
@pytest.mark.promise("recipients-clients")
def test_candidate_restricts_in_french_and_the_client_can_no_longer_open_her_result(live_server, new_page, make_user):
    base, app = live_server.url, live_server.app
    camille_id = make_user("camille.restreinte@example.com", locale="fr", first_name="Camille", last_name="Restreinte")
    client_id = make_user(
        "thomas.client@example.com", roles=(Role.CLIENT,), locale="fr", first_name="Thomas", last_name="Petit"
    )
    assignment = assigned_and_taken(app, client_id, camille_id)
    result_url = f"{base}/fr/tests/assignments/{assignment}"

    # The client sees her in the list, and her result.
    employer = new_page(locale="fr-FR")
    sign_in(employer, base, "thomas.client@example.com", "fr")
    employer.goto(f"{base}/fr/tests/assignments/")
    expect(employer.locator("main")).to_contain_text("Camille Restreinte")
    employer.goto(result_url)
    expect(employer.locator("main")).to_contain_text("Camille Restreinte")

    # She restricts processing from her privacy dashboard, in French.
    candidate = new_page(locale="fr-FR")
    sign_in(candidate, base, "camille.restreinte@example.com", "fr")
    candidate.goto(f"{base}/fr/privacy/dashboard#restriction")
    restriction = open_section(candidate, "restriction")
    restriction.get_by_role("button", name=fr("Restrict processing"), exact=True).click()
    restricted_since = fr("Processing of your data is restricted since %(date)s: we only store it.").split("%(date)s")[
        0
    ]
    expect(candidate.locator("main")).to_contain_text(restricted_since.strip())
    expect(restriction.get_by_role("button", name=fr("Lift the restriction"), exact=True)).to_be_visible()
    with app.app_context():
        assert db.session.get(User, camille_id).is_processing_restricted

    # The client opens her result again: refused, as if it did not exist; the list no longer names her.
    response = employer.goto(result_url)
    assert response.status == 404
    expect(employer.locator("h1")).to_have_text(fr("Page not found"))
    expect(employer.locator("main")).not_to_contain_text("Restreinte")
    employer.goto(f"{base}/fr/tests/assignments/")
    expect(employer.locator("main")).not_to_contain_text("Restreinte")
    with app.app_context():
        from app.core.access_log import AccessLogEntry

        # The view before the restriction is in her log; the refused one is not (nothing was shown).
        assert len(db.session.scalars(select(AccessLogEntry).where(AccessLogEntry.owner_id == camille_id)).all()) == 1


@pytest.mark.promise("right-objection")
@pytest.mark.promise("recipients-sponsors")
def test_candidate_objects_to_statistics_in_english_and_figures_stop_counting_her(live_server, new_page, make_user):
    base, app = live_server.url, live_server.app
    emma_id = make_user("emma.objects@example.com", locale="en", first_name="Emma", last_name="Objects")
    peer_id = make_user("peer.candidate@example.com", locale="en", first_name="Pierre", last_name="Peer")
    sponsor_id = make_user(
        "claire.sponsor@example.com", roles=(Role.SPONSOR_ADMIN,), locale="en", first_name="Claire", last_name="B"
    )
    school = make_organisation(app, "École Alpha", cohorts=("M1",), locale="en")
    add_admin(app, school, sponsor_id)
    for user_id in [emma_id] + [make_user(first_name="Classmate", last_name=f"N{n}") for n in range(5)]:
        enrol(app, school, user_id, cohort="M1")
    test_id = make_test(app)
    take_many(app, test_id, OTHERS)
    submitted_attempt(app, emma_id, test_id, ALL_RIGHT)
    peer_attempt = submitted_attempt(app, peer_id, test_id, ONE_RIGHT)

    sponsor = new_page(locale="en-GB")
    sign_in(sponsor, base, "claire.sponsor@example.com", "en")
    sponsor.goto(f"{base}/en/sponsors/{school}")
    all_members = sponsor.locator("table.figures tr", has_text="All members").locator("td").first
    expect(all_members).to_have_text("6")
    peer = new_page(locale="en-GB")
    sign_in(peer, base, "peer.candidate@example.com", "en")
    peer.goto(f"{base}/en/tests/attempts/{peer_attempt}/result")
    # Against 31 others, Emma's full marks included: (6 + 12/2) / 31 = 38.7%.
    expect(peer.locator("main")).to_contain_text("Percentile: 38.7")

    # Emma objects to statistics from her dashboard, in English.
    emma = new_page(locale="en-GB")
    sign_in(emma, base, "emma.objects@example.com", "en")
    emma.goto(f"{base}/en/privacy/dashboard")
    open_section(emma, "objections")
    emma.get_by_label("What do you object to?", exact=True).select_option("statistics")
    emma.get_by_label("Your grounds (not needed for direct marketing)", exact=True).fill(
        "I do not want my results compared with anyone's."
    )
    emma.get_by_role("button", name="Object", exact=True).click()
    expect(emma.locator("main")).to_contain_text(
        "Use of my data in aggregated statistics, benchmarks and sponsors' figures"
    )

    # Her sponsor's figures and the other candidate's percentile no longer count her.
    sponsor.reload()
    expect(all_members).to_have_text("5")
    peer.reload()
    expect(peer.locator("main")).to_contain_text("Percentile: 40")
    expect(peer.locator("main")).not_to_contain_text("Percentile: 38.7")
