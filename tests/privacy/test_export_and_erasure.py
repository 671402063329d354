"""Portability (ZIP from the registry) and erasure (from the registry, nothing left in the database or on disk)."""

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import delete, inspect, select, text

from app.auth.models import User
from app.core import registry, storage
from app.core.access_log import AccessedData, AccessReason, record_access
from app.core.mail import deliver_pending
from app.core.registry import LegalBasis, PersonalDataEntry
from app.extensions import db
from app.privacy.models import ErasureJob, ExportRun
from tests.conftest import PASSWORD, AuthActions, csrf_from, outbox, shown
from tests.privacy.conftest import load_user, rows

SECRET_ANSWER = "My answer is forty-two, unmistakably"


def _storage_entry(app):
    """A registry entry like the profiles' CV: an encrypted upload, exported decrypted, erased from disk."""
    from sqlalchemy import Column, Integer, MetaData, String, Table

    table = Table(
        "test_upload",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("user_id", Integer),
        Column("name", String(32)),
        Column("answer", String(200)),
    )
    with app.app_context():
        table.create(db.engine, checkfirst=True)

    def uploads(user):
        return list(db.session.execute(select(table).where(table.c.user_id == user.id)))

    def erase(user):
        for row in uploads(user):
            storage.delete(row.name)
        return db.session.execute(delete(table).where(table.c.user_id == user.id)).rowcount

    entry = PersonalDataEntry(
        key="test_uploads",
        category="Uploaded files and answers",
        purpose="Testing",
        legal_basis=LegalBasis.CONTRACT,
        export=lambda user: [{"answer": row.answer, "file": row.name} for row in uploads(user)],
        files=lambda user: [("my cv.pdf", storage.read(row.name)) for row in uploads(user)],
        erase=erase,
    )
    return table, entry


@pytest.fixture
def filled(app, member, make_user, extra_entry):
    """A member who filled every field they can: account, consents, objection, request, upload; seen once."""
    table, entry = _storage_entry(app)
    extra_entry(entry)
    viewer_id = make_user("viewer@example.com", first_name="Victor", last_name="Viewer")
    with app.app_context():
        user = db.session.get(User, member.user_id)
        user.username = "alice.m"
        user.company = "Lumière Conseil"
        name = storage.store(b"%PDF-1.4 Alice's CV")
        db.session.execute(table.insert().values(user_id=user.id, name=name, answer=SECRET_ANSWER))
        record_access(
            owner_id=user.id,
            viewer=db.session.get(User, viewer_id),
            what=AccessedData.PROFILE,
            why=AccessReason.CLIENT_ASSIGNMENT,
        )
        db.session.commit()
    member.post("/en/privacy/consents", {"consent-marketing": "y", "consent-research": "y"})
    member.post("/en/privacy/objections", {"topic": "statistics", "reason": "Counted too often"})
    member.post(
        "/en/privacy/requests/new",
        {"kind": "question", "subject": "Where is my data?", "message": "Tell me where it is stored."},
        page="/en/privacy/requests/new",
    )
    yield member, name
    with app.app_context():
        table.drop(db.engine, checkfirst=True)


def download(member, lang="en"):
    page = member.get(f"/{lang}/privacy/dashboard")
    return member.client.post(f"/{lang}/privacy/export", data={"csrf_token": csrf_from(page.text)})


@pytest.mark.promise("right-portability")
def test_export_contains_every_registry_entry_and_every_value(app, filled):
    member, _ = filled
    response = download(member)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="caseinjob-my-data-')
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    with app.app_context():
        for entry in registry.entries():
            if entry.export is not None:
                assert f"{entry.key}.json" in names, entry.key
    everything = "\n".join(archive.read(name).decode("utf-8", "replace") for name in names)
    for value in (
        "Alice",
        "Martin",
        "member@example.com",
        "+33612345678",
        "alice.m",
        "Lumière Conseil",
        SECRET_ANSWER,
        "Victor Viewer",
        "Counted too often",
        "Where is my data?",
        "research",
        "127.0.0.1",
    ):
        assert value in everything, value
    assert archive.read("files/test_uploads/my_cv.pdf") == b"%PDF-1.4 Alice's CV"  # decrypted
    consents = list(csv.DictReader(io.StringIO(archive.read("consents.csv").decode())))
    assert {row["purpose"] for row in consents} == {"marketing", "research"}
    assert json.loads(archive.read("account.json"))["email"] == "member@example.com"
    readme = archive.read("README.txt").decode()
    assert "This archive contains everything we hold about you." in readme
    assert "consents.json" in readme and "1 file in files/test_uploads" in readme
    [run] = rows(app, ExportRun, user_id=member.user_id)
    assert run.status == "done" and run.size_bytes == len(response.data)


