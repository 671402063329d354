"""A candidate fills the profile in French, in a real browser: goals, education, experience, a language,
a photo (stripped of its GPS data) and a CV, with the mistakes a member makes on the way.

Expected French texts come from the catalog (messages.po): a missing translation fails the test.
"""

import io
import re
from pathlib import Path
from urllib.parse import urljoin

from PIL import Image

from app.profiles.choices import language_name
from tests.conftest import PASSWORD
from tests.e2e.catalog import translation
from tests.profiles import files

SCREENS = Path(__file__).resolve().parent / "artifacts" / "screens"

EMAIL = "camille@example.com"
FIRST_NAME = "Camille"
LAST_NAME = "Durand"
CV_NAME = "CV Camille.pdf"


PERCENT = re.compile(r"(\d+)\s*%")  # "0 %" in French (with a no-break space), "0%" in English


fr = translation  # the French text of a message id, from the catalog


def expect(target):
    """Playwright's auto-retrying assertions (imported late: without Playwright the tests are skipped)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def expect_lang(page, lang: str = "fr") -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def fact(section, term: str):
    """The <dd> that follows the <dt> `term` in a section's list of facts."""
    return section.locator("dl.facts dt").get_by_text(term, exact=True).locator("xpath=following-sibling::dd[1]")


def field_of(page, label: str):
    """The wrapper of the input labelled `label`: its label, hint, error and input sit together in it."""
    return page.locator("div.field").filter(has=page.get_by_label(label, exact=True))


def completeness_percent(page) -> int:
    heading = page.locator("#completeness-title")
    expect(heading).to_be_visible()
    text = heading.inner_text()
    match = PERCENT.search(text)
    assert match, f"no percentage in the completeness heading {text!r}"
    expect(heading).to_have_text(fr("Your profile is %(percent)s%% complete") % {"percent": match.group(1)})
    return int(match.group(1))


def expect_saved(page, base: str, flash_msgid: str) -> None:
    """Back on the French profile page, with the success message of the change."""
    expect(page).to_have_url(re.compile(re.escape(f"{base}/fr/profile") + r"(#\w+)?$"))
    expect_lang(page)
    expect(page.locator(".flash-success")).to_have_text(fr(flash_msgid))


