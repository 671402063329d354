"""The whole service: request, matches with reasons, invitations, acceptance, sessions, feedback, e-mails."""

import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from app.auth.models import Role
from app.core.access_log import AccessLogEntry
from app.core.timeutil import utcnow
from app.extensions import db
from app.simulations import services
from app.simulations.models import InterviewSession, RequestStatus, SimulationInvitation, SimulationRequest
from tests.conftest import csrf_from, outbox, post_form, shown, signed_in
from tests.simulations.conftest import REQUEST_FORM, TUESDAY, public_id_of, window_fields

WINDOW_VALUE = r'name="window"[^>]*value="([0-9a-f]{32})"'


def create_request(candidate, **changes):
    response = post_form(candidate, "/fr/simulations/new", {**REQUEST_FORM, **changes})
    assert response.status_code == 302, shown(response)[:2000]
    return response.headers["Location"].rsplit("/", 1)[-1]


def invite_all(candidate, request_id, app, emails):
    ids = [public_id_of(app, email) for email in emails]
    page = candidate.get(f"/fr/simulations/requests/{request_id}")
    return candidate.post(
        f"/fr/simulations/requests/{request_id}/invite", data={"interviewer": ids, "csrf_token": csrf_from(page.text)}
    )


def invitation_of(app, email):
    with app.app_context():
        from app.auth.models import User

        row = db.session.scalar(
            select(SimulationInvitation)
            .join(User, User.id == SimulationInvitation.interviewer_id)
            .where(User.email == email)
        )
        db.session.expunge_all()
        return row


def accept(client, invitation, window_index=0, details="https://visio.example/abc"):
    page = client.get(f"/en/simulations/invitations/{invitation.public_id}")
    windows = re.findall(WINDOW_VALUE, page.text)
    return client.post(
        f"/en/simulations/invitations/{invitation.public_id}/accept",
        data={"window": windows[window_index], "meeting_details": details, "csrf_token": csrf_from(page.text)},
    )


@pytest.mark.promise("matching-explained")
@pytest.mark.promise("recipients-candidates")
def test_matches_are_shown_with_reasons_and_never_the_candidate(app, candidate, make_interviewer):
    make_interviewer("julien.martin@example.com")
    make_interviewer("zoe.english@example.com", languages=["en"])  # cannot run it in French
    request_id = create_request(candidate)
    page = shown(candidate.get(f"/fr/simulations/requests/{request_id}"))
    assert "Julien Interviewer" in page
    assert "Zoe" not in page
    assert "mardi soir" in page  # "free on Tuesday evening", in French


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({**window_fields(1, TUESDAY, 0, 0), "windows-1-start": "", "windows-1-end": ""}, "at least 2 time windows"),
        ({"windows-0-end": REQUEST_FORM["windows-0-start"]}, "The end must be after the start."),
        ({"mode": "in_person", "city": ""}, "Give the city where you want to meet."),
        ({"interview_type": "karaoke"}, "Not a valid choice"),
        ({"windows-0-start": "2020-01-01T10:00", "windows-0-end": "2020-01-01T12:00"}, "at least two hours from now"),
    ],
)
def test_bad_requests_are_refused_and_keep_what_was_typed(app, make_user, changes, message):
    make_user("camille@example.com", locale="en")
    client = signed_in(app, "camille@example.com")
    response = post_form(client, "/en/simulations/new", {**REQUEST_FORM, **changes})
    assert response.status_code == 200
    assert message in shown(response)
    assert "dimensionnement de march" in shown(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(SimulationRequest.id))) == 0


@pytest.mark.promise("matching-explained")
def test_no_good_match_says_how_to_widen(app, candidate, make_interviewer):
    make_interviewer("video.only@example.com")
    request_id = create_request(candidate, mode="in_person", city="Brest")
    page = shown(candidate.get(f"/en/simulations/requests/{request_id}"))
    assert "No interviewer fits your request well enough" in page
    assert "Ask for a video interview" in page