def test_export_readme_is_in_the_members_language(app, sign_in):
    member = sign_in("marie@example.com", locale="fr", first_name="Marie", last_name="Curie")
    archive = zipfile.ZipFile(io.BytesIO(download(member, "en").data))
    readme = archive.read("README.txt").decode()
    with app.test_request_context("/"), force_locale("fr"):
        expected = gettext("Your data on %(portal)s, for %(name)s", portal="Caseinjob", name="Marie Curie")
    assert readme.startswith(expected)
    assert "<html" not in readme and "account.json" in readme


def test_export_holds_only_the_members_own_data(app, sign_in):
    alice = sign_in("alice@example.com", first_name="Alice")
    sign_in("bob@example.com", first_name="Bobby", last_name="Tables")
    data = download(alice).data
    archive = zipfile.ZipFile(io.BytesIO(data))
    everything = "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    assert "bob@example.com" not in everything and "Bobby" not in everything


def test_export_is_post_only_signed_in_and_needs_a_token(member, client):
    assert member.get("/en/privacy/export").status_code == 405
    assert client.post("/en/privacy/export").status_code in {302, 400}
    assert member.client.post("/en/privacy/export").status_code == 400  # no CSRF token


def test_export_is_rate_limited_per_member(app_config, request):
    app_config.update(RATELIMIT_ENABLED=True, EXPORT_LIMIT="2 per hour")
    request.getfixturevalue("app")
    member = request.getfixturevalue("member")
    assert download(member).status_code == 200
    assert download(member).status_code == 200
    third = download(member)
    assert third.status_code == 429
    assert "Too many attempts" in shown(third)


def test_a_failing_entry_refuses_the_export_and_shows_it_to_admins(app, member, admin, extra_entry):
    calls = []

    def broken(user):
        calls.append(1)
        raise RuntimeError("disk on fire")

    extra_entry(
        PersonalDataEntry(
            key="test_broken", category="Broken", purpose="Testing", legal_basis=LegalBasis.CONTRACT, export=broken
        )
    )
    token = csrf_from(member.get("/en/privacy/dashboard").text)
    calls.clear()
    response = member.client.post("/en/privacy/export", data={"csrf_token": token})
    assert len(calls) == 2  # retried once
    assert response.status_code == 302 and response.headers["Location"].endswith("#export")
    assert "We could not gather all your data just now." in shown(member.get("/en/privacy/dashboard"))
    [run] = rows(app, ExportRun, user_id=member.user_id)
    assert run.status == "failed" and run.steps["test_broken"] == {"status": "failed", "error": "RuntimeError"}
    page = shown(admin.get("/en/privacy/admin/runs"))
    assert "test_broken: failed (RuntimeError)" in page and "disk on fire" not in page


# --- erasure -----------------------------------------------------------------------------------------


def erase(member, password=PASSWORD):
    page = member.get("/en/privacy/erase")
    return member.client.post(
        "/en/privacy/erase", data={"current_password": password, "confirm": "y", "csrf_token": csrf_from(page.text)}
    )


def everything_in_database(app) -> str:
    with app.app_context():
        dump = []
        for table in inspect(db.engine).get_table_names():
            for row in db.session.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 (table names from the schema)
                dump.append(" ".join(str(value) for value in row))
        return "\n".join(dump)


