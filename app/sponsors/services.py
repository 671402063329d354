"""Sponsors: organisations, admins, cohorts, invitations, enrolments, the allowance seats pay for, corrections.

Services flush but never commit, and never touch `request` or `flash`; they raise SponsorError with a lazy
message that the views show next to the field.

Other features call:
- `charge_sponsor(user, kind)` when a member uses work a sponsor may pay for ("simulation" when a candidate
  submits an interview request, "practice_test" when one starts a practice test): it records the use against
  the member's active sponsorship and returns the Usage row, or None when no sponsor pays (no sponsorship, or
  the allowance for that kind is used up): the member then pays or uses the free tier;
- `active_sponsorship(user)`: the member's oldest active enrolment, or None;
- `app.sponsors.figures.register_metric(...)` to add their counts (completed interviews, completed tests) to
  the figures sponsors see, by cohort and never about fewer than 5 members.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from app.auth.models import Role, User, UserRole
from app.auth.passwords import hash_password
from app.auth.services import find_user_by_email, grant_role, remove_role
from app.core.audit import EventKind, record_event
from app.core.errors import DomainError
from app.core.mail import absolute_url, queue_member_email, render_email
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.disclosure import Recipient, disclosed_to
from app.privacy.models import PrivacyRequest, RequestKind, RequestStatus
from app.privacy.requests import handle_request, submit_request
from app.sponsors.models import (
    Cohort,
    CorrectionRequest,
    CorrectionStatus,
    EndReason,
    Enrolment,
    ImportBatch,
    Invitation,
    InvitationRole,
    Organisation,
    OrganisationKind,
    SponsorAdmin,
    Usage,
    UsageKind,
)

#: Defaults for the settings an instance may override in its configuration.
DEFAULT_DATA_RETENTION = timedelta(days=365)
DEFAULT_INVITATION_MAX_AGE = timedelta(days=30)
#: An expired invitation is kept this long so the admin can send it again, then deleted.
EXPIRED_INVITATION_GRACE = timedelta(days=30)
LOCALES = ("fr", "en")


class SponsorError(DomainError):
    """A sponsor-side refusal (organisations, invitations, corrections, imports)."""


def data_retention() -> timedelta:
    """How long sponsor-provided data is kept after the enrolment ends (SPONSOR_DATA_RETENTION)."""
    return current_app.config.get("SPONSOR_DATA_RETENTION") or DEFAULT_DATA_RETENTION


def invitation_max_age() -> timedelta:
    return current_app.config.get("SPONSOR_INVITATION_MAX_AGE") or DEFAULT_INVITATION_MAX_AGE


# --- organisations and their admins ------------------------------------------------------------------


@dataclass
class OrganisationSettings:
    name: str
    kind: OrganisationKind
    default_locale: str
    seats: int
    simulation_allowance: int | None
    practice_test_allowance: int | None


def create_organisation(settings: OrganisationSettings, actor: User) -> Organisation:
    """A new school or employer (an operator's action)."""
    organisation = Organisation(created_by_id=actor.id, kind=settings.kind.value)
    _apply_settings(organisation, settings)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def update_organisation(organisation: Organisation, settings: OrganisationSettings) -> None:
    """Change the name, language, seats or allowances; seats cannot drop below those taken."""
    _lock(organisation)  # an acceptance taking a seat meanwhile waits for this commit, or is counted here
    used = seats_used(organisation)
    if settings.seats < used:
        raise SponsorError(
            _l("%(count)d seats are taken: the organisation needs at least that many.", count=used), "seats"
        )
    _apply_settings(organisation, settings)


def _apply_settings(organisation: Organisation, settings: OrganisationSettings) -> None:
    organisation.name = settings.name.strip()
    organisation.kind = settings.kind.value
    organisation.default_locale = settings.default_locale
    organisation.seats = settings.seats
    organisation.simulation_allowance = settings.simulation_allowance
    organisation.practice_test_allowance = settings.practice_test_allowance


def all_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def find_organisation(public_id: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.public_id == public_id))


