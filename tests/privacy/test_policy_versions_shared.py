"""Policy versions are kept by each process between requests: a version published through one worker (or node)
is seen by every other one at its next request, without a restart."""

from datetime import timedelta

import pytest
from freezegun import freeze_time

from app import create_app
from app.core.timeutil import utcnow
from app.extensions import db
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import AuthActions, shown
from tests.privacy.test_policy_versions import publish


@pytest.fixture
def other_worker(app, app_config):
    """A second app on the same database, as another gunicorn worker or another node runs it."""
    other = create_app(app_config)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.promise("change-notice")
def test_a_version_published_through_one_worker_is_enforced_by_another_at_its_next_request(
    app, other_worker, make_user
):
    make_user("anne@example.com")
    anne = other_worker.test_client()
    AuthActions(anne).login("anne@example.com")
    before = shown(anne.get("/en/dashboard"))  # the other worker reads the versions and keeps them
    assert "Our privacy policy changes on" not in before
    assert "Version 2.0, in force since" in shown(other_worker.test_client().get("/en/privacy"))

    admin = sign_in_admin_with_two_step(app, make_user)
    effective = utcnow().date() + timedelta(days=30)
    assert publish(admin, version="3.0", effective_date=effective.isoformat()).status_code == 302

    # Announced at once on the other worker: the banner of a signed-in page...
    page = shown(anne.get("/en/dashboard"))
    assert "Our privacy policy changes on" in page and "(version 3.0)" in page
    with freeze_time(effective.isoformat() + " 09:00:00"):
        # ... then, once it takes effect, required there before anything else (a new sign-in on that worker)...
        again = other_worker.test_client()
        landing = again.get(AuthActions(again).login("anne@example.com").headers["Location"])
        assert landing.status_code == 302 and landing.headers["Location"] == "/en/privacy/accept"
        assert "Version 3.0 of our privacy policy took effect on" in shown(again.get("/en/privacy/accept"))
        # ... and in force on its public policy page, which no session reads.
        assert "Version 3.0, in force since" in shown(other_worker.test_client().get("/en/privacy"))
