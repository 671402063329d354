"""An assigned test, in a real browser: a client assigns the numerical test in English, the candidate takes it in
French (reloading the page halfway: her answers stay), submits it and reads her score; the client then sees the
test completed, with the score, in the list and on the result page. Both get their e-mail.

Expected French texts come from the catalog (messages.po): a missing translation fails the test.
"""

import re
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.assessments.bank import load_bank
from app.assessments.models import Answer
from app.auth.models import Role
from app.extensions import db
from tests.conftest import PASSWORD, text_part
from tests.e2e.catalog import translation

fr = translation  # the French text of a message id, from the catalog

SHOTS = Path("/tmp/e2e-shots")  # noqa: S108 (screenshots for people to look at, outside the repository)

CLIENT = "thomas@conseil.example"
CLIENT_COMPANY = "Conseil & Co"
OTHER_CLIENT = "jobs@globex.example"
CANDIDATE = "camille@example.com"
CANDIDATE_NAME = "Camille Durand"

# The numerical-reasoning test of the starter bank: 16 questions, 5 a page, so 4 pages. One entry per question,
# in order: a typed number, the index of the chosen option (int), or None (left unanswered); and whether it is
# right by the keys in app/assessments/bank/numerical_reasoning.json.
PAGES = [
    [("92", True), ("20", True), (0, True), ("16", False), ("1102,5", True)],  # women: 15, not 16
    [(1, True), ("210", True), ("17", False), ("600", True), (1, True)],  # the mean is 18, not 17
    [("3500", True), (None, False), ("450", True), (0, False), ("140", True)],  # A is dearer per kilo than B
    [(1, True)],
]
RIGHT = sum(right for page in PAGES for _, right in page)  # 12
ANSWERED = sum(value is not None for page in PAGES for value, _ in page)  # 15
TOTAL = sum(len(page) for page in PAGES)  # 16
PERCENTAGE = 75  # 12 of 16 points


