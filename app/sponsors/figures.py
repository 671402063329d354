"""The aggregated figures a sponsor sees about its members, by cohort, never about fewer than 5 members.

Other features add their counts with `register_metric`: simulations (requests, completed interviews) and
assessments (completed tests). A metric's `count(organisation, user_ids)` returns {user_id: count} in one
query, so the page costs one query per metric whatever the number of cohorts.

Only active members whose data may go into statistics are counted: not those who restrict processing or
object to statistics (app/privacy/disclosure.py). Cohorts of fewer than MIN_GROUP
members are pooled; if the pool itself has fewer than MIN_GROUP members, it is hidden and so is the total
(which would reveal it by subtraction).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.disclosure import Recipient, disclosed_to
from app.sponsors.models import Cohort, Enrolment, Organisation, Usage, UsageKind
from app.sponsors.services import members_of

#: No figure is shown about fewer members than this.
MIN_GROUP = 5


@dataclass(frozen=True)
class Metric:
    key: str
    label: Any  # lazy string
    count: Callable[[Organisation, list[int]], dict[int, int]]
    order: int = 100


_METRICS: dict[str, Metric] = {}


def register_metric(metric: Metric) -> Metric:
    """Add (or replace, by key) a count shown to sponsors by cohort."""
    _METRICS[metric.key] = metric
    return metric


def metrics() -> list[Metric]:
    return sorted(_METRICS.values(), key=lambda metric: (metric.order, metric.key))


def _usage_counter(kind: UsageKind):
    def count(organisation: Organisation, user_ids: list[int]) -> dict[int, int]:
        if not user_ids:
            return {}
        rows = db.session.execute(
            select(Usage.user_id, func.count(Usage.id))
            .where(Usage.organisation_id == organisation.id, Usage.kind == kind.value, Usage.user_id.in_(user_ids))
            .group_by(Usage.user_id)
        )
        return dict(rows.all())

    return count


# Until simulations and assessments register richer counts, sponsors see what their allowance paid for.
register_metric(
    Metric("simulation_requests", _l("Simulation requests"), _usage_counter(UsageKind.SIMULATION), order=10)
)
register_metric(
    Metric("practice_tests", _l("Practice tests started"), _usage_counter(UsageKind.PRACTICE_TEST), order=30)
)


@dataclass
class FigureRow:
    label: str
    members: int
    #: {metric key: count}, or None when the group is too small to show.
    values: dict[str, int] | None
    is_pool: bool = False
    is_total: bool = False


@dataclass
class Figures:
    metrics: list[Metric]
    rows: list[FigureRow] = field(default_factory=list)
    #: Members left out of every figure because the groups they are in are too small.
    hidden_members: int = 0
    total: FigureRow | None = None
    #: The first day of each of the last MONTHS months, oldest first, and per shown group (its label) the
    #: work paid for by the allowance in each of them (simulations and practice tests together).
    months: list[date] = field(default_factory=list)
    monthly: list[tuple[str, list[int]]] = field(default_factory=list)


#: How many months the activity chart covers, this one included.
MONTHS = 6


def _month_starts(today: date, months: int = MONTHS) -> list[date]:
    """The first day of this month and of the `months - 1` before it, oldest first."""
    starts, year, month = [], today.year, today.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _monthly(organisation: Organisation, groups: list[tuple[str, list[int]]], today: date) -> tuple[list, list]:
    """Per group, the allowance's work of each of the last MONTHS months: one query whatever the groups."""
    months = _month_starts(today)
    group_of = {user_id: index for index, (_, user_ids) in enumerate(groups) for user_id in user_ids}
    counts = [[0] * len(months) for _ in groups]
    if group_of:
        rows = db.session.execute(
            select(Usage.user_id, Usage.created_dt).where(
                Usage.organisation_id == organisation.id,
                Usage.created_dt >= datetime.combine(months[0], time()),
                Usage.user_id.in_(list(group_of)),
            )
        )
        for user_id, created in rows:
            month = date(created.year, created.month, 1)
            if month in months:
                counts[group_of[user_id]][months.index(month)] += 1
    return months, [(label, row) for (label, _), row in zip(groups, counts, strict=True)]


def cohort_figures(organisation: Organisation) -> Figures:
    """Members and activity counts by cohort, with every group of fewer than MIN_GROUP members withheld."""
    # Figures are statistics: a member who restricts processing or objects to statistics is not counted.
    members = db.session.execute(
        select(Enrolment.user_id, Enrolment.cohort_id)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.organisation_id == organisation.id,
            Enrolment.ended_dt.is_(None),
            disclosed_to(Recipient.STATISTICS),
        )
    ).all()
    cohorts = db.session.execute(
        select(Cohort.id, Cohort.name).where(Cohort.organisation_id == organisation.id).order_by(Cohort.name)
    ).all()
    groups: dict[int | None, list[int]] = {}
    for user_id, cohort_id in members:
        groups.setdefault(cohort_id, []).append(user_id)
    chosen = metrics()
    all_ids = [user_id for user_id, _ in members]
    counts = {metric.key: metric.count(organisation, all_ids) if all_ids else {} for metric in chosen}

    def row(label, user_ids, **flags) -> FigureRow:
        shown = len(user_ids) >= MIN_GROUP
        values = (
            {metric.key: sum(counts[metric.key].get(user_id, 0) for user_id in user_ids) for metric in chosen}
            if shown
            else None
        )
        return FigureRow(label=label, members=len(user_ids), values=values, **flags)

    result = Figures(metrics=chosen)
    pool: list[int] = []
    groups_of_row: dict[str, list[int]] = {}
    named = [(cohort_id, name) for cohort_id, name in cohorts] + [(None, str(_l("No cohort")))]
    for cohort_id, name in named:
        user_ids = groups.get(cohort_id, [])
        if not user_ids:
            continue
        if len(user_ids) >= MIN_GROUP:
            result.rows.append(row(name, user_ids))
            groups_of_row[name] = user_ids
        else:
            pool.extend(user_ids)
    if pool:
        pooled = row(str(_l("Smaller cohorts together")), pool, is_pool=True)
        groups_of_row[pooled.label] = pool
        result.rows.append(pooled)
        if pooled.values is None:
            result.hidden_members = len(pool)
    total_ids = all_ids if not result.hidden_members else []
    result.total = row(str(_l("All members")), total_ids, is_total=True)
    result.total.members = len(all_ids)
    # Over time: only the groups the table shows, each with the members it counts (never a hidden one).
    shown = [(item.label, groups_of_row[item.label]) for item in result.rows if item.values is not None]
    result.months, result.monthly = _monthly(organisation, shown, utcnow().date())
    return result


@dataclass
class SharedItem:
    """Something a member chose to share with their sponsor (feedback on an interview, a result)."""

    member_name: str
    heading: str
    when: Any  # datetime
    lines: list  # [(label, text)]


#: Providers of shared items: each takes the ids of the sponsor's visible members and returns SharedItems.
_SHARED_PROVIDERS: list[Callable[[list[int]], list[SharedItem]]] = []


def register_shared_items(provider: Callable[[list[int]], list[SharedItem]]) -> None:
    if provider not in _SHARED_PROVIDERS:
        _SHARED_PROVIDERS.append(provider)


def shared_items(organisation: Organisation) -> list[SharedItem]:
    """What the organisation's active, unrestricted members chose to share with it, newest first."""
    user_ids = [enrolment.user_id for enrolment in members_of(organisation)]
    if not user_ids:
        return []
    items = [item for provider in _SHARED_PROVIDERS for item in provider(user_ids)]
    return sorted(items, key=lambda item: item.when, reverse=True)
