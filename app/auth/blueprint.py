"""The auth blueprint: its views (routes, identifier_routes) and the session cookie it installs."""

from flask import Blueprint

from app.auth.cookie_session import SessionInterface

bp = Blueprint("auth", __name__, url_prefix="/<lang:lang_code>")


@bp.record_once
def _use_cookie_session(state) -> None:
    """The session cookie as Flask signs it, with the signer built once per secret key (see cookie_session)."""
    state.app.session_interface = SessionInterface()


from app.auth import identifier_routes, routes  # noqa: E402,F401  (register the views on bp)
