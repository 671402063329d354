"""Planning a session and talking about it: the calendar file and links, the join button, and the message thread
between the candidate and the interviewer (only they read it; the other one is told by e-mail, in her language;
dates in the reader's time zone; exported and erased with the member)."""

import html
import io
import json
import zipfile
from datetime import datetime
from urllib.parse import parse_qs

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from icalendar import Calendar
from sqlalchemy import select

from app.auth.models import User
from app.core.input_guard import TEXT_NOT_ALLOWED
from app.extensions import db
from app.privacy.erasure import start_erasure
from app.simulations.models import InterviewSession, SessionMessage
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import csrf_from, outbox, shown, signed_in
from tests.simulations.test_flow import accept, create_request, in_french, invitation_of, invite_all

INTERVIEWER = "julien.martin@example.com"
QUESTION = "Bonjour, faut-il préparer un cas de marché ou de rentabilité ?"
ANSWER = "Market sizing, please. Bring a pen."


@pytest.fixture
def scheduled(app, candidate, make_interviewer):
    """Camille (French, Paris) and Julien (English, New York) have a video session; returns its public id."""
    make_interviewer(INTERVIEWER, locale="en", timezone="America/New_York")
    with app.app_context():
        from app.profiles.models import AvailabilitySlot

        db.session.scalar(select(AvailabilitySlot)).start_time = datetime(2000, 1, 1, 12).time()
        db.session.commit()
    request_id = create_request(candidate)
    invite_all(candidate, request_id, app, [INTERVIEWER])
    interviewer = signed_in(app, INTERVIEWER)
    assert accept(interviewer, invitation_of(app, INTERVIEWER)).status_code == 302
    with app.app_context():
        public_id = db.session.scalar(select(InterviewSession.public_id))
    interviewer.session_id = candidate.session_id = public_id
    return candidate, interviewer


def _write(client, session_id, body, lang="en", token=True):
    page = client.get(f"/{lang}/simulations/sessions/{session_id}")
    data = {"body": body}
    if token:
        data["csrf_token"] = csrf_from(page.text)
    return client.post(f"/{lang}/simulations/sessions/{session_id}/messages", data=data)


def _messages(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(User.email, SessionMessage.body).join(User, User.id == SessionMessage.author_id)
        )
        return [tuple(row) for row in rows]


def test_the_candidate_writes_in_french_and_the_interviewer_is_told_in_english(app, scheduled):
    candidate, interviewer = scheduled
    response = _write(candidate, candidate.session_id, QUESTION, lang="fr")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/fr/simulations/sessions/{candidate.session_id}#messages")
    assert _messages(app) == [("camille@example.com", QUESTION)]

    [notice] = [m for m in outbox(app, INTERVIEWER) if "message" in m.subject]
    assert notice.subject == "A new message about your mock interview"
    assert "Camille Durand wrote you a message about your mock interview" in notice.body_text
    assert f"/en/simulations/sessions/{candidate.session_id}#messages" in notice.body_text
    assert QUESTION not in notice.body_text and QUESTION not in notice.body_html  # read on the portal only

    page = shown(interviewer.get(f"/en/simulations/sessions/{candidate.session_id}"))
    assert QUESTION in page and "Camille Durand" in page

    assert _write(interviewer, candidate.session_id, ANSWER).status_code == 302
    [answer_notice] = [
        m
        for m in outbox(app, "camille@example.com")
        if m.body_text and "Julien" in m.body_text and "#messages" in m.body_text
    ]
    assert answer_notice.subject == in_french(app, "A new message about your mock interview")
    assert ANSWER in shown(candidate.get(f"/fr/simulations/sessions/{candidate.session_id}"))