def organisations_of(user: User) -> list[Organisation]:
    """The organisations this member administers."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(SponsorAdmin, SponsorAdmin.organisation_id == Organisation.id)
            .where(SponsorAdmin.user_id == user.id)
            .order_by(Organisation.name)
        )
    )


def administered_organisation(user: User, public_id: str) -> Organisation | None:
    """The organisation with this public id if `user` is one of its admins; None otherwise."""
    return db.session.scalar(
        select(Organisation)
        .join(SponsorAdmin, SponsorAdmin.organisation_id == Organisation.id)
        .where(Organisation.public_id == public_id, SponsorAdmin.user_id == user.id)
    )


def _administered(model, user: User, public_id: str):
    """The row of `model` with this public id if it belongs to an organisation `user` administers; None otherwise."""
    return db.session.scalar(
        select(model)
        .join(SponsorAdmin, SponsorAdmin.organisation_id == model.organisation_id)
        .where(model.public_id == public_id, SponsorAdmin.user_id == user.id)
    )


def is_admin_of(user: User, organisation_id: int) -> bool:
    return (
        db.session.scalar(
            select(SponsorAdmin.id).where(
                SponsorAdmin.organisation_id == organisation_id, SponsorAdmin.user_id == user.id
            )
        )
        is not None
    )


def admins_of(organisation: Organisation) -> list[SponsorAdmin]:
    return list(
        db.session.scalars(
            select(SponsorAdmin)
            .join(User, User.id == SponsorAdmin.user_id)
            .where(SponsorAdmin.organisation_id == organisation.id)
            .order_by(User.last_name, User.first_name)
        )
    )


def add_admin(organisation: Organisation, user: User, actor: User | None) -> SponsorAdmin:
    """Make `user` an admin of the organisation (and give them the sponsor-admin role)."""
    existing = db.session.scalar(
        select(SponsorAdmin).where(SponsorAdmin.organisation_id == organisation.id, SponsorAdmin.user_id == user.id)
    )
    if existing is not None:
        return existing
    link = SponsorAdmin(organisation_id=organisation.id, user_id=user.id, added_by_id=actor.id if actor else None)
    db.session.add(link)
    grant_role(user, Role.SPONSOR_ADMIN, actor=actor)
    db.session.flush()
    return link


def remove_admin(link: SponsorAdmin, actor: User) -> None:
    """Remove an admin; the last one stays, so that someone can always manage the seats."""
    count = db.session.scalar(
        select(func.count(SponsorAdmin.id)).where(SponsorAdmin.organisation_id == link.organisation_id)
    )
    if count <= 1:
        raise SponsorError(_l("An organisation keeps at least one admin. Invite another one first."))
    user = link.user
    db.session.delete(link)
    db.session.flush()
    if not db.session.scalar(select(SponsorAdmin.id).where(SponsorAdmin.user_id == user.id).limit(1)):
        remove_role(user, Role.SPONSOR_ADMIN, actor=actor)


# --- cohorts -----------------------------------------------------------------------------------------


def cohorts_of(organisation: Organisation) -> list[Cohort]:
    return list(
        db.session.scalars(select(Cohort).where(Cohort.organisation_id == organisation.id).order_by(Cohort.name))
    )


def add_cohort(organisation: Organisation, name: str) -> Cohort:
    name = " ".join(name.split())
    if not name:
        raise SponsorError(_l("This field is required."), "name")
    taken = db.session.scalar(
        select(Cohort.id).where(Cohort.organisation_id == organisation.id, func.lower(Cohort.name) == name.lower())
    )
    if taken:
        raise SponsorError(_l("This organisation already has a cohort with this name."), "name")
    cohort = Cohort(organisation_id=organisation.id, name=name)
    db.session.add(cohort)
    db.session.flush()
    return cohort


def administered_cohort(user: User, public_id: str) -> Cohort | None:
    return _administered(Cohort, user, public_id)


def delete_cohort(cohort: Cohort) -> None:
    """Delete a cohort; its members and invitations stay, without a cohort."""
    db.session.execute(update(Enrolment).where(Enrolment.cohort_id == cohort.id).values(cohort_id=None))
    db.session.execute(update(Invitation).where(Invitation.cohort_id == cohort.id).values(cohort_id=None))
    db.session.delete(cohort)
    db.session.flush()


# --- seats -------------------------------------------------------------------------------------------


def seats_used(organisation: Organisation) -> int:
    """Active enrolments, restricted members included: their seat is still taken."""
    return db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.organisation_id == organisation.id, Enrolment.ended_dt.is_(None)
        )
    )


def seats_used_by_organisation() -> dict[int, int]:
    """{organisation id: seats taken}, for the operators' list, in one query."""
    return dict(
        db.session.execute(
            select(Enrolment.organisation_id, func.count(Enrolment.id))
            .where(Enrolment.ended_dt.is_(None))
            .group_by(Enrolment.organisation_id)
        ).all()
    )


