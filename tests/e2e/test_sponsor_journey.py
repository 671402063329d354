"""A school enrols its students by CSV, in a real browser: its admin checks a file in French (a bad one first,
nothing imported), imports a good one, an invitee with no account accepts in English from the e-mail, and the
admin sees the seat taken. Expected French texts come from the catalog (messages.po), read when the test runs."""

import csv
import re
from pathlib import Path

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.core.mail import OutboxMessage
from app.extensions import db
from app.sponsors.models import Enrolment, ImportBatch, Invitation
from tests.conftest import PASSWORD, link_in, text_part
from tests.e2e.catalog import _catalog
from tests.e2e.catalog import translation as fr
from tests.sponsors.conftest import add_admin, make_organisation

SCREENS = Path(__file__).resolve().parent / "artifacts" / "screens"

SCHOOL = "École Alpha"
COHORT = "M1 Finance"
SEATS = 5
ADMIN_EMAIL = "anne.admin@ecole-alpha.example"
HEADER = ["email", "first_name", "last_name", "cohort", "grade", "language"]
FRENCH_INVITEE = "chloe.bernard@example.com"
ENGLISH_INVITEE = "james.wilson@example.com"
INVITEE_PASSWORD = "velvet-orchard-92-lamp"  # noqa: S105 (a made-up member's password)


