"""The registry is complete (every table that refers to a member is covered) and drives the records page."""

from flask_babel import force_locale
from sqlalchemy import select

from app.auth.models import User
from app.core import registry
from app.extensions import db
from tests.conftest import shown


def _refers_to_a_member(table) -> bool:
    return any(fk.column.table.name == "user_account" for fk in table.foreign_keys) or table.name == "user_account"


def test_every_table_that_refers_to_a_member_is_covered(app):
    """New personal data cannot be added silently: register it, or declare it not personal with a reason."""
    with app.app_context():
        tables = {table.name for table in db.metadata.sorted_tables if _refers_to_a_member(table)}
        covered = registry.covered_tables()
    missing = sorted(tables - covered)
    assert missing == [], f"tables holding member data without a registry entry: {missing}"
    assert {"consent", "consent_event", "objection", "privacy_request", "export_run", "erasure_job"} <= covered


def test_registry_names_only_tables_that_exist(app):
    with app.app_context():
        existing = set(db.metadata.tables)
    assert sorted(registry.covered_tables() - existing) == []


def test_every_entry_says_why_on_what_basis_and_for_how_long(app):
    with app.test_request_context("/en/"), force_locale("en"):
        for entry in registry.entries():
            assert str(entry.category) and str(entry.purpose), entry.key
            assert entry.retention, entry.key
            assert entry.tables, entry.key
            assert entry.export is not None or entry.files is not None or entry.key == "recovery_codes", entry.key


def test_records_of_processing_page_is_generated_from_the_registry(app, admin):
    text = shown(admin.get("/en/privacy/admin/records"))
    with app.test_request_context("/en/"), force_locale("en"):
        for entry in registry.entries():
            row = text.split(f'id="record-{entry.key}"')[1].split("</tr>")[0]
            assert str(entry.category) in row and str(entry.purpose) in row and entry.legal_basis.label in row
            assert str(entry.retention) in row
            for recipient in entry.recipients:
                assert str(recipient) in row
    assert app.config["CONTROLLER_NAME"] in text and app.config["DPO_EMAIL"] in text
    assert "erasure_job" in text  # declared not personal, with its reason


def test_records_page_is_for_admins_only(client, make_user, auth):
    make_user("member@example.com")
    auth.login("member@example.com")
    assert client.get("/en/privacy/admin/records").status_code == 403


def test_every_count_query_counts_the_same_with_the_member_as_parameters(app, member):
    """The dashboard runs each count_query built once with MEMBER (bound parameters): it must use only the
    member's id and e-mail, and count what the entry's own `count` counts."""
    with app.app_context():
        user = db.session.get(User, member.user_id)
        for entry in registry.entries():
            if entry.count_query is None:
                continue
            shared = select(entry.count_query(registry.MEMBER).scalar_subquery())
            assert db.session.scalar(shared, registry.MEMBER.values(user)) == entry.count(user), entry.key
