"""Operator pages: find a member, roles, suspension, the audit log, e-mails that failed."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/<lang:lang_code>/admin")

from app.admin import routes  # noqa: E402,F401  (registers the views on bp)


def _register_next_steps() -> None:
    from app.admin.next_steps import admin_steps
    from app.core.next_steps import register_next_steps

    register_next_steps("admin", admin_steps, order=20)


_register_next_steps()
