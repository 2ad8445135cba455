"""Charts drawn on the server as SVG (no script, nothing fetched): a heat map and
horizontal bars. Each carries a title and a description for screen readers; the page shows
the same numbers in a table and as CSV."""

from __future__ import annotations

from markupsafe import Markup, escape

CELL_W, CELL_H, LEFT, TOP = 40, 18, 44, 24


def heatmap(rows: list[list[float]], *, row_labels: list[str], title: str, desc: str,
            unit: str) -> Markup:
    """``rows`` (7 x 24: weekday x hour) drawn as a column a weekday and a line an hour,
    tall rather than wide so it reads on a phone: darker is more."""
    top = max((v for row in rows for v in row), default=0.0) or 1.0
    width, height = LEFT + len(rows) * CELL_W + 4, TOP + 24 * CELL_H + 4
    parts = [f'<svg class="chart heat" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="hm-t hm-d" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="hm-t">{escape(title)}</title><desc id="hm-d">{escape(desc)}</desc>']
    for day, label in enumerate(row_labels):
        parts.append(f'<text x="{LEFT + day * CELL_W + CELL_W // 2 - 1}" y="{TOP - 8}" '
                     f'font-size="13" text-anchor="middle" fill="#333">{escape(label)}</text>')
    for hour in range(24):
        y = TOP + hour * CELL_H
        parts.append(f'<text x="2" y="{y + 13}" font-size="12" fill="#333">{hour:02d}:00</text>')
        for day, (label, row) in enumerate(zip(row_labels, rows, strict=True)):
            share = row[hour] / top
            # From near-white to the console's blue; light enough at zero to see the grid.
            fill = f"rgb({int(238 - 207 * share)},{int(242 - 163 * share)},{int(247 - 67 * share)})"
            parts.append(f'<rect x="{LEFT + day * CELL_W}" y="{y}" width="{CELL_W - 2}" '
                         f'height="{CELL_H - 2}" fill="{fill}"><title>{escape(label)} '
                         f'{hour:02d}:00 {row[hour]:g} {escape(unit)}</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text inserted went through escape()


def bars(items: list[tuple[str, float, str]], *, title: str, desc: str,
         top: float | None = None) -> Markup:
    """Horizontal bars: (label, value, value as text) each, scaled to ``top`` (default:
    the largest value)."""
    top = top or max((v for _l, v, _t in items), default=0.0) or 1.0
    label_w, bar_w, row_h = 130, 200, 28
    width, height = label_w + bar_w + 70, len(items) * row_h + 8
    parts = [f'<svg class="chart" viewBox="0 0 {width} {max(height, 30)}" role="img" '
             f'aria-label="{escape(title)}: {escape(desc)}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value, text) in enumerate(items):
        y = 4 + i * row_h
        length = max(0.0, min(1.0, value / top)) * bar_w
        parts.append(f'<text x="0" y="{y + 18}" font-size="14" fill="#1d232a">'
                     f'{escape(label[:16])}</text><rect x="{label_w}" y="{y + 4}" '
                     f'width="{length:.1f}" height="{row_h - 8}" fill="#1f4fb4"/>'
                     f'<text x="{label_w + length + 6:.1f}" y="{y + 18}" font-size="14" '
                     f'fill="#1d232a">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text inserted went through escape()
