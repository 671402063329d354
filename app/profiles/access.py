"""Who may see a candidate's profile, CV and photo, and why.

The owner always; an administrator; otherwise only someone with a ground that another feature
declares: an interviewer for a candidate whose request that interviewer accepted (simulations), a
client for a candidate it assigned a test to (assessments), unless the candidate's restriction of processing
or erasure takes that ground away (app/privacy/disclosure.py decides, through core.access_log.may_access).
Profiles know no other feature: those features register their grounds here when the app starts.
"""

from collections.abc import Callable

from app.auth.permissions import has_admin_powers
from app.core.access_log import AccessReason, may_access

#: Each ground answers, for a viewer and a profile owner, the reason the viewer may see the profile.
Ground = Callable[[object, object], AccessReason | None]
_grounds: list[Ground] = []


def register_ground(ground: Ground) -> Ground:
    if ground not in _grounds:
        _grounds.append(ground)
    return ground


def unregister_ground(ground: Ground) -> None:
    if ground in _grounds:
        _grounds.remove(ground)


def viewing_reason(viewer, owner) -> AccessReason | None:
    """Why `viewer` may see the owner's profile, or None when they may not (the owner needs no reason)."""
    if viewer is None or not viewer.is_authenticated or viewer.id == owner.id:
        return None
    if has_admin_powers(viewer):  # not before two-step verification, as on every admin page
        return AccessReason.ADMIN_REVIEW
    for ground in _grounds:
        reason = ground(viewer, owner)
        if reason is None:
            continue
        # The owner's restriction or erasure takes grounds away (privacy's rules, asked through the access log).
        if not may_access(owner.id, reason):
            continue
        return reason
    return None


def may_view(viewer, owner) -> bool:
    return (
        viewer is not None
        and viewer.is_authenticated
        and (viewer.id == owner.id or bool(viewing_reason(viewer, owner)))
    )
