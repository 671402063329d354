"""Sponsor pages: operators set up organisations; sponsor admins enrol members and read aggregated figures;
invitees accept; members see their sponsors, leave them and ask for corrections.

Every object is loaded through the signed-in admin's organisations, so another sponsor's members, cohorts,
invitations, imports and figures answer 404.
"""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy import select

from app.auth import services as auth_services
from app.auth.models import Role
from app.auth.permissions import admin_required, role_required
from app.core.errors import found_or_404
from app.core.forms import commit_or_show_refusal, flash_domain_error, show_domain_error
from app.core.i18n import current_language
from app.core.security import form_checks_csrf
from app.core.timeutil import utcnow
from app.extensions import db, limiter
from app.privacy import services as privacy_services
from app.privacy.models import PrivacyRequest
from app.sponsors import csv_import, figures, services
from app.sponsors.blueprint import bp
from app.sponsors.forms import (
    ActionForm,
    CohortForm,
    CorrectionForm,
    ImportForm,
    InviteAdminForm,
    InviteMemberForm,
    JoinForm,
    MemberDataForm,
    OrganisationForm,
    RefuseCorrectionForm,
)
from app.sponsors.models import (
    EndReason,
    ImportBatch,
    InvitationRole,
    OrganisationKind,
    SponsorAdmin,
)


def _organisation_or_404(public_id: str):
    return found_or_404(services.administered_organisation(current_user, public_id))


def _limit(name: str, default: str):
    return lambda: current_app.config.get(name, default)


# --- operators: organisations ------------------------------------------------------------------------


def _settings(form: OrganisationForm) -> services.OrganisationSettings:
    return services.OrganisationSettings(
        name=form.name.data,
        kind=OrganisationKind(form.kind.data),
        default_locale=form.default_locale.data,
        seats=form.seats.data,
        simulation_allowance=form.simulation_allowance.data,
        practice_test_allowance=form.practice_test_allowance.data,
    )


@bp.route("/manage")
@admin_required
def manage_organisations():
    """Operators: every organisation, with its seats."""
    organisations = services.all_organisations()
    used = services.seats_used_by_organisation()
    return render_template("sponsors/manage/organisations.html", organisations=organisations, used=used)


@bp.route("/manage/new", methods=["GET", "POST"])
@admin_required
@form_checks_csrf
def new_organisation():
    """Operators: add a school or an employer."""
    form = OrganisationForm()
    if form.validate_on_submit():
        organisation = services.create_organisation(_settings(form), current_user)
        db.session.commit()
        flash(_("The organisation is created. Invite its first admin."), "success")
        return redirect(url_for("sponsors.edit_organisation", public_id=organisation.public_id))
    return render_template("sponsors/manage/edit.html", form=form, organisation=None), 400 if form.errors else 200


def _render_manage(organisation, *, form=None, invite_form=None, status=200):
    return (
        render_template(
            "sponsors/manage/edit.html",
            organisation=organisation,
            form=form or OrganisationForm(obj=organisation),
            invite_form=invite_form or InviteAdminForm(),
            admins=services.admins_of(organisation),
            invitations=services.invitations_of(organisation, InvitationRole.ADMIN),
            seats_used=services.seats_used(organisation),
            now=utcnow(),
        ),
        status,
    )


@bp.route("/manage/<public_id>", methods=["GET", "POST"])
@admin_required
@form_checks_csrf
def edit_organisation(public_id: str):
    """Operators: name, kind, language, seats and allowances; admins and their invitations."""
    organisation = found_or_404(services.find_organisation(public_id))
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit() and commit_or_show_refusal(
        form, lambda: services.update_organisation(organisation, _settings(form)), services.SponsorError
    ):
        flash(_("Saved."), "success")
        return redirect(url_for("sponsors.edit_organisation", public_id=organisation.public_id))
    if request.method == "POST":
        return _render_manage(organisation, form=form, status=400)
    return _render_manage(organisation, form=form)


def _invited_admin(organisation, form: InviteAdminForm) -> bool:
    """Send the invitation a valid form asks for (operators and the organisation's admins alike); False, with the
    refusal shown on the form, when it cannot be sent."""
    return commit_or_show_refusal(
        form,
        lambda: services.invite_admin(organisation, form.email.clean, form.locale.data or None, current_user),
        services.SponsorError,
    )


