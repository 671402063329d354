"""The privacy dashboard and the member's rights: consents, objections, restriction, export, requests, erasure."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.auth import services as auth_services
from app.auth.permissions import get_owned_or_404
from app.core.audit import EventKind
from app.core.security import form_checks_csrf
from app.core.timeutil import utcnow
from app.extensions import db, limiter
from app.privacy import bp, consents, erasure, export, inventory, requests, services
from app.privacy.forms import (
    AcceptPolicyForm,
    ActionForm,
    ConsentForm,
    ErasureForm,
    ObjectionForm,
    PrivacyRequestForm,
    RestrictionForm,
)
from app.privacy.models import ConsentEvent, ConsentPurpose, Objection, ObjectionTopic, PrivacyRequest, RequestKind


def _apply_error(form, error: services.PrivacyError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        form.form_errors.append(str(error.message))


def _event_label(kind: str) -> str:
    try:
        return EventKind(kind).label
    except ValueError:
        return kind


#: How many consent choices the dashboard lists (the history has no end: the export holds all of it).
CONSENT_HISTORY_SHOWN = 50


def _render_dashboard(*, objection_form=None, request_form=None, status: int = 200):
    user = current_user
    return (
        render_template(
            "privacy/dashboard.html",
            inventory=inventory.inventory(user),
            consent_states=consents.consent_states(user),
            # The page lists the latest choices; the export holds them all. One more tells whether there are more.
            consent_history=consents.consent_history(user, limit=CONSENT_HISTORY_SHOWN + 1),
            consent_history_shown=CONSENT_HISTORY_SHOWN,
            objections=consents.objections_of(user),
            requests=requests.requests_of(user),
            open_sessions=auth_services.open_sessions(user),
            consent_form=ConsentForm(),
            objection_form=objection_form or ObjectionForm(),
            request_form=request_form or PrivacyRequestForm(),
            action_form=ActionForm(),
            restriction_form=RestrictionForm(),
            ConsentPurpose=ConsentPurpose,
            event_label=_event_label,
            today=utcnow().date(),
        ),
        status,
    )


@bp.route("/privacy/dashboard")
@login_required
def dashboard():
    """Everything held about the member, what was done with it, and every right in one place."""
    return _render_dashboard()


# --- consents and objections -------------------------------------------------------------------------


@bp.route("/privacy/consents", methods=["POST"])
@login_required
@form_checks_csrf
def update_consents():
    """Grant or withdraw consents; each change is recorded and takes effect at once."""
    form = ConsentForm()
    if not form.validate_on_submit():
        abort(400)
    changed = consents.update_consents(current_user, form.chosen(request.form))
    db.session.commit()
    if changed:
        flash(_("Your choices are saved and apply from now on."), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("privacy.dashboard", _anchor="consents"))


@bp.route("/privacy/consents/<public_id>/receipt")
@login_required
def consent_receipt(public_id: str):
    """A receipt for one grant or withdrawal, as a text file."""
    event = get_owned_or_404(ConsentEvent, public_id)
    text = render_template(
        "privacy/consent_receipt.txt", event=event, user=current_user, **services.controller_context()
    )
    return Response(
        text,
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="consent-receipt-{event.public_id[:12]}.txt"'},
    )


@bp.route("/privacy/objections", methods=["POST"])
@login_required
@form_checks_csrf
def object_to():
    """Object to direct marketing (stops at once, without exception) or to a legitimate-interest processing."""
    form = ObjectionForm()
    if form.validate_on_submit():
        try:
            consents.object_to(current_user, ObjectionTopic(form.topic.data), form.reason.data or "")
        except services.PrivacyError as error:
            db.session.rollback()
            _apply_error(form, error)
        else:
            db.session.commit()
            flash(_("Your objection is recorded and applies from now on."), "success")
            return redirect(url_for("privacy.dashboard", _anchor="objections"))
    return _render_dashboard(objection_form=form, status=400)


@bp.route("/privacy/objections/<public_id>/withdraw", methods=["POST"])
@login_required
def withdraw_objection(public_id: str):
    """Withdraw one of the member's own objections."""
    objection = get_owned_or_404(Objection, public_id)
    if ActionForm().validate_on_submit():
        try:
            consents.withdraw_objection(current_user, objection)
        except services.PrivacyError as error:
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Your objection is withdrawn."), "success")
    return redirect(url_for("privacy.dashboard", _anchor="objections"))


# --- restriction -------------------------------------------------------------------------------------


@bp.route("/privacy/restriction", methods=["POST"])
@login_required
def restrict_processing():
    """Restrict processing: from now on the member's data is only stored."""
    if RestrictionForm().validate_on_submit() and services.restrict_processing(current_user):
        db.session.commit()
        flash(_("Processing of your data is restricted: we only store it until you lift the restriction."), "success")
    return redirect(url_for("privacy.dashboard", _anchor="restriction"))


