"""Accounts: registration, e-mail verification, sign-in, sessions, passwords, two-step verification."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/<lang:lang_code>")

from app.auth import identifier_routes, routes  # noqa: E402,F401  (register the views on bp)
