"""Selects built once (app.core.prebuilt): on a pooled cursor while the request's session has begun nothing,
in the request's transaction once it has, so that a read always sees what the request itself changed."""

import pytest
from flask_login import current_user, login_required
from sqlalchemy import bindparam, exc, select

from app.auth.models import User
from app.core import prebuilt
from app.extensions import db
from tests.conftest import recorded_statements, signed_in

FIRST_NAME = select(User.first_name).where(User.email == bindparam("email"))
EVERY_NAME = select(User.first_name).where(User.email.in_(bindparam("emails", expanding=True)))


def test_a_read_before_anything_begun_leaves_the_session_without_a_transaction(app, make_user):
    make_user("alice@example.com")
    with app.app_context():
        assert prebuilt.rows(FIRST_NAME, email="alice@example.com") == [("Alice",)]
        assert prebuilt.one(FIRST_NAME, email="alice@example.com").first_name == "Alice"
        assert not db.session.registry.has() or not db.session().in_transaction()


def test_a_read_after_a_change_sees_the_change_the_request_has_not_committed(app, make_user):
    user_id = make_user("alice@example.com")
    with app.app_context():
        db.session.get(User, user_id).first_name = "Alicia"  # dirty, not flushed
        assert prebuilt.rows(FIRST_NAME, email="alice@example.com") == [("Alicia",)]
        db.session.rollback()
        db.session.add(User(email="bob@example.com", first_name="Bob", last_name="B", password_hash="x"))  # new
        assert prebuilt.one(FIRST_NAME, email="bob@example.com") == ("Bob",)
        db.session.rollback()
        assert prebuilt.rows(FIRST_NAME, email="bob@example.com") == []


def test_one_refuses_no_row_and_several_rows(app, make_user):
    make_user("alice@example.com")
    make_user("bob@example.com")
    with app.app_context():
        with pytest.raises(exc.NoResultFound):
            prebuilt.one(FIRST_NAME, email="nobody@example.com")
        with pytest.raises(exc.MultipleResultsFound):
            prebuilt.one(EVERY_NAME, emails=["alice@example.com", "bob@example.com"])


def test_a_select_with_an_in_list_is_read_in_the_session_each_time(app, make_user):
    """An expanding parameter is rendered on each execution: no compiled string can be kept for it."""
    make_user("alice@example.com", first_name="Alice")
    make_user("bob@example.com", first_name="Bob")
    with app.app_context():
        for _ in range(2):
            found = prebuilt.rows(EVERY_NAME, emails=["alice@example.com", "bob@example.com"])
            assert sorted(name for (name,) in found) == ["Alice", "Bob"]
            db.session.rollback()
    assert prebuilt._POOLED[EVERY_NAME] is None


@pytest.mark.own_app  # adds a route
def test_a_page_that_reads_prebuilt_selects_never_begins_the_orm_session(app, make_user):
    """The home page's next steps, for instance: every statement on the pool, none through the session."""
    make_user("alice@example.com")

    @app.route("/test/prebuilt-only")
    @login_required
    def prebuilt_only():
        (name,) = prebuilt.one(FIRST_NAME, email=current_user.email)
        return f"{name}: {db.session.registry.has() and db.session().in_transaction()}"

    client = signed_in(app, "alice@example.com")
    assert client.get("/test/prebuilt-only").status_code == 200  # warm-up
    with recorded_statements(app) as statements:
        assert client.get("/test/prebuilt-only").text == "Alice: False"
    assert sum("user_account.first_name" in statement for statement in statements) >= 1
