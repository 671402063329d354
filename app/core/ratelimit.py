"""Rate limits that fit real use: whom a limit counts, caps that hold even with rate limits off, and a 429
that keeps what was typed.

A limit counts the signed-in member (all her devices and addresses together), else the client's address:
the candidates of one school share one address and must not share one budget. Behind a proxy, the address
is the client's, not the proxy's (PROXY_HOPS, applied with ProxyFix in create_app).
"""

import functools
import threading
import time
from collections.abc import Callable

from flask import current_app, g, has_request_context, make_response, request
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

LIMITED_FORM_TEXT = _l(
    "You have tried too many times in a short while. Wait a few minutes, then send the form again: "
    "what you typed is kept."
)
#: Where Flask-Limiter's storage is unreachable or says nothing about the window, what a client should wait.
DEFAULT_RETRY_AFTER = 60


def member_or_address() -> str:
    """The key of every limit that names no other: the signed-in member, else the client's address."""
    if current_user and current_user.is_authenticated:
        return f"member:{current_user.id}"
    return f"address:{request.remote_addr}"


# --- a 429 that keeps the form -----------------------------------------------------------------------


def form_kept_when_limited(view: Callable) -> Callable:
    """A form view whose refused POST (429) shows the same form again, with what was typed and the reason.

    Put it right above the view's limit decorators. When a limit refuses the request, the view runs again
    beneath its limits, with every form's `validate_on_submit` answering False (so nothing is done) and
    carrying the message; the page goes out with status 429 and Retry-After. A view that did not consult a
    form, or that answered with a redirect or a server error, gets the plain 429 page instead.
    """
    beneath = _beneath_limits(view)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except RateLimitExceeded as breach:
            if request.method != "POST" or request.is_json:
                raise
            g.rate_limit_breach = {"consulted": False}
            response = make_response(beneath(*args, **kwargs))
            shown_again = response.status_code < 300 or 400 <= response.status_code < 500  # a page, not a redirect
            if not g.rate_limit_breach["consulted"] or not shown_again:
                raise breach from None
            response.status_code = 429
            response.headers["Retry-After"] = str(retry_after())
            return response

    return wrapper


def _beneath_limits(view: Callable) -> Callable:
    """The view without Flask-Limiter's wrappers (each marks itself with the limiter that made it)."""
    while getattr(view, "__wrapper-limiter-instance", None) is not None and hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


def retry_after() -> int:
    """Seconds until the window of the limit that refused this request starts again."""
    from app.extensions import limiter  # app.extensions imports this module

    try:
        refused = limiter.current_limit
        return max(1, int(refused.reset_at - time.time())) if refused else DEFAULT_RETRY_AFTER
    except Exception:  # the storage may be what failed; an estimate is enough here
        return DEFAULT_RETRY_AFTER


def refuses_form(form) -> bool:
    """Whether `form` was posted past a limit: then it is not acted on but shown again, with the reason above
    it (asked by PortalForm.validate_on_submit, so that the decorated views need no change of their own)."""
    breach = g.get("rate_limit_breach") if has_request_context() else None
    if breach is None or not form.is_submitted():
        return False
    breach["consulted"] = True
    form.form_errors.append(str(LIMITED_FORM_TEXT))
    return True


# --- caps that are rules, not politeness -------------------------------------------------------------

_counters_lock = threading.Lock()


def _counters() -> FixedWindowRateLimiter:
    """Counters in the rate limits' storage (Redis in production), there even when RATELIMIT_ENABLED is off."""
    extensions = current_app.extensions
    if "strict_counters" not in extensions:
        with _counters_lock:
            if "strict_counters" not in extensions:
                storage = storage_from_string(
                    current_app.config["RATELIMIT_STORAGE_URI"],
                    **current_app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
                )
                extensions["strict_counters"] = FixedWindowRateLimiter(storage)
    return extensions["strict_counters"]


def _key(name: str) -> str:
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX') or ''}cap:{name}"


def take(name: str, amount: int, window: str) -> bool:
    """Count one more use of `name`; False once more than `amount` were counted in `window` ("1 hour")."""
    return _counters().hit(parse(f"{amount} per {window}"), _key(name))


def exhausted(name: str, amount: int, window: str) -> bool:
    """Whether `amount` uses of `name` were already counted in `window`."""
    return not _counters().test(parse(f"{amount} per {window}"), _key(name))
