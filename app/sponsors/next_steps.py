"""What a sponsor admin has to do next, for the home page (registered in app/sponsors/blueprint.py with
core.next_steps): seats used of total, invitations still pending, corrections to answer. One query per kind
for every organisation the member administers together."""

from flask import url_for
from flask_babel import format_date, gettext, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.core.next_steps import NextStep
from app.core.timeutil import utcnow
from app.extensions import db
from app.sponsors.models import (
    CorrectionRequest,
    CorrectionStatus,
    Enrolment,
    Invitation,
    InvitationRole,
    Organisation,
    SponsorAdmin,
)

SHOWN = 3


def sponsor_admin_steps(member) -> list[NextStep]:
    organisations = list(
        db.session.scalars(
            select(Organisation)
            .join(SponsorAdmin, SponsorAdmin.organisation_id == Organisation.id)
            .where(SponsorAdmin.user_id == member.id)
            .order_by(Organisation.name)
        )
    )
    if not organisations:
        return [
            NextStep(
                gettext("You administer no organisation yet"),
                url_for("sponsors.home"),
                detail=gettext("An operator adds you as the admin of your school or company."),
                is_status=True,
            )
        ]
    ids = [organisation.id for organisation in organisations]
    now = utcnow()
    seats = dict(
        db.session.execute(
            select(Enrolment.organisation_id, func.count(Enrolment.id))
            .where(Enrolment.organisation_id.in_(ids), Enrolment.ended_dt.is_(None))
            .group_by(Enrolment.organisation_id)
        ).all()
    )
    pending = {
        organisation_id: (count, first_expiry)
        for organisation_id, count, first_expiry in db.session.execute(
            select(Invitation.organisation_id, func.count(Invitation.id), func.min(Invitation.expires_dt))
            .where(
                Invitation.organisation_id.in_(ids),
                Invitation.role == InvitationRole.MEMBER.value,
                Invitation.expires_dt > now,
            )
            .group_by(Invitation.organisation_id)
        )
    }
    corrections = list(
        db.session.scalars(
            select(CorrectionRequest)
            .options(joinedload(CorrectionRequest.enrolment).joinedload(Enrolment.user).lazyload(User.roles))
            .where(CorrectionRequest.organisation_id.in_(ids), CorrectionRequest.status == CorrectionStatus.OPEN.value)
            .order_by(CorrectionRequest.created_dt)
            .limit(SHOWN * len(ids))
        )
    )
    several = len(organisations) > 1
    steps = []
    for organisation in organisations:
        prefix = f"{organisation.name}: " if several else ""
        for correction in [c for c in corrections if c.organisation_id == organisation.id][:SHOWN]:
            who = correction.enrolment.user
            name = f"{who.first_name} {who.last_name}" if who else gettext("a former member")
            steps.append(
                NextStep(
                    prefix + gettext("Answer %(name)s's request to correct their data", name=name),
                    url_for("sponsors.list_corrections", public_id=organisation.public_id),
                    detail=gettext("Asked on %(date)s", date=format_date(correction.created_dt, "long")),
                    due=correction.created_dt,
                )
            )
        waiting, first_expiry = pending.get(organisation.id, (0, None))
        if waiting:
            steps.append(
                NextStep(
                    prefix
                    + ngettext("%(num)d invitation not accepted yet", "%(num)d invitations not accepted yet", waiting),
                    url_for("sponsors.list_invitations", public_id=organisation.public_id),
                    detail=gettext("The first expires on %(date)s", date=format_date(first_expiry, "long")),
                    count=waiting,
                    due=first_expiry,
                )
            )
        used = seats.get(organisation.id, 0)
        steps.append(
            NextStep(
                prefix + gettext("%(used)d of %(total)d seats used", used=used, total=organisation.seats),
                url_for("sponsors.list_members", public_id=organisation.public_id),
                detail=ngettext("%(num)d seat free", "%(num)d seats free", max(organisation.seats - used, 0)),
                is_status=True,
            )
        )
        steps.append(
            NextStep(
                prefix + gettext("Invite members"),
                url_for("sponsors.invite_member", public_id=organisation.public_id),
                detail=gettext("One by one, or many at once from a CSV file."),
            )
        )
    return steps