def member_counts_by_cohort(organisation: Organisation) -> dict[int | None, int]:
    """{cohort id: active members the sponsor may see} (restricted members are left out)."""
    return dict(
        db.session.execute(
            select(Enrolment.cohort_id, func.count(Enrolment.id))
            .join(User, User.id == Enrolment.user_id)
            .where(
                Enrolment.organisation_id == organisation.id,
                Enrolment.ended_dt.is_(None),
                disclosed_to(Recipient.SPONSOR),
            )
            .group_by(Enrolment.cohort_id)
        ).all()
    )


def free_seats(organisation: Organisation) -> int:
    return max(organisation.seats - seats_used(organisation), 0)


def pending_invitation_count(organisation: Organisation) -> int:
    return db.session.scalar(
        select(func.count(Invitation.id)).where(
            Invitation.organisation_id == organisation.id,
            Invitation.role == InvitationRole.MEMBER.value,
            Invitation.expires_dt > utcnow(),
        )
    )


# --- invitations -------------------------------------------------------------------------------------


@dataclass
class MemberData:
    """What an organisation provides about a person it enrols."""

    email: str
    first_name: str
    last_name: str
    cohort_id: int | None = None
    grade: str = ""
    hierarchy_level: str = ""
    recommendation: str = ""
    #: The invitation's language; None: the invitee's account language, else the organisation's default.
    locale: str | None = None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def enrolled_emails(organisation: Organisation, emails) -> set[str]:
    """Which of these addresses belong to members with an active enrolment in the organisation."""
    emails = list(emails)
    found: set[str] = set()
    for start in range(0, len(emails), 500):  # stay under every database's bound-parameter limit
        found.update(
            db.session.scalars(
                select(User.email)
                .join(Enrolment, Enrolment.user_id == User.id)
                .where(
                    Enrolment.organisation_id == organisation.id,
                    Enrolment.ended_dt.is_(None),
                    User.email.in_(emails[start : start + 500]),
                )
            )
        )
    return found


def invited_emails(organisation: Organisation, emails, role: InvitationRole = InvitationRole.MEMBER) -> set[str]:
    """Which of these addresses already have an invitation of this kind that has not expired."""
    emails = list(emails)
    found: set[str] = set()
    now = utcnow()
    for start in range(0, len(emails), 500):
        found.update(
            db.session.scalars(
                select(Invitation.email).where(
                    Invitation.organisation_id == organisation.id,
                    Invitation.role == role.value,
                    Invitation.expires_dt > now,
                    Invitation.email.in_(emails[start : start + 500]),
                )
            )
        )
    return found


def account_locales(emails) -> dict[str, tuple[int, str]]:
    """For the addresses that have an account: (member id, language)."""
    emails = list(emails)
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(emails), 500):
        rows = db.session.execute(
            select(User.email, User.id, User.locale).where(User.email.in_(emails[start : start + 500]))
        )
        found.update({email: (user_id, locale) for email, user_id, locale in rows})
    return found


def invite_member(organisation: Organisation, data: MemberData, actor: User) -> Invitation:
    """Invite one person by e-mail; refused if they are enrolled already or have a pending invitation."""
    if enrolled_emails(organisation, [data.email]):
        raise SponsorError(_l("This person is already enrolled."), "email")
    if invited_emails(organisation, [data.email]):
        raise SponsorError(
            _l("This person already has a pending invitation. Send it again from the list of invitations."), "email"
        )
    invitations = create_member_invitations(organisation, [data], actor)
    return invitations[0]


