"""Becoming an interviewer or a client without writing to anyone: a member applies, an administrator with two-step
verification accepts (the role is granted, an interviewer's profile starts with her answers) or refuses with a
reason; the applicant is told by e-mail in her language. Applications are exported and erased with her."""

import html
import io
import json
import re
import zipfile

import pytest
from sqlalchemy import select

from app.applications.models import RoleApplication
from app.auth.models import Role, User
from app.extensions import db
from app.privacy.erasure import start_erasure
from app.profiles.models import InterviewerProfile
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import AuthActions, csrf_from, outbox, shown
from tests.simulations.test_flow import in_french

APPLICANT = "nadia.haddad@example.com"
EXPERIENCE = "Huit ans chez un cabinet de conseil en stratégie ; j'ai mené plus de 200 entretiens de cas."
INTERVIEWER_FORM = {
    "experience": EXPERIENCE,
    "sectors": ["consulting", "banking_finance"],
    "company_types": ["consulting_firm"],
    "languages": ["fr", "en"],
}
CLIENT_FORM = {
    "organisation": "Lumière Recrutement",
    "website": "https://lumiere-recrutement.example.com",
    "motivation": "We recruit junior analysts and want to assess their reasoning.",
}


@pytest.fixture
def applicant(app, make_user):
    make_user(APPLICANT, locale="fr", first_name="Nadia", last_name="Haddad")
    client = app.test_client()
    AuthActions(client).login(APPLICANT, lang="fr")
    return client


@pytest.fixture
def admin(app, make_user):
    return sign_in_admin_with_two_step(app, make_user)


def _post(client, url, data, *, token=True):
    page = client.get(url)
    return client.post(url, data={**data, **({"csrf_token": csrf_from(page.text)} if token else {})})


def _applications(app) -> list[RoleApplication]:
    with app.app_context():
        rows = list(db.session.scalars(select(RoleApplication).order_by(RoleApplication.id)))
        db.session.expunge_all()
        return rows


def _user(app, email=APPLICANT) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        roles = user.role_set if user else set()
        db.session.expunge_all()
        if user:
            user.roles_seen = roles
        return user


def error_of(response, name: str) -> str:
    """The error shown next to the field `name`, as the reader reads it."""
    return html.unescape(response.text.split(f'id="{name}-error"')[1].split("</p>")[0])


def _decide(admin, application, action, data=None):
    url = f"/en/admin/applications/{application.public_id}"
    page = admin.get(url)
    return admin.post(f"{url}/{action}", data={**(data or {}), "csrf_token": csrf_from(page.text)})


def test_the_account_page_links_to_the_applications(applicant):
    page = applicant.get("/fr/account").text
    assert 'href="/fr/apply/"' in page
    listing = applicant.get("/fr/apply/").text
    assert 'href="/fr/apply/interviewer"' in listing and 'href="/fr/apply/client"' in listing


