"""A video case interview, in a real browser: a candidate asks for it in French, an interviewer accepts it in
English, gives feedback, and the candidate reads that feedback in French, rates it and gets the e-mails.

Expected French texts come from the catalog (messages.po): a missing translation fails the test.
"""

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from babel.dates import format_date, format_datetime
from sqlalchemy import select

from app.core.timeutil import utcnow
from app.extensions import db
from app.profiles.models import CandidateProfile
from app.simulations.models import InterviewSession
from app.simulations.services import CRITERIA, SESSION_LENGTH
from tests.conftest import PASSWORD, text_part
from tests.e2e.catalog import translation
from tests.simulations.conftest import THURSDAY, TUESDAY, make_interviewer, window_fields  # noqa: F401

SCREENS = Path(__file__).resolve().parent / "artifacts" / "screens"

CANDIDATE = "camille@example.com"
INTERVIEWER = "julien.martin@example.com"
INTERVIEWER_NAME = "Julien Interviewer"  # make_interviewer: the e-mail's first word, then "Interviewer"
PARIS = ZoneInfo("Europe/Paris")
HEADLINE = "Étudiante ingénieure, objectif conseil en stratégie"
GOAL = "Structurer un cas de dimensionnement de marché"
VIDEO_LINK = "https://visio.example/caseinjob-julien"
SCORES = {"structure": 4, "analysis": 3, "communication": 5, "business_sense": 2}
STRENGTHS = "Clear structure from the first minute"
IMPROVEMENTS = "Sharpen the market-sizing maths"
RECOMMENDATIONS = "Practise one case a day, out loud"


fr = translation  # the French text of a message id, from the catalog


