"""The privacy policy in force, and every earlier version."""

from flask import abort, current_app, render_template

from app.privacy import bp, services


def _policy_context() -> dict:
    config = current_app.config
    return {
        "controller": config["CONTROLLER_NAME"],
        "controller_address": config["CONTROLLER_ADDRESS"],
        "contact_email": config["CONTACT_EMAIL"],
        "dpo_email": config["DPO_EMAIL"],
        "portal": config["PORTAL_NAME"],
    }


@bp.route("/privacy")
def policy():
    """The policy in force today."""
    version = services.current_policy()
    if version is None:
        abort(404)
    return render_template("privacy/policy.html", version=version, is_current=True, **_policy_context())


@bp.route("/privacy/versions")
def policy_versions():
    """Every version, newest first, with what changed."""
    return render_template("privacy/versions.html", versions=services.all_versions(), current=services.current_policy())


@bp.route("/privacy/versions/<version>")
def policy_version(version: str):
    """One version as it was published."""
    found = services.find_version(version)
    if found is None:
        abort(404)
    current = services.current_policy()
    return render_template(
        "privacy/policy.html",
        version=found,
        is_current=current and current.id == found.id,
        **_policy_context(),
    )
