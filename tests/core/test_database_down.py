"""The database down: every page answers a 503 in its language, with Retry-After and no internals, without
touching the database to render it; when the database is back, the same pages work again by themselves."""

import sqlite3

import pytest
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests.conftest import PASSWORD, csrf_from, shown
from tests.live_servers import LOOPBACK, TcpProxy, fresh_postgres_database, portal_with_camille

TITLES = {"en": "Service unavailable", "fr": "Service indisponible"}
SAVED_IS_KEPT = {
    "en": "What you saved before is kept.",
    "fr": "Ce que vous avez déjà enregistré est conservé.",  # from /work/tr/faults.json until merged
}
INTERNALS = ("Traceback", "OperationalError", "sqlite", "psycopg", "SELECT", "database is locked", "gone")


def assert_database_down_page(response, lang: str) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = shown(response)
    assert f'<html lang="{lang}">' in page
    assert TITLES[lang] in page
    assert SAVED_IS_KEPT[lang] in page
    for internal in INTERNALS:
        assert internal not in page


# --- a database that cannot be opened at all ----------------------------------------------------------


@pytest.fixture
def broken_app(tmp_path):
    """The portal whose database file lies in a folder that does not exist: every connection fails."""
    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'gone' / 'caseinjob.sqlite'}",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def with_member_session(client) -> None:
    """The cookie of a signed-in member: loading the member needs the database."""
    with client.session_transaction() as session:
        session["_user_id"] = "a-session-token"
        session["_fresh"] = True


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_signed_in_page_answers_503_in_its_language(broken_app, lang):
    client = broken_app.test_client()
    with_member_session(client)
    response = client.get(f"/{lang}/dashboard")
    assert_database_down_page(response, lang)
    assert f'href="/{lang}/dashboard"' in response.text  # "Try again" reloads the same page


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_visitor_signing_in_gets_the_503_too(broken_app, lang):
    client = broken_app.test_client()
    page = client.get(f"/{lang}/login")
    assert page.status_code == 200  # the form itself needs no database
    response = client.post(
        f"/{lang}/login", data={"identifier": "a@example.com", "password": PASSWORD, "csrf_token": csrf_from(page.text)}
    )
    assert_database_down_page(response, lang)
    assert "Try again" not in response.text and "Réessayer" not in response.text  # a POST is not replayed by a link


def test_the_autosave_gets_a_json_503_it_can_show(broken_app):
    client = broken_app.test_client()
    token = csrf_from(client.get("/fr/login").text)
    with_member_session(client)
    response = client.post(
        "/fr/tests/attempts/0123/answers", json={"item": "x", "value": "1"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.json == {
        "ok": False,
        "error": "Le portail est temporairement indisponible. Veuillez réessayer dans quelques minutes.",
    }


def test_pages_without_the_database_still_work(broken_app):
    client = broken_app.test_client()
    assert client.get("/en/no-such-page").status_code == 404
    assert client.get("/fr/login").status_code == 200


# --- SQLite: locked by another process for longer than busy_timeout, then released ---------------------


@pytest.fixture
def app_config(app_config):
    app_config["SQLITE_BUSY_TIMEOUT_SECONDS"] = 0.3
    return app_config


def test_sqlite_locked_past_busy_timeout_answers_503_then_recovers(app, make_user, client, auth):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the SQLite variant (the PostgreSQL one cuts the connection)")
    make_user("camille@example.com", first_name="Camille")
    auth.login("camille@example.com")
    assert "Camille" in client.get("/en/dashboard").text
    with app.app_context():
        db.engine.dispose()  # the portal's next connections meet the lock
    lock = sqlite3.connect(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database, isolation_level=None)
    try:
        # Exclusive locking mode in WAL: no other connection may even read until this one lets go.
        lock.execute("PRAGMA locking_mode=EXCLUSIVE")
        lock.execute("BEGIN EXCLUSIVE")
        lock.execute("UPDATE user_account SET first_name = first_name")
        for lang in ("en", "fr"):
            assert_database_down_page(client.get(f"/{lang}/dashboard"), lang)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    response = client.get("/en/dashboard")
    assert response.status_code == 200
    assert "Camille" in response.text  # still signed in: nothing was lost with the lock


# --- PostgreSQL: the connection cut by a proxy, then restored ------------------------------------------


def test_postgresql_cut_off_answers_503_then_recovers(tmp_path):
    with fresh_postgres_database("caseinjob_faults") as url:
        server = make_url(url)
        proxy = TcpProxy(server.host or LOOPBACK, server.port or 5432)
        proxy.start()
        through_proxy = server.set(host=LOOPBACK, port=proxy.port).render_as_string(hide_password=False)
        try:
            with portal_with_camille(through_proxy, tmp_path) as (_, client):
                assert "Camille" in client.get("/en/dashboard").text

                proxy.stop()
                for lang in ("en", "fr"):
                    assert_database_down_page(client.get(f"/{lang}/dashboard"), lang)

                proxy.start()
                response = client.get("/fr/dashboard")
                assert response.status_code == 200
                assert "Camille" in response.text
        finally:
            proxy.stop()
