"""Policy versions and each member's acceptance of them."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.extensions import db


class PolicyVersion(db.Model):
    __tablename__ = "policy_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(10), unique=True)
    effective_date: Mapped[date]
    #: A material change must be accepted again (or the account closed) once it takes effect.
    is_material: Mapped[bool] = mapped_column(default=False)
    #: The template holding the text, one {% trans %} per paragraph.
    template: Mapped[str] = mapped_column(String(100))
    summary_en: Mapped[str] = mapped_column(Text, default="")
    summary_fr: Mapped[str] = mapped_column(Text, default="")
    published_dt: Mapped[datetime] = mapped_column(default=utcnow)

    def summary(self, locale: str) -> str:
        return self.summary_fr if locale == "fr" else self.summary_en


class PolicyAcceptance(db.Model):
    __tablename__ = "policy_acceptance"
    __table_args__ = (UniqueConstraint("user_id", "policy_version_id", name="uq_policy_acceptance_user_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id", ondelete="RESTRICT"))
    accepted_dt: Mapped[datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45))

    policy_version: Mapped[PolicyVersion] = relationship(lazy="joined")
