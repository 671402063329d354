"""Talking about a session and becoming an interviewer, in a real browser.

A candidate who reads the portal in French writes to her interviewer from the session page (which offers the
calendar file, the Google and Outlook links and the join button); the interviewer, in English and in New York,
follows the link of his English e-mail, reads her message with its time in his zone, and answers; she reads the
answer in French and got a French e-mail. Then a French member applies to become an interviewer from her account
page, and an English administrator with two-step verification accepts: she is an interviewer, her profile starts
with her answers, and she is told in French. Expected French texts come from the catalog (messages.po).
"""

from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import select

from app.auth.models import Role, User
from app.core import crypto
from app.core.timeutil import utcnow
from app.extensions import db
from app.profiles.models import InterviewerProfile
from app.simulations import services as simulations
from app.simulations.models import SessionMessage, SimulationInvitation
from tests.conftest import text_part
from tests.e2e.catalog import translation as fr
from tests.e2e.pages import sign_in_through_the_form

CANDIDATE = "camille.durand@example.com"
INTERVIEWER = "julien.martin@example.com"
APPLICANT = "nadia.haddad@example.com"
ADMIN = "alex.admin@example.com"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
VIDEO_LINK = "https://visio.example/caseinjob-julien"
QUESTION = "Bonjour Julien, faut-il préparer un cas de dimensionnement ou de rentabilité ?"
ANSWER = "Market sizing, please. Bring a pen and paper."
DAY = timedelta(days=1)
EXPERIENCE = "Huit ans dans un cabinet de conseil en stratégie ; plus de 200 entretiens de cas menés."


