"""The sponsors blueprint: its views, the closing of a correction request, and the sponsor admins' next steps."""

from flask import Blueprint

from app.core.next_steps import register_next_steps
from app.privacy.models import RequestKind
from app.privacy.requests import on_closing
from app.sponsors.next_steps import sponsor_admin_steps
from app.sponsors.services import close_for_privacy_request

bp = Blueprint("sponsors", __name__, url_prefix="/<lang:lang_code>/sponsors")

# When our data-protection contact answers a member's correction request, the organisation's copy closes.
on_closing(RequestKind.SPONSOR_DATA_CORRECTION, close_for_privacy_request)

# The home page shows a sponsor admin the seats used, invitations pending and corrections to answer.
register_next_steps("sponsor_admin", sponsor_admin_steps, order=10)

from app.sponsors import routes  # noqa: E402,F401  (registers the views on bp)
