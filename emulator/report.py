"""Reports: price the counts of a run and present energy and latency per inference.

Everything here is derived after the run from :class:`~emulator.simulator.InferenceRecord` counts and the
config's tables, so every figure traces back to a count and a table entry:

    energy[kind]   = count[kind] x energy_table[kind]            (pJ)
    static         = static_power_mw x latency_ns                 (1 mW x 1 ns = 1 pJ)
    latency        = sum over ticks of tick duration               (ns)
    power          = energy / latency                              (pJ / ns = mW)
    EDP            = energy x latency                              (J s)

The JSON is deterministic (sorted keys, no timestamps): same inputs and seed give byte-identical files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chip_configs.files import atomic_write_json
from emulator.energy import EVENT_NAMES, price, static_energy_pj
from emulator.links import link_name
from emulator.table import fmt_int, fmt_si, render_kv, render_table

REPORT_VERSION = 1
PHASES = ("compute", "network", "sync")


def hist_percentiles(hist: np.ndarray, qs=(50, 90, 99)) -> dict[str, float]:
    """Exact percentiles (nearest rank) and mean of integer latencies held as a histogram."""
    n = int(hist.sum())
    if n == 0:
        return {"count": 0, "mean": 0.0, **{f"p{q}": 0.0 for q in qs}, "max": 0.0}
    cum = np.cumsum(hist)
    vals = np.arange(hist.size)
    out = {"count": n, "mean": float((hist * vals).sum() / n)}
    for q in qs:
        out[f"p{q}"] = float(np.searchsorted(cum, math.ceil(q / 100 * n)))
    out["max"] = float(np.flatnonzero(hist)[-1])
    return out


def _inference_summary(rec, cfg) -> dict:
    """One inference's priced figures (no per-core arrays: those go in the aggregate)."""
    totals = rec.per_tick.sum(axis=0)
    latency = float(rec.tick_ns[:, 0].sum())
    dyn = price(totals, cfg)
    energy = {name: float(v) for name, v in zip(EVENT_NAMES, dyn, strict=True)}
    energy["static"] = static_energy_pj(cfg, latency)
    total_pj = float(dyn.sum()) + energy["static"]
    counts = {name: int(v) for name, v in zip(EVENT_NAMES, totals, strict=True)}
    packets = counts["packets"]
    return {
        "ticks": int(rec.tick_ns.shape[0]),
        "energy_pj": {"total": total_pj, "by_op": energy},
        "latency_ns": {"total": latency, **{p: float(rec.tick_ns[:, i + 1].sum()) for i, p in enumerate(PHASES)}},
        "counts": counts,
        "input_events": rec.input_events,
        "avg_hops": float((counts["hops_ew"] + counts["hops_ns"]) / packets) if packets else 0.0,
        "noc_latency_cycles": hist_percentiles(rec.latency_hist),
        "peak_buffer_flits": rec.peak_buffer_flits,
        "output_spike_count": int(np.count_nonzero(rec.out_spikes)),   # a 0/1 raster: no int64 copy
        "power_mw": total_pj / latency if latency else 0.0,
        "timing_violations": len(rec.violations),
    }


def _mean(dicts: list[dict]) -> dict:
    """Element-wise mean of nested dicts of numbers."""
    out = {}
    for key, val in dicts[0].items():
        if isinstance(val, dict):
            out[key] = _mean([d[key] for d in dicts])
        else:
            out[key] = math.fsum(d[key] for d in dicts) / len(dicts)   # exactly rounded, no array per leaf
    return out


def _per_core(chip, records) -> list[dict]:
    counts = np.sum([r.per_core for r in records], axis=0) / len(records)
    energy = price(counts, chip.cfg).sum(axis=1)
    mem = chip.cores.memory_bits()
    return [
        {"core": int(c), "energy_pj": float(energy[k]), "syn_ops": float(counts[k, 0]),
         "spikes": float(counts[k, 3]), "packets": float(counts[k, 4]),
         "memory_bits": int(mem["total"][k])}
        for k, c in enumerate(chip.wiring.core_index.tolist())
    ]


def _memory(chip) -> dict:
    mem = chip.cores.memory_bits()
    return {k: int(np.sum(v)) for k, v in mem.items()}