def test_invite_accept_schedule_with_ics_in_both_time_zones(app, candidate, make_interviewer):
    make_interviewer("julien.martin@example.com", timezone="America/New_York", locale="en", **{})
    # New York interviewer: make their slot match Tuesday 12:00–16:00 New York = 18:00–22:00 Paris.
    with app.app_context():
        from app.profiles.models import AvailabilitySlot

        slot = db.session.scalar(select(AvailabilitySlot))
        slot.start_time, slot.end_time = slot.start_time.replace(hour=12), slot.end_time.replace(hour=16)
        db.session.commit()
    request_id = create_request(candidate)
    invite_all(candidate, request_id, app, ["julien.martin@example.com"])
    invitation = invitation_of(app, "julien.martin@example.com")
    assert outbox(app, "julien.martin@example.com")[-1].subject == "A candidate asks you for a mock interview"
    interviewer = signed_in(app, "julien.martin@example.com")
    response = accept(interviewer, invitation)
    assert response.status_code == 302
    with app.app_context():
        session = db.session.scalar(select(InterviewSession))
        assert session.request.status == RequestStatus.SCHEDULED
        start_utc = session.start_dt
    paris_start = datetime.combine(TUESDAY, datetime.min.time()).replace(hour=18, tzinfo=ZoneInfo("Europe/Paris"))
    assert start_utc.replace(tzinfo=UTC) == paris_start.astimezone(UTC)
    for email, zone, hour, subject in [
        ("camille@example.com", "Europe/Paris", 18, in_french(app, "Your mock interview is scheduled")),
        ("julien.martin@example.com", "America/New_York", 12, "Your mock interview is scheduled"),
    ]:
        message = outbox(app, email)[-1]
        assert message.subject == subject
        [attachment] = message.attachments
        calendar = icalendar.Calendar.from_ical(__import__("base64").b64decode(attachment["data"]))
        event = next(iter(calendar.walk("VEVENT")))
        start = event.decoded("dtstart")
        assert start.astimezone(ZoneInfo(zone)).hour == hour
        assert event.decoded("dtend") - start == timedelta(hours=1)
        assert str(event["location"]) == "https://visio.example/abc"
    assert "18:00" in shown(candidate.get(f"/fr/simulations/sessions/{public_id_of_session(app)}"))
    assert "12:00" in shown(interviewer.get(f"/en/simulations/sessions/{public_id_of_session(app)}"))


