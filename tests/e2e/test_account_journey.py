"""A visitor's first steps, in a real browser: register in French, confirm the address, sign out and in,
switch to English. Expected French texts come from the catalog (messages.po), read when the test runs."""

from pathlib import Path

from tests.conftest import link_in, text_part
from tests.e2e.catalog import translation as fr

SCREENS = Path(__file__).resolve().parent / "artifacts" / "screens"

FIRST_NAME = "Léa"
LAST_NAME = "Dubois"
EMAIL = "lea.dubois@example.com"
PASSWORD = "velvet-orchard-92-lamp"  # noqa: S105 (a made-up member's password)


def expect(target):
    """Playwright's auto-retrying assertions (imported late: without Playwright the tests are skipped)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_register_verify_sign_in_and_switch_to_english(live_server, page):
    base = live_server.url

    # A visitor registers in French.
    page.goto(f"{base}/fr/register")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_label(fr("First name"), exact=True).fill(FIRST_NAME)
    page.get_by_label(fr("Last name"), exact=True).fill(LAST_NAME)
    page.get_by_label(fr("E-mail address"), exact=True).fill(EMAIL)
    page.get_by_label(fr("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(fr("I have read and accept the privacy policy"), exact=True).check()
    page.get_by_role("button", name=fr("Create my account"), exact=True).click()

    expect(page).to_have_url(f"{base}/fr/register/check-email")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text(fr("Check your inbox"))

    # The verification e-mail arrives, in French.
    received = [message for message in live_server.deliver() if message["To"] == EMAIL]
    assert len(received) == 1, f"expected one message to {EMAIL}, got {[m['Subject'] for m in received]}"
    message = received[0]
    assert message["Subject"] == fr("Confirm your e-mail address")
    link = link_in(text_part(message), "/verify-email/")
    assert link.startswith("/fr/verify-email/"), link

    # Following the link signs the member in, on the French dashboard.
    page.goto(base + link)
    expect(page).to_have_url(f"{base}/fr/dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".flash-success")).to_have_text(fr("Thank you: your e-mail address is verified."))
    expect(page.locator("h1")).to_have_text(fr("Hello, %(name)s") % {"name": FIRST_NAME})
    header = page.locator("header.site-header")

    # Sign out from the header...
    header.get_by_role("button", name=fr("Sign out"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(header.get_by_role("button", name=fr("Sign out"), exact=True)).to_have_count(0)

    # ... and in again with the e-mail address and the password.
    page.goto(f"{base}/fr/login")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_label(fr("E-mail, phone or username"), exact=True).fill(EMAIL)
    page.get_by_label(fr("Password"), exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=fr("Sign in"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text(fr("Hello, %(name)s") % {"name": FIRST_NAME})

    # The language switcher in the header shows the same page in English.
    header.get_by_role("button", name="English", exact=True).click()
    expect(page).to_have_url(f"{base}/en/dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(f"Hello, {FIRST_NAME}")
    expect(header.get_by_role("button", name="Sign out", exact=True)).to_be_visible()


def test_root_follows_the_browser_language(live_server, new_page):
    for locale, lang in (("en-GB", "en"), ("fr-FR", "fr")):
        page = new_page(locale=locale)
        page.goto(f"{live_server.url}/")
        expect(page).to_have_url(f"{live_server.url}/{lang}/")
        expect(page.locator("html")).to_have_attribute("lang", lang)


def test_key_pages_render_in_both_languages(live_server, page):
    SCREENS.mkdir(parents=True, exist_ok=True)
    pages = {"home": "/", "register": "/register", "login": "/login"}
    headings: dict[tuple[str, str], str] = {}
    for lang in ("fr", "en"):
        for name, path in pages.items():
            page.goto(f"{live_server.url}/{lang}{path}")
            expect(page).to_have_url(f"{live_server.url}/{lang}{path}")
            expect(page.locator("html")).to_have_attribute("lang", lang)
            headings[name, lang] = page.locator("h1").inner_text().strip()
            page.screenshot(path=str(SCREENS / f"{name}-{lang}.png"), full_page=True)

    # Screenshots first, so that they exist even when a translation is missing.
    for name in pages:
        english, french = headings[name, "en"], headings[name, "fr"]
        assert french == fr(english), f"the French {name} page shows {french!r}"
        assert french != english, f"the {name} page has the same <h1> in both languages: {english!r}"