def _links(chip, records) -> dict:
    flits = np.sum([r.link_flits for r in records], axis=0)
    cycles = sum(float(r.tick_ns[:, 0].sum()) for r in records) / chip.cfg.noc.cycle_ns
    util = flits / cycles if cycles else flits * 0.0
    k = int(np.argmax(flits)) if flits.size else 0
    return {
        "flits_total": int(flits.sum()),
        "utilisation_mean": float(util.mean()) if util.size else 0.0,
        "utilisation_max": float(util.max()) if util.size else 0.0,
        "busiest_link": link_name(chip.topology, k) if flits.size and flits[k] else None,
    }


@dataclass
class Report:
    """Priced results of a run; ``to_dict`` is the JSON schema, ``to_text`` the table for people."""

    data: dict
    link_utilisation: np.ndarray
    core_activity: np.ndarray  # [C] mean syn_ops per inference
    tick_ns: np.ndarray  # [B, T, 4]
    core_index: np.ndarray

    def to_dict(self) -> dict:
        return self.data

    def save_json(self, path: str | Path) -> Path:
        return atomic_write_json(path, self.data)

    def to_text(self) -> str:
        return render_text(self.data)


def build_report(chip, records) -> Report:
    """Price every inference and aggregate; see the module docstring for the formulas."""
    cfg = chip.cfg
    per_inf = [_inference_summary(r, cfg) for r in records]
    mean = _mean(per_inf)
    lat_s = mean["latency_ns"]["total"] * 1e-9
    e_j = mean["energy_pj"]["total"] * 1e-12
    meta = chip.mapped.metadata if chip.mapped is not None else {}
    data = {
        "report_version": REPORT_VERSION,
        "chip": cfg.name,
        "network": meta.get("name") or meta.get("network") or "unnamed",
        "noc_engine": chip.noc_engine,
        "seed": chip.seed,
        "sync": cfg.sync.mode,
        "inferences": len(records),
        "per_inference": per_inf,
        "mean": mean,
        "inferences_per_second": 1.0 / lat_s if lat_s else 0.0,
        "energy_delay_product_js": e_j * lat_s,
        "memory_bits": _memory(chip),
        "cores_used": int(chip.cores.n_cores),
        "cores_available": int(cfg.num_cores),
        "neurons_used": int(chip.cores.n_neurons),
        "activation_sparsity": _sparsity(mean, chip),
        "per_core": _per_core(chip, records),
        "noc_links": _links(chip, records),
        "timing_violations": [dict(v, inference=b) for b, r in enumerate(records) for v in r.violations],
        # The table entries every figure above was priced with, so each can be traced to its source.
        "unit_costs": {"energy": cfg.energy.model_dump(), "timing": cfg.timing.model_dump(),
                       "noc_cycle_ns": cfg.noc.cycle_ns},
    }
    flits = np.sum([r.link_flits for r in records], axis=0)
    cycles = sum(float(r.tick_ns[:, 0].sum()) for r in records) / cfg.noc.cycle_ns
    return Report(
        data=data,
        link_utilisation=flits / cycles if cycles else flits.astype(float),
        core_activity=np.asarray([c["syn_ops"] for c in data["per_core"]]),
        tick_ns=np.stack([r.tick_ns for r in records]),
        core_index=chip.wiring.core_index.copy(),
    )


def _sparsity(mean: dict, chip) -> float:
    """1 - spikes / (neurons x ticks): NeuroBench's activation sparsity."""
    denom = chip.cores.n_neurons * mean["ticks"]
    return 1.0 - mean["counts"]["spikes"] / denom if denom else 1.0


# ----- text -------------------------------------------------------------------------------------------


# Energy-table key of each priced operation, for the "count x unit cost" column.
_UNIT_KEY = {"syn_ops": "syn_op_pj", "neuron_updates_active": "neuron_update_active_pj",
             "neuron_updates_inactive": "neuron_update_inactive_pj", "spikes": "spike_pj",
             "packets": "packet_injected_pj", "hops_ew": "hop_ew_pj", "hops_ns": "hop_ns_pj",
             "deliveries": "delivery_pj"}


