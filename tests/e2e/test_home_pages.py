"""Home pages in a real browser, right after `flask demo load` on an empty database: every demo account signs
in, in French for the French accounts and in English for the English ones, sees at least one thing to act on,
and each item opens the page where it is done. Every home page is photographed in both languages
(tests/e2e/artifacts/screenshots/, git-ignored). Expected French texts come from the catalog (messages.po)."""

import re
from pathlib import Path

import pyotp
import pytest

from app.demo import DEMO_MEMBERS, DEMO_PASSWORD
from tests.e2e.catalog import translation as fr

SCREENSHOTS = Path(__file__).resolve().parent / "artifacts" / "screenshots"


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


@pytest.fixture
def demo_server(app, runner, live_server):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    return live_server


def sign_in(page, base: str, email: str, lang: str) -> None:
    page.goto(f"{base}/{lang}/login")
    page.fill("input[name=identifier]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()
    if email.startswith("admin@"):  # administrators set up two-step verification on their first admin page
        page.goto(f"{base}/{lang}/account/two-step/setup")
        secret = re.search(r"[A-Z2-7]{16,}", page.locator("main code").first.inner_text()).group(0)
        page.fill("input[name=code]", pyotp.TOTP(secret).now())
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()
        page.wait_for_load_state()


def lead(lang: str) -> str:
    english = "Here is what to do next, for each of your roles."
    return english if lang == "en" else fr(english)


@pytest.mark.parametrize("member", DEMO_MEMBERS, ids=[member.email.split("@")[0] for member in DEMO_MEMBERS])
def test_each_demo_account_acts_from_its_home_page(demo_server, new_page, member):
    base, lang = demo_server.url, member.locale
    page = new_page(locale="fr-FR" if lang == "fr" else "en-GB")
    sign_in(page, base, member.email, lang)
    home = f"{base}/{lang}/dashboard"
    page.goto(home)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("main .lead")).to_have_text(lead(lang))
    actions = page.locator("a.next-step-action")
    assert actions.count() >= 1, f"{member.email}: nothing to act on"
    targets = [
        (actions.nth(index).inner_text(), actions.nth(index).get_attribute("href")) for index in range(actions.count())
    ]
    for text, href in targets:
        page.goto(home)
        with page.expect_navigation() as navigation:
            page.get_by_role("link", name=text, exact=True).first.click()
        response = navigation.value
        assert response is not None and response.status == 200, (
            f"{member.email}: {text!r} answered {response and response.status}"
        )
        assert page.url.split("#")[0] == f"{base}{href}".split("#")[0], (text, page.url)
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", lang)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for shown in ("fr", "en"):
        page.goto(f"{base}/{shown}/dashboard")
        expect(page.locator("main .lead")).to_have_text(lead(shown))
        name = member.email.split("@")[0]
        page.screenshot(path=str(SCREENSHOTS / f"home-{name}-{shown}.png"), full_page=True)


def test_a_candidate_reads_her_help_page_from_her_home_page(demo_server, new_page):
    base = demo_server.url
    page = new_page(locale="fr-FR")
    sign_in(page, base, "camille.dupont@demo.caseinjob.fr", "fr")
    page.goto(f"{base}/fr/dashboard")
    page.locator("#role-candidate").locator("xpath=..").get_by_role("link", name=fr("How it works")).click()
    expect(page.locator("h1")).to_have_text(fr("Help for candidates"))
    expect(page.get_by_role("heading", name=fr("How matching works"))).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "help-candidate-fr.png"), full_page=True)
    page.goto(f"{base}/en/help/candidate")
    expect(page.get_by_role("heading", name="What clients see")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "help-candidate-en.png"), full_page=True)