def create_member_invitations(organisation: Organisation, people: list[MemberData], actor: User) -> list[Invitation]:
    """Invitations and their e-mails for checked data, in the caller's transaction (all or nothing)."""
    now = utcnow()
    expires = now + invitation_max_age()
    accounts = account_locales(person.email for person in people)
    invitations, messages = [], []
    for person in people:
        account = accounts.get(person.email)
        locale = person.locale or (account[1] if account else None) or organisation.default_locale
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            organisation_id=organisation.id,
            role=InvitationRole.MEMBER.value,
            email=person.email,
            first_name=person.first_name,
            last_name=person.last_name,
            locale=locale,
            cohort_id=person.cohort_id,
            grade=person.grade if organisation.is_school else "",
            hierarchy_level="" if organisation.is_school else person.hierarchy_level,
            recommendation="" if organisation.is_school else person.recommendation,
            token_hash=_hash_token(token),
            created_dt=now,
            expires_dt=expires,
            invited_by_id=actor.id,
        )
        invitations.append(invitation)
        messages.append(_invitation_message(organisation, invitation, token, account[0] if account else None))
    db.session.add_all(invitations)
    db.session.add_all(messages)
    db.session.flush()
    return invitations


def _invitation_message(organisation: Organisation, invitation: Invitation, token: str, user_id: int | None):
    template = "sponsors/email/admin_invitation" if invitation.is_admin_invitation else "sponsors/email/invitation"
    subject = (
        _l("Manage %(organisation)s on the portal", organisation=organisation.name)
        if invitation.is_admin_invitation
        else _l("%(organisation)s offers you the portal's services", organisation=organisation.name)
    )
    return render_email(
        to=invitation.email,
        template=template,
        locale=invitation.locale,
        subject=subject,
        user_id=user_id,
        organisation=organisation,
        invitation=invitation,
        link=absolute_url("sponsors.show_invitation", lang_code=invitation.locale, token=token),
    )


def invite_admin(organisation: Organisation, email: str, locale: str | None, actor: User) -> Invitation:
    """Invite someone to manage the organisation (an operator, or one of its admins, does this)."""
    existing = db.session.scalar(
        select(SponsorAdmin.id)
        .join(User, User.id == SponsorAdmin.user_id)
        .where(SponsorAdmin.organisation_id == organisation.id, User.email == email)
    )
    if existing:
        raise SponsorError(_l("This person is already an admin of the organisation."), "email")
    if invited_emails(organisation, [email], InvitationRole.ADMIN):
        raise SponsorError(_l("This person already has a pending invitation."), "email")
    account = account_locales([email]).get(email)
    now = utcnow()
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation_id=organisation.id,
        role=InvitationRole.ADMIN.value,
        email=email,
        locale=locale or (account[1] if account else organisation.default_locale),
        token_hash=_hash_token(token),
        created_dt=now,
        expires_dt=now + invitation_max_age(),
        invited_by_id=actor.id,
    )
    db.session.add(invitation)
    db.session.add(_invitation_message(organisation, invitation, token, account[0] if account else None))
    db.session.flush()
    return invitation


def invitations_of(organisation: Organisation, role: InvitationRole = InvitationRole.MEMBER) -> list[Invitation]:
    """Invitations not accepted yet (expired ones included, until they are purged), newest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.organisation_id == organisation.id, Invitation.role == role.value)
            .order_by(Invitation.created_dt.desc(), Invitation.id.desc())
            .options(selectinload(Invitation.cohort))
        )
    )


def administered_invitation(user: User, public_id: str) -> Invitation | None:
    return _administered(Invitation, user, public_id)


def revoke_invitation(invitation: Invitation) -> None:
    """Withdraw an invitation: its link stops working and the data in it is deleted."""
    db.session.delete(invitation)
    db.session.flush()


def resend_invitation(invitation: Invitation) -> None:
    """A new link (the old one stops working) and a new expiry date, sent again."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation.token_hash = _hash_token(token)
    invitation.created_dt = now
    invitation.expires_dt = now + invitation_max_age()
    account = account_locales([invitation.email]).get(invitation.email)
    db.session.add(_invitation_message(invitation.organisation, invitation, token, account[0] if account else None))
    db.session.flush()


