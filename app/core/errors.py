"""Error pages in the visitor's language for 400–503; nothing internal ever reaches the page.

Also `DomainError`, which every feature's services raise when they refuse something a member should read.
"""

import logging

from flask import Flask, abort, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db, login_manager

logger = logging.getLogger("caseinjob.errors")

ERROR_TEXTS = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Go back, reload the page and try again."),
    ),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("This page does not exist, or it is not yours to see.")),
    405: (_l("Method not allowed"), _l("This address cannot be used this way.")),
    413: (
        _l("File too large"),
        _l("What you sent is larger than the portal accepts. Choose a smaller file and try again."),
    ),
    429: (
        _l("Too many attempts"),
        _l("You have tried too many times in a short while. Wait a few minutes, then try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. It has been logged; please try again later."),
    ),
    503: (
        _l("Service unavailable"),
        _l("The portal is temporarily unavailable. Please try again in a few minutes."),
    ),
}
CSRF_TEXT = _l("Your form has expired or was sent from elsewhere. Reload the page and try again.")
#: What a client should wait before it tries again when the database does not answer.
DATABASE_DOWN_RETRY_AFTER = "30"


class DomainError(Exception):
    """A refusal the member should read: `message` (often lazy), `field` the form field it belongs to, if any,
    and `errors` where several problems were found. Views show it with core.forms.show_domain_error."""

    def __init__(self, message, field: str | None = None, errors: list | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.errors = errors or []


def found_or_404(value):
    """What a service's lookup found, or a 404 when it found nothing (or nothing this member may see).
    For a query written in the view, use db.first_or_404 / db.one_or_404."""
    if value is None:
        abort(404)
    return value


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    # The database unreachable, or locked past busy_timeout: 503, and the next request tries again.
    for error_class in (OperationalError, InterfaceError, PoolTimeoutError):
        app.register_error_handler(error_class, _handle_database_down)
    app.register_error_handler(DBAPIError, _handle_database_error)
    app.register_error_handler(Exception, _handle_unexpected_error)


def render_error(code: int, message=None):
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    return render_template("errors/error.html", code=code, title=title, message=message or text), code


def _handle_csrf_error(error: CSRFError):
    return render_error(400, CSRF_TEXT)


def _handle_http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if error.code not in ERROR_TEXTS:
        return render_error(400 if error.code < 500 else 500)
    response = render_error(error.code)
    if error.code == 429 or error.code == 503:
        return response[0], error.code, {"Retry-After": "60"}
    return response


def _handle_database_error(error: DBAPIError):
    """Another driver error: a lost connection is the database being down, anything else is a bug."""
    if error.connection_invalidated:
        return _handle_database_down(error)
    return _handle_unexpected_error(error)


def _handle_database_down(error: Exception):
    """A 503 in the page's language that needs no database: no member is loaded to render it."""
    logger.error("database unavailable: %s (%s)", type(error).__name__, type(getattr(error, "orig", error)).__name__)
    _rollback_quietly()
    _forget_member()
    title, text = ERROR_TEXTS[503]
    headers = {"Retry-After": DATABASE_DOWN_RETRY_AFTER}
    if request.is_json:  # the autosave: its script shows the message and tries again
        return jsonify(ok=False, error=str(text)), 503, headers
    retry_url = request.full_path.rstrip("?") if request.method == "GET" else None
    page = render_template("errors/503.html", code=503, title=title, message=text, retry_url=retry_url)
    return page, 503, headers


def _forget_member() -> None:
    """Render as a visitor: loading (or refreshing) the signed-in member would query the database again."""
    g._login_user = login_manager.anonymous_user()  # where Flask-Login keeps this request's member


def _handle_unexpected_error(error: Exception):
    logger.exception("unhandled error")
    _rollback_quietly()
    return _handle_http_error(InternalServerError())


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # the database itself may be what failed: drop the connection, the pool opens a new one
        logger.warning("rollback failed after an error")
        try:
            db.session.invalidate()
        except Exception:
            logger.warning("could not invalidate the session's connection")
