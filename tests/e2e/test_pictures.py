"""Pictures and pages that fit a screen, in a real browser at 1280×800: the privacy dashboard of a member who
filled everything stays within three screens while its sections are folded, in both languages; the charts
(result, item statistics, sponsor figures) are drawn, each with its title, its text alternative and its numbers.

Full-page screenshots of these pages go to /tmp/screens/ (SCREENS_DIR), for people to look at.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.e2e.pages import seed_site
from tests.privacy.test_dashboard_values import everything  # noqa: F401 (the fixture: a member who filled everything)
from tests.privacy.test_no_trace import MARKERS

SCREENS = Path(os.environ.get("SCREENS_DIR", "/tmp/screens"))  # noqa: S108 (a folder for people to look at)
LAPTOP = {"width": 1280, "height": 800}
#: Folded, the dashboard is at most this high: three screens of the laptop.
MOST_SCREENS = 3


def shoot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def sign_in(page, base: str, email: str, recovery_code: str | None = None) -> None:
    page.goto(f"{base}/en/login")
    page.locator("input[name=identifier]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    if page.url.endswith("/login/two-step"):
        page.locator("input[name=code]").fill(recovery_code)
        page.locator("main form [type=submit]").first.click()
    page.wait_for_url(f"{base}/*/dashboard")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_privacy_dashboard_folded_fits_in_three_screens(live_server, new_page, everything, lang):  # noqa: F811
    page = new_page(viewport=LAPTOP)
    sign_in(page, live_server.url, MARKERS["email"])
    page.goto(f"{live_server.url}/{lang}/privacy/dashboard")
    height = page.evaluate("document.body.scrollHeight")
    shoot(page, f"privacy-dashboard-{lang}")
    assert height <= MOST_SCREENS * LAPTOP["height"], f"{height}px: more than {MOST_SCREENS} screens"
    # Folded is not hidden: every section opens, and a link to one opens it.
    assert page.locator("details.fold").count() >= 10
    assert not page.locator("#consents").evaluate("node => node.open")
    page.locator("main a[href='#consents']").first.click()
    assert page.locator("#consents").evaluate("node => node.open")
    assert page.locator("#consents input[type=checkbox]").first.is_visible()
    for summary in page.locator("details > summary").all():
        if not summary.evaluate("node => node.parentElement.open"):
            summary.click()
    shoot(page, f"privacy-dashboard-open-{lang}")
    assert MARKERS["skill"] in page.locator("#data").inner_text()


def charts_of(page) -> list[dict]:
    """Each chart of the page: its picture's accessible name and description, and whether its numbers are there."""
    return page.eval_on_selector_all(
        "figure.chart",
        """figures => figures.map((figure) => {
          const svg = figure.querySelector("svg[role=img]");
          const ids = (svg.getAttribute("aria-labelledby") || "").split(" ");
          const text = (id) => (document.getElementById(id) || {}).textContent || "";
          return {
            title: text(ids[0]).trim(),
            description: text(ids[1]).trim(),
            shapes: svg.querySelectorAll("rect, circle, path").length,
            numbers: !!(figure.querySelector("table") || figure.nextElementSibling?.querySelector?.("table")
                        || (figure.nextElementSibling && figure.nextElementSibling.matches(".table-wrap"))),
          };
        })""",
    )


CHARTED = [
    # (who, page name, path): pages that draw charts, seeded by tests/e2e/pages.py
    ("camille@example.com", "result-aptitude", "/{lang}/tests/attempts/{result_numerical_reasoning}/result"),
    ("camille@example.com", "result-personality", "/{lang}/tests/attempts/{result_five_trait_personality}/result"),
    ("claire@example.com", "sponsor-figures", "/{lang}/sponsors/{organisation}"),
    ("thomas@example.com", "client-result", "/{lang}/tests/assignments/{completed_assignment}"),
    ("camille@example.com", "session-feedback", "/{lang}/simulations/sessions/{finished_session}"),
    ("julien@example.com", "session-feedback-interviewer", "/{lang}/simulations/sessions/{finished_session}"),
    ("alex@example.com", "item-statistics", "/{lang}/tests/authoring/{test_sql_basics}/statistics"),
]


def test_the_charts_are_drawn_with_a_title_a_text_alternative_and_their_numbers(live_server, new_page, make_user):
    ids = seed_site(live_server.app, make_user)
    signed_in = {}
    for email, name, path in CHARTED:
        if email not in signed_in:
            signed_in[email] = new_page(viewport=LAPTOP)
            sign_in(signed_in[email], live_server.url, email, ids.get("recovery_code"))
        page = signed_in[email]
        for lang in ("en", "fr"):
            response = page.goto(live_server.url + path.format(lang=lang, **ids))
            assert response.status == 200, f"{name} [{lang}]: {response.status}"
            shoot(page, f"{name}-{lang}")
            charts = charts_of(page)
            assert charts, f"{name} [{lang}]: no chart"
            for chart in charts:
                assert chart["title"] and chart["description"] and chart["shapes"] > 1, (name, lang, chart)
                assert chart["numbers"], f"{name} [{lang}]: a chart without its numbers: {chart['title']}"
