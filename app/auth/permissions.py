"""Role and ownership checks that every feature uses on its routes."""

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.models import Role
from app.core.audit import EventKind, record_event
from app.extensions import db


def role_required(*roles: Role) -> Callable:
    """Signed in and holding one of `roles`; anyone else gets 403 (and the refusal is logged)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                refuse()
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by may_open, so that a link is shown only to who may follow it
        return wrapped

    return decorator


def may_open(user, endpoint: str) -> bool:
    """Whether `user` passes the role check of the view at `endpoint` (a view without one is open to members)."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    roles = getattr(view, "required_roles", None)
    return not roles or user.has_role(*roles)


def admin_required(view: Callable) -> Callable:
    """An administrator who has two-step verification on, in a session where it was checked."""

    @wraps(view)
    @role_required(Role.ADMIN)
    def wrapped(*args, **kwargs):
        if not has_admin_powers(current_user):
            flash(_("Administrators must use two-step verification. Turn it on to continue."), "warning")
            return redirect(url_for("auth.two_step_settings"))
        return view(*args, **kwargs)

    return wrapped


def has_admin_powers(user) -> bool:
    """An administrator whose session passed two-step verification: only then do admin rights apply."""
    session = user.current_session
    return user.is_admin and user.has_totp and session is not None and session.is_mfa_verified


def refuse(status: int = 403):
    """Log a refused access, keep the log row, and stop with `status`."""
    record_event(EventKind.ACCESS_REFUSED, user_id=current_user.id if current_user.is_authenticated else None)
    db.session.commit()
    abort(status)


def get_owned_or_404(model, public_id: str, owner_column: str = "user_id"):
    """The row with this public id if it belongs to the signed-in member; 404 otherwise, as if it did not exist."""
    row = db.session.scalar(
        select(model).where(model.public_id == public_id, getattr(model, owner_column) == current_user.id)
    )
    if row is None:
        abort(404)
    return row
