"""What the result's charts show (drawn by macros/charts.html): the score among the norm group's scores, and
a personality test's trait profile against the norm group."""

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from app.core import charts


def _number(value) -> str:
    return format_decimal(value, format="#,##0.##")


def score_chart(view) -> charts.Distribution | None:
    """The norm group's scores from 0 to the maximum, this result marked; None below the norm group's size."""
    result = view.result
    if not view.norm_scores or result.trait_scores or not result.max_score:
        return None
    return charts.distribution(view.norm_scores, 0, float(result.max_score), marked=float(result.raw_score))


def trait_chart(view, trait_name) -> charts.Profile | None:
    """Each trait's score from 1 to 5 with the middle half of the norm group (when it is large enough)."""
    if not view.result.trait_scores:
        return None
    rows = [
        (trait_name(trait), value, _number(value), view.trait_norms.get(trait))
        for trait, value in view.result.trait_scores.items()
    ]
    return charts.profile(rows, 1, 5)


def _percent(share: float) -> str:
    return format_percent(share, format="#,##0.#%")


def item_charts(items) -> tuple[charts.Bars | None, charts.Bars | None]:
    """The item statistics at a glance: the share correct (0 to 1) and the discrimination (-1 to 1) of each question."""
    names = [_("Question %(number)s", number=number) for number in range(1, len(items) + 1)]
    difficulty = [
        (name, row.share_correct, _percent(row.share_correct))
        for name, row in zip(names, items, strict=True)
        if row.share_correct is not None
    ]
    discrimination = [
        (name, row.discrimination, format_decimal(row.discrimination, format="0.00"))
        for name, row in zip(names, items, strict=True)
        if row.discrimination is not None
    ]
    return (
        charts.bars(difficulty, 0, 1) if difficulty else None,
        charts.bars(discrimination, -1, 1) if discrimination else None,
    )


def answers_chart(row, bar_label) -> charts.Bars:
    """How the attempts answered one question: a bar per option (a share of the attempts), the right ones marked."""
    return charts.bars(
        [(bar_label(row.item, bar.key), bar.share, _percent(bar.share), bar.is_key) for bar in row.bars], 0, 1
    )
