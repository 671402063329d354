"""`flask demo scale`: volume data that the portal's own pages, export and purge work on."""

import json

from sqlalchemy import func, select

from app.assessments.models import Answer, Attempt, Result
from app.auth.models import User
from app.demo import DEMO_PASSWORD
from app.demo.scale import BENCH_CLIENT, BENCH_HEAVY, bench_candidate_email
from app.extensions import db
from app.simulations.models import InterviewSession, SimulationRequest
from tests.conftest import AuthActions, csrf_from

SMALL = [
    "--members",
    "120",
    "--interviewers",
    "10",
    "--simulations",
    "30",
    "--answers",
    "800",
    "--bench-candidates",
    "2",
]


def _scale(runner):
    result = runner.invoke(args=["demo", "scale", *SMALL])
    assert result.exit_code == 0, result.output
    return result


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_scale_fills_every_feature_with_bilingual_members(app, runner):
    result = _scale(runner)
    assert "assessment_answer:" in result.output
    with app.app_context():
        assert _count(User) >= 120
        assert _count(Answer) >= 800
        assert _count(Result) > 0 and _count(InterviewSession) > 0
        assert _count(SimulationRequest) >= 30
        assert set(db.session.scalars(select(User.locale).distinct())) == {"fr", "en"}
        heavy = db.session.scalar(select(User).where(User.email == BENCH_HEAVY))
        heavy_attempts = db.session.scalar(select(func.count(Attempt.id)).where(Attempt.candidate_id == heavy.id))
        most_by_anyone_else = db.session.scalar(
            select(func.count(Attempt.id))
            .where(Attempt.candidate_id != heavy.id)
            .group_by(Attempt.candidate_id)
            .order_by(func.count(Attempt.id).desc())
            .limit(1)
        )
        assert heavy_attempts > most_by_anyone_else


def test_scale_refuses_to_run_twice_on_the_same_database(app, runner):
    _scale(runner)
    again = runner.invoke(args=["demo", "scale", *SMALL])
    assert again.exit_code != 0 and "already has the volume data" in again.output


def test_bench_candidate_signs_in_and_autosaves_into_the_open_attempt(app, runner):
    _scale(runner)
    client = app.test_client()
    response = AuthActions(client).login(bench_candidate_email(1), DEMO_PASSWORD, lang="en")
    assert response.headers["Location"] == "/en/dashboard"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == bench_candidate_email(1)))
        attempt = db.session.scalar(
            select(Attempt).where(Attempt.candidate_id == user.id, Attempt.submitted_dt.is_(None))
        )
        item = attempt.test.items[5]
        attempt_public_id, item_public_id, attempt_id = attempt.public_id, item.public_id, attempt.id
    page = client.get(f"/{user.locale}/tests/attempts/{attempt_public_id}")
    assert page.status_code == 200
    saved = client.post(
        f"/{user.locale}/tests/attempts/{attempt_public_id}/answers",
        data=json.dumps({"item": item_public_id, "value": 0}),
        headers={"X-CSRFToken": csrf_from(page.text), "Content-Type": "application/json"},
    )
    assert saved.status_code == 200 and saved.json["ok"] is True
    with app.app_context():
        assert db.session.scalar(select(func.count(Answer.id)).where(Answer.attempt_id == attempt_id)) == 4


def test_the_bench_client_and_new_rows_after_the_bulk_insert(app, runner):
    """Ids were chosen by the generator: the portal's own inserts must still get free ids (PostgreSQL)."""
    _scale(runner)
    response = AuthActions(app.test_client()).login(BENCH_CLIENT, DEMO_PASSWORD, lang="en")
    assert response.status_code == 302
    with app.app_context():
        db.session.add(User(email="after@example.com", first_name="A", last_name="B", password_hash="x"))
        db.session.commit()


def test_heavy_member_export_and_purge_over_the_volume_data(app, runner):
    from app.privacy.export import build_export
    from app.privacy.retention import purge

    _scale(runner)
    with app.test_request_context("/fr/privacy/dashboard"):
        heavy = db.session.scalar(select(User).where(User.email == BENCH_HEAVY))
        archive = build_export(heavy)
        assert "assessment_attempts.json" in archive.names
        attempts = json.loads(_read(archive, "assessment_attempts.json"))
        assert len(attempts) == 200
        answers = db.session.scalar(select(func.count(Answer.id)).join(Attempt).where(Attempt.candidate_id == heavy.id))
        assert sum(len(attempt["answers"]) for attempt in attempts) == answers > 200
        db.session.rollback()
        report = purge()
        db.session.commit()
        assert report.counts["unverified_accounts"] > 0 and report.counts["security_events"] > 0
        assert not report.failed


def _read(archive, name: str) -> str:
    import io
    import zipfile

    return zipfile.ZipFile(io.BytesIO(archive.data)).read(name).decode()
