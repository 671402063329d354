"""Taking a practice test: start, pages saved without JavaScript, resume after a new login, the server deadline,
a double submit counted once, the result page and e-mail, and other members' attempts answering 404."""

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from app.assessments.models import Answer, Attempt, Result
from app.core.timeutil import utcnow
from app.extensions import db
from tests.assessments.conftest import attempt_row, bank_items, item_fields, post_page, start
from tests.conftest import csrf_from, outbox, shown, signed_in


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def test_list_and_instructions_in_both_languages(app, bank, candidate):
    page = shown(candidate.get("/fr/tests/"))
    assert "Raisonnement numérique" in page and "Bases de SQL" in page
    page = shown(candidate.get(f"/en/tests/{bank['numerical-reasoning']}"))
    assert "Numerical reasoning" in page and "16 questions" in page
    assert count(app, Attempt) == 0  # looking changes nothing


def test_start_needs_a_post_with_csrf(app, bank, candidate):
    assert candidate.get(f"/fr/tests/{bank['sql-basics']}/start").status_code == 405
    assert candidate.post(f"/fr/tests/{bank['sql-basics']}/start").status_code in (302, 400)
    assert count(app, Attempt) == 0


def test_the_deadline_is_fixed_on_the_server_with_the_accommodation(app, bank, make_user):
    from app.assessments.services import set_accommodation
    from app.auth.models import User

    make_user("slow@example.com")
    with app.app_context():
        set_accommodation(db.session.scalar(select(User).where(User.email == "slow@example.com")), 1.5, "dyslexia")
        db.session.commit()
    client = signed_in(app, "slow@example.com")
    assert "extra time" in shown(client.get(f"/en/tests/{bank['numerical-reasoning']}"))
    attempt = attempt_row(app, start(client, bank["numerical-reasoning"], lang="en"))
    assert attempt.deadline_dt - attempt.started_dt == timedelta(minutes=30)  # 20 × 1.5


def test_pages_save_and_resume_after_a_new_login(app, bank, candidate):
    attempt_id = start(candidate, bank["numerical-reasoning"])
    items = bank_items(app, "numerical-reasoning")
    first_page = item_fields(candidate.get(f"/fr/tests/attempts/{attempt_id}").text)
    assert first_page == [f"item_{public_id}" for public_id, _, _ in items[:5]]
    response = post_page(candidate, attempt_id, {first_page[0]: "92", first_page[1]: "20,0", first_page[2]: "0"})
    assert response.status_code == 302
    assert attempt_row(app, attempt_id).page == 1

    again = signed_in(app, "camille@example.com", lang="fr")  # another browser, a new login
    page = again.get(f"/fr/tests/attempts/{attempt_id}")
    assert item_fields(page.text) == [f"item_{public_id}" for public_id, _, _ in items[5:10]]
    back = post_page(again, attempt_id, {}, action="previous")
    assert back.status_code == 302
    page = again.get(f"/fr/tests/attempts/{attempt_id}").text
    assert 'value="92"' in page and 'value="20"' in page
    # The instructions page offers to resume, and starting again resumes the same attempt.
    assert start(again, bank["numerical-reasoning"]) == attempt_id
    assert count(app, Attempt) == 1


def test_an_invalid_answer_stays_on_the_page_with_a_message(app, bank, candidate):
    attempt_id = start(candidate, bank["numerical-reasoning"])
    fields = item_fields(candidate.get(f"/fr/tests/attempts/{attempt_id}").text)
    response = post_page(candidate, attempt_id, {fields[0]: "quatre-vingt-douze"})
    assert response.status_code == 200
    assert "Cette réponse n'est pas valide pour la question." in shown(response)
    assert count(app, Answer) == 0


def test_autosave_upserts_one_answer(app, bank, candidate):
    attempt_id = start(candidate, bank["sql-basics"])
    token = csrf_from(candidate.get(f"/fr/tests/attempts/{attempt_id}").text)
    first_item = bank_items(app, "sql-basics")[0][0]
    url = f"/fr/tests/attempts/{attempt_id}/answers"
    for value in ("1", "0"):
        response = candidate.post(url, json={"item": first_item, "value": value}, headers={"X-CSRFToken": token})
        assert response.status_code == 200 and response.json["ok"]
    assert candidate.post(url, json={"item": first_item, "value": "0"}).status_code == 400  # no CSRF token
    assert candidate.post(url, json={"item": "0" * 32, "value": "0"}, headers={"X-CSRFToken": token}).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Answer.value)).all() == [0]


