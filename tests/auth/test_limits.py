"""Limits that fit real use: per account once signed in, per target for resets, failed sign-ins slowed without
locking the owner out, two-step codes capped per pending sign-in, the client's address behind a proxy, and a
429 that keeps what was typed. Every test runs with the counters in memory and, where Redis answers, in Redis."""

import logging
import os
import time

import pyotp
import pytest
from sqlalchemy import select

from app.auth.models import User
from app.core import crypto
from app.core.timeutil import utcnow
from app.extensions import db
from tests.conftest import PASSWORD, AuthActions, csrf_from, outbox, shown
from tests.simulations.conftest import REQUEST_FORM

REDIS_URL = "redis://127.0.0.1:6379/13"

TOO_MANY = {
    "en": "You have tried too many times in a short while.",
    "fr": "Vous avez fait trop de tentatives en peu de temps.",
}
KEPT = {
    "en": "what you typed is kept",
    "fr": "ce que vous avez saisi est conservé",
}


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["memory", "redis"])
def limits_on(request, app_config):
    """Rate limits on (the testing configuration turns them off), with the counters in memory or in Redis."""
    app_config["RATELIMIT_ENABLED"] = True
    if request.param == "redis":
        if not redis_answers():
            if os.environ.get("CI") == "true":
                pytest.fail(f"Redis does not answer at {REDIS_URL}")
            pytest.skip("Redis is not running here (it is optional; CI runs this test)")
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()  # a database of its own (test_login uses another one)
        app_config["RATELIMIT_STORAGE_URI"] = REDIS_URL
    return app_config


def at(app, address: str):
    """A browser on its own device, coming from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def login(client, identifier, password=PASSWORD, lang="en"):
    return AuthActions(client).login(identifier, password, lang=lang)


# --- seen 8: a stranger locks the owner out ----------------------------------------------------------


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere(limits_on, request):
    app = request.getfixturevalue("app")
    request.getfixturevalue("make_user")("member@example.com")
    stranger = at(app, "198.51.100.66")
    statuses = [login(stranger, "member@example.com", "wrong-password-1").status_code for _ in range(7)]
    assert statuses[:6] == [401] * 6
    assert statuses[6] == 429  # the stranger is slowed down
    owner = at(app, "203.0.113.7")
    assert login(owner, "member@example.com").status_code == 302


def test_a_limits_key_names_no_e_mail_address_in_the_log_or_in_redis(limits_on, request, caplog):
    """The key of a limit on what was typed (an e-mail address here) is a keyed digest: Flask-Limiter's log
    line when the limit is reached, and the counters kept in Redis, never hold the address."""
    app = request.getfixturevalue("app")
    caplog.set_level(logging.DEBUG)
    stranger = at(app, "198.51.100.66")
    statuses = [login(stranger, "Someone.Unknown@Example.com", "wrong-password-1").status_code for _ in range(7)]
    assert statuses[-1] == 429 and "exceeded" in caplog.text
    assert "someone.unknown" not in caplog.text.lower()
    if limits_on.get("RATELIMIT_STORAGE_URI") == REDIS_URL:
        import redis

        keys = [key.decode() for key in redis.Redis.from_url(REDIS_URL).keys("*")]
        assert keys and not [key for key in keys if "someone" in key.lower() or "example" in key.lower()]


def test_only_failed_sign_ins_count(limits_on, request):
    app = request.getfixturevalue("app")
    request.getfixturevalue("make_user")("member@example.com")
    owner = at(app, "203.0.113.7")
    for _ in range(8):
        assert login(owner, "member@example.com").status_code == 302
        AuthActions(owner).logout()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_known_device_still_signs_in_when_strangers_exhaust_the_account(limits_on, request, lang):
    limits_on["LOGIN_LIMIT_PER_ACCOUNT"] = "5 per hour"
    app = request.getfixturevalue("app")
    request.getfixturevalue("make_user")("member@example.com", locale=lang)
    owner = at(app, "203.0.113.7")
    assert login(owner, "member@example.com", lang=lang).status_code == 302
    AuthActions(owner).logout(lang)

    statuses = [
        login(at(app, f"198.51.100.{n}"), "member@example.com", "wrong-password-1", lang).status_code
        for n in range(1, 7)
    ]
    assert statuses == [401] * 5 + [429]  # the account's ceiling, whatever the address

    new_device = at(app, "203.0.113.8")
    refused = login(new_device, "member@example.com", lang=lang)
    assert refused.status_code == 429
    page = shown(refused)
    assert TOO_MANY[lang] in page
    assert 'value="member@example.com"' in page  # the sign-in form again, with what was typed
    assert PASSWORD not in page  # but never the password

    assert login(owner, "member@example.com", lang=lang).status_code == 302  # the device she used before


def test_a_device_known_for_another_account_does_not_lift_this_accounts_limit(limits_on, request):
    limits_on["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per hour"
    app = request.getfixturevalue("app")
    make_user = request.getfixturevalue("make_user")
    make_user("member@example.com")
    make_user("other@example.com")
    stranger = at(app, "198.51.100.9")
    assert login(stranger, "other@example.com").status_code == 302  # a known device, but for her own account
    AuthActions(stranger).logout()
    for n in range(1, 3):
        assert login(at(app, f"198.51.100.{n}"), "member@example.com", "wrong-password-1").status_code == 401
    assert login(stranger, "member@example.com", "wrong-password-1").status_code == 429


def test_the_portal_sets_no_cookie_beyond_the_two_the_policy_names(limits_on, request):
    """Policy §7: a session cookie and a "remember me" cookie, nothing else (known devices come from the
    member's sign-in records)."""
    app = request.getfixturevalue("app")
    request.getfixturevalue("make_user")("member@example.com")
    owner = at(app, "203.0.113.7")
    response = AuthActions(owner).login("member@example.com", remember=True)
    names = {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}
    assert names <= {app.config["SESSION_COOKIE_NAME"], app.config["REMEMBER_COOKIE_NAME"]}, names


# --- seen 3: two-step codes guessed from many addresses ----------------------------------------------


def give_two_step(app, email) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email)) if email else db.session.scalar(select(User))
        user.totp_secret_encrypted = crypto.encrypt_text(secret)
        user.totp_enabled_dt = utcnow()
        db.session.commit()
    return pyotp.TOTP(secret)


