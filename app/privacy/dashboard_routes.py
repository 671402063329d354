"""The privacy dashboard and the member's rights: consents, objections, restriction, export, requests, erasure."""

from dataclasses import dataclass

from flask import (
    Response,
    abort,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.auth import services as auth_services
from app.auth.permissions import get_owned_or_404
from app.core.audit import EventKind
from app.core.dateformat import DateTimeFormatter
from app.core.errors import found_or_404
from app.core.forms import commit_or_flash_refusal, commit_or_show_refusal, show_domain_error
from app.core.i18n import url_for_each
from app.core.ratelimit import form_kept_when_limited
from app.core.security import form_checks_csrf
from app.core.timeutil import utcnow
from app.core.values import ValueWriter, device_name
from app.extensions import db, limiter
from app.privacy import consents, erasure, export, holds, inventory, requests, services
from app.privacy.blueprint import bp
from app.privacy.dashboard_parts import FixedParts
from app.privacy.forms import (
    AcceptPolicyForm,
    ActionForm,
    ConsentForm,
    ErasureForm,
    ObjectionForm,
    PrivacyRequestForm,
    RestrictionForm,
)
from app.privacy.models import (
    ConsentEvent,
    ConsentPurpose,
    ConsentSource,
    Objection,
    ObjectionTopic,
    PrivacyRequest,
    RequestKind,
)


def _event_label(kind: str) -> str:
    try:
        return EventKind(kind).label
    except ValueError:
        return kind


def _label(kind: type, value: str) -> str:
    return kind(value).label


def _once_per_value(function):
    """`function` for one page, computed once per distinct arguments: the same labels come back on every row
    (50 sign-ins, 50 consent choices), and translating one costs a dozen calls."""
    found = {}

    def once(*arguments):
        if arguments not in found:
            found[arguments] = function(*arguments)
        return found[arguments]

    return once


#: How many consent choices the dashboard lists (the history has no end: the export holds all of it).
CONSENT_HISTORY_SHOWN = 50


#: How many of the latest views of the member's data the summary names.
RECENT_VIEWS = 3


@dataclass
class Summary:
    """The top of the dashboard, in a few lines: what we hold, who saw it lately, open requests, choices in force."""

    kinds: int
    records: int
    recent_views: list[dict]
    open_requests: list
    consents: list[str]
    objections: list[str]
    restricted: bool


def _summary(held: inventory.Inventory, consent_states: dict, objections: list, member_requests: list) -> Summary:
    holdings = [*held.holdings, *held.sponsor_holdings]
    filled = [holding for holding in holdings if holding.count or holding.values or holding.records]
    views = sorted(held.access_log or [], key=lambda row: str(row.get("when") or ""), reverse=True)
    return Summary(
        kinds=len(filled),
        records=sum(holding.count or 0 for holding in filled),
        recent_views=views[:RECENT_VIEWS],
        open_requests=[item for item in member_requests if item.is_open],
        consents=[purpose.label for purpose, state in consent_states.items() if state and state.is_granted],
        objections=[objection.topic_label for objection in objections if objection.is_active],
        restricted=bool(current_user.is_processing_restricted),
    )


def _render_dashboard(*, objection_form=None, status: int = 200):
    """The dashboard; `objection_form` when one comes back with errors."""
    user = current_user
    held = inventory.inventory(user)
    consent_states = consents.consent_states(user)
    objections = consents.objections_of(user)
    member_requests = requests.requests_of(user)
    return (
        render_template(
            "privacy/dashboard.html",
            inventory=held,
            summary=_summary(held, consent_states, objections, member_requests),
            legal_holds=holds.member_view(user),
            parts=FixedParts(),
            consent_states=consent_states,
            # The page lists the latest choices; the export holds them all. One more tells whether there are more.
            consent_history=consents.consent_history(user, limit=CONSENT_HISTORY_SHOWN + 1),
            consent_history_shown=CONSENT_HISTORY_SHOWN,
            objections=objections,
            requests=member_requests,
            open_sessions=auth_services.open_sessions(user),
            objection_form=objection_form,
            # Folded sections: the one whose form came back with errors is open.
            open_section="objections" if objection_form is not None else None,
            write_value=ValueWriter(),
            device_name=_once_per_value(device_name),
            # Every form's hidden tag is its CSRF token, the same for the whole session: rendered once.
            csrf_input_tag=get_template_attribute("macros/forms.html", "csrf_input")(),
            ConsentPurpose=ConsentPurpose,
            ConsentSource=ConsentSource,
            event_label=_once_per_value(_event_label),
            label=_once_per_value(_label),
            short_datetime=DateTimeFormatter("short"),
            url_for_each=url_for_each,
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
    if form.validate_on_submit() and commit_or_show_refusal(
        form,
        lambda: consents.object_to(current_user, ObjectionTopic(form.topic.data), form.reason.data or ""),
        services.PrivacyError,
    ):
        flash(_("Your objection is recorded and applies from now on."), "success")
        return redirect(url_for("privacy.dashboard", _anchor="objections"))
    return _render_dashboard(objection_form=form, status=400)


@bp.route("/privacy/objections/<public_id>/withdraw", methods=["POST"])
@login_required
def withdraw_objection(public_id: str):
    """Withdraw one of the member's own objections."""
    objection = get_owned_or_404(Objection, public_id)
    if ActionForm().validate_on_submit() and commit_or_flash_refusal(
        lambda: consents.withdraw_objection(current_user, objection), services.PrivacyError, rollback=False
    ):
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


@bp.route("/privacy/export", methods=["POST"])
@login_required
@limiter.limit(_export_limit)  # per member, whatever device or address (core.ratelimit)
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
@form_kept_when_limited
@limiter.limit(_request_limit, methods=["POST"])
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
            show_domain_error(form, error, rollback=False)
        else:
            job = erasure.start_erasure(current_user._get_current_object())
            db.session.commit()
            erasure.wipe_freed_pages()
            logout_user()
            session.clear()
            return redirect(url_for("privacy.erasure_status", public_id=job.public_id))
    kept = [holding for holding in inventory.inventory(current_user).holdings if holding.keeps_after_erasure]
    return render_template("privacy/erase.html", form=form, kept=kept, legal_holds=holds.member_view(current_user))


@bp.route("/privacy/erasure/<public_id>")
def erasure_status(public_id: str):
    """Where the member lands after erasure: done, or being finished after a failed step."""
    job = found_or_404(erasure.find_job(public_id))
    held = erasure.held_member(job)
    return render_template(
        "privacy/erasure_status.html", job=job, legal_holds=holds.member_view(held) if held is not None else []
    )


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
