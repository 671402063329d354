"""A candidate takes the numerical test in French, in a real browser: answers are saved as they are given (no
page submit), survive a reload, wait on the device while the connection is lost (and across a closed tab), are
sent when it comes back, and the result shows the gap. The timer speaks only when asked (or at a few moments).

Expected French texts come from the catalog (messages.po): a missing translation fails the test.
"""

import re

from sqlalchemy import func, select

from app.assessments.bank import load_bank
from app.assessments.models import Answer, AutosaveGap
from app.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.catalog import translation

fr = translation  # the French text of a message id, from the catalog

EMAIL = "camille@example.com"
STORAGE_PREFIX = "caseinjob.autosave."


def expect(target):
    """Playwright's auto-retrying assertions (imported late: without Playwright the tests are skipped)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def pattern(text: str, **values: str) -> re.Pattern:
    """A catalog text as a regular expression, each %(name)s replaced by the given expression."""
    expression = re.escape(text)
    for name, value in values.items():
        expression = expression.replace(re.escape(f"%({name})s"), value)
    return re.compile(expression)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def wait_for_rows(page, app, model, expected: int) -> None:
    """The server saves in the background: wait (up to 10 s) until it holds `expected` rows."""
    for _ in range(100):
        if count(app, model) == expected:
            return
        page.wait_for_timeout(100)
    assert count(app, model) == expected, f"{model.__name__}: {count(app, model)} rows, expected {expected}"


def waiting_answers(page) -> dict:
    """The answers this browser keeps for later, per attempt."""
    return page.evaluate(
        """prefix => Object.fromEntries(Object.keys(localStorage).filter(key => key.startsWith(prefix))
             .map(key => [key, JSON.parse(localStorage.getItem(key)).answers || {}]))""",
        STORAGE_PREFIX,
    )


def sign_in_in_french(page, base: str) -> None:
    page.goto(f"{base}/fr/login")
    page.get_by_label(fr("E-mail, phone or username"), exact=True).fill(EMAIL)
    page.get_by_label(fr("Password"), exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=fr("Sign in"), exact=True).click()
    expect(page).to_have_url(f"{base}/fr/dashboard")


def numeric_fields(page):
    return page.locator("fieldset[data-item] input[type='text']")


def test_answers_are_saved_as_given_and_survive_reload_offline_and_a_closed_tab(live_server, new_page, make_user):
    base, app = live_server.url, live_server.app
    make_user(EMAIL, locale="fr", first_name="Camille", last_name="Durand")
    with app.app_context():
        numerical = next(test for test in load_bank() if test.slug == "numerical-reasoning").public_id
        db.session.commit()

    page = new_page(locale="fr-FR")
    context = page.context
    sign_in_in_french(page, base)
    page.goto(f"{base}/fr/tests/{numerical}")
    page.get_by_role("button", name=fr("Start the test"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/fr/tests/attempts/[0-9a-f]{32}$"))
    take_url = page.url

    # The timer: a visible clock hidden from screen readers, a status region silent until asked.
    clock = page.locator(".test-clock")
    expect(clock).to_be_visible()
    expect(clock).to_have_attribute("aria-hidden", "true")
    expect(clock).to_have_text(re.compile(r"^(19|20):\d\d$"))
    timer_status = page.locator(".test-timer [role='status']")
    expect(timer_status).to_have_attribute("aria-live", "polite")
    page.wait_for_timeout(1500)
    expect(timer_status).to_have_text("")  # not every second
    page.get_by_role("button", name=fr("Time left"), exact=True).click()
    minutes = r"\d+\s+minutes?(\s+et\s+\d+\s+secondes?)?"  # Intl puts a no-break space before the unit
    expect(timer_status).to_have_text(pattern(fr("%(time)s left."), time=minutes))

    # Two answers, saved with no page submit, still there after a reload.
    save_status = page.locator(".autosave-status")
    fields = numeric_fields(page)
    fields.nth(0).fill("92")
    fields.nth(1).fill("20")
    fields.nth(1).press("Tab")
    wait_for_rows(page, app, Answer, 2)
    expect(save_status).to_have_text(fr("Saved"))
    page.reload()
    fields = numeric_fields(page)
    expect(fields.nth(0)).to_have_value("92")
    expect(fields.nth(1)).to_have_value("20")
    assert not any(waiting_answers(page).values())  # nothing left waiting on the device

    # Offline: the answer waits on the device, then goes when the connection comes back.
    context.set_offline(True)
    fields.nth(2).fill("3")
    fields.nth(2).press("Tab")
    expect(save_status).to_have_text(fr("Not saved: retrying…"))
    assert [list(answers.values())[0]["value"] for answers in waiting_answers(page).values()] == ["3"]
    page.wait_for_timeout(1500)
    assert count(app, Answer) == 2
    context.set_offline(False)
    wait_for_rows(page, app, Answer, 3)
    expect(save_status).to_have_text(fr("Saved"))
    wait_for_rows(page, app, AutosaveGap, 1)

    # Offline again, and the tab is closed before the connection returns: the next visit sends the answer.
    context.set_offline(True)
    fields.nth(3).fill("12")
    fields.nth(3).press("Tab")
    expect(save_status).to_have_text(fr("Not saved: retrying…"))
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.goto(take_url)
    expect(numeric_fields(page).nth(3)).to_have_value("12")
    wait_for_rows(page, app, Answer, 4)
    wait_for_rows(page, app, AutosaveGap, 2)
    expect(page.locator(".autosave-status")).to_have_text(fr("Saved"))

    # The result tells what happened, in the candidate's time zone and language.
    page.get_by_role("button", name=fr("Save and submit"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/fr/tests/attempts/[0-9a-f]{32}/result$"))
    notices = page.locator(".autosave-gaps p")
    expect(notices).to_have_count(2)
    one_waited = fr(
        "Between %(start)s and %(end)s, your answers could not be saved right away; %(count)s answer waited and "
        "was saved when the connection came back."
    )
    time = r"\d\d:\d\d(:\d\d)?"
    for index in range(2):
        expect(notices.nth(index)).to_have_text(pattern(one_waited, start=time, end=time, count="1"))


def move_deadline(app, public_id: str, seconds_from_now: float) -> None:
    """Bring the attempt's server deadline close (the 20-minute clock kept), so the test need not wait for it."""
    from datetime import timedelta

    from app.assessments.models import Attempt
    from app.core.timeutil import utcnow

    with app.app_context():
        attempt = db.session.scalar(select(Attempt).where(Attempt.public_id == public_id))
        attempt.deadline_dt = utcnow() + timedelta(seconds=seconds_from_now)
        attempt.started_dt = attempt.deadline_dt - timedelta(minutes=20)
        db.session.commit()