def in_french(app, text: str) -> str:
    """The catalog's French for a message id (the i18n tests make sure it is translated)."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("fr"):
        return gettext(text)


def public_id_of_session(app):
    with app.app_context():
        return db.session.scalar(select(InterviewSession.public_id))


def test_two_acceptances_at_the_same_moment_make_one_session(app, candidate, make_interviewer):
    emails = ["ann.one@example.com", "ben.two@example.com"]
    for email in emails:
        make_interviewer(email)
    request_id = create_request(candidate)
    invite_all(candidate, request_id, app, emails)
    clients = [signed_in(app, email) for email in emails]
    invitations = [invitation_of(app, email) for email in emails]
    pages = [
        client.get(f"/en/simulations/invitations/{inv.public_id}")
        for client, inv in zip(clients, invitations, strict=True)
    ]
    barrier = threading.Barrier(2)
    results = [None, None]

    def go(index):
        page = pages[index]
        window = re.findall(WINDOW_VALUE, page.text)[0]
        barrier.wait()
        results[index] = clients[index].post(
            f"/en/simulations/invitations/{invitations[index].public_id}/accept",
            data={"window": window, "meeting_details": "https://visio.example/x", "csrf_token": csrf_from(page.text)},
        )

    threads = [threading.Thread(target=go, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with app.app_context():
        assert db.session.scalar(select(func.count(InterviewSession.id))) == 1
        statuses = sorted(db.session.scalars(select(SimulationInvitation.status)))
    assert statuses == ["accepted", "too_late"]
    locations = sorted(result.headers["Location"] for result in results)
    assert any("/sessions/" in location for location in locations)
    assert any(location.endswith("/simulations/") for location in locations)
    loser = clients[[r.headers["Location"].endswith("/simulations/") for r in results].index(True)]
    assert "Another interviewer has already accepted" in loser.get("/en/simulations/").text


def test_decline_moves_on_to_the_next_match(app, candidate, make_interviewer):
    make_interviewer("first.choice@example.com")
    make_interviewer("second.choice@example.com")
    request_id = create_request(candidate)
    invite_all(candidate, request_id, app, ["first.choice@example.com"])
    invitation = invitation_of(app, "first.choice@example.com")
    client = signed_in(app, "first.choice@example.com")
    page = client.get(f"/en/simulations/invitations/{invitation.public_id}")
    client.post(
        f"/en/simulations/invitations/{invitation.public_id}/decline",
        data={"reason": "Busy", "csrf_token": csrf_from(page.text)},
    )
    assert invitation_of(app, "first.choice@example.com").status == "declined"
    assert invitation_of(app, "second.choice@example.com").status == "pending"


def test_the_request_page_shows_an_invitation_past_its_time_as_expired_and_invites_the_next(
    app, candidate, make_interviewer
):
    """Without waiting for the scheduled `simulations expire`: the candidate's page is never behind the clock."""
    make_interviewer("slow.one@example.com")
    make_interviewer("next.one@example.com")
    request_id = create_request(candidate)
    invite_all(candidate, request_id, app, ["slow.one@example.com"])
    assert candidate.get(f"/en/simulations/requests/{request_id}").status_code == 200
    assert invitation_of(app, "slow.one@example.com").status == "pending"
    slow = invitation_of(app, "slow.one@example.com").public_id
    with app.app_context():  # its 72 hours are over (the session's idle limit is shorter: no clock jump here)
        invitation = db.session.scalar(select(SimulationInvitation).where(SimulationInvitation.public_id == slow))
        invitation.expires_dt = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = candidate.get(f"/fr/simulations/requests/{request_id}")
    assert page.status_code == 200
    assert invitation_of(app, "slow.one@example.com").status == "expired"
    assert invitation_of(app, "next.one@example.com").status == "pending"


def test_invitations_expire_after_72_hours_and_move_on(app, candidate, make_interviewer, runner):
    make_interviewer("slow.one@example.com")
    make_interviewer("next.one@example.com")
    request_id = create_request(candidate)
    invite_all(candidate, request_id, app, ["slow.one@example.com"])
    with freeze_time(datetime.now(UTC) + timedelta(hours=71)):
        runner.invoke(args=["simulations", "expire"])
        assert invitation_of(app, "slow.one@example.com").status == "pending"
    with freeze_time(datetime.now(UTC) + timedelta(hours=73)):
        result = runner.invoke(args=["simulations", "expire"])
        assert "1 invitation(s) expired" in result.output
    assert invitation_of(app, "slow.one@example.com").status == "expired"
    assert invitation_of(app, "next.one@example.com").status == "pending"
    client = signed_in(app, "slow.one@example.com")
    invitation = invitation_of(app, "slow.one@example.com")
    page = client.get(f"/en/simulations/invitations/{invitation.public_id}")
    assert "Expired" in page.text and 'name="window"' not in page.text  # nothing left to accept
    late = client.post(
        f"/en/simulations/invitations/{invitation.public_id}/accept",
        data={"window": "0" * 32, "meeting_details": "x", "csrf_token": csrf_from(page.text)},
    )
    assert late.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(InterviewSession.id))) == 0


