"""A small, dependency-free SVG chart of a metric against its limit (evidence for memory and CPU)."""

from __future__ import annotations

from html import escape


def usage_chart(title: str, points: list[tuple[str, float]], limit: float, threshold_percent: float,
                unit_label: str, scale: float = 1.0) -> str:
    """Usage over time, the plan's limit and the threshold line, as standalone SVG text."""
    width, height, pad = 640, 240, 48
    values = [v for _, v in points]
    top = max([limit, *values]) * 1.05 or 1.0

    def x(i: int) -> float:
        return pad + (width - 2 * pad) * (i / max(1, len(points) - 1))

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * (v / top)

    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    threshold = limit * threshold_percent / 100
    first = escape(points[0][0]) if points else ""
    last = escape(points[-1][0]) if points else ""
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">
<title>{escape(title)}</title>
<rect width="100%" height="100%" fill="white"/>
<text x="{pad}" y="20" font-size="13">{escape(title)}</text>
<line x1="{pad}" y1="{y(limit):.1f}" x2="{width - pad}" y2="{y(limit):.1f}" stroke="#c0392b" stroke-width="1.5"/>
<text x="{width - pad}" y="{y(limit) - 4:.1f}" text-anchor="end" fill="#c0392b">limit {limit / scale:.2f} {escape(unit_label)}</text>
<line x1="{pad}" y1="{y(threshold):.1f}" x2="{width - pad}" y2="{y(threshold):.1f}" stroke="#e67e22" stroke-dasharray="4 3"/>
<text x="{width - pad}" y="{y(threshold) - 4:.1f}" text-anchor="end" fill="#e67e22">{threshold_percent:g} % threshold</text>
<path d="{path}" fill="none" stroke="#2c3e50" stroke-width="1.5"/>
<text x="{pad}" y="{height - pad + 16}">{first}</text>
<text x="{width - pad}" y="{height - pad + 16}" text-anchor="end">{last}</text>
</svg>
"""
