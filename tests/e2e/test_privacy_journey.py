"""A member's privacy rights, in a real browser and in French: accept the new policy version after a material
change, grant then withdraw a consent, download the data, and erase the account.

Expected French texts come from the catalog (messages.po), read when the test runs.
"""

import json
import re
import zipfile
from datetime import datetime, time, timedelta
from pathlib import Path

from babel.dates import format_date
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.privacy import consents as consent_services
from app.privacy import services as privacy_services
from app.privacy.models import ConsentEvent, ConsentPurpose, PolicyAcceptance, PolicyVersion
from tests.conftest import PASSWORD
from tests.e2e.catalog import translation as fr
from tests.e2e.pages import open_section

SCREENS = Path(__file__).resolve().parent / "artifacts" / "screens"

EMAIL = "elodie.marchand@example.com"
FIRST_NAME = "Élodie"
LAST_NAME = "Marchand"
WRONG_PASSWORD = "not-my-password-at-all"  # noqa: S105 (a made-up wrong password)


def expect(target):
    """Playwright's auto-retrying assertions (imported late: without Playwright the tests are skipped)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def expect_lang(page, lang: str = "fr") -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def make_member_who_accepted_only_version_1(app, make_user) -> tuple[int, PolicyVersion]:
    """A member who joined before version 2.0 took effect and accepted version 1.0 only; returns (id, 2.0)."""
    user_id = make_user(EMAIL, locale="fr", first_name=FIRST_NAME, last_name=LAST_NAME)
    with app.app_context():
        v1 = privacy_services.find_version("1.0")
        v2 = privacy_services.find_version("2.0")
        assert v1 is not None and v2 is not None, "the shipped policy versions 1.0 and 2.0 should be in the database"
        assert v2.is_material, "version 2.0 should be a material change"
        current = privacy_services.current_policy()
        assert current is not None and current.id == v2.id, (
            f"version 2.0 (effective {v2.effective_date}) should be in force today for this journey"
        )
        joined = datetime.combine(v2.effective_date - timedelta(days=90), time(9, 0))
        user = db.session.get(User, user_id)
        user.created_dt = joined
        db.session.add(PolicyAcceptance(user_id=user_id, policy_version_id=v1.id, accepted_dt=joined))
        db.session.commit()
        assert privacy_services.acceptance_required(user) is not None, "the member should have to accept 2.0"
        db.session.refresh(v2)  # loaded again after the commit, so that the test reads it once detached
        db.session.expunge(v2)
        return user_id, v2


def acceptances_of(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(PolicyVersion.version)
                .join(PolicyAcceptance, PolicyAcceptance.policy_version_id == PolicyVersion.id)
                .where(PolicyAcceptance.user_id == user_id)
                .order_by(PolicyVersion.effective_date)
            )
        )


def consent_events_of(app, user_id: int) -> list[tuple[str, bool, str, str | None]]:
    """(purpose, granted, source, policy version) of every consent event, oldest first."""
    with app.app_context():
        events = db.session.scalars(
            select(ConsentEvent).where(ConsentEvent.user_id == user_id).order_by(ConsentEvent.id)
        )
        return [
            (event.purpose, event.is_granted, event.source, event.policy_version and event.policy_version.version)
            for event in events
        ]


def user_id_with_email(app, email: str) -> int | None:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def sign_in(page, base: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/fr/login")
    expect_lang(page)
    page.get_by_label(fr("E-mail, phone or username"), exact=True).fill(EMAIL)
    page.get_by_label(fr("Password"), exact=True).fill(password)
    page.locator("main").get_by_role("button", name=fr("Sign in"), exact=True).click()


def test_member_accepts_policy_withdraws_consent_exports_and_erases(live_server, page, make_user, tmp_path):
    base = live_server.url
    app = live_server.app
    user_id, v2 = make_member_who_accepted_only_version_1(app, make_user)
    assert acceptances_of(app, user_id) == ["1.0"]
    SCREENS.mkdir(parents=True, exist_ok=True)

    # 1. Signing in, the member is sent to the new version of the policy before anything else.
    sign_in(page, base)
    expect(page).to_have_url(f"{base}/fr/privacy/accept")
    expect_lang(page)
    expect(page.locator("h1")).to_have_text(fr("Our privacy policy has changed"))
    main = page.locator("main")
    took_effect = fr(
        "Version %(version)s of our privacy policy took effect on %(date)s. Please review it, then accept it "
        "to go on using your account."
    ) % {"version": "2.0", "date": format_date(v2.effective_date, format="long", locale="fr")}
    expect(main).to_contain_text(took_effect)
    expect(main).to_contain_text(v2.summary_fr)
    expect(main.get_by_role("link", name=fr("Read the full policy"), exact=True)).to_have_attribute(
        "href", "/fr/privacy/versions/2.0"
    )
    expect(main.get_by_role("link", name=fr("Close my account"), exact=True)).to_have_attribute(
        "href", "/fr/privacy/erase"
    )
    page.screenshot(path=str(SCREENS / "privacy-accept.png"), full_page=True)

    # Other pages stay closed until the member accepts.
    page.goto(f"{base}/fr/dashboard")
    expect(page).to_have_url(f"{base}/fr/privacy/accept")

    # Without ticking the box, nothing is accepted.
    accept_box = page.get_by_label(fr("I have read and accept this version of the privacy policy"), exact=True)
    page.get_by_role("button", name=fr("Accept and continue"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/privacy/accept")
    expect_lang(page)
    expect(accept_box).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field.has-error .error")).to_have_text(
        fr("Tick this box to accept, or close your account below.")
    )
    assert acceptances_of(app, user_id) == ["1.0"]

    # 2. The member accepts version 2.0 and lands on their dashboard; the acceptance is recorded.
    accept_box.check()
    page.get_by_role("button", name=fr("Accept and continue"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/dashboard")
    expect_lang(page)
    expect(page.locator(".flash-success")).to_have_text(
        fr("Thank you: you accepted version %(version)s of the privacy policy.") % {"version": "2.0"}
    )
    expect(page.locator("h1")).to_have_text(fr("Hello, %(name)s") % {"name": FIRST_NAME})
    assert acceptances_of(app, user_id) == ["1.0", "2.0"]
    with app.app_context():
        acceptance = db.session.scalar(
            select(PolicyAcceptance).where(
                PolicyAcceptance.user_id == user_id, PolicyAcceptance.policy_version_id == v2.id
            )
        )
        assert acceptance.ip_address == "127.0.0.1"
        assert privacy_services.acceptance_required(db.session.get(User, user_id)) is None
    page.goto(f"{base}/fr/privacy/accept")
    expect(page).to_have_url(f"{base}/fr/dashboard")  # nothing left to accept

    # 3. The privacy dashboard, from the main menu.
    page.locator("header.site-header").get_by_role("link", name=fr("My privacy"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/privacy/dashboard")
    expect_lang(page)
    expect(page.locator("h1")).to_have_text(fr("My privacy"))
    consents = open_section(page, "consents")
    marketing_label = fr("News and offers by e-mail")
    marketing = consents.get_by_label(marketing_label, exact=True)
    expect(marketing).not_to_be_checked()
    expect(consents).to_contain_text(fr("You have not given any consent."))
    history = consents.locator("table tbody tr")
    expect(history).to_have_count(0)

    # ... where the member grants a consent to news by e-mail...
    marketing.check()
    consents.get_by_role("button", name=fr("Save my choices"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/privacy/dashboard#consents")
    expect_lang(page)
    expect(page.locator(".flash-success")).to_have_text(fr("Your choices are saved and apply from now on."))
    expect(marketing).to_be_checked()
    expect(history).to_have_count(1)
    granted_row = history.nth(0).locator("td")
    expect(granted_row.nth(1)).to_have_text(marketing_label)
    expect(granted_row.nth(2)).to_have_text(fr("Granted"))
    expect(granted_row.nth(3)).to_have_text("2.0")
    expect(granted_row.nth(4)).to_have_text(fr("Privacy dashboard"))
    assert consent_events_of(app, user_id) == [("marketing", True, "dashboard", "2.0")]

    # ... and withdraws it: the box is unticked, and the history shows both choices, newest first.
    marketing.uncheck()
    consents.get_by_role("button", name=fr("Save my choices"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/privacy/dashboard#consents")
    expect(page.locator(".flash-success")).to_have_text(fr("Your choices are saved and apply from now on."))
    expect(marketing).not_to_be_checked()
    expect(history).to_have_count(2)
    expect(history.nth(0).locator("td").nth(1)).to_have_text(marketing_label)
    expect(history.nth(0).locator("td").nth(2)).to_have_text(fr("Withdrawn"))
    expect(history.nth(1).locator("td").nth(2)).to_have_text(fr("Granted"))
    assert consent_events_of(app, user_id) == [
        ("marketing", True, "dashboard", "2.0"),
        ("marketing", False, "dashboard", "2.0"),
    ]
    with app.app_context():
        assert not consent_services.has_consent(db.session.get(User, user_id), ConsentPurpose.MARKETING)
    page.screenshot(path=str(SCREENS / "privacy-dashboard-fr.png"), full_page=True)

    # 4. The member downloads their data: a ZIP with their account in JSON and a README.
    export = open_section(page, "export")
    with page.expect_download() as download_info:
        export.get_by_role("button", name=fr("Download my data"), exact=True).click()
    download = download_info.value
    assert download.failure() is None, download.failure()
    assert re.fullmatch(r"caseinjob-my-data-\d{8}-\d{4}\.zip", download.suggested_filename), download.suggested_filename
    archive_path = tmp_path / download.suggested_filename
    download.save_as(archive_path)
    assert zipfile.is_zipfile(archive_path), "the download is not a ZIP file"
    with zipfile.ZipFile(archive_path) as archive:
        names = archive.namelist()
        assert "README.txt" in names, names
        assert "account.json" in names, names
        account = json.loads(archive.read("account.json").decode("utf-8"))
        readme = archive.read("README.txt").decode("utf-8")
        json_texts = {name: archive.read(name).decode("utf-8") for name in names if name.endswith(".json")}
    assert account["email"] == EMAIL
    assert account["first_name"] == FIRST_NAME
    assert account["last_name"] == LAST_NAME
    assert any(EMAIL in text for text in json_texts.values())
    assert any(FIRST_NAME in text for text in json_texts.values())  # UTF-8, not \u escapes
    readme_title = fr("Your data on %(portal)s, for %(name)s") % {
        "portal": app.config["PORTAL_NAME"],
        "name": f"{FIRST_NAME} {LAST_NAME}",
    }
    assert readme.startswith(readme_title), readme[:500]
    assert "account.json" in readme
    expect(page).to_have_url(f"{base}/fr/privacy/dashboard#consents")  # the download did not leave the page

    # 5. Erasure: the password is asked for; a wrong one is refused and the account stays.
    open_section(page, "erase").get_by_role("link", name=fr("Close my account and erase my data"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/privacy/erase")
    expect_lang(page)
    expect(page.locator("h1")).to_have_text(fr("Close my account"))
    password = page.get_by_label(fr("Current password"), exact=True)
    confirm = page.get_by_label(
        fr("I understand that my account and my data will be erased, and that this is final"), exact=True
    )
    erase_button = page.get_by_role("button", name=fr("Erase my account"), exact=True)
    password.fill(WRONG_PASSWORD)
    confirm.check()
    erase_button.click()

    expect(page).to_have_url(f"{base}/fr/privacy/erase")
    expect_lang(page)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#current_password-error")).to_have_text(fr("Your current password is not correct."))
    assert user_id_with_email(app, EMAIL) == user_id
    with app.app_context():
        assert not db.session.get(User, user_id).is_suspended

    # The right password: every session ends, the account is erased, the member lands signed out.
    password.fill(PASSWORD)
    confirm.check()
    erase_button.click()
    expect(page).to_have_url(re.compile(re.escape(f"{base}/fr/privacy/erasure/") + r"[\w-]+$"))
    expect_lang(page)
    expect(page.locator("h1")).to_have_text(fr("Your account is closed"))
    expect(page.locator("main")).to_contain_text(
        fr(
            "Your account and your data are erased, and the files you uploaded are deleted. "
            "Thank you for using the portal."
        )
    )
    header = page.locator("header.site-header")
    expect(header.get_by_role("button", name=fr("Sign out"), exact=True)).to_have_count(0)
    expect(header.get_by_role("link", name=fr("Sign in"), exact=True)).to_be_visible()
    assert user_id_with_email(app, EMAIL) is None
    with app.app_context():
        assert db.session.get(User, user_id) is None
        assert db.session.scalar(select(PolicyAcceptance.id).where(PolicyAcceptance.user_id == user_id)) is None
        assert db.session.scalar(select(ConsentEvent.id).where(ConsentEvent.user_id == user_id)) is None

    # The privacy dashboard now asks to sign in, and signing in again fails.
    page.goto(f"{base}/fr/privacy/dashboard")
    expect(page).to_have_url(re.compile(re.escape(f"{base}/fr/login")))
    sign_in(page, base)
    expect(page).to_have_url(re.compile(re.escape(f"{base}/fr/login")))
    expect_lang(page)
    expect(page.locator(".form-errors")).to_have_text(fr("The identifier or the password is not correct."))
    expect(page.locator("header.site-header").get_by_role("button", name=fr("Sign out"), exact=True)).to_have_count(0)
