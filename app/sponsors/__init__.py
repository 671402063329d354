"""Sponsors: schools and employers that enrol their members, provide data about them and pay for their work."""

from flask import Blueprint

bp = Blueprint("sponsors", __name__, url_prefix="/<lang:lang_code>/sponsors")

from app.sponsors import routes  # noqa: E402,F401  (registers the views on bp)
