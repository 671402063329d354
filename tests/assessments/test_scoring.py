"""Scoring against hand-computed cases: item types, reverse keys, percentages and percentiles."""

from types import SimpleNamespace

import pytest

from app.assessments import scoring


def item(type_, key=None, *, id_=1, points=1, tolerance=0.0, trait=None, reverse=False, options=4):
    return SimpleNamespace(
        id=id_,
        type=type_,
        key=key,
        points=points,
        tolerance=tolerance,
        trait=trait,
        is_reverse=reverse,
        options=[{"en": str(i)} for i in range(options)],
    )


@pytest.mark.parametrize(
    ("question", "answer", "points"),
    [
        (item("single", [2]), 2, 1),
        (item("single", [2]), 1, 0),
        (item("single", [2]), None, 0),
        (item("single", [2], points=3), 2, 3),
        (item("multiple", [0, 2]), [2, 0], 1),
        (item("multiple", [0, 2]), [0], 0),  # all or nothing
        (item("multiple", [0, 2]), [0, 1, 2], 0),
        (item("multiple", [0, 2]), 0, 0),
        (item("numeric", 1102.5, tolerance=0.01), 1102.5, 1),
        (item("numeric", 1102.5, tolerance=0.01), 1102.51, 1),
        (item("numeric", 1102.5, tolerance=0.01), 1102.52, 0),
        (item("numeric", 0.3), 0.1 + 0.2, 1),  # float noise never costs a point
        (item("numeric", 20), None, 0),
        (item("agreement", trait="openness"), 5, 0),  # agreement feeds traits, not points
    ],
)
def test_score_by_type(question, answer, points):
    assert scoring.score(question, answer) == points


@pytest.mark.parametrize(
    ("question", "raw", "value"),
    [
        (item("single", [0]), "3", 3),
        (item("single", [0]), "4", None),  # no such option
        (item("single", [0]), "x", None),
        (item("multiple", [0]), ["2", "0", "2"], [0, 2]),
        (item("multiple", [0]), ["0", "9"], None),
        (item("numeric", 1), " 1 102,5 ", 1102.5),  # French writing
        (item("numeric", 1), "nan", None),
        (item("numeric", 1), "douze", None),
        (item("agreement"), "5", 5),
        (item("agreement"), "6", None),
        (item("agreement"), "0", None),
    ],
)
def test_clean_input(question, raw, value):
    assert scoring.clean(question, raw) == value


def test_traits_apply_reverse_keys():
    items = [
        item("agreement", id_=1, trait="extraversion"),
        item("agreement", id_=2, trait="extraversion", reverse=True),
        item("agreement", id_=3, trait="extraversion", reverse=True),
        item("agreement", id_=4, trait="openness"),
        item("agreement", id_=5, trait="openness", reverse=True),
        item("agreement", id_=6, trait="openness"),  # unanswered: left out of the mean
    ]
    answers = {1: 4, 2: 2, 3: 1, 4: 5, 5: 5}
    # extraversion: 4, 6-2=4, 6-1=5 -> 13/3 = 4.33; openness: 5, 6-5=1 -> 3.0
    assert scoring.trait_scores(items, answers) == {"extraversion": 4.33, "openness": 3.0}


def test_attempt_summary():
    items = [
        item("single", [1], id_=1),
        item("multiple", [0, 3], id_=2, points=2),
        item("numeric", 15, id_=3),
        item("numeric", 92, id_=4),
    ]
    summary = scoring.score_attempt(items, {1: 1, 2: [0, 3], 3: 14})
    # 1 + 2 + 0 + 0 (unanswered) = 3 of 5 -> 60 %
    assert (summary.raw, summary.maximum, summary.percentage) == (3, 5, 60.0)


def test_personality_only_has_no_percentage():
    summary = scoring.score_attempt([item("agreement", id_=1, trait="openness", reverse=True)], {1: 2})
    assert summary.percentage is None
    assert summary.traits == {"openness": 4.0}


def test_percentile_needs_thirty_prior_results():
    assert scoring.percentile(10, [5] * 29) is None
    assert scoring.percentile(10, [5] * 30) == 100.0
    assert scoring.percentile(10, []) is None


def test_percentile_counts_ties_half():
    prior = [1] * 10 + [5] * 10 + [9] * 10
    assert scoring.percentile(5, prior) == 50.0  # (10 below + 10/2) / 30
    assert scoring.percentile(1, prior) == round(100 * 5 / 30, 1)  # 16.7
    assert scoring.percentile(0, prior) == 0.0
    assert scoring.percentile(6, prior) == round(100 * 20 / 30, 1)  # 66.7
    assert scoring.percentile(7, [7] * 30) == 50.0  # everyone tied


@pytest.mark.parametrize(
    ("mean", "level"), [(1.0, "low"), (2.49, "low"), (2.5, "medium"), (3.5, "medium"), (3.51, "high")]
)
def test_trait_level(mean, level):
    assert scoring.trait_level(mean) == level


def test_every_item_type_is_registered():
    assert set(scoring.ITEM_TYPES) == {"single", "multiple", "numeric", "agreement"}
