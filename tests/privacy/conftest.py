"""Privacy fixtures: a signed-in member, and registry entries that tests add for a while."""

from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import User
from app.core import registry
from app.extensions import db
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import AuthActions, csrf_from


@dataclass
class Member:
    client: FlaskClient
    auth: AuthActions
    user_id: int
    email: str

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, *, page="/en/privacy/dashboard", **kwargs):
        """POST with the CSRF token of `page` (the dashboard by default)."""
        token = csrf_from(self.client.get(page).text)
        return self.client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


@pytest.fixture
def sign_in(app, make_user):
    """Create a member and sign them in on a new client."""

    def make(email="member@example.com", **fields) -> Member:
        user_id = make_user(email, **fields)
        client = app.test_client()
        auth = AuthActions(client)
        auth.login(email)
        return Member(client=client, auth=auth, user_id=user_id, email=email)

    return make


@pytest.fixture
def member(sign_in) -> Member:
    return sign_in("member@example.com", first_name="Alice", last_name="Martin", phone="+33612345678")


@pytest.fixture
def admin(app, make_user):
    return sign_in_admin_with_two_step(app, make_user)


def load_user(app, user_id) -> User | None:
    with app.app_context():
        user = db.session.get(User, user_id)
        if user is not None:
            db.session.expunge(user)
        return user


def rows(app, model, **where) -> list:
    with app.app_context():
        # In the order they were made: without ORDER BY, PostgreSQL returns a table's rows in no set order (a table
        # emptied by DELETE after the previous test puts new rows wherever there is room).
        query = select(model).order_by(*model.__table__.primary_key.columns)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


@pytest.fixture
def extra_entry():
    """Register a registry entry for one test, and remove it afterwards."""
    added = []

    def add(entry):
        registry._ENTRIES[entry.key] = entry
        added.append(entry.key)
        return entry

    yield add
    for key in added:
        registry._ENTRIES.pop(key, None)
