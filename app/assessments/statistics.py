"""Item statistics, benchmarks and ratings for test authors.

Authors see aggregates only, and only above a minimum count, so that no figure on their page is one person's
answer: item statistics need MIN_ATTEMPTS submitted attempts, the benchmark MIN_NORM_GROUP results (anonymised
ones included: erasure unlinks a result from its attempt and it keeps counting), ratings MIN_RATINGS ratings.

The first half is pure (numbers in, numbers out, unit-tested by hand); the second reads the database in a
constant number of queries per page.
"""

import math
import statistics as stats
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from app.assessments import scoring
from app.assessments.models import Answer, Attempt, ItemKind, Result, Test, TestFeedback
from app.assessments.services import in_statistics_attempts, in_statistics_results
from app.extensions import db

#: Fewer submitted attempts than this show no item statistics: a share could be one person's answer.
MIN_ATTEMPTS = 30
#: Fewer ratings than this show neither the average nor the comments.
MIN_RATINGS = 5
RATINGS = (1, 2, 3, 4, 5)

#: Keys of the distribution bars that are not option indexes.
WITHIN, OUTSIDE, NO_ANSWER = "within", "outside", "none"


# --- pure functions -----------------------------------------------------------------------------------


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def median(values: Iterable[float]) -> float | None:
    """The median, or None for no values (an unknown time is left out before, never counted as 0)."""
    values = list(values)
    return float(stats.median(values)) if values else None


def share_correct(item_scores: Sequence[float]) -> float | None:
    """The mean of the item's score as a share of its maximum (0..1), over every submitted attempt.

    For an all-or-nothing item this is the share of correct answers; an unanswered item counts 0.
    """
    return mean(item_scores)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation; None with fewer than two pairs or when either side does not vary."""
    if len(xs) != len(ys):
        raise ValueError("xs and ys must pair up")
    # Exact comparison: deviations from a float mean are never exactly zero, so test the spread itself.
    if len(xs) < 2 or min(xs) == max(xs) or min(ys) == max(ys):
        return None
    mean_x, mean_y = mean(xs), mean(ys)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    spread_x = sum((x - mean_x) ** 2 for x in xs)
    spread_y = sum((y - mean_y) ** 2 for y in ys)
    return max(-1.0, min(1.0, covariance / math.sqrt(spread_x * spread_y)))


def point_biserial(item_scores: Sequence[float], totals: Sequence[float]) -> float | None:
    """The item's discrimination: the correlation of its score (0/1, or score/max) with the total score.

    This is the item-total correlation, as the specification asks ("with the total"), not the corrected
    item-rest one: the total includes the item itself, which raises the value a little on short tests
    (about 1/sqrt(number of items) for a test of similar items). Authors compare items of the same test,
    so the ranking is what matters, and it is the figure the classic tables give.
    Pearson's r on a 0/1 variable is the point-biserial coefficient (M1 - M0) / s × sqrt(p q).
    """
    return pearson(item_scores, totals)


def deciles(values: Iterable[float]) -> list[float] | None:
    """The 9 cut points (10th to 90th percentile), interpolated between the sorted values; None below 2 values."""
    values = sorted(values)
    if len(values) < 2:
        return None
    return stats.quantiles(values, n=10, method="inclusive")


def within_tolerance(item, value) -> bool:
    """A numeric answer within the item's tolerance, whatever its points (the slack matches scoring)."""
    if value is None or isinstance(value, (bool, list)):
        return False
    return abs(float(value) - float(item.key)) <= float(item.tolerance) + 1e-9


@dataclass(frozen=True)
class Bar:
    """One line of an item's distribution: an option index, an agreement level, WITHIN/OUTSIDE or NO_ANSWER."""

    key: int | str
    count: int
    #: Of every submitted attempt (0..1). Multiple-choice bars add up to more than 1: each option is a choice.
    share: float
    #: A correct option (or "within the tolerance"), to highlight it.
    is_key: bool = False


