"""SQLite enforces its own rules on every connection the app opens, read back through the app's own engine
in each environment's settings, never through a connection the test set up by hand."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text

from app import create_app
from app.auth.models import User
from app.core.sqlite_writers import SQLITE_CACHE_KIB
from app.core.timeutil import utcnow
from app.extensions import db
from app.simulations.models import SimulationRequest, TimeWindow

SECRETS = {"SECRET_KEY": "x" * 48, "FILE_ENCRYPTION_KEY": "o0Y4BUXAN2Di9IUEYy-UYUhTpIATbsA_hcbzINttMlI="}


def _pragma(name: str):
    return db.session.execute(text(f"PRAGMA {name}")).scalar()


@pytest.mark.parametrize("environment", ["development", "testing", "production"])
def test_every_environment_enforces_foreign_keys_and_uses_the_write_ahead_log(tmp_path, environment):
    app = create_app(
        {"APP_ENV": environment, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}", **SECRETS}
    )
    with app.app_context():
        assert db.engine.dialect.name == "sqlite"
        # A fresh connection from the pool, as a request gets it, and the one a second request would get.
        for _ in range(2):
            assert _pragma("foreign_keys") == 1
            assert _pragma("journal_mode") == "wal"
            assert _pragma("synchronous") == 1  # NORMAL
            assert _pragma("secure_delete") == 1
            assert _pragma("cache_size") == -SQLITE_CACHE_KIB  # KiB (negative), not pages
            assert _pragma("busy_timeout") == app.config["SQLITE_BUSY_TIMEOUT_SECONDS"] * 1000
            db.session.remove()
            db.engine.dispose()


@pytest.mark.promise("right-erasure")
def test_deleting_a_member_cascades_to_her_requests_and_their_time_windows(app, make_user):
    user_id = make_user()
    with app.app_context():
        request = SimulationRequest(
            candidate_id=user_id, interview_type="case", mode="video", language="fr", timezone="Europe/Paris"
        )
        start = utcnow() + timedelta(days=3)
        request.windows.append(TimeWindow(start_dt=start, end_dt=start + timedelta(hours=2)))
        db.session.add(request)
        db.session.commit()
        # A statement, not the ORM: only the database's own ON DELETE CASCADE can remove the children.
        db.session.execute(delete(User).where(User.id == user_id))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(TimeWindow)) == 0
        assert db.session.scalar(select(func.count()).select_from(SimulationRequest)) == 0
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
