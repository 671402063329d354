"""Fixtures: the test app and its database (SQLite, or PostgreSQL from TEST_DATABASE_URL), members, mail."""

import copy
import functools
import html
import os
import re
import shutil
import socket
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path
from typing import NamedTuple

import pytest
from flask import Flask
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.config import normalise_database_url
from app.core import pooled_read
from app.core.mail import OutboxMessage, deliver_pending
from app.core.timeutil import utcnow
from app.extensions import db, limiter
from app.privacy import services as privacy_services

PASSWORD = "correct horse battery"  # noqa: S105 (the password of test members)
CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def pytest_sessionstart(session) -> None:
    """With TEST_DATABASE_URL, the database must answer: a failure under CI, a skip elsewhere."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return
    from sqlalchemy import create_engine

    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect():
            pass
    except Exception as error:
        message = f"TEST_DATABASE_URL does not answer ({type(error).__name__}): {url}"
        if os.environ.get("CI") == "true":
            pytest.exit(message, returncode=3)
        pytest.skip(message, allow_module_level=True)
    finally:
        engine.dispose()


#: Markers of the long files, longest kind first. pytest-xdist hands out whole files in collection order
#: (`--dist loadfile --no-loadscope-reorder`, see the Makefile): a long file that started last would keep one
#: worker busy long after the other has finished.
LONG_FIRST = ("e2e", "load", "sweep", "nodes")


@pytest.hookimpl(trylast=True)  # after tests/e2e/conftest.py marks its tests
def pytest_collection_modifyitems(items) -> None:
    def rank(item) -> int:
        return next((place for place, name in enumerate(LONG_FIRST) if item.get_closest_marker(name)), len(LONG_FIRST))

    items.sort(key=rank)  # stable: within a rank, files and tests keep their order


def database_url(folder) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{folder / 'test.sqlite'}"
    return _database_of_this_worker(normalise_database_url(url))


@functools.cache
def _database_of_this_worker(url: str) -> str:
    """Under pytest-xdist (`-n 2`), each worker has a database of its own on the same server
    (`test_gw0`, `test_gw1`), created when missing: the tests drop and create every table."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(url)
    name = f"{server.database}_{worker}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def app_config(tmp_path, tmp_path_factory) -> dict:
    """Settings for the test app; a test may change them before `app` is built."""
    return {
        "APP_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory.getbasetemp()),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }


@pytest.fixture
def app(request, app_config, tmp_path_factory):
    """The test app, on a database that holds the schema and the shipped policy versions only.

    Building an app costs about 0.15 s (Werkzeug compiles each of its ~180 URL rules), more than most tests:
    an app is built once per worker and per set of settings, and each test gets it back as new (see
    ReusedApps); a test marked `own_app` gets one of its own. The schema is built once per worker: SQLite
    copies a built file over the worker's database before each test, PostgreSQL empties the tables a test
    used after it."""
    url = app_config["SQLALCHEMY_DATABASE_URI"]
    fresh = SqliteCopy(tmp_path_factory) if url.startswith("sqlite") else EMPTIED
    REUSED_APPS.let_go_of_connections()
    fresh.before_app(url)
    own = request.node.get_closest_marker("own_app") is not None
    app = create_app(app_config) if own else REUSED_APPS.checkout(app_config)
    with app.app_context():
        fresh.before_test()
    yield app
    with app.app_context():
        db.session.remove()
        fresh.after_test()
        db.engine.dispose()


class KeptApp(NamedTuple):
    """An app as create_app left it: its settings and extensions, and the limiter's state it was built with."""

    app: Flask
    settings: dict
    extensions: dict
    limiter_state: tuple


class ReusedApps:
    """Apps kept from test to test, by their settings (the upload folder aside, which is each test's own).

    A test gets its app back as create_app left it: the settings and `app.extensions` as they were after it
    was built (what a test changed, and what views kept there, such as the storage backend and the policy
    versions, go), and no rate-limit count. Flask-Limiter's one `limiter` takes its settings from the last
    app it was given: an app whose limiter settings another app has since changed is built again."""

    KEPT = 4

    def __init__(self):
        self.apps: dict[str, KeptApp] = {}  # by settings

    def checkout(self, config: dict):
        key = repr(sorted((name, value) for name, value in config.items() if name != "UPLOAD_DIR"))
        kept = self.apps.pop(key, None)
        if kept is None or kept.limiter_state != self._limiter_state():
            app = create_app(config)
            kept = KeptApp(app, copy.deepcopy(dict(app.config)), dict(app.extensions), self._limiter_state())
        self.apps[key] = kept  # the most recently used last
        while len(self.apps) > self.KEPT:
            self.apps.pop(next(iter(self.apps)))
        app = kept.app
        app.config.clear()
        app.config.update(copy.deepcopy(kept.settings), UPLOAD_DIR=config["UPLOAD_DIR"])
        app.extensions.clear()
        app.extensions.update(kept.extensions)
        if limiter.enabled:
            limiter.reset()
        return app

    def let_go_of_connections(self) -> None:
        """Before a test replaces the database file under them."""
        for kept in self.apps.values():
            with kept.app.app_context():
                db.engine.dispose()

    @staticmethod
    def _limiter_state() -> tuple:
        return (limiter.enabled, limiter.limiter if limiter.enabled else None)


REUSED_APPS = ReusedApps()


def _build_schema() -> None:
    db.drop_all()
    # A test that migrated leaves the stamp behind; `flask db upgrade` would then believe the schema is at head.
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    db.create_all()
    privacy_services.ensure_shipped_versions()
    db.session.commit()


class SqliteCopy:
    """Before each test, the worker's SQLite file is replaced by a copy of one built when the worker's first test
    started (a file copy costs a few milliseconds, create_all about 150). A copy also isolates what a
    rolled-back transaction cannot: the live servers, worker processes and second connections many tests
    open, and the write-ahead log."""

    def __init__(self, tmp_path_factory):
        self.built = tmp_path_factory.getbasetemp() / "schema.sqlite"
        self.path: Path | None = None

    def before_app(self, url: str) -> None:
        self.path = Path(make_url(url).database)
        for leftover in (self.path, *(self.path.with_name(self.path.name + end) for end in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        if self.built.exists():
            shutil.copyfile(self.built, self.path)

    def before_test(self) -> None:
        if self.built.exists():
            return
        _build_schema()
        with db.engine.begin() as connection:  # everything in the main file, nothing left in the log
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
        shutil.copyfile(self.path, self.built)

    def after_test(self) -> None:
        """Nothing: the next test replaces the file."""


class EmptiedTables:
    """PostgreSQL: the worker's database keeps its schema from test to test; after each one, every table is
    emptied and every sequence restarted (25 ms, where dropping and creating the tables costs 850). A test
    that changed the schema itself (the migration and readiness tests) has it built again."""

    def __init__(self):
        self.schema_is_built = False

    def before_app(self, url: str) -> None:
        pass

    def before_test(self) -> None:
        if not self.schema_is_built:
            _build_schema()
            self.schema_is_built = True

    def after_test(self) -> None:
        tables = set(db.session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")))
        if tables != set(db.metadata.tables):
            self.schema_is_built = False
            return
        sequences = db.session.scalars(
            text("SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()")
        )
        tables_in_order = reversed(db.metadata.sorted_tables)
        statements = [f'DELETE FROM "{table.name}"' for table in tables_in_order]  # noqa: S608 (the models' names)
        statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
        db.session.remove()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("; ".join(statements))
        privacy_services.ensure_shipped_versions()
        db.session.commit()


EMPTIED = EmptiedTables()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a member and return its id; roles, language and verification as the test needs."""
    counter = {"n": 0}

    def make(email=None, *, roles=(Role.CANDIDATE,), locale="en", verified=True, password=PASSWORD, **fields):
        counter["n"] += 1
        email = email or f"member{counter['n']}@example.com"
        with app.app_context():
            user = User(
                email=email.lower(),
                first_name=fields.pop("first_name", "Alice"),
                last_name=fields.pop("last_name", f"Martin{counter['n']}"),
                password_hash=hash_password(password),
                locale=locale,
                email_verified_dt=utcnow() if verified else None,
                **fields,
            )
            db.session.add(user)
            db.session.flush()
            from app.auth.services import grant_role

            for role in roles:
                grant_role(user, role)
            db.session.commit()
            return user.id

    return make


def csrf_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class AuthActions:
    """Sign in and out through the real pages, CSRF tokens included."""

    def __init__(self, client):
        self.client = client

    def login(self, identifier, password=PASSWORD, *, lang="en", remember=False, follow=False):
        page = self.client.get(f"/{lang}/login")
        data = {"identifier": identifier, "password": password, "csrf_token": csrf_from(page.text)}
        if remember:
            data["remember"] = "y"
        return self.client.post(f"/{lang}/login", data=data, follow_redirects=follow)

    def logout(self, lang="en"):
        page = self.client.get(f"/{lang}/dashboard")
        return self.client.post(f"/{lang}/logout", data={"csrf_token": csrf_from(page.text)})

    def post(self, url, data, *, page=None, follow=False):
        """POST a form with the CSRF token of `page` (default: the same URL)."""
        html = self.client.get(page or url).text
        return self.client.post(url, data={**data, "csrf_token": csrf_from(html)}, follow_redirects=follow)


def signed_in(app, email: str, lang: str = "en"):
    """A new test client of `app`, signed in through the login page as `email`."""
    client = app.test_client()
    AuthActions(client).login(email, lang=lang)
    return client


def post_form(client, url, data=None, *, page=None, follow=False, **kwargs):
    """POST a form with the CSRF token of `page` (default: the same URL)."""
    html = client.get(page or url).text
    return client.post(url, data={**(data or {}), "csrf_token": csrf_from(html)}, follow_redirects=follow, **kwargs)


@contextmanager
def recorded_statements(app):
    """The SQL statements the app's engine sends inside the block, in order."""
    with app.app_context():
        engine = db.engine
    statements = []

    def record(connection, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def record_pooled(statement, parameters):
        statements.append(statement)

    # The session's read runs on a pooled cursor, which the engine's events do not see.
    event.listen(engine, "before_cursor_execute", record)
    pooled_read.listen(engine, record_pooled)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
        pooled_read.remove(engine, record_pooled)


@pytest.fixture
def auth(client):
    return AuthActions(client)


def outbox(app, to=None) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            query = query.where(OutboxMessage.to_address == to)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def link_in(text: str, path_part: str) -> str:
    """The first absolute link in `text` whose path contains `path_part`, as a path for the test client."""
    match = re.search(r"https?://[^/\s]+(/[^\s\"<]*" + re.escape(path_part) + r"[^\s\"<]*)", text)
    assert match, f"no link with {path_part!r} in the message"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free local port that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(app):
    """Point the app at a local SMTP server; `deliver()` sends the outbox and returns what arrived."""
    sink = SmtpSink()
    sink.controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_CONSOLE=False)

    def deliver():
        with app.app_context():
            deliver_pending()
        return sink.messages

    sink.deliver = deliver
    yield sink
    sink.controller.stop()


def text_part(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def shown(response) -> str:
    """The page as a reader sees its text (entities such as &#39; decoded)."""
    return html.unescape(response.get_data(as_text=True))