def test_message_dates_are_shown_in_each_readers_time_zone(app, scheduled):
    candidate, interviewer = scheduled
    _write(candidate, candidate.session_id, QUESTION, lang="fr")
    with app.app_context():
        db.session.scalar(select(SessionMessage)).created_dt = datetime(2031, 1, 15, 12, 0)
        db.session.commit()
    assert "15 janvier 2031, 13:00" in shown(candidate.get(f"/fr/simulations/sessions/{candidate.session_id}"))
    assert "15 January 2031, 07:00" in shown(interviewer.get(f"/en/simulations/sessions/{candidate.session_id}"))


TOO_LONG = "x" * 2001
BAD_MESSAGES = [
    ("   ", lambda: _l("This field is required."), None),
    (TOO_LONG, lambda: _l("Use at most %(max)d characters.", max=2000), TOO_LONG),
    ("Bonjour\x07 à vous", lambda: TEXT_NOT_ALLOWED, "Bonjour"),
    ("Voir \u202egnp.exe", lambda: TEXT_NOT_ALLOWED, "Voir "),
]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(("body", "message", "kept"), BAD_MESSAGES)
def test_a_bad_message_is_refused_next_to_the_field_and_kept(app, scheduled, lang, body, message, kept):
    candidate, _interviewer = scheduled
    response = _write(candidate, candidate.session_id, body, lang=lang)
    assert response.status_code == 400
    with app.test_request_context(), force_locale(lang):
        expected = str(message())
    error = html.unescape(response.text.split('id="body-error"')[1].split("</p>")[0])
    assert expected in error
    if kept:
        assert kept in response.text  # what was typed is still there
    assert _messages(app) == []
    assert not [m for m in outbox(app, INTERVIEWER) if "#messages" in m.body_text]


def test_a_message_without_its_token_is_refused_and_kept(app, scheduled):
    candidate, _interviewer = scheduled
    response = _write(candidate, candidate.session_id, QUESTION, token=False)
    assert response.status_code == 400
    assert "Your form has expired" in response.text and "faut-il préparer" in response.text
    assert _messages(app) == []


def test_only_the_two_parties_read_and_write_the_thread(app, scheduled, make_user):
    candidate, _interviewer = scheduled
    _write(candidate, candidate.session_id, QUESTION, lang="fr")
    make_user("other.member@example.com")
    other = signed_in(app, "other.member@example.com")
    base = f"/en/simulations/sessions/{candidate.session_id}"
    assert other.get(base).status_code == 404
    assert other.get(f"{base}/calendar.ics").status_code == 404
    token = csrf_from(other.get("/en/dashboard").text)
    assert other.post(f"{base}/messages", data={"body": "Hi", "csrf_token": token}).status_code == 404
    # An administrator who passed two-step verification has no business in a private conversation either.
    admin = sign_in_admin_with_two_step(app, make_user)
    assert admin.get(base).status_code == 404
    visitor = app.test_client()
    for response in (visitor.get(base), visitor.get(f"{base}/calendar.ics"), visitor.post(f"{base}/messages")):
        assert response.status_code in (302, 400)
    assert "/login" in visitor.get(base).headers["Location"]
    assert "/login" in visitor.get(f"{base}/calendar.ics").headers["Location"]
    assert _messages(app) == [("camille@example.com", QUESTION)]


