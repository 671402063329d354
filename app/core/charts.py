"""The geometry of the portal's charts, computed here and drawn as SVG by templates/macros/charts.html.

Pictures are server-rendered SVG inside the page: no chart script, nothing from outside, nothing the CSP
forbids (colours come from classes in app.css and SVG presentation attributes, never `style=`). Every chart
has a title, a text alternative and its numbers in a table next to it, written by the macro; the functions here
are pure and only place shapes in a fixed coordinate space (the SVG's viewBox), which the page scales.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import count

#: The drawing area every chart uses, in viewBox units (the SVG scales to the column it is in).
WIDTH = 640
#: Room for axis labels.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 16, 16, 28, 36
#: How many series a line chart tells apart (each with its own colour and dash pattern, in app.css).
SERIES_STYLES = 6

_ids = count(1)


def init_app(app) -> None:
    """The chart builders, for the templates that draw them with macros/charts.html."""
    app.jinja_env.globals.update(
        chart_distribution=distribution,
        chart_bars=bars,
        chart_profile=profile,
        chart_lines=lines,
        chart_number=_number,
    )


def _number(value) -> str:
    """A chart's number in the page's language: "1,234.5" / "1 234,5"."""
    from flask_babel import format_decimal

    return format_decimal(value, format="#,##0.#")


def chart_id(prefix: str = "chart") -> str:
    """An id unique in the page, for the title and description the SVG is labelled by."""
    return f"{prefix}-{next(_ids)}"


def _nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts `span` into about `ticks` parts."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= raw)


def _ticks(low: float, high: float, ticks: int = 5) -> list[float]:
    step = _nice_step(high - low, ticks)
    first = math.ceil(low / step) * step
    values, value = [], first
    while value <= high + step / 1000:
        values.append(round(value, 10))
        value += step
    return values


# --- a distribution, with one value marked -----------------------------------------------------------------


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    x: float
    y: float
    width: float
    height: float
    marked: bool


@dataclass(frozen=True)
class Distribution:
    bins: list[Bin]
    total: int
    marker_x: float | None
    marked: float | None
    ticks: list[tuple[float, float]]  # (value, x)
    width: int
    height: int
    baseline: float
    id: str = field(default_factory=lambda: chart_id("distribution"))


def distribution(
    values: Sequence[float], low: float, high: float, marked: float | None = None, bins: int | None = None
) -> Distribution:
    """How `values` spread between `low` and `high`, as bars, with `marked` (the reader's own) drawn as a line.

    Whole-number scales of up to 20 points get a bar per point; others 10 bars of equal width."""
    height = 200
    if high <= low:
        high = low + 1
    whole = float(low).is_integer() and float(high).is_integer() and high - low <= 20
    if bins is None:
        bins = int(high - low) + 1 if whole else 10
    step = (high - low + (1 if whole else 0)) / bins
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, max(0, int((value - low) // step)))] += 1
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = height - MARGIN_TOP - MARGIN_BOTTOM
    tallest = max(counts) or 1
    bar_width = plot_width / bins
    marked_bin = None if marked is None else min(bins - 1, max(0, int((marked - low) // step)))
    drawn = []
    for index, number in enumerate(counts):
        bar_height = plot_height * number / tallest
        drawn.append(
            Bin(
                low=low + index * step,
                high=low + (index + 1) * step - (1 if whole else 0),
                count=number,
                x=MARGIN_LEFT + index * bar_width + 1,
                y=MARGIN_TOP + plot_height - bar_height,
                width=max(bar_width - 2, 1),
                height=bar_height,
                marked=index == marked_bin,
            )
        )
    span = high - low + (1 if whole else 0)

    def x_of(value: float) -> float:
        # A whole-number score sits in the middle of its own bar.
        return MARGIN_LEFT + plot_width * ((value - low + (0.5 if whole else 0)) / span)

    return Distribution(
        bins=drawn,
        total=len(values),
        marker_x=None if marked is None else x_of(min(max(marked, low), high)),
        marked=marked,
        ticks=[(value, x_of(value)) for value in _ticks(low, high)],
        width=WIDTH,
        height=height,
        baseline=MARGIN_TOP + plot_height,
    )


# --- horizontal bars, a label above each ------------------------------------------------------------------


@dataclass(frozen=True)
class BarRow:
    label: str
    value: float | None
    text: str  # the value as the page writes it ("72 %", "1,234")
    y: float
    width: float
    x: float
    highlighted: bool


@dataclass(frozen=True)
class Bars:
    rows: list[BarRow]
    width: int
    height: int
    bar_height: int
    left: int
    plot_width: float
    zero_x: float
    id: str = field(default_factory=lambda: chart_id("bars"))


ROW_HEIGHT, BAR_HEIGHT = 44, 16


def bars(
    rows: Iterable[tuple],
    low: float = 0.0,
    high: float | None = None,
) -> Bars:
    """A bar per row, `rows` being (label, value, text[, highlighted]); bars start at 0 (or at `low` when it is
    negative, as a discrimination index can be) and reach `high` (the largest value when None)."""
    rows = [tuple(row) + (False,) * (4 - len(row)) for row in rows]
    values = [row[1] for row in rows if row[1] is not None]
    high = max([*values, 0]) if high is None else high
    low = min(low, *values) if values else low
    span = (high - low) or 1
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT - 80  # room for the value written after the bar
    zero_x = MARGIN_LEFT + plot_width * (0 - low) / span
    drawn = []
    for index, (label, value, text, highlighted) in enumerate(rows):
        end = zero_x if value is None else MARGIN_LEFT + plot_width * (value - low) / span
        drawn.append(
            BarRow(
                label=label,
                value=value,
                text=text,
                y=8 + index * ROW_HEIGHT + 18,
                x=min(zero_x, end),
                width=abs(end - zero_x),
                highlighted=bool(highlighted),
            )
        )
    return Bars(
        rows=drawn,
        width=WIDTH,
        height=8 + len(drawn) * ROW_HEIGHT,
        bar_height=BAR_HEIGHT,
        left=MARGIN_LEFT,
        plot_width=plot_width,
        zero_x=zero_x,
    )


# --- a profile: each trait on its scale, against the norm group -------------------------------------------


@dataclass(frozen=True)
class TraitRow:
    label: str
    value: float
    text: str
    y: float
    x: float
    norm_low_x: float | None
    norm_high_x: float | None
    norm_mid_x: float | None
    norm: tuple[float, float, float] | None


@dataclass(frozen=True)
class Profile:
    rows: list[TraitRow]
    ticks: list[tuple[float, float]]
    width: int
    height: int
    left: float
    right: float
    id: str = field(default_factory=lambda: chart_id("profile"))


def profile(rows: Iterable[tuple], low: float = 1.0, high: float = 5.0) -> Profile:
    """Each trait's score on its scale, `rows` being (label, value, text, norm) where norm is None or
    (lower quartile, median, upper quartile) of the norm group: a dot on a band."""
    plot_left, plot_right = MARGIN_LEFT + 8, WIDTH - MARGIN_RIGHT - 8
    span = (high - low) or 1

    def x_of(value: float) -> float:
        return plot_left + (plot_right - plot_left) * (min(max(value, low), high) - low) / span

    drawn = []
    for index, (label, value, text, norm) in enumerate(rows):
        drawn.append(
            TraitRow(
                label=label,
                value=value,
                text=text,
                y=8 + index * ROW_HEIGHT + 24,
                x=x_of(value),
                norm_low_x=x_of(norm[0]) if norm else None,
                norm_mid_x=x_of(norm[1]) if norm else None,
                norm_high_x=x_of(norm[2]) if norm else None,
                norm=tuple(norm) if norm else None,
            )
        )
    return Profile(
        rows=drawn,
        ticks=[(value, x_of(value)) for value in _ticks(low, high, int(span))],
        width=WIDTH,
        height=8 + len(drawn) * ROW_HEIGHT + 24,
        left=plot_left,
        right=plot_right,
    )


# --- lines over time (or over sessions), one per series ---------------------------------------------------


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    points: list[Point]
    path: str
    style: int


@dataclass(frozen=True)
class Lines:
    series: list[Series]
    categories: list[tuple[str, float]]  # (label, x)
    ticks: list[tuple[float, float]]  # (value, y)
    width: int
    height: int
    left: float
    right: float
    baseline: float
    top: float
    id: str = field(default_factory=lambda: chart_id("lines"))


def lines(
    categories: Sequence[str],
    series: Iterable[tuple[str, Sequence[float | None]]],
    low: float = 0.0,
    high: float | None = None,
) -> Lines:
    """A line per series over `categories` (periods, sessions); a missing value (None) breaks the line."""
    height = 240
    series = [(name, list(values)) for name, values in series]
    known = [value for _, values in series for value in values if value is not None]
    if high is None:
        # The axis ends on a round value at or above the highest point: every point lies below a labelled line.
        high = max([*known, low + 1])
        step = _nice_step(high - low, 4)
        top_value = low + math.ceil((high - low) / step) * step
        ticks = _ticks(low, top_value, 4)
    else:  # a fixed scale (scores from 0 to 5) keeps its ends
        top_value, ticks = high, _ticks(low, high, 5)
    left, right = MARGIN_LEFT + 36, WIDTH - MARGIN_RIGHT - 36  # room for the last period's label
    top, baseline = MARGIN_TOP, height - MARGIN_BOTTOM
    step = (right - left) / max(len(categories) - 1, 1)

    def x_of(index: int) -> float:
        return left + step * index if len(categories) > 1 else (left + right) / 2

    def y_of(value: float) -> float:
        return baseline - (baseline - top) * (value - low) / ((top_value - low) or 1)

    drawn = []
    for number, (name, values) in enumerate(series):
        points, path, pen_down = [], [], False
        for index, value in enumerate(values):
            if value is None:
                pen_down = False
                continue
            point = Point(x=x_of(index), y=y_of(value), value=value)
            points.append(point)
            path.append(f"{'L' if pen_down else 'M'}{point.x:.1f} {point.y:.1f}")
            pen_down = True
        drawn.append(Series(name=name, values=values, points=points, path=" ".join(path), style=number % SERIES_STYLES))
    return Lines(
        series=drawn,
        categories=[(label, x_of(index)) for index, label in enumerate(categories)],
        ticks=[(value, y_of(value)) for value in ticks],
        width=WIDTH,
        height=height,
        left=left,
        right=right,
        baseline=baseline,
        top=top,
    )


# --- a compact bar, in a table cell ------------------------------------------------------------------------


@dataclass(frozen=True)
class Meter:
    width: float  # of 100
    empty: bool


def meter(value: float | None, high: float = 100.0) -> Meter:
    """A bar 100 units wide filled to `value` out of `high`, drawn beside the number it shows."""
    if value is None or high <= 0:
        return Meter(width=0, empty=True)
    return Meter(width=round(100 * min(max(value, 0), high) / high, 1), empty=False)
