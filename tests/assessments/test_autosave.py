"""The JavaScript autosave as the server sees it: answering times recorded and clamped, autosave gaps recorded
from the page's report (browser clock corrected, times clamped, nonsense ignored, a retry counted once), shown on
the result page in the member's time zone, answers refused after the deadline, and a second tab's last value kept.
"""

import re
import threading
import time
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_time
from freezegun import freeze_time
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.dialects import postgresql

from app.assessments.models import Answer, Attempt, AutosaveGap, Item
from app.auth.models import Role
from app.core.timeutil import utcnow
from app.extensions import db
from tests.assessments.conftest import attempt_row, bank_items, item_fields, start
from tests.conftest import csrf_from, shown, signed_in

TEST = "numerical-reasoning"  # 16 items, 20 minutes


def whole_second():
    """Now, without microseconds: the page reports times to the millisecond."""
    return utcnow().replace(microsecond=0)


def iso(moment) -> str:
    """A naive UTC datetime as JavaScript's toISOString writes it."""
    return moment.replace(tzinfo=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Tab:
    """One open test page: its CSRF token, and the autosave requests its JavaScript sends."""

    def __init__(self, client, attempt_id, lang="fr"):
        self.client = client
        self.url = f"/{lang}/tests/attempts/{attempt_id}"
        self.token = csrf_from(client.get(self.url).text)

    def save(self, item, value, **extra):
        return self.client.post(
            f"{self.url}/answers", json={"item": item, "value": value, **extra}, headers={"X-CSRFToken": self.token}
        )


def answers(app) -> dict:
    """{item public id: (value, seconds)} of every saved answer."""
    with app.app_context():
        rows = db.session.execute(select(Item.public_id, Answer.value, Answer.seconds).join(Item)).all()
        return {public_id: (value, seconds) for public_id, value, seconds in rows}


def gaps(app) -> list[AutosaveGap]:
    with app.app_context():
        rows = list(db.session.scalars(select(AutosaveGap).order_by(AutosaveGap.started_dt)))
        db.session.expunge_all()
        return rows


@pytest.fixture
def items(app, bank):
    return [public_id for public_id, _, _ in bank_items(app, TEST)]


# --- answering times ----------------------------------------------------------------------------------


def test_seconds_measured_by_the_page_are_recorded_and_clamped(app, bank, candidate, items):
    with freeze_time(whole_second()) as clock:
        attempt_id = start(candidate, bank[TEST])
        tab = Tab(candidate, attempt_id)
        clock.tick(timedelta(minutes=3))
        cases = [(12.34, 12.3), (-5, 0.0), (99_999, 180.0), ("12", None), (True, None), (float("nan"), None)]
        for item, (elapsed, _) in zip(items, cases, strict=False):
            assert tab.save(item, "1", elapsed=elapsed).status_code == 200
        assert tab.save(items[len(cases)], "1").status_code == 200  # no "elapsed" at all
    saved = answers(app)
    for item, (_, expected) in zip(items, cases, strict=False):
        assert saved[item][1] == expected  # never more than the 3 minutes the attempt has run
    assert saved[items[len(cases)]][1] is None


def test_the_first_answering_time_is_kept_when_the_answer_changes(app, bank, candidate, items):
    with freeze_time(whole_second()) as clock:
        attempt_id = start(candidate, bank[TEST])
        clock.tick(timedelta(minutes=2))
        run_checks_on_first_answer_time(app, candidate, attempt_id, items)


def run_checks_on_first_answer_time(app, candidate, attempt_id, items):
    tab = Tab(candidate, attempt_id)
    assert tab.save(items[0], "90", elapsed=10).status_code == 200
    assert tab.save(items[0], "92", elapsed=50).status_code == 200
    assert answers(app)[items[0]] == (92, 10.0)
    # Cleared, then answered again: a new first answer, with its own time.
    assert tab.save(items[0], "", elapsed=60).status_code == 200
    assert items[0] not in answers(app)
    assert tab.save(items[0], "92", elapsed=70).status_code == 200
    assert answers(app)[items[0]] == (92, 70.0)


def shown_at(html: str) -> str:
    match = re.search(r'<input[^>]* name="shown_at"[^>]* value="([^"]+)"', html)
    assert match, "no shown_at field on the page"
    return match.group(1)


def test_a_page_submit_without_javascript_measures_from_the_shown_time(app, bank, candidate, items):
    with freeze_time(whole_second()) as clock:
        attempt_id = start(candidate, bank[TEST])
        url = f"/fr/tests/attempts/{attempt_id}"
        page = candidate.get(url).text
        fields = item_fields(page)
        clock.tick(timedelta(seconds=42))
        data = {fields[0]: "92", fields[1]: "25", "shown_at": shown_at(page), "csrf_token": csrf_from(page)}
        assert candidate.post(url, data={**data, "next": "1"}).status_code == 302
        # Back to the first page: unchanged answers keep their time; a forged or broken shown-at is clamped or
        # ignored, never stored as it came.
        assert candidate.post(url, data={"previous": "1", "csrf_token": data["csrf_token"]}).status_code == 302
        clock.tick(timedelta(seconds=30))
        forged = {**data, fields[2]: "3", fields[3]: "", "shown_at": "2000-01-01T00:00:00"}
        assert candidate.post(url, data={**forged, "next": "1"}).status_code == 302
        assert candidate.post(url, data={"previous": "1", "csrf_token": data["csrf_token"]}).status_code == 302
        broken = {**forged, fields[3]: "7", "shown_at": "not a time"}
        assert candidate.post(url, data={**broken, "next": "1"}).status_code == 302
    saved = answers(app)
    assert saved[items[0]] == (92, 42.0) and saved[items[1]] == (25, 42.0)
    assert saved[items[2]] == (3, 72.0)  # the whole 72 seconds the attempt had run, not 26 years
    assert saved[items[3]] == (7, None)
    assert gaps(app) == []  # page submits report no gap


# --- gaps ---------------------------------------------------------------------------------------------


def test_a_gap_reported_with_the_first_save_is_recorded(app, bank, candidate, items):
    with freeze_time(whole_second()) as clock:
        attempt_id = start(candidate, bank[TEST])
        tab = Tab(candidate, attempt_id)
        clock.tick(timedelta(minutes=5))
        now = utcnow()
        gap = {"started": iso(now - timedelta(seconds=90)), "ended": iso(now), "pending": 3}
        response = tab.save(items[0], "92", gap=gap, sent=iso(now))
        assert response.status_code == 200 and response.json["ok"]
        assert tab.save(items[1], "25", sent=iso(now)).status_code == 200  # the next ones carry no gap
    [row] = gaps(app)
    assert (row.started_dt, row.ended_dt, row.pending_answers) == (now - timedelta(seconds=90), now, 3)
    assert row.attempt_id == attempt_row(app, attempt_id).id
    assert answers(app)[items[0]][0] == 92


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        # The browser's clock is an hour behind: its times are shifted by the offset its "sent" shows.
        (
            lambda now, start: (
                {
                    "started": iso(now - timedelta(hours=1, seconds=60)),
                    "ended": iso(now - timedelta(hours=1)),
                    "pending": 2,
                },
                iso(now - timedelta(hours=1)),
            ),
            lambda now, start: (now - timedelta(seconds=60), now, 2),
        ),
        # No "sent": the times are only clamped, into [attempt start, now].
        (
            lambda now, start: (
                {"started": iso(start - timedelta(hours=2)), "ended": iso(now + timedelta(hours=3)), "pending": 999},
                None,
            ),
            lambda now, start: (start, now, 16),
        ),
        # A clock days off is not trusted to correct anything; the count must be a whole number.
        (
            lambda now, start: (
                {"started": iso(now - timedelta(seconds=30)), "ended": iso(now), "pending": "3"},
                iso(now - timedelta(days=3)),
            ),
            lambda now, start: (now - timedelta(seconds=30), now, 0),
        ),
        (
            lambda now, start: ({"started": iso(now - timedelta(seconds=30)), "ended": iso(now), "pending": -4}, None),
            lambda now, start: (now - timedelta(seconds=30), now, 0),
        ),
    ],
    ids=["clock-behind", "clamped", "clock-days-off", "negative-count"],
)
def test_reported_gap_times_are_corrected_and_clamped(app, bank, candidate, items, report, expected):
    with freeze_time(whole_second()) as clock:
        attempt_id = start(candidate, bank[TEST])
        started = attempt_row(app, attempt_id).started_dt
        tab = Tab(candidate, attempt_id)
        clock.tick(timedelta(minutes=4))
        now = utcnow()
        gap, sent = report(now, started)
        assert tab.save(items[0], "92", gap=gap, **({"sent": sent} if sent else {})).status_code == 200
    [row] = gaps(app)
    assert (row.started_dt, row.ended_dt, row.pending_answers) == expected(now, started)