def test_an_accepted_interviewer_gets_the_role_a_profile_from_her_answers_and_a_french_email(app, applicant, admin):
    response = _post(applicant, "/fr/apply/interviewer", INTERVIEWER_FORM)
    assert response.status_code == 302 and response.headers["Location"].endswith("/fr/apply/")
    [application] = _applications(app)
    assert (application.role, application.status, application.sectors) == (
        "interviewer",
        "pending",
        ["consulting", "banking_finance"],
    )
    queue = shown(admin.get("/en/admin/applications/"))
    assert "Nadia Haddad" in queue
    review = shown(admin.get(f"/en/admin/applications/{application.public_id}"))
    assert EXPERIENCE in review and "Banking and finance" in review and "French" in review

    assert _decide(admin, application, "accept").status_code == 302
    assert Role.INTERVIEWER in _user(app).roles_seen
    with app.app_context():
        profile = db.session.scalar(select(InterviewerProfile))
        assert profile.bio == EXPERIENCE
        assert profile.sectors == ["consulting", "banking_finance"] and profile.languages == ["fr", "en"]
        assert profile.company_types == ["consulting_firm"] and not profile.is_accepting
    [mail] = outbox(app, APPLICANT)
    assert mail.subject == in_french(app, "Your application is accepted")
    assert "/fr/interviewer-profile" in mail.body_text  # her new profile, in her language
    assert _applications(app)[0].status == "accepted"
    # Decided once: a second acceptance is refused and sends nothing.
    page = admin.get(f"/en/admin/applications/{application.public_id}")
    again = admin.post(
        f"/en/admin/applications/{application.public_id}/accept", data={"csrf_token": csrf_from(page.text)}
    )
    assert again.status_code == 400 and "This application has already been decided." in shown(again)
    assert len(outbox(app, APPLICANT)) == 1


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_refusal_needs_a_reason_and_sends_it_in_the_applicants_language(app, make_user, admin, lang):
    make_user(APPLICANT, locale=lang, first_name="Nadia", last_name="Haddad")
    applicant = app.test_client()
    AuthActions(applicant).login(APPLICANT, lang=lang)
    assert _post(applicant, f"/{lang}/apply/client", CLIENT_FORM).status_code == 302
    [application] = _applications(app)

    response = _decide(admin, application, "refuse", {"reason": "  "})
    assert response.status_code == 400
    assert "This field is required." in error_of(response, "reason")
    assert _applications(app)[0].status == "pending" and outbox(app, APPLICANT) == []

    reason = "Nous n'avons pas pu vérifier que vous travaillez pour cette entreprise."
    assert _decide(admin, application, "refuse", {"reason": reason}).status_code == 302
    [mail] = outbox(app, APPLICANT)
    expected = "Your application was not accepted"
    assert mail.subject == (expected if lang == "en" else in_french(app, expected))
    assert reason in mail.body_text
    assert Role.CLIENT not in _user(app).roles_seen
    page = shown(applicant.get(f"/{lang}/apply/"))
    assert reason in page
    # Refused, she may apply again.
    assert _post(applicant, f"/{lang}/apply/client", CLIENT_FORM).status_code == 302
    assert [row.status for row in _applications(app)] == ["refused", "pending"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_bad_interviewer_application_is_refused_next_to_each_field_and_kept(app, applicant, lang):
    response = _post(applicant, f"/{lang}/apply/interviewer", {"experience": EXPERIENCE})
    assert response.status_code == 400
    page = response.text
    tick = "Tick at least one." if lang == "en" else in_french(app, "Tick at least one.")
    for name in ("sectors", "company_types", "languages"):
        assert tick in error_of(response, name), name
    assert "Huit ans chez un cabinet" in page  # what was typed is kept
    response = _post(applicant, f"/{lang}/apply/interviewer", {**INTERVIEWER_FORM, "experience": "a\x00b"})
    assert response.status_code == 400 and 'id="experience-error"' in response.text
    [ticked] = re.findall(r'<input[^>]*value="banking_finance"[^>]*>', response.text)
    assert "checked" in ticked, ticked  # the boxes ticked stay ticked
    assert _applications(app) == []


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("website", ["lumiere.example.com", "javascript:alert(1)", "https://", "https://a b.com"])
def test_a_client_application_needs_a_real_website(app, applicant, lang, website):
    response = _post(applicant, f"/{lang}/apply/client", {**CLIENT_FORM, "website": website})
    assert response.status_code == 400
    message = "Give the full address of the website, such as https://www.example.com."
    expected = message if lang == "en" else in_french(app, message)
    assert expected in error_of(response, "website")
    assert "Lumière Recrutement" in response.text and "junior analysts" in response.text
    assert _applications(app) == []


def test_one_pending_application_per_role_and_none_for_a_role_she_has(app, applicant, make_user):
    assert _post(applicant, "/en/apply/interviewer", INTERVIEWER_FORM).status_code == 302
    again = _post(applicant, "/en/apply/interviewer", INTERVIEWER_FORM)
    assert again.status_code == 200
    assert "Your application is being reviewed" in shown(again)
    make_user("already@example.com", roles=(Role.CANDIDATE, Role.CLIENT))
    client = app.test_client()
    AuthActions(client).login("already@example.com")
    assert "You already have this role." in shown(_post(client, "/en/apply/client", CLIENT_FORM))
    assert len(_applications(app)) == 1


def test_posted_extra_fields_change_nothing(app, applicant, make_user):
    other = make_user("other@example.com")
    data = {**CLIENT_FORM, "status": "accepted", "user_id": str(other), "role": "admin"}
    assert _post(applicant, "/en/apply/client", data).status_code == 302
    [application] = _applications(app)
    assert (application.status, application.role) == ("pending", "client")
    assert application.user_id == _user(app).id


def test_forms_without_their_token_are_refused_and_keep_what_was_typed(app, applicant, admin):
    response = _post(applicant, "/en/apply/client", CLIENT_FORM, token=False)
    assert response.status_code == 400
    assert "Your form has expired" in response.text and "Lumière Recrutement" in response.text
    assert _applications(app) == []
    _post(applicant, "/en/apply/client", CLIENT_FORM)
    [application] = _applications(app)
    response = admin.post(f"/en/admin/applications/{application.public_id}/refuse", data={"reason": "No."})
    assert response.status_code == 400
    assert admin.post(f"/en/admin/applications/{application.public_id}/accept").status_code == 400
    assert _applications(app)[0].status == "pending"


def test_only_administrators_with_two_step_review(app, applicant, make_user):
    _post(applicant, "/en/apply/client", CLIENT_FORM)
    [application] = _applications(app)
    review = f"/en/admin/applications/{application.public_id}"
    # The applicant herself, and any other member, are refused; a visitor is sent to sign in.
    for path in ("/en/admin/applications/", review):
        assert applicant.get(path).status_code == 403
    token = csrf_from(applicant.get("/en/apply/").text)
    assert applicant.post(f"{review}/accept", data={"csrf_token": token}).status_code == 403
    visitor = app.test_client()
    for path in ("/en/apply/", "/en/apply/client", "/en/apply/interviewer", "/en/admin/applications/", review):
        assert "/login" in visitor.get(path).headers["Location"], path
    # An administrator without two-step verification is sent to turn it on.
    make_user("lazy.admin@example.com", roles=(Role.ADMIN,))
    lazy = app.test_client()
    AuthActions(lazy).login("lazy.admin@example.com")
    assert "/account/two-step" in lazy.get(review).headers["Location"]
    admin = sign_in_admin_with_two_step(app, make_user, email="real.admin@example.com")
    assert admin.get("/en/admin/applications/0123456789abcdef0123456789abcdef").status_code == 404
    assert Role.CLIENT not in _user(app).roles_seen


@pytest.mark.promise("right-portability")
def test_the_export_holds_the_applications(app, applicant):
    _post(applicant, "/fr/apply/client", CLIENT_FORM)
    token = csrf_from(applicant.get("/fr/privacy/dashboard").text)
    archive = zipfile.ZipFile(io.BytesIO(applicant.post("/fr/privacy/export", data={"csrf_token": token}).data))
    [row] = json.loads(archive.read("role_applications.json"))
    assert (row["role"], row["organisation"], row["website"]) == (
        "client",
        "Lumière Recrutement",
        CLIENT_FORM["website"],
    )


@pytest.mark.promise("right-erasure")
def test_erasure_deletes_her_applications_and_unlinks_an_erased_administrator(app, applicant, admin):
    _post(applicant, "/fr/apply/client", CLIENT_FORM)
    [application] = _applications(app)
    _decide(admin, application, "refuse", {"reason": "Unknown company."})
    _post(applicant, "/fr/apply/interviewer", INTERVIEWER_FORM)
    with app.app_context():
        admin_user = db.session.scalar(select(User).where(User.email == "admin@example.com"))
        assert start_erasure(admin_user).status == "done"
        db.session.commit()
    rows = _applications(app)
    assert len(rows) == 2 and rows[0].decided_by_id is None and rows[0].status == "refused"
    with app.app_context():
        assert start_erasure(db.session.scalar(select(User).where(User.email == APPLICANT))).status == "done"
        db.session.commit()
    assert _applications(app) == []
