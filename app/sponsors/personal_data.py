"""Personal data the sponsors feature stores: what organisations provide about their members, their
invitations, the use of their allowance, correction requests, and who manages an organisation."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from app.core.personal_data import delete_member_rows, erases_rows, iso, member_table_entry
from app.core.registry import ErasureAction, LegalBasis, PersonalDataEntry, declare_not_personal, register
from app.extensions import db
from app.sponsors import services
from app.sponsors.models import CorrectionRequest, Enrolment, ImportBatch, Invitation, SponsorAdmin, Usage


def _enrolments(user) -> list[Enrolment]:
    return list(
        db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.provided_dt))
    )


def export_sponsor_data(user) -> list[dict]:
    """Which organisation provided which data about the member, and when."""
    retention = services.data_retention()
    rows = []
    for enrolment in _enrolments(user):
        organisation = enrolment.organisation
        row = {
            "organisation": organisation.name,
            "organisation_kind": organisation.kind,
            "provided": iso(enrolment.provided_dt),
            "corrected": iso(enrolment.updated_dt),
            "first_name": enrolment.first_name,
            "last_name": enrolment.last_name,
            "cohort": enrolment.cohort.name if enrolment.cohort else None,
        }
        if organisation.is_school:
            row["grade_or_year"] = enrolment.grade
        else:
            row["level_of_hierarchy"] = enrolment.hierarchy_level
            row["recommendation"] = enrolment.recommendation
        row.update(
            enrolled=iso(enrolment.started_dt),
            ended=iso(enrolment.ended_dt),
            end_reason=enrolment.end_reason,
            deleted_after=iso(enrolment.ended_dt + retention) if enrolment.ended_dt else None,
        )
        rows.append(row)
    return rows


def count_sponsor_data(user):
    return select(func.count(Enrolment.id)).where(Enrolment.user_id == user.id)


def erase_sponsor_data(user) -> int:
    """Delete the enrolments and their correction requests; uses of the allowance stay without the member."""
    ids = list(db.session.scalars(select(Enrolment.id).where(Enrolment.user_id == user.id)))
    if not ids:
        return 0
    # As services.purge_enrolments does for the enrolments that ended long ago.
    options = {"synchronize_session": False}
    anonymous = update(Usage).where(Usage.enrolment_id.in_(ids)).values(enrolment_id=None, user_id=None)
    db.session.execute(anonymous, execution_options=options)
    db.session.execute(
        delete(CorrectionRequest).where(CorrectionRequest.enrolment_id.in_(ids)), execution_options=options
    )
    return db.session.execute(delete(Enrolment).where(Enrolment.id.in_(ids)), execution_options=options).rowcount


register(
    PersonalDataEntry(
        key="sponsor_data",
        category=_l(
            "Data your school or employer provided: your name as they know it, cohort, grade or year of study, "
            "level of hierarchy, recommendation, and your enrolment"
        ),
        purpose=_l("Confirming that you are eligible for the service your sponsor bought, and giving you access to it"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("The organisation that provided it (its admins), while you are enrolled"),),
        retention=_l("Until your enrolment with that sponsor ends, plus 1 year, then deleted"),
        tables=("sponsor_enrolment",),
        erasure=ErasureAction.DELETE,
        export=export_sponsor_data,
        erase=erase_sponsor_data,
        purge=services.purge_enrolments,
        count_query=count_sponsor_data,
        order=40,
        extra={"provided_by_sponsor": True, "member_page": "sponsors.my_sponsors"},
    )
)


def _own_invitations(user):
    if not user.email:
        return select(Invitation).where(Invitation.id.is_(None))
    return select(Invitation).where(Invitation.email == user.email)


def export_invitations(user) -> list[dict]:
    return [
        {
            "organisation": invitation.organisation.name,
            "role": invitation.role,
            "sent": iso(invitation.created_dt),
            "expires": iso(invitation.expires_dt),
            "first_name": invitation.first_name,
            "last_name": invitation.last_name,
            "cohort": invitation.cohort.name if invitation.cohort else None,
            "grade_or_year": invitation.grade or None,
            "level_of_hierarchy": invitation.hierarchy_level or None,
            "recommendation": invitation.recommendation or None,
            "language": invitation.locale,
        }
        for invitation in db.session.scalars(_own_invitations(user).order_by(Invitation.created_dt))
    ]


def count_invitations(user):
    # An e-mail address is never NULL on an invitation: a member without one counts none.
    return select(func.count(Invitation.id)).where(Invitation.email == user.email)


def erase_invitations(user) -> int:
    if not user.email:
        return 0
    return db.session.execute(
        delete(Invitation).where(Invitation.email == user.email), execution_options={"synchronize_session": False}
    ).rowcount


register(
    PersonalDataEntry(
        key="sponsor_invitations",
        category=_l("Invitations a school or employer sent you that you have not accepted"),
        purpose=_l("Inviting you to use the service your sponsor bought for you"),
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        recipients=(_l("The organisation that invited you (its admins)"),),
        retention=_l("Until you accept it or it is withdrawn; an expired invitation is deleted 30 days later"),
        tables=("sponsor_invitation",),
        erasure=ErasureAction.DELETE,
        export=export_invitations,
        erase=erase_invitations,
        purge=services.purge_invitations,
        count_query=count_invitations,
        order=41,
        extra={"provided_by_sponsor": True},
    )
)


def erase_usage(user) -> int:
    return db.session.execute(
        update(Usage).where(Usage.user_id == user.id).values(user_id=None, enrolment_id=None),
        execution_options={"synchronize_session": False},
    ).rowcount


register(
    member_table_entry(
        Usage,
        to_row=lambda row: {"organisation": row.organisation.name, "kind": row.kind, "when": iso(row.created_dt)},
        order_by=(Usage.created_dt,),
        key="sponsor_usage",
        category=_l("Interview simulations and practice tests your sponsor paid for"),
        purpose=_l("Counting what your sponsor's seats paid for; your sponsor sees only totals"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("Your sponsor, as totals only"),),
        retention=_l("Until your enrolment data is deleted; then kept without your name in your sponsor's totals"),
        erasure=ErasureAction.ANONYMISE,
        erasure_note=_l("Your sponsor's totals keep the count, without anything that names you."),
        erase=erase_usage,
        order=42,
    )
)


def _correction_row(row: CorrectionRequest) -> dict:
    return {
        "organisation": row.enrolment.organisation.name,
        "sent": iso(row.created_dt),
        "message": row.message,
        "status": row.status,
        "corrected": iso(row.resolved_dt),
        "changes": row.changes or [],
        "refusal_reason": row.refusal_reason or None,
    }


register(
    member_table_entry(
        CorrectionRequest,
        to_row=_correction_row,
        order_by=(CorrectionRequest.created_dt,),
        key="sponsor_corrections",
        category=_l("Your requests to correct the data a sponsor provided"),
        purpose=_l("Having the organisation correct the data it provided about you"),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        recipients=(_l("The organisation concerned (its admins), and our data-protection contact"),),
        retention=_l("As long as the data it is about"),
        erasure=ErasureAction.DELETE,
        erase=erases_rows(CorrectionRequest, synchronize_session=False),
        order=43,
    )
)


def erase_admin_roles(user) -> int:
    """Stop managing every organisation, and delete the files checked for an import not confirmed."""
    return delete_member_rows(ImportBatch, user, "uploaded_by_id", synchronize_session=False) + delete_member_rows(
        SponsorAdmin, user, synchronize_session=False
    )


register(
    member_table_entry(
        SponsorAdmin,
        to_row=lambda row: {"organisation": row.organisation.name, "since": iso(row.added_dt)},
        key="sponsor_admin",
        category=_l("Organisations you manage as a sponsor admin, and the files you are importing"),
        purpose=_l("Letting you manage your organisation's seats and enrolments"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("The other admins of the same organisation"),),
        retention=_l("As long as you manage the organisation; an import not confirmed is deleted after a day"),
        tables=("sponsor_admin", "sponsor_import"),
        erasure=ErasureAction.DELETE,
        erase=erase_admin_roles,
        order=44,
    )
)

declare_not_personal(
    "sponsor_organisation",
    "a school or employer; created_by_id only names the operator who created it and is cleared on erasure",
)
