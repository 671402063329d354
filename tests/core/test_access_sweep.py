"""Object checks on every id: each route of app.url_map whose URL names an object (built for real by
tests/sweep_factories.py) opens for its owner, and answers 403 or 404 to every role that does not own it,
GET and POST (the POST with a valid CSRF token and a body the owner could send), changing nothing."""

import pytest

from app.auth.models import Role
from tests.conftest import csrf_from
from tests.sweep_factories import (
    STATE_CHANGING,
    MissingFactory,
    build,
    changes,
    make_member,
    sign_in,
    snapshot,
    swept_rules,
)

pytestmark = pytest.mark.sweep  # long: run first (tests/conftest.py)

#: Arguments that choose among a few fixed words, not an object (which kind of entry, which way to move).
NOT_OBJECT_ARGUMENTS = {"lang_code", "kind", "direction", "role"}
#: Who tries another's object: one member of each role but the operators (admins may open admin pages), and
#: an administrator who has not turned two-step verification on (admin powers need it, SECURITY.md 4).
INTRUDER_ROLES = (Role.CANDIDATE, Role.INTERVIEWER, Role.SPONSOR_ADMIN, Role.CLIENT, Role.TEST_AUTHOR)
REFUSED = {403, 404}


def object_rules(app) -> list:
    rules = [rule for rule in swept_rules(app) if rule.arguments - NOT_OBJECT_ARGUMENTS]
    return sorted(rules, key=lambda rule: rule.endpoint)


class Intruder:
    """A signed-in member, and a CSRF token of their own session so that their POST reaches the view."""

    def __init__(self, app, label: str, roles: tuple, *, two_step: bool | None = None):
        self.label = label
        self.roles = set(roles)
        self.client = sign_in(app, make_member(app, *roles, two_step=two_step))
        self.token = csrf_from(self.client.get("/en/account").text)
        #: An administrator who has not turned two-step verification on is sent to turn it on.
        self.sent_to_two_step = two_step is False

    def refused(self, response) -> bool:
        if response.status_code in REFUSED:
            return True
        location = response.headers.get("Location", "")
        return self.sent_to_two_step and response.status_code == 302 and location.endswith("/account/two-step")


def forged_link_problems(app, built, intruder) -> list[str]:
    """A link whose secret is altered opens nothing: the link-problem page (400) or 404."""
    secret = next(name for name in built.values if name not in NOT_OBJECT_ARGUMENTS)
    built.values = {**built.values, secret: built.values[secret][:-4] + "AAAA"}
    status = intruder.client.get(built.url(app)).status_code
    return [] if status in {400, 404} else [f"GET {built.endpoint} with a forged {secret}: {status}"]


def test_every_object_route_refuses_members_who_do_not_own_it(app):
    intruders = [Intruder(app, role.value, (role,)) for role in INTRUDER_ROLES]
    intruders.append(Intruder(app, "admin without two-step verification", (Role.ADMIN,), two_step=False))
    problems, checked, by_link = [], [], []
    for rule in object_rules(app):
        try:
            built = build(app, rule.endpoint)
        except MissingFactory as error:
            problems.append(str(error))
            continue
        if built.access != "owner":
            by_link.append(rule.endpoint)  # the URL's secret authorises whoever holds it; nothing personal else
            if built.access == "link" and "GET" in rule.methods:
                problems.extend(forged_link_problems(app, built, intruders[0]))
            continue
        if "GET" in rule.methods:
            status = sign_in(app, built.owner_id).get(built.url(app)).status_code
            if status not in {200, 302}:
                problems.append(f"GET {rule.endpoint}: its owner got {status}, so the URL is wrong")
        same_role = Intruder(app, f"another {'+'.join(sorted(built.owner_roles))}", built.owner_roles)
        for intruder in [*intruders, same_role]:
            if intruder.roles & built.open_to and not intruder.sent_to_two_step:
                continue  # every member of this role may use it (a published test, an admin page)
            for method in sorted(set(rule.methods) & ({"GET"} | STATE_CHANGING)):
                before = snapshot(app)
                data = {**built.form, "csrf_token": intruder.token} if method != "GET" else None
                response = intruder.client.open(built.url(app, method), method=method, data=data)
                changed = changes(before, snapshot(app))
                if not intruder.refused(response):
                    problems.append(f"{method} {rule.endpoint} by {intruder.label}: {response.status_code}")
                if changed:
                    problems.append(f"{method} {rule.endpoint} by {intruder.label} changed {', '.join(changed)}")
        checked.append(rule.endpoint)
    assert not problems, "\n".join(problems)
    assert len(checked) + len(by_link) == len(object_rules(app))
    print(f"access sweep: {len(checked)} object routes refused to others, {len(by_link)} opened by a link")  # noqa: T201
