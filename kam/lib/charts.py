"""Server-rendered SVG charts: pure functions from numbers to markup, no ORM, no JavaScript, no CDN.

Every chart is `role="img"` with a <title> and <desc>, prints its numbers as text labels, and tells
series apart by pattern or marker shape as well as colour, so it reads in greyscale too.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colour + pattern pairs, in series order: solid, diagonal hatch, dots, cross-hatch, horizontal lines.
PALETTE = ("#2f6f4f", "#c98a00", "#b3261e", "#6c757d", "#3b5ba5")
PATTERNS = ("solid", "hatch", "dots", "cross", "lines")
SHAPES = ("circle", "square", "triangle", "diamond")
BAND_COLOURS = {"green": "#2f6f4f", "amber": "#c98a00", "red": "#b3261e", "insufficient": "#6c757d"}


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]


def compact(value: float | None) -> str:
    """1234567 -> '1.2M': short labels that fit on a bar."""
    if value is None:
        return "—"
    sign, value = ("−" if value < 0 else ""), abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{sign}{value / limit:.1f}{suffix}"
    return f"{sign}{value:.0f}"


def _defs(uid: str) -> str:
    parts = []
    for index, (colour, pattern) in enumerate(zip(PALETTE, PATTERNS, strict=True)):
        pid = f"{uid}-p{index}"
        marks = {
            "solid": "",
            "hatch": '<path d="M0,6 L6,0" stroke="#fff" stroke-width="1.5"/>',
            "dots": '<circle cx="3" cy="3" r="1.3" fill="#fff"/>',
            "cross": '<path d="M0,6 L6,0 M0,0 L6,6" stroke="#fff" stroke-width="1.2"/>',
            "lines": '<path d="M0,3 L6,3" stroke="#fff" stroke-width="1.5"/>',
        }[pattern]
        parts.append(
            f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{colour}"/>{marks}</pattern>'
        )
    return "<defs>" + "".join(parts) + "</defs>"


def _fill(uid: str, index: int) -> str:
    return f"url(#{uid}-p{index % len(PALETTE)})"


def _open(uid: str, width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{uid}-t {uid}-d" class="kam-chart" data-chart="{escape(uid)}" '
        f'font-family="system-ui, sans-serif" font-size="11">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
    )


def _legend(uid: str, labels: Sequence[str], x: int, y: int) -> str:
    items, offset = [], x
    for index, label in enumerate(labels):
        items.append(
            f'<rect x="{offset}" y="{y - 9}" width="12" height="12" fill="{_fill(uid, index)}" stroke="#333" '
            f'stroke-width=".5"/><text x="{offset + 16}" y="{y + 1}">{escape(label)}</text>'
        )
        offset += 24 + 7 * len(label)
    return "".join(items)


def bar(uid: str, *, title: str, desc: str, labels: Sequence[str], values: Sequence[float]) -> SafeString:
    """Horizontal bars, one per label, each with its value written at its end."""
    width, row, left = 560, 24, 150
    height = row * len(labels) + 10
    top = max([v for v in values if v is not None] or [0]) or 1
    body = [_open(uid, width, height, title, desc), _defs(uid)]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 5 + index * row
        length = (width - left - 70) * max(value or 0, 0) / top
        body.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" fill="{_fill(uid, 0)}"/>'
            f'<text x="{left + length + 4:.1f}" y="{y + 15}">{escape(compact(value))}</text>'
        )
    body.append("</svg>")
    return mark_safe("".join(body))  # noqa: S308 -- every interpolated text is escaped above


def stacked_bar(
    uid: str, *, title: str, desc: str, labels: Sequence[str], series: Sequence[Series], percent: bool = False
) -> SafeString:
    """Vertical stacked columns (one per label); with `percent`, each column is scaled to 100 %."""
    width, height, left, bottom, top_pad = 560, 230, 40, 40, 30
    plot_h = height - bottom - top_pad
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    peak = 100.0 if percent else (max(totals or [0]) or 1)
    step = (width - left - 10) / max(len(labels), 1)
    body = [
        _open(uid, width, height, title, desc),
        _defs(uid),
        _legend(uid, [s.label for s in series], left, 14),
    ]
    for i, label in enumerate(labels):
        x, y = left + i * step + step * 0.15, height - bottom
        for index, one in enumerate(series):
            raw = one.values[i] or 0
            value = raw * 100 / totals[i] if percent and totals[i] else raw
            h = plot_h * value / peak
            y -= h
            if h > 0:
                body.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                    f'fill="{_fill(uid, index)}" stroke="#fff" stroke-width=".5">'
                    f"<title>{escape(label)} · {escape(one.label)}: {escape(compact(raw))}</title></rect>"
                )
        body.append(
            f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 14}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
        if not percent:
            body.append(
                f'<text x="{x + step * 0.35:.1f}" y="{y - 3:.1f}" '
                f'text-anchor="middle">{compact(totals[i])}</text>'
            )
    body.append(
        f'<line x1="{left}" x2="{width}" y1="{height - bottom}" y2="{height - bottom}" stroke="#333"/>'
    )
    body.append("</svg>")
    return mark_safe("".join(body))  # noqa: S308 -- every interpolated text is escaped above


def line(
    uid: str,
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    y_max: float | None = None,
    unit: str = "",
) -> SafeString:
    """Lines over labelled x positions, a distinct marker per series, the last value labelled."""
    width, height, left, bottom, top_pad = 560, 220, 44, 34, 28
    values = [v for s in series for v in s.values if v is not None]
    top = y_max if y_max is not None else (max(values or [0]) * 1.1 or 1)
    step = (width - left - 60) / max(len(labels) - 1, 1)
    plot_h = height - bottom - top_pad

    def point(i: int, v: float) -> tuple[float, float]:
        return left + i * step, height - bottom - plot_h * v / top

    body = [
        _open(uid, width, height, title, desc),
        _defs(uid),
        _legend(uid, [s.label for s in series], left, 14),
    ]
    for tick in (0, top / 2, top):
        y = height - bottom - plot_h * tick / top
        body.append(
            f'<line x1="{left}" x2="{width - 50}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{compact(tick)}{escape(unit)}</text>'
        )
    every = max(1, -(-len(labels) // 7))
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            body.append(
                f'<text x="{left + i * step:.1f}" y="{height - 12}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = [point(i, v) for i, v in enumerate(one.values) if v is not None]
        if not points:
            continue
        dash = "" if index == 0 else ' stroke-dasharray="5 3"'
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        x, y = points[-1]
        body.append(_marker(SHAPES[index % len(SHAPES)], x, y, colour, 4))
        last = [v for v in one.values if v is not None][-1]
        body.append(f'<text x="{x + 7:.1f}" y="{y + 4:.1f}">{compact(last)}{escape(unit)}</text>')
    body.append("</svg>")
    return mark_safe("".join(body))  # noqa: S308 -- every interpolated text is escaped above


def sparkline(uid: str, *, title: str, values: Sequence[float | None], y_max: float = 100) -> SafeString:
    """A small trend line without axes; the first and last values are written beside it."""
    width, height = 130, 26
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    desc = f"from {compact(known[0][1])} to {compact(known[-1][1])}" if known else "no data"
    body = [_open(uid, width, height, title, desc)]
    if len(known) >= 2:
        step = 90 / max(len(values) - 1, 1)
        path = " ".join(f"{4 + i * step:.1f},{22 - 18 * v / y_max:.1f}" for i, v in known)
        body.append(f'<polyline points="{path}" fill="none" stroke="#333" stroke-width="1.5"/>')
        x, y = 4 + known[-1][0] * step, 22 - 18 * known[-1][1] / y_max
        body.append(_marker("circle", x, y, "#333", 2.5))
        body.append(f'<text x="100" y="17">{compact(known[-1][1])}</text>')
    else:
        body.append('<text x="4" y="17">no trend yet</text>')
    body.append("</svg>")
    return mark_safe("".join(body))  # noqa: S308 -- every interpolated text is escaped above


@dataclass(frozen=True)
class Move:
    label: str
    x: float
    y: float
    x_before: float | None
    y_before: float | None
    shape: int = 0  # index into SHAPES (the quadrant)
    tip: str = ""  # hover text; defaults to the label


def scatter_moves(
    uid: str,
    *,
    title: str,
    desc: str,
    points: Sequence[Move],
    x_label: str,
    y_label: str,
    quadrants: Sequence[str],
) -> SafeString:
    """A 0–100 × 0–100 scatter split in four quadrants (labels: top-left, top-right, bottom-left,
    bottom-right); each point is labelled, and an arrow shows where it came from."""
    size, left, bottom = 460, 46, 40
    plot = size - left - 10

    def at(x: float, y: float, *, inside: bool = False) -> tuple[float, float]:
        if inside:  # points keep off the frame, readable beside the quadrant names
            x, y = min(max(x, 2), 97), min(max(y, 3), 94)
        return left + plot * x / 100, size - bottom - plot * y / 100

    body = [
        _open(uid, size, size, title, desc),
        f'<defs><marker id="{uid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        f'markerWidth="6" markerHeight="6" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    x0, y0 = at(0, 0)
    x1, y1 = at(100, 100)
    xm, ym = at(50, 50)
    body.append(
        f'<rect x="{x0}" y="{y1}" width="{plot}" height="{plot}" fill="none" stroke="#333"/>'
        f'<line x1="{xm}" x2="{xm}" y1="{y1}" y2="{y0}" stroke="#999" stroke-dasharray="4 3"/>'
        f'<line x1="{x0}" x2="{x1}" y1="{ym}" y2="{ym}" stroke="#999" stroke-dasharray="4 3"/>'
    )
    for text, (qx, qy, anchor) in zip(
        quadrants,
        (
            (x0 + 6, y1 + 16, "start"),
            (x1 - 6, y1 + 16, "end"),
            (x0 + 6, y0 - 6, "start"),
            (x1 - 6, y0 - 6, "end"),
        ),
        strict=True,
    ):
        body.append(
            f'<text x="{qx}" y="{qy}" text-anchor="{anchor}" font-weight="bold" fill="#555" '
            f'font-size="13">{escape(text)}</text>'
        )
    body.append(
        f'<text x="{(x0 + x1) / 2}" y="{y0 + 26}" text-anchor="middle">{escape(x_label)} →</text>'
        f'<text transform="translate(12 {(y0 + y1) / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)} →</text>'
    )
    placed: list[tuple[float, float, float, float]] = []
    for point in points:
        x, y = at(point.x, point.y, inside=True)
        colour = PALETTE[point.shape % len(PALETTE)]
        if point.x_before is not None and point.y_before is not None:
            bx, by = at(point.x_before, point.y_before, inside=True)
            if abs(bx - x) + abs(by - y) > 3:
                body.append(
                    f'<line x1="{bx:.1f}" y1="{by:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#777" '
                    f'stroke-width="1" marker-end="url(#{uid}-arrow)"/>'
                )
        body.append(
            _marker(SHAPES[point.shape % len(SHAPES)], x, y, colour, 4.5, title=point.tip or point.label)
        )
        if point.label:
            body.append(_place_label(point.label[:18], x, y, placed, right_edge=x1))
    body.append("</svg>")
    return mark_safe("".join(body))  # noqa: S308 -- every interpolated text is escaped above


def _place_label(text: str, x: float, y: float, placed: list, *, right_edge: float) -> str:
    """The first of right, left, above, below of the point where the label overlaps no other label;
    none when all four do (the point keeps its hover title and its row in the table)."""
    width, height = 5.6 * len(text), 11
    for dx, dy, anchor in ((7, 4, "start"), (-7, 4, "end"), (0, -8, "middle"), (0, 15, "middle")):
        left = x + dx - {"start": 0, "end": width, "middle": width / 2}[anchor]
        box = (left, y + dy - height + 2, left + width, y + dy + 2)
        if box[2] <= right_edge and all(
            box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3] for b in placed
        ):
            placed.append(box)
            return (
                f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}" font-size="10" '
                f'paint-order="stroke" stroke="#fff" stroke-width="3">{escape(text)}</text>'
            )
    return ""


def _marker(shape: str, x: float, y: float, colour: str, r: float, title: str = "") -> str:
    tip = f"<title>{escape(title)}</title>" if title else ""
    if shape == "square":
        return (
            f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" '
            f'fill="{colour}">{tip}</rect>'
        )
    if shape == "triangle":
        d = f"M{x:.1f},{y - r:.1f} L{x + r:.1f},{y + r:.1f} L{x - r:.1f},{y + r:.1f} z"
        return f'<path d="{d}" fill="{colour}">{tip}</path>'
    if shape == "diamond":
        d = f"M{x:.1f},{y - r:.1f} L{x + r:.1f},{y:.1f} L{x:.1f},{y + r:.1f} L{x - r:.1f},{y:.1f} z"
        return f'<path d="{d}" fill="{colour}">{tip}</path>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}">{tip}</circle>'
