"""`flask privacy purge`: each registry entry's period, unverified accounts, dry run, idempotence."""

from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, delete, func, insert, select

from app.auth.models import User, UserSession
from app.core.audit import AuditEvent, EventKind, record_event
from app.core.registry import LegalBasis, PersonalDataEntry
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import ErasureJob
from tests.privacy.conftest import load_user, rows


def add_event(app, user_id, kind, when):
    with app.app_context():
        event = record_event(kind, user_id=user_id)
        event.created_dt = when
        db.session.commit()


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.promise("retention-login-records-12-months")
def test_sign_in_records_go_after_12_months_and_other_events_stay(app, runner, make_user):
    user_id = make_user("member@example.com")
    now = utcnow()
    add_event(app, user_id, EventKind.LOGIN_SUCCESS, now - timedelta(days=366))
    add_event(app, user_id, EventKind.LOGIN_FAILURE, now - timedelta(days=400))
    add_event(app, user_id, EventKind.LOGIN_SUCCESS, now - timedelta(days=300))
    add_event(app, user_id, EventKind.PASSWORD_CHANGED, now - timedelta(days=800))
    old_logins = (AuditEvent.kind.in_(["login_success", "login_failure"]), AuditEvent.user_id == user_id)

    dry = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "security_events: would delete or anonymise 2" in dry.output
    assert count(app, AuditEvent, *old_logins) == 3

    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "security_events: deleted or anonymised 2" in result.output
    assert count(app, AuditEvent, *old_logins) == 1
    assert count(app, AuditEvent, AuditEvent.kind == "password_changed") == 1

    again = runner.invoke(args=["privacy", "purge"])
    assert "security_events: deleted or anonymised 0" in again.output and "total: 0" in again.output


def test_login_record_period_is_configurable(app_config, request):
    app_config["LOGIN_RECORD_RETENTION"] = timedelta(days=30)
    app = request.getfixturevalue("app")
    user_id = request.getfixturevalue("make_user")("member@example.com")
    add_event(app, user_id, EventKind.LOGIN_SUCCESS, utcnow() - timedelta(days=31))
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert "security_events: deleted or anonymised 1" in result.output


def test_ended_sessions_with_ip_addresses_go_after_12_months(app, runner, make_user, auth):
    make_user("member@example.com")
    with freeze_time(utcnow() - timedelta(days=400)):
        auth.login("member@example.com")
        auth.logout()
    auth.login("member@example.com")
    assert count(app, UserSession) == 2
    result = runner.invoke(args=["privacy", "purge"])
    assert "sessions: deleted or anonymised 1" in result.output
    assert count(app, UserSession) == 1


@pytest.mark.promise("retention-unverified-30-days")
def test_unverified_accounts_are_erased_after_30_days(app, runner, make_user):
    with freeze_time(utcnow() - timedelta(days=31)):
        old_id = make_user("old@example.com", verified=False)
        verified_id = make_user("verified@example.com", verified=True)
        phone_only = make_user("phone@example.com", verified=False)
    recent_id = make_user("recent@example.com", verified=False)
    with app.app_context():
        db.session.get(User, phone_only).email = None
        db.session.get(User, phone_only).phone = "+33611111111"
        db.session.commit()

    dry = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert "unverified_accounts: would delete or anonymise 1" in dry.output
    assert load_user(app, old_id) is not None

    result = runner.invoke(args=["privacy", "purge"])
    assert "unverified_accounts: deleted or anonymised 1" in result.output
    assert load_user(app, old_id) is None
    assert load_user(app, verified_id) and load_user(app, recent_id) and load_user(app, phone_only)
    assert count(app, AuditEvent, AuditEvent.user_id == old_id) == 0
    [job] = rows(app, ErasureJob)
    assert job.requested_by == "retention" and job.status == "done"
    assert "unverified_accounts: deleted or anonymised 0" in runner.invoke(args=["privacy", "purge"]).output


@pytest.mark.promise("retention-client-data-2-years")
def test_an_entrys_purge_applies_its_period_when_the_clock_moves(app, runner, make_user, extra_entry):
    """Data made available to clients: the entry's purge deletes what is older than 2 years."""
    table = Table(
        "test_client_share",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("user_id", Integer),
        Column("result", String(50)),
        Column("shared_dt", DateTime),
    )
    with app.app_context():
        table.create(db.engine, checkfirst=True)

    def purge(now):
        limit = now.replace(year=now.year - 2)
        return db.session.execute(delete(table).where(table.c.shared_dt < limit)).rowcount

    extra_entry(
        PersonalDataEntry(
            key="test_client_results",
            category="Results made available to clients",
            purpose="Testing",
            legal_basis=LegalBasis.CONTRACT,
            retention_period=timedelta(days=730),
            purge=purge,
        )
    )
    user_id = make_user("member@example.com")
    with app.app_context():
        db.session.execute(insert(table).values(user_id=user_id, result="82", shared_dt=datetime(2026, 11, 1)))
        db.session.commit()
    try:
        with freeze_time("2028-10-31 12:00:00"):
            assert "test_client_results: deleted or anonymised 0" in runner.invoke(args=["privacy", "purge"]).output
        with freeze_time("2028-11-02 12:00:00"):
            assert "test_client_results: deleted or anonymised 1" in runner.invoke(args=["privacy", "purge"]).output
            assert "test_client_results: deleted or anonymised 0" in runner.invoke(args=["privacy", "purge"]).output
    finally:
        with app.app_context():
            table.drop(db.engine)


def test_a_failing_purge_is_reported_and_exits_non_zero(app, runner, extra_entry):
    def broken(now):
        raise RuntimeError("nope")

    extra_entry(
        PersonalDataEntry(
            key="test_broken_purge", category="x", purpose="x", legal_basis=LegalBasis.CONTRACT, purge=broken
        )
    )
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 1
    assert "test_broken_purge: FAILED (RuntimeError), will be retried" in result.output
    assert "security_events: deleted or anonymised 0" in result.output  # the others still ran
