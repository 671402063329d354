"""The privacy policy in force and every earlier version; one-click unsubscribe, which needs no sign-in."""

from flask import render_template, request

from app.core.errors import found_or_404
from app.core.security import token_authorises
from app.extensions import db
from app.privacy import consents, services
from app.privacy.blueprint import bp


@bp.route("/privacy")
def policy():
    """The policy in force today."""
    version = found_or_404(services.current_policy())
    return render_template("privacy/policy.html", version=version, is_current=True, **services.controller_context())


@bp.route("/privacy/versions")
def policy_versions():
    """Every version, newest first, with what changed."""
    return render_template(
        "privacy/versions.html",
        versions=services.all_versions(),
        current=services.current_policy(),
        upcoming=services.upcoming_material_change(),
    )


@bp.route("/privacy/versions/<version>")
def policy_version(version: str):
    """One version as it was published."""
    found = found_or_404(services.find_version(version))
    current = services.current_policy()
    return render_template(
        "privacy/policy.html",
        version=found,
        is_current=current and current.id == found.id,
        **services.controller_context(),
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@token_authorises
def unsubscribe(token: str):
    """Unsubscribe from one kind of e-mail without signing in.

    GET shows a button (a link scanner must not unsubscribe anyone); POST unsubscribes, whether it comes
    from that button or from a mail program's one-click button (RFC 8058: `List-Unsubscribe=One-Click`).
    """
    try:
        user, purpose = consents.read_unsubscribe_token(token)
    except services.PrivacyError as error:
        return render_template("privacy/unsubscribe.html", problem=error.message), 400
    if request.method == "POST":
        consents.unsubscribe(user, purpose)
        db.session.commit()
        return render_template("privacy/unsubscribe.html", done=True, purpose=purpose)
    return render_template("privacy/unsubscribe.html", purpose=purpose, token=token)
