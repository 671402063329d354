"""Scoring: a registry of item types, each with a pure `score(item, answer)` (CTFd's FLAG_CLASSES), trait
means with reverse keys, percentages and percentiles. Nothing here touches the database or the request.

`item` is anything with the Item attributes (`type`, `key`, `tolerance`, `points`, `trait`, `is_reverse`);
an `answer` is the stored value: an option index, a list of them, a number, or 1..5.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

#: Fewer prior results than this give no percentile: the norm group would be too small.
MIN_NORM_GROUP = 30
AGREEMENT_RANGE = range(1, 6)


class ItemType:
    """Base of the registry: `score` gives the points an answer earns; `clean` turns input into a value."""

    code = ""

    @staticmethod
    def max_points(item) -> float:
        return float(item.points)

    @staticmethod
    def score(item, answer) -> float:
        raise NotImplementedError

    @staticmethod
    def clean(item, raw):
        """The stored value for a submitted value, or None if it is not a valid answer to `item`."""
        raise NotImplementedError


def _option_index(item, raw) -> int | None:
    try:
        index = int(raw)
    except (TypeError, ValueError):
        return None
    return index if 0 <= index < len(item.options or []) else None


class SingleChoice(ItemType):
    code = "single"

    @staticmethod
    def score(item, answer) -> float:
        return float(item.points) if answer is not None and [answer] == list(item.key or []) else 0.0

    @staticmethod
    def clean(item, raw):
        return _option_index(item, raw)


class MultipleChoice(ItemType):
    """All or nothing: the exact set of correct options."""

    code = "multiple"

    @staticmethod
    def score(item, answer) -> float:
        if not isinstance(answer, list):
            return 0.0
        return float(item.points) if set(answer) == set(item.key or []) else 0.0

    @staticmethod
    def clean(item, raw):
        values = raw if isinstance(raw, list) else [raw]
        indexes = [_option_index(item, value) for value in values]
        if any(index is None for index in indexes):
            return None
        return sorted(set(indexes))


class NumericAnswer(ItemType):
    code = "numeric"

    @staticmethod
    def score(item, answer) -> float:
        if answer is None or isinstance(answer, (bool, list)):
            return 0.0
        # A hair of slack so that 0.1 + 0.2 style float noise never costs a point.
        return float(item.points) if abs(float(answer) - float(item.key)) <= float(item.tolerance) + 1e-9 else 0.0

    @staticmethod
    def clean(item, raw):
        if isinstance(raw, str):
            raw = raw.strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return None
        return value if value == value and abs(value) < 1e12 else None  # no NaN, no absurd numbers


class Agreement(ItemType):
    """1 (strongly disagree) to 5 (strongly agree). It gives no points; it feeds its trait, reversed if keyed so."""

    code = "agreement"

    @staticmethod
    def max_points(item) -> float:
        return 0.0

    @staticmethod
    def score(item, answer) -> float:
        return 0.0

    @staticmethod
    def keyed(item, answer) -> int | None:
        if answer not in AGREEMENT_RANGE or isinstance(answer, bool):
            return None
        return 6 - answer if item.is_reverse else answer

    @staticmethod
    def clean(item, raw):
        try:
            value = int(raw)
        except (TypeError, ValueError):
            return None
        return value if value in AGREEMENT_RANGE else None


ITEM_TYPES: dict[str, type[ItemType]] = {}


def register_item_type(item_type: type[ItemType]) -> type[ItemType]:
    ITEM_TYPES[item_type.code] = item_type
    return item_type


for _type in (SingleChoice, MultipleChoice, NumericAnswer, Agreement):
    register_item_type(_type)


def score(item, answer) -> float:
    """The points `answer` earns on `item` (0 for no answer)."""
    return ITEM_TYPES[item.type].score(item, answer)


def clean(item, raw):
    return ITEM_TYPES[item.type].clean(item, raw)


@dataclass
class ScoreSummary:
    raw: float
    maximum: float
    percentage: float | None
    traits: dict[str, float] = field(default_factory=dict)


def trait_scores(items: Iterable, answers: Mapping) -> dict[str, float]:
    """The mean keyed answer (1..5) per trait, reverse keys applied (6 - value); unanswered items are left out."""
    totals: dict[str, list[int]] = {}
    for item in items:
        if item.type != Agreement.code or not item.trait:
            continue
        keyed = Agreement.keyed(item, answers.get(item.id))
        if keyed is not None:
            totals.setdefault(item.trait, []).append(keyed)
    return {trait: round(sum(values) / len(values), 2) for trait, values in sorted(totals.items())}


def score_attempt(items: Iterable, answers: Mapping) -> ScoreSummary:
    """Raw score, maximum, percentage (None when nothing is scored in points) and trait means.

    :param answers: {item.id: value}.
    """
    items = list(items)
    raw = sum(score(item, answers.get(item.id)) for item in items)
    maximum = sum(ITEM_TYPES[item.type].max_points(item) for item in items)
    percentage = round(100 * raw / maximum, 1) if maximum else None
    return ScoreSummary(raw=raw, maximum=maximum, percentage=percentage, traits=trait_scores(items, answers))


@dataclass(frozen=True)
class KeyedItem:
    """An item scored with another key: a correction's, for one attempt (the item itself never changes)."""

    id: int
    type: str
    key: list
    tolerance: float
    points: int
    trait: str | None
    is_reverse: bool
    options: list


def corrected_items(items: Iterable, set_aside: Collection[int] = (), keys: Mapping[int, list] | None = None) -> list:
    """The items an attempt is scored on after corrections: those set aside leave it (their points and their share
    of the maximum); an item given a corrected key (in `keys`, by item id) is scored with that key."""
    keys = keys or {}
    kept = []
    for item in items:
        if item.id in set_aside:
            continue
        if item.id in keys:
            item = KeyedItem(
                item.id,
                item.type,
                list(keys[item.id]),
                item.tolerance,
                item.points,
                item.trait,
                item.is_reverse,
                list(item.options or []),
            )
        kept.append(item)
    return kept


def share(raw: float, maximum: float) -> float:
    """A score as a share of its maximum, so that results with different maxima (a question set aside for one
    attempt) compare; 0 when nothing is scored."""
    return raw / maximum if maximum else 0.0


def percentile(value: float, prior: Iterable[float]) -> float | None:
    """The share of prior results below `value`, ties counting half, in percent (one decimal).

    None when fewer than MIN_NORM_GROUP prior results exist.
    """
    prior = list(prior)
    if len(prior) < MIN_NORM_GROUP:
        return None
    below = sum(1 for other in prior if other < value)
    equal = sum(1 for other in prior if other == value)
    return round(100 * (below + equal / 2) / len(prior), 1)


def trait_level(mean: float) -> str:
    """ "low", "medium" or "high" for a trait mean on the 1..5 scale."""
    if mean < 2.5:
        return "low"
    if mean > 3.5:
        return "high"
    return "medium"
