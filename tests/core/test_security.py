"""Security baseline seen from outside: headers and role checks on every route (CSRF: test_csrf_sweep.py)."""

import re

import pytest

from app.auth.models import Role
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import AuthActions

pytestmark = pytest.mark.sweep  # long: run first (tests/conftest.py)


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


def _build(rule, values) -> str:
    """The rule's path with each <converter:argument> replaced by a value."""
    return re.sub(r"<(?:[^>:]+:)?(\w+)>", lambda match: values[match.group(1)], rule.rule)


# The CSRF sweep over every state-changing route is tests/core/test_csrf_sweep.py (real objects, no 404).


CANDIDATE, INTERVIEWER, SPONSOR, ADMIN = Role.CANDIDATE, Role.INTERVIEWER, Role.SPONSOR_ADMIN, Role.ADMIN
#: Pages that only some roles may open; every other signed-in page is open to any member.
ROLE_PAGES = {
    "/en/admin/": {ADMIN},
    "/en/admin/audit": {ADMIN},
    "/en/admin/mail": {ADMIN},
    "/en/admin/applications/": {ADMIN},
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
    "/en/privacy/admin/holds": {ADMIN},
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


#: Routes that are not pages of a role: files, and the load balancer's probes (their own tests:
#: tests/core/test_health_and_observability.py; /readyz is 503 on a schema built without migrations).
NOT_MEMBER_PAGES = {"static", "healthz", "readyz", "metrics"}


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
        if "GET" not in rule.methods or rule.arguments - {"lang_code"} or rule.endpoint in NOT_MEMBER_PAGES:
            continue
        path = _build(rule, {"lang_code": "en"})
        status = client.get(path).status_code
        allowed = ROLE_PAGES.get(path)
        if allowed is not None:
            assert status == (200 if role in allowed else 403), (path, role, status)
            assert visitor.get(path).status_code == 302, path
        else:
            assert status in {200, 302}, (path, role, status)
