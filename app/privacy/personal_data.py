"""Personal data that the privacy feature stores: acceptances of the policy."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.core.registry import ErasureAction, LegalBasis, PersonalDataEntry, register
from app.extensions import db
from app.privacy.models import PolicyAcceptance


def export_acceptances(user) -> list[dict]:
    rows = db.session.scalars(
        select(PolicyAcceptance).where(PolicyAcceptance.user_id == user.id).order_by(PolicyAcceptance.accepted_dt)
    )
    return [
        {
            "version": row.policy_version.version,
            "accepted": row.accepted_dt.isoformat(),
            "ip_address": row.ip_address,
        }
        for row in rows
    ]


def erase_acceptances(user) -> int:
    return db.session.execute(delete(PolicyAcceptance).where(PolicyAcceptance.user_id == user.id)).rowcount


register(
    PersonalDataEntry(
        key="policy_acceptances",
        category=_l("Your acceptances of the privacy policy (version, time, IP address)"),
        purpose=_l("Proving which version of the policy you accepted, and when"),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=_l("As long as your account exists"),
        tables=("policy_acceptance",),
        erasure=ErasureAction.DELETE,
        export=export_acceptances,
        erase=erase_acceptances,
        count=lambda user: len(export_acceptances(user)),
        order=60,
    )
)
