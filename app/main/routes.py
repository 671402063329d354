"""Home, dashboard and the language switch."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
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


#: Under each role's next steps on the home page, its usual pages: (endpoint, text). Only the member's own
#: roles are linked (the template built all 20 links on every view, a tenth of the page's time).
SHORTCUTS = {
    Role.CANDIDATE: (
        ("profiles.profile", _l("My profile")),
        ("simulations.index", _l("My interviews")),
        ("simulations.new_request", _l("Ask for a mock interview")),
        ("assessments.index", _l("Practice tests")),
        ("sponsors.my_sponsors", _l("My sponsors")),
    ),
    Role.INTERVIEWER: (
        ("simulations.index", _l("Invitations and sessions")),
        ("profiles.interviewer_profile", _l("My interviewer profile")),
    ),
    Role.SPONSOR_ADMIN: (("sponsors.home", _l("My organisations")),),
    Role.CLIENT: (
        ("assessments.client_assignments", _l("Assignments and results")),
        ("assessments.assign", _l("Assign a test")),
        ("assessments.search", _l("Find candidates")),
    ),
    Role.TEST_AUTHOR: (("assessments.authoring_index", _l("My tests")), ("assessments.create_test", _l("New test"))),
    Role.ADMIN: (
        ("privacy.admin_requests", _l("Privacy requests")),
        ("admin.members", _l("Find a member")),
        ("admin.audit_log", _l("Audit log")),
        ("sponsors.manage_organisations", _l("Sponsors")),
        ("simulations.statistics", _l("Interview statistics")),
    ),
}


@bp.route("/dashboard")
@login_required
def dashboard():
    """The member's home page: for each of their roles, what to do next, each item one click from its page
    (every feature says what through core.next_steps), then its usual pages."""
    mine = current_user.role_set
    sections = [(role, next_steps(current_user, role.value), SHORTCUTS[role]) for role in Role if role in mine]
    return render_template("main/dashboard.html", sections=sections)


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