def option_distribution(item, values: Sequence, attempts: int) -> list[Bar]:
    """How `attempts` submitted attempts answered `item`; `values` are the answers given (None: no answer)."""
    given = [value for value in values if value is not None]
    if item.type == ItemKind.NUMERIC:
        within = sum(1 for value in given if within_tolerance(item, value))
        counts = [(WITHIN, within, True), (OUTSIDE, len(given) - within, False)]
    elif item.type == ItemKind.AGREEMENT:
        tally = Counter(given)
        counts = [(level, tally[level], False) for level in scoring.AGREEMENT_RANGE]
    else:
        chosen = Counter(index for value in given for index in (value if isinstance(value, list) else [value]))
        correct = set(item.key or [])
        counts = [(index, chosen[index], index in correct) for index in range(len(item.options or []))]
    counts.append((NO_ANSWER, attempts - len(given), False))
    return [Bar(key, count, count / attempts if attempts else 0.0, is_key) for key, count, is_key in counts]


@dataclass
class ItemStatistics:
    item: object
    #: None for items that give no points (agreement items).
    share_correct: float | None
    #: Scored items: point-biserial with the total. Agreement items: correlation of the keyed answer with the
    #: trait score. None when it cannot be computed (nobody or everybody right, no variation).
    discrimination: float | None
    bars: list[Bar]
    median_seconds: float | None
    #: Answers whose time is known (Answer.seconds is not None).
    timed_answers: int


def item_statistics(items: Sequence, responses: Mapping[int, Mapping[int, tuple]]) -> list[ItemStatistics]:
    """Statistics of each item over the submitted attempts.

    :param responses: {attempt id: {item id: (value, seconds)}}, one entry per submitted attempt, even one
        without answers (it counts as all wrong).
    """
    attempts = list(responses.values())
    answers_of = [{item_id: value for item_id, (value, _seconds) in answers.items()} for answers in attempts]
    totals = [sum(scoring.score(item, answers.get(item.id)) for item in items) for answers in answers_of]
    traits = [scoring.trait_scores(items, answers) for answers in answers_of]
    rows = []
    for item in items:
        values = [answers.get(item.id) for answers in answers_of]
        times = [answers[item.id][1] for answers in attempts if item.id in answers]
        seconds = [value for value in times if value is not None]
        maximum = scoring.ITEM_TYPES[item.type].max_points(item)
        if maximum > 0:
            fractions = [scoring.score(item, value) / maximum for value in values]
            correct, discrimination = share_correct(fractions), point_biserial(fractions, totals)
        else:
            correct, discrimination = None, _trait_correlation(item, values, traits)
        rows.append(
            ItemStatistics(
                item=item,
                share_correct=correct,
                discrimination=discrimination,
                bars=option_distribution(item, values, len(attempts)),
                median_seconds=median(seconds),
                timed_answers=len(seconds),
            )
        )
    return rows


def _trait_correlation(item, values: Sequence, traits: Sequence[Mapping[str, float]]) -> float | None:
    """Agreement items: the keyed answer against the trait mean, over the attempts that answered the item."""
    if item.type != ItemKind.AGREEMENT or not item.trait:
        return None
    pairs = [
        (keyed, trait_means[item.trait])
        for value, trait_means in zip(values, traits, strict=True)
        if (keyed := scoring.Agreement.keyed(item, value)) is not None and item.trait in trait_means
    ]
    return pearson([keyed for keyed, _ in pairs], [trait for _, trait in pairs])


@dataclass
class Benchmark:
    """The distribution of the scores of a test version, from every result (anonymised ones included)."""

    count: int
    #: Percentage of the points at the 10th..90th percentiles; None for personality tests.
    deciles: list[float] | None = None
    median: float | None = None
    #: Personality tests: {trait: (mean 1..5, number of results with that trait)}.
    traits: dict[str, tuple[float, int]] = field(default_factory=dict)


def benchmark(percentages: Sequence[float | None], trait_scores: Sequence[Mapping[str, float]]) -> Benchmark:
    """Deciles and median of the percentages; mean per trait. `count` is the number of results."""
    scored = [value for value in percentages if value is not None]
    per_trait: dict[str, list[float]] = {}
    for scores in trait_scores:
        for trait, value in (scores or {}).items():
            per_trait.setdefault(trait, []).append(value)
    return Benchmark(
        count=len(percentages),
        deciles=deciles(scored),
        median=median(scored),
        traits={trait: (round(mean(values), 2), len(values)) for trait, values in sorted(per_trait.items())},
    )