def expect(target):
    """Playwright's auto-retrying assertions (imported late: without Playwright the tests are skipped)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def expect_lang(page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def fact(section, term: str):
    """The <dd> that follows the <dt> `term` in a list of facts."""
    return section.locator("dl.facts dt").get_by_text(term, exact=True).locator("xpath=following-sibling::dd[1]")


def sign_in(page, base: str, lang: str, email: str, text) -> None:
    """Sign in through the page; `text` gives a message id's text in the page's language."""
    page.goto(f"{base}/{lang}/login")
    expect_lang(page, lang)
    page.get_by_label(text("E-mail, phone or username"), exact=True).fill(email)
    page.get_by_label(text("Password"), exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=text("Sign in"), exact=True).click()
    expect(page).to_have_url(f"{base}/{lang}/dashboard")


def english(msgid: str) -> str:
    return msgid


def screenshot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


# --- the test pages --------------------------------------------------------------------------------------------


def questions(page):
    return page.locator("form.test-form fieldset[data-item]")


def answer_page(page, answers) -> None:
    """Type or choose each answer of the page shown (None: leave the question blank)."""
    fieldsets = questions(page)
    expect(fieldsets).to_have_count(len(answers))
    for index, (value, _) in enumerate(answers):
        if value is None:
            continue
        if isinstance(value, int):
            fieldsets.nth(index).locator("input[type='radio']").nth(value).check()
        else:
            fieldsets.nth(index).locator("input[type='text']").fill(value)
    page.keyboard.press("Tab")  # leaves the last field, as a person moving to the buttons would


def expect_answers_shown(page, answers) -> None:
    """The page shows exactly these answers: numbers in their boxes, the chosen option checked and no other."""
    fieldsets = questions(page)
    expect(fieldsets).to_have_count(len(answers))
    for index, (value, _) in enumerate(answers):
        fieldset = fieldsets.nth(index)
        if isinstance(value, str | re.Pattern):
            expect(fieldset.locator("input[type='text']")).to_have_value(value)
            continue
        radios = fieldset.locator("input[type='radio']")
        for option in range(radios.count()):
            if option == value:
                expect(radios.nth(option)).to_be_checked()
            else:
                expect(radios.nth(option)).not_to_be_checked()


def saved_answers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Answer.id)))


def wait_until_saved(page, app, expected: int) -> None:
    """The autosave runs in the background: wait (up to 10 s) until the server holds `expected` answers."""
    for _ in range(100):
        if saved_answers(app) == expected:
            return
        page.wait_for_timeout(100)
    assert saved_answers(app) == expected, f"{saved_answers(app)} answers saved, expected {expected}"


def expect_page_number(page, number: int) -> None:
    expect(page.locator(".test-progress")).to_have_text(
        fr("Page %(page)s of %(pages)s") % {"page": number, "pages": len(PAGES)}
    )


# --- the journey ----------------------------------------------------------------------------------------------


def test_a_client_assigns_a_test_in_english_the_candidate_takes_it_in_french_and_both_see_the_result(
    live_server, new_page, make_user
):
    base, app = live_server.url, live_server.app
    make_user(
        CLIENT, roles=[Role.CLIENT], locale="en", first_name="Thomas", last_name="Bernard", company=CLIENT_COMPANY
    )
    make_user(OTHER_CLIENT, roles=[Role.CLIENT], locale="en", first_name="Gaston", company="Globex")
    make_user(CANDIDATE, roles=[Role.CANDIDATE], locale="fr", first_name="Camille", last_name="Durand")
    with app.app_context():
        load_bank()
        db.session.commit()
    due = date.today() + timedelta(days=14)

    # 1. The client assigns the numerical test to Camille, in English.
    client = new_page(locale="en-GB")
    sign_in(client, base, "en", CLIENT, english)
    client.goto(f"{base}/en/tests/assignments/")
    expect_lang(client, "en")
    expect(client.locator("main")).to_contain_text("You have not assigned any test yet.")
    client.get_by_role("link", name="Assign a test", exact=True).click()
    expect(client).to_have_url(f"{base}/en/tests/assignments/new")
    expect(client.locator("h1")).to_have_text("Assign a test")
    client.get_by_label("Test", exact=True).select_option(label="Numerical reasoning")
    client.get_by_label("Candidates' e-mail addresses", exact=True).fill(CANDIDATE)
    client.get_by_label("Due date", exact=True).fill(due.isoformat())
    client.get_by_role("button", name="Assign the test", exact=True).click()

    expect(client).to_have_url(f"{base}/en/tests/assignments/")
    expect(client.locator(".flash-success")).to_have_text("Assigned to 1 member, who was told by e-mail.")
    rows = client.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("th")).to_have_text(CANDIDATE_NAME)
    expect(rows.locator("td")).to_have_text(["Numerical reasoning", re.compile(r"\S"), "Not started", "—"])
    assignment_url = rows.locator("th a").get_attribute("href")
    assert re.fullmatch(r"/en/tests/assignments/[0-9a-f]{32}", assignment_url), assignment_url

    told = [message for message in live_server.deliver() if message["To"] == CANDIDATE]
    assert [message["Subject"] for message in told] == [
        fr("A test to take for %(client)s") % {"client": CLIENT_COMPANY}
    ]
    assert f"{base}/fr/tests/" in text_part(told[0])

    # 2. Camille finds the test in French among those employers asked her to take, and starts it.
    candidate = new_page(locale="fr-FR")
    sign_in(candidate, base, "fr", CANDIDATE, fr)
    candidate.goto(f"{base}/fr/tests/")
    expect_lang(candidate, "fr")
    assigned = candidate.locator("section[aria-labelledby=assigned-title]")
    expect(assigned.locator("h2")).to_have_text(fr("Tests employers asked you to take"))
    entries = assigned.locator("li")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text(fr("for %(client)s") % {"client": CLIENT_COMPANY})
    expect(entries).to_contain_text(fr("Not started"))
    entries.get_by_role("link", name="Raisonnement numérique", exact=True).click()

    expect(candidate).to_have_url(re.compile(re.escape(f"{base}/fr/tests/assigned/") + r"[0-9a-f]{32}$"))
    expect(candidate.locator("h1")).to_have_text("Raisonnement numérique")
    expect(candidate.locator(".notice")).to_contain_text(CLIENT_COMPANY)
    candidate.get_by_role("button", name=fr("Start the test"), exact=True).click()
    expect(candidate).to_have_url(re.compile(re.escape(f"{base}/fr/tests/attempts/") + r"[0-9a-f]{32}$"))
    attempt_id = candidate.url.rsplit("/", 1)[-1]
    expect_lang(candidate, "fr")

    # 3. Page 1, then page 2: answers saved as they are given; a reload halfway keeps every answer on the page.
    expect_page_number(candidate, 1)
    answer_page(candidate, PAGES[0])
    candidate.get_by_role("button", name=fr("Save and continue"), exact=True).click()
    expect_page_number(candidate, 2)
    answer_page(candidate, PAGES[1])
    wait_until_saved(candidate, app, 10)
    expect(candidate.locator(".autosave-status")).to_have_text(fr("Saved"))
    screenshot(candidate, "candidate-test-page-fr")

    candidate.reload()
    expect_page_number(candidate, 2)
    expect_answers_shown(candidate, PAGES[1])
    candidate.get_by_role("button", name=fr("Previous page"), exact=True).click()
    expect_page_number(candidate, 1)
    # The decimal typed "1102,5" is saved as a number: shown back with either separator, it is the same answer.
    expect_answers_shown(candidate, [*PAGES[0][:4], (re.compile(r"^1102[,.]5$"), True)])
    candidate.get_by_role("button", name=fr("Save and continue"), exact=True).click()
    expect_page_number(candidate, 2)
    expect_answers_shown(candidate, PAGES[1])

    # 4. Pages 3 and 4 (one question left blank), then she submits.
    candidate.get_by_role("button", name=fr("Save and continue"), exact=True).click()
    expect_page_number(candidate, 3)
    answer_page(candidate, PAGES[2])
    candidate.get_by_role("button", name=fr("Save and continue"), exact=True).click()
    expect_page_number(candidate, 4)
    expect(candidate.get_by_role("button", name=fr("Save and continue"), exact=True)).to_have_count(0)
    answer_page(candidate, PAGES[3])
    candidate.get_by_role("button", name=fr("Save and submit"), exact=True).click()

    # 5. Her result, in French.
    expect(candidate).to_have_url(f"{base}/fr/tests/attempts/{attempt_id}/result")
    expect_lang(candidate, "fr")
    expect(candidate.locator(".flash-success")).to_have_text(fr("Your answers are submitted."))
    expect(candidate.locator("h1")).to_have_text(fr("Your result: %(title)s") % {"title": "Raisonnement numérique"})
    main = candidate.locator("main")
    expect(main).to_contain_text(
        fr("You answered %(answered)s of %(total)s questions.") % {"answered": ANSWERED, "total": TOTAL}
    )
    expect(candidate.locator(".result-score")).to_have_text(
        fr("Score: %(score)s out of %(maximum)s") % {"score": RIGHT, "maximum": TOTAL}
    )
    expect(main).to_contain_text(fr("%(percentage)s%% of the points") % {"percentage": PERCENTAGE})
    expect(candidate.locator("section[aria-labelledby=sharing-title]")).to_contain_text(CLIENT_COMPANY)
    screenshot(candidate, "candidate-result-fr")

    # 6. The e-mails: her result, in French; the client is told in English, with a link to the result.
    messages = live_server.deliver()
    results = [
        message for message in messages if message["To"] == CANDIDATE and message["Subject"] != told[0]["Subject"]
    ]
    assert [message["Subject"] for message in results] == [fr("Your test result")]
    body = text_part(results[0])
    assert fr("Score: %(score)s out of %(maximum)s") % {"score": RIGHT, "maximum": TOTAL} in body
    assert f"{base}/fr/tests/attempts/{attempt_id}/result" in body
    to_client = [message for message in messages if message["To"] == CLIENT]
    assert [message["Subject"] for message in to_client] == ["A candidate completed a test"]
    assert f"{base}{assignment_url}" in text_part(to_client[0])

    # 7. The client sees the test completed, with the score, in the list and on the result page.
    client.reload()
    expect(rows).to_have_count(1)
    expect(rows.locator("td")).to_have_text(["Numerical reasoning", re.compile(r"\S"), "Completed", f"{PERCENTAGE}%"])
    screenshot(client, "client-assignments-en")
    rows.get_by_role("link", name=CANDIDATE_NAME, exact=True).click()
    expect(client).to_have_url(f"{base}{assignment_url}")
    expect(client.locator("h1")).to_have_text("Numerical reasoning")
    details = client.locator("main")
    expect(fact(details, "Status")).to_have_text("Completed")
    expect(fact(details, "Candidate")).to_have_text(f"{CANDIDATE_NAME} — {CANDIDATE}")
    expect(details).to_contain_text(f"Answered {ANSWERED} of {TOTAL} questions.")
    expect(client.locator(".result-score")).to_have_text(f"Score: {RIGHT} out of {TOTAL}")
    expect(details).to_contain_text(f"{PERCENTAGE}% of the points")
    screenshot(client, "client-result-en")

    # 8. Nobody else reads it: another client gets "not found"; a client cannot open the candidate's own page.
    assert client.goto(f"{base}/en/tests/attempts/{attempt_id}/result").status == 403
    other = new_page(locale="en-GB")
    sign_in(other, base, "en", OTHER_CLIENT, english)
    assert other.goto(f"{base}{assignment_url}").status == 404
    other.goto(f"{base}/en/tests/assignments/")
    expect(other.locator("main")).to_contain_text("You have not assigned any test yet.")
