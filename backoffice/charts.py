"""A grouped bar chart's geometry for a server-rendered inline SVG (no library, no script).

Pure: labels and integer series in, rectangles and axis ticks out, in the SVG's own
coordinates (the template draws them; CSS colors them by series). Values are integers (money
in minor units): the axis steps are 1, 2 or 5 × a power of ten of them, so tick labels are
exact amounts once formatted by the caller.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 10, 26  # room for the tick and day labels
TICKS = 4


@dataclass(frozen=True)
class Bar:
    series: int  # index of the series: its CSS class is chart__bar--<series>
    x: float
    y: float
    width: float
    height: float
    title: str  # "10 Nov: Captured $1,234.00" (hover, and for screen readers)


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class XLabel:
    x: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    x_labels: list[XLabel]
    baseline: float
    left: int
    right: float


def nice_step(maximum: int, ticks: int = TICKS) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ with `ticks` steps reaching `maximum` (1 for 0)."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if step * ticks >= maximum:
                return step
        magnitude *= 10


def bar_chart(
    *,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    format_value: Callable[[int], str],
    label_every: int = 5,
) -> BarChart:
    """Bars side by side per label, one per series; every `label_every`th label drawn."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = max((max(values, default=0) for _, values in series), default=0)
    step = nice_step(max(top_value, 0))
    axis_max = step * TICKS
    slot = plot_width / max(len(labels), 1)
    bar_width = slot * 0.8 / max(len(series), 1)
    bars: list[Bar] = []
    for index, label in enumerate(labels):
        for number, (name, values) in enumerate(series):
            value = max(values[index], 0)
            height = plot_height * value / axis_max
            bars.append(
                Bar(
                    series=number,
                    x=round(LEFT + index * slot + slot * 0.1 + number * bar_width, 2),
                    y=round(TOP + plot_height - height, 2),
                    width=round(bar_width, 2),
                    height=round(height, 2),
                    title=f"{label}: {name} {format_value(values[index])}",
                )
            )
    ticks = [
        Tick(y=round(TOP + plot_height - plot_height * n / TICKS, 2), label=format_value(step * n))
        for n in range(TICKS + 1)
    ]
    x_labels = [
        XLabel(x=round(LEFT + index * slot + slot / 2, 2), label=label)
        for index, label in enumerate(labels)
        if index % label_every == 0 or index == len(labels) - 1
    ]
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        ticks=ticks,
        x_labels=x_labels,
        baseline=TOP + plot_height,
        left=LEFT,
        right=WIDTH - RIGHT,
    )
