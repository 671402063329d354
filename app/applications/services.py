"""Applying for a role, and an administrator's decision. Services flush, never commit; e-mails leave after
the view's commit (the outbox is in the same transaction)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.applications.models import ApplicationStatus, RoleApplication
from app.auth import services as auth_services
from app.auth.models import Role, User
from app.core.errors import DomainError
from app.core.mail import absolute_url, queue_member_email
from app.core.timeutil import utcnow
from app.extensions import db
from app.profiles import services as profile_services

#: Decided applications the review page lists under the queue.
RECENT_DECISIONS = 50


class ApplicationError(DomainError):
    """A refusal about a role application."""


def applications_of(user: User) -> list[RoleApplication]:
    return list(
        db.session.scalars(
            select(RoleApplication)
            .where(RoleApplication.user_id == user.id)
            .order_by(RoleApplication.created_dt.desc(), RoleApplication.id.desc())
        )
    )


def pending_application(user: User, role: Role) -> RoleApplication | None:
    return db.session.scalar(
        select(RoleApplication).where(
            RoleApplication.user_id == user.id,
            RoleApplication.role == role.value,
            RoleApplication.status == ApplicationStatus.PENDING.value,
        )
    )


def why_not(user: User, role: Role):
    """Why `user` cannot apply for `role` now (a lazy message), or None."""
    if user.has_role(role):
        return _l("You already have this role.")
    if pending_application(user, role) is not None:
        return _l("Your application is being reviewed: you will receive an e-mail with the answer.")
    return None


def _check(user: User, role: Role) -> None:
    reason = why_not(user, role)
    if reason is not None:
        raise ApplicationError(reason)


def apply_as_interviewer(
    user: User, *, experience: str, sectors: list[str], company_types: list[str], languages: list[str]
) -> RoleApplication:
    _check(user, Role.INTERVIEWER)
    application = RoleApplication(
        user_id=user.id,
        role=Role.INTERVIEWER.value,
        experience=experience.strip(),
        sectors=list(sectors),
        company_types=list(company_types),
        languages=list(languages),
    )
    db.session.add(application)
    db.session.flush()
    return application


def apply_as_client(user: User, *, organisation: str, website: str, motivation: str) -> RoleApplication:
    _check(user, Role.CLIENT)
    application = RoleApplication(
        user_id=user.id,
        role=Role.CLIENT.value,
        organisation=organisation.strip(),
        website=website.strip(),
        motivation=motivation.strip(),
    )
    db.session.add(application)
    db.session.flush()
    return application


# --- the administrators' review ----------------------------------------------------------------------


def find(public_id: str) -> RoleApplication | None:
    return db.session.scalar(select(RoleApplication).where(RoleApplication.public_id == public_id))


def queue() -> tuple[list[RoleApplication], list[RoleApplication]]:
    """Pending applications, oldest first; then the latest decisions."""
    pending = db.session.scalars(
        select(RoleApplication)
        .where(RoleApplication.status == ApplicationStatus.PENDING.value)
        .order_by(RoleApplication.created_dt, RoleApplication.id)
    )
    decided = db.session.scalars(
        select(RoleApplication)
        .where(RoleApplication.status != ApplicationStatus.PENDING.value)
        .order_by(RoleApplication.decided_dt.desc(), RoleApplication.id.desc())
        .limit(RECENT_DECISIONS)
    )
    return list(pending), list(decided)


def _require_pending(application: RoleApplication) -> None:
    if application.status != ApplicationStatus.PENDING:
        raise ApplicationError(_l("This application has already been decided."))


def accept(application: RoleApplication, admin: User) -> None:
    """Grant the role; an interviewer's profile starts with what the application said (not yet accepting)."""
    _require_pending(application)
    user = application.user
    role = Role(application.role)
    auth_services.grant_role(user, role, actor=admin)
    if role == Role.INTERVIEWER:
        profile = profile_services.interviewer_profile(user)
        profile.bio = profile.bio or application.experience
        profile.sectors = list(application.sectors)
        profile.company_types = list(application.company_types)
        profile.languages = list(application.languages)
    application.status = ApplicationStatus.ACCEPTED.value
    application.decided_dt = utcnow()
    application.decided_by_id = admin.id
    db.session.flush()
    next_page = "profiles.interviewer_profile" if role == Role.INTERVIEWER else "assessments.client_assignments"
    _mail(application, "applications/email/accepted", _l("Your application is accepted"), next_page)


def refuse(application: RoleApplication, admin: User, reason: str) -> None:
    _require_pending(application)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_l("Say why: the applicant will read it."), "reason")
    application.status = ApplicationStatus.REFUSED.value
    application.refusal_reason = reason
    application.decided_dt = utcnow()
    application.decided_by_id = admin.id
    db.session.flush()
    _mail(application, "applications/email/refused", _l("Your application was not accepted"), "applications.index")


def _mail(application: RoleApplication, template: str, subject, endpoint: str) -> None:
    user = application.user
    if not user.email:
        return
    queue_member_email(
        user,
        template,
        subject,
        application=application,
        role_code=application.role,
        link=absolute_url(endpoint, lang_code=user.locale),
    )