@bp.route("/manage/<public_id>/admins", methods=["POST"])
@admin_required
@form_checks_csrf
def invite_organisation_admin(public_id: str):
    """Operators: invite an admin for the organisation."""
    organisation = found_or_404(services.find_organisation(public_id))
    form = InviteAdminForm()
    if form.validate_on_submit() and _invited_admin(organisation, form):
        flash(_("The invitation is sent."), "success")
        return redirect(url_for("sponsors.edit_organisation", public_id=organisation.public_id))
    return _render_manage(organisation, invite_form=form, status=400)


# --- sponsor admins: the organisation's pages --------------------------------------------------------


@bp.route("/")
@role_required(Role.SPONSOR_ADMIN)
def home():
    """The organisations the admin manages (straight to it when there is one)."""
    organisations = services.organisations_of(current_user)
    if len(organisations) == 1:
        return redirect(url_for("sponsors.show_organisation", public_id=organisations[0].public_id))
    return render_template("sponsors/home.html", organisations=organisations)


@bp.route("/<public_id>")
@role_required(Role.SPONSOR_ADMIN)
def show_organisation(public_id: str):
    """Seats, invitations, allowance used, and figures by cohort (never about fewer than 5 members)."""
    organisation = _organisation_or_404(public_id)
    return render_template(
        "sponsors/organisation.html",
        organisation=organisation,
        seats_used=services.seats_used(organisation),
        pending=services.pending_invitation_count(organisation),
        consumption=services.consumption(organisation),
        figures=figures.cohort_figures(organisation),
        min_group=figures.MIN_GROUP,
        open_corrections=services.open_correction_count(organisation),
    )


@bp.route("/<public_id>/shared")
@role_required(Role.SPONSOR_ADMIN)
def shared_with_us(public_id: str):
    """Feedback and results that members chose to share with this organisation, and nothing else."""
    organisation = _organisation_or_404(public_id)
    return render_template("sponsors/shared.html", organisation=organisation, items=figures.shared_items(organisation))


@bp.route("/<public_id>/members")
@role_required(Role.SPONSOR_ADMIN)
def list_members(public_id: str):
    """Active members (a member who restricted processing is not listed), by cohort if asked."""
    organisation = _organisation_or_404(public_id)
    cohorts = services.cohorts_of(organisation)
    chosen = request.args.get("cohort", "")
    cohort = next((item for item in cohorts if item.public_id == chosen), None)
    return render_template(
        "sponsors/members.html",
        organisation=organisation,
        members=services.members_of(organisation, cohort),
        cohorts=cohorts,
        cohort=cohort,
        action_form=ActionForm(),
    )


def _member_form(enrolment, formdata=None) -> MemberDataForm:
    form = MemberDataForm(formdata=formdata, obj=None if formdata else enrolment)
    form.set_cohorts(services.cohorts_of(enrolment.organisation))
    if formdata is None:
        form.cohort.data = enrolment.cohort.public_id if enrolment.cohort else ""
    return form


def _cohort_id(organisation, public_id: str) -> int | None:
    if not public_id:
        return None
    return next((cohort.id for cohort in services.cohorts_of(organisation) if cohort.public_id == public_id), None)


