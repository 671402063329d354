"""The privacy blueprint: its views, the re-acceptance of a material change, the banners, the access check
on every view of another member's data, and the operators' next steps."""

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from app.core.next_steps import register_next_steps
from app.privacy import services
from app.privacy.disclosure import register_access_check
from app.privacy.next_steps import admin_steps
from app.privacy.policy_text import policy_text

bp = Blueprint("privacy", __name__, url_prefix="/<lang:lang_code>")

#: Pages a member who must accept a new policy version may still use (besides every privacy page).
_OPEN_WHILE_ACCEPTING = frozenset({"static", "auth.logout", "main.switch_language", "main.pick_language", "main.home"})


@bp.before_app_request
def _require_policy_acceptance():
    """After a material change takes effect, a member reviews and accepts it at their next visit (or leaves)."""
    endpoint = request.endpoint or ""
    if endpoint in _OPEN_WHILE_ACCEPTING or endpoint.startswith("privacy."):
        return None
    if not current_user.is_authenticated:
        return None
    if services.acceptance_required(current_user) is not None:
        return redirect(url_for("privacy.accept_policy"))
    return None


@bp.app_context_processor
def _privacy_banners() -> dict:
    """The notice of a material change before it takes effect, shown to signed-in members on every page."""

    def upcoming_policy():
        if not current_user.is_authenticated:
            return None
        return services.upcoming_material_change()

    return {"upcoming_policy": upcoming_policy, "policy_text": policy_text}


from app.privacy import admin_routes, dashboard_routes, routes  # noqa: E402,F401  (registers the views on bp)

# Every view of another member's data (core.access_log.record_access) asks the restriction and erasure rules.
register_access_check()

# The home page shows operators the privacy requests and contests by due date and the erasures to retry.
register_next_steps("admin", admin_steps, order=10)
