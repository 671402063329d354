"""The home page says what to do next (core.next_steps, asked by main.dashboard), and the help pages.

Right after `flask demo load` on an empty database, every demo account's home page lists at least one thing
to act on, each one click from the page where it is done; the demo history behind it is consistent.
"""

import html
import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.core import next_steps
from app.core.next_steps import NextStep
from app.demo import DEMO_MEMBERS, DEMO_PASSWORD
from app.extensions import db
from app.privacy import services as privacy_services
from tests.auth.test_two_step import set_up_two_step
from tests.conftest import AuthActions

ACTION = re.compile(r'class="next-step-action" href="([^"]+)">([^<]+)<')
SECTION = re.compile(r'<h2 id="role-([a-z_]+)">')


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    return app


def signed_in_demo(app, email: str, lang: str):
    client = app.test_client()
    response = AuthActions(client).login(email, DEMO_PASSWORD, lang=lang)
    assert response.status_code == 302, response.text[:300]
    if email.startswith("admin@"):
        set_up_two_step(client)  # administrators' pages need it
    return client


def actions_of(page: str) -> list[tuple[str, str]]:
    return [(html.unescape(url), html.unescape(text)) for url, text in ACTION.findall(page)]


@pytest.mark.parametrize("member", DEMO_MEMBERS, ids=[member.email.split("@")[0] for member in DEMO_MEMBERS])
def test_every_demo_account_has_something_to_act_on_one_click_away(demo, member):
    client = signed_in_demo(demo, member.email, member.locale)
    page = client.get(f"/{member.locale}/dashboard")
    assert page.status_code == 200
    assert f'<html lang="{member.locale}"' in page.text
    assert SECTION.findall(page.text) == [role.value for role in Role if role in member.roles]
    actions = actions_of(page.text)
    assert actions, f"{member.email}: nothing to act on"
    for url, text in actions:
        assert url.startswith(f"/{member.locale}/"), url
        opened = client.get(url)
        assert opened.status_code == 200, f"{member.email}: {text!r} -> {url} answered {opened.status_code}"


def texts_of(app, email: str, lang: str) -> list[str]:
    client = signed_in_demo(app, email, lang)
    return [text for _, text in actions_of(client.get(f"/{lang}/dashboard").text)]


def test_each_role_sees_its_own_work_with_due_dates(demo):
    camille = texts_of(demo, "camille.dupont@demo.caseinjob.fr", "en")
    assert any(text.startswith("Take “Five-trait personality") for text in camille), camille
    assert "Mock interview with Julien Martin: Case interview" in camille
    assert "Read Julien Martin's feedback and rate the session" in camille
    julien = texts_of(demo, "julien.martin@demo.caseinjob.fr", "en")
    assert "Answer Camille's request: Case interview" in julien  # his invitation
    assert "Write your feedback for Emma Wilson" in julien
    assert "Mock interview with Sarah Johnson: Technical interview" in julien  # his candidate section too
    sarah = texts_of(demo, "sarah.johnson@demo.caseinjob.fr", "en")
    assert any(text.startswith("Answer Emma's request") for text in sarah)
    claire = texts_of(demo, "claire.bernard@demo.caseinjob.fr", "en")
    assert "Answer Camille Dupont's request to correct their data" in claire
    assert "3 invitations not accepted yet" in claire
    thomas = texts_of(demo, "thomas.petit@demo.caseinjob.fr", "en")
    assert "Read Camille Dupont's result on “Numerical reasoning”" in thomas
    elise = texts_of(demo, "elise.moreau@demo.caseinjob.fr", "en")
    assert "Finish and publish your draft “Situational judgement”" in elise
    assert "Read the item statistics of “Applied logic”" in elise
    admin = texts_of(demo, "admin@demo.caseinjob.fr", "en")
    assert admin[0] == "Emma Wilson asks: Access to my data"  # the nearest due date first
    assert "Camille Dupont asks: Contest of a test score" in admin
    assert "1 e-mail could not be sent" in admin  # Emma's reminder, refused by her mail server


def test_the_home_page_speaks_the_members_language_and_time_zone(demo):
    client = signed_in_demo(demo, "sarah.johnson@demo.caseinjob.fr", "en")
    page = client.get("/en/dashboard").text
    assert "(America/New_York time)" in page and "Join the video call" in page and "download>Add to my calendar" in page
    french = signed_in_demo(demo, "camille.dupont@demo.caseinjob.fr", "fr").get("/fr/dashboard").text
    assert "Voici ce qui vous attend" in french and "(heure de Europe/Paris)" in french
    assert "Comment ça marche" in french


def test_seats_and_profile_completeness_are_shown_as_facts(demo):
    claire = signed_in_demo(demo, "claire.bernard@demo.caseinjob.fr", "en").get("/en/dashboard").text
    assert "13 of 40 seats used" in claire
    camille = signed_in_demo(demo, "camille.dupont@demo.caseinjob.fr", "en").get("/en/dashboard").text
    assert re.search(r"Your profile is \d+% complete", camille)