def sign_in_in_french(page, base: str) -> None:
    page.goto(f"{base}/fr/login")
    expect_lang(page)
    page.get_by_label(fr("E-mail, phone or username"), exact=True).fill(EMAIL)
    page.get_by_label(fr("Password"), exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=fr("Sign in"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/dashboard")
    expect_lang(page)


def test_candidate_fills_profile_and_uploads_cv_and_photo_in_french(live_server, page, make_user, tmp_path):
    base = live_server.url
    make_user(EMAIL, locale="fr", first_name=FIRST_NAME, last_name=LAST_NAME)
    sign_in_in_french(page, base)

    # 1. The empty profile, in French: nothing is complete yet.
    page.goto(f"{base}/fr/profile")
    expect_lang(page)
    expect(page.locator("h1")).to_have_text(fr("My profile"))
    expect(page.locator("#completeness-title")).to_have_text(
        fr("Your profile is %(percent)s%% complete") % {"percent": 0}
    )
    assert completeness_percent(page) == 0

    # 2. Headline, skills and goals.
    page.locator("#goals").get_by_role("link", name=fr("Edit"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/profile/goals")
    expect_lang(page)
    expect(page.locator("h1")).to_have_text(fr("Headline, skills and goals"))
    page.get_by_label(fr("Headline"), exact=True).fill("Étudiante ingénieure, objectif conseil en stratégie")
    page.get_by_label(fr("Skills"), exact=True).fill("Excel, Python\nPrise de parole")
    sectors = page.get_by_role("group", name=fr("Sectors you aim at"), exact=True)
    sectors.get_by_label(fr("Consulting"), exact=True).check()
    sectors.get_by_label(fr("Banking and finance"), exact=True).check()
    company_types = page.get_by_role("group", name=fr("Kinds of company you aim at"), exact=True)
    company_types.get_by_label(fr("Consulting firm"), exact=True).check()
    page.get_by_label(fr("Roles you are preparing for"), exact=True).fill("Consultante, Analyste financière")
    page.get_by_role("button", name=fr("Save"), exact=True).click()

    expect_saved(page, base, "Your profile is saved.")
    goals = page.locator("#goals")
    expect(fact(goals, fr("Headline"))).to_have_text("Étudiante ingénieure, objectif conseil en stratégie")
    expect(fact(goals, fr("Skills"))).to_have_text("Excel, Python, Prise de parole")
    expect(fact(goals, fr("Sectors"))).to_have_text(f"{fr('Consulting')}, {fr('Banking and finance')}")
    expect(fact(goals, fr("Kinds of company"))).to_have_text(fr("Consulting firm"))
    expect(fact(goals, fr("Roles"))).to_have_text("Consultante, Analyste financière")

    # 3. An education entry...
    page.locator("#education").get_by_role("link", name=fr("Add"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/profile/education/new")
    expect_lang(page)
    page.get_by_label(fr("School or university"), exact=True).fill("École Centrale")
    page.get_by_label(fr("Degree"), exact=True).fill("Master")
    page.get_by_label(fr("Start year"), exact=True).fill("2021")
    page.get_by_label(fr("End year (or expected)"), exact=True).fill("2024")
    page.get_by_role("button", name=fr("Save"), exact=True).click()

    expect_saved(page, base, "The entry is added.")
    education = page.locator("#education .entry")
    expect(education).to_have_count(1)
    expect(education.locator(".entry-title")).to_have_text("Master")
    expect(education).to_contain_text("École Centrale · 2021–2024")

    # ... and a current job: a start month typed in the month input, no end month.
    page.locator("#experience").get_by_role("link", name=fr("Add"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/profile/experience/new")
    expect_lang(page)
    page.get_by_label(fr("Employer"), exact=True).fill("Cabinet Lumière")
    page.get_by_label(fr("Job title"), exact=True).fill("Analyste stagiaire")
    start_month = page.get_by_label(fr("Start month"), exact=True)
    expect(start_month).to_have_attribute("type", "month")
    start_month.fill("2024-09")
    expect(page.get_by_label(fr("End month (leave empty if it is your current job)"), exact=True)).to_have_value("")
    page.get_by_role("button", name=fr("Save"), exact=True).click()

    expect_saved(page, base, "The entry is added.")
    experience = page.locator("#experience .entry")
    expect(experience).to_have_count(1)
    expect(experience.locator(".entry-title")).to_have_text("Analyste stagiaire, Cabinet Lumière")
    # The month name comes from Babel's French locale data (CLDR), not from messages.po: checked in any case.
    expect(experience).to_contain_text(f"septembre 2024 – {fr('today')}")

    # 4. A mistake: the end year before the start year. The error sits next to the field, what was typed stays.
    page.locator("#education").get_by_role("link", name=fr("Add"), exact=True).click()
    expect_lang(page)
    page.get_by_label(fr("School or university"), exact=True).fill("Sciences Po")
    page.get_by_label(fr("Degree"), exact=True).fill("Master in Finance")
    page.get_by_label(fr("Start year"), exact=True).fill("2024")
    page.get_by_label(fr("End year (or expected)"), exact=True).fill("2020")
    page.get_by_role("button", name=fr("Save"), exact=True).click()

    expect(page).to_have_url(f"{base}/fr/profile/education/new")
    expect_lang(page)
    end_year = page.get_by_label(fr("End year (or expected)"), exact=True)
    expect(end_year).to_have_attribute("aria-invalid", "true")
    expect(end_year).to_have_attribute("aria-describedby", re.compile(r"\bend_year-error\b"))
    expect(field_of(page, fr("End year (or expected)")).locator(".error")).to_have_text(
        fr("The end year cannot be before the start year.")
    )
    expect(page.locator(".error")).to_have_count(1)
    expect(page.get_by_label(fr("School or university"), exact=True)).to_have_value("Sciences Po")
    expect(end_year).to_have_value("2020")
    page.get_by_role("link", name=fr("Cancel"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/profile#education")
    expect_lang(page)
    expect(page.locator("#education .entry")).to_have_count(1)  # the wrong entry was not saved

    # 5. A spoken language.
    page.get_by_label(fr("Language"), exact=True).select_option("en")
    page.get_by_label(fr("Level"), exact=True).select_option("c1")
    page.get_by_role("button", name=fr("Add this language"), exact=True).click()

    expect_saved(page, base, "Your languages are saved.")
    languages = page.locator("#languages .entry")
    expect(languages).to_have_count(1)
    expect(languages).to_contain_text(f"{language_name('en', 'fr')} — {fr('Advanced (C1)')}")

    # 6. A photo straight from a phone, with its GPS position: shown, but re-encoded small and without EXIF.
    upload_dir = tmp_path / "browser-files"
    upload_dir.mkdir()
    photo_path = upload_dir / "photo.jpg"
    photo_path.write_bytes(files.jpeg_with_gps())
    assert Image.open(photo_path).getexif().get_ifd(0x8825), "the test photo should carry GPS data"
    page.get_by_label(fr("Photo (JPEG, PNG or WebP, up to 5 MB)"), exact=True).set_input_files(photo_path)
    page.get_by_role("button", name=fr("Upload the photo"), exact=True).click()

    expect_saved(page, base, "Your photo is saved.")
    avatar = page.locator("img.avatar")
    expect(avatar).to_be_visible()
    expect(avatar).to_have_attribute("alt", fr("Your photo"))
    served = page.request.get(urljoin(page.url, avatar.get_attribute("src")))  # the browser's cookies
    assert served.ok, f"the photo is not served: {served.status}"
    assert served.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(served.body()))
    assert image.format == "JPEG"
    assert not image.getexif(), f"the served photo still has EXIF data: {dict(image.getexif())}"
    assert "exif" not in image.info
    assert max(image.size) <= 512, f"the served photo is {image.size}"

    # 7. A CV, shown under the name it had on the member's computer.
    cv_path = upload_dir / CV_NAME
    cv_path.write_bytes(files.pdf())
    cv_input_label = fr("CV (PDF or Word DOCX, up to 10 MB)")
    page.get_by_label(cv_input_label, exact=True).set_input_files(cv_path)
    page.get_by_role("button", name=fr("Upload the CV"), exact=True).click()

    expect_saved(page, base, "Your CV is saved.")
    download_name = fr("Download %(name)s") % {"name": CV_NAME}
    cv_link = page.get_by_role("link", name=download_name, exact=True)
    expect(cv_link).to_be_visible()
    expect(cv_link).to_contain_text(CV_NAME)
    served_cv = page.request.get(urljoin(page.url, cv_link.get_attribute("href")))
    assert served_cv.ok, f"the CV is not served: {served_cv.status}"
    assert served_cv.body() == cv_path.read_bytes()

    # 8. A program renamed cv.pdf is refused by its content; the CV already there stays.
    fake_dir = upload_dir / "fake"
    fake_dir.mkdir()
    fake_cv = fake_dir / "cv.pdf"
    fake_cv.write_bytes(files.executable())
    page.get_by_label(cv_input_label, exact=True).set_input_files(fake_cv)
    page.get_by_role("button", name=fr("Upload the CV"), exact=True).click()

    expect(page).to_have_url(f"{base}/fr/profile/cv")
    expect_lang(page)
    cv_input = page.get_by_label(cv_input_label, exact=True)
    expect(cv_input).to_have_attribute("aria-invalid", "true")
    expect(cv_input).to_have_attribute("aria-describedby", re.compile(r"\bcv-error\b"))
    expect(field_of(page, cv_input_label).locator(".error")).to_have_text(
        fr("This file is not a PDF or a Word document (DOCX). Save your CV in one of these formats.")
    )
    expect(page.locator(".flash-success")).to_have_count(0)
    expect(page.get_by_role("link", name=download_name, exact=True)).to_be_visible()

    # 9. The profile is now (partly) complete; screenshots of it in both languages.
    page.goto(f"{base}/fr/profile")
    expect_lang(page)
    assert completeness_percent(page) > 0
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "profile-fr.png"), full_page=True)

    page.goto(f"{base}/en/profile")
    expect_lang(page, "en")
    expect(page.locator("h1")).to_have_text("My profile")
    expect(fact(page.locator("#goals"), "Sectors")).to_have_text("Consulting, Banking and finance")
    expect(page.locator("#experience .entry")).to_contain_text("September 2024 – today")
    page.screenshot(path=str(SCREENS / "profile-en.png"), full_page=True)
