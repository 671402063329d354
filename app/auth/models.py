"""Members, their roles, their signed-in sessions, their two-step recovery codes and the codes sent by SMS."""

import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.columns import IdMixin, PublicIdMixin, one_of
from app.core.columns import new_public_id as new_public_id  # where app.demo imports it from
from app.core.enums import LabelledEnum
from app.core.timeutil import utcnow
from app.extensions import db


class Role(LabelledEnum):
    CANDIDATE = "candidate", _l("Candidate")
    INTERVIEWER = "interviewer", _l("Interviewer")
    SPONSOR_ADMIN = "sponsor_admin", _l("Sponsor admin")
    CLIENT = "client", _l("Client")
    TEST_AUTHOR = "test_author", _l("Test author")
    ADMIN = "admin", _l("Administrator")


class User(PublicIdMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="email_or_phone"),
        # The few restricted members, for the lists that leave them out (app.privacy.disclosure): partial, so
        # that even without statistics (PostgreSQL's autovacuum off, SQLite never analysed) it is the plan.
        Index(
            "ix_user_account_restricted",
            "id",
            sqlite_where=text("is_processing_restricted = 1"),
            postgresql_where=text("is_processing_restricted"),
        ),
    )

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    #: Lower-cased, so that uniqueness is case-insensitive on every database.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    email_verified_dt: Mapped[datetime | None]
    #: E.164, as phonenumbers formats it (+33612345678).
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    #: When the member proved, with a code sent by SMS, that the phone number is theirs.
    phone_verified_dt: Mapped[datetime | None]
    #: Lower-cased; letters, digits, dot, dash and underscore.
    username: Mapped[str | None] = mapped_column(String(40), unique=True)
    company: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_dt: Mapped[datetime] = mapped_column(default=utcnow)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    created_dt: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_login_dt: Mapped[datetime | None]
    is_suspended: Mapped[bool] = mapped_column(default=False)
    #: Indexed, as is_processing_restricted (ix_user_account_restricted): lists find the few members withheld
    #: from them by these two (app.privacy.disclosure), rather than checking every member they list.
    suspended_reason: Mapped[str | None] = mapped_column(String(500), index=True)
    suspended_dt: Mapped[datetime | None]
    #: The TOTP secret, encrypted with the file key (core.crypto); None until two-step is set up.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(300))
    totp_enabled_dt: Mapped[datetime | None]
    #: Restriction of processing (GDPR art. 18): while set, the member's data is only stored: no matching,
    #: hidden from clients and sponsors, no marketing. Features ask app.privacy.services.is_restricted(user).
    is_processing_restricted: Mapped[bool] = mapped_column(default=False)
    restricted_dt: Mapped[datetime | None]

    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="UserRole.user_id", lazy="selectin"
    )

    #: The session this request runs in (set when the session is loaded; not a column).
    current_session = None

    # Flask-Login protocol. get_id() names the server-side session, not the member, so that ending the
    # session row signs the device out even though its signed cookie is still valid.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.is_suspended

    def get_id(self) -> str | None:
        return self.current_session.token if self.current_session else None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def role_set(self) -> set[Role]:
        return {Role(link.role) for link in self.roles}

    def has_role(self, *roles: Role) -> bool:
        mine = {link.role for link in self.roles}
        return any(role.value in mine for role in roles)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_dt is not None

    @property
    def is_phone_verified(self) -> bool:
        return self.phone is not None and self.phone_verified_dt is not None

    @property
    def has_totp(self) -> bool:
        return self.totp_enabled_dt is not None

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(IdMixin, db.Model):
    __tablename__ = "user_role"
    __table_args__ = (
        UniqueConstraint("user_id", "role", name="uq_user_role_user_id_role"),
        one_of("role", Role),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    granted_dt: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])


class EndReason(enum.StrEnum):
    LOGOUT = "logout"
    ENDED_BY_MEMBER = "ended_by_member"
    PASSWORD_CHANGED = "password_changed"
    SUSPENDED = "suspended"
    ERASED = "erased"
    EXPIRED = "expired"


class UserSession(PublicIdMixin, db.Model):
    """One signed-in device. The cookie carries a random token; only its hash is stored."""

    __tablename__ = "user_session"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_dt: Mapped[datetime] = mapped_column(default=utcnow)
    expires_dt: Mapped[datetime]
    is_remembered: Mapped[bool] = mapped_column(default=False)
    #: Whether the second factor was checked in this session (admins need it for admin pages).
    is_mfa_verified: Mapped[bool] = mapped_column(default=False)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ended_dt: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship()

    #: The clear token, known only in the request that created or loaded the session.
    token = None

    @property
    def is_open(self) -> bool:
        return self.ended_dt is None


class RecoveryCode(IdMixin, db.Model):
    """Single-use codes that stand in for the authenticator app; only their hashes are stored."""

    __tablename__ = "recovery_code"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_dt: Mapped[datetime | None]


class PhoneCodePurpose(enum.StrEnum):
    VERIFY_PHONE = "verify_phone"
    RESET_PASSWORD = "reset_password"


class PhoneCode(IdMixin, db.Model):
    """A short numeric code sent by SMS: to prove a (new) number is the member's, or to reset a password.

    Only a keyed hash of the code is stored; it is short-lived, single use, and spent after a few wrong tries.
    """

    __tablename__ = "phone_code"
    __table_args__ = (one_of("purpose", PhoneCodePurpose),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    #: The number the code was sent to (E.164): for a change, the new number, set on the account once proven.
    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    expires_dt: Mapped[datetime]
    wrong_attempts: Mapped[int] = mapped_column(default=0)
    #: Set when the code was used, replaced by a newer one, or spent by too many wrong tries.
    used_dt: Mapped[datetime | None]


def new_token() -> str:
    return secrets.token_urlsafe(32)