def test_the_demo_history_is_consistent_and_loads_once(demo, runner):
    from app.assessments import statistics
    from app.assessments.models import Result, Test
    from app.privacy.models import ErasureJob, PrivacyRequest
    from app.simulations.models import InterviewSession, InvitationStatus, SimulationInvitation
    from app.sponsors.models import Enrolment, Organisation

    with demo.app_context():
        numerical = db.session.scalar(select(Test).where(Test.slug == "numerical-reasoning"))
        assert db.session.scalar(select(func.count(Result.id)).where(Result.test_id == numerical.id)) >= 30
        applied = db.session.scalar(select(Test).where(Test.slug == "applied-logic"))
        assert statistics.statistics_of(applied).items is not None  # item statistics show
        assert db.session.scalar(select(Test.published_dt).where(Test.slug == "situational-judgement")) is None
        school = db.session.scalar(select(Organisation).where(Organisation.name == "École Centrale"))
        assert db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.organisation_id == school.id)) == 13
        statuses = set(db.session.scalars(select(InterviewSession.status)))
        assert {"scheduled", "completed", "cancelled", "no_show_candidate"} <= statuses
        pending = db.session.scalars(
            select(User.email)
            .join(SimulationInvitation, SimulationInvitation.interviewer_id == User.id)
            .where(SimulationInvitation.status == InvitationStatus.PENDING.value)
        ).all()
        assert {"julien.martin@demo.caseinjob.fr", "sarah.johnson@demo.caseinjob.fr"} <= set(pending)
        assert set(db.session.scalars(select(PrivacyRequest.kind))) >= {"access", "score_contest"}
        assert db.session.scalar(select(ErasureJob.status)) == "held"
        members = db.session.scalar(select(func.count(User.id)))
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "already has members" in again.output
    with demo.app_context():
        assert db.session.scalar(select(func.count(User.id))) == members


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/fr/dashboard")
    assert response.status_code == 302 and "/fr/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("lang", "role", "title"),
    [
        ("en", "candidate", "How matching works"),
        ("fr", "candidate", "Comment fonctionne la mise en relation"),
        ("en", "client", "What you see"),
        ("fr", "sponsor_admin", "Places et invitations"),
        ("en", "interviewer", "Writing feedback"),
        ("fr", "test_author", "Brouillons et versions"),
        ("en", "admin", "Erasures and legal holds"),
    ],
)
def test_help_pages_in_both_languages(client, lang, role, title):
    page = client.get(f"/{lang}/help/{role}")
    assert page.status_code == 200 and title in html.unescape(page.text)
    assert client.get(f"/{lang}/help/").status_code == 200


def test_an_unknown_help_page_is_not_found(client):
    assert client.get("/en/help/superuser").status_code == 404
    assert client.get("/fr/help/..%2Fbase").status_code == 404


def test_the_home_page_links_each_role_to_its_help(demo):
    page = signed_in_demo(demo, "julien.martin@demo.caseinjob.fr", "fr").get("/fr/dashboard").text
    assert 'href="/fr/help/candidate"' in page and 'href="/fr/help/interviewer"' in page


def test_steps_are_ordered_urgent_then_due_then_facts(app):
    from datetime import datetime

    def provider(member):
        return [
            NextStep("fact", "/f", is_status=True),
            NextStep("later", "/l", due=datetime(2030, 1, 2)),
            NextStep("sooner", "/s", due=datetime(2030, 1, 1)),
            NextStep("urgent", "/u", is_urgent=True, due=datetime(2031, 1, 1)),
            NextStep("undated", "/n"),
        ]

    next_steps.register_next_steps("ghost", provider)
    try:
        assert [step.text for step in next_steps.next_steps(None, "ghost")] == [
            "urgent",
            "sooner",
            "later",
            "undated",
            "fact",
        ]
        next_steps.register_next_steps("ghost", provider)  # registering twice asks once
        assert len(next_steps.next_steps(None, "ghost")) == 5
    finally:
        next_steps.unregister_next_steps("ghost", provider)
    assert next_steps.next_steps(None, "ghost") == []


def test_the_client_home_page_no_longer_names_a_candidate_who_restricted_her_data(demo):
    """The client's "read the result" step follows the disclosure rules, as the results list does."""
    thomas = "thomas.petit@demo.caseinjob.fr"
    assert "Read Camille Dupont's result on “Numerical reasoning”" in texts_of(demo, thomas, "en")
    with demo.app_context():
        camille = db.session.scalar(select(User).where(User.email == "camille.dupont@demo.caseinjob.fr"))
        assert privacy_services.restrict_processing(camille)
        db.session.commit()
    for lang in ("en", "fr"):
        texts = texts_of(demo, thomas, lang)
        assert not any("Camille" in text for text in texts), texts
