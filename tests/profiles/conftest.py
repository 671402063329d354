"""Fixtures for the profile tests."""

import pytest

from tests.conftest import AuthActions


@pytest.fixture
def candidate(app, make_user):
    user_id = make_user("camille@example.com", first_name="Camille", last_name="Durand")
    client = app.test_client()
    AuthActions(client).login("camille@example.com")
    client.user_id = user_id
    return client
