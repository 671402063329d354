"""Meeting details fit the session's mode (a video link is a web address a browser can open, a phone number is
one, an address is text); a tampered invitation form is answered with a clear message, never silence."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.simulations.models import InterviewSession, SimulationInvitation
from tests.conftest import csrf_from, shown, signed_in
from tests.simulations.conftest import public_id_of
from tests.simulations.test_flow import WINDOW_VALUE, create_request, invitation_of, invite_all

INTERVIEWER = "julien.martin@example.com"


def _accept(client, invitation, details, lang="en"):
    page = client.get(f"/{lang}/simulations/invitations/{invitation.public_id}")
    windows = re.findall(WINDOW_VALUE, page.text)
    return client.post(
        f"/{lang}/simulations/invitations/{invitation.public_id}/accept",
        data={"window": windows[0], "meeting_details": details, "csrf_token": csrf_from(page.text)},
    )


def _sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(InterviewSession.id)))


def _invited(app, candidate, make_interviewer, **request_changes):
    make_interviewer(INTERVIEWER)
    request_id = create_request(candidate, **request_changes)
    invite_all(candidate, request_id, app, [INTERVIEWER])
    return signed_in(app, INTERVIEWER), invitation_of(app, INTERVIEWER)


VIDEO_REFUSAL = {
    "en": "Give the video link as a full web address without spaces, such as https://meet.example.com/abc.",
    "fr": "Indiquez le lien visio sous forme d'adresse web complète, sans espace, "
    "par exemple https://meet.example.com/abc.",
}
PHONE_REFUSAL = {
    "en": "Enter a valid phone number, such as 06 12 34 56 78 or +44 20 7946 0958.",
    "fr": "Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78 ou +44 20 7946 0958.",
}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(
    "details", ["https://meet.example/room 42", "javascript:alert(1)", "meet.example/abc", "https://", "Zoom"]
)
def test_a_video_session_needs_a_real_web_address(app, candidate, make_interviewer, lang, details):
    interviewer, invitation = _invited(app, candidate, make_interviewer)
    response = _accept(interviewer, invitation, details, lang)
    assert response.status_code == 400
    page = shown(response)
    assert VIDEO_REFUSAL[lang] in page
    assert f'value="{details}"' in page  # what was typed stays, to be corrected
    assert _sessions(app) == 0


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_phone_session_needs_a_phone_number_shown_as_text(app, candidate, make_interviewer, lang):
    interviewer, invitation = _invited(app, candidate, make_interviewer, mode="phone")
    refused = _accept(interviewer, invitation, "I will call you", lang)
    assert refused.status_code == 400 and PHONE_REFUSAL[lang] in shown(refused)
    assert _sessions(app) == 0
    accepted = _accept(interviewer, invitation, "06 12 34 56 78", lang)
    assert accepted.status_code == 302
    with app.app_context():
        session = db.session.scalar(select(InterviewSession))
        assert session.meeting_details == "+33 6 12 34 56 78"
        session_id = session.public_id
    page = interviewer.get(f"/{lang}/simulations/sessions/{session_id}").text
    assert "+33 6 12 34 56 78" in page and 'href="+33' not in page and "tel:" not in page


def test_a_valid_link_is_a_link_and_an_old_broken_one_is_text(app, candidate, make_interviewer):
    interviewer, invitation = _invited(app, candidate, make_interviewer)
    assert _accept(interviewer, invitation, "https://meet.example.com/abc-def?pwd=1").status_code == 302
    with app.app_context():
        session = db.session.scalar(select(InterviewSession))
        session_id = session.public_id
    page = interviewer.get(f"/en/simulations/sessions/{session_id}").text
    assert 'href="https://meet.example.com/abc-def?pwd=1"' in page
    with app.app_context():  # a link saved before the check, with a space in it
        db.session.scalar(select(InterviewSession)).meeting_details = "https://meet.example/room 42"
        db.session.commit()
    page = interviewer.get(f"/en/simulations/sessions/{session_id}").text
    assert "https://meet.example/room 42" in page and 'href="https://meet.example/room' not in page


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Choose among the interviewers proposed on this page: nobody was invited."),
        ("fr", "Choisissez parmi les interviewers proposés sur cette page : personne n'a été invité."),
    ],
)
def test_a_tampered_invitation_is_refused_with_a_message(app, candidate, make_interviewer, make_user, lang, expected):
    make_interviewer(INTERVIEWER)
    make_interviewer("other.one@example.com")
    stranger = make_user("not.an.interviewer@example.com")
    request_id = create_request(candidate, is_auto_invite="")
    page = candidate.get(f"/{lang}/simulations/requests/{request_id}")
    proposed = public_id_of(app, INTERVIEWER)
    assert proposed in page.text
    stranger_id = public_id_of(app, "not.an.interviewer@example.com")
    assert stranger
    for tampered in (["0" * 32], [stranger_id], [proposed, stranger_id]):
        response = candidate.post(
            f"/{lang}/simulations/requests/{request_id}/invite",
            data={"interviewer": tampered, "csrf_token": csrf_from(page.text)},
            follow_redirects=True,
        )
        assert expected in shown(response), tampered
        with app.app_context():
            assert db.session.scalar(select(func.count(SimulationInvitation.id))) == 0


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Your form has expired or was sent from elsewhere."),
        ("fr", "Votre formulaire a expiré ou a été envoyé depuis un autre site."),
    ],
)
def test_an_invitation_without_its_token_says_so(app, candidate, make_interviewer, lang, expected):
    make_interviewer(INTERVIEWER)
    request_id = create_request(candidate, is_auto_invite="")
    response = candidate.post(
        f"/{lang}/simulations/requests/{request_id}/invite",
        data={"interviewer": [public_id_of(app, INTERVIEWER)], "csrf_token": "forged"},
        follow_redirects=True,
    )
    assert expected in shown(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(SimulationInvitation.id))) == 0