def _energy_rows(d: dict) -> list[tuple]:
    """One row per operation: count x unit cost = energy (share); static is power x time."""
    m = d["mean"]
    total = m["energy_pj"]["total"]
    unit = d["unit_costs"]["energy"]
    rows = []
    for op, pj in sorted(m["energy_pj"]["by_op"].items(), key=lambda kv: -kv[1]):
        if pj <= 0:
            continue
        if op == "static":
            how = f"{unit['static_power_mw']:g} mW x {fmt_si(m['latency_ns']['total'] * 1e-9, 's')}"
        else:
            how = f"{m['counts'][op]:,.1f} x {unit[_UNIT_KEY[op]]:g} pJ"
        rows.append((op, how, fmt_si(pj * 1e-12, "J"), f"{100 * pj / total:5.1f} %" if total else "-"))
    return rows


def render_text(d: dict) -> str:
    """The summary people read after ``neuromesh run``."""
    m = d["mean"]
    lat = m["latency_ns"]
    nl = m["noc_latency_cycles"]
    head = render_kv([
        ("chip / network", f"{d['chip']} / {d['network']}"),
        ("inferences", f"{d['inferences']} x {int(m['ticks'])} ticks ({d['sync']} sync)"),
        ("energy per inference", fmt_si(m["energy_pj"]["total"] * 1e-12, "J")
         + f"  (average power {m['power_mw']:.3f} mW)"),
        ("latency per inference", fmt_si(lat["total"] * 1e-9, "s") + "  = compute "
         + fmt_si(lat["compute"] * 1e-9, "s") + " + network " + fmt_si(lat["network"] * 1e-9, "s")
         + " + sync " + fmt_si(lat["sync"] * 1e-9, "s")),
        ("throughput", f"{d['inferences_per_second']:.1f} inferences/s; EDP {d['energy_delay_product_js']:.3e} J s"),
        ("spikes / syn. ops", f"{m['counts']['spikes']:.1f} / {m['counts']['syn_ops']:.1f} per inference "
                              f"(activation sparsity {d['activation_sparsity']:.4f})"),
        ("packets", f"{m['counts']['packets']:.1f} per inference, {m['avg_hops']:.2f} hops on average"),
        ("NoC latency (cycles)", f"mean {nl['mean']:.1f}, p50 {nl['p50']:.0f}, p99 {nl['p99']:.0f}, "
                                 f"max {nl['max']:.0f}; busiest link {d['noc_links']['busiest_link']} "
                                 f"({100 * d['noc_links']['utilisation_max']:.1f} % utilised)"),
        ("cores", f"{d['cores_used']} used of {d['cores_available']}, {fmt_int(d['neurons_used'])} neurons"),
        ("memory", f"{fmt_int(d['memory_bits']['total'])} bits = weights {fmt_int(d['memory_bits']['weights'])} "
                   f"+ state {fmt_int(d['memory_bits']['state'])} + spike buffers {fmt_int(d['memory_bits']['spikes'])}"),
    ], title="NeuroMesh run report (mean per inference)")
    if "accuracy" in d:
        head += f"\n{'accuracy (labels)':<22} {100 * d['accuracy']:.1f} % on {d['inferences']} inferences"
    energy = render_table(_energy_rows(d), header=("energy by operation", "count x unit cost", "per inference",
                                                   "share"))
    if d["noc_engine"] == "flow":
        head += ("\nnote: NoC timing from the approximate flow model (--engine flow); latency and its network "
                 "phase are estimates, counts and energy are exact")
    if d["noc_engine"] == "loads":
        head += ("\nnote: --engine loads: spikes, counts and energy are exact; each tick's network phase is "
                 "estimated from its link loads (latency), packet latencies are zero-load and buffers are not "
                 "modelled")
    viol = d["timing_violations"]
    tail = "timing: no violations" if not viol else (
        f"timing: {len(viol)} VIOLATION(S); first: tick {viol[0]['tick']}, {viol[0]['culprit']} overran the "
        f"{viol[0]['period_ns']:g} ns period by {viol[0]['overrun_ns']:.1f} ns")
    return "\n\n".join([head, energy, tail])
