"""Time a sponsor's 1,000-row CSV import through its pages: upload (every row checked), preview, commit
(1,000 invitations and their e-mails in the outbox). In this process, on a fresh SQLite database (or
--database), production settings.

    .venv/bin/python -m bench.sponsor_import              # 3 runs, prints each phase and the median
    .venv/bin/python -m bench.sponsor_import --rows 5000 --runs 5

Replaces the wall-clock assertion the unit test had (tests/sponsors/test_import.py checks what the import
does; how long it takes is measured here). Target: under 5 s for 1,000 rows (the bound the test had), on a quiet
machine.
"""

import argparse
import io
import re
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, func, select

from bench.client import CSRF_INPUT
from bench.run import app_config

TARGET_SECONDS = 5.0
PASSWORD = "bench import password 1"  # noqa: S105 (a throw-away account in a throw-away database)


def rows_of(run: int, count: int) -> str:
    """A good file of `count` people (semicolons, as a French spreadsheet writes them), half in French."""
    lines = [
        f"run{run}.student{index}@example.com;First{index};Last{index};M1 Finance;M1;{('en', 'fr')[index % 2]}\n"
        for index in range(count)
    ]
    return "email;first_name;last_name;cohort;grade;language\n" + "".join(lines)


def prepare(app, run: int, seats: int) -> tuple[str, str]:
    """An organisation with enough seats and its admin: (organisation public id, admin e-mail)."""
    from app.auth.models import Role, User
    from app.auth.passwords import hash_password
    from app.auth.services import grant_role
    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.sponsors import services
    from app.sponsors.models import Cohort, Organisation, OrganisationKind

    email = f"run{run}.admin@example.com"
    with app.app_context():
        organisation = Organisation(
            name=f"Bench School {run}", kind=OrganisationKind.SCHOOL.value, seats=seats, default_locale="fr"
        )
        db.session.add(organisation)
        db.session.flush()
        db.session.add(Cohort(organisation_id=organisation.id, name="M1 Finance"))
        admin = User(
            email=email, first_name="Bench", last_name="Admin", password_hash=hash_password(PASSWORD), locale="en"
        )
        admin.email_verified_dt = utcnow()
        db.session.add(admin)
        db.session.flush()
        grant_role(admin, Role.SPONSOR_ADMIN)
        services.add_admin(organisation, admin, actor=None)
        db.session.commit()
        return organisation.public_id, email


def _token(response) -> str:
    match = CSRF_INPUT.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on the page (HTTP {response.status_code})"
    return match.group(1)


def _expect(response, status: int, what: str):
    if response.status_code != status:
        problems = re.findall(r'<p class="error"[^>]*>([^<]+)', response.get_data(as_text=True))[:5]
        raise SystemExit(f"{what}: HTTP {response.status_code}, expected {status} {problems}")
    return response


def one_run(app, run: int, rows: int, statements: list) -> dict[str, float]:
    """Sign in, then upload, preview and commit the file; seconds per phase."""
    public_id, email = prepare(app, run, seats=rows)
    client = app.test_client()
    page = client.get("/en/login")
    _expect(
        client.post("/en/login", data={"identifier": email, "password": PASSWORD, "csrf_token": _token(page)}),
        302,
        "sign-in",
    )
    import_url = f"/en/sponsors/{public_id}/import"
    token = _token(client.get(import_url))
    content = rows_of(run, rows).encode("utf-8")
    phases = {}
    statements.clear()

    started = time.perf_counter()
    answer = client.post(
        import_url,
        data={"file": (io.BytesIO(content), "members.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    phases["upload"] = time.perf_counter() - started
    preview_url = _expect(answer, 302, "upload").headers["Location"]

    started = time.perf_counter()
    preview = _expect(client.get(preview_url), 200, "preview")
    phases["preview"] = time.perf_counter() - started

    batch_id = preview_url.rstrip("/").rsplit("/", 1)[-1]
    started = time.perf_counter()
    _expect(client.post(f"/en/sponsors/imports/{batch_id}/commit", data={"csrf_token": _token(preview)}), 302, "commit")
    phases["commit"] = time.perf_counter() - started
    phases["statements"] = len(statements)
    _check_result(app, run, rows)
    return phases


def _check_result(app, run: int, rows: int) -> None:
    from app.core.mail import OutboxMessage
    from app.extensions import db
    from app.sponsors.models import Invitation

    pattern = f"run{run}.student%"
    with app.app_context():
        invited = db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.email.like(pattern)))
        mailed = db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_address.like(pattern))
        )
    if invited != rows or mailed != rows:
        raise SystemExit(f"run {run}: {invited} invitations and {mailed} e-mails for {rows} rows")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database", help="an empty database of its own (default: a new SQLite file in a temporary folder)"
    )
    options = parser.parse_args(argv)

    from app.core import pooled_read
    from app.extensions import db
    from app.privacy import services as privacy_services

    with tempfile.TemporaryDirectory() as folder:
        from app import create_app

        config = app_config(options.database or f"sqlite:///{Path(folder) / 'import.sqlite'}")
        # Nothing left behind: the cache and uploads in the temporary folder too. The test client speaks HTTP.
        config.update(CACHE_DIR=f"{folder}/cache", UPLOAD_DIR=f"{folder}/uploads", SESSION_COOKIE_SECURE=False)
        app = create_app(config)
        statements: list = []
        with app.app_context():
            db.create_all()
            privacy_services.ensure_shipped_versions()
            db.session.commit()
            event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
            # The session's read runs on a pooled cursor, which the engine's events do not see.
            pooled_read.listen(db.engine, lambda statement, parameters: statements.append(statement))
        totals = []
        for run in range(1, options.runs + 1):
            phases = one_run(app, run, options.rows, statements)
            total = phases["upload"] + phases["preview"] + phases["commit"]
            totals.append(total)
            print(
                f"run {run}: {options.rows} rows in {total:.2f} s (upload {phases['upload']:.2f} s, preview "
                f"{phases['preview']:.2f} s, commit {phases['commit']:.2f} s), {phases['statements']} SQL statements",
                flush=True,
            )
        median = statistics.median(totals)
        met = "met" if options.rows != 1000 or median < TARGET_SECONDS else "NOT met"
        print(
            f"median: {median:.2f} s for {options.rows} rows (target for 1,000 rows: < {TARGET_SECONDS:.0f} s, {met})"
        )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
