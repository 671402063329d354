"""The request page ranks interviewers once, and ranks again as soon as something matching reads changes."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app import create_app
from app.extensions import db
from app.profiles.models import InterviewerProfile
from app.simulations import services
from app.simulations.models import SimulationInvitation
from tests.conftest import AuthActions, post_form, shown, signed_in
from tests.simulations.conftest import THURSDAY, window_fields
from tests.simulations.test_flow import create_request, invite_all


@pytest.fixture
def rankings(monkeypatch):
    """Counts how often the interviewers are read and ranked."""
    calls = []
    original = services.interviewer_specs

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "interviewer_specs", counted)
    return calls


def test_views_of_the_request_page_reuse_the_ranking(app, candidate, make_interviewer, rankings):
    make_interviewer("julien.martin@example.com")
    request_id = create_request(candidate)
    rankings.clear()
    for _ in range(3):
        assert "Julien Interviewer" in shown(candidate.get(f"/fr/simulations/requests/{request_id}"))
    assert len(rankings) == 1


def test_an_interviewer_who_stops_accepting_leaves_the_page_at_once(app, candidate, make_interviewer, rankings):
    make_interviewer("julien.martin@example.com")
    make_interviewer("nora.petit@example.com")
    request_id = create_request(candidate)
    page = shown(candidate.get(f"/fr/simulations/requests/{request_id}"))
    assert "Julien Interviewer" in page and "Nora Interviewer" in page

    julien = signed_in(app, "julien.martin@example.com")
    profile = {
        "languages": ["fr", "en"],
        "modes": ["video"],
        "interview_types": ["case"],
        "sectors": ["consulting"],
        "company_types": ["consulting_firm"],
        "weekly_capacity": "4",
        # "is_accepting" unticked
    }
    assert post_form(julien, "/en/interviewer-profile", profile).status_code == 302

    page = shown(candidate.get(f"/fr/simulations/requests/{request_id}"))
    assert "Julien Interviewer" not in page
    assert "Nora Interviewer" in page


def test_a_new_slot_counts_at_once(app, candidate, make_interviewer):
    make_interviewer("julien.martin@example.com")  # free on Tuesday evenings only
    thursday_mornings = {**window_fields(0, THURSDAY, 9, 11), **window_fields(1, THURSDAY + timedelta(days=7), 9, 11)}
    request_id = create_request(candidate, **thursday_mornings)
    assert "pas encore de disponibilité sur vos créneaux" in shown(
        candidate.get(f"/fr/simulations/requests/{request_id}")
    )

    julien = signed_in(app, "julien.martin@example.com")
    slot = {"weekday": "3", "start_time": "08:00", "end_time": "12:00"}
    assert post_form(julien, "/en/interviewer-profile/slots", slot, page="/en/interviewer-profile").status_code == 302

    assert "libre le jeudi matin" in shown(candidate.get(f"/fr/simulations/requests/{request_id}"))


def test_an_invited_interviewer_is_not_proposed_again(app, candidate, make_interviewer, rankings):
    make_interviewer("julien.martin@example.com")
    make_interviewer("nora.petit@example.com")
    request_id = create_request(candidate, is_auto_invite="")
    candidate.get(f"/fr/simulations/requests/{request_id}")
    assert invite_all(candidate, request_id, app, ["julien.martin@example.com"]).status_code == 302
    page = shown(candidate.get(f"/fr/simulations/requests/{request_id}"))
    assert "Nora Interviewer" in page
    assert page.count("Julien Interviewer") == 1  # in the invitations, no longer among the proposals


def test_a_sign_in_does_not_empty_the_cache(app, candidate, make_interviewer, rankings):
    make_interviewer("julien.martin@example.com")
    request_id = create_request(candidate)
    candidate.get(f"/fr/simulations/requests/{request_id}")
    rankings.clear()
    signed_in(app, "julien.martin@example.com")  # records the sign-in on the member's row
    candidate.get(f"/fr/simulations/requests/{request_id}")
    assert rankings == []


def test_an_invitation_is_checked_against_a_fresh_ranking(app, candidate, make_interviewer):
    """The page may show a ranking from before a change no commit announced; inviting ranks again."""
    julien_id = make_interviewer("julien.martin@example.com")
    request_id = create_request(candidate, is_auto_invite="")
    candidate.get(f"/fr/simulations/requests/{request_id}")
    with app.app_context():
        # A bulk statement: no ORM event, so the cached ranking still proposes Julien.
        db.session.execute(
            update(InterviewerProfile).where(InterviewerProfile.user_id == julien_id).values(is_accepting=False)
        )
        db.session.commit()
    assert "Julien Interviewer" in shown(candidate.get(f"/fr/simulations/requests/{request_id}"))
    response = invite_all(candidate, request_id, app, ["julien.martin@example.com"])
    assert "Choisissez au moins l'un des interviewers proposés." in shown(candidate.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.scalar(select(func.count(SimulationInvitation.id))) == 0


def redis_url() -> str | None:
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return None
    return url


@pytest.fixture(params=["FileSystemCache", "RedisCache"])
def app_config(request, app_config, tmp_path):
    """A cache every worker sees: files (one machine) or Redis (several), as production uses."""
    if request.param == "RedisCache":
        url = redis_url()
        if url is None:
            pytest.skip("no Redis on 127.0.0.1:6379")
        app_config.update(CACHE_REDIS_URL=url, CACHE_KEY_PREFIX=f"test-{tmp_path.name}:")
    app_config.update(CACHE_TYPE=request.param, CACHE_DIR=str(tmp_path / "cache"))
    return app_config


def test_workers_share_rankings_and_their_end(app, app_config, candidate, make_interviewer, rankings):
    """Another worker (a second app on the same database and cache) reuses the ranking, and a change it
    commits makes this worker rank again."""
    make_interviewer("julien.martin@example.com")
    request_id = create_request(candidate)
    candidate.get(f"/fr/simulations/requests/{request_id}")

    other_worker = create_app(app_config)
    rankings.clear()
    other_candidate = other_worker.test_client()
    AuthActions(other_candidate).login("camille@example.com", lang="fr")
    assert "Julien Interviewer" in shown(other_candidate.get(f"/fr/simulations/requests/{request_id}"))
    assert rankings == []

    julien = signed_in(other_worker, "julien.martin@example.com")
    profile = {"languages": ["fr"], "modes": ["video"], "interview_types": ["case"], "weekly_capacity": "4"}
    assert post_form(julien, "/en/interviewer-profile", profile).status_code == 302  # stops accepting
    assert "Julien Interviewer" not in shown(candidate.get(f"/fr/simulations/requests/{request_id}"))


def test_reasons_are_written_in_the_language_of_each_view(app, candidate, make_interviewer):
    make_interviewer("julien.martin@example.com")
    request_id = create_request(candidate)
    assert "libre le mardi soir" in shown(candidate.get(f"/fr/simulations/requests/{request_id}"))
    assert "free on Tuesday evening" in shown(candidate.get(f"/en/simulations/requests/{request_id}"))
    assert "libre le mardi soir" in shown(candidate.get(f"/fr/simulations/requests/{request_id}"))
