"""No request holds the database's write lock across slow work: a sign-in whose password check takes a second
does not hold up another candidate's autosave (SQLite: the write lock is taken at the first write, after the
hash; PostgreSQL: rows are locked, not the database). On both databases."""

import contextlib
import threading
import time

from sqlalchemy import select

from app.assessments.bank import load_bank
from app.assessments.models import Answer, Attempt, ItemKind
from app.auth import services as auth_services
from app.core.timeutil import utcnow
from app.extensions import db
from tests.assessments.conftest import bank_items, start
from tests.conftest import PASSWORD, csrf_from, signed_in

TEST = "numerical-reasoning"
SLOW_HASH_SECONDS = 1.0
#: An autosave alone takes a few tens of milliseconds here; behind the sign-in it took the whole hash.
AUTOSAVE_BUDGET_SECONDS = 0.3


def test_an_autosave_commits_while_a_sign_in_checks_its_password(app, make_user, monkeypatch):
    with app.app_context():
        test_id = next(test.public_id for test in load_bank() if test.slug == TEST)
        db.session.commit()
    make_user("camille@example.com", first_name="Camille")
    make_user("emma@example.com", first_name="Emma")
    emma = signed_in(app, "emma@example.com", lang="en")
    attempt_id = start(emma, test_id, lang="en")
    item = next(public_id for public_id, kind, _key in bank_items(app, TEST) if kind == ItemKind.NUMERIC)
    test_page = f"/en/tests/attempts/{attempt_id}"
    token = csrf_from(emma.get(test_page).text)

    hashing = threading.Event()
    real_verify = auth_services.verify_password

    def slow_verify(password_hash, password):
        hashing.set()
        time.sleep(SLOW_HASH_SECONDS)
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth_services, "verify_password", slow_verify)
    camille = app.test_client()
    login_token = csrf_from(camille.get("/en/login").text)
    signed = {}

    def sign_in():
        signed["response"] = camille.post(
            "/en/login", data={"identifier": "camille@example.com", "password": PASSWORD, "csrf_token": login_token}
        )

    signing_in = threading.Thread(target=sign_in)
    signing_in.start()
    try:
        assert hashing.wait(timeout=10), "the sign-in never checked the password"
        started = time.monotonic()
        saved = emma.post(f"{test_page}/answers", json={"item": item, "value": "12"}, headers={"X-CSRFToken": token})
        took = time.monotonic() - started
        still_hashing = signing_in.is_alive()
    finally:
        signing_in.join(timeout=30)

    assert saved.status_code == 200, saved.text[:300]
    assert saved.json["ok"] is True
    assert still_hashing, "the autosave should have been answered while the sign-in was still hashing"
    assert took < AUTOSAVE_BUDGET_SECONDS, f"the autosave waited {took:.2f} s for the sign-in"
    assert signed["response"].status_code == 302  # the sign-in itself went through
    assert camille.get("/en/dashboard").status_code == 200
    with app.app_context():
        value = db.session.scalar(
            select(Answer.value).join(Attempt, Answer.attempt_id == Attempt.id).where(Attempt.public_id == attempt_id)
        )
    assert float(value) == 12


def test_a_recovery_code_sent_twice_at_once_is_spent_once(app, make_user, monkeypatch):
    """Two sign-ins check the same recovery code together: one gets in, the other is refused. Both have read
    the code unused before either commits (the audit row waits for the other one, up to a second)."""
    from app.auth.models import RecoveryCode, User
    from app.core import crypto

    user_id = make_user("camille@example.com")
    with app.app_context():
        user = db.session.get(User, user_id)
        user.totp_secret_encrypted = crypto.encrypt_text("JBSWY3DPEHPK3PXP")
        user.totp_enabled_dt = utcnow()
        db.session.add(RecoveryCode(user_id=user_id, code_hash=crypto.sha256_hex("abcd1234")))
        db.session.commit()
    both_checked = threading.Barrier(2)
    real_record_event = auth_services.record_event

    def record_event_after_the_other(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):  # the other one waits for this one's lock
            both_checked.wait(timeout=1)
        return real_record_event(*args, **kwargs)

    monkeypatch.setattr(auth_services, "record_event", record_event_after_the_other)
    results = []

    def sign_in():
        with app.app_context():
            results.append(auth_services.verify_second_factor(db.session.get(User, user_id), "abcd1234"))
            db.session.commit()

    threads = [threading.Thread(target=sign_in) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, True]
