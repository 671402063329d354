"""Plain-language descriptions of trait levels: test data in both languages, checked on import, shown to the
candidate on the result page and in the result e-mail, in the candidate's language."""

import copy
import json

import pytest
from sqlalchemy import select

from app.assessments import bank as bank_module
from app.assessments.bank import validate
from app.assessments.models import Test
from app.assessments.services import trait_level_description
from app.extensions import db
from tests.assessments.conftest import start
from tests.assessments.test_taking import answer_everything
from tests.conftest import outbox, shown

PERSONALITY = "five-trait-personality"


def personality_file() -> dict:
    return json.loads((bank_module.BANK_DIR / "personality_five_traits.json").read_text(encoding="utf-8"))


def levels_of(trait: str) -> dict:
    return personality_file()["traits"][trait]["levels"]


def test_the_starter_bank_describes_every_level_of_every_trait_in_both_languages():
    traits = personality_file()["traits"]
    assert set(traits) == {"openness", "conscientiousness", "extraversion", "agreeableness", "emotional_stability"}
    for trait, texts in traits.items():
        assert set(texts["levels"]) == {"low", "medium", "high"}, trait
        for level, description in texts["levels"].items():
            assert description["fr"] != description["en"], (trait, level)
            assert 40 < len(description["en"]) < 300, (trait, level)  # short, but a real sentence


@pytest.mark.parametrize(
    ("levels", "valid"),
    [
        (None, True),  # optional
        ({"low": {"fr": "a", "en": "b"}, "medium": {"fr": "c", "en": "d"}, "high": {"fr": "e", "en": "f"}}, True),
        ({"low": {"fr": "a", "en": "b"}, "medium": {"fr": "c", "en": "d"}}, False),  # no "high"
        ({"low": {"fr": "a", "en": "b"}, "medium": {"fr": "c", "en": "d"}, "high": {"fr": "e"}}, False),
        ({"low": {"fr": "a", "en": "b"}, "medium": {"fr": "c", "en": " "}, "high": {"fr": "e", "en": "f"}}, False),
        ("low, medium, high", False),
        (["low", "medium", "high"], False),
    ],
)
def test_level_descriptions_are_optional_but_complete_in_both_languages(app, levels, valid):
    data = copy.deepcopy(personality_file())
    if levels is None:
        del data["traits"]["openness"]["levels"]
    else:
        data["traits"]["openness"]["levels"] = levels
    with app.test_request_context("/en/"):
        errors = [str(error) for error in validate(data)]
    if valid:
        assert errors == []
    else:
        assert errors == [
            "Trait openness: the level descriptions must give low, medium and high, each in French and English."
        ]


def test_the_description_follows_the_level_and_the_language(app, bank):
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.slug == PERSONALITY))
        openness = levels_of("openness")
        assert trait_level_description(test, "openness", 1.5, "fr") == openness["low"]["fr"]
        assert trait_level_description(test, "openness", 3.0, "en") == openness["medium"]["en"]
        assert trait_level_description(test, "openness", 4.2, "en") == openness["high"]["en"]
        assert trait_level_description(test, "unknown_trait", 4.2, "en") == ""
        sql = db.session.scalar(select(Test).where(Test.slug == "sql-basics"))
        assert trait_level_description(sql, "openness", 4.2, "en") == ""


def test_result_page_and_email_describe_each_level_in_the_candidates_language(app, bank, candidate):
    attempt_id = start(candidate, bank[PERSONALITY])
    answer_everything(candidate, app, attempt_id, PERSONALITY)  # every answer 4: each trait from 3 to 3.5, medium
    french = shown(candidate.get(f"/fr/tests/attempts/{attempt_id}/result"))
    english = shown(candidate.get(f"/en/tests/attempts/{attempt_id}/result"))
    for trait in ("openness", "conscientiousness", "extraversion", "agreeableness", "emotional_stability"):
        medium = levels_of(trait)["medium"]
        assert medium["fr"] in french and medium["en"] not in french
        assert medium["en"] in english
        assert levels_of(trait)["high"]["en"] not in english and levels_of(trait)["low"]["en"] not in english
    assert "What your levels mean" in english and "no level is better than another" in english
    [message] = outbox(app, "camille@example.com")  # Camille reads French
    assert levels_of("openness")["medium"]["fr"] in message.body_text
    assert levels_of("emotional_stability")["medium"]["fr"] in message.body_html
    assert levels_of("openness")["medium"]["en"] not in message.body_text


def test_an_aptitude_result_has_no_level_section(app, bank, candidate):
    attempt_id = start(candidate, bank["sql-basics"])
    answer_everything(candidate, app, attempt_id, "sql-basics")
    assert "What your levels mean" not in shown(candidate.get(f"/en/tests/attempts/{attempt_id}/result"))
