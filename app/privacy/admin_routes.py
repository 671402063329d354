"""Privacy pages for administrators (the data-protection contact): requests, objections, erasure and
export runs, records of processing, policy versions. Every view needs an admin who passed two-step."""

from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.permissions import admin_required
from app.core import registry
from app.core.errors import found_or_404
from app.core.forms import commit_or_show_refusal, flash_domain_error, show_domain_error
from app.core.security import form_checks_csrf
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy import consents, erasure, holds, promises, requests, services
from app.privacy.blueprint import bp
from app.privacy.forms import ActionForm, HandleRequestForm, LegalHoldForm, PublishPolicyForm, ReviewObjectionForm
from app.privacy.models import ExportRun, Objection, RequestStatus, RunStatus

# --- privacy requests --------------------------------------------------------------------------------


@bp.route("/privacy/admin/requests")
@admin_required
def admin_requests():
    """The queue of privacy requests: open ones first, by due date; overdue ones stand out."""
    status = request.args.get("status") or None
    if status and status not in {item.value for item in RequestStatus}:
        status = None
    return render_template(
        "privacy/admin/requests.html",
        items=requests.request_queue(status),
        status=status,
        statuses=list(RequestStatus),
        today=utcnow().date(),
    )


@bp.route("/privacy/admin/requests/<public_id>", methods=["GET", "POST"])
@admin_required
def admin_request(public_id: str):
    """Handle one request: status, answer, extension; the member is told when it is answered."""
    item = found_or_404(requests.find_request(public_id))
    form = HandleRequestForm(obj=None if request.method == "POST" else item)
    if request.method == "GET":
        form.extend_months.data = 0
    if form.validate_on_submit():
        try:
            requests.handle_request(
                item,
                status=RequestStatus(form.status.data),
                outcome=form.outcome.data or "",
                handler=current_user,
                extend_months=form.extend_months.data or 0,
                extension_reason=form.extension_reason.data or "",
            )
        except services.PrivacyError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The request is updated."), "success")
            return redirect(url_for("privacy.admin_request", public_id=item.public_id))
    return _request_page(item, form, status=400 if request.method == "POST" else 200)


def _request_page(item, form, *, uphold_form=None, status: int = 200):
    """The handling page; a feature that can uphold this kind of request with a change adds its form."""
    upholding = requests.upholding_of(item)
    if upholding is not None and uphold_form is None:
        uphold_form = upholding[1]
    return (
        render_template(
            "privacy/admin/request.html",
            item=item,
            form=form,
            uphold_template=upholding[0].template if upholding else None,
            uphold_form=uphold_form,
            today=utcnow().date(),
        ),
        status,
    )


@bp.route("/privacy/admin/requests/<public_id>/uphold", methods=["POST"])
@admin_required
@form_checks_csrf
def uphold_request(public_id: str):
    """Uphold a request with the change its feature makes (a score corrected), and answer it."""
    item = found_or_404(requests.find_request(public_id))
    handler, form = found_or_404(requests.upholding_of(item))
    if form.validate_on_submit() and commit_or_show_refusal(
        form, lambda: handler.uphold(item, form, current_user), services.PrivacyError
    ):
        flash(_("The request is upheld and answered."), "success")
        return redirect(url_for("privacy.admin_request", public_id=item.public_id))
    # The handling form as on a first visit: what was posted belongs to the other form.
    handle_form = HandleRequestForm(formdata=None, obj=item)
    handle_form.extend_months.data = 0
    return _request_page(item, handle_form, uphold_form=form, status=400)


# --- objections --------------------------------------------------------------------------------------


@bp.route("/privacy/admin/objections")
@admin_required
def admin_objections():
    """Objections to legitimate-interest processing, in effect while they wait for review."""
    return render_template(
        "privacy/admin/objections.html", items=consents.objections_to_review(), form=ReviewObjectionForm()
    )


@bp.route("/privacy/admin/objections/<public_id>/review", methods=["POST"])
@admin_required
def review_objection(public_id: str):
    """Uphold an objection, or override it with compelling grounds told to the member."""
    objection = db.first_or_404(select(Objection).where(Objection.public_id == public_id))
    form = ReviewObjectionForm()
    if form.validate_on_submit():
        try:
            consents.review_objection(
                objection, upheld=form.decision.data == "uphold", note=form.note.data or "", reviewer=current_user
            )
        except services.PrivacyError as error:
            flash_domain_error(error, rollback=False)
        else:
            db.session.commit()
            flash(_("The objection is reviewed."), "success")
            return redirect(url_for("privacy.admin_objections"))
    return render_template("privacy/admin/objections.html", items=consents.objections_to_review(), form=form), 400


# --- erasure and export runs -------------------------------------------------------------------------


@bp.route("/privacy/admin/runs")
@admin_required
def admin_runs():
    """Erasures and exports that failed: they are retried, and never reported done before they are."""
    failed_exports = list(
        db.session.scalars(
            select(ExportRun).where(ExportRun.status != RunStatus.DONE.value).order_by(ExportRun.created_dt.desc())
        )
    )
    return render_template(
        "privacy/admin/runs.html",
        jobs=erasure.failed_jobs(),
        exports=failed_exports,
        form=ActionForm(),
    )


