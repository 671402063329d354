"""Fixtures for assessments: the starter bank, a signed-in candidate, helpers to take a test."""

import re

import pytest
from sqlalchemy import select

from app.assessments.bank import load_bank
from app.assessments.models import Attempt, Test
from app.extensions import db
from tests.conftest import csrf_from, signed_in


@pytest.fixture
def bank(app):
    """Load the starter bank; return {slug: test public id}."""
    with app.app_context():
        tests = load_bank()
        db.session.commit()
        return {test.slug: test.public_id for test in tests}


@pytest.fixture
def candidate(app, make_user):
    make_user("camille@example.com", locale="fr", first_name="Camille", last_name="Durand")
    return signed_in(app, "camille@example.com", lang="fr")


def start(client, test_id, lang="fr"):
    page = client.get(f"/{lang}/tests/{test_id}")
    assert page.status_code == 200
    response = client.post(f"/{lang}/tests/{test_id}/start", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"].rsplit("/", 1)[-1]


def item_fields(html: str) -> list[str]:
    """The item field names of a test page, in order."""
    return list(dict.fromkeys(re.findall(r'name="(item_[0-9a-f]{32})"', html)))


def post_page(client, attempt_id, answers: dict, action="next", lang="fr"):
    url = f"/{lang}/tests/attempts/{attempt_id}"
    page = client.get(url)
    return client.post(url, data={**answers, action: "1", "csrf_token": csrf_from(page.text)})


def attempt_row(app, public_id):
    with app.app_context():
        row = db.session.scalar(select(Attempt).where(Attempt.public_id == public_id))
        db.session.expunge_all()
        return row


def bank_items(app, slug):
    """[(item public id, type, key)] of the bank test, in page order."""
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.slug == slug))
        return [(item.public_id, item.type, item.key) for item in test.items]
