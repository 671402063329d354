"""Privacy requests, questions and complaints to the data-protection contact, answered within one month."""

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select

from app.core.mail import absolute_url, queue_member_email
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import PrivacyRequest, RequestKind, RequestStatus
from app.privacy.services import PrivacyError

#: The GDPR allows two more months for complex requests, if the member is told why within the first.
MAX_EXTENSION_MONTHS = 2

#: kind -> what its feature does when we close a request of that kind (a correction a sponsor was asked for
#: closes on the sponsor's side too). Features register here: privacy knows none of them.
_closing_hooks: dict[RequestKind, list[Callable[[PrivacyRequest], None]]] = {}


def on_closing(kind: RequestKind, hook: Callable[[PrivacyRequest], None]) -> None:
    """Call `hook(request)` when a request of `kind` becomes answered or refused (after its fields are set)."""
    hooks = _closing_hooks.setdefault(kind, [])
    if hook not in hooks:
        hooks.append(hook)


@dataclass(frozen=True)
class Upholding:
    """How a feature upholds its kind of request with a change of its own (a test score corrected), from a form
    on the admin's handling page. Features register one here (`on_upholding`): privacy knows none of them."""

    #: The form for this request (built in the request, so that it reads what was posted), or None when the
    #: request cannot be upheld this way (closed, or nothing left to change).
    form: Callable[[PrivacyRequest], Any]
    #: The template of the form's fields, included in the handling page with the form as `uphold_form`.
    template: str
    #: Apply the change and answer the request, `uphold(request, form, handler)`; raises PrivacyError, which the
    #: page shows under the field it names.
    uphold: Callable[[PrivacyRequest, Any, Any], None]


_upholdings: dict[RequestKind, Upholding] = {}


def on_upholding(kind: RequestKind, upholding: Upholding) -> None:
    _upholdings[kind] = upholding


def upholding_of(request: PrivacyRequest) -> tuple[Upholding, Any] | None:
    """The registered upholding of the request's kind and its form, when the request can be upheld that way."""
    upholding = _upholdings.get(RequestKind(request.kind))
    if upholding is None or not request.is_open:
        return None
    form = upholding.form(request)
    return (upholding, form) if form is not None else None


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the last day of that month (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def submit_request(user, kind: RequestKind, subject: str, message: str) -> PrivacyRequest:
    """Record a request; it is due one month after receipt."""
    now = utcnow()
    request = PrivacyRequest(
        user_id=user.id,
        kind=kind.value,
        subject=subject.strip(),
        message=message.strip(),
        received_dt=now,
        due_date=add_months(now.date(), 1),
    )
    db.session.add(request)
    db.session.flush()
    return request


def requests_of(user) -> list[PrivacyRequest]:
    return list(
        db.session.scalars(
            select(PrivacyRequest).where(PrivacyRequest.user_id == user.id).order_by(PrivacyRequest.received_dt.desc())
        )
    )


def request_queue(status: str | None = None) -> list[PrivacyRequest]:
    """Requests for admins: open ones first, the most urgent first."""
    query = select(PrivacyRequest)
    if status:
        query = query.where(PrivacyRequest.status == status)
    is_open = case((PrivacyRequest.status.in_([RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS]), 0), else_=1)
    return list(db.session.scalars(query.order_by(is_open, PrivacyRequest.due_date, PrivacyRequest.id)))


def find_request(public_id: str) -> PrivacyRequest | None:
    return db.session.scalar(select(PrivacyRequest).where(PrivacyRequest.public_id == public_id))


def handle_request(
    request: PrivacyRequest,
    *,
    status: RequestStatus,
    outcome: str,
    handler,
    extend_months: int = 0,
    extension_reason: str = "",
    notify: bool = True,
) -> None:
    """An admin moves a request on: status, the answer the member reads, who handled it; maybe an extension.

    :param notify: False when the caller sends the member a message of its own (a sponsor's correction).
    """
    outcome = (outcome or "").strip()
    if status in (RequestStatus.DONE, RequestStatus.REFUSED) and not outcome:
        raise PrivacyError(_l("Write the answer the member will read."), "outcome")
    if extend_months:
        received = request.received_dt.date()
        limit = add_months(received, 1 + MAX_EXTENSION_MONTHS)
        new_due = add_months(request.due_date, extend_months)
        if new_due > limit:
            raise PrivacyError(_l("A request can be extended by two months at most."), "extend_months")
        if not (extension_reason or "").strip():
            raise PrivacyError(_l("Explain to the member why more time is needed."), "extension_reason")
        if utcnow().date() > add_months(received, 1):
            raise PrivacyError(_l("An extension must be announced within the first month."), "extend_months")
        request.due_date = new_due
        request.extension_reason = extension_reason.strip()
    was_open = request.is_open
    request.status = status.value
    request.outcome = outcome
    request.handled_by_id = handler.id
    request.handled_dt = utcnow()
    if was_open and not request.is_open:
        for hook in _closing_hooks.get(RequestKind(request.kind), ()):
            hook(request)
    user = request.user
    if notify and user is not None and user.email and (was_open != request.is_open or extend_months):
        queue_member_email(
            user,
            "privacy_request_update",
            _l("News about your privacy request"),
            item=request,
            link=absolute_url("privacy.show_request", lang_code=user.locale, public_id=request.public_id),
        )


def overdue_count(today: date | None = None) -> int:
    today = today or utcnow().date()
    return sum(1 for item in request_queue() if item.is_overdue(today))


def due_soon(today: date | None = None, days: int = 7) -> list[PrivacyRequest]:
    today = today or utcnow().date()
    return [item for item in request_queue() if item.is_open and item.due_date <= today + timedelta(days=days)]
