"""The starter bank and the JSON import format: counts, both languages, errors with item numbers, all or nothing."""

import copy
import json
from collections import Counter

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.assessments import bank as bank_module
from app.assessments.bank import BankError, export_test, import_test, load_bank, validate
from app.assessments.models import Item, Test
from app.extensions import db


def bank_files():
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in bank_module.BANK_DIR.glob("*.json")}


def all_items(data):
    return [item for section in data["sections"] for item in section["items"]]


def test_every_bank_file_is_valid():
    files = bank_files()
    assert set(files) == {"numerical_reasoning", "verbal_logical_reasoning", "personality_five_traits", "sql_basics"}
    for name, data in files.items():
        assert validate(data) == [], name


def test_bank_sizes_and_traits():
    files = bank_files()
    assert len(all_items(files["numerical_reasoning"])) >= 15
    assert len(all_items(files["verbal_logical_reasoning"])) >= 15
    assert len(all_items(files["sql_basics"])) >= 15
    personality = all_items(files["personality_five_traits"])
    assert len(personality) >= 40
    assert set(Counter(item["trait"] for item in personality).values()) == {8}
    reversed_by_trait = Counter(item["trait"] for item in personality if item.get("reverse"))
    assert len(reversed_by_trait) == 5 and all(count >= 2 for count in reversed_by_trait.values())


def test_load_bank_imports_once(app):
    with app.app_context():
        assert len(load_bank()) == 4
        db.session.commit()
        assert load_bank() == []
        assert db.session.scalar(select(func.count(Test.id))) == 4
        assert db.session.scalar(select(func.count(Item.id))) == 16 + 16 + 40 + 16


def test_demo_load_loads_the_bank(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        slugs = set(db.session.scalars(select(Test.slug)))
    bank_slugs = {
        bank_module.parse(path.read_text(encoding="utf-8"))["slug"] for path in bank_module.BANK_DIR.glob("*.json")
    }
    assert len(bank_slugs) == 4 and bank_slugs <= slugs  # the bank's tests, beside the demo author's own


def test_a_bad_file_lists_errors_with_item_numbers_and_imports_nothing(app):
    data = copy.deepcopy(bank_files()["numerical_reasoning"])
    data["sections"][0]["items"][1]["prompt"] = {"fr": "Seulement en français"}  # item 2
    data["sections"][1]["items"][3]["answer"] = [7]  # item 10: option 7 does not exist
    data["sections"][2]["items"][0]["type"] = "essay"  # item 13
    with app.app_context(), force_locale("en"):
        with pytest.raises(BankError) as caught:
            import_test(data)
        messages = [str(message) for message in caught.value.errors]
        assert messages[0].startswith("Item 2:")
        assert any(message.startswith("Item 10:") for message in messages)
        assert any(message.startswith("Item 13:") and "essay" in message for message in messages)
        assert len(messages) == 3
        assert db.session.scalar(select(func.count(Test.id))) == 0


def test_cli_import_reports_errors(app, runner, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": 1, "sections": []}), encoding="utf-8")
    result = runner.invoke(args=["assessments", "import", str(path)])
    assert result.exit_code == 1
    assert "at least one section" in result.output


def test_not_json_is_an_error():
    with pytest.raises(BankError):
        bank_module.parse("{not json")


def test_export_then_import_makes_a_new_identical_version(app):
    with app.app_context():
        first = import_test(bank_files()["personality_five_traits"])
        exported = export_test(first)
        second = import_test(exported)
        assert (first.version, second.version) == (1, 2)
        assert export_test(second) == exported
        openness = exported["traits"]["openness"]
        assert (openness["fr"], openness["en"]) == ("Ouverture", "Openness")
        assert set(openness["levels"]) == {"low", "medium", "high"}


def test_export_command_round_trips_through_import(app, runner, tmp_path):
    from app.assessments import bank as bank_module

    with app.app_context():
        bank_module.load_bank()
        from app.extensions import db

        db.session.commit()
    exported = runner.invoke(args=["assessments", "export", "sql-basics"])
    assert exported.exit_code == 0, exported.output
    path = tmp_path / "sql.json"
    path.write_text(exported.output, encoding="utf-8")
    imported = runner.invoke(args=["assessments", "import", str(path)])
    assert "Imported sql-basics version 2" in imported.output
    assert runner.invoke(args=["assessments", "export", "no-such-test"]).exit_code != 0
