"""Accessible charts rendered on the server as inline SVG, with a data table as their text alternative.

Every chart is an `<svg role="img">` named by its `<title>` and `<desc>`, states each value in text (never
by colour alone), scales to its container, and draws in `currentColor` so it follows light and dark mode.
Stylesheets can restyle it through the classes chart, chart-bar, chart-line, chart-point, chart-axis,
chart-grid, chart-label and chart-empty. No JavaScript, no external assets; every label is escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 80  # margins: tick labels, breathing room, value labels, x labels
FONT_SIZE = 12
CHAR_WIDTH = 7  # rough width of one character at FONT_SIZE, to tell when x labels would collide
MAX_LABEL_CHARS = 18  # longer x labels are shortened in the chart; the data table has them in full
MAX_SLANTED_CHARS = 12  # slanted labels are shortened further so they stay inside the chart
MAX_X_LABELS = 8  # a line chart labels at most this many points
NO_DATA = "No data yet"
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def bar_chart(title: str, description: str, labels: Sequence[str], values: Sequence[float], *,
              unit: str = "", max_value: float | None = None, id_prefix: str,
              x_label: str = "", y_label: str = "", empty_text: str = NO_DATA) -> Markup:
    """A vertical bar chart, one bar per label, each with its value written above it.

    `unit` is appended as written to value and tick labels (pass "%", not " trainees": name the
    quantity in `y_label`). The scale runs from 0 to `max_value`, or to a round number above the
    largest value; bars above `max_value` are cut at the top but keep their true label.
    """
    if len(labels) != len(values):
        raise ValueError("a bar chart needs one value per label")
    _check(values)
    if not values:
        return _empty(title, description, id_prefix, empty_text)
    top, ticks = _scale(values, max_value)
    slot = (WIDTH - LEFT - RIGHT) / len(values)
    bar_width = min(slot * 0.7, 96)
    parts = [_axes(ticks, top, unit, x_label, y_label)]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        centre = LEFT + slot * (index + 0.5)
        y = _y(value, top)
        parts.append(_element("rect", {"class": "chart-bar", "x": centre - bar_width / 2, "y": y,
                                       "width": bar_width, "height": _y(0, top) - y, "fill": "currentColor"},
                              _element("title", {}, f"{label}: {_number(value)}{unit}")))
        parts.append(_value_label(centre, y, value, unit))
    parts.append(_x_labels([(LEFT + slot * (i + 0.5), label) for i, label in enumerate(labels)], slot))
    return _svg(title, description, id_prefix, parts)


def line_chart(title: str, description: str, points: Sequence[tuple[str, float]], *,
               unit: str = "", max_value: float | None = None, id_prefix: str,
               x_label: str = "", y_label: str = "", empty_text: str = NO_DATA) -> Markup:
    """A line through (label, value) points spaced evenly, such as dates and cumulative completions.

    With many points, only every few x labels and values are written (always the last); each point
    still carries its own tooltip, and the data table lists them all.
    """
    values = [value for _, value in points]
    _check(values)
    if not points:
        return _empty(title, description, id_prefix, empty_text)
    top, ticks = _scale(values, max_value)
    inset = 16  # keeps the first and last point off the axes
    span = WIDTH - LEFT - RIGHT - 2 * inset
    step = span / (len(points) - 1) if len(points) > 1 else 0
    xs = [LEFT + inset + (step * i if len(points) > 1 else span / 2) for i in range(len(points))]
    ys = [_y(value, top) for value in values]
    shown = _thinned(len(points))
    line = " ".join(f"{_coord(x)},{_coord(y)}" for x, y in zip(xs, ys, strict=True))
    parts = [_axes(ticks, top, unit, x_label, y_label),
             _element("polyline", {"class": "chart-line", "points": line, "fill": "none", "stroke": "currentColor",
                                   "stroke-width": 2, "stroke-linejoin": "round"})]
    for index, ((label, value), x, y) in enumerate(zip(points, xs, ys, strict=True)):
        parts.append(_element("circle", {"class": "chart-point", "cx": x, "cy": y, "r": 3.5, "fill": "currentColor"},
                              _element("title", {}, f"{label}: {_number(value)}{unit}")))
        if index in shown:
            parts.append(_value_label(x, y, value, unit))
    gap = min((b - a for a, b in zip(shown, shown[1:], strict=False)), default=0)
    parts.append(_x_labels([(xs[i], points[i][0]) for i in shown], step * gap if gap else span))
    return _svg(title, description, id_prefix, parts)


def data_table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[object]], *,
               empty_text: str = NO_DATA) -> Markup:
    """The text alternative to a chart: a table with a caption, column headers and a header cell per row."""
    head = Markup("").join(_element("th", {"scope": "col"}, header) for header in headers)
    body = []
    for row in rows:
        if len(row) != len(headers):
            raise ValueError("every row needs one cell per header")
        cells = [_element("th", {"scope": "row"}, _cell(row[0]))] if row else []
        cells += [_element("td", {}, _cell(value)) for value in row[1:]]
        body.append(_element("tr", {}, *cells))
    if not body:
        body.append(_element("tr", {}, _element("td", {"colspan": len(headers)}, empty_text)))
    return _element("table", {"class": "chart-table"}, _element("caption", {}, caption),
                    _element("thead", {}, _element("tr", {}, head)), _element("tbody", {}, *body))


def band_labels(width: int = 20) -> list[str]:
    """The labels of score bands `width` points wide: "0-19%", …, "80-100%" (100% joins the top band)."""
    if not 1 <= width <= 100:
        raise ValueError("a band is 1 to 100 points wide")
    starts = list(range(0, 100, width))
    labels = [f"{start}-{min(start + width, 100) - 1}%" for start in starts]
    labels[-1] = f"{starts[-1]}-100%"
    return labels


def band_index(score: float, width: int = 20) -> int:
    """The band a score falls in (0 for 0-19% … the last for 80-100%; 100% joins the top band)."""
    return min(int(max(score, 0) // width), len(range(0, 100, width)) - 1)


def score_bands(scores: Iterable[float], width: int = 20) -> tuple[list[str], list[int]]:
    """Labels ("0-19%", …, "80-100%") and counts for a score distribution; 100% joins the top band."""
    labels = band_labels(width)
    counts = [0] * len(labels)
    for score in scores:
        counts[band_index(score, width)] += 1
    return labels, counts


def _svg(title: str, description: str, id_prefix: str, parts: Sequence[Markup]) -> Markup:
    """The outer `<svg>`, named by its title and description for assistive technology."""
    if not _ID.fullmatch(id_prefix):
        raise ValueError("id_prefix must start with a letter and hold only letters, digits, - and _")
    return _element(
        "svg",
        {"xmlns": "http://www.w3.org/2000/svg", "class": "chart", "role": "img",
         "aria-labelledby": f"{id_prefix}-title {id_prefix}-desc", "viewBox": f"0 0 {WIDTH} {HEIGHT}",
         "width": "100%", "font-size": FONT_SIZE},
        _element("title", {"id": f"{id_prefix}-title"}, title),
        _element("desc", {"id": f"{id_prefix}-desc"}, description),
        *parts,
    )


def _empty(title: str, description: str, id_prefix: str, empty_text: str) -> Markup:
    """A chart with nothing to draw, saying so in words."""
    return _svg(title, description, id_prefix, [
        _element("text", {"class": "chart-label chart-empty", "x": WIDTH / 2, "y": HEIGHT / 2,
                          "text-anchor": "middle", "fill": "currentColor"}, empty_text)])


def _axes(ticks: Sequence[float], top: float, unit: str, x_label: str, y_label: str) -> Markup:
    """Gridlines with tick labels, the two axis lines and the axis titles."""
    parts = []
    for tick in ticks:
        y = _y(tick, top)
        parts.append(_element("line", {"class": "chart-grid", "x1": LEFT, "x2": WIDTH - RIGHT, "y1": y, "y2": y,
                                       "stroke": "currentColor", "stroke-opacity": 0.15}))
        parts.append(_element("text", {"class": "chart-label", "x": LEFT - 8, "y": y + 4, "text-anchor": "end",
                                       "fill": "currentColor"}, f"{_tick(tick)}{unit}"))
    base = _y(0, top)
    parts.append(_element("path", {"class": "chart-axis", "d": f"M{LEFT},{TOP - 8}V{_coord(base)}H{WIDTH - RIGHT}",
                                   "fill": "none", "stroke": "currentColor"}))
    if x_label:
        parts.append(_element("text", {"class": "chart-label", "x": (LEFT + WIDTH - RIGHT) / 2, "y": HEIGHT - 6,
                                       "text-anchor": "middle", "fill": "currentColor"}, x_label))
    if y_label:
        middle = (TOP + base) / 2
        parts.append(_element("text", {"class": "chart-label", "x": 14, "y": middle, "text-anchor": "middle",
                                       "transform": f"rotate(-90 14 {_coord(middle)})", "fill": "currentColor"},
                              y_label))
    return Markup("").join(parts)


def _x_labels(placed: Sequence[tuple[float, str]], spacing: float) -> Markup:
    """Category labels under the axis, slanted when they would collide, shortened when very long."""
    longest = max(min(len(label), MAX_LABEL_CHARS) for _, label in placed)
    slanted = longest * CHAR_WIDTH > spacing - 4
    limit = MAX_SLANTED_CHARS if slanted else MAX_LABEL_CHARS
    texts = [label if len(label) <= limit else label[:limit - 1].rstrip() + "…" for _, label in placed]
    y = HEIGHT - BOTTOM + 18
    parts = []
    for (x, _), text in zip(placed, texts, strict=True):
        attrs: dict[str, object] = {"class": "chart-label", "x": x, "y": y, "fill": "currentColor",
                                    "text-anchor": "end" if slanted else "middle"}
        if slanted:
            attrs["transform"] = f"rotate(-35 {_coord(x)} {y})"
        parts.append(_element("text", attrs, text))
    return Markup("").join(parts)


def _value_label(x: float, y: float, value: float, unit: str) -> Markup:
    """A value written just above its bar or point."""
    return _element("text", {"class": "chart-label", "x": x, "y": y - 7, "text-anchor": "middle",
                             "fill": "currentColor"}, f"{_number(value)}{unit}")


def _scale(values: Sequence[float], max_value: float | None) -> tuple[float, list[float]]:
    """The top of the scale and the tick values: round steps of 1, 2, 2.5 or 5 times a power of ten."""
    if max_value is not None and not (math.isfinite(max_value) and max_value > 0):
        raise ValueError("max_value must be a positive number")
    top = max_value or max(values) or 4  # all zeros: a scale of 0-4, so counts get whole-number ticks
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if max_value is None:
        top = math.ceil(top / step - 1e-9) * step
    return top, [i * step for i in range(int(top / step + 1e-9) + 1)]


def _thinned(count: int) -> list[int]:
    """Indexes of the points to label: at most MAX_X_LABELS, evenly spread, always the first and last."""
    stride = math.ceil(count / MAX_X_LABELS)
    shown = list(range(0, count, stride))
    if len(shown) > 1:
        shown[-1] = count - 1  # the last point replaces the last regular one, so no gap is below the stride
    elif count > 1:
        shown.append(count - 1)
    return shown


def _y(value: float, top: float) -> float:
    """The vertical position of `value` on a scale from 0 to `top`; values above `top` stop at the top."""
    plot = HEIGHT - TOP - BOTTOM
    return HEIGHT - BOTTOM - plot * min(value, top) / top


def _check(values: Sequence[float]) -> None:
    """Refuse values a chart cannot draw honestly."""
    if any(not math.isfinite(value) or value < 0 for value in values):
        raise ValueError("chart values must be finite and not negative")


def _number(value: float) -> str:
    """A value as people write it: whole numbers plain, others to one decimal place."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def _tick(value: float) -> str:
    """A tick value: whole numbers plain, steps such as 0.25 in full."""
    return str(int(value)) if value == int(value) else f"{value:.6g}"


def _coord(value: float) -> str:
    """A coordinate to two decimal places, without trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _cell(value: object) -> str:
    """A table cell's text; floats as _number writes them."""
    return _number(value) if isinstance(value, float) else str(value)


def _element(tag: str, attrs: Mapping[str, object], *children: str | Markup) -> Markup:
    """`<tag attrs>children</tag>`, with attribute values and text children escaped.

    Built with escape() and str.join rather than Markup.format, which is several times slower: a cohort page
    draws hundreds of elements. Tags and attribute names come from this module, never from input.
    """
    attributes = "".join(
        f' {name}="{escape(_coord(value) if isinstance(value, float) else value)}"' for name, value in attrs.items()
    )
    if not children:
        return Markup(f"<{tag}{attributes}/>")  # noqa: S704 - attribute values escaped above
    return Markup(f"<{tag}{attributes}>{''.join(escape(child) for child in children)}</{tag}>")  # noqa: S704