@dataclass
class RatingSummary:
    count: int
    average: float | None
    #: [(rating, count)], from 5 down to 1.
    distribution: list[tuple[int, int]]
    #: Non-empty comments, sorted alphabetically: no order or date that could point to someone.
    comments: list[str]


def summarise_ratings(rows: Iterable[tuple[int, str]]) -> RatingSummary:
    """The average, the count per rating and the comments of (rating, comment) rows."""
    rows = list(rows)
    ratings = [rating for rating, _comment in rows]
    tally = Counter(ratings)
    comments = sorted((comment.strip() for _rating, comment in rows if comment and comment.strip()), key=str.casefold)
    return RatingSummary(
        count=len(rows),
        average=mean(ratings),
        distribution=[(rating, tally[rating]) for rating in reversed(RATINGS)],
        comments=comments,
    )


# --- queries ------------------------------------------------------------------------------------------


def _submitted(test: Test):
    """Submitted attempts of the version, except those of members who object to statistics or restricted them."""
    return (Attempt.test_id == test.id, Attempt.submitted_dt.is_not(None), in_statistics_attempts())


def submitted_attempt_count(test: Test) -> int:
    return db.session.scalar(select(func.count(Attempt.id)).where(*_submitted(test)))


def responses_of(test: Test) -> dict[int, dict[int, tuple]]:
    """{attempt id: {item id: (value, seconds)}} of every submitted attempt of the version still held."""
    responses: dict[int, dict[int, tuple]] = {
        attempt_id: {} for attempt_id in db.session.scalars(select(Attempt.id).where(*_submitted(test)))
    }
    rows = db.session.execute(
        select(Answer.attempt_id, Answer.item_id, Answer.value, Answer.seconds)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(*_submitted(test))
    )
    for attempt_id, item_id, value, seconds in rows:
        responses[attempt_id][item_id] = (value, seconds)
    return responses


def benchmark_of(test: Test) -> Benchmark:
    rows = db.session.execute(
        select(Result.percentage, Result.trait_scores).where(Result.test_id == test.id, in_statistics_results())
    ).all()
    return benchmark([percentage for percentage, _ in rows], [traits for _, traits in rows])


def ratings_of(test: Test) -> RatingSummary:
    """Ratings and comments: anonymous ones (erased members), and those of members who allow statistics."""
    allowed = select(Attempt.id).where(Attempt.id == TestFeedback.attempt_id, in_statistics_attempts()).exists()
    return summarise_ratings(
        db.session.execute(
            select(TestFeedback.rating, TestFeedback.comment).where(
                TestFeedback.test_id == test.id, or_(TestFeedback.attempt_id.is_(None), allowed)
            )
        )
    )


@dataclass
class TestStatistics:
    """What the statistics page may show: each part is None below its minimum count."""

    __test__ = False  # not a pytest test class, whatever its name

    attempts: int
    items: list[ItemStatistics] | None
    results: int
    benchmark: Benchmark | None
    ratings_count: int
    ratings: RatingSummary | None


def statistics_of(test: Test) -> TestStatistics:
    """The aggregates of a test version, each only once enough people contributed to it."""
    attempts = submitted_attempt_count(test)
    items = item_statistics(test.items, responses_of(test)) if attempts >= MIN_ATTEMPTS else None
    bench = benchmark_of(test)
    ratings = ratings_of(test)
    return TestStatistics(
        attempts=attempts,
        items=items,
        results=bench.count,
        benchmark=bench if bench.count >= scoring.MIN_NORM_GROUP else None,
        ratings_count=ratings.count,
        ratings=ratings if ratings.count >= MIN_RATINGS else None,
    )


def find_test_for_statistics(public_id: str) -> Test | None:
    return db.session.scalar(select(Test).where(Test.public_id == public_id))
