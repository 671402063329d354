"""Sign-in by e-mail, phone or username; failures, suspension, next=, rate limits, the login record."""

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.extensions import db
from tests.conftest import CSRF_PATTERN, PASSWORD, csrf_from, shown


def events(app, kind=None):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if kind:
            query = query.where(AuditEvent.kind == kind)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize(
    "identifier", ["member@example.com", "MEMBER@example.COM", "+33 6 12 34 56 78", "0612345678", "Camille_D"]
)
def test_login_by_email_phone_or_username(app, client, make_user, auth, identifier):
    make_user("member@example.com", phone="+33612345678", username="camille_d")
    response = auth.login(identifier)
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/dashboard"
    assert client.get("/en/dashboard").status_code == 200


def test_every_login_is_recorded_with_ip_and_user_agent(app, client, make_user, auth):
    user_id = make_user("member@example.com")
    auth.login("member@example.com", "wrong password!!")
    auth.login("nobody@example.com", "whatever123456")
    auth.login("member@example.com")
    failures = events(app, "login_failure")
    assert [event.user_id for event in failures] == [user_id, None]
    [success] = events(app, "login_success")
    assert success.user_id == user_id
    assert success.ip_address == "127.0.0.1"
    assert success.user_agent.startswith("Werkzeug")


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "The identifier or the password is not correct."),
        ("fr", "L'identifiant ou le mot de passe est incorrect."),
    ],
)
def test_wrong_password_is_refused_in_the_page_language(app, client, make_user, auth, lang, message):
    make_user("member@example.com")
    response = auth.login("member@example.com", "not my password", lang=lang)
    assert response.status_code == 401
    assert message in shown(response)
    assert 'value="member@example.com"' in response.text
    assert "not my password" not in response.text
    assert client.get(f"/{lang}/dashboard").status_code == 302


def test_unknown_and_wrong_password_answers_are_the_same(client, make_user, auth):
    make_user("member@example.com")
    known = auth.login("member@example.com", "not my password")
    unknown = auth.login("stranger@example.com", "not my password")
    assert known.status_code == unknown.status_code == 401

    def neutral(text, address):
        return CSRF_PATTERN.sub("", text.replace(address, "X"))

    assert neutral(known.text, "member@example.com") == neutral(unknown.text, "stranger@example.com")


def test_suspended_member_cannot_sign_in_and_is_told_why(app, client, make_user, auth):
    make_user("member@example.com", is_suspended=True, suspended_reason="Fraudulent bookings")
    response = auth.login("member@example.com")
    assert response.status_code == 403
    assert "Your account is suspended: Fraudulent bookings." in response.text
    assert client.get("/en/dashboard").status_code == 302
    assert [event.kind for event in events(app)][-1] == "login_blocked"


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/en/account", "/en/account"),
        ("https://evil.example.com/", "/en/dashboard"),
        ("//evil.example.com/x", "/en/dashboard"),
        ("/\\evil.example.com", "/en/dashboard"),
        ("javascript:alert(1)", "/en/dashboard"),
    ],
)
def test_next_never_leads_off_the_site(client, make_user, next_url, expected):
    make_user("member@example.com")
    page = client.get("/en/login", query_string={"next": next_url})
    response = client.post(
        "/en/login",
        query_string={"next": next_url},
        data={"identifier": "member@example.com", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.headers["Location"] == expected


def test_protected_page_sends_to_login_and_back(client, make_user):
    make_user("member@example.com")
    response = client.get("/fr/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/fr/login?next=")
    page = client.get(response.headers["Location"])
    assert "Veuillez vous connecter pour voir cette page." in page.text
    back = client.post(
        response.headers["Location"],
        data={"identifier": "member@example.com", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert back.headers["Location"] == "/fr/account"


@pytest.fixture
def limited_app_config(app_config):
    app_config.update(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LIMIT_PER_IP="5 per minute")
    return app_config


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("en", "You have tried too many times in a short while."),
        ("fr", "Vous avez fait trop de tentatives en peu de temps."),
    ],
)
def test_login_is_rate_limited_per_account_with_a_page_in_the_member_language(limited_app_config, request, lang, title):
    app = request.getfixturevalue("app")
    client = app.test_client()
    request.getfixturevalue("make_user")("member@example.com")
    page = client.get(f"/{lang}/login")
    token = csrf_from(page.text)
    statuses = [
        client.post(
            f"/{lang}/login",
            data={"identifier": "member@example.com", "password": "wrong-1234567", "csrf_token": token},
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    blocked = client.post(
        f"/{lang}/login", data={"identifier": "member@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert title in shown(blocked)  # the sign-in form again, with the reason and what was typed
    assert 'value="member@example.com"' in blocked.text
    assert blocked.headers["Retry-After"]


def test_login_is_rate_limited_per_ip_across_accounts(limited_app_config, request):
    app = request.getfixturevalue("app")
    client = app.test_client()
    token = csrf_from(client.get("/en/login").text)
    statuses = [
        client.post(
            "/en/login",
            data={"identifier": f"user{n}@example.com", "password": "wrong-1234567", "csrf_token": token},
        ).status_code
        for n in range(6)
    ]
    assert statuses == [401] * 5 + [429]


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


REDIS_URL = "redis://127.0.0.1:6379/15"


def test_rate_limits_can_live_in_redis(app_config, request):
    """Several gunicorn workers or machines share the counters when RATELIMIT_STORAGE_URI names Redis."""
    import os

    if not redis_answers(REDIS_URL):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis does not answer at {REDIS_URL}")
        pytest.skip("Redis is not running here (it is optional; CI runs this test)")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=REDIS_URL, LOGIN_LIMIT_PER_ACCOUNT="2 per minute")
    app = request.getfixturevalue("app")
    request.getfixturevalue("make_user")("member@example.com")
    first, second = app.test_client(), app.test_client()  # two browsers: only Redis links their attempts
    token = csrf_from(first.get("/en/login").text)
    data = {"identifier": "member@example.com", "password": "wrong-1234567", "csrf_token": token}
    assert first.post("/en/login", data=data).status_code == 401
    assert first.post("/en/login", data=data).status_code == 401
    other_token = csrf_from(second.get("/en/login").text)
    assert second.post("/en/login", data={**data, "csrf_token": other_token}).status_code == 429
    assert redis.Redis.from_url(REDIS_URL).dbsize() > 0
