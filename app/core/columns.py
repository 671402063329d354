"""Columns many tables share, declared once: each model then states only the columns that are its own."""

import uuid
from collections.abc import Iterable

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column


def new_public_id() -> str:
    """An identifier for URLs that name someone's data: random, so it cannot be guessed."""
    return uuid.uuid4().hex


# Mixin columns would otherwise come after the model's own; these keep the key columns first, as the
# migrations created them (id, then public_id).
_ID_FIRST, _PUBLIC_ID_SECOND = -2, -1


class IdMixin:
    """The integer primary key."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=_ID_FIRST)


class PublicIdMixin(IdMixin):
    """The primary key, and a random `public_id` that URLs use instead of it."""

    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id, sort_order=_PUBLIC_ID_SECOND)


def one_of(column: str, codes: Iterable[str], *, nullable: bool = False, name: str | None = None) -> CheckConstraint:
    """A check that `column` holds one of `codes` (an enum, usually), so the codes are listed in one place.

    Named `known_<column>` unless `name` says otherwise; `nullable` lets the column be NULL too.
    """
    listed = ", ".join(f"'{code}'" for code in codes)
    condition = f"{column} IN ({listed})"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return CheckConstraint(condition, name=name or f"known_{column}")
