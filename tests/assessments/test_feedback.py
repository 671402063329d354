"""Rating a test after submitting it: the accessible form on the result page, once per attempt, bad input,
other members' attempts, and the personal-data registry entry (export, erasure, count)."""

import re

import pytest
from sqlalchemy import func, select

from app.assessments.models import Attempt, TestFeedback
from app.auth.models import Role, User
from app.core import registry
from app.extensions import db
from tests.assessments.populate import make_test, open_attempt, submitted_attempt
from tests.conftest import csrf_from, shown, signed_in


@pytest.fixture
def taker(app, make_user):
    user_id = make_user("taker@example.com", first_name="Camille", last_name="Durand")
    test_id = make_test(app)
    attempt_id = submitted_attempt(app, user_id, test_id, {0: "1", 2: "92"})
    client = signed_in(app, "taker@example.com", lang="en")
    return client, user_id, test_id, attempt_id


def result_url(attempt_id, lang="en"):
    return f"/{lang}/tests/attempts/{attempt_id}/result"


def rate(client, attempt_id, data, lang="en"):
    page = client.get(result_url(attempt_id, lang))
    return client.post(f"/{lang}/tests/attempts/{attempt_id}/rating", data={**data, "csrf_token": csrf_from(page.text)})


def feedback_rows(app):
    with app.app_context():
        rows = list(db.session.scalars(select(TestFeedback)))
        db.session.expunge_all()
        return rows


def test_the_result_page_offers_an_accessible_rating_form(taker):
    client, _user_id, _test_id, attempt_id = taker
    page = client.get(result_url(attempt_id)).text
    form = page.split('id="rating"')[1].split("</section>")[0]
    assert "<fieldset" in form and "<legend>Your rating of this test</legend>" in form
    assert len(re.findall(r'type="radio"[^>]*name="rating"|name="rating"[^>]*type="radio"', form)) == 5
    assert "5 – Excellent" in form and 'maxlength="1000"' in form
    assert re.search(r'<label for="comment">Comment \(optional\)</label>', form)


def test_rating_once_then_the_form_becomes_the_rating(app, taker):
    client, _user_id, test_id, attempt_id = taker
    response = rate(client, attempt_id, {"rating": "4", "comment": "  Clear, but the timer stresses me.  "})
    assert response.status_code == 302 and response.headers["Location"].endswith("/result#rating")
    page = shown(client.get(response.headers["Location"]))
    assert "Thank you: your rating (4/5) helps the authors improve this test." in page
    assert "You rated this test 4/5." in page and 'name="rating"' not in page
    [row] = feedback_rows(app)
    assert (row.rating, row.comment) == (4, "Clear, but the timer stresses me.")
    with app.app_context():
        assert row.attempt_id == db.session.scalar(select(Attempt.id).where(Attempt.public_id == attempt_id))

    # A second post (another tab, a replay) changes nothing and says so.
    csrf = csrf_from(client.get("/en/dashboard").text)
    again = client.post(f"/en/tests/attempts/{attempt_id}/rating", data={"rating": "1", "csrf_token": csrf})
    assert again.status_code == 302
    assert "Your rating of this test was already recorded." in shown(client.get(again.headers["Location"]))
    assert [(row.rating, row.comment) for row in feedback_rows(app)] == [(4, "Clear, but the timer stresses me.")]


@pytest.mark.parametrize(
    ("lang", "data", "message"),
    [
        ("en", {"comment": "No rating"}, "Choose a rating from 1 to 5."),
        ("en", {"rating": "6", "comment": "No rating"}, "Choose a rating from 1 to 5."),
        ("en", {"rating": "four", "comment": "No rating"}, "Choose a rating from 1 to 5."),
        ("en", {"rating": "0", "comment": "No rating"}, "Choose a rating from 1 to 5."),
        ("en", {"rating": "3", "comment": "x" * 1001}, "Your comment can have at most 1000 characters."),
        # French: passes once /work/tr/statistics.json is merged into the catalog.
        ("fr", {"rating": "9", "comment": "No rating"}, "Choisissez une note de 1 à 5."),
    ],
)
def test_bad_input_shows_the_error_next_to_the_field_and_keeps_the_comment(app, taker, lang, data, message):
    client, _user_id, _test_id, attempt_id = taker
    response = rate(client, attempt_id, data, lang=lang)
    assert response.status_code == 200
    page = shown(response)
    assert message in page.split('id="rating"')[1]
    assert data["comment"][:50] in page  # what was typed stays
    assert feedback_rows(app) == []


def test_a_stale_form_changes_nothing(app, taker):
    client, _user_id, _test_id, attempt_id = taker
    response = client.post(f"/en/tests/attempts/{attempt_id}/rating", data={"rating": "5"})
    assert response.status_code == 200
    assert "Your form has expired" in shown(response)
    assert feedback_rows(app) == []


def test_only_the_candidate_of_a_submitted_attempt_may_rate(app, taker, make_user):
    client, _user_id, test_id, attempt_id = taker
    make_user("other@example.com")
    other = signed_in(app, "other@example.com")
    csrf = csrf_from(other.get("/en/dashboard").text)
    assert (
        other.post(f"/en/tests/attempts/{attempt_id}/rating", data={"rating": "1", "csrf_token": csrf}).status_code
        == 404
    )
    assert other.get(result_url(attempt_id)).status_code == 404
    make_user("author@example.com", roles=(Role.TEST_AUTHOR,))
    author = signed_in(app, "author@example.com")
    csrf = csrf_from(author.get("/en/dashboard").text)
    assert (
        author.post(f"/en/tests/attempts/{attempt_id}/rating", data={"rating": "1", "csrf_token": csrf}).status_code
        == 403
    )
    # Not submitted yet: sent back to the test, nothing recorded.
    with app.app_context():
        taker_id = db.session.scalar(select(User.id).where(User.email == "taker@example.com"))
    running = open_attempt(app, taker_id, make_test(app))  # a new version of the test, started, not submitted
    csrf = csrf_from(client.get("/en/dashboard").text)
    response = client.post(f"/en/tests/attempts/{running}/rating", data={"rating": "5", "csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attempts/{running}")
    assert feedback_rows(app) == []


def test_registry_exports_counts_and_erases_ratings(app, taker):
    client, user_id, _test_id, attempt_id = taker
    rate(client, attempt_id, {"rating": "2", "comment": "My name is Camille and I disliked item 3"})
    entry = registry.find("assessment_feedback")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert entry.count(user) == 1
        assert [(row["test"], row["rating"], row["comment"]) for row in entry.export(user)] == [
            ("stats-sample", 2, "My name is Camille and I disliked item 3")
        ]
        assert entry.erase(user) == 1
        db.session.commit()
        assert entry.count(user) == 0 and entry.export(user) == []
        # The rating stays for the averages, with neither the link nor the comment.
        row = db.session.scalars(select(TestFeedback)).one()
        assert (row.rating, row.attempt_id, row.comment) == (2, None, "")
        assert db.session.scalar(select(func.count(TestFeedback.id))) == 1


def test_the_privacy_dashboard_lists_the_ratings(app, taker):
    client, _user_id, _test_id, attempt_id = taker
    rate(client, attempt_id, {"rating": "5"})
    page = shown(client.get("/en/privacy/dashboard"))
    assert "Your ratings and comments on tests you took" in page
