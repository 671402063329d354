"""Publishing a version: e-mail and banner before a material change, acceptance at the next visit after it."""

from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import PolicyAcceptance, PolicyVersion
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import AuthActions, csrf_from, outbox, shown
from tests.privacy.conftest import rows


def publish(admin, **fields):
    page = admin.get("/en/privacy/admin/policies")
    data = {
        "version": "3.0",
        "effective_date": (utcnow().date() + timedelta(days=30)).isoformat(),
        "template": "privacy/policies/v2.html",
        "is_material": "y",
        "summary_en": "Adds video recordings of sessions.",
        "summary_fr": "Ajoute l'enregistrement vidéo des sessions.",
        "csrf_token": csrf_from(page.text),
    } | fields
    if data.get("is_material") is None:
        data.pop("is_material")
    return admin.post("/en/privacy/admin/policies", data=data)


@pytest.mark.promise("change-notice")
def test_material_change_is_emailed_in_each_language_and_shown_in_a_banner(app, make_user):
    make_user("anne@example.com", locale="en", first_name="Anne")
    make_user("paul@example.com", locale="fr", first_name="Paul")
    admin = sign_in_admin_with_two_step(app, make_user)
    response = publish(admin)
    assert response.status_code == 302
    [english] = outbox(app, to="anne@example.com")
    [french] = outbox(app, to="paul@example.com")
    assert english.subject == "Our privacy policy is changing"
    assert "Adds video recordings of sessions." in english.body_text and "/en/privacy/versions/3.0" in english.body_text
    assert "Ajoute l'enregistrement vidéo des sessions." in french.body_text
    assert "/fr/privacy/versions/3.0" in french.body_text
    with app.app_context():
        assert db.session.scalar(select(PolicyVersion.notice_sent_dt).where(PolicyVersion.version == "3.0"))

    member = app.test_client()
    AuthActions(member).login("anne@example.com")
    page = shown(member.get("/en/dashboard"))
    assert "Our privacy policy changes on" in page and "(version 3.0)" in page
    assert 'href="/en/privacy/versions/3.0"' in member.get("/en/dashboard").text
    assert member.get("/en/dashboard").status_code == 200  # nothing to accept before it takes effect


def test_publishing_checks_number_and_date_and_is_for_admins_only(app, make_user, auth):
    admin = sign_in_admin_with_two_step(app, make_user)
    bad = publish(admin, version="three", effective_date=utcnow().date().isoformat())
    assert bad.status_code == 400
    text = shown(bad)
    assert "Use a number such as 2.1 or 3.0." in text
    taken = publish(admin, version="2.0")
    assert "This version number is already used." in shown(taken)
    past = publish(admin, effective_date="2020-01-01")
    assert "The effective date must be in the future" in shown(past)
    with app.app_context():
        assert db.session.scalar(select(PolicyVersion.id).where(PolicyVersion.version == "3.0")) is None
    make_user("member@example.com")
    auth.login("member@example.com")
    assert auth.client.get("/en/privacy/admin/policies").status_code == 403


def test_non_material_change_sends_no_email(app, make_user):
    make_user("anne@example.com")
    admin = sign_in_admin_with_two_step(app, make_user)
    publish(admin, version="2.1", is_material=None)
    assert outbox(app, to="anne@example.com") == []


@pytest.mark.promise("change-notice")
def test_after_a_material_change_takes_effect_the_member_accepts_it_at_next_visit(app, make_user):
    make_user("anne@example.com")
    admin = sign_in_admin_with_two_step(app, make_user)
    effective = utcnow().date() + timedelta(days=30)
    publish(admin, effective_date=effective.isoformat())
    with freeze_time(effective.isoformat() + " 09:00:00"):
        client = app.test_client()
        auth = AuthActions(client)
        response = auth.login("anne@example.com")
        landing = client.get(response.headers["Location"])
        assert landing.status_code == 302 and landing.headers["Location"] == "/en/privacy/accept"
        page = client.get("/en/privacy/accept")
        text = shown(page)
        assert "Version 3.0 of our privacy policy took effect on" in text
        assert "Adds video recordings of sessions." in text and 'href="/en/privacy/erase"' in page.text
        # Privacy pages stay open: the member may export or close the account instead.
        assert client.get("/en/privacy/dashboard").status_code == 200
        refused = client.post("/en/privacy/accept", data={"csrf_token": csrf_from(page.text)})
        assert refused.status_code == 400 and "Tick this box to accept" in shown(refused)
        accepted = client.post("/en/privacy/accept", data={"accept": "y", "csrf_token": csrf_from(page.text)})
        assert accepted.headers["Location"] == "/en/dashboard"
        assert client.get("/en/dashboard").status_code == 200
        [acceptance] = [row for row in rows(app, PolicyAcceptance) if row.policy_version.version == "3.0"]
        assert acceptance.ip_address == "127.0.0.1" and acceptance.accepted_dt.date() == effective


def test_a_member_who_joined_after_the_change_is_not_asked_again(app, sign_in):
    member = sign_in("member@example.com")
    assert member.get("/en/dashboard").status_code == 200
    assert member.get("/en/privacy/accept").headers["Location"] == "/en/dashboard"


def test_registration_records_acceptance_of_the_version_in_force(app, client):
    page = client.get("/en/register")
    client.post(
        "/en/register",
        data={
            "first_name": "Nina",
            "last_name": "Nouvelle",
            "email": "nina@example.com",
            "password": "a long enough passphrase",
            "accept_policy": "y",
            "csrf_token": csrf_from(page.text),
        },
    )
    [acceptance] = rows(app, PolicyAcceptance)
    assert acceptance.policy_version.version == "2.0" and acceptance.ip_address == "127.0.0.1"
    assert date.today()
