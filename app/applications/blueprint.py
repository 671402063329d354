"""The applications blueprint and its views (routes)."""

from flask import Blueprint

bp = Blueprint("applications", __name__, url_prefix="/<lang:lang_code>")

from app.applications import routes  # noqa: E402,F401  (registers the views on bp)
