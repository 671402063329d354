"""The session's read on a pooled DBAPI cursor (app.core.pooled_read): the values SQLAlchemy's own execution
gives, riders added after the first read, nothing for an ended session, the connection back in the pool,
driver errors as SQLAlchemy's, and every statement seen by the statement counters."""

from datetime import datetime

import pytest
from flask_login import current_user, login_required
from sqlalchemy import DateTime, bindparam, exc, func, literal_column, select, update

from app.auth import member as member_module
from app.auth import services
from app.auth.member import read_rider, read_with_session, session_read, session_statement
from app.auth.models import Role, User, UserSession
from app.core import crypto
from app.core.pooled_read import PooledSelect
from app.extensions import db
from tests.conftest import recorded_statements


@pytest.fixture
def token(app, make_user):
    """The token of an open session of a member with two roles (the statement gives a row per role)."""
    user_id = make_user("member@example.com", roles=(Role.CANDIDATE, Role.CLIENT))
    with app.test_request_context("/en/dashboard"):
        token = services.start_session(db.session.get(User, user_id), remember=False, mfa_verified=False).token
        db.session.commit()
    return token


def by_token(token: str) -> dict:
    return {"token_hash": crypto.sha256_hex(token)}


def test_the_values_are_those_of_sqlalchemys_execution_with_their_types(app, token):
    with app.app_context():
        core = db.session.execute(session_statement(), by_token(token)).all()
        db.session.remove()
        pooled = session_read().rows(db.engine, by_token(token))
    assert len(pooled) == len(core) == 2
    for fast, slow in zip(pooled, core, strict=True):
        assert tuple(fast) == tuple(slow)
        assert [type(value) for value in fast] == [type(value) for value in slow]
    first = pooled[0]
    assert type(first.last_seen_dt) is datetime and type(first.expires_dt) is datetime  # not SQLite's text
    assert type(first.is_remembered) is bool and type(first.is_suspended) is bool  # not SQLite's 0 and 1
    assert first.session_id == core[0].session_id and first.expires_dt == core[0].expires_dt
    assert first[0] == first.session_id  # by position too, as SignedInMember.from_rows reads it


def test_datetime_parameters_go_through_the_bind_processors(app, token):
    """SQLite keeps datetimes as text: a datetime bound without SQLAlchemy's processor would be written in
    sqlite3's own format and match no stored value."""
    with app.app_context():
        whole_second = db.session.scalar(select(UserSession.last_seen_dt)).replace(microsecond=0)
        db.session.execute(update(UserSession).values(last_seen_dt=whole_second))
        db.session.commit()
        query = PooledSelect(
            select(UserSession.id).where(UserSession.last_seen_dt == bindparam("seen", type_=DateTime()))
        )
        assert len(query.rows(db.engine, {"seen": whole_second})) == 1
        assert query.rows(db.engine, {"seen": whole_second.replace(year=2000)}) == []


def test_a_rider_added_after_the_first_read_is_read(app, token):
    with app.test_request_context("/en/dashboard"):
        assert services.load_session(token) is not None  # compiled without the rider
        compiled_first = session_read()
        read_with_session("test_member_count", select(func.count(User.id)))
        try:
            assert session_read() is not compiled_first
            assert services.load_session(token) is not None
            assert read_rider("test_member_count") == (1,)
        finally:
            del member_module._RIDERS["test_member_count"]
            session_statement.cache_clear()
            session_read.cache_clear()
            member_module._rider_positions.cache_clear()


def test_an_ended_session_gives_no_rows(app, token):
    with app.test_request_context("/en/dashboard"):
        assert session_read().rows(db.engine, by_token(token))
        user_session = db.session.scalar(select(UserSession))
        services.end_session(user_session, services.EndReason.LOGOUT)
        db.session.commit()
        assert session_read().rows(db.engine, by_token(token)) == []
        assert session_read().rows(db.engine, by_token("no such token")) == []


def test_the_connection_goes_back_to_the_pool_after_a_read_and_after_an_error(app, token):
    with app.app_context():
        pool = db.engine.pool
        checked_out = pool.checkedout()
        assert session_read().rows(db.engine, by_token(token))
        assert pool.checkedout() == checked_out
        with pytest.raises(exc.DBAPIError):  # SQLAlchemy's error, as the error pages expect
            PooledSelect(select(literal_column("no_such_column"))).rows(db.engine, {})
        assert pool.checkedout() == checked_out
        assert session_read().rows(db.engine, by_token(token))  # the connection is usable again


def signed_in_with(app, token: str):
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = token
        cookie["_fresh"] = True
    return client


def test_a_signed_in_page_reads_on_the_pool_and_the_counters_see_it(app, token):
    client = signed_in_with(app, token)
    assert client.get("/en/dashboard").status_code == 200  # warm-up: first-time reads and writes
    with recorded_statements(app) as statements:
        assert client.get("/en/account/sessions").status_code == 200
    assert sum("FROM user_session JOIN user_account" in statement for statement in statements) == 1


@pytest.mark.own_app  # adds a route
def test_a_page_that_needs_only_the_member_never_begins_the_orm_session(app, token):
    @app.route("/test/member-only")
    @login_required
    def member_only():
        return f"{current_user.first_name}: {db.session.registry.has()}"

    client = signed_in_with(app, token)
    assert client.get("/test/member-only").status_code == 200  # warm-up: the process reads the policy versions
    assert client.get("/test/member-only").text == "Alice: False"
