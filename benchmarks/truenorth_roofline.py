"""TrueNorth at the published operating point: where a tick of the exact ``fast`` engine goes, and the roofline
of real time (1 ms of wall time per 1 ms tick) on this machine.

1. **Profile** of the stepped loop with the exact network (``--engine fast``, the default engine): every tick's
   wall time split by timing wrappers (``time.perf_counter`` around the calls, no profiler overhead) into the
   network (``noc.fast_engine.FastNoc.run``, the cycle-level mesh), the core kernels (``BitCrossbar.deliver``:
   synaptic integration; the model's ``update``: the neuron rule; ``CoreArray.schedule_rows``: the spikes'
   fan-out into the delay buffers) and the rest of the tick in Python and NumPy (packet forming, timing
   phases, counters, outputs). The run's once-per-run cost (reports) is listed apart.
2. **Bandwidth** of this machine with NumPy, one thread: ``np.copyto`` of a 256 MiB array (read + write
   bytes counted), ``np.bitwise_or.reduce`` over 256 MiB of uint64 (read only), and a gather of random
   32-byte rows (``np.take`` of 1 M random items of a 32 MiB array of 32-byte items: a crossbar row fetch; NumPy's
   per-item overhead included). Each the best of ``--repeats`` (at least 5); the kernels-alone loop the best of
   ``--repeats``.
3. **Roofline**: bytes one tick touches, from the run's own counts (spikes, distinct axons delivered,
   synaptic events, packets) and the arrays of the exact engine's layout, against the measured bandwidth;
   then the same for a compact layout (what real time needs). Instruction counts are estimates for AVX2
   (16 int16 lanes), named as such.

    python benchmarks/truenorth_roofline.py [--ticks 20] [--repeats 5]
                                            [--out benchmarks/results/truenorth_roofline.json]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from collections import defaultdict

import numpy as np
from _common import RESULTS, kernel_loop, machine_info, report_and_write
from truenorth_common import StageMeter, build_chip

from chip_configs.schema import load_config
from cores.core_array import CoreArray
from cores.crossbar import BitCrossbar
from cores.models.truenorth import TrueNorth
from emulator.simulator import InferenceRun
from noc.fast_engine import FastNoc

MIB = 2**20
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The calls timed inside a tick, by part (class, method).
TIMED = {"network": [(FastNoc, "run")], "integration": [(BitCrossbar, "deliver")],
         "neuron_update": [(TrueNorth, "update")], "spike_scheduling": [(CoreArray, "schedule_rows")],
         "tick": [(InferenceRun, "tick")]}


@contextlib.contextmanager
def timers():
    """Wrap the :data:`TIMED` methods with wall-clock accumulators; yields ``{part: seconds}``."""
    spent: dict[str, float] = defaultdict(float)
    saved = []
    for part, targets in TIMED.items():
        for cls, name in targets:
            original = getattr(cls, name)
            saved.append((cls, name, original))

            def wrapped(*args, _f=original, _part=part, **kwargs):
                t0 = time.perf_counter()
                try:
                    return _f(*args, **kwargs)
                finally:
                    spent[_part] += time.perf_counter() - t0

            setattr(cls, name, wrapped)
    try:
        yield spent
    finally:
        for cls, name, original in saved:
            setattr(cls, name, original)


def tick_profile(chip, ticks: int, repeats: int) -> dict:
    """Per-tick milliseconds by part (the run with the fewest tick seconds of ``repeats``)."""
    best = None
    for _ in range(repeats):
        with timers() as spent:
            t0 = time.perf_counter()
            result = chip.run(None, ticks=ticks)
            total = time.perf_counter() - t0
        if best is None or spent["tick"] < best[0]["tick"]:
            best = (dict(spent), total, result)
    spent, total, result = best
    kernels = spent["integration"] + spent["neuron_update"] + spent["spike_scheduling"]
    # schedule_rows runs inside the tick but outside FastNoc.run; everything else in the tick is Python/NumPy.
    python = spent["tick"] - spent["network"] - kernels
    per = {k: round(1e3 * v / ticks, 3) for k, v in spent.items() if k != "tick"}
    per |= {"kernels": round(1e3 * kernels / ticks, 3), "python_and_numpy": round(1e3 * python / ticks, 3),
            "tick_total": round(1e3 * spent["tick"] / ticks, 3),
            "per_run_outside_ticks_ms": round(1e3 * (total - spent["tick"]), 1)}
    share = {k: round(per[k] / per["tick_total"], 4) for k in ("network", "kernels", "python_and_numpy")}
    return {"ms_per_tick": per, "share_of_tick": share, "report": result.report.to_dict()}


def bandwidth(repeats: int) -> dict:
    """GB/s (1e9 bytes) of one thread: copy (read + write), reduce (read), gather of random 32-byte rows."""
    n = 256 * MIB // 8
    src, dst = np.ones(n, np.uint64), np.empty(n, np.uint64)
    table = np.ones((MIB, 4), np.uint64).view("V32").reshape(-1)     # 32 MiB of 32-byte rows, one item each
    rows = np.random.default_rng(0).integers(0, MIB, 1 << 20)
    out = np.empty(rows.size, table.dtype)

    def best(fn) -> float:
        fn()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    copy_s = best(lambda: np.copyto(dst, src))
    read_s = best(lambda: np.bitwise_or.reduce(src))
    gather_s = best(lambda: np.take(table, rows, out=out))
    return {"copy_gb_s": round(2 * src.nbytes / copy_s / 1e9, 2), "read_gb_s": round(src.nbytes / read_s / 1e9, 2),
            "gather_32b_rows_per_s": round(rows.size / gather_s, -3),
            "gather_gb_s": round(rows.size * 32 / gather_s / 1e9, 2)}


def tick_counts(chip, report: dict) -> dict:
    """Per-tick activity of the run: spikes, packets, hops, synaptic events, distinct axons delivered (binary
    axons: deliveries less the duplicates dropped)."""
    m = report["mean"]
    ticks, c = m["ticks"], m["counts"]
    rows = (c["deliveries"] - m.get("duplicate_axon_spikes", 0)) / ticks
    return {"spikes": c["spikes"] / ticks, "packets": c["packets"] / ticks, "avg_hops": m["avg_hops"],
            "syn_events": c["syn_ops"] / ticks, "axons_delivered": rows,
            "neurons": chip.cores.n_neurons, "cores": chip.cores.n_cores}


def roofline(chip, counts: dict, bw: dict) -> dict:
    """Bytes per tick (compulsory traffic: each byte touched once) of the exact engine's layout and of a compact
    one, the milliseconds they take at the measured copy bandwidth, and estimated AVX2 instruction counts."""
    ca, x = chip.cores, chip.cores._xbar
    n, rows = counts["neurons"], counts["axons_delivered"]
    row_bytes = x.words.shape[1] * 8
    types_used = 2                                       # the operating point's axon types (0 / 1)
    exact = {
        "crossbar_rows": rows * row_bytes,
        "axon_types": rows * x.axon_type.itemsize,
        "typed_weights": counts["cores"] * types_used * (n / counts["cores"]) * x.weight_t.itemsize,
        "accumulator_rw": 2 * 2 * n * ca._acc.itemsize,        # integrate (read + write), update (read + clear)
        "neuron_records": n * ca._prm.itemsize,
        "membrane_rw": 2 * n * ca.v.itemsize,
        "spike_fanout": counts["spikes"] * (8 + 3 * 4) + 2 * counts["packets"] * 4,   # ptr, dest axon/delay/pos
    }
    compact = {
        "crossbar_rows": rows * row_bytes,
        "axon_types": rows,
        "typed_weights": exact["typed_weights"],            # int16 weights of the types in use, per neuron
        "accumulator_rw": 0,                                # one core's 256 int16 sums stay in registers / L1
        "neuron_records": 0,                                # the operating point's cores share one record
        "membrane_rw": 2 * n * 2,                           # int16 V (9-bit membrane)
        "spike_fanout": counts["packets"] * 8,              # one packed (core, axon) word per packet
    }
    out = {}
    for name, parts in (("exact_layout", exact), ("compact_layout", compact)):
        total = sum(parts.values())
        out[name] = {"bytes": {k: int(v) for k, v in parts.items()}, "mib_per_tick": round(total / MIB, 2),
                     "ms_at_copy_bandwidth": round(1e3 * total / (bw["copy_gb_s"] * 1e9), 3),
                     "gb_s_for_real_time": round(total / 1e-3 / 1e9, 2)}
    lanes = 16
    instr = {"integration": rows * (ca.n_neurons / counts["cores"]) / lanes * 4,   # load bits, expand, mask, add
             "neuron_update": n / lanes * 25,                  # leak, threshold, reset modes, wrap, spike mask
             "routing_counters": counts["packets"] * 30}       # packet -> (dx, dy), link counters, hop sum
    out["instructions_estimate_avx2"] = {k: int(v) for k, v in instr.items()} | {"total": int(sum(instr.values()))}
    return out


def parse(argv) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ticks", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3, help="runs of the profile and of each bandwidth test")
    ap.add_argument("--cores", type=int, default=None, help="cores to use (default: all 4,096)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(RESULTS / "truenorth_roofline.json"))
    return ap.parse_args(argv)


def run(args) -> dict:
    cfg = load_config("truenorth")
    chip, _ = build_chip(cfg, StageMeter(), args.seed, n_cores=args.cores)
    chip.run(None, ticks=2)                                 # warm-up (lazy imports, first allocations)
    prof = tick_profile(chip, args.ticks, args.repeats)
    quiet = np.zeros((args.ticks, chip.mapped.n_inputs), np.int8)
    k = min((kernel_loop(chip, quiet) for _ in range(args.repeats)), key=lambda r: r["loop_s"])
    bw = bandwidth(max(args.repeats, 5))
    counts = tick_counts(chip, prof.pop("report"))
    return {"profile": prof, "kernel_loop_ms_per_tick": round(1e3 * k["loop_s"] / args.ticks, 3),
            "per_tick": counts, "bandwidth": bw, "roofline": roofline(chip, counts, bw),
            "context": {"machine": machine_info(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                        "args": vars(args) | {"out": os.path.relpath(os.path.abspath(args.out), REPO)}}}


def summary(out: dict) -> str:
    p, s = out["profile"]["ms_per_tick"], out["profile"]["share_of_tick"]
    r, bw, c = out["roofline"], out["bandwidth"], out["per_tick"]
    return "\n".join([
        f"tick {p['tick_total']:.1f} ms: network {p['network']:.1f} ({s['network']:.0%}), kernels {p['kernels']:.1f} "
        f"({s['kernels']:.0%}: integration {p['integration']:.1f}, update {p['neuron_update']:.1f}, scheduling "
        f"{p['spike_scheduling']:.1f}), Python/NumPy {p['python_and_numpy']:.1f} ({s['python_and_numpy']:.0%}); "
        f"kernels-alone loop {out['kernel_loop_ms_per_tick']:.1f} ms",
        f"per tick: {c['spikes']:,.0f} spikes, {c['syn_events']:,.0f} synaptic events, {c['axons_delivered']:,.0f} "
        f"axon rows, {c['avg_hops']:.1f} hops per packet",
        f"bandwidth: copy {bw['copy_gb_s']} GB/s, read {bw['read_gb_s']} GB/s, 32-byte gathers "
        f"{bw['gather_32b_rows_per_s']:.3g}/s",
        f"exact layout {r['exact_layout']['mib_per_tick']} MiB/tick = {r['exact_layout']['ms_at_copy_bandwidth']} ms; "
        f"compact {r['compact_layout']['mib_per_tick']} MiB/tick = {r['compact_layout']['ms_at_copy_bandwidth']} ms; "
        f"~{r['instructions_estimate_avx2']['total'] / 1e6:.1f} M AVX2 instructions (estimate)"])


def main(argv=None) -> int:
    args = parse(argv)
    return report_and_write(args.out, run(args), summary)


if __name__ == "__main__":
    raise SystemExit(main())
