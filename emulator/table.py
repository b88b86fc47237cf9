"""Plain-text tables for people (JSON is for machines)."""

from __future__ import annotations

from collections.abc import Sequence


def fmt_int(n: int) -> str:
    """12345678 -> '12,345,678'."""
    return f"{int(n):,}"


def fmt_bits(bits: int) -> str:
    """Bits with a human unit alongside: '1,048,576 bits (128.0 KiB)'."""
    kib = bits / 8 / 1024
    unit = f"{kib / 1024:.1f} MiB" if kib >= 1024 else f"{kib:.1f} KiB"
    return f"{fmt_int(bits)} bits ({unit})"


def fmt_si(value: float, unit: str) -> str:
    """Engineering notation: fmt_si(2.3e-9, 'J') -> '2.300 nJ'."""
    if value == 0:
        return f"0 {unit}"
    prefixes = [(1e-15, "f"), (1e-12, "p"), (1e-9, "n"), (1e-6, "u"), (1e-3, "m"), (1.0, ""), (1e3, "k"),
                (1e6, "M"), (1e9, "G")]
    scale, prefix = prefixes[0]
    for s, p in prefixes:
        if abs(value) >= s:
            scale, prefix = s, p
    return f"{value / scale:.3f} {prefix}{unit}"


def render_table(rows: Sequence[Sequence[object]], header: Sequence[str] | None = None, title: str = "") -> str:
    """Left-aligned first column, right-aligned others; a rule under the header."""
    cells = [[str(c) for c in r] for r in rows]
    if header:
        cells.insert(0, [str(h) for h in header])
    if not cells:
        return title
    widths = [max(len(r[i]) for r in cells if i < len(r)) for i in range(max(len(r) for r in cells))]
    lines = [title] if title else []
    for k, r in enumerate(cells):
        parts = [c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)]
        lines.append("  ".join(parts).rstrip())
        if header and k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_kv(pairs: Sequence[tuple[str, object]], title: str = "") -> str:
    """Two-column key/value block, both columns left-aligned."""
    width = max((len(k) for k, _ in pairs), default=0)
    lines = [title] if title else []
    lines += [f"{k.ljust(width)}  {v}" for k, v in pairs]
    return "\n".join(lines)
