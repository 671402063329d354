"""The request page weighs the candidate's profile, says which reasons come from it, and names what stands in
the way when nobody fits. French texts come from /work/helpers/l10n/matching.json: they pass once merged."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.simulations.models import SimulationInvitation
from tests.conftest import post_form, shown
from tests.simulations.test_flow import create_request, invite_all

NBSP = "\u00a0"


def save_goals(candidate, **changes):
    goals = {"headline": "", "skills": "Python, SQL", "target_sectors": ["luxury"], "target_roles": "", **changes}
    assert post_form(candidate, "/en/profile/goals", goals).status_code == 302


def add_experience(candidate, employer):
    entry = {"employer": employer, "title": "Stagiaire contrôle de gestion", "start_month": "2024-09"}
    assert post_form(candidate, "/en/profile/experience/new", entry).status_code == 302


@pytest.fixture
def profiled(candidate, make_interviewer):
    """Camille aims at luxury and worked at Danone; Julien knows luxury and works at Danone, Nora neither."""
    save_goals(candidate)
    add_experience(candidate, "Danone")
    make_interviewer("nora.petit@example.com")
    make_interviewer(
        "julien.martin@example.com",
        sectors=["consulting", "luxury"],
        current_employer="DANONE",
        bio="Ancien de la finance, je code en Python.",
    )
    return candidate


@pytest.mark.promise("matching-explained")
def test_the_profile_lifts_an_interviewer_and_says_so_in_english(profiled):
    page = shown(profiled.get(f"/en/simulations/requests/{create_request(profiled)}"))
    assert page.index("Julien Interviewer") < page.index("Nora Interviewer")  # equal on the request
    assert "knows the sector of your request: Consulting" in page
    assert "knows a sector your profile aims at: Luxury and fashion" in page
    assert "works at Danone, where you gained experience" in page
    assert "their profile mentions Python, one of your skills" in page
    assert page.count("your profile aims at") == 1  # Nora shares nothing with the profile


def test_the_profile_reasons_are_in_french_on_the_french_page(profiled):
    page = shown(profiled.get(f"/fr/simulations/requests/{create_request(profiled)}"))
    assert f"connaît le secteur de votre demande{NBSP}: Conseil" in page
    assert f"connaît un secteur visé dans votre profil{NBSP}: Luxe et mode" in page
    assert "travaille chez Danone, où vous avez acquis de l'expérience" in page
    assert "son profil mentionne Python, l'une de vos compétences" in page


def test_a_profile_edit_counts_at_once(candidate, make_interviewer):
    make_interviewer("julien.martin@example.com", sectors=["consulting", "luxury"])
    request_id = create_request(candidate)
    assert "your profile aims at" not in shown(candidate.get(f"/en/simulations/requests/{request_id}"))
    save_goals(candidate)  # the ranking in the cache was made for the old profile
    assert "knows a sector your profile aims at: Luxury and fashion" in shown(
        candidate.get(f"/en/simulations/requests/{request_id}")
    )


def test_the_invitation_keeps_the_reason_but_not_the_candidates_words(app, profiled):
    request_id = create_request(profiled, is_auto_invite="")
    assert invite_all(profiled, request_id, app, ["julien.martin@example.com"]).status_code == 302
    with app.app_context():
        reasons = db.session.scalar(select(SimulationInvitation.reasons))
    assert {"code": "employer", "current": True, "source": "experience"} in reasons
    assert {"code": "sector", "sector": "luxury", "source": "profile"} in reasons
    assert "Danone" not in repr(reasons) and "Python" not in repr(reasons)


@pytest.mark.parametrize(
    ("interviewer", "request_changes", "obstacle", "funnel", "suggestion"),
    [
        (
            {},  # by video or phone only
            {"mode": "in_person", "city": "Brest"},
            "What stands in the way: the format, face to face.",
            "who also interview face to face: 0",
            "Ask for a video interview",
        ),
        (
            {"interview_types": ["technical"]},  # sector, kind of company and time fit
            {},
            "What stands in the way: the type of interview, case interview.",
            "who also run this type of interview (case interview): 0",
            "Try again in a few days",  # no other sector, mode or language has a case interviewer
        ),
        (
            {"languages": ["en"]},
            {},
            "What stands in the way: the language, French.",
            "who interview in French: 0",
            "Accept the interview in the other language.",
        ),
    ],
)
@pytest.mark.promise("matching-explained")
def test_the_no_fit_warning_names_the_mismatch(
    candidate, make_interviewer, interviewer, request_changes, obstacle, funnel, suggestion
):
    make_interviewer("julien.martin@example.com", **interviewer)
    page = shown(candidate.get(f"/en/simulations/requests/{create_request(candidate, **request_changes)}"))
    assert "No interviewer fits your request well enough right now." in page
    assert obstacle in page
    assert "Interviewers open to requests: 1" in page
    assert funnel in page
    assert suggestion in page
    assert "Julien Interviewer" not in page


def test_the_no_fit_warning_in_french(candidate, make_interviewer):
    make_interviewer("julien.martin@example.com", interview_types=["technical"])
    page = shown(candidate.get(f"/fr/simulations/requests/{create_request(candidate)}"))
    assert f"Ce qui bloque{NBSP}: le type d'entretien, entretien de cas." in page
    assert f"qui mènent aussi ce type d'entretien (entretien de cas){NBSP}: 0" in page


def test_nobody_open_to_requests_is_said_plainly(candidate):
    page = shown(candidate.get(f"/en/simulations/requests/{create_request(candidate)}"))
    assert "No other interviewer is open to requests right now." in page


def statements_of_a_fresh_ranking(app, request_id) -> int:
    from app.simulations import services
    from tests.core.test_query_budget import recorded_statements

    with app.app_context():
        request = services.find_request(request_id)
        request.invitations  # noqa: B018 (loaded before counting: the page has them already)
        with recorded_statements(app) as statements:
            result = services.find_matches(request, fresh=True)
        assert result.matches
        return len(statements)


def test_the_profile_and_the_interviewers_are_read_in_as_many_statements_for_many(app, profiled, make_interviewer):
    add_experience(profiled, "L'Oréal")
    request_id = create_request(profiled)
    few = statements_of_a_fresh_ranking(app, request_id)
    for number in range(12):
        make_interviewer(f"extra{number}.interviewer@example.com", bio="Python", former_employers=["Danone"])
    assert statements_of_a_fresh_ranking(app, request_id) <= few
