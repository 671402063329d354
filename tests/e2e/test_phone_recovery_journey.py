"""A phone-only member recovers her account in a real browser, in French and in English: she asks for a
reset with her phone number, reads the code from the SMS provider (a real local webhook), chooses a new
password and signs in with her number. And a member adds then changes her number, each re-verified by a
code sent to the new number. Expected French texts come from the catalog (messages.po)."""

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.auth.passwords import hash_password
from app.core import sms
from app.core.timeutil import utcnow
from app.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.catalog import translation
from tests.sms_sink import SmsWebhookSink

NEW_PASSWORD = "juniper-canal-58-violet"  # noqa: S105 (a made-up member's password)
LANGUAGES = ("fr", "en")


def expect(target):
    """Playwright's auto-retrying assertions (imported late: without Playwright the tests are skipped)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def text_in(lang: str):
    """The page's text for an English msgid, in `lang`."""
    return translation if lang == "fr" else (lambda msgid: msgid)


@pytest.fixture
def sms_provider(live_server):
    """The portal's text messages go to a local webhook; `.deliver()` sends the SMS outbox to it."""
    sink = SmsWebhookSink().start()
    live_server.app.config.update(SMS_WEBHOOK_URL=sink.url, SMS_CONSOLE=False)

    def deliver():
        with live_server.app.app_context():
            sms.deliver_pending()
        return sink

    sink.deliver = deliver
    yield sink
    sink.stop()


def add_member(app, *, lang: str, phone: str | None, email: str | None) -> int:
    with app.app_context():
        user = User(
            first_name="Inès" if lang == "fr" else "Grace",
            last_name="Morel" if lang == "fr" else "Hopper",
            email=email,
            email_verified_dt=utcnow() if email else None,
            phone=phone,
            password_hash=hash_password(PASSWORD),
            locale=lang,
        )
        db.session.add(user)
        db.session.commit()
        return user.id


def stored(app, user_id) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.id == user_id))
        db.session.expunge(user)
        return user


def sign_in(page, base, lang, identifier, password):
    t = text_in(lang)
    page.goto(f"{base}/{lang}/login")
    page.get_by_label(t("E-mail, phone or username"), exact=True).fill(identifier)
    page.get_by_label(t("Password"), exact=True).fill(password)
    page.locator("main").get_by_role("button", name=t("Sign in"), exact=True).click()
    expect(page).to_have_url(f"{base}/{lang}/dashboard")


