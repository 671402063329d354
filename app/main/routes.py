"""Home, dashboard and the language switch."""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.models import Role
from app.core.i18n import languages, preferred_language
from app.core.next_steps import next_steps
from app.core.security import safe_next
from app.extensions import db
from app.main.blueprint import bp, root_bp


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
    """The member's home page: for each of their roles, what to do next, each item one click from its page
    (every feature says what through core.next_steps)."""
    mine = current_user.role_set
    sections = [(role, next_steps(current_user, role.value)) for role in Role if role in mine]
    return render_template("main/dashboard.html", sections=sections, Role=Role)


#: The roles that have a help page (templates/main/help/<role>.html).
HELP_ROLES = tuple(role.value for role in Role)


@bp.route("/help/")
def help_index():
    """How the portal works, one page per role."""
    return render_template("main/help/index.html", roles=list(Role))


@bp.route("/help/<role>")
def help_page(role: str):
    """Help for one role: how matching works, what clients see, how to prepare, how to use each right."""
    if role not in HELP_ROLES:
        abort(404)
    return render_template(f"main/help/{role}.html", role=Role(role), roles=list(Role))


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