@pytest.mark.promise("right-erasure")
@pytest.mark.promise("retention-account-lifetime")
def test_erasure_leaves_nothing_of_the_member_in_the_database_or_on_disk(app, filled):
    member, file_name = filled
    other_device = app.test_client()
    AuthActions(other_device).login(member.email)
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert any(upload_dir.rglob(f"{file_name}.bin"))
    before = everything_in_database(app)
    assert "member@example.com" in before and SECRET_ANSWER in before

    response = erase(member)
    assert response.status_code == 302
    assert "/en/privacy/erasure/" in response.headers["Location"]
    status_page = shown(member.get(response.headers["Location"]))
    assert "Your account is closed" in status_page

    assert load_user(app, member.user_id) is None
    # The confirmation goes out, then leaves the outbox with nothing else of hers.
    [goodbye] = outbox(app, "member@example.com")
    assert goodbye.subject == "Your account is closed" and goodbye.user_id is None
    with app.app_context():
        deliver_pending()
    after = everything_in_database(app)
    for value in (
        "member@example.com",
        "Alice",
        "Martin1",
        "+33612345678",
        "alice.m",
        "Lumière Conseil",
        SECRET_ANSWER,
        "Counted too often",
        "Where is my data?",
    ):
        assert value not in after, value
    assert not any(upload_dir.rglob(f"{file_name}.bin"))
    # Every session ended: this device and the other one are signed out.
    assert member.get("/en/privacy/dashboard").status_code == 302
    assert other_device.get("/en/privacy/dashboard").status_code == 302
    [job] = rows(app, ErasureJob)
    assert job.status == "done" and job.user_id is None and job.steps["account"]["status"] == "done"
    # The viewer's account is untouched.
    assert "viewer@example.com" in after


def test_erasure_needs_the_password_and_the_box(app, member):
    wrong = erase(member, password="not my password at all")
    assert wrong.status_code == 200 and "Your current password is not correct." in shown(wrong)
    page = member.get("/en/privacy/erase")
    unticked = member.client.post(
        "/en/privacy/erase", data={"current_password": PASSWORD, "csrf_token": csrf_from(page.text)}
    )
    assert "Tick this box to confirm." in shown(unticked)
    assert load_user(app, member.user_id) is not None


def test_erasure_page_in_french(member):
    page = member.get("/fr/privacy/erase")
    assert page.status_code == 200 and '<html lang="fr">' in page.text and "Mot de passe actuel" in shown(page)


@pytest.mark.promise("right-erasure")
def test_a_failed_step_is_retried_and_never_reported_done(app, member, admin, extra_entry, runner):
    state = {"fail": True}

    def flaky_erase(user):
        if state["fail"]:
            raise RuntimeError("storage unreachable")
        return 0

    extra_entry(
        PersonalDataEntry(
            key="test_flaky", category="Flaky", purpose="Testing", legal_basis=LegalBasis.CONTRACT, erase=flaky_erase
        )
    )
    response = erase(member)
    assert "Your account is being closed" in shown(member.get(response.headers["Location"]))
    user = load_user(app, member.user_id)
    assert user is not None and user.is_suspended  # suspended, signed out, not reported erased
    assert AuthActions(app.test_client()).login(member.email).status_code == 403
    [job] = rows(app, ErasureJob)
    assert job.status == "failed" and job.steps["test_flaky"]["status"] == "failed"
    assert job.steps["sessions"]["status"] == "done" and "account" not in job.steps
    page = shown(admin.get("/en/privacy/admin/runs"))
    assert "test_flaky: failed (RuntimeError)" in page

    retried = runner.invoke(args=["privacy", "retry-erasures"])
    assert retried.exit_code == 1 and "1 still failing" in retried.output
    state["fail"] = False
    page = admin.get("/en/privacy/admin/runs")
    admin.post(f"/en/privacy/admin/erasures/{job.public_id}/retry", data={"csrf_token": csrf_from(page.text)})
    [job] = rows(app, ErasureJob)
    assert job.status == "done" and job.attempts == 3
    assert load_user(app, member.user_id) is None
    assert "Every erasure is complete." in shown(admin.get("/en/privacy/admin/runs"))


def test_erasure_status_of_an_unknown_job_is_404(client):
    assert client.get("/en/privacy/erasure/0123456789abcdef0123456789abcdef").status_code == 404


def test_admin_runs_page_is_for_admins_only(member):
    assert member.get("/en/privacy/admin/runs").status_code == 403