def find_invitation(token: str) -> Invitation | None:
    """The invitation this link names, if it still exists (accepted and revoked ones are deleted)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash_token(token)))


def check_usable(invitation: Invitation | None) -> Invitation:
    if invitation is None:
        raise SponsorError(
            _l("This invitation is not valid any more: it was already used or withdrawn. Ask your organisation.")
        )
    if invitation.is_expired(utcnow()):
        raise SponsorError(_l("This invitation has expired. Ask your organisation to send it again."))
    return invitation


def accept_invitation(invitation: Invitation, user: User) -> Enrolment | SponsorAdmin:
    """Link the invitation to this member's account: a seat is taken (member) or the admin role given.

    The invitation must be addressed to the member's own e-mail address. It is deleted once accepted.
    """
    check_usable(invitation)
    if (user.email or "") != invitation.email:
        raise SponsorError(_l("This invitation was sent to another e-mail address. Sign in with that address."))
    organisation = _lock(invitation.organisation)
    if invitation.is_admin_invitation:
        result = add_admin(organisation, user, actor=None)
    else:
        result = _enrol(organisation, invitation, user)
    db.session.delete(invitation)
    db.session.flush()
    return result


def _lock(organisation: Organisation) -> Organisation:
    """Lock the organisation's row, so that two acceptances cannot both take the last seat."""
    return db.session.scalar(select(Organisation).where(Organisation.id == organisation.id).with_for_update())


def _enrol(organisation: Organisation, invitation: Invitation, user: User) -> Enrolment:
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.organisation_id == organisation.id, Enrolment.user_id == user.id)
    )
    if enrolment is not None and enrolment.is_active:
        raise SponsorError(_l("You are already enrolled with this organisation."))
    if seats_used(organisation) >= organisation.seats:
        raise SponsorError(
            _l("%(organisation)s has no free seat just now. Ask it to add seats.", organisation=organisation.name)
        )
    now = utcnow()
    if enrolment is None:
        enrolment = Enrolment(organisation_id=organisation.id, user_id=user.id)
        db.session.add(enrolment)
    enrolment.cohort_id = invitation.cohort_id
    enrolment.first_name = invitation.first_name
    enrolment.last_name = invitation.last_name
    enrolment.grade = invitation.grade
    enrolment.hierarchy_level = invitation.hierarchy_level
    enrolment.recommendation = invitation.recommendation
    enrolment.provided_dt = invitation.created_dt
    enrolment.updated_dt = None
    enrolment.started_dt = now
    enrolment.ended_dt = None
    enrolment.end_reason = None
    if not user.has_role(Role.CANDIDATE):
        grant_role(user, Role.CANDIDATE)
    db.session.flush()
    return enrolment


def create_account(invitation: Invitation, *, first_name: str, last_name: str, password: str, locale: str) -> User:
    """An account for an invitee who has none, with the invited address (the link proved it is theirs)."""
    check_usable(invitation)
    if find_user_by_email(invitation.email) is not None:
        raise SponsorError(_l("An account already uses this address: sign in to accept the invitation."))
    now = utcnow()
    user = User(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=invitation.email,
        email_verified_dt=now,
        password_hash=hash_password(password),
        locale=locale,
    )
    user.roles.append(UserRole(role=Role.CANDIDATE.value))
    db.session.add(user)
    db.session.flush()
    record_event(EventKind.REGISTERED, user_id=user.id, via="sponsor_invitation")
    return user


# --- enrolments --------------------------------------------------------------------------------------


def active_sponsorship(user: User) -> Enrolment | None:
    """The member's oldest active enrolment, or None when no organisation sponsors them."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(
        select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.ended_dt.is_(None))
        .order_by(Enrolment.started_dt, Enrolment.id)
        .limit(1)
    )


def enrolments_of(user: User) -> list[Enrolment]:
    """All the member's enrolments still held (active, or ended less than the retention period ago)."""
    return list(
        db.session.scalars(
            select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.started_dt, Enrolment.id)
        )
    )


def own_enrolment(user: User, public_id: str) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.public_id == public_id, Enrolment.user_id == user.id))


def administered_enrolment(user: User, public_id: str) -> Enrolment | None:
    """An active member of one of the organisations `user` administers, whose data the sponsor may read now."""
    return db.session.scalar(
        select(Enrolment)
        .join(SponsorAdmin, SponsorAdmin.organisation_id == Enrolment.organisation_id)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.public_id == public_id,
            SponsorAdmin.user_id == user.id,
            Enrolment.ended_dt.is_(None),
            disclosed_to(Recipient.SPONSOR),
        )
    )


