"""Pictures of a sweep: the energy-latency plane with its Pareto front, and one panel per varied parameter.

- ``pareto.png``: energy against latency per inference (log-log) of every go point, coloured by the chip's
  accuracy; no-go points as grey crosses; the Pareto front (:func:`emulator.sweep_results.pareto_front`) drawn
  as a staircase, each of its points labelled with its index in the table.
- ``params.png``: for each varied column, energy (left axis) and latency (right axis) per inference of the go
  points against the parameter's value, with the mean per value joined by a line (a parameter with more than
  :data:`MAX_LEVELS` distinct values, a random range, is shown as a scatter only).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from emulator.sweep_results import pareto_front

MAX_LEVELS = 12
DPI = 110


def write_plots(df, spec, out_dir: Path) -> list[Path]:
    """Write ``pareto.png`` and ``params.png`` into ``out_dir``; returns the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    written = [pareto_plot(df, out_dir / "pareto.png")]
    cols = [c for c in spec.columns if c in df.columns and df[c].nunique() > 1]
    if cols:
        written.append(params_plot(df, cols, out_dir / "params.png"))
    return written


def pareto_plot(df, path: Path) -> Path:
    """Energy vs latency per inference, coloured by chip accuracy, with the labelled Pareto front."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    ok = df[(df["status"] == "ok") & df["energy_uj"].notna() & df["latency_us"].notna()]
    nogo = df[(df["status"] == "no-go") & df["energy_uj"].notna() & df["latency_us"].notna()]
    if not nogo.empty:
        ax.scatter(nogo["latency_us"], nogo["energy_uj"], marker="x", c="0.6", label=f"no-go ({len(nogo)})")
    if not ok.empty:
        acc = ok["accuracy_chip"].astype(float)
        lo, hi = (acc.min(), acc.max()) if acc.notna().any() else (0.0, 1.0)
        lo = min(lo, hi - 0.05)  # one accuracy for every point: its colour at the top of a 5-point scale
        sc = ax.scatter(ok["latency_us"], ok["energy_uj"], c=acc if acc.notna().any() else "tab:blue",
                        cmap="viridis", vmin=lo, vmax=hi, s=36, edgecolors="k", linewidths=0.4,
                        label=f"go ({len(ok)})", zorder=3)
        if acc.notna().any():
            fig.colorbar(sc, ax=ax, label="chip accuracy")
        _front(ax, pareto_front(df))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("latency per inference (us)")
    ax.set_ylabel("energy per inference (uJ)")
    ax.set_title(f"{len(df)} points: energy vs latency, Pareto front labelled by point index")
    ax.grid(True, which="both", alpha=0.25)
    if len(ax.get_legend_handles_labels()[0]):
        ax.legend(loc="best", fontsize=8)
    return _save(fig, path)


def _front(ax, front) -> None:
    """The front as a staircase (each step: no point below-left of it), points labelled by table index."""
    if front.empty:
        return
    x, y = front["latency_us"].to_numpy(), front["energy_uj"].to_numpy()
    ax.step(x, y, where="post", color="tab:red", lw=1.4, label=f"Pareto front ({len(front)})", zorder=2)
    for xi, yi, i in zip(x, y, front["index"], strict=True):
        ax.annotate(str(int(i)), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8, color="tab:red")


def params_plot(df, cols: list[str], path: Path) -> Path:
    """One panel per varied column: energy and latency per inference of the go points against its value."""
    import matplotlib.pyplot as plt

    n = len(cols)
    ncol = min(n, 3)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.6 * nrow), squeeze=False)
    ok = df[(df["status"] == "ok") & df["energy_uj"].notna()]
    for ax, col in zip(axes.flat, cols, strict=False):
        _panel(ax, ok, col)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.suptitle("effect of each varied parameter (go points; lines: mean per value)")
    return _save(fig, path)


def _panel(ax, ok, col: str) -> None:
    x, labels = _positions(ok[col])
    twin = ax.twinx()
    for axis, metric, color in ((ax, "energy_uj", "tab:blue"), (twin, "latency_us", "tab:orange")):
        y = ok[metric].to_numpy(dtype=float)
        axis.scatter(x, y, s=12, color=color, alpha=0.5)
        if labels is not None or len(np.unique(x)) <= MAX_LEVELS:
            levels = np.unique(x)
            axis.plot(levels, [np.nanmean(y[x == v]) for v in levels], color=color, lw=1.5, marker="o")
        axis.tick_params(axis="y", labelcolor=color)
    ax.set_ylabel("energy (uJ)", color="tab:blue")
    twin.set_ylabel("latency (us)", color="tab:orange")
    ax.set_xlabel(col)
    if labels is not None:
        ax.set_xticks(range(len(labels)), labels, rotation=20 if max(map(len, labels), default=0) > 6 else 0,
                      fontsize=8)


def _positions(values):
    """Numeric values as they are; anything else (names, mixed) as category positions with their labels."""
    v = [("null" if i is None or (isinstance(i, float) and math.isnan(i)) else i) for i in values.to_numpy()]
    if all(isinstance(i, (int, float, np.number)) and not isinstance(i, bool) for i in v):
        return np.asarray(v, dtype=float), None
    v = [int(i) if isinstance(i, float) and i.is_integer() else i for i in v]  # 16.0 (a column with nulls) -> 16
    labels = sorted({str(i) for i in v}, key=lambda s: (s != "null", _number_or_text(s)))
    pos = {s: k for k, s in enumerate(labels)}
    return np.asarray([pos[str(i)] for i in v], dtype=float), labels


def _number_or_text(s: str):
    """Sort key: numbers by value before text."""
    try:
        return (0, float(s), "")
    except ValueError:
        return (1, 0.0, s)


def _save(fig, path: Path) -> Path:
    import io

    import matplotlib.pyplot as plt

    from chip_configs.files import atomic_write_bytes

    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


__all__ = ["params_plot", "pareto_plot", "write_plots"]