def test_the_timer_speaks_at_five_and_one_minute_and_the_deadline_opens_the_result(live_server, new_page, make_user):
    base, app = live_server.url, live_server.app
    make_user(EMAIL, locale="fr", first_name="Camille", last_name="Durand")
    with app.app_context():
        numerical = next(test for test in load_bank() if test.slug == "numerical-reasoning").public_id
        db.session.commit()
    page = new_page(locale="fr-FR")
    page.clock.install()  # the page's clock, which the test moves on; the server keeps real time
    sign_in_in_french(page, base)
    page.goto(f"{base}/fr/tests/{numerical}")
    page.get_by_role("button", name=fr("Start the test"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/fr/tests/attempts/[0-9a-f]{32}$"))
    attempt_id = page.url.rsplit("/", 1)[-1]
    move_deadline(app, attempt_id, 5 * 60 + 5)
    page.reload()
    timer_status = page.locator(".test-timer [role='status']")
    expect(page.locator(".test-clock")).to_have_text(re.compile(r"^05:0\d$"))
    page.clock.run_for(3000)
    expect(timer_status).to_have_text("")  # half time had passed before the page opened: not said
    page.clock.run_for(4000)
    expect(timer_status).to_have_text(pattern(fr("%(time)s left."), time=r"5\s+minutes"))
    page.clock.fast_forward("04:00")
    page.clock.run_for(1000)
    expect(timer_status).to_have_text(pattern(fr("%(time)s left."), time=r"1\s+minute"))
    # The deadline passes on the server, then on the page: the page opens the result, which the server closed.
    move_deadline(app, attempt_id, -1)
    page.clock.fast_forward("01:05")
    page.clock.run_for(2000)
    expect(page).to_have_url(f"{base}/fr/tests/attempts/{attempt_id}/result")
    expect(page.locator("main")).to_contain_text(
        fr("The time was over: the answers saved before the deadline were submitted.")
    )
