"""The promise ledger: each promising clause of the policy (a `data-clause` id in the policy text) and the
tests that prove it (`@pytest.mark.promise("clause-id")`), with their last outcome.

`make promises` runs the tagged tests, writes the ledger (JSON) to instance/promises.json, and prints it
with `flask privacy promises`; the admins' page shows the last one.
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from app.privacy import services

#: Clauses that state an organisational fact no automated test of this portal can prove, with the reason.
NOT_PROVABLE_BY_A_TEST = {
    "breach-notification": "An organisational procedure (notifying the CNIL within 72 hours).",
    "password-responsibility": "Advice to the member, not a promise of the portal.",
    "storage-eea": "Where the servers are is a hosting contract, checked by the operator.",
    "transfers-safeguards": "Transfers are governed by contracts, checked by the operator.",
    "recipients-processors": "Processors are bound by contracts, checked by the operator.",
    "recipients-authorities": "Disclosure to authorities follows a legal procedure.",
    "third-party-sites": "Other websites are outside the portal.",
    "no-sale": "A commitment of the company; nothing in the portal sells data.",
}

POLICY_TEMPLATE = "privacy/policies/v2.html"
CLAUSE_PATTERN = re.compile(r'data-clause="([a-z0-9-]+)"')


def clause_ids() -> list[str]:
    """Every promising clause of the policy in force, in the order of the text."""
    source = Path(current_app.root_path, "templates", POLICY_TEMPLATE).read_text(encoding="utf-8")
    seen: list[str] = []
    for clause in CLAUSE_PATTERN.findall(source):
        if clause not in seen:
            seen.append(clause)
    return seen


class _ClauseText(HTMLParser):
    """Collects the text of each element that carries a data-clause attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, list[str]] = {}
        self._open: list[tuple[str, int]] = []  # (clause, depth at which it opened)
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "img", "input", "meta", "link"}:
            return
        self._depth += 1
        clause = dict(attrs).get("data-clause")
        if clause:
            self._open.append((clause, self._depth))
            self.texts.setdefault(clause, [])

    def handle_endtag(self, tag):
        if self._open and self._open[-1][1] == self._depth:
            self._open.pop()
        self._depth -= 1

    def handle_data(self, data):
        for clause, _ in self._open:
            self.texts[clause].append(data)


def clause_texts(locale: str) -> dict[str, str]:
    """The text of each clause in one language, as the policy page renders it."""
    with force_locale(locale):
        html = render_template(POLICY_TEMPLATE, **services.controller_context())
    parser = _ClauseText()
    parser.feed(html)
    return {clause: " ".join(" ".join(parts).split()) for clause, parts in parser.texts.items()}


def ledger_path() -> Path:
    return Path(current_app.instance_path) / "promises.json"


def read_ledger() -> dict | None:
    """The last ledger written by `make promises`, or None."""
    try:
        return json.loads(ledger_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ledger_rows(results: dict | None) -> list[dict]:
    """One row per clause: its tests, whether they all passed, or why no test can prove it."""
    results = (results or {}).get("clauses", {})
    rows = []
    for clause in clause_ids():
        tests = results.get(clause, [])
        if tests:
            status = "passed" if all(test["outcome"] == "passed" for test in tests) else "failed"
        elif clause in NOT_PROVABLE_BY_A_TEST:
            status = "not_provable"
        else:
            status = "untested"
        rows.append({"clause": clause, "tests": tests, "status": status, "note": NOT_PROVABLE_BY_A_TEST.get(clause)})
    return rows
