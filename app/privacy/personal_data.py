"""Personal data that the privacy feature stores: policy acceptances, consents, objections, requests, exports."""

from flask_babel import lazy_gettext as _l

from app.core.personal_data import AS_LONG_AS_THE_ACCOUNT, erases_rows, iso, member_table_entry
from app.core.registry import ErasureAction, LegalBasis, declare_not_personal, register
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


def _acceptance_row(row: PolicyAcceptance) -> dict:
    return {
        "version": row.policy_version.version,
        "accepted": row.accepted_dt.isoformat(),
        "ip_address": row.ip_address,
    }


register(
    member_table_entry(
        PolicyAcceptance,
        to_row=_acceptance_row,
        order_by=(PolicyAcceptance.accepted_dt,),
        key="policy_acceptances",
        category=_l("Your acceptances of the privacy policy (version, time, IP address)"),
        purpose=_l("Proving which version of the policy you accepted, and when"),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=AS_LONG_AS_THE_ACCOUNT,
        erasure=ErasureAction.DELETE,
        order=60,
    )
)


def _consent_row(row: ConsentEvent) -> dict:
    return {
        "when": iso(row.created_dt),
        "purpose": row.purpose,
        "purpose_label": ConsentPurpose(row.purpose).label,
        "choice": "granted" if row.is_granted else "withdrawn",
        "policy_version": row.policy_version.version if row.policy_version else None,
        "source": row.source,
        "ip_address": row.ip_address,
        "receipt": row.public_id,
    }


# The history is what the member sees and counts; the current choices go with it.
register(
    member_table_entry(
        ConsentEvent,
        to_row=_consent_row,
        order_by=(ConsentEvent.created_dt, ConsentEvent.id),
        key="consents",
        category=_l("Your consents and their history (purpose, choice, time, policy version, IP address)"),
        purpose=_l("Doing only what you agreed to, and proving when you agreed or withdrew"),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=AS_LONG_AS_THE_ACCOUNT,
        tables=("consent", "consent_event"),
        erase=erases_rows(ConsentEvent, Consent),
        order=62,
    )
)


def _objection_row(row: Objection) -> dict:
    return {
        "made": iso(row.created_dt),
        "topic": row.topic,
        "reason": row.reason,
        "status": row.status,
        "reviewed": iso(row.reviewed_dt),
        "review_note": row.review_note,
    }


register(
    member_table_entry(
        Objection,
        to_row=_objection_row,
        order_by=(Objection.created_dt,),
        key="objections",
        category=_l("Your objections and how they were reviewed"),
        purpose=_l("Stopping the processing you object to, and reviewing the objection"),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        recipients=(_l("Caseinjob administrators"),),
        retention=AS_LONG_AS_THE_ACCOUNT,
        order=64,
    )
)


def _request_row(row: PrivacyRequest) -> dict:
    return {
        "received": iso(row.received_dt),
        "kind": row.kind,
        "subject": row.subject,
        "message": row.message,
        "due": iso(row.due_date),
        "status": row.status,
        "outcome": row.outcome,
        "handled": iso(row.handled_dt),
    }


register(
    member_table_entry(
        PrivacyRequest,
        to_row=_request_row,
        order_by=(PrivacyRequest.received_dt,),
        key="privacy_requests",
        category=_l("Your privacy requests, questions and complaints, with our answers"),
        purpose=_l("Answering your requests within the time the law sets"),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        recipients=(_l("Our data-protection contact"),),
        retention=AS_LONG_AS_THE_ACCOUNT,
        order=66,
    )
)


register(
    member_table_entry(
        ExportRun,
        to_row=lambda row: {"when": iso(row.created_dt), "status": row.status},
        order_by=(ExportRun.created_dt,),
        key="exports",
        category=_l("The copies of your data you downloaded"),
        purpose=_l("Checking that every export was complete, and limiting how often one is made"),
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        recipients=(_l("Caseinjob administrators"),),
        retention=AS_LONG_AS_THE_ACCOUNT,
        order=68,
    )
)


def _hold_row(row: LegalHold) -> dict:
    return {
        "placed": iso(row.placed_dt),
        "reason": row.reason,
        "kept": scope_categories(row),
        "until": iso(row.until_date),
        "lifted": iso(row.lifted_dt),
    }


register(
    member_table_entry(
        LegalHold,
        to_row=_hold_row,
        order_by=(LegalHold.placed_dt,),
        key="legal_holds",
        category=_l("Legal holds: data we must keep for a legal claim or an authority's request"),
        purpose=_l("Establishing, exercising or defending legal claims, and answering the authorities"),
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        recipients=(_l("Our data-protection contact"), _l("The court or authority concerned, if it asks")),
        retention=_l("Until the day the hold ends; then what it kept is erased if you asked us to"),
        erasure=ErasureAction.DELETE,
        order=67,
    )
)

declare_not_personal(
    "erasure_job",
    "An erasure job names nobody: it holds entry keys, statuses and row counts; its link to the account "
    "is cut when the account row is deleted.",
)
