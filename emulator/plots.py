"""PNG figures of a run (matplotlib, Agg backend): where people would rather look than read.

- ``raster.png``: output spikes (or probed neurons) of the first inference;
- ``core_activity.png``: synaptic operations per core, laid out on the mesh (tiles subdivided per core);
- ``link_utilisation.png``: flits per cycle on each mesh link, one panel per direction;
- ``energy_breakdown.png``: energy per inference by operation type;
- ``tick_duration.png``: duration of each tick split into compute, network and synchronisation;
- ``traces.png``: state registers of probed neurons (when any are probed).

Every file is written atomically.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from chip_configs.files import atomic_write_bytes
from emulator.links import link_grids


def _figure(w: float = 6.4, h: float = 4.0):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, *plt.subplots(figsize=(w, h), dpi=110)


def _save(plt, fig, path: Path) -> Path:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def raster(result, path: Path, inference: int = 0) -> Path:
    rec = result.records[inference]
    spikes = rec.probe_spikes if rec.probe_spikes is not None else rec.out_spikes
    plt, fig, ax = _figure()
    t, n = np.nonzero(spikes)
    ax.scatter(t, n, s=12, marker="|", color="black")
    ax.set_xlabel("tick")
    ax.set_ylabel("neuron (probe index)" if rec.probe_spikes is not None else "output")
    ax.set_title(f"spike raster, inference {inference}")
    ax.set_xlim(-0.5, spikes.shape[0] - 0.5)
    return _save(plt, fig, path)


def tile_shape(cores_per_router: int) -> tuple[int, int]:
    """(rows, cols) of the block a router tile is drawn as: cols = ceil(sqrt(cpr)), rows = ceil(cpr / cols)."""
    cols = math.ceil(math.sqrt(cores_per_router))
    return math.ceil(cores_per_router / cols), cols


def mesh_grid(cfg, core_index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per-core values on a 2D grid, each router tile drawn as a small block of its cores (NaN: unused)."""
    rows, cols = tile_shape(cfg.mesh.cores_per_router)
    grid = np.full((cfg.mesh.height * rows, cfg.mesh.width * cols), np.nan)
    router, local = core_index // cfg.mesh.cores_per_router, core_index % cfg.mesh.cores_per_router
    x, y = router % cfg.mesh.width, router // cfg.mesh.width
    grid[y * rows + local // cols, x * cols + local % cols] = values
    return grid


def core_activity(chip, report, path: Path) -> Path:
    cfg = chip.cfg
    rows, cols = tile_shape(cfg.mesh.cores_per_router)
    grid = mesh_grid(cfg, report.arrays.core_index, report.arrays.core_activity)
    plt, fig, ax = _figure(6.4, min(9.0, 5.0 * grid.shape[0] / max(grid.shape[1], 1) + 1.5))
    im = ax.imshow(grid, origin="lower", cmap="viridis", interpolation="nearest", aspect="auto")
    fig.colorbar(im, ax=ax, label="synaptic ops per inference")
    ax.set_title(f"core activity on the {cfg.mesh.width} x {cfg.mesh.height} mesh (blank: unused core)")
    step_x, step_y = max(1, cfg.mesh.width // 16), max(1, cfg.mesh.height // 16)
    ax.set_xticks([x * cols + (cols - 1) / 2 for x in range(0, cfg.mesh.width, step_x)],
                  [str(x) for x in range(0, cfg.mesh.width, step_x)])
    ax.set_yticks([y * rows + (rows - 1) / 2 for y in range(0, cfg.mesh.height, step_y)],
                  [str(y) for y in range(0, cfg.mesh.height, step_y)])
    if cfg.mesh.cores_per_router > 1 and cfg.mesh.width <= 32:
        for x in range(1, cfg.mesh.width):
            ax.axvline(x * cols - 0.5, color="white", lw=1.5)
        for y in range(1, cfg.mesh.height):
            ax.axhline(y * rows - 0.5, color="white", lw=1.5)
    ax.set_xlabel("router x")
    ax.set_ylabel("router y")
    return _save(plt, fig, path)


def link_utilisation(chip, report, path: Path) -> Path:
    cfg = chip.cfg
    util = report.arrays.link_utilisation
    grids = link_grids(chip.topology, util)  # {"north": [H, W], ...}
    plt, fig, axes = _figure(10, 3.2)
    fig.clf()
    axes = fig.subplots(1, len(grids))
    vmax = max(float(np.nanmax(g)) if np.isfinite(g).any() else 0.0 for g in grids.values()) or 1.0
    for ax, (name, g) in zip(np.atleast_1d(axes), grids.items(), strict=True):
        im = ax.imshow(g, origin="lower", cmap="magma", vmin=0, vmax=vmax, interpolation="nearest")
        ax.set_title(f"{name}-bound links")
        ax.set_xlabel("x")
    np.atleast_1d(axes)[0].set_ylabel("y")
    fig.colorbar(im, ax=list(np.atleast_1d(axes)), label="flits per cycle")
    fig.suptitle(f"NoC link utilisation, {cfg.mesh.width} x {cfg.mesh.height} mesh")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def energy_breakdown(report, path: Path) -> Path:
    by_op = report.mean.energy_pj.by_op
    items = sorted(((k, v) for k, v in by_op.items() if v > 0), key=lambda kv: kv[1])
    plt, fig, ax = _figure()
    ax.barh([k for k, _ in items], [v * 1e-6 for _, v in items], color="tab:blue")
    ax.set_xlabel("energy per inference (uJ)")
    ax.set_title(f"energy breakdown: {report.mean.energy_pj.total * 1e-6:.3f} uJ per inference")
    return _save(plt, fig, path)


def tick_duration(report, path: Path, inference: int = 0) -> Path:
    ticks = report.arrays.tick_ns[inference]
    plt, fig, ax = _figure()
    t = np.arange(ticks.shape[0])
    bottom = np.zeros(ticks.shape[0])
    scale, unit = (1e6, "ms") if ticks[:, 0].max() >= 1e6 else (1e3, "us") if ticks[:, 0].max() >= 1e3 else (1, "ns")
    # In fixed mode 'sync' is the idle slack of the period; compute and network may exceed it (violations).
    for i, name in enumerate(("compute", "network", "sync"), start=1):
        ax.bar(t, ticks[:, i] / scale, bottom=bottom, width=1.0, label=name)
        bottom += ticks[:, i] / scale
    ax.set_xlabel("tick")
    ax.set_ylabel(f"duration ({unit})")
    ax.legend(loc="upper right")
    ax.set_title(f"tick duration, inference {inference}")
    return _save(plt, fig, path)


def traces(result, path: Path, labels: list[str], inference: int = 0) -> Path:
    """State registers of the probed neurons over the ticks of one inference, one panel per register."""
    rec = result.records[inference]
    names = sorted(rec.traces)
    plt, fig, _ = _figure(7.0, 2.4 * len(names) + 0.6)
    fig.clf()
    axes = np.atleast_1d(fig.subplots(len(names), 1, sharex=True))
    for ax, name in zip(axes, names, strict=True):
        for k in range(rec.traces[name].shape[1]):
            ax.step(np.arange(rec.traces[name].shape[0]), rec.traces[name][:, k], where="post",
                    label=labels[k] if k < len(labels) else str(k))
        ax.set_ylabel(f"{name} (register LSB)")
    axes[0].legend(loc="upper right", fontsize="small", title="core:neuron")
    axes[-1].set_xlabel("tick")
    axes[0].set_title(f"state traces, inference {inference}")
    return _save(plt, fig, path)


def write_all(chip, result, out_dir: Path, probe_labels: list[str] | None = None) -> list[Path]:
    """Every figure of a run into ``out_dir`` (state traces only when neurons were probed)."""
    out_dir = Path(out_dir)
    rep = result.report
    extra = [traces(result, out_dir / "traces.png", probe_labels or [])] if result.records[0].traces else []
    return extra + [
        raster(result, out_dir / "raster.png"),
        core_activity(chip, rep, out_dir / "core_activity.png"),
        link_utilisation(chip, rep, out_dir / "link_utilisation.png"),
        energy_breakdown(rep, out_dir / "energy_breakdown.png"),
        tick_duration(rep, out_dir / "tick_duration.png"),
    ]
