"""Privacy: the policy and its versions, consents, the dashboard, the rights, requests and retention."""

from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/<lang:lang_code>")

from app.privacy import routes  # noqa: E402,F401  (registers the views on bp)