@pytest.mark.promise("recipients-interviewers")
def test_access_rules(app, candidate, make_interviewer, make_user):
    make_interviewer("invited@example.com")
    make_interviewer("stranger@example.com")
    make_user("other.candidate@example.com")
    request_id = create_request(candidate)
    invite_all(candidate, request_id, app, ["invited@example.com"])
    invitation = invitation_of(app, "invited@example.com")
    candidate_public_id = public_id_of(app, "camille@example.com")
    stranger = signed_in(app, "stranger@example.com")
    other = signed_in(app, "other.candidate@example.com")
    assert stranger.get(f"/en/simulations/invitations/{invitation.public_id}").status_code == 404
    assert stranger.get(f"/en/members/{candidate_public_id}/profile").status_code == 404
    assert (
        other.get(f"/en/simulations/requests/{request_id}").status_code == 403
        or other.get(f"/en/simulations/requests/{request_id}").status_code == 404
    )
    token = csrf_from(stranger.get("/en/simulations/").text)
    assert (
        stranger.post(
            f"/en/simulations/invitations/{invitation.public_id}/accept",
            data={"window": "x", "meeting_details": "y", "csrf_token": token},
        ).status_code
        == 404
    )
    invited = signed_in(app, "invited@example.com")
    assert invited.get(f"/en/simulations/invitations/{invitation.public_id}").status_code == 200
    assert invited.get(f"/en/members/{candidate_public_id}/profile").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(AccessLogEntry.id))) == 2  # both views are logged
    accept(invited, invitation)
    session_id = public_id_of_session(app)
    assert stranger.get(f"/en/simulations/sessions/{session_id}").status_code == 404
    assert other.get(f"/en/simulations/sessions/{session_id}").status_code == 404


def test_feedback_rating_and_reminders(app, candidate, make_interviewer, runner):
    make_interviewer("julien.martin@example.com")
    request_id = create_request(candidate)
    invite_all(candidate, request_id, app, ["julien.martin@example.com"])
    interviewer = signed_in(app, "julien.martin@example.com")
    accept(interviewer, invitation_of(app, "julien.martin@example.com"))
    session_id = public_id_of_session(app)
    with app.app_context():
        start = db.session.scalar(select(InterviewSession.start_dt))
    with freeze_time(start - timedelta(hours=20)):
        assert "1 session reminder(s)" in runner.invoke(args=["simulations", "remind"]).output
        assert "0 session reminder(s)" in runner.invoke(args=["simulations", "remind"]).output
    assert outbox(app, "camille@example.com")[-1].subject == in_french(app, "Reminder: your mock interview is tomorrow")
    assert outbox(app, "julien.martin@example.com")[-1].subject == "Reminder: your mock interview is tomorrow"
    with freeze_time(start + timedelta(hours=26)):
        assert "1 feedback reminder(s)" in runner.invoke(args=["simulations", "remind"]).output
        interviewer = signed_in(app, "julien.martin@example.com")  # a day later: a new sign-in
        candidate = signed_in(app, "camille@example.com", lang="fr")
        page = interviewer.get(f"/en/simulations/sessions/{session_id}")
        empty = interviewer.post(
            f"/en/simulations/sessions/{session_id}/feedback",
            data={"strengths": "", "csrf_token": csrf_from(page.text)},
        )
        assert empty.status_code == 400 and "Give a score from 1 to 5." in empty.text
        data = {
            "score_structure": "4",
            "score_analysis": "3",
            "score_communication": "5",
            "score_business_sense": "2",
            "strengths": "Clear structure",
            "improvements": "Sharpen the maths",
            "recommendations": "Practise daily",
            "resources": "Case in Point",
            "csrf_token": csrf_from(page.text),
        }
        assert interviewer.post(f"/en/simulations/sessions/{session_id}/feedback", data=data).status_code == 302
        page = shown(candidate.get(f"/fr/simulations/sessions/{session_id}"))
        assert "Clear structure" in page and "Sharpen the maths" in page
        token = csrf_from(candidate.get(f"/fr/simulations/sessions/{session_id}").text)
        rated = candidate.post(
            f"/fr/simulations/sessions/{session_id}/rating",
            data={"rating": "5", "comment": "Très utile", "share_with_sponsor": "y", "csrf_token": token},
        )
        assert rated.status_code == 302
    with app.app_context():
        feedback = db.session.scalar(select(InterviewSession)).feedback
        assert (
            feedback.scores["business_sense"] == 2
            and feedback.candidate_rating == 5
            and feedback.is_shared_with_sponsor
        )
    subjects = [message.subject for message in outbox(app, "camille@example.com")]
    assert in_french(app, "Your interviewer's feedback is ready") in subjects


