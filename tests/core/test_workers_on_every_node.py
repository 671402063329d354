"""Workers and periodic jobs that may run on every node: each e-mail goes out once, each job runs once.

The two-sender test runs real `flask mail send` processes against a fresh PostgreSQL database (the database
several nodes share) and counts what a real SMTP server received.
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import create_engine, func, insert, select

from app import create_app
from app.auth.models import User
from app.core.jobs import JobLease, give_back, take_lease
from app.core.mail import OutboxMessage, OutboxStatus
from app.core.timeutil import utcnow
from app.extensions import db
from tests.conftest import SmtpSink
from tests.live_servers import fresh_postgres_database
from tests.privacy.conftest import load_user

FLASK = str(Path(sys.executable).with_name("flask"))


def _node_environment(database_url: str, **extra) -> dict:
    return {
        **os.environ,
        "APP_ENV": "testing",
        "FLASK_APP": "wsgi",
        "DATABASE_URL": database_url,
        **{key: str(value) for key, value in extra.items()},
    }


def _start(args, env) -> subprocess.Popen:
    return subprocess.Popen([FLASK, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_mail_senders_deliver_each_of_1000_messages_exactly_once(tmp_path):
    with fresh_postgres_database("mail_workers") as url:
        app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp_path)})
        with app.app_context():
            db.create_all()
            db.session.execute(
                insert(OutboxMessage),
                [
                    {
                        "to_address": f"member{n}@example.com",
                        "subject": f"Message {n}",
                        "body_text": f"n={n}",
                        "body_html": f"<p>{n}</p>",
                    }
                    for n in range(1000)
                ],
            )
            db.session.commit()
        sink = SmtpSink()
        sink.controller.start()
        try:
            env = _node_environment(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
            senders = [_start(["mail", "send", "--until-empty"], env) for _ in range(2)]
            outputs = [sender.communicate(timeout=240)[0] for sender in senders]
        finally:
            sink.controller.stop()
        assert all(sender.returncode == 0 for sender in senders), outputs
        subjects = [message["Subject"] for message in sink.messages]
        assert len(subjects) == 1000
        assert len(set(subjects)) == 1000  # no duplicate
        sent_by_each = [
            sum(int(line.split()[1].rstrip(",")) for line in out.splitlines() if line.startswith("sent "))
            for out in outputs
        ]
        assert sum(sent_by_each) == 1000 and all(sent_by_each), sent_by_each  # both worked, neither twice
        with app.app_context():
            assert db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)) == 1000
            db.engine.dispose()


def test_periodic_jobs_started_on_two_nodes_at_once_do_the_work_once(tmp_path):
    with fresh_postgres_database("periodic_jobs") as url:
        app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp_path)})
        with app.app_context():
            db.create_all()
            with freeze_time(utcnow() - timedelta(days=31)):
                for n in range(40):
                    db.session.add(
                        User(
                            email=f"old{n}@example.com",
                            first_name="Old",
                            last_name=str(n),
                            password_hash="x",
                            locale="en",
                        )
                    )
                db.session.commit()
        env = _node_environment(url)
        for job in (["privacy", "purge"], ["simulations", "remind"], ["assessments", "close-overdue"]):
            nodes = [_start(job, env) for _ in range(2)]
            outputs = [node.communicate(timeout=120)[0] for node in nodes]
            assert all(node.returncode == 0 for node in nodes), outputs
            if job == ["privacy", "purge"]:
                erased = [
                    int(line.rsplit(" ", 1)[1])
                    for out in outputs
                    for line in out.splitlines()
                    if line.startswith("unverified_accounts: deleted or anonymised")
                ]
                # Both at once: one did the work and the other said so, or (when the first had already
                # finished) found nothing left to do. Never both erasing.
                assert sum(erased) == 40, outputs
                said = [out for out in outputs if "already running on" in out]
                assert len(said) + len(erased) == 2
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(User)) == 0
            assert all(lease.expires_dt <= utcnow() for lease in db.session.scalars(select(JobLease)))
            db.engine.dispose()
        create_engine(url).dispose()


def test_a_job_whose_lease_another_node_holds_does_nothing_and_says_so(app, runner, make_user):
    with freeze_time(utcnow() - timedelta(days=31)):
        old_id = make_user("old@example.com", verified=False)
    with app.app_context():
        assert take_lease("privacy-purge", timedelta(hours=2), holder="node-b:4242") is None
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0
    assert "privacy-purge: already running on node-b:4242 since" in result.output
    assert "unverified_accounts" not in result.output
    assert load_user(app, old_id) is not None

    with app.app_context():
        give_back("privacy-purge", holder="node-b:4242")
    done = runner.invoke(args=["privacy", "purge"])
    assert "unverified_accounts: deleted or anonymised 1" in done.output
    assert load_user(app, old_id) is None


def test_a_lease_left_by_a_node_that_died_expires(app, runner):
    with app.app_context():
        with freeze_time(utcnow() - timedelta(hours=3)):
            assert take_lease("simulations-remind", timedelta(hours=2), holder="dead-node:1") is None
        assert take_lease("simulations-remind", timedelta(hours=2), holder="dead-node:2") is None  # expired: taken
        busy = take_lease("simulations-remind", timedelta(hours=2), holder="node-c:3")
        assert busy is not None and busy.holder == "dead-node:2"
    assert "already running on dead-node:2" in runner.invoke(args=["simulations", "remind"]).output


@pytest.mark.parametrize("job", [["simulations", "remind"], ["assessments", "close-overdue"]])
def test_each_periodic_job_gives_its_lease_back_when_it_ends(app, runner, job):
    first = runner.invoke(args=job)
    assert first.exit_code == 0 and "already running" not in first.output
    second = runner.invoke(args=job)
    assert second.exit_code == 0 and "already running" not in second.output