def test_the_session_page_offers_the_calendar_file_links_and_the_join_button(app, scheduled):
    candidate, interviewer = scheduled
    page = candidate.get(f"/fr/simulations/sessions/{candidate.session_id}").text
    assert f'href="/fr/simulations/sessions/{candidate.session_id}/calendar.ics"' in page
    assert 'href="https://visio.example/abc" target="_blank" rel="noopener noreferrer"' in page  # join
    with app.app_context():
        session = db.session.scalar(select(InterviewSession))
        start = session.start_dt.strftime("%Y%m%dT%H%M%SZ")
        end = session.end_dt.strftime("%Y%m%dT%H%M%SZ")
    google = page.split('href="https://calendar.google.com/calendar/render?')[1].split('"')[0]
    query = parse_qs(google.replace("&amp;", "&"))
    assert query["dates"] == [f"{start}/{end}"]
    assert query["location"] == ["https://visio.example/abc"]
    assert query["text"][0].startswith(in_french(app, "Mock interview (Caseinjob): %(kind)s").split("%")[0])
    assert f"/fr/simulations/sessions/{candidate.session_id}" in query["details"][0]
    outlook = page.split('href="https://outlook.live.com/calendar/0/deeplink/compose?')[1].split('"')[0]
    query = parse_qs(outlook.replace("&amp;", "&"))
    assert query["startdt"][0] == datetime.strptime(start, "%Y%m%dT%H%M%SZ").strftime("%Y-%m-%dT%H:%M:%SZ")
    assert query["location"] == ["https://visio.example/abc"]

    download = interviewer.get(f"/en/simulations/sessions/{candidate.session_id}/calendar.ics")
    assert download.status_code == 200
    assert download.mimetype == "text/calendar"
    assert download.headers["Content-Disposition"].startswith("attachment")
    [event] = Calendar.from_ical(download.data).walk("VEVENT")
    assert str(event["summary"]) == "Mock interview (Caseinjob): Case interview"
    assert f"/en/simulations/sessions/{candidate.session_id}" in str(event["description"])
    assert event["dtstart"].dt.strftime("%Y%m%dT%H%M%SZ") == start


def test_no_join_button_without_a_valid_video_link(app, scheduled):
    candidate, _interviewer = scheduled
    with app.app_context():
        db.session.scalar(select(InterviewSession)).meeting_details = "javascript:alert(1)"  # an older row
        db.session.commit()
    page = candidate.get(f"/en/simulations/sessions/{candidate.session_id}").text
    assert "Join the video call" not in page and 'href="javascript:' not in page


@pytest.mark.promise("right-portability")
def test_the_export_holds_the_thread(app, scheduled):
    candidate, interviewer = scheduled
    _write(candidate, candidate.session_id, QUESTION, lang="fr")
    _write(interviewer, candidate.session_id, ANSWER)
    token = csrf_from(candidate.get("/fr/privacy/dashboard").text)
    archive = zipfile.ZipFile(io.BytesIO(candidate.post("/fr/privacy/export", data={"csrf_token": token}).data))
    rows = json.loads(archive.read("session_messages.json"))
    assert [(row["from"], row["text"]) for row in rows] == [("you", QUESTION), ("the other party", ANSWER)]
    assert "session_messages.csv" in archive.namelist()


@pytest.mark.promise("right-erasure")
def test_erasing_the_interviewer_deletes_her_messages_and_keeps_the_candidates(app, scheduled):
    candidate, interviewer = scheduled
    _write(candidate, candidate.session_id, QUESTION, lang="fr")
    _write(interviewer, candidate.session_id, ANSWER)
    with app.app_context():
        assert start_erasure(db.session.scalar(select(User).where(User.email == INTERVIEWER))).status == "done"
        db.session.commit()
    assert _messages(app) == [("camille@example.com", QUESTION)]
    page = shown(candidate.get(f"/en/simulations/sessions/{candidate.session_id}"))
    assert QUESTION in page and ANSWER not in page
    assert "The other person has left the portal: you can no longer write to them." in page
    assert _write(candidate, candidate.session_id, "Still there?").status_code == 400  # no form, no recipient


@pytest.mark.promise("right-erasure")
def test_erasing_the_candidate_deletes_the_whole_thread(app, scheduled):
    candidate, interviewer = scheduled
    _write(candidate, candidate.session_id, QUESTION, lang="fr")
    _write(interviewer, candidate.session_id, ANSWER)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "camille@example.com"))
        assert start_erasure(user).status == "done"
        db.session.commit()
        assert db.session.scalar(select(SessionMessage.id)) is None
    notices = [m for m in outbox(app, INTERVIEWER) if "#messages" in m.body_text]
    assert notices and all("Camille Durand" not in m.body_text + m.body_html for m in notices)
