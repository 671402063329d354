"""Sponsors: schools and employers that enrol their members, provide data about them and pay for their work."""

from flask import Blueprint

bp = Blueprint("sponsors", __name__, url_prefix="/<lang:lang_code>/sponsors")


def _register_correction_closing() -> None:
    """When our data-protection contact answers a member's correction request, the organisation's copy closes."""
    from app.privacy.models import RequestKind
    from app.privacy.requests import on_closing
    from app.sponsors.services import close_for_privacy_request

    on_closing(RequestKind.SPONSOR_DATA_CORRECTION, close_for_privacy_request)


_register_correction_closing()


def _register_next_steps() -> None:
    """The home page shows a sponsor admin the seats used, invitations pending and corrections to answer."""
    from app.core.next_steps import register_next_steps
    from app.sponsors.next_steps import sponsor_admin_steps

    register_next_steps("sponsor_admin", sponsor_admin_steps, order=10)


_register_next_steps()

from app.sponsors import routes  # noqa: E402,F401  (registers the views on bp)
