"""Policy versions and acceptances, and the restriction of processing that every feature must respect.

Other features call:
- `app.privacy.disclosure.may_disclose(user, recipient)` / `disclosed_to(recipient)` before showing a member's
  data to anyone else or counting it in an aggregate: restriction, objection to statistics and erasure are
  decided there, in one place (every `record_access` asks it too); `is_restricted(user)` and `unrestricted()`
  remain for matching and marketing;
- `consents.has_consent(user, purpose)` / `consents.consenting()` (see app/privacy/consents.py);
- `consents.queue_marketing_email(...)` for every e-mail that is not a service message.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime

from flask import current_app, has_request_context, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.member import forget_rider, read_rider, read_with_session
from app.auth.models import User
from app.core.audit import EventKind, client_ip, record_event
from app.core.errors import DomainError
from app.core.mail import absolute_url, queue_member_email
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import PolicyAcceptance, PolicyVersion
from app.privacy.policies import SHIPPED_VERSIONS


class PrivacyError(DomainError):
    """A refusal about consents, privacy requests or their links."""


# --- policy versions ---------------------------------------------------------------------------------


def ensure_shipped_versions() -> int:
    """Insert the shipped policy versions that are missing; returns how many were added."""
    known = set(db.session.scalars(select(PolicyVersion.version)))
    added = [PolicyVersion(**data) for data in SHIPPED_VERSIONS if data["version"] not in known]
    db.session.add_all(added)
    _forget_versions()
    return len(added)


#: Where a request keeps the policy versions it read (request.environ lives exactly as long as the request).
_VERSIONS_KEY = "caseinjob.policy_versions"
#: Where an app keeps the versions between requests: (key, versions), in app.extensions.
_PROCESS_CACHE = "caseinjob.policy_versions"
#: The session's note that its member accepted the material version in force ("user id:version").
_ACCEPTED_KEY = "policy_accepted"


@dataclass(frozen=True)
class PublishedVersion:
    """A policy version as the pages and the acceptance check read it: a plain copy of its row, kept by the
    process between requests (an ORM object would belong to one request's session)."""

    id: int
    version: str
    effective_date: date
    is_material: bool
    template: str
    summary_en: str
    summary_fr: str
    published_dt: datetime
    notice_sent_dt: datetime | None

    def summary(self, locale: str) -> str:
        return self.summary_fr if locale == "fr" else self.summary_en


_versions_table = PolicyVersion.__table__
#: Read when the key below changes (Core: the rows are copied, never changed).
_ALL_VERSIONS = select(*(_versions_table.c[field.name] for field in fields(PublishedVersion))).order_by(
    _versions_table.c.effective_date, _versions_table.c.id
)
#: Changes whenever a version is added (through any worker, on any node), removed, or the latest date moved
#: (an id that a rolled-back publication had taken comes back with another published_dt): read by every
#: request that asks about versions, rather than every version. A signed-in request reads it in the
#: session's own statement.
_VERSIONS_KEY_QUERY = select(
    func.sum(_versions_table.c.id),  # any version added or removed
    func.max(_versions_table.c.effective_date),
    func.max(_versions_table.c.published_dt),
)
read_with_session("policy_versions", _VERSIONS_KEY_QUERY)


def _versions() -> list[PublishedVersion]:
    """Every version, oldest first: read once per process and again when their key in the database changes;
    asked once per request (the two or three questions every signed-in page asks share the answer)."""
    store = request.environ if has_request_context() else {}
    if _VERSIONS_KEY not in store:
        store[_VERSIONS_KEY] = _versions_of_this_process()
    return store[_VERSIONS_KEY]


def _versions_of_this_process() -> list[PublishedVersion]:
    key = read_rider("policy_versions")
    if key is None:  # no session read it with its own statement
        key = tuple(db.session.connection().execute(_VERSIONS_KEY_QUERY).one())
    cached = current_app.extensions.get(_PROCESS_CACHE)
    if cached is not None and cached[0] == key:
        return cached[1]
    versions = [PublishedVersion(*row) for row in db.session.connection().execute(_ALL_VERSIONS)]
    current_app.extensions[_PROCESS_CACHE] = (key, versions)
    return versions


def _forget_versions() -> None:
    forget_rider("policy_versions")
    if has_request_context():
        request.environ.pop(_VERSIONS_KEY, None)


def current_policy() -> PublishedVersion | None:
    """The version in force today: the latest whose effective date has come."""
    today = utcnow().date()
    return next((version for version in reversed(_versions()) if version.effective_date <= today), None)


def upcoming_material_change() -> PublishedVersion | None:
    """A published material version that has not taken effect yet (members see a banner until it does)."""
    today = utcnow().date()
    return next((v for v in _versions() if v.effective_date > today and v.is_material), None)


def all_versions() -> list[PolicyVersion]:
    return list(db.session.scalars(select(PolicyVersion).order_by(PolicyVersion.effective_date.desc())))


def find_version(version: str) -> PolicyVersion | None:
    return db.session.scalar(select(PolicyVersion).where(PolicyVersion.version == version))


def record_acceptance(user, version: PolicyVersion | PublishedVersion) -> PolicyAcceptance:
    """The member accepted this version now, from this IP address."""
    existing = db.session.scalar(
        select(PolicyAcceptance).where(
            PolicyAcceptance.user_id == user.id, PolicyAcceptance.policy_version_id == version.id
        )
    )
    if existing is not None:
        return existing
    acceptance = PolicyAcceptance(user_id=user.id, policy_version_id=version.id, ip_address=client_ip())
    db.session.add(acceptance)
    return acceptance


def acceptance_required(user) -> PublishedVersion | None:
    """The material version in force that this member must review and accept before going on, if any.

    A member who joined after it took effect accepted it when registering; one who joined before must accept
    it, or a later version, at their next visit.
    """
    today = utcnow().date()
    required = next((v for v in reversed(_versions()) if v.effective_date <= today and v.is_material), None)
    if required is None or user.created_dt >= datetime.combine(required.effective_date, datetime.min.time()):
        return None
    # Every page asks; once the answer is "accepted" it stays so, and the signed session cookie remembers it.
    memo = f"{user.id}:{required.version}"
    if has_request_context() and session.get(_ACCEPTED_KEY) == memo:
        return None
    accepted = db.session.scalar(
        select(PolicyAcceptance.id)
        .join(PolicyVersion)
        .where(PolicyAcceptance.user_id == user.id, PolicyVersion.effective_date >= required.effective_date)
        .limit(1)
    )
    if not accepted:
        return current_policy()
    if has_request_context():
        session[_ACCEPTED_KEY] = memo
    return None


def publish_version(
    *,
    version: str,
    effective_date: date,
    is_material: bool,
    template: str,
    summary_en: str,
    summary_fr: str,
) -> PolicyVersion:
    """Publish a new version; a material one is announced by e-mail to every member before it takes effect."""
    if find_version(version) is not None:
        raise PrivacyError(_l("This version number is already used."), "version")
    if effective_date <= utcnow().date():
        raise PrivacyError(
            _l("The effective date must be in the future, so that members are told first."), "effective_date"
        )
    latest = db.session.scalar(select(PolicyVersion).order_by(PolicyVersion.effective_date.desc()))
    if latest is not None and effective_date <= latest.effective_date:
        raise PrivacyError(_l("The effective date must come after that of every earlier version."), "effective_date")
    policy = PolicyVersion(
        version=version,
        effective_date=effective_date,
        is_material=is_material,
        template=template,
        summary_en=summary_en.strip(),
        summary_fr=summary_fr.strip(),
    )
    db.session.add(policy)
    db.session.flush()
    _forget_versions()
    if is_material:
        notify_material_change(policy)
    return policy


def notify_material_change(policy: PolicyVersion) -> int:
    """E-mail every member with an address, in their language, about a material change; returns how many."""
    count = 0
    for user in db.session.scalars(select(User).where(User.email.is_not(None)).order_by(User.id)):
        queue_member_email(
            user,
            "privacy_policy_change",
            _l("Our privacy policy is changing"),
            policy=policy,
            summary=policy.summary(user.locale),
            link=absolute_url("privacy.policy_version", lang_code=user.locale, version=policy.version),
            dashboard_link=absolute_url("privacy.dashboard", lang_code=user.locale),
        )
        count += 1
    policy.notice_sent_dt = utcnow()
    return count


# --- restriction of processing -----------------------------------------------------------------------


def is_restricted(user) -> bool:
    """Whether the member asked that their data be only stored: no matching, no clients or sponsors, no marketing."""
    return bool(user is not None and user.is_processing_restricted)


def unrestricted():
    """A filter for queries over members: only those whose data may be processed (`.where(unrestricted())`)."""
    return User.is_processing_restricted.is_(False)


def restrict_processing(user) -> bool:
    """Turn the restriction on at once; returns False if it already was."""
    if user.is_processing_restricted:
        return False
    user.is_processing_restricted = True
    user.restricted_dt = utcnow()
    record_event(EventKind.PROCESSING_RESTRICTED, user_id=user.id)
    return True


def lift_restriction(user) -> bool:
    if not user.is_processing_restricted:
        return False
    user.is_processing_restricted = False
    user.restricted_dt = None
    record_event(EventKind.RESTRICTION_LIFTED, user_id=user.id)
    return True


def controller_context() -> dict:
    config = current_app.config
    return {
        "controller": config["CONTROLLER_NAME"],
        "controller_address": config["CONTROLLER_ADDRESS"],
        "contact_email": config["CONTACT_EMAIL"],
        "dpo_email": config["DPO_EMAIL"],
        "portal": config["PORTAL_NAME"],
    }
