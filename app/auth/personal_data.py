"""Personal data that accounts store: identity and contact details, roles, sessions, two-step codes,
codes sent by SMS."""

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from app.auth.models import PhoneCode, RecoveryCode, Role, UserSession
from app.core.personal_data import erases_rows, iso, member_table_entry
from app.core.registry import LegalBasis, PersonalDataEntry, register
from app.core.values import labels_of
from app.extensions import db


def export_account(user) -> dict:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "email_verified": iso(user.email_verified_dt),
        "phone": user.phone,
        "phone_verified": iso(user.phone_verified_dt),
        "username": user.username,
        "company": user.company,
        "language": user.locale,
        "time_zone": user.timezone,
        "created": iso(user.created_dt),
        "last_sign_in": iso(user.last_login_dt),
        "roles": sorted(role.value for role in user.role_set),
        "two_step_verification": user.has_totp,
        "suspended": user.is_suspended,
    }


register(
    PersonalDataEntry(
        key="account",
        category=_l("Account: name, e-mail, phone, username, company, password (hashed), language, roles"),
        purpose=_l("Creating and running your account, signing you in, writing to you"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("Interviewers and clients you work with see your name"),),
        retention=_l("As long as your account exists; unverified accounts are deleted after 30 days"),
        tables=("user_account", "user_role"),
        export=export_account,
        # The account row itself is deleted last, by the erasure service, after every other entry.
        erase=None,
        count=lambda user: 1,
        order=10,
        extra={
            "edit_endpoint": "auth.account",
            "words": {"roles": labels_of(Role)},  # how the dashboard writes them (app.core.values)
            "labels": {
                "first_name": _l("First name"),
                "last_name": _l("Last name"),
                "email": _l("E-mail address"),
                "email_verified": _l("E-mail address verified"),
                "phone": _l("Mobile phone"),
                "phone_verified": _l("Mobile phone verified"),
                "username": _l("Username"),
                "company": _l("Company or school"),
                "language": _l("Language"),
                "time_zone": _l("Time zone"),
                "created": _l("Account created"),
                "last_sign_in": _l("Last sign-in"),
                "roles": _l("Roles"),
                "two_step_verification": _l("Two-step verification"),
                "suspended": _l("Suspended"),
            },
        },
    )
)


def _session_row(row: UserSession) -> dict:
    return {
        "signed_in": iso(row.created_dt),
        "last_activity": iso(row.last_seen_dt),
        "ended": iso(row.ended_dt),
        "ip_address": row.ip_address,
        "device": row.user_agent,
        "remembered": row.is_remembered,
    }


def purge_sessions(now) -> int:
    """Sessions that ended (or expired) longer ago than LOGIN_RECORD_RETENTION: they hold IP addresses."""
    limit = now - current_app.config["LOGIN_RECORD_RETENTION"]
    return db.session.execute(
        delete(UserSession).where(
            or_(UserSession.ended_dt < limit, (UserSession.ended_dt.is_(None)) & (UserSession.expires_dt < limit))
        )
    ).rowcount


register(
    member_table_entry(
        UserSession,
        to_row=_session_row,
        key="sessions",
        category=_l("Signed-in devices (IP address, browser, last activity)"),
        purpose=_l("Keeping you signed in, and letting you sign out any device"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(),
        retention=_l("Until the session ends, then 12 months"),
        purge=purge_sessions,
        order=70,
    )
)


# Recovery codes are hashes only: nothing to show or export, but erasure removes them.
register(
    PersonalDataEntry(
        key="recovery_codes",
        category=_l("Two-step verification recovery codes (stored as hashes)"),
        purpose=_l("Letting you sign in if you lose your phone"),
        legal_basis=LegalBasis.CONTRACT,
        retention=_l("Until you replace them or turn two-step verification off"),
        tables=("recovery_code",),
        export=lambda user: {
            "unused_codes": db.session.scalar(
                select(func.count(RecoveryCode.id)).where(
                    RecoveryCode.user_id == user.id, RecoveryCode.used_dt.is_(None)
                )
            )
        },
        erase=erases_rows(RecoveryCode),
        order=75,
    )
)


#: Codes by SMS work for minutes; their rows (a keyed hash, the number, dates) go a day after they expire.
PHONE_CODE_KEPT_AFTER_EXPIRY = timedelta(days=1)


def _phone_code_row(row: PhoneCode) -> dict:
    return {
        "purpose": row.purpose,
        "sent_to": row.phone,
        "sent": iso(row.created_dt),
        "expires": iso(row.expires_dt),
        "used_or_replaced": iso(row.used_dt),
        "wrong_attempts": row.wrong_attempts,
    }


def purge_phone_codes(now) -> int:
    return db.session.execute(
        delete(PhoneCode).where(PhoneCode.expires_dt < now - PHONE_CODE_KEPT_AFTER_EXPIRY)
    ).rowcount


register(
    member_table_entry(
        PhoneCode,
        to_row=_phone_code_row,
        key="phone_codes",
        category=_l("Codes sent to your phone by text message (stored as keyed hashes, with the number)"),
        purpose=_l("Checking that a phone number is yours, and letting you reset your password by phone"),
        legal_basis=LegalBasis.CONTRACT,
        retention=_l("They work for a few minutes, once; deleted a day after they expire"),
        retention_period=PHONE_CODE_KEPT_AFTER_EXPIRY,
        purge=purge_phone_codes,
        order=76,
    )
)