@bp.route("/members/<public_id>/edit", methods=["GET", "POST"])
@role_required(Role.SPONSOR_ADMIN)
@form_checks_csrf
def edit_member(public_id: str):
    """Correct the data the organisation provided about a member."""
    enrolment = found_or_404(services.administered_enrolment(current_user, public_id))
    organisation = enrolment.organisation
    form = _member_form(enrolment, request.form if request.method == "POST" else None)
    # Saving answers the member's open correction requests: she is told what changed.
    open_corrections = services.open_corrections_of(enrolment)
    if request.method == "POST" and form.validate():
        try:
            changes = services.update_member_data(
                enrolment,
                services.MemberData(
                    email="",
                    first_name=form.first_name.data,
                    last_name=form.last_name.data,
                    cohort_id=_cohort_id(organisation, form.cohort.data),
                    grade=form.grade.data or "",
                    hierarchy_level=form.hierarchy_level.data or "",
                    recommendation=form.recommendation.data or "",
                ),
            )
            for correction in open_corrections:
                services.apply_correction(correction, changes, current_user)
        except services.SponsorError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            if open_corrections:
                flash(_("The member's data is corrected, and the member is told what changed."), "success")
                return redirect(url_for("sponsors.list_corrections", public_id=organisation.public_id))
            flash(_("The member's data is corrected."), "success")
            return redirect(url_for("sponsors.list_members", public_id=organisation.public_id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "sponsors/edit_member.html",
        form=form,
        enrolment=enrolment,
        organisation=organisation,
        open_corrections=open_corrections,
    ), status


@bp.route("/members/<public_id>/remove", methods=["POST"])
@role_required(Role.SPONSOR_ADMIN)
def remove_member(public_id: str):
    """End a member's enrolment: the seat is free; the data is kept for the retention period."""
    enrolment = found_or_404(services.administered_enrolment(current_user, public_id))
    if ActionForm().validate_on_submit():
        services.end_enrolment(enrolment, EndReason.REMOVED)
        db.session.commit()
        flash(_("The enrolment is ended and the seat is free."), "success")
    return redirect(url_for("sponsors.list_members", public_id=enrolment.organisation.public_id))


# --- invitations -------------------------------------------------------------------------------------


@bp.route("/<public_id>/invitations")
@role_required(Role.SPONSOR_ADMIN)
def list_invitations(public_id: str):
    """Invitations not accepted yet."""
    organisation = _organisation_or_404(public_id)
    return render_template(
        "sponsors/invitations.html",
        organisation=organisation,
        invitations=services.invitations_of(organisation),
        action_form=ActionForm(),
        now=utcnow(),
    )


@bp.route("/<public_id>/invitations/new", methods=["GET", "POST"])
@role_required(Role.SPONSOR_ADMIN)
@form_checks_csrf
def invite_member(public_id: str):
    """Invite one person by e-mail, with the data the organisation provides about them."""
    organisation = _organisation_or_404(public_id)
    form = InviteMemberForm()
    form.set_cohorts(services.cohorts_of(organisation))
    if form.validate_on_submit():
        data = services.MemberData(
            email=form.email.clean,
            first_name=form.first_name.data.strip(),
            last_name=form.last_name.data.strip(),
            cohort_id=_cohort_id(organisation, form.cohort.data),
            grade=(form.grade.data or "").strip(),
            hierarchy_level=(form.hierarchy_level.data or "").strip(),
            recommendation=(form.recommendation.data or "").strip(),
            locale=form.locale.data or None,
        )
        try:
            services.invite_member(organisation, data, current_user)
        except services.SponsorError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The invitation is sent to %(email)s.", email=data.email), "success")
            return redirect(url_for("sponsors.list_invitations", public_id=organisation.public_id))
    status = 400 if request.method == "POST" else 200
    return render_template("sponsors/invite_member.html", form=form, organisation=organisation), status


@bp.route("/invitations/<public_id>/resend", methods=["POST"])
@role_required(Role.SPONSOR_ADMIN)
def resend_invitation(public_id: str):
    """Send an invitation again with a new link and a new expiry date."""
    invitation = found_or_404(services.administered_invitation(current_user, public_id))
    if ActionForm().validate_on_submit():
        services.resend_invitation(invitation)
        db.session.commit()
        flash(_("The invitation is sent again to %(email)s.", email=invitation.email), "success")
    return redirect(_invitations_page(invitation))


@bp.route("/invitations/<public_id>/revoke", methods=["POST"])
@role_required(Role.SPONSOR_ADMIN)
def revoke_invitation(public_id: str):
    """Withdraw an invitation; its link stops working."""
    invitation = found_or_404(services.administered_invitation(current_user, public_id))
    target = _invitations_page(invitation)
    if ActionForm().validate_on_submit():
        services.revoke_invitation(invitation)
        db.session.commit()
        flash(_("The invitation is withdrawn."), "success")
    return redirect(target)


def _invitations_page(invitation) -> str:
    endpoint = "sponsors.list_admins" if invitation.is_admin_invitation else "sponsors.list_invitations"
    return url_for(endpoint, public_id=invitation.organisation.public_id)


# --- CSV import --------------------------------------------------------------------------------------


@bp.route("/<public_id>/import", methods=["GET", "POST"])
@role_required(Role.SPONSOR_ADMIN)
@limiter.limit(_limit("SPONSOR_IMPORT_LIMIT", "30 per hour"), methods=["POST"])
@form_checks_csrf
def import_members(public_id: str):
    """Upload a CSV file: every bad row is listed with its reasons; a good file goes to the preview."""
    organisation = _organisation_or_404(public_id)
    form = ImportForm()
    check = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(csv_import.MAX_BYTES + 1)
        try:
            text = csv_import.decode(data)
        except services.SponsorError as error:
            check = csv_import.ImportCheck(problems=[str(error.message)])
        else:
            check = csv_import.check_file(organisation, text)
            if check.is_valid:
                batch = ImportBatch(
                    organisation_id=organisation.id,
                    uploaded_by_id=current_user.id,
                    filename=(upload.filename or "")[:200],
                    content=text,
                    row_count=check.row_count,
                )
                db.session.add(batch)
                db.session.commit()
                return redirect(url_for("sponsors.preview_import", public_id=batch.public_id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "sponsors/import.html",
        form=form,
        organisation=organisation,
        check=check,
        free_seats=services.free_seats(organisation),
        expected=csv_import._expected(organisation),
    ), status


def _batch_or_404(public_id: str) -> ImportBatch:
    return db.first_or_404(
        select(ImportBatch)
        .join(SponsorAdmin, SponsorAdmin.organisation_id == ImportBatch.organisation_id)
        .where(ImportBatch.public_id == public_id, SponsorAdmin.user_id == current_user.id)
    )


@bp.route("/imports/<public_id>")
@role_required(Role.SPONSOR_ADMIN)
def preview_import(public_id: str):
    """The rows about to be invited, checked again; nothing is written until the admin confirms."""
    batch = _batch_or_404(public_id)
    check = csv_import.check_file(batch.organisation, batch.content)
    return render_template(
        "sponsors/preview_import.html",
        batch=batch,
        organisation=batch.organisation,
        check=check,
        action_form=ActionForm(),
        default_locale=batch.organisation.default_locale,
    )


@bp.route("/imports/<public_id>/commit", methods=["POST"])
@role_required(Role.SPONSOR_ADMIN)
def commit_import(public_id: str):
    """Invite every row of the checked file, or no one if anything changed since the preview."""
    batch = _batch_or_404(public_id)
    organisation = batch.organisation
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        count = csv_import.import_people(organisation, batch.content, current_user)
    except services.SponsorError as error:
        flash_domain_error(error)
        return redirect(url_for("sponsors.preview_import", public_id=batch.public_id))
    db.session.delete(batch)
    db.session.commit()
    flash(ngettext("%(num)d invitation is sent.", "%(num)d invitations are sent.", count), "success")
    return redirect(url_for("sponsors.list_invitations", public_id=organisation.public_id))


# --- cohorts -----------------------------------------------------------------------------------------


def _render_cohorts(organisation, form=None, status=200):
    return (
        render_template(
            "sponsors/cohorts.html",
            organisation=organisation,
            cohorts=services.cohorts_of(organisation),
            member_counts=services.member_counts_by_cohort(organisation),
            form=form or CohortForm(),
            action_form=ActionForm(),
        ),
        status,
    )


@bp.route("/<public_id>/cohorts")
@role_required(Role.SPONSOR_ADMIN)
def list_cohorts(public_id: str):
    """The organisation's cohorts."""
    return _render_cohorts(_organisation_or_404(public_id))


@bp.route("/<public_id>/cohorts", methods=["POST"])
@role_required(Role.SPONSOR_ADMIN)
@form_checks_csrf
def add_cohort(public_id: str):
    """Add a cohort (a class, a year, a department)."""
    organisation = _organisation_or_404(public_id)
    form = CohortForm()
    if form.validate_on_submit() and commit_or_show_refusal(
        form, lambda: services.add_cohort(organisation, form.name.data), services.SponsorError
    ):
        flash(_("The cohort is added."), "success")
        return redirect(url_for("sponsors.list_cohorts", public_id=organisation.public_id))
    return _render_cohorts(organisation, form, 400)


@bp.route("/cohorts/<public_id>/delete", methods=["POST"])
@role_required(Role.SPONSOR_ADMIN)
def delete_cohort(public_id: str):
    """Delete a cohort; its members stay, without a cohort."""
    cohort = found_or_404(services.administered_cohort(current_user, public_id))
    organisation = cohort.organisation
    if ActionForm().validate_on_submit():
        services.delete_cohort(cohort)
        db.session.commit()
        flash(_("The cohort is deleted; its members have no cohort now."), "success")
    return redirect(url_for("sponsors.list_cohorts", public_id=organisation.public_id))


# --- admins ------------------------------------------------------------------------------------------


def _render_admins(organisation, form=None, status=200):
    return (
        render_template(
            "sponsors/admins.html",
            organisation=organisation,
            admins=services.admins_of(organisation),
            invitations=services.invitations_of(organisation, InvitationRole.ADMIN),
            form=form or InviteAdminForm(),
            action_form=ActionForm(),
            now=utcnow(),
        ),
        status,
    )


@bp.route("/<public_id>/admins")
@role_required(Role.SPONSOR_ADMIN)
def list_admins(public_id: str):
    """Who manages the organisation, and the admin invitations not accepted yet."""
    return _render_admins(_organisation_or_404(public_id))


@bp.route("/<public_id>/admins", methods=["POST"])
@role_required(Role.SPONSOR_ADMIN)
@form_checks_csrf
def invite_admin(public_id: str):
    """Invite another admin for the organisation."""
    organisation = _organisation_or_404(public_id)
    form = InviteAdminForm()
    if form.validate_on_submit() and _invited_admin(organisation, form):
        flash(_("The invitation is sent."), "success")
        return redirect(url_for("sponsors.list_admins", public_id=organisation.public_id))
    return _render_admins(organisation, form, 400)


# --- correction requests -----------------------------------------------------------------------------


def _render_corrections(organisation, *, failed=None, status=200):
    """The requests; `failed`: the (request, refusal form) that came back with an error."""
    return (
        render_template(
            "sponsors/corrections.html",
            organisation=organisation,
            corrections=services.corrections_of(organisation),
            refuse_form=RefuseCorrectionForm(formdata=None),
            failed=failed,
            field_label=services.provided_field_label,
        ),
        status,
    )


@bp.route("/<public_id>/corrections")
@role_required(Role.SPONSOR_ADMIN)
def list_corrections(public_id: str):
    """Members' requests to correct the data the organisation provided: correct the data, or refuse and say why."""
    return _render_corrections(_organisation_or_404(public_id))


@bp.route("/corrections/<public_id>/refuse", methods=["POST"])
@role_required(Role.SPONSOR_ADMIN)
@form_checks_csrf
def refuse_correction(public_id: str):
    """Refuse a correction request, with the reason the member reads."""
    correction = found_or_404(services.administered_correction(current_user, public_id))
    organisation = correction.enrolment.organisation
    form = RefuseCorrectionForm()
    if form.validate_on_submit():
        try:
            services.refuse_correction(correction, form.reason.data, current_user)
        except services.SponsorError as error:
            if error.field is None:  # already answered (a replayed form): nothing of the form to show again
                flash_domain_error(error)
                return redirect(url_for("sponsors.list_corrections", public_id=organisation.public_id))
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The request is refused, and the member is told why."), "success")
            return redirect(url_for("sponsors.list_corrections", public_id=organisation.public_id))
    return _render_corrections(organisation, failed=(correction.public_id, form), status=400)


# --- invitees ----------------------------------------------------------------------------------------


def _render_invitation(invitation, token: str, *, form=None, status=200):
    existing = None if current_user.is_authenticated else auth_services.find_user_by_email(invitation.email)
    if form is None and not current_user.is_authenticated and existing is None:
        form = JoinForm(first_name=invitation.first_name, last_name=invitation.last_name)
    return (
        render_template(
            "sponsors/invitation.html",
            invitation=invitation,
            organisation=invitation.organisation,
            token=token,
            form=form,
            has_account=existing is not None,
            action_form=ActionForm(),
            policy=privacy_services.current_policy(),
        ),
        status,
    )


def _usable_invitation(token: str):
    """The invitation, or the page that explains why the link does not work."""
    try:
        return services.check_usable(services.find_invitation(token)), None
    except services.SponsorError as error:
        return None, (render_template("sponsors/link_problem.html", message=error.message), 400)


@bp.route("/join/<token>")
def show_invitation(token: str):
    """What the organisation offers and what it told us; accept with this account, or create one."""
    invitation, problem = _usable_invitation(token)
    if problem:
        return problem
    return _render_invitation(invitation, token)


def _accepted(result) -> str:
    if isinstance(result, SponsorAdmin):
        flash(_("You now manage %(organisation)s.", organisation=result.organisation.name), "success")
        return url_for("sponsors.show_organisation", public_id=result.organisation.public_id)
    flash(_("Welcome! %(organisation)s sponsors you from now on.", organisation=result.organisation.name), "success")
    return url_for("sponsors.my_sponsors")


@bp.route("/join/<token>", methods=["POST"])
@login_required
def accept_invitation(token: str):
    """Accept with the signed-in account (it must have the invited address); a seat is taken now."""
    invitation, problem = _usable_invitation(token)
    if problem:
        return problem
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        result = services.accept_invitation(invitation, current_user)
    except services.SponsorError as error:
        flash_domain_error(error)
        return redirect(url_for("sponsors.show_invitation", token=token))
    db.session.commit()
    return redirect(_accepted(result))


@bp.route("/join/<token>/account", methods=["POST"])
@limiter.limit(_limit("REGISTRATION_LIMIT", "10 per hour"))
@form_checks_csrf
def join_with_new_account(token: str):
    """Create an account with the invited address and accept at once; the member is signed in."""
    invitation, problem = _usable_invitation(token)
    if problem:
        return problem
    if current_user.is_authenticated:
        return redirect(url_for("sponsors.show_invitation", token=token))
    form = JoinForm()
    form.email = invitation.email
    if not form.validate_on_submit():
        return _render_invitation(invitation, token, form=form, status=400)
    try:
        user = services.create_account(
            invitation,
            first_name=form.first_name.data,
            last_name=form.last_name.data,
            password=form.password.data,
            locale=current_language(),
        )
        privacy_services.record_acceptance(user, privacy_services.current_policy())
    except services.SponsorError as error:
        flash_domain_error(error)
        return redirect(url_for("sponsors.show_invitation", token=token))
    db.session.flush()
    result = error_message = None
    try:
        with db.session.begin_nested():
            result = services.accept_invitation(invitation, user)
    except services.SponsorError as error:
        error_message = str(error.message)
    db.session.commit()
    _sign_in(user)
    if result is None:
        flash(error_message, "error")
        return redirect(url_for("sponsors.show_invitation", token=token))
    return redirect(_accepted(result))


def _sign_in(user) -> None:
    """A fresh session for the new account, as app.auth's sign-in does."""
    session.clear()
    auth_services.start_session(user, remember=False, mfa_verified=False)
    db.session.commit()
    login_user(user)


# --- members -----------------------------------------------------------------------------------------


def _render_mine():
    return render_template(
        "sponsors/mine.html",
        enrolments=services.enrolments_of(current_user),
        retention=services.data_retention(),
        action_form=ActionForm(),
    )


@bp.route("/mine")
@login_required
def my_sponsors():
    """The organisations that sponsor the member, what each provided and when; leave or ask for a correction."""
    return _render_mine()


@bp.route("/mine/<public_id>/leave", methods=["POST"])
@login_required
def leave_sponsor(public_id: str):
    """Leave a sponsor: the seat is freed; the data it provided is kept for the retention period."""
    enrolment = found_or_404(services.own_enrolment(current_user, public_id))
    if ActionForm().validate_on_submit() and enrolment.is_active:
        services.end_enrolment(enrolment, EndReason.LEFT)
        db.session.commit()
        flash(_("You left %(organisation)s.", organisation=enrolment.organisation.name), "success")
    return redirect(url_for("sponsors.my_sponsors"))


@bp.route("/mine/<public_id>/correction", methods=["GET", "POST"])
@login_required
@form_checks_csrf
def request_correction(public_id: str):
    """Ask for a correction: the organisation's admins and our data-protection contact both receive it."""
    enrolment = found_or_404(services.own_enrolment(current_user, public_id))
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            correction = services.request_correction(enrolment, form.message.data)
        except services.SponsorError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            due = correction_due_date(correction)
            flash(
                _(
                    "Your request is sent to %(organisation)s and to our data-protection contact. "
                    "We will answer by %(date)s at the latest.",
                    organisation=enrolment.organisation.name,
                    date=format_date(due, "long") if due else "",
                ),
                "success",
            )
            return redirect(url_for("sponsors.my_sponsors"))
    status = 400 if request.method == "POST" else 200
    return render_template("sponsors/correction.html", form=form, enrolment=enrolment), status


def correction_due_date(correction):
    if correction.privacy_request_id is None:
        return None
    request_row = db.session.get(PrivacyRequest, correction.privacy_request_id)
    return request_row.due_date if request_row else None
