"""HTML validity: the Nu HTML checker (vnu.jar) over the HTML the server sends for every main page of
tests/e2e/pages.py, in English and French, signed in as each role: zero errors.

The pages are fetched with the test client (the raw server HTML, not the browser's DOM) and checked in a single
run of the checker, because starting the JVM is the slow part.
"""

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import AuthActions, csrf_from
from tests.e2e.pages import MEMBERS, VNU_JAR, Page, pages_of, require_tool, seed_site

VNU_TIMEOUT = 300  # seconds, for every page at once


@pytest.fixture(autouse=True)
def _vnu_installed():
    require_tool(VNU_JAR, needs_java=True)


class Fetcher:
    """Fetches pages into a folder, one file per page, remembering which page each file is."""

    def __init__(self, client, folder: Path):
        self.client, self.folder = client, folder
        self.saved: dict[str, Page] = {}
        self.problems: list[str] = []

    def fetch(self, target: Page) -> str:
        response = self.client.get(target.path)
        if response.status_code != 200:
            self.problems.append(f"{target.label}: answered {response.status_code} instead of showing the page")
            return ""
        path = self.folder / f"{target.slug}.html"
        path.write_bytes(response.data)
        self.saved[f"file:{path.resolve()}"] = target  # as the checker names it
        return response.text


def sign_in(fetcher: Fetcher, email: str, ids: dict) -> None:
    """Sign in; the second step's page, when there is one, is saved on the way."""
    response = AuthActions(fetcher.client).login(email)
    if response.headers.get("Location", "").endswith("/login/two-step"):
        html = [fetcher.fetch(target) for target in pages_of("second_step", ids)][0]
        data = {"code": ids["recovery_code"], "csrf_token": csrf_from(html)}
        response = fetcher.client.post("/en/login/two-step", data=data)
    assert response.headers.get("Location", "").endswith("/dashboard"), f"{email} could not sign in"


def run_vnu(urls: list[str]) -> list[dict]:
    """The checker's errors for these files (named by their file: URLs, as the checker names them)."""
    files = [url.removeprefix("file:") for url in urls]
    command = ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=VNU_TIMEOUT, check=False)  # noqa: S603
    assert finished.returncode in (0, 1), f"the checker failed: {finished.stderr[-2000:]}"
    return json.loads(finished.stderr)["messages"]


def describe(message: dict, saved: dict[str, Page]) -> str:
    target = saved.get(message.get("url", ""))
    where = f"{target.label} [{target.lang}]" if target else message.get("url", "?")
    extract = message.get("extract", "").strip().replace("\n", " ")
    return f"{where}, line {message.get('lastLine', '?')}: {message['message']}\n      {extract}"


def test_every_main_page_is_valid_html_in_either_language_for_any_role(app, make_user, tmp_path):
    ids = seed_site(app, make_user)
    fetched = {}
    problems = []
    for role, (email, _) in MEMBERS.items():
        fetcher = Fetcher(app.test_client(), tmp_path)
        if email:
            sign_in(fetcher, email, ids)
        for target in pages_of(role, ids):
            fetcher.fetch(target)
        fetched |= fetcher.saved
        problems += fetcher.problems
    assert len(fetched) >= 100, "the page table lost its pages"
    problems += [describe(message, fetched) for message in run_vnu(sorted(fetched))]
    assert not problems, f"{len(problems)} HTML problems in {len(fetched)} pages:\n" + "\n".join(problems)
