"""The admin blueprint: its views (routes) and the operators' next steps on the home page."""

from flask import Blueprint

from app.admin.next_steps import admin_steps
from app.core.next_steps import register_next_steps

bp = Blueprint("admin", __name__, url_prefix="/<lang:lang_code>/admin")

from app.admin import routes  # noqa: E402,F401  (registers the views on bp)

register_next_steps("admin", admin_steps, order=20)
