"""Applying for a role (any signed-in member) and reviewing applications (administrators with two-step)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.applications import services
from app.applications.blueprint import bp
from app.applications.forms import (
    AcceptApplicationForm,
    ClientApplicationForm,
    InterviewerApplicationForm,
    RefuseApplicationForm,
)
from app.applications.models import APPLICABLE_ROLES
from app.applications.services import ApplicationError
from app.auth.models import Role
from app.auth.permissions import admin_required
from app.core.errors import found_or_404
from app.core.forms import commit_or_show_refusal
from app.core.ratelimit import form_kept_when_limited
from app.core.security import form_checks_csrf
from app.extensions import limiter
from app.profiles.choices import CompanyType, Sector, language_name

#: Applications a member may send in a day: a refused one may be sent again, not a flood of them.
APPLICATION_LIMIT = "5 per day"


@bp.route("/apply/")
@login_required
def index():
    """The member's applications and what she may apply for."""
    return render_template(
        "applications/index.html",
        applications=services.applications_of(current_user),
        open_roles={role: services.why_not(current_user, role) for role in APPLICABLE_ROLES},
        Role=Role,
    )


def _apply(role: Role, form, submit, template: str):
    reason = services.why_not(current_user, role)
    if (
        reason is None
        and form.validate_on_submit()
        and commit_or_show_refusal(form, lambda: submit(form), ApplicationError)
    ):
        flash(_("Thank you! An administrator will review your application; you will receive an e-mail."), "success")
        return redirect(url_for("applications.index"))
    return render_template(template, form=form, blocked=reason), 400 if form.errors or form.form_errors else 200


@bp.route("/apply/interviewer", methods=["GET", "POST"])
@login_required
@form_kept_when_limited
@limiter.limit(APPLICATION_LIMIT, methods=["POST"])  # per member
@form_checks_csrf
def apply_interviewer():
    """Apply to run mock interviews: experience, sectors, kinds of company and languages."""

    def submit(form):
        services.apply_as_interviewer(
            current_user,
            experience=form.experience.data,
            sectors=form.sectors.data,
            company_types=form.company_types.data,
            languages=form.languages.data,
        )

    return _apply(Role.INTERVIEWER, InterviewerApplicationForm(), submit, "applications/interviewer.html")


@bp.route("/apply/client", methods=["GET", "POST"])
@login_required
@form_kept_when_limited
@limiter.limit(APPLICATION_LIMIT, methods=["POST"])  # per member
@form_checks_csrf
def apply_client():
    """Apply to assign tests to candidates for an organisation: its name, website, and why."""

    def submit(form):
        services.apply_as_client(
            current_user,
            organisation=form.organisation.data,
            website=form.website.data,
            motivation=form.motivation.data,
        )

    return _apply(Role.CLIENT, ClientApplicationForm(), submit, "applications/client.html")


# --- administrators ----------------------------------------------------------------------------------


@bp.route("/admin/applications/")
@admin_required
def review_queue():
    """Applications waiting for a decision, oldest first, and the latest decisions."""
    pending, decided = services.queue()
    return render_template("applications/admin_queue.html", pending=pending, decided=decided)


def _render_review(application, *, refuse_form=None, accept_form=None, status=200):
    locale = current_user.locale
    return render_template(
        "applications/admin_review.html",
        application=application,
        applicant=application.user,
        accept_form=accept_form or AcceptApplicationForm(),
        refuse_form=refuse_form or RefuseApplicationForm(),
        sector_labels=[Sector(code).label for code in application.sectors if code in Sector._value2member_map_],
        company_type_labels=[
            CompanyType(code).label for code in application.company_types if code in CompanyType._value2member_map_
        ],
        spoken_language_labels=[language_name(code, locale) for code in application.languages],
    ), status


@bp.route("/admin/applications/<public_id>")
@admin_required
def review(public_id: str):
    """One application, with the decision forms while it is pending."""
    return _render_review(found_or_404(services.find(public_id)))


@bp.route("/admin/applications/<public_id>/accept", methods=["POST"])
@admin_required
@form_checks_csrf
def accept(public_id: str):
    application = found_or_404(services.find(public_id))
    form = AcceptApplicationForm()
    if form.validate_on_submit() and commit_or_show_refusal(
        form, lambda: services.accept(application, current_user), ApplicationError
    ):
        flash(_("The application is accepted and the applicant is told."), "success")
        return redirect(url_for("applications.review_queue"))
    return _render_review(found_or_404(services.find(public_id)), accept_form=form, status=400)


@bp.route("/admin/applications/<public_id>/refuse", methods=["POST"])
@admin_required
@form_checks_csrf
def refuse(public_id: str):
    application = found_or_404(services.find(public_id))
    form = RefuseApplicationForm()
    if form.validate_on_submit() and commit_or_show_refusal(
        form, lambda: services.refuse(application, current_user, form.reason.data), ApplicationError
    ):
        flash(_("The application is refused and the applicant is told why."), "success")
        return redirect(url_for("applications.review_queue"))
    return _render_review(found_or_404(services.find(public_id)), refuse_form=form, status=400)