def test_cancel_and_no_show(app, candidate, make_interviewer):
    make_interviewer("julien.martin@example.com")
    request_id = create_request(candidate)
    invite_all(candidate, request_id, app, ["julien.martin@example.com"])
    interviewer = signed_in(app, "julien.martin@example.com")
    accept(interviewer, invitation_of(app, "julien.martin@example.com"))
    session_id = public_id_of_session(app)
    page = candidate.get(f"/fr/simulations/sessions/{session_id}")
    no_reason = candidate.post(
        f"/fr/simulations/sessions/{session_id}/cancel", data={"reason": "", "csrf_token": csrf_from(page.text)}
    )
    assert no_reason.status_code == 400
    candidate.post(
        f"/fr/simulations/sessions/{session_id}/cancel", data={"reason": "Malade", "csrf_token": csrf_from(page.text)}
    )
    with app.app_context():
        assert db.session.scalar(select(InterviewSession.status)) == "cancelled"
    notice = outbox(app, "julien.martin@example.com")[-1]
    assert notice.subject == "Your mock interview is cancelled" and "Malade" in notice.body_text
    assert services  # imported for the module's side effects (ground registration)


def test_sponsors_see_completed_interviews_as_a_count_by_cohort(app, candidate, make_interviewer):
    from app.sponsors.figures import metrics

    make_interviewer("julien.martin@example.com")
    request_id = create_request(candidate)
    invite_all(candidate, request_id, app, ["julien.martin@example.com"])
    accept(signed_in(app, "julien.martin@example.com"), invitation_of(app, "julien.martin@example.com"))
    with app.app_context():
        session = db.session.scalar(select(InterviewSession))
        session.status = "completed"
        db.session.commit()
        metric = next(metric for metric in metrics() if metric.key == "completed_interviews")
        assert metric.count(None, [candidate.user_id, 999]) == {candidate.user_id: 1}


@pytest.mark.promise("recipients-sponsors")
def test_sponsor_sees_only_the_feedback_a_member_chose_to_share(app, candidate, make_interviewer, make_user):
    from tests.sponsors.conftest import OrganisationKind, add_admin, enrol, make_organisation

    school = make_organisation(app, "École Alpha", cohorts=("M1",))
    other = make_organisation(app, "Banque Beta", kind=OrganisationKind.EMPLOYER)
    for organisation, email in [(school, "admin.alpha@example.com"), (other, "admin.beta@example.com")]:
        add_admin(app, organisation, make_user(email, roles=(Role.SPONSOR_ADMIN,)))
    enrol(app, school, candidate.user_id, cohort="M1")
    make_interviewer("julien.martin@example.com")
    request_id = create_request(candidate)
    invite_all(candidate, request_id, app, ["julien.martin@example.com"])
    accept(signed_in(app, "julien.martin@example.com"), invitation_of(app, "julien.martin@example.com"))
    with app.app_context():
        session = db.session.scalar(select(InterviewSession))
        session.start_dt -= timedelta(days=30)
        db.session.commit()
    sponsor = signed_in(app, "admin.alpha@example.com")
    feedback = services.Feedback
    with app.app_context():
        session = db.session.scalar(select(InterviewSession))
        db.session.add(
            feedback(
                session=session,
                scores={"structure": 4},
                strengths="Calm and structured",
                improvements="Faster maths",
                submitted_dt=session.start_dt,
            )
        )
        db.session.commit()
    assert "Calm and structured" not in sponsor.get(f"/en/sponsors/{school}/shared").text  # not shared yet
    with app.app_context():
        db.session.scalar(select(services.Feedback)).is_shared_with_sponsor = True
        db.session.commit()
    page = sponsor.get(f"/en/sponsors/{school}/shared")
    assert "Calm and structured" in page.text and "Camille Durand" in page.text
    assert signed_in(app, "admin.beta@example.com").get(f"/en/sponsors/{school}/shared").status_code == 404
    with app.app_context():
        from app.auth.models import User

        db.session.get(User, candidate.user_id).is_processing_restricted = True
        db.session.commit()
    assert "Calm and structured" not in sponsor.get(f"/en/sponsors/{school}/shared").text
