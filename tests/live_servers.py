"""Real servers for the load and fault tests: gunicorn running the portal, a TCP proxy that can cut the
database off, a fresh PostgreSQL database, and a small HTTP client with cookies (loopback only)."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import normalise_database_url
from tests.conftest import free_port

REPO = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
#: A Fernet key for these tests only.
TEST_FILE_KEY = "o0Y4BUXAN2Di9IUEYy-UYUhTpIATbsA_hcbzINttMlI="  # noqa: S105

# --- PostgreSQL ---------------------------------------------------------------------------------------


def postgres_server_url() -> str:
    """A PostgreSQL URL to create databases from: TEST_DATABASE_URL's server, else the local one.

    Skips when none answers; fails under CI=true when TEST_DATABASE_URL names one that does not answer.
    """
    configured = os.environ.get("TEST_DATABASE_URL", "")
    url = normalise_database_url(configured) if configured.startswith("postgres") else DEFAULT_POSTGRES_URL
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return url
    except Exception as error:
        message = f"PostgreSQL does not answer at {make_url(url).render_as_string(hide_password=True)}: {error}"
        if configured.startswith("postgres") and os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()


@contextmanager
def fresh_postgres_database(prefix: str):
    """A uniquely named, empty database on the server of `postgres_server_url()`, dropped afterwards."""
    server_url = postgres_server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def count_rows(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


# --- a TCP proxy that can be stopped and started again --------------------------------------------------


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `stop()` refuses new connections and cuts the open ones."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._running = threading.Event()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, self.port))
        listener.listen(64)
        listener.settimeout(0.1)  # so that the accept loop notices `stop()`
        self._listener = listener
        self._running.set()
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        self._running.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def _accept_loop(self, listener: socket.socket) -> None:
        while self._running.is_set():
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            for sock in (client, upstream):
                sock.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, destination: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                destination.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(destination)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


# --- gunicorn -----------------------------------------------------------------------------------------

WSGI_MODULE = '''"""The portal as a test runs it under gunicorn: settings from CASEINJOB_TEST_CONFIG (JSON)."""
import json
import os

from app import create_app

app = create_app(json.loads(os.environ["CASEINJOB_TEST_CONFIG"]))
'''


def production_settings(database_url: str, upload_dir: str) -> dict:
    """Production settings, except that rate limits are off: every simulated member comes from 127.0.0.1."""
    return {
        "APP_ENV": "production",
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SECRET_KEY": "load-test-secret-key-" + uuid.uuid4().hex,
        "FILE_ENCRYPTION_KEY": TEST_FILE_KEY,
        "UPLOAD_DIR": upload_dir,
        "CACHE_DIR": str(Path(upload_dir).parent / "cache"),  # this test's own, not the repository's instance/cache
        "RATELIMIT_ENABLED": False,
    }


class Gunicorn:
    """The portal under gunicorn (sync workers) on a free loopback port; its log goes to a file."""

    def __init__(self, settings: dict, workdir: Path, workers: int = 4):
        self.settings = settings
        self.workdir = workdir
        self.workers = workers
        self.port = free_port()
        self.log_path = workdir / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    def start(self, ready_path: str = "/en/login", wait: float = 90) -> None:
        (self.workdir / "caseinjob_test_wsgi.py").write_text(WSGI_MODULE)
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            *("--workers", str(self.workers), "--worker-class", "sync"),
            *("--bind", f"{LOOPBACK}:{self.port}", "--timeout", "60", "--graceful-timeout", "5"),
            "--no-control-socket",  # its default path is shared by every gunicorn on the machine
            *("--pythonpath", f"{self.workdir},{REPO}", "caseinjob_test_wsgi:app"),
        ]
        env = {**os.environ, "CASEINJOB_TEST_CONFIG": json.dumps(self.settings)}
        env.pop("APP_ENV", None)
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log()}"
            if len(self.worker_pids()) == self.workers and self._answers(ready_path):
                return
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start in {wait} s:\n{self.log()}")

    def _answers(self, path: str) -> bool:
        try:
            return HttpClient(self.port).get(path).status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The workers (children of the master), read from /proc."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill_one_worker(self) -> int:
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if getattr(self, "log_file", None):
            self.log_file.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# --- a small HTTP client ------------------------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.text)


class HttpClient:
    """One member's browser, reduced to cookies: a new connection per request (sync workers close them)."""

    def __init__(self, port: int, timeout: float = 60):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict) -> Response:
        from urllib.parse import urlencode

        body = urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, path: str, payload, headers: dict | None = None) -> Response:
        body = json.dumps(payload).encode()
        return self.request("POST", path, body, {"Content-Type": "application/json", **(headers or {})})

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            connection.close()
        self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        return response

    def _keep_cookies(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)


# --- data ---------------------------------------------------------------------------------------------


def add_member(email: str, password_hash: str, *, locale: str = "en", first_name: str = "Alice") -> int:
    """A verified candidate (in the current app context); flushed, not committed. Returns the member's id."""
    from app.auth.models import Role, User
    from app.auth.services import grant_role
    from app.core.timeutil import utcnow
    from app.extensions import db

    user = User(
        email=email,
        first_name=first_name,
        last_name="Martin",
        password_hash=password_hash,
        locale=locale,
        email_verified_dt=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    grant_role(user, Role.CANDIDATE)
    return user.id


@contextmanager
def portal_with_camille(url: str, tmp_path, **settings):
    """The portal (test settings) on the database at `url`, built from the models, with Camille signed in:
    yields (app, client)."""
    from app import create_app
    from app.auth.passwords import hash_password
    from app.extensions import db
    from app.privacy import services as privacy_services
    from tests.conftest import PASSWORD, AuthActions

    config = {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp_path / "uploads")}
    app = create_app(config | settings)
    try:
        with app.app_context():
            db.create_all()
            privacy_services.ensure_shipped_versions()
            add_member("camille@example.com", hash_password(PASSWORD), first_name="Camille")
            db.session.commit()
        client = app.test_client()
        AuthActions(client).login("camille@example.com")
        yield app, client
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
