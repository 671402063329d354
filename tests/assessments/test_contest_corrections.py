"""An admin who upholds a score contest sets questions aside or corrects a key for that attempt: the attempt is
scored again, the candidate and the assigning client read the corrected score with a note (their language, their
time zone) and are told by e-mail; bad input is refused next to the field; rejecting changes nothing."""

from datetime import datetime, time, timedelta

import pytest
from babel.dates import format_date
from freezegun import freeze_time
from sqlalchemy import func, select

from app.assessments import assignments, scoring
from app.assessments import services as assessment_services
from app.assessments.models import Assignment, Attempt, Item, Result, ScoreCorrection, Test
from app.auth.models import Role, User
from app.core import registry
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.erasure import start_erasure
from app.privacy.models import PrivacyRequest
from app.privacy.services import restrict_processing
from tests.assessments.populate import PERSONALITY, make_test
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import csrf_from, outbox, shown, signed_in

CANDIDATE = "camille@example.com"
CLIENT = "hr@acme.example"
#: Item 0 answered right (B), item 1 wrong (A only, A and C expected), item 2 right (92): 2 out of 3.
SHEET = {0: "1", 1: ["0"], 2: "92"}


def _world(app, make_user, *, assigned=True) -> dict:
    """Camille (French, in Tokyo) took the sample test, assigned by Acme (English, in New York), and contests it."""
    make_user(CANDIDATE, locale="fr", first_name="Camille", last_name="Durand", timezone="Asia/Tokyo")
    make_user(CLIENT, roles=[Role.CLIENT], first_name="Hannah", company="Acme", timezone="America/New_York")
    test_id = make_test(app)
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.public_id == test_id))
        candidate = db.session.scalar(select(User).where(User.email == CANDIDATE))
        if assigned:
            client = db.session.scalar(select(User).where(User.email == CLIENT))
            assignments.assign(client, test, [CANDIDATE], utcnow() + timedelta(days=7))
            attempt = assignments.start_assigned(candidate, assignments.assignments_for_candidate(candidate)[0])
        else:
            attempt, _created = assessment_services.start_practice(candidate, test)
        for position, raw in SHEET.items():
            assessment_services.save_answer(attempt, test.items[position], raw)
        result = assessment_services.submit(attempt)
        contest = assignments.contest_score(candidate, attempt, result, "Question 2 accepted A alone, I think.")
        ids = {
            "attempt": attempt.public_id,
            "request": contest.request.public_id,
            "items": [item.public_id for item in test.items],
            "assignment": db.session.scalar(select(Assignment.public_id)),
        }
        db.session.commit()
    return ids


@pytest.fixture
def world(app, make_user):
    return _world(app, make_user)


@pytest.fixture
def admin(app, make_user):
    return sign_in_admin_with_two_step(app, make_user, "dpo@example.com")


def _uphold(admin, request_id, data, lang="en"):
    page = admin.get(f"/{lang}/privacy/admin/requests/{request_id}")
    assert page.status_code == 200
    return admin.post(
        f"/{lang}/privacy/admin/requests/{request_id}/uphold", data={**data, "csrf_token": csrf_from(page.text)}
    )


def _result(app) -> Result:
    with app.app_context():
        row = db.session.scalar(select(Result))
        db.session.expunge_all()
        return row


def _state(app) -> tuple:
    """What a refused or rejected correction must leave as it was."""
    with app.app_context():
        result = db.session.scalar(select(Result))
        request = db.session.scalar(select(PrivacyRequest))
        return (
            (result.raw_score, result.max_score, result.percentage),
            request.status,
            db.session.scalar(select(func.count(ScoreCorrection.id))),
        )


# --- upholding ---------------------------------------------------------------------------------------


def test_the_handling_page_offers_the_questions_of_that_attempt(app, world, admin):
    page = shown(admin.get(f"/en/privacy/admin/requests/{world['request']}"))
    assert "Uphold the contest: correct the score" in page
    assert "Question 1: Pick B (counted right)" in page
    assert "Question 2: Pick A and C (counted wrong)" in page
    assert "Option B (counts as right now)" in page
    # Only single-choice questions take a corrected key; every scored question may be set aside.
    assert f'value="{world["items"][1]}:0"' not in page and f'value="{world["items"][0]}:0"' in page


