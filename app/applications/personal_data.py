"""Personal data of role applications: what the member said to become an interviewer or a client."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from app.applications.models import RoleApplication
from app.core.registry import LegalBasis, PersonalDataEntry, register
from app.extensions import db


def _iso(value):
    return value.isoformat() if value else None


def export_applications(user) -> list[dict]:
    rows = db.session.scalars(
        select(RoleApplication).where(RoleApplication.user_id == user.id).order_by(RoleApplication.id)
    )
    return [
        {
            "role": row.role,
            "sent": _iso(row.created_dt),
            "status": row.status,
            "experience": row.experience,
            "sectors": row.sectors,
            "company_types": row.company_types,
            "languages": row.languages,
            "organisation": row.organisation,
            "website": row.website,
            "why": row.motivation,
            "decided": _iso(row.decided_dt),
            "refusal_reason": row.refusal_reason,
        }
        for row in rows
    ]


def erase_applications(user) -> int:
    """Her applications go; those she decided as an administrator stay for their applicants, without her."""
    unlinked = db.session.execute(
        update(RoleApplication).where(RoleApplication.decided_by_id == user.id).values(decided_by_id=None)
    ).rowcount
    return unlinked + db.session.execute(delete(RoleApplication).where(RoleApplication.user_id == user.id)).rowcount


register(
    PersonalDataEntry(
        key="role_applications",
        category=_l("Your applications to become an interviewer or a client, and our answers"),
        purpose=_l("Deciding whether to give you the role you asked for, and telling you why"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("Caseinjob administrators"),),
        retention=_l("As long as your account exists"),
        tables=("role_application",),
        export=export_applications,
        erase=erase_applications,
        count_query=lambda user: select(func.count(RoleApplication.id)).where(RoleApplication.user_id == user.id),
        order=15,
    )
)
