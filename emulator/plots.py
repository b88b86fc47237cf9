"""PNG figures of a run (matplotlib, Agg backend): where people would rather look than read.

- ``raster.png``: output spikes (or probed neurons) of the first inference;
- ``core_activity.png``: synaptic operations per core, laid out on the mesh (tiles subdivided per core);
- ``link_utilisation.png``: flits per cycle on each mesh link, one panel per direction;
- ``energy_breakdown.png``: energy per inference by operation type and by core;
- ``tick_duration.png``: duration of each tick split into compute, network and synchronisation;
- ``traces.png``: state registers of probed neurons (when any are probed), with each neuron's threshold and reset;
- ``readout.png``: LI readout lines (when the outputs are membranes): their decoded membranes and summed outputs;
- ``summary.png``: one page with energy, tick durations, the output raster and the mesh activity.

Every file is written atomically.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from chip_configs.files import atomic_write_bytes
from cores.models import model_of
from emulator.links import link_grids
from emulator.probes import layer_of_neurons, output_labels


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


def raster(result, path: Path, inference: int = 0, chip=None) -> Path:
    """Spikes of one inference: the outputs, rows labelled with the network's class names, or (``--raster
    all``) every recorded neuron, grouped and labelled by layer (from the program's layer placement)."""
    rec = result.records[inference]
    probed = rec.probe_spikes is not None
    spikes = rec.probe_spikes if probed else rec.out_spikes
    plt, fig, ax = _figure(6.4, 4.0 if probed else 3.2)
    t, n = np.nonzero(spikes)
    ax.scatter(t, n, s=12, marker="|", color="black")
    ax.set_xlabel("tick")
    if probed and not _are_outputs(chip, result.probe_neurons):
        _layer_bands(ax, chip, result.probe_neurons)
    else:
        _class_rows(ax, chip, spikes.shape[1])
    ax.set_title(f"spike raster, inference {inference}")
    ax.set_xlim(-0.5, spikes.shape[0] - 0.5)
    ax.set_ylim(-0.5, spikes.shape[1] - 0.5)
    return _save(plt, fig, path)


def _are_outputs(chip, neurons) -> bool:
    """Whether the recorded neurons are exactly the network's outputs, in output order."""
    if chip is None or neurons is None:
        return False
    m = chip.mapped
    outs = [chip.global_neuron(int(c), int(n)) for c, n in zip(m.out_core, m.out_neuron, strict=True)]
    return np.array_equal(np.asarray(neurons), np.asarray(outs))


def _class_rows(ax, chip, n_out: int) -> None:
    labels = output_labels(chip) if chip is not None else [str(i) for i in range(n_out)]
    if chip is not None and chip.mapped.metadata.get("readout"):   # LI readouts never spike: say so on their rows
        for k in chip.mapped.metadata["readout"]["lines"]:
            labels[k] += " (LI: membrane, readout.png)"
    ax.set_yticks(range(n_out), labels if n_out <= 40 else None, fontsize="small")
    ax.set_ylabel("output (class)")


def _layer_bands(ax, chip, neurons) -> None:
    """Rows grouped by layer: alternate shading, a separator and the layer name at each band's middle."""
    names = layer_of_neurons(chip, np.asarray(neurons)) if chip is not None else None
    if names is None:
        ax.set_ylabel("recorded neuron")
        return
    bounds = [0, *[i for i in range(1, len(names)) if names[i] != names[i - 1]], len(names)]
    mids, labels = [], []
    for band, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        if band % 2:
            ax.axhspan(lo - 0.5, hi - 0.5, color="0.92", zorder=0)
        mids.append((lo + hi - 1) / 2)
        labels.append(names[lo])
    ax.set_yticks(mids, labels, fontsize="small")
    ax.set_ylabel("layer")


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


def used_region(cfg, core_index: np.ndarray, margin: int = 1) -> tuple[int, int, int, int]:
    """Routers ``(x0, x1, y0, y1)`` (half-open) around the used cores, ``margin`` routers wider, within the mesh."""
    w, h = cfg.mesh.width, cfg.mesh.height
    if core_index.size == 0:
        return 0, w, 0, h
    router = np.asarray(core_index) // cfg.mesh.cores_per_router
    x, y = router % w, router // w
    return (max(int(x.min()) - margin, 0), min(int(x.max()) + margin + 1, w),
            max(int(y.min()) - margin, 0), min(int(y.max()) + margin + 1, h))


def _zoomed(cfg, core_index: np.ndarray) -> tuple[int, int, int, int] | None:
    """The used region when it covers under a quarter of the mesh (worth zooming to), else None."""
    x0, x1, y0, y1 = used_region(cfg, core_index)
    small = (x1 - x0) * (y1 - y0) < 0.25 * cfg.mesh.width * cfg.mesh.height
    return (x0, x1, y0, y1) if small else None


def _inset_whole_chip(ax, cfg, region, grid_full: np.ndarray, cmap) -> None:
    """The whole mesh as a small inset in the corner, the zoomed region outlined."""
    from matplotlib.patches import Rectangle

    inset = ax.inset_axes((0.72, 0.72, 0.26, 0.26))
    inset.imshow(np.where(np.isnan(grid_full), np.nan, 1.0), origin="lower", cmap=cmap, vmin=0, vmax=1,
                 interpolation="nearest", aspect="auto")
    x0, x1, y0, y1 = region
    sx, sy = grid_full.shape[1] / cfg.mesh.width, grid_full.shape[0] / cfg.mesh.height
    inset.add_patch(Rectangle((x0 * sx - 0.5, y0 * sy - 0.5), (x1 - x0) * sx, (y1 - y0) * sy, fill=False,
                              edgecolor="red", lw=1.0))
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_title("whole chip", fontsize="x-small")


def _cmap(name: str):
    import matplotlib

    # grey, not the colour map's own end: a missing value must not read as a load
    return matplotlib.colormaps[name].with_extremes(bad="0.85")


def core_activity(chip, report, path: Path) -> Path:
    """Synaptic operations per core on the mesh (grey: unused core), zoomed to the used routers when they are
    a small part of the chip (the whole chip as an inset)."""
    cfg = chip.cfg
    rows, cols = tile_shape(cfg.mesh.cores_per_router)
    full = mesh_grid(cfg, report.arrays.core_index, report.arrays.core_activity)
    region = _zoomed(cfg, report.arrays.core_index)
    x0, x1, y0, y1 = region or (0, cfg.mesh.width, 0, cfg.mesh.height)
    grid = full[y0 * rows: y1 * rows, x0 * cols: x1 * cols]
    cmap = _cmap("viridis")
    plt, fig, ax = _figure(6.4, min(9.0, 5.0 * grid.shape[0] / max(grid.shape[1], 1) + 1.5))
    im = ax.imshow(grid, origin="lower", cmap=cmap, interpolation="nearest", aspect="auto")
    fig.colorbar(im, ax=ax, label="synaptic ops per inference")
    where = f"routers x {x0}..{x1 - 1}, y {y0}..{y1 - 1} of " if region else ""
    ax.set_title(f"core activity, {where}the {cfg.mesh.width} x {cfg.mesh.height} mesh (grey: unused)",
                 fontsize="medium")
    _router_ticks(ax, cfg, (x0, x1, y0, y1), rows, cols)
    if region:
        _inset_whole_chip(ax, cfg, region, full, _cmap("Greys"))
    return _save(plt, fig, path)


def _router_ticks(ax, cfg, region, rows: int, cols: int) -> None:
    x0, x1, y0, y1 = region
    step_x, step_y = max(1, (x1 - x0) // 16), max(1, (y1 - y0) // 16)
    ax.set_xticks([(x - x0) * cols + (cols - 1) / 2 for x in range(x0, x1, step_x)],
                  [str(x) for x in range(x0, x1, step_x)])
    ax.set_yticks([(y - y0) * rows + (rows - 1) / 2 for y in range(y0, y1, step_y)],
                  [str(y) for y in range(y0, y1, step_y)])
    if cfg.mesh.cores_per_router > 1 and x1 - x0 <= 32:
        for x in range(1, x1 - x0):
            ax.axvline(x * cols - 0.5, color="white", lw=1.5)
        for y in range(1, y1 - y0):
            ax.axhline(y * rows - 0.5, color="white", lw=1.5)
    ax.set_xlabel("router x")
    ax.set_ylabel("router y")


def link_utilisation(chip, report, path: Path) -> Path:
    """Flits per cycle on every mesh link, one panel per direction, at the link's source router; links that
    do not exist (the mesh edge) are grey. Zoomed like :func:`core_activity`."""
    cfg = chip.cfg
    grids = link_grids(chip.topology, report.arrays.link_utilisation)  # {"north": [H, W], ...}
    region = _zoomed(cfg, report.arrays.core_index)
    x0, x1, y0, y1 = region or (0, cfg.mesh.width, 0, cfg.mesh.height)
    grids = {name: g[y0:y1, x0:x1] for name, g in grids.items()}
    plt, fig, axes = _figure(10, 3.2)
    fig.clf()
    axes = np.atleast_1d(fig.subplots(1, len(grids)))
    vmax = max(float(np.nanmax(g)) if np.isfinite(g).any() else 0.0 for g in grids.values()) or 1.0
    cmap = _cmap("magma")
    for ax, (name, g) in zip(axes, grids.items(), strict=True):
        im = ax.imshow(g, origin="lower", cmap=cmap, vmin=0, vmax=vmax, interpolation="nearest",
                       extent=(x0 - 0.5, x1 - 0.5, y0 - 0.5, y1 - 0.5))
        ax.set_title(f"{name}-bound links")
        ax.set_xlabel("router x")
    axes[0].set_ylabel("router y")
    fig.colorbar(im, ax=list(axes), label="flits per cycle")
    where = f" (routers x {x0}..{x1 - 1}, y {y0}..{y1 - 1})" if region else ""
    fig.suptitle(f"NoC link utilisation, {cfg.mesh.width} x {cfg.mesh.height} mesh{where}; grey: no link")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def _energy_by_op(ax, report) -> None:
    by_op = report.mean.energy_pj.by_op
    items = sorted(((k, v) for k, v in by_op.items() if v > 0), key=lambda kv: kv[1])
    total = report.mean.energy_pj.total or 1.0
    bars = ax.barh([k for k, _ in items], [v * 1e-6 for _, v in items], color="tab:blue")
    ax.bar_label(bars, [f"{100 * v / total:.1f} %" for _, v in items], fontsize="x-small", padding=2)
    ax.set_xlabel("energy per inference (uJ)")
    ax.set_title("by operation")


def _energy_by_core(ax, report, top: int = 12) -> None:
    """Dynamic energy of the most expensive used cores (static power is chip-wide, not per core)."""
    rows = sorted(report.per_core, key=lambda r: r.energy_pj)[-top:]
    ax.barh([f"core {r.core}" for r in rows], [r.energy_pj * 1e-6 for r in rows], color="tab:orange")
    more = len(report.per_core) - len(rows)
    ax.set_title(f"by core (dynamic){f', top {top} of {len(report.per_core)}' if more > 0 else ''}")
    ax.set_xlabel("energy per inference (uJ)")


def energy_breakdown(report, path: Path) -> Path:
    """Energy per inference by operation (count x unit cost, static included) and by core (dynamic only)."""
    plt, fig, _ = _figure(10, 4.0)
    fig.clf()
    ax_op, ax_core = fig.subplots(1, 2)
    _energy_by_op(ax_op, report)
    _energy_by_core(ax_core, report)
    fig.suptitle(f"energy breakdown: {report.mean.energy_pj.total * 1e-6:.3f} uJ per inference")
    return _save(plt, fig, path)


def _tick_bars(ax, report, inference: int = 0) -> None:
    ticks = report.arrays.tick_ns[inference]
    t = np.arange(ticks.shape[0])
    bottom = np.zeros(ticks.shape[0])
    scale, unit = (1e6, "ms") if ticks[:, 0].max() >= 1e6 else (1e3, "us") if ticks[:, 0].max() >= 1e3 else (1, "ns")
    # In fixed mode 'sync' is the idle slack of the period; compute and network may exceed it (violations).
    for i, name in enumerate(("compute", "network", "sync"), start=1):
        ax.bar(t, ticks[:, i] / scale, bottom=bottom, width=1.0, label=name)
        bottom += ticks[:, i] / scale
    ax.set_xlabel("tick")
    ax.set_ylabel(f"duration ({unit})")
    # above the bars, not over them
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize="small", frameon=False)


def tick_duration(report, path: Path, inference: int = 0) -> Path:
    plt, fig, ax = _figure()
    _tick_bars(ax, report, inference)
    ax.set_title(f"tick duration, inference {inference}", pad=24)
    return _save(plt, fig, path)


def summary(chip, result, path: Path) -> Path:
    """One page: energy by operation, tick durations, the output raster and the mesh activity, with the
    headline figures in the title."""
    rep = result.report
    plt, fig, _ = _figure(12, 7.5)
    fig.clf()
    axes = fig.subplots(2, 2)
    _energy_by_op(axes[0, 0], rep)
    _tick_bars(axes[0, 1], rep)
    axes[0, 1].set_title("tick durations, inference 0", pad=20)
    _summary_raster(axes[1, 0], chip, result)
    _summary_mesh(fig, axes[1, 1], chip, rep)
    m = rep.mean
    fig.suptitle(f"{rep.chip} / {rep.network}: {m.energy_pj.total * 1e-6:.3f} uJ and "
                 f"{m.latency_ns.total * 1e-3:.1f} us per inference, {m.power_mw:.2f} mW; "
                 f"{rep.cores_used} of {rep.cores_available} cores; activation sparsity "
                 f"{rep.activation_sparsity:.3f}", fontsize="medium")
    return _save(plt, fig, path)


def _summary_raster(ax, chip, result) -> None:
    rec = result.records[0]
    spikes = rec.out_spikes
    t, n = np.nonzero(spikes)
    ax.scatter(t, n, s=10, marker="|", color="black")
    _class_rows(ax, chip, spikes.shape[1])
    ax.set_xlabel("tick")
    ax.set_title("output spikes, inference 0")
    ax.set_ylim(-0.5, spikes.shape[1] - 0.5)


def _summary_mesh(fig, ax, chip, rep) -> None:
    cfg = chip.cfg
    rows, cols = tile_shape(cfg.mesh.cores_per_router)
    full = mesh_grid(cfg, rep.arrays.core_index, rep.arrays.core_activity)
    x0, x1, y0, y1 = _zoomed(cfg, rep.arrays.core_index) or (0, cfg.mesh.width, 0, cfg.mesh.height)
    im = ax.imshow(full[y0 * rows: y1 * rows, x0 * cols: x1 * cols], origin="lower", cmap=_cmap("viridis"),
                   interpolation="nearest", aspect="auto")
    fig.colorbar(im, ax=ax, label="syn ops per inference")
    _router_ticks(ax, cfg, (x0, x1, y0, y1), rows, cols)
    ax.set_title(f"core activity (routers x {x0}..{x1 - 1}, y {y0}..{y1 - 1} of {cfg.mesh.width} x "
                 f"{cfg.mesh.height})", fontsize="small")


def traces(result, path: Path, labels: list[str], inference: int = 0, lines: dict | None = None) -> Path:
    """State registers of the probed neurons over the ticks of one inference, one panel per register, with the
    model's levels for each neuron (``lines``: register -> {name: value per probed neuron}, e.g. threshold
    and reset, :meth:`cores.models.base.NeuronModel.trace_lines`) drawn in the neuron's colour."""
    rec = result.records[inference]
    names = sorted(rec.traces)
    plt, fig, _ = _figure(7.0, 2.4 * len(names) + 0.6)
    fig.clf()
    axes = np.atleast_1d(fig.subplots(len(names), 1, sharex=True))
    styles = ("--", ":", "-.")
    for ax, name in zip(axes, names, strict=True):
        levels = (lines or {}).get(name, {})
        for k in range(rec.traces[name].shape[1]):
            line, = ax.step(np.arange(rec.traces[name].shape[0]), rec.traces[name][:, k], where="post",
                            label=labels[k] if k < len(labels) else str(k))
            for style, (what, values) in zip(styles, levels.items(), strict=False):
                if not np.isfinite(float(values[k])):   # no such level (an LI readout never spikes)
                    continue
                ax.axhline(float(values[k]), color=line.get_color(), ls=style, lw=0.8,
                           label=what if k == 0 else None)
        ax.set_ylabel(f"{name} (register LSB)")
        ax.legend(loc="upper left", fontsize="x-small", bbox_to_anchor=(1.01, 1.0))
    axes[-1].set_xlabel("tick")
    axes[0].set_title(f"state traces, inference {inference}")
    return _save(plt, fig, path)


def _levels(chip, probe_ids) -> dict:
    """The model's threshold and reset of each probed neuron; none (NaN) for LI readout lines, whose threshold
    is set out of reach (it would squash their traces)."""
    if not probe_ids:
        return {}
    from emulator.readout import readout_neurons, readout_of

    ids = np.asarray(probe_ids, np.int64)
    lines = model_of(chip.cfg).trace_lines(chip.cores._prm[ids])
    ro = readout_of(chip.mapped)
    if not ro:
        return lines
    li = np.isin(ids, readout_neurons(chip, ro))
    return {reg: {what: np.where(li, np.nan, np.asarray(v, np.float64)) for what, v in levels.items()}
            for reg, levels in lines.items()}


def readout(chip, result, path: Path, inference: int = 0) -> Path:
    """LI readout lines of one inference: each line's decoded membrane ``v / scale`` over the ticks, the
    framework's steps it is summed over shaded, and the sums (the outputs) as bars, the predicted class marked."""
    from emulator.readout import readout_of

    ro, out = readout_of(chip.mapped), result.report.readout
    n = len(ro["lines"])
    v = result.records[inference].traces["v"][:, -n:] / np.asarray(ro["scale"], np.float64)
    plt, fig, _ = _figure(11, 3.8)
    fig.clf()
    ax_v, ax_s = fig.subplots(1, 2, width_ratios=(1.6, 1))
    for j, k in enumerate(ro["lines"]):
        ax_v.step(np.arange(v.shape[0]), v[:, j], where="post", lw=1, label=out.labels[k])
    lo = min(ro["onset"])
    ax_v.axvspan(lo - 0.5, max(ro["onset"]) + out.steps - 0.5, color="0.92", zorder=0, label="summed steps")
    ax_v.set_xlabel("tick")
    ax_v.set_ylabel("membrane (float units)")
    ax_v.set_title(f"LI readout membranes, inference {inference}", fontsize="medium")
    ax_v.legend(loc="upper left", fontsize="x-small", bbox_to_anchor=(1.01, 1.0))
    values, pred = np.asarray(out.values[inference]), out.predictions[inference]
    colors = ["tab:red" if k == pred else "tab:blue" for k in range(values.size)]
    ax_s.bar(np.arange(values.size), values, color=colors)
    ax_s.set_xticks(range(values.size), out.labels if values.size <= 20 else None, rotation=90, fontsize="x-small")
    ax_s.set_title(f"outputs (sum over {out.steps} steps); class {pred} in red", fontsize="medium")
    return _save(plt, fig, path)


def write_all(chip, result, out_dir: Path, probe_labels: list[str] | None = None,
              probe_ids: list[int] | None = None) -> list[Path]:
    """Every figure of a run into ``out_dir`` (state traces only when neurons were probed: ``probe_ids`` their
    global indices, for the model's threshold and reset lines)."""
    out_dir = Path(out_dir)
    rep = result.report
    extra = []
    if result.records[0].traces:
        lines = _levels(chip, probe_ids)
        extra = [traces(result, out_dir / "traces.png", probe_labels or [], lines=lines)]
    if rep.readout is not None:
        extra.append(readout(chip, result, out_dir / "readout.png"))
    return extra + [
        raster(result, out_dir / "raster.png", chip=chip),
        core_activity(chip, rep, out_dir / "core_activity.png"),
        link_utilisation(chip, rep, out_dir / "link_utilisation.png"),
        energy_breakdown(rep, out_dir / "energy_breakdown.png"),
        tick_duration(rep, out_dir / "tick_duration.png"),
        summary(chip, result, out_dir / "summary.png"),
    ]
