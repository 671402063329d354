"""Keep the outside audit's zeros: hostile input (huge integers, deep JSON, control characters, direction
overrides, non-characters, invalid UTF-8, a PDF with active content) posted to every form and JSON endpoint of
`app.url_map`, and sent to every GET route as query values and path integers, never answers 500.

Two passes. The owner pass builds, for each route, the real object its URL names and signs in the member who
may use it (tests/sweep_factories.py), so that hostile input reaches the view's form, not a 404. The role
pass signs in one member of each role (candidate, interviewer, sponsor admin, client, test author, admin with
two-step verification) and sends the same input to every route.
"""

import io
import json
import re
from urllib.parse import quote

import pytest
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms.fields.core import UnboundField

from app.auth.models import Role
from tests.conftest import csrf_from
from tests.core.test_hostile_input import active_pdfs
from tests.sweep_factories import MissingFactory, build, make_member, sign_in

pytestmark = pytest.mark.sweep  # long: run first (tests/conftest.py)

HUGE = "99999999999999999999999"
HOSTILE_TEXT = "x\x00\x1b[31m\u202e\u2066\ufdd0\ufffe\u0085y"
DEEP_JSON = '{"a":' * 1000 + "1" + "}" * 1000
#: Query values the portal's pages read (page numbers, filters, search terms, a next address).
QUERY_NAMES = ("page", "q", "test", "kind", "member", "status", "cohort", "about", "type", "next", "role")
NAME_PATTERN = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')
FILE_PATTERN = re.compile(
    r'<input\b[^>]*type="file"[^>]*\bname="([^"]+)"|<input\b[^>]*\bname="([^"]+)"[^>]*type="file"'
)
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
#: Routes that end the member's session when they succeed: the role pass sends them last.
SESSION_ENDING = {"auth.logout", "privacy.erase_account", "auth.change_password", "auth.change_email"}
ROLES = (Role.CANDIDATE, Role.INTERVIEWER, Role.SPONSOR_ADMIN, Role.CLIENT, Role.TEST_AUTHOR, Role.ADMIN)


def _form_classes(cls=FlaskForm):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _form_classes(subclass)


def declared_field_names() -> set[str]:
    """Every field name any form of the portal declares (prefixes of nested forms aside)."""
    names = set()
    for form_class in _form_classes():
        for attribute in dir(form_class):
            if isinstance(getattr(form_class, attribute, None), UnboundField):
                names.add(attribute)
    return names - {"csrf_token"}


def file_field_names() -> set[str]:
    from wtforms import FileField, MultipleFileField

    names = set()
    for form_class in _form_classes():
        for attribute in dir(form_class):
            field = getattr(form_class, attribute, None)
            if isinstance(field, UnboundField) and issubclass(field.field_class, FileField | MultipleFileField):
                names.add(attribute)
    return names


URL_ENCODED = "application/x-www-form-urlencoded"
JSON_PUNCTUATION = '{}:"'


def url_encoded(fields: dict) -> bytes:
    """The form as a browser would send it, leaving JSON's braces, quotes and colons as they are (a browser may):
    the deep JSON then costs its length to parse, not three times its length in percent escapes, on either side."""
    return "&".join(
        f"{quote(name)}={quote(str(value), safe=JSON_PUNCTUATION)}" for name, value in fields.items()
    ).encode()


def path_with(rule, values: dict, *, huge_ints: bool = False) -> str:
    """The rule's path from `values`; with `huge_ints`, every <int:...> argument is a huge number."""

    integers = _integer_arguments(rule)

    def value(match):
        name = match.group(2)
        if huge_ints and name in integers:
            return HUGE
        return quote(str(values.get(name, "x")), safe="")

    return re.sub(r"<(?:([^>:]+):)?(\w+)>", value, rule.rule)


