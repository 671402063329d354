"""Operator pages: find a member, roles, suspension, the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/<lang:lang_code>/admin")

from app.admin import routes  # noqa: E402,F401  (registers the views on bp)
