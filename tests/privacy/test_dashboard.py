"""The privacy dashboard: driven by the registry, with access log, sign-ins, sessions, sponsor data, shares."""

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.auth.models import UserSession
from app.core import registry
from app.core.access_log import AccessedData, AccessReason, record_access
from app.core.registry import LegalBasis, PersonalDataEntry
from app.extensions import db
from tests.conftest import AuthActions, csrf_from, shown
from tests.privacy.conftest import load_user, rows


@pytest.mark.promise("right-access")
def test_dashboard_lists_every_registry_entry_with_purpose_basis_recipients_and_retention(app, member):
    text = shown(member.get("/en/privacy/dashboard"))
    with app.test_request_context("/en/"), force_locale("en"):
        entries = registry.entries()
        assert len(entries) >= 8
        for entry in entries:
            assert f'id="data-{entry.key}"' in text, entry.key
            assert str(entry.category) in text and str(entry.purpose) in text, entry.key
            assert entry.legal_basis.label in text
            if entry.retention:
                assert str(entry.retention) in text
            for recipient in entry.recipients:
                assert str(recipient) in text
    # The values of the account, not only a count.
    assert "alice" in text.lower() and "member@example.com" in text and "+33612345678" in text


def test_dashboard_in_french_uses_the_translated_legal_bases(member):
    text = shown(member.get("/fr/privacy/dashboard"))
    assert '<html lang="fr">' in text
    assert "L'exécution de notre contrat avec vous" in text
    assert "Appareils connectés" in text


def test_dashboard_needs_sign_in(client):
    response = client.get("/en/privacy/dashboard")
    assert response.status_code == 302 and "/en/login" in response.headers["Location"]


@pytest.mark.promise("access-log")
def test_dashboard_shows_who_viewed_my_data_from_the_access_log_entry(app, member, make_user):
    viewer_id = make_user("interviewer@example.com", first_name="Victor", last_name="Viewer")
    with app.app_context():
        viewer = load_user(app, viewer_id)
        record_access(owner_id=member.user_id, viewer=viewer, what=AccessedData.CV, why=AccessReason.INTERVIEW_REQUEST)
        db.session.commit()
    text = shown(member.get("/en/privacy/dashboard"))
    section = text.split('id="access-log"')[1].split("</section>")[0]
    assert "Victor Viewer" in section and "your CV" in section
    assert "an interviewer preparing or running your mock interview" in section


def test_dashboard_without_access_log_says_nobody_viewed(member):
    text = shown(member.get("/en/privacy/dashboard"))
    assert "Nobody other than you has viewed your profile, CV or photo." in text


def test_dashboard_shows_my_sign_ins_with_ip_and_device(member):
    text = shown(member.get("/en/privacy/dashboard"))
    section = text.split('id="sessions"')[1].split("</details>")[0]
    assert "Signed in" in section and "127.0.0.1" in section and "Werkzeug" in section


def test_end_another_session_from_the_dashboard(app, sign_in):
    alice = sign_in("alice@example.com")
    other_device = app.test_client()
    AuthActions(other_device).login("alice@example.com")
    [first, second] = rows(app, UserSession, user_id=alice.user_id)
    response = alice.post(
        f"/en/account/sessions/{second.public_id}/end", data={"next": "/en/privacy/dashboard#sessions"}
    )
    assert response.headers["Location"].endswith("/en/privacy/dashboard#sessions")
    assert other_device.get("/en/privacy/dashboard").status_code == 302
    assert alice.get("/en/privacy/dashboard").status_code == 200


def test_ending_another_members_session_is_404(app, sign_in):
    alice = sign_in("alice@example.com")
    bob = sign_in("bob@example.com")
    [bob_session] = rows(app, UserSession, user_id=bob.user_id)
    assert alice.post(f"/en/account/sessions/{bob_session.public_id}/end").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(UserSession.ended_dt).where(UserSession.id == bob_session.id)) is None


@pytest.mark.promise("right-rectification")
def test_sponsor_data_has_its_own_section_and_a_correction_request(app, member, extra_entry):
    extra_entry(
        PersonalDataEntry(
            key="test_sponsor_data",
            category="Grade given by your school",
            purpose="Eligibility",
            legal_basis=LegalBasis.CONTRACT,
            export=lambda user: {"grade": "Master 2", "cohort": "2026"},
            extra={"provided_by_sponsor": True},
        )
    )
    text = shown(member.get("/en/privacy/dashboard"))
    section = text.split('id="sponsor-data"')[1].split("</section>")[0]
    assert "Grade given by your school" in section and "Master 2" in section
    link = "/en/privacy/requests/new?kind=sponsor_data_correction&amp;about=test_sponsor_data"
    assert link in member.get("/en/privacy/dashboard").text
    form = member.get("/en/privacy/requests/new?kind=sponsor_data_correction&about=test_sponsor_data")
    assert 'selected value="sponsor_data_correction"' in form.text
    assert 'value="test_sponsor_data"' in form.text


def test_edit_links_come_from_the_registry(member, extra_entry):
    extra_entry(
        PersonalDataEntry(
            key="test_editable",
            category="Something you can edit",
            purpose="Testing",
            legal_basis=LegalBasis.CONTRACT,
            export=lambda user: [],
            extra={"edit_endpoint": "auth.account"},
        )
    )
    text = member.get("/en/privacy/dashboard").text
    card = text.split('id="data-test_editable"')[1].split("</article>")[0]
    assert 'href="/en/account"' in card and "0 records" in card


@pytest.mark.promise("recipients-clients")
def test_results_shared_with_clients_show_until_when(member, extra_entry):
    extra_entry(
        PersonalDataEntry(
            key="test_client_shares",
            category="Test results",
            purpose="Testing",
            legal_basis=LegalBasis.CONTRACT,
            extra={
                "client_shares": lambda user: [
                    {"what": "Numerical reasoning", "client": "Banque Lumière", "until": "2028-11-24"}
                ]
            },
        )
    )
    text = shown(member.get("/en/privacy/dashboard"))
    section = text.split('id="shared-with-clients"')[1].split("</section>")[0]
    assert "Numerical reasoning" in section and "Banque Lumière" in section
    assert "November 24, 2028" in section
    assert date(2028, 11, 24)


def test_dashboard_forms_carry_csrf_tokens(member):
    page = member.get("/en/privacy/dashboard").text
    assert csrf_from(page)
    assert page.count('name="csrf_token"') >= 6


def test_the_parts_shown_to_everyone_follow_the_language_of_the_page(member):
    """Card texts, links and fresh form fields are rendered once per language, then reused."""
    for _ in range(2):
        english, french = member.get("/en/privacy/dashboard"), member.get("/fr/privacy/dashboard")
        assert "Performance of our contract with you" in shown(english) and 'href="/en/account"' in english.text
        assert "L'exécution de notre contrat avec vous" in shown(french) and 'href="/fr/account"' in french.text
        assert "L'exécution de notre contrat avec vous" not in shown(english)
        assert ">Direct marketing" in _topics(english) and ">Prospection commerciale" in _topics(french)


def _topics(response) -> str:
    return shown(response).split('<select id="topic"')[1].split("</select>")[0]


def test_an_objection_with_errors_keeps_what_was_chosen_and_the_next_view_starts_afresh(member):
    page = member.post("/en/privacy/objections", {"topic": "statistics", "reason": ""})
    assert page.status_code == 400
    assert 'selected value="statistics"' in _topics(page) and "Tell us briefly about your situation" in shown(page)
    fresh = member.get("/en/privacy/dashboard")
    assert "selected" not in _topics(fresh) and "Tell us briefly about your situation" not in shown(fresh)