def wrong_code(totp: pyotp.TOTP) -> str:
    now = time.time()
    near = {totp.at(now, counter_offset=offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def copy_session(source, target) -> None:
    cookie = source.get_cookie("caseinjob_session")
    target.set_cookie("caseinjob_session", cookie.value)


@pytest.mark.parametrize(
    ("lang", "subject", "flash", "body"),
    [
        (
            "en",
            "Someone tried to sign in to your account",
            "Too many wrong codes: this sign-in is cancelled. Sign in again from the start.",
            "typed your password correctly, then tried 10 wrong two-step verification codes",
        ),
        (
            "fr",
            "Quelqu'un a tenté de se connecter à votre compte",
            "Trop de codes erronés : cette connexion est annulée. Reconnectez-vous depuis le début.",
            "a saisi votre mot de passe correctement, puis essayé 10 codes de vérification en deux étapes erronés",
        ),
    ],
)
def test_ten_wrong_codes_end_the_pending_sign_in_from_every_address(limits_on, request, lang, subject, flash, body):
    app = request.getfixturevalue("app")
    request.getfixturevalue("make_user")("member@example.com", locale=lang)
    totp = give_two_step(app, "member@example.com")
    first = at(app, "198.51.100.1")
    assert login(first, "member@example.com", lang=lang).headers["Location"] == f"/{lang}/login/two-step"
    second = at(app, "203.0.113.2")  # the same pending sign-in, from another address
    copy_session(first, second)
    token = csrf_from(first.get(f"/{lang}/login/two-step").text)
    for n in range(10):
        browser = first if n % 2 else second
        browser.post(f"/{lang}/login/two-step", data={"code": wrong_code(totp), "csrf_token": token})

    for browser in (first, second):  # even the right code now: she must start over
        response = browser.post(f"/{lang}/login/two-step", data={"code": totp.now(), "csrf_token": token})
        assert response.status_code == 302
        assert response.headers["Location"] == f"/{lang}/login"
        assert browser.get(f"/{lang}/dashboard").status_code == 302
    assert flash in shown(first.get(f"/{lang}/login")) or flash in shown(second.get(f"/{lang}/login"))

    [notice] = [message for message in outbox(app, to="member@example.com") if message.subject == subject]
    assert body in notice.body_text
    assert f"/{lang}/password/forgot" in notice.body_text

    fresh = at(app, "203.0.113.3")  # the member starts over, and the right code works
    login(fresh, "member@example.com", lang=lang)
    page = fresh.get(f"/{lang}/login/two-step")
    ok = fresh.post(f"/{lang}/login/two-step", data={"code": totp.now(), "csrf_token": csrf_from(page.text)})
    assert ok.headers["Location"] == f"/{lang}/dashboard"


def test_wrong_codes_are_capped_per_account_across_sign_ins(limits_on, request):
    limits_on["TWO_STEP_LIMIT_PER_ACCOUNT"] = "4 per hour"
    app = request.getfixturevalue("app")
    request.getfixturevalue("make_user")("member@example.com")
    totp = give_two_step(app, "member@example.com")
    statuses = []
    for n in range(3):  # three pending sign-ins, from three addresses
        browser = at(app, f"198.51.100.{n + 1}")
        login(browser, "member@example.com")
        token = csrf_from(browser.get("/en/login/two-step").text)
        for _ in range(2):
            data = {"code": wrong_code(totp), "csrf_token": token}
            statuses.append(browser.post("/en/login/two-step", data=data).status_code)
    assert statuses == [200] * 4 + [429, 429]  # the code page again, then the code page with the reason


# --- seen 7: per-IP limits shared by everyone behind one address -------------------------------------


def test_interview_requests_are_limited_per_candidate_not_per_address(limits_on, request):
    app = request.getfixturevalue("app")
    make_user = request.getfixturevalue("make_user")
    make_user("camille@example.com", locale="fr")
    make_user("emma@example.com", locale="en")
    school = "192.0.2.10"
    camille, emma = at(app, school), at(app, school)
    login(camille, "camille@example.com", lang="fr")
    login(emma, "emma@example.com", lang="en")
    for _ in range(20):
        token = csrf_from(camille.get("/fr/simulations/new").text)
        assert camille.post("/fr/simulations/new", data={**REQUEST_FORM, "csrf_token": token}).status_code == 302

    token = csrf_from(emma.get("/en/simulations/new").text)
    goal = "Practise a market sizing case"
    first = emma.post("/en/simulations/new", data={**REQUEST_FORM, "goal": goal, "csrf_token": token})
    assert first.status_code == 302  # her first request, from the same school address

    token = csrf_from(camille.get("/fr/simulations/new").text)
    goal = "Mon vingt-et-unième cas, à ne pas perdre"
    refused = camille.post("/fr/simulations/new", data={**REQUEST_FORM, "goal": goal, "csrf_token": token})
    assert refused.status_code == 429
    page = shown(refused)
    assert TOO_MANY["fr"] in page and KEPT["fr"] in page
    assert goal in page  # the form again, with what she typed
    assert refused.headers["Retry-After"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_password_reset_is_limited_per_target_address_whatever_the_ip(limits_on, request, lang):
    app = request.getfixturevalue("app")
    request.getfixturevalue("make_user")("member@example.com", locale=lang)
    first, second = at(app, "198.51.100.1"), at(app, "203.0.113.2")
    statuses = []
    for n in range(10):
        browser = first if n % 2 else second
        token = csrf_from(browser.get(f"/{lang}/password/forgot").text)
        response = browser.post(
            f"/{lang}/password/forgot", data={"identifier": "Member@Example.com", "csrf_token": token}
        )
        statuses.append(response.status_code)
    assert statuses == [200] * 3 + [429] * 7
    assert len(outbox(app, to="member@example.com")) == 3
    page = shown(response)
    assert TOO_MANY[lang] in page
    assert 'value="Member@Example.com"' in page

    # Another member behind the same addresses is not held back by her.
    request.getfixturevalue("make_user")("other@example.com")
    token = csrf_from(first.get(f"/{lang}/password/forgot").text)
    other = first.post(f"/{lang}/password/forgot", data={"identifier": "other@example.com", "csrf_token": token})
    assert other.status_code == 200
    assert len(outbox(app, to="other@example.com")) == 1


def test_behind_a_proxy_each_visitor_has_her_own_address(limits_on, request):
    limits_on.update(PROXY_HOPS=1, LOGIN_LIMIT_PER_IP="2 per minute")
    app = request.getfixturevalue("app")
    proxy = "10.0.0.1"
    one, two = at(app, proxy), at(app, proxy)
    one.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.1"
    two.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.2"
    assert [login(one, f"user{n}@example.com", "wrong-password-1").status_code for n in range(3)] == [401, 401, 429]
    assert login(two, "user9@example.com", "wrong-password-1").status_code == 401


def test_without_proxy_hops_a_forwarded_address_is_not_believed(limits_on, request):
    limits_on["LOGIN_LIMIT_PER_IP"] = "2 per minute"
    app = request.getfixturevalue("app")
    browser = at(app, "198.51.100.1")
    statuses = []
    for n in range(3):  # a visitor who forges a new X-Forwarded-For each time
        browser.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n}"
        statuses.append(login(browser, f"user{n}@example.com", "wrong-password-1").status_code)
    assert statuses == [401, 401, 429]


def test_proxy_hops_come_from_the_environment(monkeypatch):
    from app.config import Defaults, settings_from_environment

    assert Defaults.PROXY_HOPS == 0
    monkeypatch.setenv("PROXY_HOPS", "2")
    assert settings_from_environment()["PROXY_HOPS"] == 2


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_privacy_request_past_the_limit_keeps_what_was_typed_and_counts_the_member_only(limits_on, request, lang):
    limits_on["PRIVACY_REQUEST_LIMIT"] = "1 per hour"
    app = request.getfixturevalue("app")
    make_user = request.getfixturevalue("make_user")
    make_user("camille@example.com", locale=lang)
    make_user("emma@example.com", locale=lang)
    office = "192.0.2.20"
    camille, emma = at(app, office), at(app, office)
    login(camille, "camille@example.com", lang=lang)
    login(emma, "emma@example.com", lang=lang)
    url = f"/{lang}/privacy/requests/new"

    def send(browser, message):
        token = csrf_from(browser.get(url).text)
        data = {"kind": "question", "subject": "Where is my data?", "message": message, "csrf_token": token}
        return browser.post(url, data=data)

    assert send(camille, "First question.").status_code == 302
    refused = send(camille, "A long message I would hate to type again.")
    assert refused.status_code == 429
    page = shown(refused)
    assert TOO_MANY[lang] in page and KEPT[lang] in page
    assert "A long message I would hate to type again." in page
    assert send(emma, "Her own question.").status_code == 302  # same address, her own budget


def test_a_member_without_e_mail_is_told_by_text_message(limits_on, request):
    from app.core.sms import SmsMessage

    app = request.getfixturevalue("app")
    user_id = request.getfixturevalue("make_user")("member@example.com", locale="fr", phone="+33612345678")
    with app.app_context():
        db.session.get(User, user_id).email = None
        db.session.commit()
    totp = give_two_step(app, None)
    browser = at(app, "198.51.100.1")
    login(browser, "+33612345678", lang="fr")
    token = csrf_from(browser.get("/fr/login/two-step").text)
    for _ in range(10):
        browser.post("/fr/login/two-step", data={"code": wrong_code(totp), "csrf_token": token})
    with app.app_context():
        [text] = db.session.scalars(select(SmsMessage.body).where(SmsMessage.to_number == "+33612345678"))
    assert "10" in text