@pytest.mark.parametrize(
    "gap",
    [
        "yesterday",
        ["2026-01-01T10:00:00Z"],
        {"started": "yesterday", "ended": "today", "pending": 1},
        {"started": 1700000000, "ended": 1700000060, "pending": 1},
        {"started": "2999-01-01T10:01:00Z", "ended": "2999-01-01T10:00:00Z", "pending": 1},  # ends before it starts
        {"started": "2999-01-01T10:00:00Z", "ended": "2999-01-01T10:01:00Z", "pending": 1},  # in the future
        {"started": "2001-01-01T10:00:00Z", "ended": "2001-01-01T10:01:00Z", "pending": 1},  # before the attempt
        {"ended": "2999-01-01T10:01:00Z", "pending": 1},
    ],
)
def test_nonsense_gap_reports_are_ignored_and_the_answer_still_saved(app, bank, candidate, items, gap):
    attempt_id = start(candidate, bank[TEST])
    response = Tab(candidate, attempt_id).save(items[0], "92", gap=gap, sent="now")
    assert response.status_code == 200
    assert gaps(app) == []
    assert answers(app)[items[0]][0] == 92


def test_a_report_sent_again_extends_the_same_gap(app, bank, candidate, items):
    """The response to the first report was lost: the page sends it again, a little later; one gap, not two."""
    with freeze_time(whole_second()) as clock:
        attempt_id = start(candidate, bank[TEST])
        tab = Tab(candidate, attempt_id)
        clock.tick(timedelta(minutes=6))
        first_failure = utcnow() - timedelta(minutes=2)
        tab.save(items[0], "92", gap={"started": iso(first_failure), "ended": iso(utcnow()), "pending": 2})
        clock.tick(timedelta(seconds=5))
        tab.save(items[0], "92", gap={"started": iso(first_failure), "ended": iso(utcnow()), "pending": 3})
        clock.tick(timedelta(minutes=3))
        later = {"started": iso(utcnow() - timedelta(seconds=20)), "ended": iso(utcnow()), "pending": 1}
        tab.save(items[1], "25", gap=later)  # a second, separate loss of connection
        end = utcnow()
    first, second = gaps(app)
    assert (first.started_dt, first.pending_answers) == (first_failure, 3)
    assert first.ended_dt == first_failure + timedelta(minutes=2, seconds=5)
    assert (second.started_dt, second.ended_dt, second.pending_answers) == (end - timedelta(seconds=20), end, 1)


