"""Security headers and the CSRF check for state-changing requests that carry no WTForms form."""

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_login import current_user

from app.core import input_guard
from app.extensions import csrf

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
#: Downloads get a policy that runs nothing, should a browser ever render one.
DOWNLOAD_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def init_app(app: Flask) -> None:
    input_guard.init_app(app)  # first: a hostile address is refused before the CSRF check reads the form
    csrf.init_app(app)
    app.before_request(_check_csrf_without_form)
    app.after_request(_set_security_headers)


def form_checks_csrf(view: Callable) -> Callable:
    """Mark a view whose FlaskForm validates the CSRF token itself, so a stale form keeps what was typed."""
    view.form_checks_csrf = True
    return view


def token_authorises(view: Callable) -> Callable:
    """Mark a view that a signed token in its URL authorises (one-click unsubscribe, RFC 8058): a mail
    program POSTs to it with no session and no CSRF token, and the token is the secret a forger lacks."""
    view.token_authorises = True
    return view


def _check_csrf_without_form() -> None:
    if request.method in SAFE_METHODS or not request.endpoint:
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "form_checks_csrf", False) or getattr(view, "token_authorises", False):
        return
    csrf.protect()


#: Headers every answer carries unless its view set its own.
_DEFAULT_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)


#: Every header _set_security_headers may add or replace, lower-cased (and the one that makes a download).
_OWN_NAMES = frozenset(
    {"content-security-policy", "strict-transport-security", "cache-control", "pragma", "content-disposition"}
    | {name.lower() for name, _value in _DEFAULT_HEADERS}
)


@functools.cache
def _all_headers(hsts_seconds: int, no_store: bool) -> tuple[tuple[str, str], ...]:
    """What an answer that set none of these headers itself (nearly all) gets: built once per process and
    setting, in the order the general case below adds them."""
    headers = [("Content-Security-Policy", CONTENT_SECURITY_POLICY), *_DEFAULT_HEADERS]
    if hsts_seconds:
        headers.append(("Strict-Transport-Security", f"max-age={hsts_seconds}"))
    if no_store:
        headers += [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
    return tuple(headers)


def _set_security_headers(response):
    headers = response.headers
    # Names looked up once: Headers.setdefault scans the list, and raises and catches a KeyError, per header.
    present = {name.lower() for name in headers.keys()}  # noqa: SIM118 (Headers iterates over pairs)
    if present.isdisjoint(_OWN_NAMES):
        headers.extend(_all_headers(current_app.config["HSTS_SECONDS"], _signed_in()))
        return response
    is_download = "content-disposition" in present and "attachment" in headers["Content-Disposition"]
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", DOWNLOAD_POLICY if is_download else CONTENT_SECURITY_POLICY)
    headers.extend([(name, value) for name, value in _DEFAULT_HEADERS if name.lower() not in present])
    if current_app.config["HSTS_SECONDS"] and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}")
    if is_download or _signed_in():
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def _signed_in() -> bool:
    # Reading current_user loads the member; static files need not pay for that.
    if request.endpoint == "static":
        return False
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # a broken database must not hide the real error behind this one
        return False


def safe_next(target: str | None) -> str | None:
    """A `next=` target only when it stays on the portal: a path, never a scheme or another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