def expect(target):
    """Playwright's auto-retrying assertions (imported late: without Playwright the tests are skipped)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def sign_in(page, base: str, lang: str, email: str) -> None:
    sign_in_through_the_form(page, base, email, lang, TOTP_SECRET)


def scheduled_session(app, make_user) -> str:
    """Camille (French, Paris) and Julien (English, New York) have a video case interview in five days."""
    candidate_id = make_user(CANDIDATE, locale="fr", first_name="Camille", last_name="Durand")
    interviewer_id = make_user(
        INTERVIEWER, roles=(Role.INTERVIEWER,), locale="en", timezone="America/New_York", first_name="Julien",
        last_name="Martin",
    )  # fmt: skip
    with app.app_context():
        db.session.add(
            InterviewerProfile(
                user_id=interviewer_id, languages=["fr", "en"], modes=["video"], interview_types=["case"],
                sectors=["consulting"], company_types=["consulting_firm"], former_employers=[], weekly_capacity=4,
                is_accepting=True,
            )
        )  # fmt: skip
        start = datetime.combine(utcnow().date() + timedelta(days=5), time(16))
        request = simulations.create_request(
            db.session.get(User, candidate_id),
            simulations.RequestData(
                mode="video", interview_type="case", language="fr", sector="consulting",
                company_type="consulting_firm", goal="Dimensionnement de marché",
                windows=[(start, start + timedelta(hours=3)), (start + DAY, start + DAY + timedelta(hours=3))],
                is_auto_invite=False,
            ),
        )  # fmt: skip
        invitation = SimulationInvitation(
            request=request, interviewer_id=interviewer_id, expires_dt=utcnow() + timedelta(days=2)
        )
        db.session.add(invitation)
        db.session.flush()
        session = simulations.accept(invitation, request.windows[0].public_id, VIDEO_LINK)
        db.session.commit()
        return session.public_id


def shown_at(moment: datetime, zone: str, lang: str) -> str:
    """A UTC moment as the thread writes it for a reader in `zone` and `lang`."""
    moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return format_datetime(moment, "d MMMM y, HH:mm", tzinfo=ZoneInfo(zone), locale=lang)


def delivered_to(live_server, address: str, subject: str) -> list:
    """The messages the sink received so far for `address` with `subject` (it keeps every message of the run)."""
    return [m for m in live_server.deliver() if m["To"] == address and m["Subject"] == subject]


def test_candidate_in_french_writes_interviewer_in_english_reads_and_answers(live_server, new_page, make_user):
    base, app = live_server.url, live_server.app
    session_id = scheduled_session(app, make_user)

    camille = new_page(locale="fr-FR", timezone_id="Europe/Paris")
    sign_in(camille, base, "fr", CANDIDATE)
    camille.goto(f"{base}/fr/simulations/sessions/{session_id}")
    plan = camille.locator("section.session-plan")
    expect(plan.get_by_role("link", name=fr("Join the video call"), exact=True)).to_have_attribute("href", VIDEO_LINK)
    expect(plan.get_by_role("link", name=fr("Download the calendar file (.ics)"), exact=True)).to_have_attribute(
        "href", f"/fr/simulations/sessions/{session_id}/calendar.ics"
    )
    google = plan.get_by_role("link", name=fr("Add to Google Calendar"), exact=True).get_attribute("href")
    assert urlsplit(google).netloc == "calendar.google.com" and "visio.example" in google
    outlook = plan.get_by_role("link", name=fr("Add to Outlook"), exact=True).get_attribute("href")
    assert urlsplit(outlook).netloc == "outlook.live.com"
    with camille.expect_download() as download:
        plan.get_by_role("link", name=fr("Download the calendar file (.ics)"), exact=True).click()
    assert b"BEGIN:VCALENDAR" in open(download.value.path(), "rb").read()  # noqa: PTH123, SIM115

    # An empty message is refused, in French, next to the field.
    thread = camille.locator("#messages")
    thread.get_by_role("button", name=fr("Send the message"), exact=True).click()
    expect(camille.locator("#body-error")).to_have_text(fr("This field is required."))
    thread.get_by_label(fr("Your message"), exact=True).fill(QUESTION)
    thread.get_by_role("button", name=fr("Send the message"), exact=True).click()
    expect(camille).to_have_url(f"{base}/fr/simulations/sessions/{session_id}#messages")
    expect(camille.locator(".flash-success")).to_have_text(fr("Your message is sent."))
    expect(camille.locator("#messages .message-mine")).to_contain_text(QUESTION)

    [notice] = delivered_to(live_server, INTERVIEWER, "A new message about your mock interview")
    body = text_part(notice)
    assert "Camille Durand wrote you a message about your mock interview" in body and QUESTION not in body
    link = next(line for line in body.splitlines() if "/simulations/sessions/" in line).strip()
    assert link == f"{base}/en/simulations/sessions/{session_id}#messages"

    julien = new_page(locale="en-US", timezone_id="America/New_York")
    sign_in(julien, base, "en", INTERVIEWER)
    julien.goto(link)
    received = julien.locator("#messages .message").first
    expect(received).to_contain_text(QUESTION)
    expect(received).to_contain_text("Camille Durand")
    with app.app_context():
        written = db.session.scalar(select(SessionMessage.created_dt))
    new_york = shown_at(written, "America/New_York", "en")
    expect(received.locator("time")).to_have_text(new_york)
    julien.locator("#messages").get_by_label("Your message", exact=True).fill(ANSWER)
    julien.locator("#messages").get_by_role("button", name="Send the message", exact=True).click()
    expect(julien.locator(".flash-success")).to_have_text("Your message is sent.")

    [answer_notice] = delivered_to(live_server, CANDIDATE, fr("A new message about your mock interview"))
    assert f"{base}/fr/simulations/sessions/{session_id}#messages" in text_part(answer_notice)
    camille.reload()
    expect(camille.locator("#messages .message").nth(1)).to_contain_text(ANSWER)
    paris = shown_at(written, "Europe/Paris", "fr")
    expect(camille.locator("#messages .message time").first).to_have_text(paris)


def test_a_french_member_applies_to_be_an_interviewer_and_an_english_admin_accepts(live_server, new_page, make_user):
    base, app = live_server.url, live_server.app
    make_user(APPLICANT, locale="fr", first_name="Nadia", last_name="Haddad")
    admin_id = make_user(ADMIN, roles=(Role.ADMIN,), first_name="Alex", last_name="Admin")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        admin.totp_secret_encrypted = crypto.encrypt_text(TOTP_SECRET)
        admin.totp_enabled_dt = utcnow()
        db.session.commit()

    nadia = new_page(locale="fr-FR")
    sign_in(nadia, base, "fr", APPLICANT)
    nadia.goto(f"{base}/fr/account")
    nadia.locator("main").get_by_role("link", name=fr("Become an interviewer or a client"), exact=True).click()
    nadia.locator("main").get_by_role("link", name=fr("Apply to become an interviewer"), exact=True).click()
    expect(nadia).to_have_url(f"{base}/fr/apply/interviewer")
    nadia.get_by_label(fr("Your experience"), exact=True).fill(EXPERIENCE)
    nadia.get_by_role("button", name=fr("Send my application"), exact=True).click()
    # Nothing ticked: the error sits by each list of boxes, and what she wrote is kept.
    expect(nadia.locator("#sectors-error")).to_have_text(fr("Tick at least one."))
    expect(nadia.get_by_label(fr("Your experience"), exact=True)).to_have_value(EXPERIENCE)
    nadia.get_by_label(fr("Consulting"), exact=True).check()
    nadia.get_by_label(fr("Consulting firm"), exact=True).check()
    nadia.get_by_label("Français", exact=True).check()
    nadia.get_by_role("button", name=fr("Send my application"), exact=True).click()
    expect(nadia).to_have_url(f"{base}/fr/apply/")
    expect(nadia.locator("main table")).to_contain_text(fr("Waiting for review"))

    alex = new_page(locale="en-GB")
    sign_in(alex, base, "en", ADMIN)
    alex.goto(f"{base}/en/admin/applications/")
    alex.locator("main").get_by_role("link", name="Nadia Haddad", exact=True).click()
    expect(alex.locator("main")).to_contain_text(EXPERIENCE)
    expect(alex.locator("main")).to_contain_text("Consulting firm")
    alex.get_by_role("button", name="Accept and grant the role", exact=True).click()
    expect(alex.locator(".flash-success")).to_have_text("The application is accepted and the applicant is told.")

    [mail] = delivered_to(live_server, APPLICANT, fr("Your application is accepted"))
    assert f"{base}/fr/interviewer-profile" in text_part(mail)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == APPLICANT))
        assert user.has_role(Role.INTERVIEWER)
        profile = db.session.scalar(select(InterviewerProfile).where(InterviewerProfile.user_id == user.id))
        assert (profile.bio, profile.sectors, profile.languages) == (EXPERIENCE, ["consulting"], ["fr"])
    nadia.goto(f"{base}/fr/interviewer-profile")
    expect(nadia.get_by_label(fr("About you"), exact=True)).to_have_value(EXPERIENCE)
