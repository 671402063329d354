"""Personal data that the privacy feature stores: policy acceptances, consents, objections, requests, exports."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from app.core.registry import ErasureAction, LegalBasis, PersonalDataEntry, declare_not_personal, register
from app.extensions import db
from app.privacy.holds import scope_categories
from app.privacy.models import (
    Consent,
    ConsentEvent,
    ConsentPurpose,
    ExportRun,
    LegalHold,
    Objection,
    PolicyAcceptance,
    PrivacyRequest,
)


def _iso(value):
    return value.isoformat() if value else None


def _count_query(model, user):
    return select(func.count(model.id)).where(model.user_id == user.id)


def _erase(*models):
    def erase(user) -> int:
        return sum(db.session.execute(delete(model).where(model.user_id == user.id)).rowcount for model in models)

    return erase


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
        count_query=lambda user: _count_query(PolicyAcceptance, user),
        order=60,
    )
)


def export_consents(user) -> list[dict]:
    rows = db.session.scalars(
        select(ConsentEvent).where(ConsentEvent.user_id == user.id).order_by(ConsentEvent.created_dt, ConsentEvent.id)
    )
    return [
        {
            "when": _iso(row.created_dt),
            "purpose": row.purpose,
            "purpose_label": ConsentPurpose(row.purpose).label,
            "choice": "granted" if row.is_granted else "withdrawn",
            "policy_version": row.policy_version.version if row.policy_version else None,
            "source": row.source,
            "ip_address": row.ip_address,
            "receipt": row.public_id,
        }
        for row in rows
    ]


register(
    PersonalDataEntry(
        key="consents",
        category=_l("Your consents and their history (purpose, choice, time, policy version, IP address)"),
        purpose=_l("Doing only what you agreed to, and proving when you agreed or withdrew"),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=_l("As long as your account exists"),
        tables=("consent", "consent_event"),
        export=export_consents,
        erase=_erase(ConsentEvent, Consent),
        count_query=lambda user: _count_query(ConsentEvent, user),
        order=62,
    )
)


def export_objections(user) -> list[dict]:
    rows = db.session.scalars(select(Objection).where(Objection.user_id == user.id).order_by(Objection.created_dt))
    return [
        {
            "made": _iso(row.created_dt),
            "topic": row.topic,
            "reason": row.reason,
            "status": row.status,
            "reviewed": _iso(row.reviewed_dt),
            "review_note": row.review_note,
        }
        for row in rows
    ]


register(
    PersonalDataEntry(
        key="objections",
        category=_l("Your objections and how they were reviewed"),
        purpose=_l("Stopping the processing you object to, and reviewing the objection"),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        recipients=(_l("Caseinjob administrators"),),
        retention=_l("As long as your account exists"),
        tables=("objection",),
        export=export_objections,
        erase=_erase(Objection),
        count_query=lambda user: _count_query(Objection, user),
        order=64,
    )
)


def export_requests(user) -> list[dict]:
    rows = db.session.scalars(
        select(PrivacyRequest).where(PrivacyRequest.user_id == user.id).order_by(PrivacyRequest.received_dt)
    )
    return [
        {
            "received": _iso(row.received_dt),
            "kind": row.kind,
            "subject": row.subject,
            "message": row.message,
            "due": _iso(row.due_date),
            "status": row.status,
            "outcome": row.outcome,
            "handled": _iso(row.handled_dt),
        }
        for row in rows
    ]


register(
    PersonalDataEntry(
        key="privacy_requests",
        category=_l("Your privacy requests, questions and complaints, with our answers"),
        purpose=_l("Answering your requests within the time the law sets"),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        recipients=(_l("Our data-protection contact"),),
        retention=_l("As long as your account exists"),
        tables=("privacy_request",),
        export=export_requests,
        erase=_erase(PrivacyRequest),
        count_query=lambda user: _count_query(PrivacyRequest, user),
        order=66,
    )
)


def export_runs(user) -> list[dict]:
    rows = db.session.scalars(select(ExportRun).where(ExportRun.user_id == user.id).order_by(ExportRun.created_dt))
    return [{"when": _iso(row.created_dt), "status": row.status} for row in rows]


register(
    PersonalDataEntry(
        key="exports",
        category=_l("The copies of your data you downloaded"),
        purpose=_l("Checking that every export was complete, and limiting how often one is made"),
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        recipients=(_l("Caseinjob administrators"),),
        retention=_l("As long as your account exists"),
        tables=("export_run",),
        export=export_runs,
        erase=_erase(ExportRun),
        count_query=lambda user: _count_query(ExportRun, user),
        order=68,
    )
)


def export_holds(user) -> list[dict]:
    rows = db.session.scalars(select(LegalHold).where(LegalHold.user_id == user.id).order_by(LegalHold.placed_dt))
    return [
        {
            "placed": _iso(row.placed_dt),
            "reason": row.reason,
            "kept": scope_categories(row),
            "until": _iso(row.until_date),
            "lifted": _iso(row.lifted_dt),
        }
        for row in rows
    ]


register(
    PersonalDataEntry(
        key="legal_holds",
        category=_l("Legal holds: data we must keep for a legal claim or an authority's request"),
        purpose=_l("Establishing, exercising or defending legal claims, and answering the authorities"),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        recipients=(_l("Our data-protection contact"), _l("The court or authority concerned, if it asks")),
        retention=_l("Until the day the hold ends; then what it kept is erased if you asked us to"),
        tables=("legal_hold",),
        erasure=ErasureAction.DELETE,
        export=export_holds,
        erase=_erase(LegalHold),
        count_query=lambda user: _count_query(LegalHold, user),
        order=67,
    )
)

declare_not_personal(
    "erasure_job",
    "An erasure job names nobody: it holds entry keys, statuses and row counts; its link to the account "
    "is cut when the account row is deleted.",
)
