"""A small, dependency-free SVG chart of a metric against its limit (evidence for memory and CPU): a labelled
value axis (its unit, ticks), a time axis (first and last sample, UTC), the plan's limit, the criterion's
threshold as a dashed line, and the peak marked with its value and its share of the limit."""

from __future__ import annotations

import math
import re
from html import escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 32, 44  # room for the value axis's ticks and title, the time axis below


def _ticks(top: float) -> list[float]:
    """Four or five round values from 0 up to ``top`` (1, 2 or 5 times a power of ten apart)."""
    if top <= 0:
        return [0.0]
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(int(top / step + 1e-9) + 1)]


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"


def _minute(stamp: str) -> str:
    """``2025-10-15T09:30:00Z`` -> ``2025-10-15 09:30``: a time a person reads under the axis."""
    match = re.match(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)", stamp)
    return f"{match.group(1)} {match.group(2)}" if match else stamp


def _axes(x0: float, x1: float, y, top_shown: float, quantity: str, unit: str, points) -> list[str]:
    """Both axes, the value ticks with grid lines, the axis titles and the first and last sample's time."""
    base = y(0)
    out = [f'<line x1="{x0}" y1="{TOP}" x2="{x0}" y2="{base:.1f}" stroke="#555"/>',
           f'<line x1="{x0}" y1="{base:.1f}" x2="{x1}" y2="{base:.1f}" stroke="#555"/>']
    for tick in _ticks(top_shown):
        ty = y(tick)
        out.append(f'<line x1="{x0 - 4}" y1="{ty:.1f}" x2="{x1}" y2="{ty:.1f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{x0 - 6}" y="{ty + 4:.1f}" text-anchor="end">{_number(tick)}</text>')
    middle = (TOP + base) / 2
    out.append(f'<text x="14" y="{middle:.1f}" text-anchor="middle" transform="rotate(-90 14 {middle:.1f})">'
               f"{escape(quantity)} ({escape(unit)})</text>")
    if points:
        out.append(f'<text x="{x0}" y="{base + 16:.1f}">{escape(_minute(points[0][0]))}</text>')
        out.append(f'<text x="{x1}" y="{base + 16:.1f}" text-anchor="end">{escape(_minute(points[-1][0]))}</text>')
    out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">time (UTC), last hour</text>')
    return out


def _level(x0: float, x1: float, at: float, colour: str, text: str, dashed: bool) -> list[str]:
    """A horizontal line across the plot (the limit, the threshold) labelled at its right end."""
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    return [f'<line x1="{x0}" y1="{at:.1f}" x2="{x1}" y2="{at:.1f}" stroke="{colour}" stroke-width="1.5"{dash}/>',
            f'<text x="{x1}" y="{at - 4:.1f}" text-anchor="end" fill="{colour}">{escape(text)}</text>']


def usage_chart(title: str, points: list[tuple[str, float]], limit: float, threshold_percent: float | None,
                unit_label: str, scale: float = 1.0, quantity: str = "usage") -> str:
    """Usage over time (values in the unit times ``scale``: bytes for GiB), the plan's limit, the threshold line
    (none when ``threshold_percent`` is None) and the peak, as standalone SVG text."""
    values = [v / scale for _, v in points]
    shown_limit = limit / scale
    top_shown = max([shown_limit, *values]) * 1.1 or 1.0
    x0, x1 = LEFT, WIDTH - RIGHT

    def x(i: int) -> float:
        return x0 + (x1 - x0) * (i / max(1, len(values) - 1))

    def y(v: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (v / top_shown)

    body = _axes(x0, x1, y, top_shown, quantity, unit_label, points)
    body += _level(x0, x1, y(shown_limit), "#c0392b", f"limit {shown_limit:.2f} {unit_label}", False)
    if threshold_percent is not None:
        at = shown_limit * threshold_percent / 100
        body += _level(x0, x1, y(at), "#e67e22", f"{threshold_percent:g} % threshold ({at:.2f} {unit_label})", True)
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    body.append(f'<path d="{path}" fill="none" stroke="#2c3e50" stroke-width="1.5"/>')
    if values:
        i = max(range(len(values)), key=values.__getitem__)
        share = f" = {100 * values[i] / shown_limit:.0f} % of the limit" if shown_limit else ""
        anchor = "end" if x(i) > (x0 + x1) / 2 else "start"
        body.append(f'<circle cx="{x(i):.1f}" cy="{y(values[i]):.1f}" r="3.5" fill="#2c3e50"/>')
        halo = 'paint-order="stroke" stroke="white" stroke-width="3"'  # readable over the line it sits on
        body.append(f'<text x="{x(i) + (-6 if anchor == "end" else 6):.1f}" y="{y(values[i]) - 8:.1f}" {halo} '
                    f'text-anchor="{anchor}" font-weight="bold">peak {values[i]:.2f} {escape(unit_label)}{share} '
                    f"at {escape(_minute(points[i][0]))}</text>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">\n'
            f"<title>{escape(title)}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            f'<text x="{x0}" y="20" font-size="13">{escape(title)}</text>\n' + "\n".join(body) + "\n</svg>\n")