def end_enrolment(enrolment: Enrolment, reason: EndReason) -> None:
    """The member leaves (or is removed): the seat is free; the data is kept for the retention period."""
    if not enrolment.is_active:
        return
    enrolment.ended_dt = utcnow()
    enrolment.end_reason = reason.value
    db.session.flush()


def members_of(organisation: Organisation, cohort: Cohort | None = None) -> list[Enrolment]:
    """Active members the sponsor may see: a member who restricted processing is left out."""
    query = (
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.organisation_id == organisation.id,
            Enrolment.ended_dt.is_(None),
            disclosed_to(Recipient.SPONSOR),
        )
        .order_by(Enrolment.last_name, Enrolment.first_name, Enrolment.id)
        .options(selectinload(Enrolment.cohort))
    )
    if cohort is not None:
        query = query.where(Enrolment.cohort_id == cohort.id)
    return list(db.session.scalars(query))


#: The data an organisation provides, by the names the member and the organisation read.
PROVIDED_FIELD_LABELS = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "cohort": _l("Cohort"),
    "grade": _l("Grade or year of study"),
    "hierarchy_level": _l("Level of hierarchy"),
    "recommendation": _l("Recommendation"),
}


def provided_field_label(field: str) -> str:
    """The name of a provided field in the current language (a field since removed keeps its code)."""
    return str(PROVIDED_FIELD_LABELS.get(field, field))


def _provided_values(enrolment: Enrolment) -> dict[str, str]:
    cohort = db.session.get(Cohort, enrolment.cohort_id) if enrolment.cohort_id else None
    return {
        "first_name": enrolment.first_name,
        "last_name": enrolment.last_name,
        "cohort": cohort.name if cohort else "",
        "grade": enrolment.grade,
        "hierarchy_level": enrolment.hierarchy_level,
        "recommendation": enrolment.recommendation,
    }


def update_member_data(enrolment: Enrolment, data: MemberData) -> list[dict]:
    """The organisation corrects what it provided; returns what changed: [{"field", "old", "new"}]."""
    school = enrolment.organisation.is_school
    before = _provided_values(enrolment)
    enrolment.first_name = data.first_name.strip()
    enrolment.last_name = data.last_name.strip()
    enrolment.cohort_id = data.cohort_id
    enrolment.grade = data.grade.strip() if school else ""
    enrolment.hierarchy_level = "" if school else data.hierarchy_level.strip()
    enrolment.recommendation = "" if school else data.recommendation.strip()
    after = _provided_values(enrolment)
    changes = [
        {"field": field, "old": before[field], "new": after[field]}
        for field in PROVIDED_FIELD_LABELS
        if before[field] != after[field]
    ]
    if changes:
        enrolment.updated_dt = utcnow()
    db.session.flush()
    return changes


# --- seats pay for work ------------------------------------------------------------------------------


def charge_sponsor(user: User, kind: str) -> Usage | None:
    """Record one `kind` of work ("simulation" or "practice_test") against the member's sponsor.

    The member's active enrolments are tried oldest first; the first whose organisation still has allowance
    for this kind pays. Returns the Usage row (flushed with the caller's transaction), or None when no
    sponsor pays: the member has no sponsor, or the allowance is used up.
    """
    usage_kind = UsageKind(kind)  # ValueError for an unknown kind: a programming error
    if user is None or getattr(user, "id", None) is None:
        return None
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.ended_dt.is_(None))
        .order_by(Enrolment.started_dt, Enrolment.id)
    ).all()
    for enrolment in enrolments:
        organisation = _lock(enrolment.organisation)
        allowance = organisation.allowance(usage_kind)
        if allowance is not None and used_allowance(organisation, usage_kind) >= allowance:
            continue
        usage = Usage(
            organisation_id=organisation.id, enrolment_id=enrolment.id, user_id=user.id, kind=usage_kind.value
        )
        db.session.add(usage)
        db.session.flush()
        return usage
    return None


def used_allowance(organisation: Organisation, kind: UsageKind) -> int:
    return db.session.scalar(
        select(func.count(Usage.id)).where(Usage.organisation_id == organisation.id, Usage.kind == kind.value)
    )


@dataclass
class Consumption:
    kind: UsageKind
    used: int
    allowance: int | None

    @property
    def remaining(self) -> int | None:
        return None if self.allowance is None else max(self.allowance - self.used, 0)