@bp.route("/privacy/restriction/lift", methods=["POST"])
@login_required
def lift_restriction():
    """Lift the restriction of processing."""
    if RestrictionForm().validate_on_submit() and services.lift_restriction(current_user):
        db.session.commit()
        flash(_("The restriction is lifted."), "success")
    return redirect(url_for("privacy.dashboard", _anchor="restriction"))


# --- sessions ----------------------------------------------------------------------------------------


# --- export ------------------------------------------------------------------------------------------


def _export_limit():
    return current_app.config["EXPORT_LIMIT"]


def _member_key() -> str:
    """One budget per member, whatever device or address the exports come from."""
    return f"member:{getattr(current_user, 'id', None) or request.remote_addr}"


@bp.route("/privacy/export", methods=["POST"])
@login_required
@limiter.limit(_export_limit, key_func=_member_key)
def export_data():
    """Download everything held about the member as a ZIP (JSON, CSV, uploaded files, README)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        archive = export.build_export(current_user)
    except export.ExportFailed:
        db.session.commit()  # keep the failed run for the admins
        flash(
            _("We could not gather all your data just now. We were told and will fix it; please try again later."),
            "error",
        )
        return redirect(url_for("privacy.dashboard", _anchor="export"))
    db.session.commit()
    return Response(
        archive.data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{archive.filename}"'},
    )


# --- privacy requests --------------------------------------------------------------------------------


def _request_limit():
    return current_app.config["PRIVACY_REQUEST_LIMIT"]


@bp.route("/privacy/requests/new", methods=["GET", "POST"])
@login_required
@limiter.limit(_request_limit, methods=["POST"], key_func=_member_key)
@form_checks_csrf
def new_request():
    """Write to the data-protection contact: a request, a question or a complaint."""
    form = PrivacyRequestForm()
    if request.method == "GET":
        kind = request.args.get("kind")
        if kind in {item.value for item in RequestKind}:
            form.kind.data = kind
        about = request.args.get("about", "")[:100]
        if about and not form.subject.data:
            form.subject.data = about
    if form.validate_on_submit():
        item = requests.submit_request(current_user, RequestKind(form.kind.data), form.subject.data, form.message.data)
        db.session.commit()
        flash(
            _("Your request is received. We will answer by %(date)s at the latest.", date=_format_date(item.due_date)),
            "success",
        )
        return redirect(url_for("privacy.show_request", public_id=item.public_id))
    return render_template("privacy/request_new.html", form=form), 400 if request.method == "POST" else 200


def _format_date(value) -> str:
    from flask_babel import format_date

    return format_date(value, "long")


@bp.route("/privacy/requests/<public_id>")
@login_required
def show_request(public_id: str):
    """One of the member's requests, its status and our answer."""
    item = get_owned_or_404(PrivacyRequest, public_id)
    return render_template("privacy/request_show.html", item=item, today=utcnow().date())


# --- erasure -----------------------------------------------------------------------------------------


@bp.route("/privacy/erase", methods=["GET", "POST"])
@login_required
@form_checks_csrf
def erase_account():
    """Close the account: password confirmed, every session ends, the data is erased from the registry."""
    form = ErasureForm()
    if form.validate_on_submit():
        try:
            auth_services.check_current_password(current_user, form.current_password.data)
        except auth_services.AuthError as error:
            form.current_password.errors = [*form.current_password.errors, str(error.message)]
        else:
            job = erasure.start_erasure(current_user._get_current_object())
            db.session.commit()
            logout_user()
            session.clear()
            return redirect(url_for("privacy.erasure_status", public_id=job.public_id))
    kept = [holding for holding in inventory.inventory(current_user).holdings if holding.keeps_after_erasure]
    return render_template("privacy/erase.html", form=form, kept=kept)


@bp.route("/privacy/erasure/<public_id>")
def erasure_status(public_id: str):
    """Where the member lands after erasure: done, or being finished after a failed step."""
    job = erasure.find_job(public_id)
    if job is None:
        abort(404)
    return render_template("privacy/erasure_status.html", job=job)


# --- re-acceptance of a material change --------------------------------------------------------------


@bp.route("/privacy/accept", methods=["GET", "POST"])
@login_required
@form_checks_csrf
def accept_policy():
    """Review and accept the policy in force after a material change, or close the account instead."""
    version = services.acceptance_required(current_user)
    if version is None and request.method == "GET":
        return redirect(url_for("main.dashboard"))
    form = AcceptPolicyForm()
    if form.validate_on_submit():
        if version is not None:
            services.record_acceptance(current_user, version)
            db.session.commit()
            flash(
                _("Thank you: you accepted version %(version)s of the privacy policy.", version=version.version),
                "success",
            )
        return redirect(url_for("main.dashboard"))
    status = 400 if request.method == "POST" else 200
    version = version or services.current_policy()
    return render_template("privacy/accept.html", form=form, version=version, **services.controller_context()), status
