"""pytest plugin for the promise ledger: `--promise-ledger PATH` writes, for each policy clause id, the tests
marked `@pytest.mark.promise("clause-id")` and their outcome (`make promises` uses it)."""

import json
from datetime import UTC, datetime

import pytest


def pytest_addoption(parser):
    parser.addoption("--promise-ledger", default=None, help="Write the promise ledger (JSON) to this path.")


class _Ledger:
    def __init__(self, path):
        self.path = path
        self.outcomes: dict[str, str] = {}
        self.clauses: dict[str, list[str]] = {}

    def pytest_collection_modifyitems(self, items):
        for item in items:
            for marker in item.iter_markers("promise"):
                self.clauses.setdefault(marker.args[0], []).append(item.nodeid)

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            self.outcomes[report.nodeid] = report.outcome

    def pytest_sessionfinish(self, session):
        data = {
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "clauses": {
                clause: [{"test": nodeid, "outcome": self.outcomes.get(nodeid, "not run")} for nodeid in nodeids]
                for clause, nodeids in sorted(self.clauses.items())
            },
        }
        with open(self.path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    path = config.getoption("--promise-ledger")
    if path:
        config.pluginmanager.register(_Ledger(path), "promise-ledger")