def test_after_the_deadline_answers_are_refused_and_the_gap_still_recorded(app, bank, candidate, items):
    with freeze_time(whole_second()) as clock:
        attempt_id = start(candidate, bank[TEST])
        tab = Tab(candidate, attempt_id, lang="en")
        assert tab.save(items[0], "92", elapsed=20).status_code == 200
        clock.tick(timedelta(minutes=21))  # offline past the 20-minute deadline, then back
        now = utcnow()
        gap = {"started": iso(now - timedelta(minutes=3)), "ended": iso(now), "pending": 2}
        late = tab.save(items[1], "25", gap=gap)
        assert late.status_code == 409 and not late.json["ok"]
        assert "time for this test is over" in late.json["error"]
        # A gap that began after the end made no difference: it is not recorded.
        after_the_end = {"started": iso(now - timedelta(seconds=30)), "ended": iso(now), "pending": 1}
        assert tab.save(items[2], "3", gap=after_the_end).status_code == 409
        page = shown(candidate.get(f"/en/tests/attempts/{attempt_id}/result"))
    assert list(answers(app)) == [items[0]]
    attempt = attempt_row(app, attempt_id)
    assert attempt.is_timed_out and attempt.submitted_dt == attempt.deadline_dt
    [row] = gaps(app)
    assert (row.started_dt, row.ended_dt, row.pending_answers) == (now - timedelta(minutes=3), now, 2)
    assert (
        "your answers could not be saved right away; when the connection came back, the test was already closed, "
        "so the answers that waited could not be counted." in page
    )