@pytest.mark.promise("score-contest")
def test_upholding_with_a_question_set_aside_scores_the_attempt_again(app, world, admin):
    assert (_result(app).raw_score, _result(app).max_score) == (2, 3)
    response = _uphold(admin, world["request"], {"set_aside": [world["items"][1]], "answer": "Question 2 is unclear."})
    assert response.status_code == 302, shown(response)[:2000]
    result = _result(app)
    # The question set aside leaves the maximum; the other answers are scored as before.
    assert (result.raw_score, result.max_score, result.percentage) == (2, 2, 100.0)
    with app.app_context():
        correction = db.session.scalar(select(ScoreCorrection))
        item_id = db.session.scalar(select(Item.id).where(Item.public_id == world["items"][1]))
        assert correction.set_aside == [item_id] and correction.key_item_id is None
        assert (correction.old_raw, correction.old_max, correction.new_raw, correction.new_max) == (2, 3, 2, 2)
        request = db.session.scalar(select(PrivacyRequest))
        assert request.status == "done" and request.outcome == "Question 2 is unclear."
        # The test itself does not change.
        assert db.session.get(Item, item_id).key == [0, 2]


def test_a_corrected_key_counts_for_that_attempt_only(app, world, admin, make_user):
    with app.app_context():
        test = db.session.scalar(select(Test))
        other = db.session.get(User, make_user("other@example.com"))
        attempt, _created = assessment_services.start_practice(other, test)
        assessment_services.save_answer(attempt, test.items[0], "1")
        assessment_services.submit(attempt)
        db.session.commit()
    response = _uphold(admin, world["request"], {"corrected_key": f"{world['items'][0]}:0", "answer": "A was right."})
    assert response.status_code == 302, shown(response)[:2000]
    with app.app_context():
        camille = db.session.scalar(
            select(Result).join(Attempt, Attempt.id == Result.attempt_id).where(Attempt.public_id == world["attempt"])
        )
        # Her answer B no longer counts; the other taker's B still does, and the item keeps its key.
        assert (camille.raw_score, camille.max_score) == (1, 3)
        others = db.session.scalar(select(Result).where(Result.id != camille.id))
        assert (others.raw_score, others.max_score) == (1, 3)
        assert db.session.scalar(select(Item.key).where(Item.public_id == world["items"][0])) == [1]
        assert db.session.scalar(select(ScoreCorrection.corrected_key)) == [0]


def test_a_second_upheld_contest_adds_to_the_first(app, world, admin):
    assert (
        _uphold(admin, world["request"], {"set_aside": [world["items"][1]], "answer": "Set aside."}).status_code == 302
    )
    with app.app_context():
        candidate = db.session.scalar(select(User).where(User.email == CANDIDATE))
        attempt = db.session.scalar(select(Attempt))
        result = db.session.scalar(select(Result))
        second = assignments.contest_score(candidate, attempt, result, "And question 1 accepted A as well.")
        request_id = second.request.public_id
        db.session.commit()
    page = shown(admin.get(f"/en/privacy/admin/requests/{request_id}"))
    assert "Question 2: Pick A and C" not in page  # already set aside
    response = _uphold(admin, request_id, {"corrected_key": f"{world['items'][0]}:0", "answer": "A counts."})
    assert response.status_code == 302, shown(response)[:2000]
    result = _result(app)
    assert (result.raw_score, result.max_score) == (1, 2)
    with app.app_context():
        rows = db.session.scalars(select(ScoreCorrection).order_by(ScoreCorrection.id)).all()
        assert [(row.old_raw, row.old_max, row.new_raw, row.new_max) for row in rows] == [(2, 3, 2, 2), (2, 2, 1, 2)]


# --- what the candidate and the client read ----------------------------------------------------------


def _frozen_moment() -> datetime:
    """Late evening in UTC, a month ago: already the next day in Tokyo, still the same day in New York. The
    whole test runs from then (signed cookies dated later than the clock would be refused)."""
    return datetime.combine(utcnow().date() - timedelta(days=30), time(23, 0))