def expect(target):
    """Playwright's auto-retrying assertions (imported late: without Playwright the tests are skipped)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def expect_lang(page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def fact(section, term: str):
    """The <dd> that follows the <dt> `term` in a list of facts."""
    return section.locator("dl.facts dt").get_by_text(term, exact=True).locator("xpath=following-sibling::dd[1]")


def sign_in(page, base: str, lang: str, email: str, labels: dict) -> None:
    page.goto(f"{base}/{lang}/login")
    expect_lang(page, lang)
    page.get_by_label(labels["identifier"], exact=True).fill(email)
    page.get_by_label(labels["password"], exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=labels["submit"], exact=True).click()
    expect(page).to_have_url(f"{base}/{lang}/dashboard")
    expect_lang(page, lang)


def paris(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def test_video_case_interview_requested_in_french_accepted_in_english_feedback_read_in_french(
    live_server,
    new_page,
    make_user,
    make_interviewer,  # noqa: F811 (the fixture imported above)
):
    base = live_server.url
    app = live_server.app
    candidate_id = make_user(CANDIDATE, locale="fr", first_name="Camille", last_name="Durand")
    make_interviewer(INTERVIEWER, locale="en")  # video, case, consulting; free on Tuesdays 18:00–22:00 in Paris
    with app.app_context():  # something to share with the interviewer (every section is shared by default)
        db.session.add(
            CandidateProfile(
                user_id=candidate_id,
                headline=HEADLINE,
                skills=[],
                target_sectors=[],
                target_company_types=[],
                target_roles=[],
                visibility={},
            )
        )
        db.session.commit()
    tuesday_start, tuesday_end = paris(TUESDAY, 18), paris(TUESDAY, 21)
    SCREENS.mkdir(parents=True, exist_ok=True)

    # 1. The candidate asks for a video case interview, in French (the time zone is Europe/Paris by default).
    candidate = new_page(locale="fr-FR")
    sign_in(
        candidate,
        base,
        "fr",
        CANDIDATE,
        {"identifier": fr("E-mail, phone or username"), "password": fr("Password"), "submit": fr("Sign in")},
    )
    candidate.goto(f"{base}/fr/simulations/new")
    expect_lang(candidate, "fr")
    expect(candidate.locator("h1")).to_have_text(fr("Ask for a mock interview"))
    candidate.get_by_label(fr("Type of interview"), exact=True).select_option("case")
    candidate.locator('input[name="mode"][value="video"]').check()
    candidate.get_by_label(fr("Sector you aim at"), exact=True).select_option("consulting")
    candidate.get_by_label(fr("Kind of company you aim at"), exact=True).select_option("consulting_firm")
    candidate.get_by_label(fr("Language of the interview"), exact=True).select_option("fr")
    windows = {**window_fields(0, TUESDAY, 18, 21), **window_fields(1, THURSDAY, 9, 11)}
    for name, value in windows.items():
        candidate.locator(f"#{name}").fill(value)
    candidate.get_by_label(fr("What do you want to practise?"), exact=True).fill(GOAL)
    candidate.get_by_role("button", name=fr("Find my interviewers"), exact=True).click()

    # The request page proposes Julien, with the reasons in plain French sentences.
    expect(candidate).to_have_url(re.compile(re.escape(f"{base}/fr/simulations/requests/") + r"[0-9a-f]{32}$"))
    expect_lang(candidate, "fr")
    expect(candidate.locator("h1")).to_have_text(f"{fr('Case interview')} · {fr('By video')}")
    match = candidate.locator("li.match").filter(has_text=INTERVIEWER_NAME)
    expect(match).to_have_count(1)
    reasons = "; ".join(
        [
            fr("runs this type of interview: %(kind)s") % {"kind": fr("Case interview").lower()},
            fr("knows the sector of your request: %(sector)s") % {"sector": fr("Consulting")},
            fr("knows the kind of company of your request: %(kind)s") % {"kind": fr("Consulting firm")},
            # The day's name comes from Babel's French locale data (CLDR), not from messages.po.
            fr("free on %(day)s %(part)s") % {"day": format_date(TUESDAY, "EEEE", locale="fr"), "part": fr("evening")},
            fr("has room this week"),
        ]
    )
    expect(match.locator("p")).to_have_text(reasons[:1].upper() + reasons[1:] + ".")  # one sentence
    candidate.screenshot(path=str(SCREENS / "simulation-matches-fr.png"), full_page=True)
    candidate.get_by_label(INTERVIEWER_NAME, exact=True).check()
    candidate.get_by_role("button", name=fr("Invite the interviewers I ticked"), exact=True).click()

    expect(candidate).to_have_url(re.compile(re.escape(f"{base}/fr/simulations/requests/") + r"[0-9a-f]{32}$"))
    expect_lang(candidate, "fr")
    expect(candidate.locator(".flash-success")).to_have_text(
        fr("%(num)d interviewer invited. You will receive an e-mail when they accept.") % {"num": 1}
    )
    invited = candidate.locator("section[aria-labelledby=invited-title] li.entry")
    expect(invited).to_have_count(1)
    expect(invited).to_contain_text(INTERVIEWER_NAME)
    candidate.screenshot(path=str(SCREENS / "simulation-request-fr.png"), full_page=True)

    # 2. The interviewer, in English, finds the invitation among their mock interviews.
    interviewer = new_page(locale="en-GB")
    sign_in(
        interviewer,
        base,
        "en",
        INTERVIEWER,
        {"identifier": "E-mail, phone or username", "password": "Password", "submit": "Sign in"},
    )
    interviewer.goto(f"{base}/en/simulations/")
    expect_lang(interviewer, "en")
    waiting = interviewer.locator("section[aria-labelledby=invitations-title]")
    waiting.get_by_role("link", name="Case interview · By video", exact=True).click()

    expect(interviewer).to_have_url(re.compile(re.escape(f"{base}/en/simulations/invitations/") + r"[0-9a-f]{32}$"))
    expect_lang(interviewer, "en")
    expect(interviewer.locator("h1")).to_have_text("Camille asks you for a mock interview")
    expect(fact(interviewer, "To practise")).to_have_text(GOAL)
    shared = interviewer.locator("section[aria-labelledby=candidate-title]")
    expect(shared.locator("h2")).to_have_text("The candidate's profile (what they share)")
    expect(shared.locator("p.lead")).to_have_text(HEADLINE)
    expect(shared.get_by_role("link", name="See the full shared profile", exact=True)).to_be_visible()

    # The windows, in the interviewer's time zone (Europe/Paris here too). The windows are listed in time order,
    # and Thursday can come before Tuesday: the Tuesday evening one is picked by its label.
    choices = interviewer.get_by_role("group", name="Choose one of the candidate's windows", exact=True)
    expect(choices.locator('input[name="window"]')).to_have_count(2)
    tuesday_label = (
        f"{format_datetime(tuesday_start, 'EEEE d MMMM, HH:mm', tzinfo=PARIS, locale='en')} – "
        f"{format_datetime(tuesday_end, 'HH:mm', tzinfo=PARIS, locale='en')}"
    )
    assert "18:00" in tuesday_label
    choices.get_by_label(tuesday_label, exact=True).check()
    interviewer.get_by_label("Video link, phone number or address", exact=True).fill(VIDEO_LINK)
    interviewer.screenshot(path=str(SCREENS / "simulation-invitation-en.png"), full_page=True)
    interviewer.get_by_role("button", name="Accept", exact=True).click()

    # The session page: 18:00 in Paris, shown in the interviewer's time zone and language, on a 24-hour clock.
    expect(interviewer).to_have_url(re.compile(re.escape(f"{base}/en/simulations/sessions/") + r"[0-9a-f]{32}$"))
    expect_lang(interviewer, "en")
    expect(interviewer.locator(".flash-success")).to_have_text(
        "Thank you! The session is scheduled and the candidate is told."
    )
    when = format_datetime(tuesday_start, "EEEE d MMMM y, HH:mm", tzinfo=PARIS, locale="en")
    assert "18:00" in when
    expect(fact(interviewer, "When")).to_have_text(f"{when} (Europe/Paris)")
    expect(fact(interviewer, "With")).to_have_text("Camille Durand")
    expect(fact(interviewer, "Where")).to_have_text(VIDEO_LINK)
    session_id = interviewer.url.rsplit("/", 1)[-1]
    expect(interviewer.locator("section[aria-labelledby=write-title]")).to_have_count(0)  # not started yet

    # 3. Feedback can be written once the session has started. The browser and the server run in real time
    #    (no freezegun across processes and threads), so instead of waiting until Tuesday the session's start
    #    is moved two hours into the past, directly in the database.
    with app.app_context():
        session = db.session.scalar(select(InterviewSession).where(InterviewSession.public_id == session_id))
        session.start_dt = utcnow() - timedelta(hours=2)
        session.end_dt = session.start_dt + SESSION_LENGTH
        db.session.commit()

    interviewer.reload()
    expect_lang(interviewer, "en")
    form = interviewer.locator("section[aria-labelledby=write-title]")
    expect(form.locator("h2")).to_have_text("Your feedback to the candidate")
    assert tuple(SCORES) == CRITERIA["case"]
    for criterion, score in SCORES.items():
        form.locator(f'input[name="score_{criterion}"][value="{score}"]').check()
    form.get_by_label("Strengths", exact=True).fill(STRENGTHS)
    form.get_by_label("Areas to improve", exact=True).fill(IMPROVEMENTS)
    form.get_by_label("Recommendations", exact=True).fill(RECOMMENDATIONS)
    form.get_by_role("button", name="Send my feedback", exact=True).click()

    expect(interviewer).to_have_url(f"{base}/en/simulations/sessions/{session_id}")
    expect_lang(interviewer, "en")
    expect(interviewer.locator(".flash-success")).to_have_text("Thank you! Your feedback is sent to the candidate.")
    expect(interviewer.locator("section[aria-labelledby=feedback-title]")).to_contain_text(STRENGTHS)

    # 4. The candidate reads the feedback in French, from the list of her mock interviews, and rates it.
    candidate.goto(f"{base}/fr/simulations/")
    expect_lang(candidate, "fr")
    rows = candidate.locator("section[aria-labelledby=sessions-title] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(INTERVIEWER_NAME)
    rows.get_by_role("link").click()

    expect(candidate).to_have_url(f"{base}/fr/simulations/sessions/{session_id}")
    expect_lang(candidate, "fr")
    feedback = candidate.locator("section[aria-labelledby=feedback-title]")
    expect(feedback.locator("h2")).to_have_text(fr("Feedback"))
    expect(feedback.locator("dl.facts dt")).to_have_text(
        [fr("Structure"), fr("Analysis"), fr("Communication"), fr("Business sense")]
    )
    expect(feedback.locator("dl.facts dd")).to_have_text(
        [fr("%(score)s out of 5") % {"score": score} for score in SCORES.values()]
    )
    expect(feedback).to_contain_text(STRENGTHS)
    expect(feedback).to_contain_text(IMPROVEMENTS)
    expect(feedback).to_contain_text(RECOMMENDATIONS)

    rating = candidate.locator("section[aria-labelledby=rate-title]")
    rating.get_by_role("group", name=fr("Your rating of the session"), exact=True).locator(
        'input[name="rating"][value="5"]'
    ).check()
    rating.get_by_label(fr("Comment (optional)"), exact=True).fill("Très utile, merci !")
    rating.get_by_role("button", name=fr("Send my rating"), exact=True).click()

    expect(candidate).to_have_url(f"{base}/fr/simulations/sessions/{session_id}")
    expect_lang(candidate, "fr")
    expect(candidate.locator(".flash-success")).to_have_text(fr("Thank you for your rating."))
    expect(feedback).to_contain_text(fr("You rated the session %(score)s out of 5.") % {"score": 5})
    expect(candidate.locator("section[aria-labelledby=rate-title]")).to_have_count(0)
    candidate.screenshot(path=str(SCREENS / "simulation-session-fr.png"), full_page=True)

    # 5. The e-mails: the invitation in English for Julien; for Camille, in French, the session with a calendar
    #    file (still at the time chosen: the e-mail left before the start was moved) and the feedback notice.
    messages = live_server.deliver()
    to_julien = [message["Subject"] for message in messages if message["To"] == INTERVIEWER]
    assert "A candidate asks you for a mock interview" in to_julien, to_julien
    to_camille = [message for message in messages if message["To"] == CANDIDATE]
    subjects = [message["Subject"] for message in to_camille]
    assert subjects == [fr("Your mock interview is scheduled"), fr("Your interviewer's feedback is ready")], subjects

    scheduled, feedback_ready = to_camille
    french_when = format_datetime(tuesday_start, "EEEE d MMMM y, HH:mm zzzz", tzinfo=PARIS, locale="fr")
    assert f"{fr('When:')} {french_when}" in text_part(scheduled)
    [ics] = list(scheduled.iter_attachments())
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_filename() == "interview.ics"
    calendar = icalendar.Calendar.from_ical(ics.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.astimezone(UTC) == tuesday_start.astimezone(UTC)
    assert event.decoded("dtend") - start == SESSION_LENGTH
    assert str(event["location"]) == VIDEO_LINK
    assert str(event["summary"]) == fr("Mock interview (Caseinjob)")
    assert f"/fr/simulations/sessions/{session_id}" in text_part(feedback_ready)
