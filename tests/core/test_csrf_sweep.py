"""CSRF on every state change: each POST/PUT/PATCH/DELETE route of app.url_map, opened as the member who owns
what its URL names (built by tests/sweep_factories.py), refuses a request without a token and changes nothing."""

from collections import Counter

import pytest
from flask.testing import FlaskClient

from app.core.errors import CSRF_TEXT
from tests.conftest import shown
from tests.sweep_factories import STATE_CHANGING, MissingFactory, build, changes, snapshot, swept_rules

pytestmark = pytest.mark.sweep  # long: run first (tests/conftest.py)

#: The 400 page of a view whose token the portal checks before the view runs (app/core/security.py).
REFUSAL_PAGE = str(CSRF_TEXT)
#: The message of a view that checks the token through its form: the form again, or a flash after a redirect.
FORM_EXPIRED = "Your form has expired or was sent from elsewhere. Check what you typed and send it again."


def state_changing_rules(app) -> list:
    return sorted(
        (rule for rule in swept_rules(app) if set(rule.methods or ()) & STATE_CHANGING), key=lambda rule: rule.endpoint
    )


def csrf_refusal(client: FlaskClient, response) -> str | None:
    """How the portal refused the token-less request, or None when it did not say so."""
    text = shown(response)
    if response.status_code == 400 and REFUSAL_PAGE in text:
        return "400 page"
    if response.status_code in {200, 400} and FORM_EXPIRED in text:
        return "form shown again"
    if response.status_code == 302 and FORM_EXPIRED in shown(client.get(response.headers["Location"])):
        return "redirect with the message"
    return None


def test_every_state_changing_route_refuses_a_missing_csrf_token(app):
    """Posted by its owner with a body it would accept, without a token: refused, and not a row changes."""
    problems, refusals, exempt = [], {}, []
    for rule in state_changing_rules(app):
        if getattr(app.view_functions[rule.endpoint], "token_authorises", False):
            exempt.append(rule.endpoint)  # one-click unsubscribe (RFC 8058): the URL's signed token is the secret
            continue
        try:
            built = build(app, rule.endpoint)
        except MissingFactory as error:
            problems.append(str(error))
            continue
        client = built.owner_client(app)
        for method in sorted(set(rule.methods) & STATE_CHANGING):
            before = snapshot(app)
            response = client.open(built.url(app, method), method=method, data=built.form)
            changed = changes(before, snapshot(app))
            how = csrf_refusal(client, response)
            if how is None:
                problems.append(f"{method} {rule.endpoint}: answered {response.status_code}, not a CSRF refusal")
            if changed:
                problems.append(f"{method} {rule.endpoint}: changed {', '.join(changed)} without a token")
            refusals[f"{method} {rule.endpoint}"] = how
    assert not problems, "\n".join(problems)
    assert exempt == ["privacy.unsubscribe"]
    assert len(refusals) == len(state_changing_rules(app)) - len(exempt)
    kinds = Counter(refusals.values())
    print(f"CSRF sweep: {len(refusals)} state-changing routes refused without a token: {dict(kinds)}")  # noqa: T201