@pytest.mark.promise("score-contest")
def test_candidate_and_client_read_the_corrected_score_with_a_note(app, make_user):
    moment = _frozen_moment()
    with freeze_time(moment, tick=True):
        world = _world(app, make_user)
        admin = sign_in_admin_with_two_step(app, make_user, "dpo@example.com")
        response = _uphold(admin, world["request"], {"set_aside": [world["items"][1]], "answer": "Unclear question."})
        assert response.status_code == 302
        candidate = signed_in(app, CANDIDATE, lang="en")
        page = shown(candidate.get(f"/en/tests/attempts/{world['attempt']}/result"))
        client = signed_in(app, CLIENT, lang="en")
        client_page = shown(client.get(f"/en/tests/assignments/{world['assignment']}"))
    tokyo_day = format_date(moment.date() + timedelta(days=1), "long", locale="en")
    assert "Score: 2 out of 2" in page
    assert f"Your score was corrected from 2 out of 3 to 2 out of 2 on {tokyo_day}, after your contest." in page
    assert "Question 2 was set aside for this attempt" in page
    new_york_day = format_date(moment.date(), "long", locale="en")
    assert "Score: 2 out of 2" in client_page and "100% of the points" in client_page
    assert (
        f"This score was corrected from 2 out of 3 to 2 out of 2 on {new_york_day}, after the candidate contested it."
        in client_page
    )
    assert "Unclear question." not in client_page  # the answer to the candidate is hers


def test_the_french_candidate_reads_the_note_in_french(app, make_user):
    """Needs the French catalog with /work/helpers/l10n/contest.json merged."""
    moment = _frozen_moment()
    with freeze_time(moment, tick=True):
        world = _world(app, make_user)
        admin = sign_in_admin_with_two_step(app, make_user, "dpo@example.com")
        _uphold(admin, world["request"], {"corrected_key": f"{world['items'][0]}:0", "answer": "A était juste."})
        candidate = signed_in(app, CANDIDATE, lang="fr")
        page = shown(candidate.get(f"/fr/tests/attempts/{world['attempt']}/result"))
    day = format_date(moment.date() + timedelta(days=1), "long", locale="fr")
    assert "Score : 1 sur 3" in page
    assert f"Votre score a été corrigé de 2 sur 3 à 1 sur 3 le {day}, à la suite de votre contestation." in page
    assert "La clé de réponse de la question 1 a été corrigée pour cette tentative." in page


@pytest.mark.promise("score-contest")
def test_both_are_told_by_email_each_in_their_language(app, make_user):
    """The French e-mail needs the French catalog with /work/helpers/l10n/contest.json merged."""
    moment = _frozen_moment()
    with freeze_time(moment, tick=True):
        world = _world(app, make_user)
        admin = sign_in_admin_with_two_step(app, make_user, "dpo@example.com")
        before = len(outbox(app, to=CANDIDATE))
        _uphold(admin, world["request"], {"set_aside": [world["items"][1]], "answer": "La question 2 était ambiguë."})
    [mail] = outbox(app, to=CANDIDATE)[before:]  # one message: the correction carries the answer
    assert mail.subject == "Votre score à un test est corrigé"
    day = format_date(moment.date() + timedelta(days=1), "long", locale="fr")
    assert "Raisonnement exemple" in mail.body_text and day in mail.body_text
    assert "de 2 sur 3 à 2 sur 2" in mail.body_text and "La question 2 était ambiguë." in mail.body_text
    assert f"/fr/tests/attempts/{world['attempt']}/result" in mail.body_text
    [to_client] = [row for row in outbox(app, to=CLIENT) if row.subject == "A test score was corrected"]
    day = format_date(moment.date(), "long", locale="en")
    assert 'Camille Durand contested the score of the test "Sample reasoning"' in to_client.body_text
    assert f"corrected from 2 out of 3 to 2 out of 2 on {day}" in to_client.body_text
    assert "ambiguë" not in to_client.body_text
    assert f"/en/tests/assignments/{world['assignment']}" in to_client.body_text


def test_the_client_is_not_told_once_the_result_is_no_longer_shared_with_it(app, world, admin):
    with app.app_context():
        restrict_processing(db.session.scalar(select(User).where(User.email == CANDIDATE)))
        db.session.commit()
    to_client, to_candidate = len(outbox(app, to=CLIENT)), len(outbox(app, to=CANDIDATE))
    assert _uphold(admin, world["request"], {"set_aside": [world["items"][1]], "answer": "Unclear."}).status_code == 302
    assert len(outbox(app, to=CLIENT)) == to_client
    assert len(outbox(app, to=CANDIDATE)) == to_candidate + 1


def test_a_practice_result_is_corrected_for_the_candidate_alone(app, make_user, admin):
    ids = _world(app, make_user, assigned=False)
    assert _uphold(admin, ids["request"], {"set_aside": [ids["items"][0]], "answer": "Set aside."}).status_code == 302
    assert (_result(app).raw_score, _result(app).max_score) == (1, 2)
    assert outbox(app, to=CLIENT) == []


# --- who may, and bad input --------------------------------------------------------------------------