@bp.route("/privacy/admin/erasures/<public_id>/retry", methods=["POST"])
@admin_required
def retry_erasure(public_id: str):
    """Run the steps of a failed erasure again."""
    job = found_or_404(erasure.find_job(public_id))
    if job.status != RunStatus.DONE.value:
        done = erasure.run_erasure(job)
        db.session.commit()
        erasure.wipe_freed_pages()
        if done:
            flash(_("The erasure is complete."), "success")
        else:
            flash(_("A step failed again. It stays in the list."), "error")
    return redirect(url_for("privacy.admin_runs"))


# --- legal holds -------------------------------------------------------------------------------------


def _hold_form() -> LegalHoldForm:
    form = LegalHoldForm()
    form.scope.choices = [(entry.key, str(entry.category)) for entry in holds.holdable_entries()]
    return form


@bp.route("/privacy/admin/holds", methods=["GET", "POST"])
@admin_required
@form_checks_csrf
def admin_holds():
    """Place a legal hold on a member's data; the active holds, and the erasures that wait for them."""
    form = _hold_form()
    if form.validate_on_submit():
        try:
            hold = holds.place_hold(
                holds.find_member(form.email.data),
                reason=form.reason.data,
                scope=form.scope.data,
                until=form.until_date.data,
                admin=current_user,
            )
        except services.PrivacyError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            date = format_date(hold.until_date, "long")
            flash(_("The hold is placed. Erasure will keep this data until %(date)s.", date=date), "success")
            return redirect(url_for("privacy.admin_holds"))
    status = 400 if request.method == "POST" else 200
    active = holds.all_holds(active=True)
    return (
        render_template(
            "privacy/admin/holds.html",
            form=form,
            active=active,
            categories={hold.id: holds.scope_categories(hold) for hold in active},
            lifted=holds.all_holds(active=False),
            waiting={job.user_id for job in erasure.held_jobs()},
            action_form=ActionForm(),
        ),
        status,
    )


@bp.route("/privacy/admin/holds/<public_id>/lift", methods=["POST"])
@admin_required
def lift_hold(public_id: str):
    """Lift a hold; an erasure that waited for it finishes now."""
    hold = found_or_404(holds.find_hold(public_id))
    finished = holds.lift_hold(hold, admin=current_user)
    db.session.commit()
    erasure.wipe_freed_pages()
    if finished:
        flash(_("The hold is lifted, and the member's erasure is complete."), "success")
    else:
        flash(_("The hold is lifted."), "success")
    return redirect(url_for("privacy.admin_holds"))


# --- records of processing ---------------------------------------------------------------------------


@bp.route("/privacy/admin/records")
@admin_required
def records_of_processing():
    """The records of processing (GDPR art. 30), generated from the personal-data registry, with the data
    kept under legal holds."""
    active_holds = holds.all_holds(active=True)
    return render_template(
        "privacy/admin/records.html",
        entries=registry.entries(),
        active_holds=active_holds,
        hold_categories={hold.id: holds.scope_categories(hold) for hold in active_holds},
        not_personal=sorted(registry.not_personal().items()),
        **services.controller_context(),
    )


# --- policy versions ---------------------------------------------------------------------------------


def _policy_templates() -> list[tuple[str, str]]:
    folder = Path(current_app.root_path) / "templates" / "privacy" / "policies"
    return [(f"privacy/policies/{path.name}", path.stem) for path in sorted(folder.glob("*.html"))]


@bp.route("/privacy/admin/policies", methods=["GET", "POST"])
@admin_required
@form_checks_csrf
def admin_policies():
    """Every version, and publishing a new one (a material change is announced to members by e-mail)."""
    form = PublishPolicyForm()
    form.template.choices = _policy_templates()
    if form.validate_on_submit():
        try:
            version = services.publish_version(
                version=form.version.data,
                effective_date=form.effective_date.data,
                is_material=form.is_material.data,
                template=form.template.data,
                summary_en=form.summary_en.data,
                summary_fr=form.summary_fr.data,
            )
        except services.PrivacyError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Version %(version)s is published.", version=version.version), "success")
            return redirect(url_for("privacy.admin_policies"))
    status = 400 if request.method == "POST" else 200
    return render_template("privacy/admin/policies.html", form=form, versions=services.all_versions()), status


# --- the promise ledger ------------------------------------------------------------------------------


@bp.route("/privacy/admin/promises")
@admin_required
def admin_promises():
    """The last promise ledger: each promising clause of the policy, its tests and whether they passed."""
    from flask_babel import get_locale

    ledger = promises.read_ledger()
    return render_template(
        "privacy/admin/promises.html",
        ledger=ledger,
        rows=promises.ledger_rows(ledger),
        texts=promises.clause_texts(str(get_locale())),
    )
