"""A small HTTP client for the benchmark: signs members in and checks pages before wrk loads them.

The standard library only (no requests): cookies are kept by hand because the production settings mark
them Secure, which a cookie jar would not send back over plain HTTP on 127.0.0.1.
"""

import http.client
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


@dataclass
class Response:
    status: int
    headers: dict
    body: str


@dataclass
class Browser:
    """One member's device: the session cookie the portal set, sent back on every request."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, *, body: str | bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = self.cookie_header
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        text = answer.read().decode("utf-8", "replace")
        for line in answer.msg.get_all("Set-Cookie") or []:
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            if value and "Expires=Thu, 01 Jan 1970" not in line:
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        connection.close()
        # Names as Title-Case: HAProxy (BENCH_NODES=2) passes them on in lower case.
        return Response(answer.status, {name.title(): value for name, value in answer.getheaders()}, text)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def csrf_token(self, path: str) -> str:
        """The CSRF token of the page at `path` (the session cookie that goes with it is kept)."""
        page = self.get(path)
        found = CSRF_INPUT.search(page.body)
        if page.status != 200 or not found:
            raise BenchError(f"GET {path}: {page.status}, no CSRF token")
        return found.group(1)

    def sign_in(self, lang: str, identifier: str, password: str) -> None:
        token = self.csrf_token(f"/{lang}/login")
        form = urlencode({"identifier": identifier, "password": password, "csrf_token": token})
        answer = self.request(
            "POST", f"/{lang}/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        if answer.status != 302 or "/login" in answer.headers.get("Location", "/login"):
            raise BenchError(f"signing in as {identifier} failed: {answer.status}")


class BenchError(RuntimeError):
    """Something the benchmark needs is missing: it stops with this message."""