def test_nobody_but_an_admin_corrects_a_score(app, world):
    before = _state(app)
    for email in (CANDIDATE, CLIENT):
        intruder = signed_in(app, email, lang="en")
        token = csrf_from(intruder.get("/en/account").text)
        response = intruder.post(
            f"/en/privacy/admin/requests/{world['request']}/uphold",
            data={"set_aside": [world["items"][1]], "answer": "Mine now.", "csrf_token": token},
        )
        assert response.status_code in (403, 404), email
    assert _state(app) == before


def test_only_an_open_score_contest_can_be_upheld_with_a_correction(app, world, admin, make_user):
    with app.app_context():
        from app.privacy.models import RequestKind
        from app.privacy.requests import submit_request

        user = db.session.scalar(select(User).where(User.email == CANDIDATE))
        question = submit_request(user, RequestKind.QUESTION, "What do you hold?", "Tell me.").public_id
        db.session.commit()
    page = admin.get(f"/en/privacy/admin/requests/{question}")
    assert "Uphold the contest" not in shown(page)
    response = admin.post(
        f"/en/privacy/admin/requests/{question}/uphold",
        data={"set_aside": [world["items"][1]], "answer": "No.", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 404
    assert _uphold(admin, world["request"], {"set_aside": [world["items"][1]], "answer": "Yes."}).status_code == 302
    # Answered: the form is gone, and posting again changes nothing.
    page = admin.get(f"/en/privacy/admin/requests/{world['request']}")
    assert "Uphold the contest" not in shown(page)
    before = _state(app)
    response = admin.post(
        f"/en/privacy/admin/requests/{world['request']}/uphold",
        data={"set_aside": [world["items"][0]], "answer": "Again.", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 404 and _state(app) == before


def test_a_personality_test_offers_nothing_to_correct(app, make_user, admin):
    make_user(CANDIDATE, first_name="Camille")
    test_id = make_test(app, data=PERSONALITY)
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.public_id == test_id))
        candidate = db.session.scalar(select(User).where(User.email == CANDIDATE))
        attempt, _created = assessment_services.start_practice(candidate, test)
        assessment_services.save_answer(attempt, test.items[0], "4")
        result = assessment_services.submit(attempt)
        request_id = assignments.contest_score(
            candidate, attempt, result, "My calm score is too low."
        ).request.public_id
        db.session.commit()
    assert "Uphold the contest" not in shown(admin.get(f"/en/privacy/admin/requests/{request_id}"))


BAD_INPUT = [
    ("nothing", {}, "Choose a question to set aside, or the option that counts as right for a question."),
    ("foreign", {"set_aside": ["0" * 32]}, "This question is not part of the test of this attempt."),
    ("option", {"corrected_key": "{item0}:7"}, "Choose one of the options listed."),
    ("same key", {"corrected_key": "{item0}:1"}, "This option already counts as right."),
    (
        "both",
        {"set_aside": ["{item0}"], "corrected_key": "{item0}:0"},
        "A question set aside cannot also have its key corrected.",
    ),
    ("all", {"set_aside": ["{item0}", "{item1}", "{item2}"]}, "At least one question must still count."),
]
BAD_INPUT_FR = {
    "nothing": "Choisissez une question à écarter, ou l’option qui compte comme juste pour une question.",
    "foreign": "Cette question ne fait pas partie du test de cette tentative.",
    "option": "Choisissez l’une des options proposées.",
    "same key": "Cette option compte déjà comme juste.",
    "both": "Une question écartée ne peut pas aussi voir sa clé corrigée.",
    "all": "Au moins une question doit encore compter.",
}


def _fill(data: dict, items: list[str]) -> dict:
    names = {f"item{number}": public_id for number, public_id in enumerate(items)}

    def fill(value):
        return [fill(one) for one in value] if isinstance(value, list) else value.format(**names)

    return {key: fill(value) for key, value in data.items()}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(("case", "data", "message"), BAD_INPUT, ids=[case for case, _data, _message in BAD_INPUT])
def test_bad_input_is_refused_next_to_the_field_and_keeps_what_was_typed(app, world, admin, lang, case, data, message):
    """The French cases need the French catalog with /work/helpers/l10n/contest.json merged."""
    before = _state(app)
    typed = "Réponse tapée avec soin, à garder."
    response = _uphold(admin, world["request"], {**_fill(data, world["items"]), "answer": typed}, lang=lang)
    assert response.status_code == 400
    page = shown(response)
    assert (message if lang == "en" else BAD_INPUT_FR[case]) in page
    assert typed in page
    assert _state(app) == before


def test_an_answer_is_required_and_the_choices_stay_made(app, world, admin):
    before = _state(app)
    chosen = {"set_aside": [world["items"][1]], "corrected_key": f"{world['items'][0]}:2", "answer": "  "}
    response = _uphold(admin, world["request"], chosen)
    assert response.status_code == 400 and "This field is required." in shown(response)
    assert f'checked id="set_aside-1" name="set_aside" type="checkbox" value="{world["items"][1]}"' in response.text
    assert f'selected value="{world["items"][0]}:2"' in response.text
    assert _state(app) == before


def test_rejecting_a_contest_changes_nothing(app, world, admin):
    before_score = _state(app)[0]
    url = f"/en/privacy/admin/requests/{world['request']}"
    page = admin.get(url)
    response = admin.post(
        url,
        data={
            "status": "refused",
            "outcome": "The key is right: A and C were both expected.",
            "extend_months": "0",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 302
    score, status, corrections = _state(app)
    assert score == before_score and status == "refused" and corrections == 0
    candidate = signed_in(app, CANDIDATE, lang="en")
    page = shown(candidate.get(f"/en/tests/attempts/{world['attempt']}/result"))
    assert "Score: 2 out of 3" in page and "was corrected" not in page
    assert not any("2 out of 2" in row.body_text or "2 sur 2" in row.body_text for row in outbox(app))


# --- percentiles, export and erasure -----------------------------------------------------------------


def test_percentiles_compare_the_corrected_score_as_a_share_of_its_maximum(app, world, admin):
    with app.app_context():
        test = db.session.scalar(select(Test))
        for _number in range(scoring.MIN_NORM_GROUP):
            db.session.add(Result(test_id=test.id, raw_score=2, max_score=3, percentage=66.7))
        db.session.commit()
    candidate = signed_in(app, CANDIDATE, lang="en")
    url = f"/en/tests/attempts/{world['attempt']}/result"
    assert "Percentile: 50" in shown(candidate.get(url))  # 2 out of 3, as every other result
    _uphold(admin, world["request"], {"set_aside": [world["items"][1]], "answer": "Unclear."})
    assert "Percentile: 100" in shown(candidate.get(url))  # 2 out of 2 is above 2 out of 3


def test_the_correction_is_exported_and_erased_with_the_member(app, world, admin):
    _uphold(admin, world["request"], {"set_aside": [world["items"][1]], "answer": "Unclear."})
    with app.test_request_context("/en/"):
        user = db.session.scalar(select(User).where(User.email == CANDIDATE))
        entry = next(entry for entry in registry.entries() if entry.key == "assessment_results")
        assert "assessment_score_correction" in entry.tables
        [row] = entry.export(user)
        [correction] = row["corrections"]
        assert correction["from"]["raw_score"] == 2 and correction["from"]["max_score"] == 3
        assert correction["to"]["max_score"] == 2 and correction["items_set_aside"] == [world["items"][1]]
        assert correction["key_corrected"] is None
        assert start_erasure(user).status == "done"
        db.session.commit()
        assert db.session.scalar(select(func.count(ScoreCorrection.id))) == 0
        # The anonymous result keeps the corrected score, for the benchmarks.
        result = db.session.scalar(select(Result))
        assert result.attempt_id is None and (result.raw_score, result.max_score) == (2, 2)


# --- the pure part -----------------------------------------------------------------------------------


class _Item:
    def __init__(self, id, type, key, points=1):
        self.id, self.type, self.key, self.points = id, type, key, points
        self.tolerance, self.trait, self.is_reverse, self.options = 0.0, None, False, ["a", "b", "c"]


def test_corrected_items_leave_the_maximum_and_rekey_one_item():
    items = [_Item(1, "single", [1]), _Item(2, "single", [0]), _Item(3, "numeric", 5.0)]
    answers = {1: 1, 2: 2, 3: 5}
    assert scoring.score_attempt(items, answers).raw == 2
    aside = scoring.score_attempt(scoring.corrected_items(items, {1}), answers)
    assert (aside.raw, aside.maximum) == (1, 2)
    rekeyed = scoring.score_attempt(scoring.corrected_items(items, (), {2: [2]}), answers)
    assert (rekeyed.raw, rekeyed.maximum) == (3, 3)
    assert items[1].key == [0]  # the item itself keeps its key
    assert scoring.share(1, 2) > scoring.share(1, 3) and scoring.share(1, 0) == 0