def consumption(organisation: Organisation) -> list[Consumption]:
    """How much of each allowance the organisation's members used (billing totals for the sponsor)."""
    counts = dict(
        db.session.execute(
            select(Usage.kind, func.count(Usage.id))
            .where(Usage.organisation_id == organisation.id)
            .group_by(Usage.kind)
        ).all()
    )
    return [Consumption(kind, counts.get(kind.value, 0), organisation.allowance(kind)) for kind in UsageKind]


# --- corrections -------------------------------------------------------------------------------------


def request_correction(enrolment: Enrolment, message: str) -> CorrectionRequest:
    """The member asks for a correction: it goes to the privacy request queue and to the organisation's admins."""
    message = (message or "").strip()
    if not message:
        raise SponsorError(_l("This field is required."), "message")
    organisation = enrolment.organisation
    user = enrolment.user
    privacy_request = submit_request(
        user,
        RequestKind.SPONSOR_DATA_CORRECTION,
        str(_l("Correct the data %(organisation)s provided", organisation=organisation.name))[:200],
        message,
    )
    correction = CorrectionRequest(
        organisation_id=organisation.id,
        enrolment_id=enrolment.id,
        user_id=user.id,
        privacy_request_id=privacy_request.id,
        message=message,
    )
    db.session.add(correction)
    db.session.flush()
    for link in admins_of(organisation):
        admin = link.user
        if not admin.email:
            continue
        queue_member_email(
            admin,
            "sponsors/email/correction_request",
            _l("A member asks you to correct their data"),
            admin=admin,
            organisation=organisation,
            link=absolute_url("sponsors.list_corrections", lang_code=admin.locale, public_id=organisation.public_id),
        )
    return correction


def corrections_of(organisation: Organisation) -> list[CorrectionRequest]:
    """Correction requests, open ones first (a restricted member's requests stay: they asked for them)."""
    return list(
        db.session.scalars(
            select(CorrectionRequest)
            .where(CorrectionRequest.organisation_id == organisation.id)
            .order_by(CorrectionRequest.status.desc(), CorrectionRequest.created_dt.desc())
            .options(selectinload(CorrectionRequest.enrolment).selectinload(Enrolment.user))
        )
    )


def open_correction_count(organisation: Organisation) -> int:
    return db.session.scalar(
        select(func.count(CorrectionRequest.id)).where(
            CorrectionRequest.organisation_id == organisation.id,
            CorrectionRequest.status == CorrectionStatus.OPEN.value,
        )
    )


def administered_correction(user: User, public_id: str) -> CorrectionRequest | None:
    return _administered(CorrectionRequest, user, public_id)


def open_corrections_of(enrolment: Enrolment) -> list[CorrectionRequest]:
    """The member's requests about this enrolment that still wait for an answer, oldest first."""
    return list(
        db.session.scalars(
            select(CorrectionRequest)
            .where(
                CorrectionRequest.enrolment_id == enrolment.id,
                CorrectionRequest.status == CorrectionStatus.OPEN.value,
            )
            .order_by(CorrectionRequest.created_dt, CorrectionRequest.id)
        )
    )


def apply_correction(correction: CorrectionRequest, changes: list[dict], actor: User) -> None:
    """The organisation corrected the data (`changes`, from update_member_data): the request is done."""
    if not changes:
        raise SponsorError(
            _l(
                "Nothing changed. Correct the data the member asked about, or refuse the request, "
                "with your reason, from the correction requests."
            )
        )
    _close_correction(correction, CorrectionStatus.DONE, actor, changes=changes)


def refuse_correction(correction: CorrectionRequest, reason: str, actor: User) -> None:
    """The organisation does not make the correction: the member reads why."""
    reason = (reason or "").strip()
    if not reason:
        raise SponsorError(_l("Say why you do not make this correction: the member will read it."), "reason")
    _close_correction(correction, CorrectionStatus.REFUSED, actor, reason=reason)