def expect(target):
    """Playwright's auto-retrying assertions (imported late: without Playwright the tests are skipped)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def expect_lang(page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def en(msgid: str, **values) -> str:
    """The English text of `msgid`: the msgid itself, formatted as gettext formats it."""
    return msgid % values if values else msgid


def fr_plural(msgid: str, count: int) -> str:
    """The French form of the plural message `msgid` (its singular) for `count`: French uses the singular for 0 and 1.

    `translation` reads only the singular form, so the chosen form is checked here too.
    """
    fr(msgid)  # fails, naming the message, when the translation is missing or fuzzy
    text = _catalog("fr").get(msgid).string[0 if count <= 1 else 1]
    assert text, f"the French plural form of {msgid!r} for {count} is empty in messages.po"
    return text


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def check_file(page, path: Path) -> None:
    """Choose the CSV file on the import page and have it checked."""
    page.get_by_label(fr("CSV file"), exact=True).set_input_files(str(path))
    page.locator("main").get_by_role("button", name=fr("Check the file"), exact=True).click()


def test_school_admin_imports_csv_invitee_accepts_in_english_admin_sees_seat_used(
    live_server, new_page, make_user, tmp_path
):
    base, app = live_server.url, live_server.app
    SCREENS.mkdir(parents=True, exist_ok=True)

    # A school with a few seats and a cohort, managed by a French-speaking sponsor admin.
    public_id = make_organisation(app, SCHOOL, seats=SEATS, locale="fr", cohorts=(COHORT,))
    admin_id = make_user(ADMIN_EMAIL, roles=(Role.SPONSOR_ADMIN,), first_name="Anne", locale="fr")
    add_admin(app, public_id, admin_id)
    organisation_url = f"{base}/fr/sponsors/{public_id}"
    import_url = f"{organisation_url}/import"

    # The admin signs in in French and goes from the dashboard to the organisation's import page.
    admin = new_page(locale="fr-FR")
    admin.goto(f"{base}/fr/login")
    expect_lang(admin, "fr")
    admin.get_by_label(fr("E-mail, phone or username"), exact=True).fill(ADMIN_EMAIL)
    admin.get_by_label(fr("Password"), exact=True).fill(PASSWORD)
    admin.locator("main").get_by_role("button", name=fr("Sign in"), exact=True).click()
    expect(admin).to_have_url(f"{base}/fr/dashboard")
    admin.locator("main").get_by_role("link", name=fr("My organisations"), exact=True).click()
    expect(admin).to_have_url(organisation_url)  # straight to the only organisation
    expect(admin.locator("h1")).to_have_text(SCHOOL)
    subnav = admin.locator("nav.subnav")
    subnav.get_by_role("link", name=fr("Import a CSV file"), exact=True).click()
    expect(admin).to_have_url(import_url)
    expect_lang(admin, "fr")
    expect(admin.locator("main h2").first).to_have_text(fr("Import a CSV file"))

    # A bad file first: one bad address, one formula cell. Both rows are listed, in French, and nothing is imported.
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            ["ana.martin@example.com", "Ana", "Martin", COHORT, "M1", ""],
            ["pas-une-adresse", "Paul", "Durand", COHORT, "M1", "fr"],
            ["hugo.leroy@example.com", '=HYPERLINK("https://evil.example","clic")', "Leroy", COHORT, "M1", "en"],
        ],
    )
    check_file(admin, bad)
    expect(admin).to_have_url(import_url)
    expect_lang(admin, "fr")
    report = admin.locator("section.import-report")
    expect(report.locator("h3")).to_have_text(fr("Nothing was imported"))
    expect(report).to_contain_text(
        fr_plural("%(count)s row of %(total)s must be corrected:", 2) % {"count": 2, "total": 3}
    )
    rows = report.locator("table.bad-rows tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td").nth(0)).to_have_text("3")
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("pas-une-adresse")
    expect(rows.nth(0).locator("ul.reasons li")).to_have_text(
        [fr("“%(value)s” is not a valid e-mail address.") % {"value": "pas-une-adresse"}]
    )
    expect(rows.nth(1).locator("td").nth(0)).to_have_text("4")
    expect(rows.nth(1).locator("td").nth(1)).to_have_text("hugo.leroy@example.com")
    expect(rows.nth(1).locator("ul.reasons li")).to_have_text(
        [
            fr("The cell “%(column)s” starts like a spreadsheet formula (= + - @); remove that sign.")
            % {"column": "first_name"}
        ]
    )
    assert count(app, Invitation) == 0
    assert count(app, ImportBatch) == 0
    assert count(app, OutboxMessage) == 0

    # The good file: two students, one invited in English. The preview is in French; nothing is sent yet.
    good = write_csv(
        tmp_path / "etudiants.csv",
        [
            [FRENCH_INVITEE, "Chloé", "Bernard", COHORT, "M1", ""],
            [ENGLISH_INVITEE, "James", "Wilson", COHORT, "M1", "en"],
        ],
    )
    check_file(admin, good)
    expect(admin).to_have_url(re.compile(re.escape(f"{base}/fr/sponsors/imports/") + r"[^/]+$"))
    expect_lang(admin, "fr")
    main = admin.locator("main")
    expect(main.locator("h2")).to_have_text(fr("Check before importing"))
    expect(main).to_contain_text(fr_plural("%(count)s person will receive an invitation by e-mail.", 2) % {"count": 2})
    preview = main.locator("table.preview tbody tr")
    expect(preview).to_have_count(2)
    default = fr("Default")  # no language in the file: the person's, or the school's
    expect(preview.nth(0).locator("td")).to_have_text(["2", FRENCH_INVITEE, "Chloé Bernard", COHORT, "M1", default])
    expect(preview.nth(1).locator("td")).to_have_text(["3", ENGLISH_INVITEE, "James Wilson", COHORT, "M1", "en"])
    admin.screenshot(path=str(SCREENS / "sponsor-import-preview-fr.png"), full_page=True)
    assert count(app, Invitation) == 0
    assert count(app, OutboxMessage) == 0

    # The admin confirms: the French success message, and two invitations pending.
    main.get_by_role("button", name=fr("Import and send the invitations"), exact=True).click()
    expect(admin).to_have_url(f"{organisation_url}/invitations")
    expect_lang(admin, "fr")
    expect(admin.locator(".flash-success")).to_have_text(fr_plural("%(num)d invitation is sent.", 2) % {"num": 2})
    subnav.get_by_role("link", name=fr("Overview"), exact=True).click()
    expect(admin).to_have_url(organisation_url)
    expect(admin.locator("#invitations-pending")).to_have_text("2")
    expect(admin.locator("#seats-used")).to_have_text(fr("%(used)s of %(total)s used") % {"used": 0, "total": SEATS})

    # The e-mails go out: the English invitee's is in English, the other in the school's language (French).
    received = live_server.deliver()
    to_english = [message for message in received if message["To"] == ENGLISH_INVITEE]
    to_french = [message for message in received if message["To"] == FRENCH_INVITEE]
    assert len(to_english) == 1, f"expected one message to {ENGLISH_INVITEE}, got {[m['To'] for m in received]}"
    assert len(to_french) == 1, f"expected one message to {FRENCH_INVITEE}, got {[m['To'] for m in received]}"
    english_message = to_english[0]
    assert english_message["Subject"] == en("%(organisation)s offers you the portal's services", organisation=SCHOOL)
    english_text = text_part(english_message)
    assert en("Hello %(name)s,", name="James") in english_text
    assert to_french[0]["Subject"] == fr("%(organisation)s offers you the portal's services") % {"organisation": SCHOOL}
    link = link_in(english_text, "/sponsors/join/")
    assert link.startswith("/en/sponsors/join/"), link

    # The invitee opens the link in another browser (no session, a French browser): the page is in English.
    invitee = new_page(locale="fr-FR")
    invitee.goto(base + link)
    expect(invitee).to_have_url(base + link)
    expect_lang(invitee, "en")
    expect(invitee.locator("h1")).to_have_text(en("Invitation from %(organisation)s", organisation=SCHOOL))
    form = invitee.locator("main form").filter(has=invitee.get_by_label("Password", exact=True))
    expect(form.get_by_label("First name", exact=True)).to_have_value("James")
    expect(form.get_by_label("Last name", exact=True)).to_have_value("Wilson")
    form.get_by_label("Password", exact=True).fill(INVITEE_PASSWORD)
    form.get_by_label("I have read and accept the privacy policy", exact=True).check()
    form.get_by_role("button", name="Create my account and accept", exact=True).click()

    # The account is created, the invitation accepted, and the new member is signed in, in English.
    expect(invitee).to_have_url(f"{base}/en/sponsors/mine")
    expect_lang(invitee, "en")
    expect(invitee.locator(".flash-success")).to_have_text(
        en("Welcome! %(organisation)s sponsors you from now on.", organisation=SCHOOL)
    )
    expect(invitee.locator("h1")).to_have_text("My sponsors")
    expect(invitee.locator("main")).to_contain_text(SCHOOL)
    header = invitee.locator("header.site-header")
    expect(header.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ENGLISH_INVITEE))
        assert user is not None and user.locale == "en" and user.is_email_verified
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
        assert enrolment is not None and enrolment.is_active and enrolment.grade == "M1"

    # Back in the admin's browser: one seat taken, one invitation still pending.
    admin.reload()
    expect_lang(admin, "fr")
    expect(admin.locator("#seats-used")).to_have_text(fr("%(used)s of %(total)s used") % {"used": 1, "total": SEATS})
    expect(admin.locator("#invitations-pending")).to_have_text("1")
    admin.screenshot(path=str(SCREENS / "sponsor-organisation-fr.png"), full_page=True)
