"""Security baseline seen from outside: headers, CSRF on every state change, role checks on every route."""

import re

import pytest

from app.auth.models import Role
from tests.admin.test_admin import member
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import AuthActions


def test_security_headers_on_every_page(client):
    response = client.get("/en/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Cache-Control" not in response.headers or "no-store" not in response.headers["Cache-Control"]


def test_signed_in_pages_are_not_cached(client, make_user, auth):
    make_user("member@example.com")
    auth.login("member@example.com")
    assert client.get("/en/dashboard").headers["Cache-Control"] == "no-store"
    assert client.get("/en/").headers["Cache-Control"] == "no-store"


def test_production_sets_secure_cookies_and_hsts(app_config, request, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app_config.update(
        APP_ENV="production",
        SECRET_KEY="x" * 40,
        FILE_ENCRYPTION_KEY="o0Y4BUXAN2Di9IUEYy-UYUhTpIATbsA_hcbzINttMlI=",
        RATELIMIT_ENABLED=False,
    )
    app = request.getfixturevalue("app")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/en/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def state_changing_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}):
            yield rule, method


def _build(rule, values) -> str:
    """The rule's path with each <converter:argument> replaced by a value."""
    return re.sub(r"<(?:[^>:]+:)?(\w+)>", lambda match: values[match.group(1)], rule.rule)


SIGNED_OUT_ONLY = {"auth.register", "auth.login", "auth.two_step", "auth.two_step_setup"}


def test_every_state_changing_route_refuses_a_missing_csrf_token(app, make_user):
    """No POST without a valid token changes anything: either 400, or the form shown again with an error."""
    client = sign_in_admin_with_two_step(app, make_user, roles=tuple(Role))  # every role: no 403 hides a route
    make_user("target@example.com")
    target = member(app, "target@example.com")
    checked = 0
    for rule, method in state_changing_routes(app):
        response = client.open(
            _build(
                rule,
                {
                    "lang_code": "en",
                    "public_id": target.public_id,
                    "token": "x",
                    "role": "candidate",
                    "kind": "education" if "education" in rule.rule else "photo",
                    "direction": "up",
                    "section_id": "1",
                },
            ),
            method=method,
        )
        if rule.endpoint in SIGNED_OUT_ONLY:
            # These pages send this member away before reading the form (signed in, or two-step already on).
            assert response.status_code in {302, 200}, rule.rule
            continue
        # 404: the id names nothing of this member, so the route stops before reading the form.
        assert response.status_code in {400, 404, 200}, (rule.rule, response.status_code)
        if response.status_code == 200:
            assert "Your form has expired" in response.text, rule.rule
        checked += 1
    assert checked >= 15
    assert client.get("/en/dashboard").status_code == 200  # the logout POST without a token did nothing


CANDIDATE, INTERVIEWER, SPONSOR, ADMIN = Role.CANDIDATE, Role.INTERVIEWER, Role.SPONSOR_ADMIN, Role.ADMIN
#: Pages that only some roles may open; every other signed-in page is open to any member.
ROLE_PAGES = {
    "/en/admin/": {ADMIN},
    "/en/admin/audit": {ADMIN},
    "/en/profile": {CANDIDATE},
    "/en/profile/goals": {CANDIDATE},
    "/en/profile/visibility": {CANDIDATE},
    "/en/interviewer-profile": {INTERVIEWER},
    "/en/simulations/": {CANDIDATE, INTERVIEWER},
    "/en/simulations/new": {CANDIDATE},
    "/en/simulations/statistics": {ADMIN},
    "/en/privacy/admin/requests": {ADMIN},
    "/en/privacy/admin/objections": {ADMIN},
    "/en/privacy/admin/runs": {ADMIN},
    "/en/privacy/admin/records": {ADMIN},
    "/en/privacy/admin/policies": {ADMIN},
    "/en/privacy/admin/promises": {ADMIN},
    "/en/sponsors/manage": {ADMIN},
    "/en/sponsors/manage/new": {ADMIN},
    "/en/sponsors/": {SPONSOR},
    "/en/tests/": {CANDIDATE},
    "/en/tests/accommodation": {CANDIDATE},
    "/en/tests/assignments/": {Role.CLIENT},
    "/en/tests/assignments/new": {Role.CLIENT},
    "/en/tests/candidates/": {Role.CLIENT},
    "/en/tests/authoring/": {Role.TEST_AUTHOR, ADMIN},
    "/en/tests/authoring/new": {Role.TEST_AUTHOR, ADMIN},
    "/en/tests/authoring/import": {Role.TEST_AUTHOR, ADMIN},
}


@pytest.mark.parametrize("role", list(Role))
def test_role_walk_over_get_routes(app, make_user, role):
    """Each role reaches its pages and gets 403 on the others; visitors are sent to sign in."""
    email = f"{role.value}@example.com"
    if role == Role.ADMIN:
        client = sign_in_admin_with_two_step(app, make_user, email)
    else:
        make_user(email, roles=(role,))
        client = app.test_client()
        AuthActions(client).login(email)
    visitor = app.test_client()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments - {"lang_code"} or rule.endpoint == "static":
            continue
        path = _build(rule, {"lang_code": "en"})
        status = client.get(path).status_code
        allowed = ROLE_PAGES.get(path)
        if allowed is not None:
            assert status == (200 if role in allowed else 403), (path, role, status)
            assert visitor.get(path).status_code == 302, path
        else:
            assert status in {200, 302}, (path, role, status)
