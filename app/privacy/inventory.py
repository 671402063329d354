"""What the dashboard shows about a member, read from the personal-data registry only.

Registry entries may add, in `extra`:
- "edit_endpoint": the endpoint where the member corrects this data (rectification link);
- "provided_by_sponsor": True for data a sponsor gave us (corrected through a request to an admin);
- "client_shares": a callable(user) returning [{"what", "client", "until"}] for results or documents
  shared with a client, and until when that client can see them;
- "login_kinds": on the security_events entry, the event kinds that are sign-ins;
- "dashboard_export": a callable(user) returning the part of the export the dashboard shows, read instead
  of the whole export (the security events: the latest sign-ins only).
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import get_locale
from sqlalchemy import select

from app.auth.permissions import may_open
from app.core import registry
from app.core.registry import MEMBER, ErasureAction, PersonalDataEntry
from app.extensions import db

logger = logging.getLogger("caseinjob.privacy")

#: The registry key whose export lists who viewed the member's data: [{when, viewer, what, why}].
ACCESS_LOG_KEY = "access_log"
SECURITY_EVENTS_KEY = "security_events"


@dataclass(frozen=True)
class EntryTexts:
    """An entry's lazy texts, translated: what its card on the dashboard shows."""

    category: str
    purpose: str
    legal_basis: str
    recipients: tuple[str, ...]
    retention: str
    erasure_note: str
    labels: dict[str, str]


#: (locale, entry key) -> (entry, its texts). The registry's texts are fixed, but resolving each lazy string
#: through Flask-Babel costs dozens of calls, and the dashboard showed about 280 of them on every view.
_TEXTS: dict[tuple[str, str], tuple[PersonalDataEntry, EntryTexts]] = {}


def entry_texts(entry: PersonalDataEntry, locale: str | None = None) -> EntryTexts:
    """The entry's texts in the current language (`locale`, when the caller has it), translated once per
    process and language."""
    cache_key = (locale or str(get_locale()), entry.key)
    cached = _TEXTS.get(cache_key)
    if cached is None or cached[0] is not entry:  # another entry under the same key (tests add some): redo
        texts = EntryTexts(
            category=str(entry.category),
            purpose=str(entry.purpose),
            legal_basis=entry.legal_basis.label,
            recipients=tuple(str(recipient) for recipient in entry.recipients),
            retention=str(entry.retention or ""),
            erasure_note=str(entry.erasure_note or ""),
            labels={key: str(label) for key, label in entry.extra.get("labels", {}).items()},
        )
        cached = _TEXTS[cache_key] = (entry, texts)
    return cached[1]


@dataclass
class Holding:
    entry: PersonalDataEntry
    texts: EntryTexts
    #: For an entry that exports one record: its fields and values; else None.
    values: list[tuple[str, Any]] | None = None
    #: For an entry with labels that exports a list: its first records (each a list of fields and values).
    records: list[list[tuple[str, Any]]] | None = None
    count: int | None = None
    edit_endpoint: str | None = None
    from_sponsor: bool = False
    #: Reading it failed just now (logged); the dashboard says so instead of showing nothing.
    unavailable: bool = False

    @property
    def keeps_after_erasure(self) -> bool:
        return self.entry.erasure == ErasureAction.KEEP


@dataclass
class Inventory:
    holdings: list[Holding] = field(default_factory=list)
    sponsor_holdings: list[Holding] = field(default_factory=list)
    access_log: list[dict] | None = None
    logins: list[dict] = field(default_factory=list)
    client_shares: list[dict] = field(default_factory=list)


#: How many records of a listed entry its card shows (the export holds them all).
RECORDS_SHOWN = 20


def _parse_when(value):
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _shows_export(entry: PersonalDataEntry) -> bool:
    """Whether the dashboard needs the entry's export: a record shown field by field (it has labels), the
    sign-ins and the access log, or an entry with no count. Exporting every entry to count rows made the
    dashboard as slow as a full export (hundreds of queries for an active member)."""
    return entry.count is None or "labels" in entry.extra or entry.key in (ACCESS_LOG_KEY, SECURITY_EVENTS_KEY)


def _read(entry: PersonalDataEntry, user, counts: dict[str, int]) -> tuple[Any, int | None]:
    """The entry's export (when the dashboard shows it) and its count (from `counts` when it is there)."""
    export = entry.extra.get("dashboard_export", entry.export)
    exported = export(user) if export is not None and _shows_export(entry) else None
    if entry.key in counts:
        return exported, counts[entry.key]
    return exported, entry.count(user) if entry.count is not None else None


#: [(the entries with a count_query, the statement that counts them all)], built once per process.
_COUNTING: list[tuple[tuple[PersonalDataEntry, ...], Any]] = []


