"""Charts drawn on the server: one drawing, rendered as inline SVG for pages and onto PDF pages.

A chart is a list of shapes in its own coordinate space (:class:`Chart`); :func:`to_svg`
writes it as an SVG element (presentation attributes only: the Content-Security-Policy
forbids inline ``style``, and no script or external asset is used) and :func:`draw_on_pdf`
draws the very same shapes with fpdf2, so a page and its PDF never disagree. Every chart
has a title; pages put its numbers beside it in a table (for screen readers and copying).

Numbers arrive already computed (``analysis`` via :mod:`survey.results.overview`); charts only
place them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import count

from flask_babel import gettext as _
from markupsafe import Markup, escape

from survey.i18n import format_number, format_percent
from survey.results.report import Report
from survey.results.report_tables import tier_words
from survey.results.tables import percent

#: Colours by role, as presentation attributes (SVG) and RGB (PDF).
PALETTE = {
    "axis": "#595959",
    "grid": "#d9d9d9",
    "text": "#1a1a1a",
    "bar": "#1f5fa8",
    "interval": "#0b2e59",
    "band": "#c9dcf2",
    "target": "#b45f06",
    "limit95": "#7f7f7f",
    "limit998": "#1a1a1a",
    "below": "#b71c1c",
    "above": "#1b7f3b",
    "inside": "#1f5fa8",
    "hidden": "#bfbfbf",
}


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return red, green, blue


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class Line:
    points: tuple[tuple[float, float], ...]
    colour: str
    width: float = 1.0
    dashed: bool = False


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    radius: float
    colour: str
    #: What the point is, shown on hover and read by screen readers (SVG ``<title>``).
    title: str = ""


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"  # start | middle | end
    size: float = 11.0
    bold: bool = False


@dataclass(frozen=True)
class Chart:
    title: str
    width: float
    height: float
    shapes: list = field(default_factory=list)


_ids = count(1)


def to_svg(chart: Chart) -> Markup:
    """The chart as an inline ``<svg>`` element with a ``<title>`` (its accessible name)."""
    title_id = f"chart-title-{next(_ids)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {chart.width:g} {chart.height:g}" aria-labelledby="{title_id}" '
        f'font-family="DejaVu Sans, Arial, sans-serif">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
    ]
    for shape in chart.shapes:
        if isinstance(shape, Rect):
            parts.append(
                f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{max(shape.width, 0):.1f}" '
                f'height="{max(shape.height, 0):.1f}" fill="{shape.colour}"/>'
            )
        elif isinstance(shape, Line):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in shape.points)
            dash = ' stroke-dasharray="4 3"' if shape.dashed else ""
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{shape.colour}" '
                f'stroke-width="{shape.width:g}"{dash}/>'
            )
        elif isinstance(shape, Dot):
            title = f"<title>{escape(shape.title)}</title>" if shape.title else ""
            parts.append(
                f'<circle cx="{shape.x:.1f}" cy="{shape.y:.1f}" r="{shape.radius:g}" '
                f'fill="{shape.colour}">{title}</circle>'
            )
        else:
            weight = ' font-weight="bold"' if shape.bold else ""
            parts.append(
                f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" text-anchor="{shape.anchor}" '
                f'font-size="{shape.size:g}" fill="{PALETTE["text"]}"{weight}>'
                f"{escape(shape.text)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def draw_on_pdf(pdf, chart: Chart, x: float, y: float, width: float, font: str) -> float:
    """Draw ``chart`` on an fpdf2 page at (x, y) mm, ``width`` mm wide; returns its height."""
    scale = width / chart.width

    def at(px: float, py: float) -> tuple[float, float]:
        return x + px * scale, y + py * scale

    for shape in chart.shapes:
        if isinstance(shape, Rect):
            pdf.set_fill_color(*_rgb(shape.colour))
            left, top = at(shape.x, shape.y)
            pdf.rect(left, top, max(shape.width, 0) * scale, max(shape.height, 0) * scale, "F")
        elif isinstance(shape, Line):
            pdf.set_draw_color(*_rgb(shape.colour))
            pdf.set_line_width(max(shape.width * scale, 0.1))
            if shape.dashed:
                pdf.set_dash_pattern(dash=1.2, gap=0.9)
            pdf.polyline([at(px, py) for px, py in shape.points])
            pdf.set_dash_pattern()
        elif isinstance(shape, Dot):
            pdf.set_fill_color(*_rgb(shape.colour))
            cx, cy = at(shape.x, shape.y)
            radius = shape.radius * scale
            pdf.ellipse(cx - radius, cy - radius, 2 * radius, 2 * radius, "F")
        else:
            pdf.set_font(font, "B" if shape.bold else "", shape.size * scale * 72 / 25.4)
            pdf.set_text_color(*_rgb(PALETTE["text"]))
            left, baseline = at(shape.x, shape.y)
            text_width = pdf.get_string_width(shape.text)
            if shape.anchor == "middle":
                left -= text_width / 2
            elif shape.anchor == "end":
                left -= text_width
            pdf.text(left, baseline, shape.text)
    return chart.height * scale


# --------------------------------------------------------------------------------------
# The charts the reports use
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar: a label and a value with an optional interval; value None is drawn as hidden."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    #: Text printed at the end of the bar (the formatted value, or "hidden").
    shown_as: str = ""


def draw_bars(
    title: str, bars: Sequence[Bar], maximum: float, ticks: Sequence[float], tick_text: Callable
) -> Chart:
    """Horizontal bars from 0 to ``maximum`` with interval whiskers, labels on the left."""
    label_width, value_width, row, top = 250.0, 70.0, 26.0, 10.0
    width = 640.0
    plot = width - label_width - value_width
    height = top + row * len(bars) + 24

    def x_of(value: float) -> float:
        return label_width + plot * min(max(value / maximum, 0.0), 1.0)

    shapes: list = []
    for tick in ticks:
        shapes.append(Line(((x_of(tick), top), (x_of(tick), height - 20)), PALETTE["grid"]))
        shapes.append(Label(x_of(tick), height - 6, tick_text(tick), "middle", 10))
    for position, bar in enumerate(bars):
        y = top + position * row
        shapes.append(Label(label_width - 6, y + 17, _shorten(bar.label, 38), "end", 11))
        if bar.value is None:
            shapes.append(Rect(label_width, y + 6, plot, 14, PALETTE["hidden"]))
        else:
            shapes.append(
                Rect(label_width, y + 6, x_of(bar.value) - label_width, 14, PALETTE["bar"])
            )
        if bar.low is not None and bar.high is not None:
            middle = y + 13
            shapes.append(
                Line(((x_of(bar.low), middle), (x_of(bar.high), middle)), PALETTE["interval"], 2)
            )
            for end in (bar.low, bar.high):
                shapes.append(
                    Line(((x_of(end), middle - 5), (x_of(end), middle + 5)), PALETTE["interval"], 2)
                )
        shapes.append(Label(width - 4, y + 17, bar.shown_as, "end", 11, bold=True))
    shapes.append(Line(((label_width, top), (label_width, height - 20)), PALETTE["axis"]))
    return Chart(title, width, height, shapes)


@dataclass(frozen=True)
class TrendMark:
    label: str
    value: float | None
    low: float | None
    high: float | None


def draw_trend(
    title: str, marks: Sequence[TrendMark], ticks: Sequence[float], tick_text: Callable
) -> Chart:
    """The rate per month or quarter (0-100) with its interval as a band; gaps where hidden."""
    width, height, left, right, top, bottom = 640.0, 240.0, 48.0, 12.0, 10.0, 40.0
    plot_width, plot_height = width - left - right, height - top - bottom
    step = plot_width / max(len(marks), 1)

    def x_of(position: int) -> float:
        return left + step * (position + 0.5)

    def y_of(value: float) -> float:
        return top + plot_height * (1 - min(max(value / 100.0, 0.0), 1.0))

    shapes: list = []
    for tick in ticks:
        shapes.append(Line(((left, y_of(tick)), (width - right, y_of(tick))), PALETTE["grid"]))
        shapes.append(Label(left - 4, y_of(tick) + 4, tick_text(tick), "end", 10))
    for position, mark in enumerate(marks):
        if mark.low is not None and mark.high is not None:
            shapes.append(
                Rect(
                    x_of(position) - step * 0.3,
                    y_of(mark.high),
                    step * 0.6,
                    y_of(mark.low) - y_of(mark.high),
                    PALETTE["band"],
                )
            )
    segment: list[tuple[float, float]] = []
    for position, mark in enumerate(marks):
        if mark.value is None:
            if len(segment) > 1:
                shapes.append(Line(tuple(segment), PALETTE["bar"], 2))
            segment = []
            continue
        segment.append((x_of(position), y_of(mark.value)))
    if len(segment) > 1:
        shapes.append(Line(tuple(segment), PALETTE["bar"], 2))
    for position, mark in enumerate(marks):
        if mark.value is not None:
            shapes.append(Dot(x_of(position), y_of(mark.value), 4, PALETTE["bar"]))
        shapes.append(Label(x_of(position), height - bottom + 16, mark.label, "middle", 10))
    shapes.append(Line(((left, top), (left, height - bottom)), PALETTE["axis"]))
    shapes.append(
        Line(((left, height - bottom), (width - right, height - bottom)), PALETTE["axis"])
    )
    return Chart(title, width, height, shapes)


@dataclass(frozen=True)
class FunnelUnit:
    """One unit on a funnel plot: its answers, rate and limits at its size (proportions).

    ``number`` is printed beside the point and refers to the table under the plot;
    ``title`` names the unit on the point itself."""

    label: str
    n: int
    rate: float
    limits_95: tuple[float, float]
    limits_998: tuple[float, float]
    status: str  # "below" | "above" | "inside"
    number: int = 0
    title: str = ""


@dataclass(frozen=True)
class FunnelAxes:
    """The words of a funnel plot: its axes' titles and the target line's label."""

    answers: str
    rate: str
    target: str


def _funnel_range(units: Sequence[FunnelUnit], target: float) -> tuple[float, float]:
    rates = [unit.rate for unit in units] + [target]
    rates += [limit for unit in units for limit in (*unit.limits_998,)]
    low = max(0.0, min(rates) - 0.05)
    high = min(1.0, max(rates) + 0.05)
    if high - low < 0.1:
        low, high = max(0.0, low - 0.05), min(1.0, high + 0.05)
    return low, high


def draw_funnel(
    title: str, units: Sequence[FunnelUnit], target: float, tick_text, axes: FunnelAxes
) -> Chart:
    """Rate against number of answers, with the 95 % and 99.8 % limits around the target."""
    width, height, left, right, top, bottom = 640.0, 330.0, 52.0, 14.0, 24.0, 56.0
    plot_width, plot_height = width - left - right, height - top - bottom
    largest = max((unit.n for unit in units), default=1) * 1.05
    low, high = _funnel_range(units, target)

    def x_of(n: float) -> float:
        return left + plot_width * n / largest

    def y_of(rate: float) -> float:
        return top + plot_height * (1 - (rate - low) / (high - low))

    shapes: list = [Label(4, 14, axes.rate, "start", 11, True)]
    for tick in _nice_ticks(low, high):
        shapes.append(Line(((left, y_of(tick)), (width - right, y_of(tick))), PALETTE["grid"]))
        shapes.append(Label(left - 4, y_of(tick) + 4, tick_text(tick * 100), "end", 10))
    for n_tick in _nice_ticks(0, largest, integer=True):
        shapes.append(Label(x_of(n_tick), height - bottom + 16, f"{n_tick:,.0f}", "middle", 10))
    shapes.append(Label(left + plot_width / 2, height - 8, axes.answers, "middle", 11, True))
    ordered = sorted(units, key=lambda unit: unit.n)
    for side in (0, 1):
        for limits, colour, dashed in (
            ("limits_95", "limit95", True),
            ("limits_998", "limit998", False),
        ):
            points = tuple((x_of(u.n), y_of(getattr(u, limits)[side])) for u in ordered)
            if len(points) > 1:
                shapes.append(Line(points, PALETTE[colour], 1.2, dashed))
    shapes.append(
        Line(((left, y_of(target)), (width - right, y_of(target))), PALETTE["target"], 1.5)
    )
    shapes.append(Label(width - right - 2, y_of(target) - 5, axes.target, "end", 10, True))
    for unit in units:
        x, y = x_of(unit.n), y_of(unit.rate)
        shapes.append(Dot(x, y, 4.5, PALETTE[unit.status], unit.title or unit.label))
        if unit.number:
            shapes.append(Label(x + 6, y - 5, str(unit.number), "start", 9))
    shapes.append(Line(((left, top), (left, height - bottom)), PALETTE["axis"]))
    shapes.append(
        Line(((left, height - bottom), (width - right, height - bottom)), PALETTE["axis"])
    )
    return Chart(title, width, height, shapes)


def _nice_ticks(low: float, high: float, integer: bool = False) -> list[float]:
    span = high - low
    if span <= 0:
        return [low]
    raw = span / 5
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 10 ** -len(str(int(1 / raw)))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1.0, round(step))
    first = (low // step + (1 if low % step else 0)) * step
    ticks = []
    tick = first
    while tick <= high + 1e-9:
        ticks.append(round(tick, 10))
        tick += step
    return ticks


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --------------------------------------------------------------------------------------
# A report's charts: the dashboard and the PDF draw these same ones
# --------------------------------------------------------------------------------------


def _percent_tick(value: float) -> str:
    return format_percent(value, 0)


def short_period(period) -> str:
    """A month as "07/2026", a quarter as "Q3/2026" (chart axes have little room)."""
    if period.months == 1:
        return f"{period.start:%m/%Y}"
    return _("Q%(quarter)d/%(year)d", quarter=(period.start.month + 2) // 3, year=period.start.year)


def trend_chart(report: Report) -> Chart | None:
    """Satisfied share per month or quarter, with its 95 % interval."""
    trend = report.overview.trend
    if trend is None:
        return None
    marks = [
        TrendMark(
            short_period(point.period),
            point.rate.rate * 100 if point.rate else None,
            point.rate.ci.low * 100 if point.rate else None,
            point.rate.ci.high * 100 if point.rate else None,
        )
        for point in trend.points
    ]
    title = _("Satisfied or very satisfied, by period, with the confidence interval")
    return draw_trend(title, marks, (0, 25, 50, 75, 100), _percent_tick)


def factor_chart(report: Report) -> Chart | None:
    """The SIPAS factor indices with their bootstrap intervals."""
    if report.overview.sipas is None:
        return None
    bars = [
        Bar(row.title, row.index, row.low, row.high, format_percent(row.index))
        for row in report.factors
        if row.index is not None  # hidden: it would give a hidden criterion away
    ]
    title = _("Factor indices with the confidence interval")
    return draw_bars(title, bars, 100, (0, 25, 50, 75, 100), _percent_tick)


def agency_chart(report: Report) -> Chart | None:
    """Agencies by their rate adjusted for size, best first; hidden ones greyed."""
    units = report.overview.agencies
    if len(units) < 2:
        return None
    bars = [
        Bar(
            report.agency_name(unit.key),
            unit.shrunk_rate * 100 if unit.shrunk_rate is not None else None,
            unit.shrunk_low * 100 if unit.shrunk_low is not None else None,
            unit.shrunk_high * 100 if unit.shrunk_high is not None else None,
            percent(unit.shrunk_rate).text(),
        )
        for unit in units
    ]
    title = _(
        "Agencies: satisfied share adjusted for the number of answers, with the confidence interval"
    )
    return draw_bars(title, bars, 100, (0, 25, 50, 75, 100), _percent_tick)


def funnel_chart(report: Report) -> Chart | None:
    """Each ranked agency's rate against its number of answers, with the province's limits.

    Points are numbered as the rows of the agencies' table (``report.tables.agencies``)."""
    overview = report.overview
    ranked = [unit for unit in overview.agencies if unit.is_ranked]
    units = [
        FunnelUnit(
            report.agency_name(unit.key),
            unit.ratings,
            unit.rate,
            unit.funnel_95,
            unit.funnel_998,
            "below" if unit.is_below_95 else "above" if unit.is_above_95 else "inside",
            number,
            _(
                "%(number)s. %(name)s: %(rate)s of %(n)s answers, %(status)s",
                number=number,
                name=report.agency_name(unit.key),
                rate=percent(unit.rate).text(),
                n=format_number(unit.ratings),
                status=tier_words(unit).lower(),
            ),
        )
        for number, unit in enumerate(ranked, start=1)
        if unit.funnel_95 is not None
        and unit.funnel_998 is not None
        and unit.rate is not None
        and unit.ratings is not None
    ]
    if len(units) < 2 or overview.target_rate is None:
        return None
    title = _(
        "Funnel plot: agencies against the province (control limits %(inner)s and %(outer)s)",
        inner=format_percent(95, 0),
        outer=format_percent(99.8),
    )
    axes = FunnelAxes(
        answers=_("Number of answers"),
        rate=_("Share satisfied"),
        target=_("Province: %(rate)s", rate=percent(overview.target_rate).text()),
    )
    return draw_funnel(title, units, overview.target_rate, _percent_tick, axes)


def report_charts(report: Report) -> list[Chart]:
    drawn = [trend_chart(report), factor_chart(report), agency_chart(report), funnel_chart(report)]
    return [chart for chart in drawn if chart is not None]