def _close_correction(
    correction: CorrectionRequest, status: CorrectionStatus, actor: User, *, changes=(), reason: str = ""
) -> None:
    """Close the request here and in the privacy queue, and tell the member, in her language, what was done."""
    if not correction.is_open:
        raise SponsorError(_l("This request is already answered."))
    correction.status = status.value
    correction.changes = list(changes)
    correction.refusal_reason = reason
    correction.resolved_dt = utcnow()
    correction.resolved_by_id = actor.id
    db.session.flush()
    user, organisation = correction.enrolment.user, correction.enrolment.organisation
    privacy_request = (
        db.session.get(PrivacyRequest, correction.privacy_request_id) if correction.privacy_request_id else None
    )
    if privacy_request is not None and privacy_request.is_open:
        with force_locale(user.locale):  # the answer the member reads on her dashboard
            outcome = correction_outcome(correction, organisation)
        privacy_status = RequestStatus.DONE if status == CorrectionStatus.DONE else RequestStatus.REFUSED
        handle_request(privacy_request, status=privacy_status, outcome=outcome, handler=actor, notify=False)
    if not user.email:
        return
    link = (
        absolute_url("privacy.show_request", lang_code=user.locale, public_id=privacy_request.public_id)
        if privacy_request is not None
        else absolute_url("privacy.dashboard", lang_code=user.locale, _anchor="requests")
    )
    queue_member_email(
        user,
        "sponsors/email/correction_closed",
        (
            _l("%(organisation)s corrected your data", organisation=organisation.name)
            if status == CorrectionStatus.DONE
            else _l("%(organisation)s did not make the correction you asked for", organisation=organisation.name)
        ),
        organisation=organisation,
        correction=correction,
        field_label=provided_field_label,
        link=link,
    )


def correction_outcome(correction: CorrectionRequest, organisation: Organisation) -> str:
    """What was done, as one text in the current language: each field's old and new value, or the reason."""
    if correction.status == CorrectionStatus.REFUSED.value:
        return _(
            "%(organisation)s did not make the correction, for this reason: %(reason)s",
            organisation=organisation.name,
            reason=correction.refusal_reason,
        )
    lines = [_("%(organisation)s corrected the data it provided about you:", organisation=organisation.name)]
    lines += [
        _(
            "%(field)s: “%(old)s” → “%(new)s”",
            field=provided_field_label(change["field"]),
            old=change["old"] or "—",
            new=change["new"] or "—",
        )
        for change in correction.changes
    ]
    return "\n".join(lines)


def close_for_privacy_request(privacy_request) -> None:
    """Our data-protection contact answered or refused the member's request: the organisation's copy closes too."""
    refused = privacy_request.status == RequestStatus.REFUSED.value
    for correction in db.session.scalars(
        select(CorrectionRequest).where(
            CorrectionRequest.privacy_request_id == privacy_request.id,
            CorrectionRequest.status == CorrectionStatus.OPEN.value,
        )
    ):
        correction.status = (CorrectionStatus.REFUSED if refused else CorrectionStatus.DONE).value
        correction.refusal_reason = privacy_request.outcome if refused else ""
        correction.resolved_dt = privacy_request.handled_dt
        correction.resolved_by_id = privacy_request.handled_by_id
    db.session.flush()


# --- retention ---------------------------------------------------------------------------------------


def purge_enrolments(now: datetime) -> int:
    """Delete the data of enrolments ended longer ago than the retention period; usage rows stay anonymous."""
    limit = now - data_retention()
    ids = list(db.session.scalars(select(Enrolment.id).where(Enrolment.ended_dt < limit)))
    if not ids:
        return 0
    db.session.execute(
        update(Usage).where(Usage.enrolment_id.in_(ids)).values(enrolment_id=None, user_id=None),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        delete(CorrectionRequest).where(CorrectionRequest.enrolment_id.in_(ids)),
        execution_options={"synchronize_session": False},
    )
    return db.session.execute(
        delete(Enrolment).where(Enrolment.id.in_(ids)), execution_options={"synchronize_session": False}
    ).rowcount


def purge_invitations(now: datetime) -> int:
    """Delete invitations expired for longer than the grace period, and imports never confirmed."""
    count = db.session.execute(
        delete(Invitation).where(Invitation.expires_dt < now - EXPIRED_INVITATION_GRACE),
        execution_options={"synchronize_session": False},
    ).rowcount
    count += db.session.execute(
        delete(ImportBatch).where(ImportBatch.created_dt < now - timedelta(days=1)),
        execution_options={"synchronize_session": False},
    ).rowcount
    return count