def test_the_result_page_shows_gaps_in_the_members_time_zone(app, bank, make_user, items):
    make_user("ny@example.com", locale="fr", timezone="America/New_York")
    client = signed_in(app, "ny@example.com", lang="fr")
    with freeze_time(whole_second()) as clock:
        attempt_id = start(client, bank[TEST])
        tab = Tab(client, attempt_id)
        clock.tick(timedelta(minutes=5))
        end = utcnow()
        begin = end - timedelta(minutes=2)
        assert tab.save(items[0], "92", gap={"started": iso(begin), "ended": iso(end), "pending": 3}).status_code == 200
        clock.tick(timedelta(minutes=1))
        assert tab.save(items[1], "25", gap={"started": iso(utcnow()), "ended": iso(utcnow())}).status_code == 200
        page = shown(client.get(f"/fr/tests/attempts/{attempt_id}"))
        assert "Entre" not in page  # the gaps appear with the result, not while taking the test
        submit = client.post(f"/fr/tests/attempts/{attempt_id}", data={"finish": "1", "csrf_token": tab.token})
        assert submit.status_code == 302
        french = shown(client.get(f"/fr/tests/attempts/{attempt_id}/result"))
        english = shown(client.get(f"/en/tests/attempts/{attempt_id}/result"))

    def local(moment, lang, precision="short"):
        return format_time(moment.replace(tzinfo=UTC), precision, tzinfo=ZoneInfo("America/New_York"), locale=lang)

    assert format_time(begin.replace(tzinfo=UTC), "short", tzinfo=UTC, locale="fr") != local(begin, "fr")
    assert (
        f"Entre {local(begin, 'fr')} et {local(end, 'fr')}, vos réponses n'ont pas pu être enregistrées tout de "
        "suite\u00a0; 3 réponses ont attendu et ont été enregistrées au retour de la connexion." in french
    )
    assert (
        f"Between {local(begin, 'en')} and {local(end, 'en')}, your answers could not be saved right away; "
        "3 answers waited and were saved when the connection came back." in english
    )
    # A gap of less than a minute gives its times to the second; one with no waiting answer says only that.
    moment = end + timedelta(minutes=1)
    only = f"Between {local(moment, 'en', 'medium')} and {local(moment, 'en', 'medium')}, your answers could not "
    assert only + "be saved right away.</p>" in english.replace("\n", "").replace("  ", "")


def test_no_gap_no_notice(app, bank, candidate, items):
    attempt_id = start(candidate, bank[TEST])
    tab = Tab(candidate, attempt_id, lang="en")
    assert tab.save(items[0], "92").status_code == 200
    # The page form sends every field of the page, the autosaved one included.
    data = {f"item_{items[0]}": "92", "finish": "1", "csrf_token": tab.token}
    assert candidate.post(f"/en/tests/attempts/{attempt_id}", data=data).status_code == 302
    page = shown(candidate.get(f"/en/tests/attempts/{attempt_id}/result"))
    assert "You answered 1 of 16 questions." in page
    assert "could not be saved" not in page and 'class="autosave-gaps"' not in page


