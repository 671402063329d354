"""Policy versions and acceptances (the privacy issue grows this into consents and rights)."""

from sqlalchemy import select

from app.core.audit import client_ip
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import PolicyAcceptance, PolicyVersion
from app.privacy.policies import SHIPPED_VERSIONS


def ensure_shipped_versions() -> int:
    """Insert the shipped policy versions that are missing; returns how many were added."""
    known = set(db.session.scalars(select(PolicyVersion.version)))
    added = [PolicyVersion(**data) for data in SHIPPED_VERSIONS if data["version"] not in known]
    db.session.add_all(added)
    return len(added)


def current_policy() -> PolicyVersion:
    """The version in force today: the latest whose effective date has come."""
    today = utcnow().date()
    return db.session.scalar(
        select(PolicyVersion).where(PolicyVersion.effective_date <= today).order_by(PolicyVersion.effective_date.desc())
    )


def all_versions() -> list[PolicyVersion]:
    return list(db.session.scalars(select(PolicyVersion).order_by(PolicyVersion.effective_date.desc())))


def find_version(version: str) -> PolicyVersion | None:
    return db.session.scalar(select(PolicyVersion).where(PolicyVersion.version == version))


def record_acceptance(user, version: PolicyVersion) -> PolicyAcceptance:
    """The member accepted this version now, from this IP address."""
    acceptance = PolicyAcceptance(user_id=user.id, policy_version_id=version.id, ip_address=client_ip())
    db.session.add(acceptance)
    return acceptance