@pytest.mark.promise("security-measures")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_phone_only_member_resets_her_password_by_sms_and_signs_in(live_server, sms_provider, page, lang):
    base, t = live_server.url, text_in(lang)
    phone, typed = ("+33612345678", "06 12 34 56 78") if lang == "fr" else ("+447911123456", "+44 7911 123456")
    user_id = add_member(live_server.app, lang=lang, phone=phone, email=None)

    # She forgot her password: the page takes her phone number.
    page.goto(f"{base}/{lang}/login")
    page.goto(f"{base}/{lang}/password/forgot")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.get_by_label(t("E-mail address or mobile phone number"), exact=True).fill(typed)
    page.get_by_role("button", name=t("Send me a link or a code"), exact=True).click()
    expect(page).to_have_url(f"{base}/{lang}/password/reset/code")
    expect(page.locator("h1")).to_have_text(t("Type the code we sent you"))

    # The code arrives by SMS, in her language.
    provider = sms_provider.deliver()
    [text] = provider.texts_to(phone)
    code = provider.last_code_to(phone)
    portal = live_server.app.config["PORTAL_NAME"]
    assert text == t(
        "%(portal)s: your code to reset your password is %(code)s. It works once, for %(minutes)d minutes. "
        "Never give it to anyone."
    ) % {"portal": portal, "code": code, "minutes": 10}

    # A wrong code first: the error sits next to the field.
    code_field = page.get_by_label(t("Code received by text message"), exact=True)
    code_field.fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name=t("Confirm"), exact=True).click()
    expect(page.locator(".field.has-error .error")).to_contain_text(
        t(
            "This code is not correct or no longer valid (too old, already used, or tried too many times). "
            "Check the text message, or ask for a new code."
        )
    )
    code_field.fill(code)
    page.get_by_role("button", name=t("Confirm"), exact=True).click()

    # She chooses a new password...
    expect(page.locator("h1")).to_have_text(t("Choose a new password"))
    page.get_by_label(t("New password"), exact=True).fill(NEW_PASSWORD)
    page.get_by_label(t("New password again"), exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name=t("Save the new password"), exact=True).click()
    expect(page).to_have_url(f"{base}/{lang}/login")
    expect(page.locator(".flash-success")).to_have_text(t("Your password is changed. Sign in with the new one."))

    # ... and signs in with her phone number and it.
    sign_in(page, base, lang, typed, NEW_PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert stored(live_server.app, user_id).phone_verified_dt is not None


@pytest.mark.promise("right-rectification")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_member_adds_then_changes_her_phone_number_each_verified_by_sms(live_server, sms_provider, page, lang):
    base, t = live_server.url, text_in(lang)
    email = f"phone-journey-{lang}@example.com"
    first, first_typed, first_shown = "+33611223344", "06 11 22 33 44", "+33 6 11 22 33 44"
    second, second_typed, second_shown = "+33655667788", "+33 6 55 66 77 88", "+33 6 55 66 77 88"
    user_id = add_member(live_server.app, lang=lang, phone=None, email=email)
    sign_in(page, base, lang, email, PASSWORD)

    # From the account page, she adds a number: a code goes to it.
    page.goto(f"{base}/{lang}/account")
    page.locator("main").get_by_role("link", name=t("Add a number"), exact=True).click()
    expect(page).to_have_url(f"{base}/{lang}/account/phone")
    page.get_by_label(t("New mobile phone number"), exact=True).fill(first_typed)
    page.get_by_label(t("Current password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("Send me a code"), exact=True).click()
    expect(page).to_have_url(f"{base}/{lang}/account/phone/confirm")
    assert stored(live_server.app, user_id).phone is None  # not before the code comes back
    page.get_by_label(t("Code received by text message"), exact=True).fill(sms_provider.deliver().last_code_to(first))
    page.get_by_role("button", name=t("Confirm"), exact=True).click()
    expect(page).to_have_url(f"{base}/{lang}/account")
    expect(page.locator(".flash-success")).to_have_text(
        t("Your mobile phone number is verified: %(phone)s.") % {"phone": first_shown}
    )
    expect(page.locator("dl.facts")).to_contain_text(t("%(phone)s (verified)") % {"phone": first_shown})

    # She changes it: the wrong password is refused and keeps what she typed...
    page.locator("main").get_by_role("link", name=t("Change or remove"), exact=True).first.click()
    expect(page).to_have_url(f"{base}/{lang}/account/phone")
    page.get_by_label(t("New mobile phone number"), exact=True).fill(second_typed)
    page.locator("form").filter(has=page.get_by_label(t("New mobile phone number"), exact=True)).get_by_label(
        t("Current password"), exact=True
    ).fill("not-my-password-at-all")
    page.get_by_role("button", name=t("Send me a code"), exact=True).click()
    expect(page.locator(".field.has-error .error").first).to_have_text(t("Your current password is not correct."))
    expect(page.get_by_label(t("New mobile phone number"), exact=True)).to_have_value(second_typed)

    # ... then, with the right one, a code goes to the new number; the old one is told once it is done.
    page.locator("form").filter(has=page.get_by_label(t("New mobile phone number"), exact=True)).get_by_label(
        t("Current password"), exact=True
    ).fill(PASSWORD)
    page.get_by_role("button", name=t("Send me a code"), exact=True).click()
    expect(page).to_have_url(f"{base}/{lang}/account/phone/confirm")
    page.get_by_label(t("Code received by text message"), exact=True).fill(sms_provider.deliver().last_code_to(second))
    page.get_by_role("button", name=t("Confirm"), exact=True).click()
    expect(page).to_have_url(f"{base}/{lang}/account")
    expect(page.locator("dl.facts")).to_contain_text(t("%(phone)s (verified)") % {"phone": second_shown})
    notice = sms_provider.deliver().texts_to(first)[-1]
    portal = live_server.app.config["PORTAL_NAME"]
    assert notice == t(
        "%(portal)s: this number was removed from your account and replaced by another one. "
        "If it was not you, reset your password at once."
    ) % {"portal": portal}
    user = stored(live_server.app, user_id)
    assert user.phone == second and user.phone_verified_dt is not None
