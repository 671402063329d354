"""What an operator has to do next about privacy, for the home page (registered in app/privacy/blueprint.py
with core.next_steps): requests and score contests by due date, objections to review, erasures that failed
or wait for a legal hold. A fixed number of queries."""

from datetime import timedelta

from flask import url_for
from flask_babel import format_date, gettext, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.core.next_steps import NextStep, counted
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import ErasureJob, Objection, ObjectionStatus, PrivacyRequest, RequestStatus, RunStatus

SHOWN = 4
#: A request due within this is marked urgent (the policy promises an answer within a month).
URGENT_WITHIN = timedelta(days=7)


def admin_steps(member) -> list[NextStep]:
    today = utcnow().date()
    is_open = PrivacyRequest.status.in_([RequestStatus.RECEIVED.value, RequestStatus.IN_PROGRESS.value])
    open_count = db.session.scalar(select(func.count(PrivacyRequest.id)).where(is_open)) or 0
    requests = list(
        db.session.scalars(
            select(PrivacyRequest)
            .options(joinedload(PrivacyRequest.user).lazyload(User.roles))
            .where(is_open)
            .order_by(PrivacyRequest.due_date, PrivacyRequest.id)
            .limit(SHOWN)
        )
    )
    steps = []
    for item in requests:
        who = item.user
        name = f"{who.first_name} {who.last_name}" if who else gettext("a former member")
        overdue = today > item.due_date
        due_text = format_date(item.due_date, "long")
        steps.append(
            NextStep(
                gettext("%(name)s asks: %(kind)s", kind=item.kind_label, name=name),
                url_for("privacy.admin_request", public_id=item.public_id),
                detail=(
                    gettext("Overdue since %(date)s", date=due_text)
                    if overdue
                    else gettext("To answer by %(date)s", date=due_text)
                ),
                due=_midnight(item.due_date),
                is_urgent=overdue or item.due_date - today <= URGENT_WITHIN,
            )
        )
    if open_count > len(requests):
        steps.append(
            NextStep(
                ngettext("%(num)d open privacy request", "%(num)d open privacy requests", open_count),
                url_for("privacy.admin_requests"),
                count=open_count,
                is_status=True,
            )
        )
    objections = (
        db.session.scalar(select(func.count(Objection.id)).where(Objection.status == ObjectionStatus.IN_EFFECT.value))
        or 0
    )
    steps += counted(
        ngettext("Review %(num)d objection", "Review %(num)d objections", objections),
        url_for("privacy.admin_objections"),
        objections,
    )
    jobs = dict(
        db.session.execute(
            select(ErasureJob.status, func.count(ErasureJob.id))
            .where(ErasureJob.status != RunStatus.DONE.value)
            .group_by(ErasureJob.status)
        ).all()
    )
    failed = jobs.get(RunStatus.FAILED.value, 0) + jobs.get(RunStatus.RUNNING.value, 0)
    steps += counted(
        ngettext("Retry %(num)d erasure that failed", "Retry %(num)d erasures that failed", failed),
        url_for("privacy.admin_runs"),
        failed,
        is_urgent=True,
    )
    held = jobs.get(RunStatus.HELD.value, 0)
    steps += counted(
        ngettext(
            "%(num)d erasure waits for a legal hold to end", "%(num)d erasures wait for a legal hold to end", held
        ),
        url_for("privacy.admin_holds"),
        held,
        is_status=True,
    )
    if not steps:
        steps.append(
            NextStep(gettext("No privacy request is waiting"), url_for("privacy.admin_requests"), is_status=True)
        )
    return steps


def _midnight(day):
    from datetime import datetime, time

    return datetime.combine(day, time())
