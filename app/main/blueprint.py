"""The main blueprints (the language prefix's home and dashboard, and the bare root) and their views."""

from flask import Blueprint

#: Routes outside the language prefix (only `/`, which picks the language).
root_bp = Blueprint("root", __name__)
bp = Blueprint("main", __name__, url_prefix="/<lang:lang_code>")

from app.main import routes  # noqa: E402,F401  (registers the views)