class Fuzzer:
    """Sends the hostile bodies to one route with one signed-in client; collects every 500."""

    def __init__(self, app, names: set[str], files: set[str]):
        self.app = app
        self.names = names
        self.files = files
        self.failures: list[str] = []
        self.requests = 0
        self.reached: set[str] = set()

    def _record(self, label: str, endpoint: str, response) -> None:
        self.requests += 1
        # 503 is the portal's own answer when it is not ready (readyz) or the database is away: not a crash.
        if response.status_code >= 500 and response.status_code != 503:
            self.failures.append(f"{label} {endpoint}: {response.status_code}")
        login = "/login" in response.headers.get("Location", "")
        if response.status_code not in {403, 404, 405} and not login:
            self.reached.add((endpoint, label.split()[1]))

    def page_names(self, client, url: str, rule) -> tuple[set[str], set[str]]:
        """The field names on the route's own page (dynamic forms: test items, visibility sections)."""
        if "GET" not in rule.methods:
            return set(), set()
        page = client.get(url)
        if page.status_code != 200 or page.mimetype != "text/html":  # a download: no form
            return set(), set()
        text = page.get_data(as_text=True)
        files = {a or b for a, b in FILE_PATTERN.findall(text)}
        return set(NAME_PATTERN.findall(text)) - {"csrf_token"}, files

    def post_all(self, client, token: str, rule, values: dict, good_form: dict, label: str) -> None:
        url = path_with(rule, values)
        extra_names, extra_files = self.page_names(client, url, rule)
        names = self.names | extra_names | set(good_form)
        files = self.files | extra_files
        for method in sorted(set(rule.methods) & set(STATE_CHANGING)):
            bodies = {
                "huge integers": dict.fromkeys(names, HUGE),
                "control characters": dict.fromkeys(names, HOSTILE_TEXT),
                "deep JSON in a field": dict.fromkeys(names, DEEP_JSON[:6000]),
            }
            for kind, body in bodies.items():
                # With the good fields too (when the route has some), the view goes further than the first refusal.
                for data in (body, {**body, **good_form}) if good_form else (body,):
                    response = client.open(
                        url, method=method, data=url_encoded({**data, "csrf_token": token}), content_type=URL_ENCODED
                    )
                    self._record(f"[{label}] {method} {kind}", rule.endpoint, response)
            self._post_invalid_utf8(client, url, method, names, good_form, token, rule.endpoint, label)
            self._post_active_pdf(client, url, method, files, good_form, token, rule.endpoint, label)
            self._post_json(client, url, method, token, rule.endpoint, label)
            response = client.open(path_with(rule, values, huge_ints=True), method=method, data={"csrf_token": token})
            self._record(f"[{label}] {method} huge path integer", rule.endpoint, response)

    def _post_invalid_utf8(self, client, url, method, names, good_form, token, endpoint, label) -> None:
        for bad in (b"\xff\xfe\xc3(", b"%FF%FE%C3%28"):
            pairs = [quote(name).encode() + b"=" + bad for name in sorted(names)]
            pairs += [quote(key).encode() + b"=" + quote(str(value)).encode() for key, value in good_form.items()]
            pairs.append(b"csrf_token=" + quote(token).encode())
            response = client.open(
                url, method=method, data=b"&".join(pairs), content_type="application/x-www-form-urlencoded"
            )
            self._record(f"[{label}] {method} invalid UTF-8 {bad[:3]!r}", endpoint, response)

    def _post_active_pdf(self, client, url, method, files, good_form, token, endpoint, label) -> None:
        pdf = active_pdfs()["open action javascript"]
        data = {**good_form, "csrf_token": token, "visibility": "connections"}
        data.update({name: (io.BytesIO(pdf), "cv.pdf") for name in files})
        response = client.open(url, method=method, data=data, content_type="multipart/form-data")
        self._record(f"[{label}] {method} active PDF", endpoint, response)

    def _post_json(self, client, url, method, token, endpoint, label) -> None:
        headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
        for kind, body in {
            "deep JSON": DEEP_JSON,
            "JSON huge numbers": json.dumps({"item": HUGE, "value": 10**30, "elapsed": 1e308, "gap": [10**40]}),
            "JSON control characters": json.dumps({"item": HOSTILE_TEXT, "value": HOSTILE_TEXT}),
            "JSON NaN": '{"item": NaN, "value": Infinity}',
            "JSON lone surrogate": '{"item": "\\ud800", "value": "\\udfff"}',
        }.items():
            response = client.open(url, method=method, data=body, headers=headers)
            self._record(f"[{label}] {method} {kind}", endpoint, response)

    def reached_by(self, method: str) -> int:
        """How many endpoints got past access checks with hostile `method` requests."""
        return len({endpoint for endpoint, used in self.reached if used == method})

    def get_all(self, client, rule, values: dict, label: str) -> None:
        if "GET" not in rule.methods:
            return
        url = path_with(rule, values)
        for value in (HUGE, "-" + HUGE, HOSTILE_TEXT, "%FF"):
            query = "&".join(f"{name}={quote(value) if value != '%FF' else value}" for name in QUERY_NAMES)
            self._record(f"[{label}] GET query {value[:6]!r}", rule.endpoint, client.get(f"{url}?{query}"))
        if _integer_arguments(rule):
            response = client.get(path_with(rule, values, huge_ints=True))
            self._record(f"[{label}] GET huge path integer", rule.endpoint, response)


