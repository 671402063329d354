"""Operator pages. Every view needs an administrator who passed two-step verification."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from app.admin import services
from app.admin.blueprint import bp
from app.admin.forms import (
    ReinstateForm,
    RemoveRoleForm,
    RoleForm,
    SearchForm,
    SendAgainForm,
    SendAllAgainForm,
    SuspendForm,
)
from app.auth import services as auth_services
from app.auth.models import Role, User
from app.auth.permissions import admin_required
from app.core.audit import EventKind
from app.core.forms import commit_or_flash_refusal, flash_domain_error
from app.core.input_guard import page_argument
from app.core.security import form_checks_csrf
from app.extensions import db


@bp.route("/")
@admin_required
def members():
    """Find a member."""
    form = SearchForm(request.args)
    page = services.search_members(form.q.data or "", page=page_argument())
    return render_template("admin/members.html", form=form, page=page)


def _member_or_404(public_id: str) -> User:
    return db.first_or_404(select(User).where(User.public_id == public_id))


def _back_to_member(user: User):
    return redirect(url_for("admin.member", public_id=user.public_id))


@bp.route("/members/<public_id>")
@admin_required
def member(public_id: str):
    """One member: roles, status, recent security events."""
    user = _member_or_404(public_id)
    return _render_member(user)


def _render_member(user: User, *, role_form=None, suspend_form=None, status: int = 200):
    events = services.audit_events(user=user, page=1)
    return (
        render_template(
            "admin/member.html",
            member=user,
            role_form=role_form or RoleForm(),
            remove_form=RemoveRoleForm(),
            suspend_form=suspend_form or SuspendForm(),
            reinstate_form=ReinstateForm(),
            events=events.items,
            Role=Role,
        ),
        status,
    )


@bp.route("/members/<public_id>/roles", methods=["POST"])
@admin_required
@form_checks_csrf
def grant_role(public_id: str):
    """Grant a role."""
    user = _member_or_404(public_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _render_member(user, role_form=form, status=400)
    role = Role(form.role.data)
    if auth_services.grant_role(user, role, actor=current_user):
        db.session.commit()
        flash(_("%(name)s is now %(role)s.", name=user.full_name, role=role.label), "success")
    return _back_to_member(user)


@bp.route("/members/<public_id>/roles/<role>/remove", methods=["POST"])
@admin_required
def remove_role(public_id: str, role: str):
    """Remove a role."""
    user = _member_or_404(public_id)
    if role not in {item.value for item in Role}:
        abort(404)
    form = RemoveRoleForm()
    if not form.validate_on_submit():
        return _render_member(user, status=400)
    try:
        removed = auth_services.remove_role(user, Role(role), actor=current_user)
    except auth_services.AuthError as error:
        flash_domain_error(error, rollback=False)
    else:
        if removed:
            db.session.commit()
            flash(_("The role %(role)s was removed.", role=Role(role).label), "success")
    return _back_to_member(user)


@bp.route("/members/<public_id>/suspend", methods=["POST"])
@admin_required
@form_checks_csrf
def suspend(public_id: str):
    """Suspend an account: its sessions end and it cannot sign in; the member is told the reason."""
    user = _member_or_404(public_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        return _render_member(user, suspend_form=form, status=400)
    if commit_or_flash_refusal(
        lambda: auth_services.suspend_user(user, form.reason.data, actor=current_user),
        auth_services.AuthError,
        rollback=False,
    ):
        flash(_("The account is suspended."), "success")
    return _back_to_member(user)


@bp.route("/members/<public_id>/reinstate", methods=["POST"])
@admin_required
def reinstate(public_id: str):
    """Lift a suspension."""
    user = _member_or_404(public_id)
    if ReinstateForm().validate_on_submit():
        auth_services.reinstate_user(user, actor=current_user)
        db.session.commit()
        flash(_("The account is reinstated."), "success")
    return _back_to_member(user)


@bp.route("/audit")
@admin_required
def audit_log():
    """Security events, newest first, filtered by kind or member."""
    kind = request.args.get("kind") or None
    if kind and kind not in {item.value for item in EventKind}:
        kind = None
    member = None
    if request.args.get("member"):
        member = db.session.scalar(select(User).where(User.public_id == request.args["member"]))
    page = services.audit_events(kind=kind, user=member, page=page_argument())
    ids = {event.user_id for event in page.items} | {event.actor_id for event in page.items}
    return render_template(
        "admin/audit.html",
        page=page,
        kinds=list(EventKind),
        kind=kind,
        member=member,
        people=services.members_by_id({i for i in ids if i}),
    )


@bp.route("/mail")
@admin_required
def failed_mail():
    """E-mails given up after every attempt, with the last error, to send again once the cause is fixed."""
    page = services.failed_mail(page=page_argument())
    return render_template(
        "admin/mail.html",
        page=page,
        people=services.members_by_id({message.user_id for message in page.items if message.user_id}),
        send_again_form=SendAgainForm(),
        send_all_form=SendAllAgainForm(),
    )


@bp.route("/mail/<int:message_id>/send-again", methods=["POST"])
@admin_required
def send_mail_again(message_id: int):
    if SendAgainForm().validate_on_submit():
        if not services.send_failed_mail_again(message_id):
            abort(404)
        db.session.commit()
        flash(_("The e-mail is back in the queue."), "success")
    return redirect(url_for("admin.failed_mail"))


@bp.route("/mail/send-again", methods=["POST"])
@admin_required
def send_all_mail_again():
    if SendAllAgainForm().validate_on_submit():
        count = services.send_failed_mail_again()
        db.session.commit()
        flash(
            ngettext("%(num)d e-mail is back in the queue.", "%(num)d e-mails are back in the queue.", count), "success"
        )
    return redirect(url_for("admin.failed_mail"))
