"""Profile the key pages in this process, on the benchmark's data: SQL statements per view and where the time goes.

    .venv/bin/python -m bench.profile                      # every page, 50 views each, on bench/out/run.sqlite
    .venv/bin/python -m bench.profile dashboard --views 200 --html bench/out/dashboard.html

Needs pyinstrument (`pip install -e '.[bench]'`). The data comes from a previous `python -m bench.run`.
"""

import argparse
import gc
import json
import re
import time
from pathlib import Path

from sqlalchemy import event

from bench.client import CSRF_INPUT
from bench.routes import add_bench_routes
from bench.run import OUT, make_app, read_targets


def signed_in_client(app, email: str, locale: str, password: str):
    client = app.test_client()
    page = client.get(f"/{locale}/login")
    token = CSRF_INPUT.search(page.get_data(as_text=True)).group(1)
    answer = client.post(f"/{locale}/login", data={"identifier": email, "password": password, "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    return client


def pages_of(client, candidate: dict, client_of_client) -> dict:
    lang, attempt = candidate["locale"], candidate["attempt"]
    # Any page's token is the session's token (the language switch in the header carries one).
    token = CSRF_INPUT.search(client.get(f"/{lang}/dashboard").get_data(as_text=True)).group(1)
    item, value = candidate["items"][0]
    return {
        "dashboard": lambda: client.get(f"/{lang}/dashboard"),
        "item": lambda: client.get(f"/{lang}/tests/attempts/{attempt}"),
        "autosave": lambda: client.post(
            f"/{lang}/tests/attempts/{attempt}/answers",
            data=json.dumps({"item": item, "value": value}),
            headers={"X-CSRFToken": token, "Content-Type": "application/json"},
        ),
        "matching": lambda: client.get(f"/{lang}/simulations/requests/{candidate['request']}"),
        "client": lambda: client_of_client.get("/en/tests/assignments/"),
        "privacy": lambda: client.get(f"/{lang}/privacy/dashboard"),
        "policy": lambda: client.get(f"/{lang}/privacy"),
        "hello": lambda: client.get("/bench/hello"),
        "hello-member": lambda: client.get("/bench/hello-member"),
    }


class ServerClock:
    """CPU time spent inside the app's WSGI callable: the server's share of a view, without the test client's
    (building the request, reading the response, keeping cookies), which a real browser pays on its side."""

    def __init__(self, app):
        self.seconds = 0.0
        inner = app.wsgi_app

        def timed(environ, start_response):
            started = time.process_time()
            try:
                return inner(environ, start_response)
            finally:
                self.seconds += time.process_time() - started

        app.wsgi_app = timed


def python_calls(view) -> int:
    """Python function calls of one view: unlike time, it does not move when the machine is busy."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.runcall(view)
    return pstats.Stats(profile).total_calls


def main(argv=None) -> None:
    from pyinstrument import Profiler

    from app.core import pooled_read
    from app.demo import DEMO_PASSWORD
    from app.extensions import db

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "pages", nargs="*", help="dashboard item autosave matching client privacy policy hello hello-member"
    )
    parser.add_argument("--views", type=int, default=50)
    parser.add_argument("--database", default=f"sqlite:///{OUT / 'run.sqlite'}")
    parser.add_argument("--html", help="write the last page's profile as HTML here")
    parser.add_argument("--depth", type=int, default=0, help="hide frames under this share of the time (%%)")
    options = parser.parse_args(argv)

    targets = read_targets(options.database)
    app = make_app(options.database)
    add_bench_routes(app)
    server = ServerClock(app)

    candidate = targets.candidates[0]
    client = signed_in_client(app, candidate["email"], candidate["locale"], DEMO_PASSWORD)
    client_of_client = signed_in_client(app, targets.client, "en", DEMO_PASSWORD)
    views = pages_of(client, candidate, client_of_client)
    gc.freeze()  # as wsgi.py does once the app is built: the collector's full passes walk only what views add
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        pooled_read.listen(db.engine, lambda statement, parameters: statements.append(statement))  # session's read
    for name in options.pages or list(views):
        view = views[name]
        status = view().status_code  # warm-up: templates compiled, caches filled
        statements.clear()
        view()
        per_view = len(statements)
        shapes = sorted({re.sub(r"\s+", " ", sql)[:110] for sql in statements})
        cpu_started, server.seconds = time.process_time(), 0.0
        for _ in range(options.views):
            view()
        cpu_ms = (time.process_time() - cpu_started) / options.views * 1000
        server_ms = server.seconds / options.views * 1000
        calls = python_calls(view)
        profiler = Profiler(interval=0.0002)
        started = time.perf_counter()
        profiler.start()
        for _ in range(options.views):
            view()
        profiler.stop()
        elapsed = (time.perf_counter() - started) / options.views * 1000
        print(
            f"\n===== {name}: HTTP {status}, {cpu_ms:.2f} ms CPU per view without the profiler, {server_ms:.2f} ms of "
            f"it in the server ({elapsed:.2f} ms wall with the profiler), {per_view} SQL statements, {calls} Python "
            "calls per view"
        )
        for sql in shapes:
            print(f"   sql: {sql}")
        print(profiler.output_text(unicode=False, color=False, show_all=False, timeline=False))
        if options.html:
            Path(options.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