# --- tabs and access ----------------------------------------------------------------------------------


def test_a_second_tab_saving_the_same_item_keeps_the_last_value(app, bank, candidate, items):
    with freeze_time(whole_second()) as clock:
        attempt_id = start(candidate, bank[TEST])
        clock.tick(timedelta(minutes=1))
        save_from_three_tabs(app, candidate, attempt_id, items)


def save_from_three_tabs(app, candidate, attempt_id, items):
    first, second = Tab(candidate, attempt_id), Tab(candidate, attempt_id)
    other_browser = Tab(signed_in(app, "camille@example.com", lang="fr"), attempt_id)
    assert first.save(items[0], "90", elapsed=5).status_code == 200
    assert second.save(items[0], "91", elapsed=8).status_code == 200
    assert answers(app)[items[0]] == (91, 5.0)
    assert other_browser.save(items[0], "92").status_code == 200
    assert first.save(items[1], "25").status_code == 200
    assert answers(app) == {items[0]: (92, 5.0), items[1]: (25, None)}
    with app.app_context():
        assert db.session.scalar(select(func.count(Answer.id))) == 2


def test_only_the_candidate_can_autosave_or_report_a_gap(app, bank, candidate, make_user, items):
    attempt_id = start(candidate, bank[TEST])
    now = utcnow()
    payload = {"item": items[0], "value": "92", "gap": {"started": iso(now), "ended": iso(now), "pending": 1}}
    make_user("other@example.com")
    other = signed_in(app, "other@example.com")
    token = csrf_from(other.get("/en/tests/").text)
    url = f"/en/tests/attempts/{attempt_id}/answers"
    assert other.post(url, json=payload, headers={"X-CSRFToken": token}).status_code == 404
    make_user("client@example.com", roles=(Role.CLIENT,))
    client = signed_in(app, "client@example.com")
    token = csrf_from(client.get("/en/dashboard").text)
    assert client.post(url, json=payload, headers={"X-CSRFToken": token}).status_code == 403
    anonymous = app.test_client()
    assert anonymous.post(url, json=payload).status_code in (302, 400, 401)
    # A body that is not an object, or names no item of this test, saves nothing.
    tab = Tab(candidate, attempt_id, lang="en")
    response = candidate.post(url, json=[payload], headers={"X-CSRFToken": tab.token})
    assert response.status_code == 404
    assert answers(app) == {} and gaps(app) == []


# --- the write lock, held for the write alone ----------------------------------------------------------


def submit_elsewhere(app, attempt_id):
    """Another request (a second tab's "Submit") submits the attempt and commits."""
    from app.assessments import services
    from app.assessments.models import Attempt

    with app.app_context():
        attempt = db.session.scalar(select(Attempt).where(Attempt.public_id == attempt_id))
        services.submit(attempt)
        db.session.commit()


def test_a_submission_between_the_autosaves_reads_and_its_write_refuses_the_answer(
    app, bank, candidate, items, monkeypatch
):
    """The autosave reads the attempt without the write lock; the attempt is read again under it, so an
    answer never lands in an attempt that was scored in between."""
    from app.assessments import services

    attempt_id = start(candidate, bank[TEST])
    tab = Tab(candidate, attempt_id, lang="en")
    hold = services.hold_attempt_and_item
    monkeypatch.setattr(
        services, "hold_attempt_and_item", lambda *ids: (submit_elsewhere(app, attempt_id), hold(*ids))[1]
    )
    late = tab.save(items[0], "92")
    assert late.status_code == 409
    assert "already submitted" in late.json["error"]
    assert answers(app) == {}