def _integer_arguments(rule) -> set[str]:
    return {name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)}


def fuzzed_rules(app) -> list:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint not in {"static", "metrics"}),
        key=lambda rule: (rule.endpoint in SESSION_ENDING, rule.endpoint),
    )


def token_of(client) -> str:
    page = client.get("/en/account")
    if page.status_code != 200:
        page = client.get("/en/login")
    return csrf_from(page.get_data(as_text=True))


@pytest.fixture
def fuzzer(app):
    return Fuzzer(app, declared_field_names(), file_field_names())


def test_every_route_survives_hostile_input_from_the_member_who_may_use_it(app, fuzzer, capsys):
    """The owner pass: a real object behind each URL, its owner signed in, each hostile body sent."""
    missing = []
    for rule in fuzzed_rules(app):
        try:
            built = build(app, rule.endpoint)
        except MissingFactory:
            built = None
        if built is None:
            if rule.arguments - {"lang_code"}:
                missing.append(rule.endpoint)
                continue
            client, values, form = sign_in(app, make_member(app, Role.CANDIDATE)), {"lang_code": "en"}, {}
        else:
            client, values, form = built.owner_client(app), built.values, built.form
        token = token_of(client)
        fuzzer.post_all(client, token, rule, values, form, "owner")
        fuzzer.get_all(client, rule, values, "owner")
    with capsys.disabled():
        print(
            f"\nfuzz, owner pass: {fuzzer.requests} requests over {len(fuzzed_rules(app))} rules; reached"
            f" {fuzzer.reached_by('POST')} form and JSON endpoints and {fuzzer.reached_by('GET')} GET routes;"
            f" no factory: {missing}"
        )
    assert fuzzer.failures == []
    assert not missing
    assert fuzzer.reached_by("POST") >= 80 and fuzzer.reached_by("GET") >= 60


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value)
def test_every_route_survives_hostile_input_from_each_role(app, fuzzer, role, capsys):
    """The role pass: one member of `role` (an admin with two-step verification) sends everything everywhere."""
    user_id = make_member(app, role)
    client = sign_in(app, user_id)
    token = token_of(client)
    for rule in fuzzed_rules(app):
        values = {"lang_code": "en", "public_id": "x" * 22, "token": "x", "kind": "cv", "direction": "up"}
        values.update({"role": "candidate", "version": "1.0", "section_id": "1"})
        fuzzer.post_all(client, token, rule, values, {}, role.value)
        fuzzer.get_all(client, rule, values, role.value)
    with capsys.disabled():
        print(
            f"\nfuzz, {role.value}: {fuzzer.requests} requests; reached {fuzzer.reached_by('POST')} form and JSON"
            f" endpoints and {fuzzer.reached_by('GET')} GET routes"
        )
    assert fuzzer.failures == []
