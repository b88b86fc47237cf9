"""TrueNorth preset at the published operating point: chip power against Merolla et al. 2014 (65-72 mW).

All 4,096 cores busy, 20 Hz mean firing at the 1 ms tick, 128 active synapses per neuron, each neuron
targeting one axon anywhere on the chip. The preset prices synaptic events at the amortised 26 pJ and hops at
2.3 pJ, so power = (syn events/s x 26 pJ + hops/s x 2.3 pJ).

    python benchmarks/truenorth_power.py [--ticks 100] [--cores 4096] [--out benchmarks/results/truenorth_power.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from emulator.chip import Chip
from emulator.config import load_config
from emulator.files import atomic_write_json
from emulator.workloads import truenorth_operating_point

PUBLISHED_MW = (65.0, 72.0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ticks", type=int, default=100)
    ap.add_argument("--cores", type=int, default=None, help="cores to use (default: all 4,096)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="benchmarks/results/truenorth_power.json")
    args = ap.parse_args(argv)

    cfg = load_config("truenorth")
    t0 = time.perf_counter()
    mapped = truenorth_operating_point(cfg, seed=args.seed, n_cores=args.cores)
    chip = Chip.from_config(cfg, seed=args.seed).program(mapped)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = chip.run(None, ticks=args.ticks)
    run_s = time.perf_counter() - t0
    d = res.report.to_dict()
    m = d["mean"]
    ticks = m["ticks"]
    seconds = ticks * cfg.sync.tick_period_ns * 1e-9
    out = {
        "ticks": ticks,
        "cores_used": d["cores_used"],
        "mean_rate_hz": m["counts"]["spikes"] / d["neurons_used"] / seconds,
        "syn_events_per_spike": m["counts"]["syn_ops"] / max(m["counts"]["spikes"], 1),
        "avg_hops": m["avg_hops"],
        "power_mw": m["power_mw"],
        "energy_by_op_pj": m["energy_pj"]["by_op"],
        "published_mw": PUBLISHED_MW,
        "within_15_percent": PUBLISHED_MW[0] * 0.85 <= m["power_mw"] <= PUBLISHED_MW[1] * 1.15,
        "timing_violations": len(d["timing_violations"]),
        "wall_build_s": round(build_s, 2),
        "wall_run_s": round(run_s, 2),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    atomic_write_json(args.out, out)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