def test_the_deadline_submits_what_was_saved_and_refuses_later_answers(app, bank, candidate):
    items = bank_items(app, "numerical-reasoning")
    with freeze_time(utcnow()) as clock:
        attempt_id = start(candidate, bank["numerical-reasoning"])
        fields = item_fields(candidate.get(f"/fr/tests/attempts/{attempt_id}").text)
        token = csrf_from(candidate.get(f"/fr/tests/attempts/{attempt_id}").text)
        assert post_page(candidate, attempt_id, {fields[0]: "92", fields[1]: "25"}).status_code == 302
        clock.tick(timedelta(minutes=19, seconds=59))
        response = candidate.post(
            f"/fr/tests/attempts/{attempt_id}/answers",
            json={"item": items[6][0], "value": "210"},
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 200, response.text[:300]
        clock.tick(timedelta(seconds=2))  # past the deadline
        late = candidate.post(
            f"/fr/tests/attempts/{attempt_id}/answers",
            json={"item": items[7][0], "value": "18"},
            headers={"X-CSRFToken": token},
        )
        assert late.status_code == 409
        # The page form is refused too, and sends to the result.
        page = candidate.post(f"/fr/tests/attempts/{attempt_id}", data={"csrf_token": token, "next": "1"})
        assert page.status_code == 302 and page.headers["Location"].endswith("/result")
    attempt = attempt_row(app, attempt_id)
    assert attempt.is_timed_out and attempt.submitted_dt == attempt.deadline_dt
    with app.app_context():
        result = db.session.scalar(select(Result))
        assert (result.raw_score, result.max_score) == (2, 16)  # 92 and 210 right, 25 wrong, 18 refused
        assert db.session.scalar(select(func.count(Answer.id))) == 3
    assert "16" in shown(candidate.get(f"/fr/tests/attempts/{attempt_id}/result"))


def test_a_late_page_is_submitted_when_the_result_is_opened(app, bank, candidate):
    with freeze_time(utcnow()) as clock:
        attempt_id = start(candidate, bank["sql-basics"])
        clock.tick(timedelta(minutes=21))
        assert candidate.get(f"/fr/tests/attempts/{attempt_id}").headers["Location"].endswith("/result")
        page = shown(candidate.get(f"/fr/tests/attempts/{attempt_id}/result"))
    assert count(app, Result) == 1
    assert "0" in page


def answer_everything(candidate, app, attempt_id, slug, right=True):
    """Go through every page with the right (or first-option) answers; submit on the last page."""
    keys = {f"item_{public_id}": (kind, key) for public_id, kind, key in bank_items(app, slug)}
    for _ in range(len(keys) + 1):
        page = candidate.get(f"/fr/tests/attempts/{attempt_id}")
        if page.status_code == 302:
            return
        data = {}
        for name in item_fields(page.text):
            kind, key = keys[name]
            if kind == "numeric":
                data[name] = str(key) if right else "-1"
            elif kind == "multiple":
                data[name] = [str(index) for index in key] if right else ["1"]
            elif kind == "single":
                data[name] = str(key[0]) if right else str((key[0] + 1) % 2)
            else:
                data[name] = "4"
        is_last = 'name="next" type="submit"' not in page.text
        response = candidate.post(
            f"/fr/tests/attempts/{attempt_id}",
            data={**data, ("finish" if is_last else "next"): "1", "csrf_token": csrf_from(page.text)},
        )
        assert response.status_code == 302, shown(response)[:1000]
        if is_last:
            return
    raise AssertionError("the pages never reached the end")


def test_full_attempt_result_page_and_email(app, bank, candidate):
    attempt_id = start(candidate, bank["sql-basics"])
    answer_everything(candidate, app, attempt_id, "sql-basics")
    page = shown(candidate.get(f"/fr/tests/attempts/{attempt_id}/result"))
    assert "16" in page
    with app.app_context():
        result = db.session.scalar(select(Result))
        assert (result.raw_score, result.max_score, result.percentage) == (16, 16, 100.0)
    messages = outbox(app, "camille@example.com")
    assert len(messages) == 1
    assert f"/fr/tests/attempts/{attempt_id}/result" in messages[0].body_text
    assert messages[0].is_service


def test_double_submit_counts_once(app, bank, candidate):
    attempt_id = start(candidate, bank["verbal-logical-reasoning"])
    url = f"/fr/tests/attempts/{attempt_id}"
    token = csrf_from(candidate.get(url).text)
    first = candidate.post(url, data={"finish": "1", "csrf_token": token})
    second = candidate.post(url, data={"finish": "1", "csrf_token": token})
    assert first.status_code == second.status_code == 302
    assert count(app, Result) == 1
    assert len(outbox(app, "camille@example.com")) == 1
    with app.app_context():
        from app.assessments import services

        attempt = db.session.scalar(select(Attempt))
        assert services.submit(attempt) is None  # a replay changes nothing
        assert db.session.scalar(select(func.count(Result.id))) == 1


def test_personality_result_per_trait_in_the_candidates_language(app, bank, candidate):
    attempt_id = start(candidate, bank["five-trait-personality"])
    answer_everything(candidate, app, attempt_id, "five-trait-personality")
    with app.app_context():
        result = db.session.scalar(select(Result))
        # Every answer is 4: direct items give 4, reverse-keyed ones 6 - 4 = 2. Per trait the mean depends on
        # how many of its 8 items are reversed (openness: 3 -> (5×4 + 3×2) / 8 = 3.25).
        assert result.trait_scores["openness"] == 3.25
        assert result.trait_scores["emotional_stability"] == 3.0  # 4 reversed
        assert result.percentage is None
    page = shown(candidate.get(f"/fr/tests/attempts/{attempt_id}/result"))
    assert "Ouverture" in page and "Stabilité émotionnelle" in page


def test_percentile_appears_from_thirty_prior_results(app, bank, candidate):
    from app.assessments.models import Test

    with app.app_context():
        test_id = db.session.scalar(select(Test.id).where(Test.slug == "sql-basics"))
        for score in range(29):
            db.session.add(Result(test_id=test_id, raw_score=score % 10, max_score=16))
        db.session.commit()
    attempt_id = start(candidate, bank["sql-basics"])
    answer_everything(candidate, app, attempt_id, "sql-basics")
    page = shown(candidate.get(f"/en/tests/attempts/{attempt_id}/result"))
    assert "once at least 30 people" in page
    with app.app_context():
        db.session.add(Result(test_id=test_id, raw_score=16, max_score=16))
        db.session.commit()
    page = shown(candidate.get(f"/en/tests/attempts/{attempt_id}/result"))
    assert "Percentile: 98.3" in page  # (29 below + 1 tie / 2) / 30


def test_another_member_gets_404(app, bank, candidate, make_user):
    attempt_id = start(candidate, bank["sql-basics"])
    make_user("other@example.com")
    other = signed_in(app, "other@example.com")
    for url in (f"/en/tests/attempts/{attempt_id}", f"/en/tests/attempts/{attempt_id}/result"):
        assert other.get(url).status_code == 404
    token = csrf_from(other.get("/en/tests/").text)
    assert other.post(f"/en/tests/attempts/{attempt_id}", data={"csrf_token": token, "next": "1"}).status_code == 404


def test_a_client_cannot_take_or_see_practice_tests(app, bank, candidate, make_user):
    from app.auth.models import Role

    attempt_id = start(candidate, bank["sql-basics"])
    make_user("client@example.com", roles=(Role.CLIENT,))
    client = signed_in(app, "client@example.com")
    assert client.get("/en/tests/").status_code == 403
    assert client.get(f"/en/tests/attempts/{attempt_id}/result").status_code == 403


def test_the_sponsor_seat_is_charged_once_per_attempt(app, bank, candidate, monkeypatch):
    charged = []
    monkeypatch.setattr("app.sponsors.services.charge_sponsor", lambda user, kind: charged.append(kind))
    start(candidate, bank["sql-basics"])
    start(candidate, bank["sql-basics"])  # resumes: no new charge
    assert charged == ["practice_test"]
