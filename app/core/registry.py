"""The personal-data registry: each feature declares, in its personal_data.py, what it stores about members.

The privacy features (dashboard, export, erasure, retention, records of processing) read only this
registry, so a kind of data that is not declared here cannot be shown, exported or erased, and the
completeness test fails on any table that refers to a member without an entry.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam

from app.core.enums import LabelledEnum
from app.extensions import db


class LegalBasis(LabelledEnum):
    CONSENT = "consent", _l("Your consent")
    CONTRACT = "contract", _l("Performance of our contract with you")
    LEGAL_OBLIGATION = "legal_obligation", _l("A legal obligation")
    LEGITIMATE_INTEREST = "legitimate_interest", _l("Our legitimate interest")


class ErasureAction(LabelledEnum):
    DELETE = "delete", _l("Deleted")
    ANONYMISE = "anonymise", _l("Anonymised")
    KEEP = "keep", _l("Kept")  # kept for a legal obligation; the dashboard shows why


@dataclass(frozen=True)
class PersonalDataEntry:
    """One kind of personal data: where it lives, why, on what basis, for whom, and for how long.

    `export(user)` returns JSON-ready data (a list of rows is written as CSV too); `erase(user)` deletes
    or anonymises it and returns how many rows it touched. `files(user)` yields (name, bytes) for the
    export. `purge(now)` applies the retention period and returns how many rows it touched.

    `count_query(user)` returns a select of one number, the member's rows, using only `user.id` and
    `user.email`: the dashboard counts every such entry in one statement, built once per process with
    MEMBER (bound parameters) as the user. It gives `count` when none is given.
    """

    key: str
    category: Any  # lazy string
    purpose: Any
    legal_basis: LegalBasis
    recipients: tuple = ()
    retention: Any = None  # lazy string shown to the member ("2 years after ...")
    retention_period: timedelta | None = None
    tables: tuple[str, ...] = ()
    erasure: ErasureAction = ErasureAction.DELETE
    #: Why the data is kept (ErasureAction.KEEP) or what stays after anonymisation, shown to the member.
    erasure_note: Any = None
    export: Callable[[Any], Any] | None = None
    erase: Callable[[Any], int] | None = None
    files: Callable[[Any], Any] | None = None
    purge: Callable[[Any], int] | None = None
    count: Callable[[Any], int] | None = None
    count_query: Callable[[Any], Any] | None = None
    order: int = 100
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.count is None and self.count_query is not None:
            object.__setattr__(self, "count", _count_with(self.count_query))


def _count_with(count_query: Callable[[Any], Any]) -> Callable[[Any], int]:
    def count(user) -> int:
        return db.session.scalar(count_query(user))

    return count


class MemberParameters:
    """Stands for the member in a count_query built once for everyone: its attributes are bound parameters."""

    id = bindparam("member_id")
    email = bindparam("member_email")

    @staticmethod
    def values(user) -> dict[str, Any]:
        """The parameters' values for this member."""
        return {"member_id": user.id, "member_email": user.email}


MEMBER = MemberParameters()


_ENTRIES: dict[str, PersonalDataEntry] = {}
#: Tables that mention a member but hold nothing personal of their own, with the reason.
_NOT_PERSONAL: dict[str, str] = {}


def register(entry: PersonalDataEntry) -> PersonalDataEntry:
    if entry.key in _ENTRIES and _ENTRIES[entry.key] != entry:
        raise ValueError(f"personal-data entry {entry.key!r} registered twice")
    _ENTRIES[entry.key] = entry
    return entry


def find(key: str) -> PersonalDataEntry | None:
    """The entry registered under `key`, if a feature registered one (the dashboard reads "access_log" so)."""
    return _ENTRIES.get(key)


def not_personal() -> dict[str, str]:
    return dict(_NOT_PERSONAL)


def declare_not_personal(table: str, reason: str) -> None:
    _NOT_PERSONAL[table] = reason


def entries() -> list[PersonalDataEntry]:
    return sorted(_ENTRIES.values(), key=lambda entry: (entry.order, entry.key))


def covered_tables() -> set[str]:
    return {table for entry in _ENTRIES.values() for table in entry.tables} | set(_NOT_PERSONAL)
