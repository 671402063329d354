"""Personal data of role applications: what the member said to become an interviewer or a client."""

from flask_babel import lazy_gettext as _l

from app.applications.models import RoleApplication
from app.core.personal_data import AS_LONG_AS_THE_ACCOUNT, delete_member_rows, iso, member_table_entry, unlink_member
from app.core.registry import LegalBasis, register


def _application_row(row: RoleApplication) -> dict:
    return {
        "role": row.role,
        "sent": iso(row.created_dt),
        "status": row.status,
        "experience": row.experience,
        "sectors": row.sectors,
        "company_types": row.company_types,
        "languages": row.languages,
        "organisation": row.organisation,
        "website": row.website,
        "why": row.motivation,
        "decided": iso(row.decided_dt),
        "refusal_reason": row.refusal_reason,
    }


def erase_applications(user) -> int:
    """Her applications go; those she decided as an administrator stay for their applicants, without her."""
    return unlink_member(RoleApplication, "decided_by_id", user) + delete_member_rows(RoleApplication, user)


register(
    member_table_entry(
        RoleApplication,
        to_row=_application_row,
        key="role_applications",
        category=_l("Your applications to become an interviewer or a client, and our answers"),
        purpose=_l("Deciding whether to give you the role you asked for, and telling you why"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("Caseinjob administrators"),),
        retention=AS_LONG_AS_THE_ACCOUNT,
        erase=erase_applications,
        order=15,
    )
)
