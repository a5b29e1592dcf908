"""Inline SVG charts drawn here (no script, no external resource): bars and columns.

Geometry is computed from exact decimals and rounded to whole pixels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from html import escape

NAVY, TEAL, AMBER, GREY = "#1f3a5f", "#2a9d8f", "#e9a23b", "#c9d1db"
_FONT = 'font-family="inherit" font-size="12"'


def _px(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _scale(value: Decimal, top: Decimal, span: int) -> int:
    return 0 if top <= 0 else max(0, _px(value * span / top))


def hbars(items: Sequence[tuple[str, Decimal]], label: Callable[[Decimal], str], *,
          top: Decimal | None = None, width: int = 520, color: str = NAVY,
          title: str = "") -> str:
    """Horizontal bars, one per (name, value), with the value's text at the bar's end."""
    if not items:
        return '<p class="empty">Nothing to chart.</p>'
    name_w, text_w, row_h = 190, 110, 26
    bar_w = width - name_w - text_w
    biggest = top if top is not None else max(v for _, v in items)
    height = row_h * len(items) + 8
    parts = [f'<svg role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" {_FONT}>'
             f"<title>{escape(title)}</title>"]
    for i, (name, value) in enumerate(items):
        y = 4 + i * row_h
        w = _scale(value, biggest, bar_w)
        parts.append(
            f'<text x="{name_w - 8}" y="{y + 16}" text-anchor="end" fill="#334">'
            f"{escape(name)}</text>"
            f'<rect x="{name_w}" y="{y + 4}" width="{bar_w}" height="16" rx="2" fill="#eef1f5"/>'
            f'<rect x="{name_w}" y="{y + 4}" width="{w}" height="16" rx="2" fill="{color}"/>'
            f'<text x="{name_w + bar_w + 8}" y="{y + 16}" fill="#223" '
            f'font-variant-numeric="tabular-nums">{escape(label(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns(labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[Decimal]]],
            value_text: Callable[[Decimal], str], *, width: int = 560, height: int = 230,
            title: str = "", muted: Sequence[bool] = ()) -> str:
    """Stacked columns per label; ``series`` = (name, colour, values); a legend when > 1 series.

    ``muted`` marks columns drawn paler (a provisional cycle).
    """
    if not labels:
        return '<p class="empty">Nothing to chart.</p>'
    left, bottom, top_pad = 16, 40, 26
    plot_h = height - bottom - top_pad
    totals = [sum((s[2][i] for s in series), Decimal(0)) for i in range(len(labels))]
    biggest = max(totals) if totals and max(totals) > 0 else Decimal(1)
    slot = (width - 2 * left) // len(labels)
    col_w = min(56, slot * 3 // 5)
    parts = [f'<svg role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" {_FONT}>'
             f"<title>{escape(title)}</title>",
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - left}" '
             f'y2="{top_pad + plot_h}" stroke="#9aa5b1"/>']
    for i, name in enumerate(labels):
        x = left + i * slot + (slot - col_w) // 2
        base = top_pad + plot_h
        opacity = "0.45" if i < len(muted) and muted[i] else "1"
        for _, color, values in series:
            h = _scale(values[i], biggest, plot_h)
            if h:
                parts.append(f'<rect x="{x}" y="{base - h}" width="{col_w}" height="{h}" '
                             f'fill="{color}" fill-opacity="{opacity}"/>')
            base -= h
        cx = x + col_w // 2
        parts.append(f'<text x="{cx}" y="{base - 6}" text-anchor="middle" fill="#223" '
                     f'font-weight="600">{escape(value_text(totals[i]))}</text>'
                     f'<text x="{cx}" y="{top_pad + plot_h + 18}" text-anchor="middle" '
                     f'fill="#445">{escape(name)}</text>')
    if len(series) > 1:
        x = left
        for name, color, _ in series:
            parts.append(f'<rect x="{x}" y="{height - 12}" width="10" height="10" '
                         f'fill="{color}"/><text x="{x + 14}" y="{height - 3}" '
                         f'fill="#445">{escape(name)}</text>')
            x += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)
