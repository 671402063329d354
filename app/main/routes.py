"""Home, dashboard and the language switch."""

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.models import Role
from app.core.i18n import languages, preferred_language
from app.core.security import safe_next
from app.extensions import db
from app.main import bp, root_bp


@root_bp.route("/")
def pick_language():
    """Send the visitor to their language: saved preference, then Accept-Language, then French."""
    return redirect(url_for("main.home", lang_code=preferred_language()))


@bp.route("/")
def home():
    """What the portal offers, and the way in."""
    return render_template("main/home.html")


@bp.route("/dashboard")
@login_required
def dashboard():
    """The member's starting point, with a card for each of their roles."""
    return render_template("main/dashboard.html", roles=current_user.role_set, Role=Role)


@bp.route("/language", methods=["POST"])
def switch_language():
    """Save a signed-in member's language, then show the same page in it."""
    chosen = request.form.get("language")
    target = request.form.get("next") or ""
    if chosen not in languages():
        return redirect(url_for("main.home"))
    if current_user.is_authenticated and current_user.locale != chosen:
        current_user.locale = chosen
        db.session.commit()
    return redirect(safe_next(target) or url_for("main.home", lang_code=chosen))
