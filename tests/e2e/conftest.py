"""Real-browser tests: the portal served on a local port, driven by Debian's chromium through Playwright.

Without chromium (or Playwright) the tests are skipped, except in CI (CI=true) where they fail.
"""

import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from app.core.mail import deliver_pending
from tests.conftest import SmtpSink, free_port
from tests.e2e.catalog import compile_catalogs

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = E2E_DIR / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SKIP_REASON = "chromium not installed (apt-get install chromium) — e2e tests skipped"


def _in_e2e(item) -> bool:
    return E2E_DIR in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _in_e2e(item):
            item.add_marker(pytest.mark.e2e)


def _browser_missing() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} does not exist"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"Playwright cannot be imported ({error})"
    return None


@pytest.fixture(scope="session")
def _require_browser():
    problem = _browser_missing()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"e2e tests must run in CI, but {problem}: install chromium (apt-get install chromium)")
    pytest.skip(SKIP_REASON)


@pytest.fixture(autouse=True)
def _e2e_needs_browser(_require_browser):
    """Every test here needs the browser, even one that would not ask for a page."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- the portal, served for real ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def compiled_translations(tmp_path_factory):
    """The catalogs compiled afresh, so that the portal shows exactly what messages.po says now."""
    return compile_catalogs(tmp_path_factory.mktemp("translations"))


#: E2E_STORAGE_BACKEND=s3 runs the journeys with uploads in a bucket of an S3-compatible server (CI does).
STORAGE_BACKEND = os.environ.get("E2E_STORAGE_BACKEND", "local")


@pytest.fixture(scope="session")
def e2e_bucket(request):
    """The S3 server and a bucket for this run when E2E_STORAGE_BACKEND=s3, else None."""
    if STORAGE_BACKEND != "s3":
        return None
    from tests.s3_server import S3Server

    server = S3Server()
    request.addfinalizer(server.stop)
    return SimpleNamespace(server=server, name=server.new_bucket())


@pytest.fixture
def app_config(app_config, compiled_translations, e2e_bucket):
    config = {**app_config, "BABEL_TRANSLATION_DIRECTORIES": str(compiled_translations)}
    if e2e_bucket is not None:
        config.update(e2e_bucket.server.settings(e2e_bucket.name))
    return config


@pytest.fixture(autouse=True)
def _bucket_holds_nothing_readable(e2e_bucket):
    """With object storage, after each journey: no object in the bucket can be read as a PDF or a JPEG."""
    yield
    if e2e_bucket is not None:
        for key, blob in e2e_bucket.server.objects(e2e_bucket.name).items():
            assert b"%PDF" not in blob and not blob.startswith(b"\xff\xd8"), f"{key} is readable as it was uploaded"


# --- no personal data in the logs ---------------------------------------------------------------------


class _Everything(logging.Handler):
    """Every log line, while `recording` (during the e2e tests only: the other tests' lines are not theirs)."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.recording = False

    def emit(self, record):
        if self.recording:
            self.lines.append(self.format(record))


@pytest.fixture(scope="session")
def _logs_of_the_run():
    """Every log line of the whole e2e run, and the members' names, e-mails and phones the run created:
    at the end, none of them may appear in any line."""
    handler = _Everything()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    personal: set[str] = set()
    yield SimpleNamespace(handler=handler, personal=personal)
    root.removeHandler(handler)
    text = "\n".join(handler.lines)
    leaked = sorted(value for value in personal if value in text)
    assert not leaked, f"personal data in the logs of the e2e run: {leaked[:10]}"


NOISY_LOGGERS = ("asyncio", "mail.log", "urllib3", "botocore", "boto3", "s3transfer", "faker")


@contextmanager
def _every_line_recorded(handler: _Everything):
    root = logging.getLogger()
    previous_level = root.level
    root.setLevel(logging.DEBUG)
    noisy = [logging.getLogger(name) for name in NOISY_LOGGERS]
    noisy_levels = [logger.level for logger in noisy]
    for logger in noisy:
        logger.setLevel(logging.WARNING)
    handler.recording = True
    try:
        yield
    finally:
        handler.recording = False
        root.setLevel(previous_level)
        for logger, level in zip(noisy, noisy_levels, strict=True):
            logger.setLevel(level)


@pytest.fixture(autouse=True)
def _collect_personal_data(request, _logs_of_the_run):
    """Record the journey's log lines; after it, note who it created, so that the end of the run can look for
    them in the logs."""
    # Asked for now, so that the app is torn down after this fixture has read it.
    app = request.getfixturevalue("app") if "app" in request.fixturenames else None
    with _every_line_recorded(_logs_of_the_run.handler):
        yield
    if app is None:
        return
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db

    with app.app_context():
        for user in db.session.scalars(select(User)):
            for value in (user.email, user.phone, user.first_name, user.last_name):
                if value and len(value) >= 4:
                    _logs_of_the_run.personal.add(value)


@pytest.fixture
def live_server(app):
    """The app on http://127.0.0.1:<free port>, its mail going to a local SMTP sink.

    `.deliver()` sends the outbox and returns every message the sink has received so far.
    """
    sink = SmtpSink()
    sink.controller.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_CONSOLE=False, BASE_URL=url)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()

    def deliver():
        with app.app_context():
            deliver_pending()
        return list(sink.messages)

    try:
        yield SimpleNamespace(url=url, app=app, deliver=deliver, smtp=sink)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        sink.controller.stop()


# --- the browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(_require_browser):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, request):
    """Open a page in a fresh browser context: `new_page(locale="en-GB")`.

    When the test fails, every page it opened is saved to tests/e2e/artifacts/<test name>[-i-j].png.
    """
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    for index, context in enumerate(contexts):
        if failed:
            for number, open_page in enumerate(context.pages):
                suffix = "" if index == number == 0 else f"-{index}-{number}"
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                path = ARTIFACTS / f"{request.node.name}{suffix}.png"
                try:
                    open_page.screenshot(path=str(path), full_page=True)
                except Exception as error:  # a screenshot must never hide the test's own failure
                    print(f"no screenshot of page {number} in context {index}: {error!r}")  # noqa: T201
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a new context: no cookies, the browser's default locale, a 1280×900 window."""
    return new_page()