def test_a_submission_between_a_page_submits_read_and_its_write_refuses_the_page(
    app, bank, candidate, items, monkeypatch
):
    """The page submit, too, reads the attempt again once it holds it: a second tab's "Submit" in between
    keeps the page's answers out of the scored attempt, and the candidate is told so."""
    from app.assessments import services

    attempt_id = start(candidate, bank[TEST])
    url = f"/en/tests/attempts/{attempt_id}"
    page = candidate.get(url).text
    hold = services.hold_attempt
    monkeypatch.setattr(services, "hold_attempt", lambda attempt: (submit_elsewhere(app, attempt_id), hold(attempt)))
    response = candidate.post(url, data={item_fields(page)[0]: "92", "next": "1", "csrf_token": csrf_from(page)})
    assert response.headers["Location"].endswith(f"/tests/attempts/{attempt_id}/result")
    assert "already submitted" in candidate.get(response.headers["Location"]).text
    assert answers(app) == {}


def test_the_autosave_reads_without_holding_the_write_lock(app, bank, candidate, items, monkeypatch):
    """Until it writes, the autosave leaves the database to other writers (it then holds the lock briefly)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    import sqlite3

    from sqlalchemy.engine import make_url

    from app.assessments import services

    attempt_id = start(candidate, bank[TEST])
    tab = Tab(candidate, attempt_id, lang="en")
    path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    written_meanwhile = []

    def another_writer_then_hold(*ids):
        other = sqlite3.connect(path, isolation_level=None, timeout=0.1)
        other.execute("UPDATE user_account SET last_name = last_name")  # fails if the autosave held the lock
        other.close()
        written_meanwhile.append(True)
        return hold(*ids)

    hold = services.hold_attempt_and_item
    monkeypatch.setattr(services, "hold_attempt_and_item", another_writer_then_hold)
    assert tab.save(items[0], "92").status_code == 200
    assert written_meanwhile == [True]
    assert items[0] in answers(app)


def test_a_page_submit_waits_for_an_autosave_that_holds_the_attempt_instead_of_deadlocking(app, bank, candidate, items):
    """An autosave holds the attempt, then writes its answer. A page submit sent meanwhile waits for the attempt
    before it writes any answer: taken in the other order (its answers, then its attempt), each request waits on
    the other, PostgreSQL ends one of them as a deadlock, and the candidate sees "Service unavailable"."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's row locks (SQLite has one write lock, so no deadlock)")
    attempt_id = start(candidate, bank[TEST])
    url = f"/fr/tests/attempts/{attempt_id}"
    page = candidate.get(url).text
    attempt = attempt_row(app, attempt_id)
    with app.app_context():
        first_item = db.session.scalar(select(Item.id).where(Item.public_id == items[0]))
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    submitted = {}

    def submit_the_page():
        data = {item_fields(page)[0]: "92", "next": "1", "csrf_token": csrf_from(page)}
        submitted["response"] = candidate.post(url, data=data)

    try:
        with engine.connect() as autosave:
            autosave.execute(select(Attempt.id).where(Attempt.id == attempt.id).with_for_update())
            submit = threading.Thread(target=submit_the_page)
            submit.start()
            wait_for_a_lock_wait(engine)
            save = postgresql.insert(Answer.__table__).values(
                attempt_id=attempt.id, item_id=first_item, value=90, saved_dt=utcnow()
            )
            # Raises DeadlockDetected (after PostgreSQL's deadlock_timeout) if the page submit holds the answer.
            autosave.execute(save.on_conflict_do_update(index_elements=["attempt_id", "item_id"], set_={"value": 91}))
            autosave.commit()
            submit.join(30)
    finally:
        engine.dispose()
    assert submitted["response"].status_code == 302
    assert answers(app)[items[0]][0] == 92  # the page submit, which waited, wrote last


def wait_for_a_lock_wait(engine, seconds=15.0):
    """Until a request of the app waits on a lock held by the test (the statistics view, read in autocommit: in
    a transaction it would show the same snapshot each time)."""
    waiting = select(func.count()).select_from(text("pg_stat_activity")).where(text("wait_event_type = 'Lock'"))
    deadline = time.monotonic() + seconds
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
        while watcher.scalar(waiting) == 0:
            assert time.monotonic() < deadline, "the page submit never waited on the autosave's lock"
            time.sleep(0.02)