def _counting_statement(counted: tuple[PersonalDataEntry, ...]):
    """One SELECT of every entry's count as scalar subqueries: a statement per entry was 26 of the dashboard's
    39. Built once with the member as bound parameters; again only if the entries change (tests add some)."""
    cached = _COUNTING[0] if _COUNTING else None
    if cached is None or not _same_entries(cached[0], counted):
        cached = (counted, select(*(entry.count_query(MEMBER).scalar_subquery() for entry in counted)))
        _COUNTING[:] = [cached]
    return cached[1]


def _same_entries(these: tuple[PersonalDataEntry, ...], those: tuple[PersonalDataEntry, ...]) -> bool:
    return len(these) == len(those) and all(a is b for a, b in zip(these, those, strict=True))


def _counts(entries: list[PersonalDataEntry], user) -> dict[str, int]:
    """The count of every entry that has a count_query, by entry key, in one statement."""
    counted = tuple(entry for entry in entries if entry.count_query is not None)
    if not counted:
        return {}
    row = db.session.execute(_counting_statement(counted), MEMBER.values(user)).one()
    return {entry.key: count for entry, count in zip(counted, row, strict=True)}


#: What `_read_each` gives for an entry that could not be read.
UNREADABLE = None


def _read_all(entries: list[PersonalDataEntry], user) -> dict[str, tuple[Any, int | None] | None]:
    """Read every entry inside one savepoint, their counts in one statement; only if one fails, read them
    again one savepoint each (each entry's own count then).

    A savepoint per entry (so that a failed query, which aborts a PostgreSQL transaction, spoils only its
    own entry) cost two extra statements per entry on every view: 56 of the dashboard's 95 statements.
    Failures are rare, so the common view pays for one savepoint and a failing view for the old way.
    """
    try:
        with db.session.begin_nested():
            counts = _counts(entries, user)
            return {entry.key: _read(entry, user, counts) for entry in entries}
    except Exception:  # noqa: BLE001 (read again entry by entry below, which logs the one that fails)
        return _read_each(entries, user)


def _read_each(entries: list[PersonalDataEntry], user) -> dict[str, tuple[Any, int | None] | None]:
    found: dict[str, tuple[Any, int | None] | None] = {}
    for entry in entries:
        try:
            with db.session.begin_nested():
                found[entry.key] = _read(entry, user, {})
        except Exception as error:  # noqa: BLE001 (one feature's failure must not hide the rest of the dashboard)
            logger.error("dashboard: reading %r failed: %r", entry.key, error)
            found[entry.key] = UNREADABLE
    return found


def _edit_endpoint(entry: PersonalDataEntry, user) -> str | None:
    """Where the member corrects this data, if she may open that page (a candidate's profile page is not an
    interviewer's): the page's own role check decides, so that the dashboard never links to a 403."""
    endpoint = entry.extra.get("edit_endpoint")
    return endpoint if endpoint and may_open(user, endpoint) else None


def inventory(user) -> Inventory:
    """Every registered kind of data about the member, with its values or count."""
    result = Inventory()
    entries = registry.entries()
    read = _read_all(entries, user)
    locale = str(get_locale())
    for entry in entries:
        holding = Holding(
            entry=entry,
            texts=entry_texts(entry, locale),
            edit_endpoint=_edit_endpoint(entry, user),
            from_sponsor=bool(entry.extra.get("provided_by_sponsor")),
        )
        if read[entry.key] is UNREADABLE:
            holding.unavailable = True
            exported = count = None
        else:
            exported, count = read[entry.key]
        if isinstance(exported, dict):
            holding.values = list(exported.items())
        elif isinstance(exported, list) and "labels" in entry.extra:
            holding.records = [list(row.items()) for row in exported[:RECORDS_SHOWN] if isinstance(row, dict)]
        if count is not None:
            holding.count = count
        elif isinstance(exported, list):
            holding.count = len(exported)
        (result.sponsor_holdings if holding.from_sponsor else result.holdings).append(holding)
        if entry.key == ACCESS_LOG_KEY and isinstance(exported, list):
            result.access_log = [dict(row, when=_parse_when(row.get("when"))) for row in exported]
        if entry.key == SECURITY_EVENTS_KEY and isinstance(exported, list):
            kinds = set(entry.extra.get("login_kinds", ()))
            result.logins = [
                dict(row, when=_parse_when(row.get("when"))) for row in reversed(exported) if row.get("event") in kinds
            ][:50]
        shares = entry.extra.get("client_shares")
        if shares is not None:
            for share in shares(user):
                until = share.get("until")
                result.client_shares.append(
                    dict(share, until=date.fromisoformat(until) if isinstance(until, str) else until)
                )
    return result
