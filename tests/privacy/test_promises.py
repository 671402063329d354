"""The policy's promises: texts in both languages, the ledger of tests, and its admin page."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.privacy import promises
from tests.conftest import shown

TESTS = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"""pytest\.mark\.promise\(\s*["']([a-z0-9-]+)["']\s*\)""")

#: Clauses whose proof belongs to a feature still being built, with the feature that owes the test.
#: Remove a line when that feature tags its test; a clause missing from here and untested fails.
AWAITING_FEATURE: dict[str, str] = {}

RIGHTS = (
    "right-access",
    "right-rectification",
    "right-erasure",
    "right-restriction",
    "right-portability",
    "right-objection",
    "right-withdraw-consent",
)


def tagged_clauses() -> set[str]:
    return {clause for path in TESTS.rglob("test_*.py") for clause in MARKER.findall(path.read_text())}


def test_every_promising_clause_has_a_test_or_a_reason(app):
    with app.app_context():
        clauses = promises.clause_ids()
    assert len(clauses) >= 30
    missing = [
        clause
        for clause in clauses
        if clause not in tagged_clauses()
        and clause not in promises.NOT_PROVABLE_BY_A_TEST
        and clause not in AWAITING_FEATURE
    ]
    assert missing == [], f"promising clauses with no test: {missing}"


def test_markers_name_only_clauses_that_exist(app):
    with app.app_context():
        clauses = set(promises.clause_ids())
    assert sorted(tagged_clauses() - clauses) == []


@pytest.mark.promise("controller")
@pytest.mark.promise("contact")
@pytest.mark.promise("complaint-authority")
def test_rights_retention_and_contact_appear_in_both_languages(app):
    with app.test_request_context("/"):
        english, french = promises.clause_texts("en"), promises.clause_texts("fr")
    for clause in (*RIGHTS, "retention-client-data-2-years", "contact", "complaint-authority", "controller"):
        assert english[clause] and french[clause], clause
        assert english[clause] != french[clause], f"{clause} is not translated"
    assert "2" in english["retention-client-data-2-years"] and "2" in french["retention-client-data-2-years"]
    for text in (english["contact"], french["contact"]):
        assert app.config["CONTACT_EMAIL"] in text and app.config["DPO_EMAIL"] in text
    assert "CNIL" in english["complaint-authority"] and "CNIL" in french["complaint-authority"]
    assert (
        app.config["CONTROLLER_NAME"] in english["controller"] and app.config["CONTROLLER_NAME"] in french["controller"]
    )


@pytest.mark.promise("no-advertising-trackers")
def test_pages_load_nothing_from_elsewhere(client, member):
    for response in (client.get("/en/privacy"), member.get("/en/privacy/dashboard")):
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "default-src 'self'" in policy
        assert not re.search(r"""<(script|img|iframe|link)[^>]+(src|href)="https?://""", response.text)


def test_ledger_command_and_admin_page(app, runner, admin, tmp_path):
    ledger = tmp_path / "ledger.json"
    ledger.write_text(
        json.dumps(
            {
                "generated": "2026-11-24T10:00:00+00:00",
                "clauses": {"right-erasure": [{"test": "tests/privacy/x.py::test_erase", "outcome": "passed"}]},
            }
        )
    )
    result = runner.invoke(args=["privacy", "promises", str(ledger)])
    assert "[PASSED] right-erasure" in result.output
    assert "en: Right to erasure" in result.output and "fr: Droit à l'effacement" in result.output
    assert "[NOT_PROVABLE] storage-eea" in result.output
    assert result.exit_code == 1  # some clauses have no test in this small ledger
    page = shown(admin.get("/en/privacy/admin/promises"))
    assert "Last run: 2026-11-24T10:00:00+00:00." in page
    row = page.split('id="clause-right-erasure"')[1].split("</tr>")[0]
    assert "Proved" in row and "tests/privacy/x.py::test_erase" in row


def test_ledger_plugin_records_outcomes(tmp_path):
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.promise('right-access')\ndef test_ok():\n    pass\n\n"
        "@pytest.mark.promise('right-access')\ndef test_bad():\n    assert False\n"
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.promises_plugin",
            "-o",
            "markers=promise(clause_id): x",
            "--promise-ledger",
            "ledger.json",
            "test_sample.py",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(TESTS.parent)},
        capture_output=True,
        check=False,
    )
    data = json.loads((tmp_path / "ledger.json").read_text())
    outcomes = {item["test"].split("::")[1]: item["outcome"] for item in data["clauses"]["right-access"]}
    assert outcomes == {"test_ok": "passed", "test_bad": "failed"}
