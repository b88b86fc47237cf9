"""Speed of the NoC engines (fast = exact Cython, flow = approximate, simpy = exact SimPy) on the workloads the
emulator and the characterisation runs give them; writes ``benchmarks/results/noc_engine_speed.json``.

- ``mesh8_uniform_0.15``: 8 x 8 ``tiny`` mesh, 2-flit buffers, uniform traffic at 0.15 packets/node/cycle for
  3,000 cycles (near the depth-2 saturation point, 0.18 - 0.20): congested;
- ``mesh8_uniform_0.02``: the same at light load;
- ``truenorth_tick_20k``: one TrueNorth tick at its operating point (20,000 packets to random cores, ~42 hops
  each, requested over a 10 us update sweep; see ``noc_workloads.chip_tick``); SimPy runs a 2,000-packet tick;
- ``loihi_tick_5k``: a Loihi tick, 5,000 packets from 128 cores in a burst;
- per-call cost of ``run`` with 1, 100 and 1,000 random packets on the tiny, loihi and truenorth presets.

Every figure is the best of several repeats (the machine may be loaded by other work). ``before`` holds the
exact engine's figures at the start of the optimisation (commit bfda348, same machine, same method).
Run: ``python benchmarks/noc_engine_speed.py`` (about a minute).
"""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
from _common import best_time
from noc_workloads import chip_tick, mesh8_uniform, random_calls

from chip_configs.files import atomic_write_json
from chip_configs.schema import load_config
from noc.engine import make_engine

RESULTS = Path(__file__).resolve().parent / "results"
BEFORE = {  # exact engine before this work: benchmarks/noc_profile.py at bfda348, best of repeats
    "mesh8_uniform_0.15": {"seconds": 0.0362, "hops_per_s": 4.17e6},
    "truenorth_tick_20k": {"seconds": 0.200, "hops_per_s": 4.24e6},
    "call_us_1_packet": {"tiny": 8.8, "loihi": 9.7, "truenorth": 21.1},
}


def workloads() -> dict:
    """name -> (cfg, src, dst, inject, simpy variant or None)."""
    tn, lo = load_config("truenorth"), load_config("loihi")
    return {
        "mesh8_uniform_0.15": (*mesh8_uniform(0.15), None),
        "mesh8_uniform_0.02": (*mesh8_uniform(0.02), None),
        "truenorth_tick_20k": (tn, *chip_tick(tn, 20_000), chip_tick(tn, 2_000)),
        "loihi_tick_5k": (lo, *chip_tick(lo, 5_000, start=100, sweep=400, spacing=2), None),
    }


def measure(kind: str, cfg, src, dst, inject, repeats: int) -> dict:
    engine = make_engine(cfg, kind)
    res = engine.run(src, dst, inject)
    t = best_time(lambda: engine.run(src, dst, inject), repeats)
    hops = int(res.hops.sum())
    return {"packets": len(src), "hops": hops, "seconds": t, "packets_per_s": len(src) / t,
            "hops_per_s": hops / t, "drain_cycle": int(res.cycles), "mean_latency": float(res.latency.mean())}


def per_call(kind: str) -> list[dict]:
    rows = []
    for preset in ("tiny", "loihi", "truenorth"):
        cfg = load_config(preset)
        engine = make_engine(cfg, kind)
        for n in (1, 100, 1000) if kind != "simpy" else (1, 100):
            src, dst, inject = random_calls(cfg, n)
            engine.run(src, dst, inject)
            t = best_time(lambda e=engine, s=src, d=dst, i=inject: e.run(s, d, i), max(5, 3000 // n))
            rows.append({"preset": preset, "packets": n, "us_per_call": t * 1e6})
    return rows


def main() -> None:
    out = {"date": "2026-11-22", "machine": {"cpus": 2, "platform": platform.platform(),
                                             "python": platform.python_version(),
                                             "note": "best of repeats; the machine may be loaded by other work"},
           "before": BEFORE, "workloads": {}, "per_call": {}}
    for name, (cfg, src, dst, inject, small) in workloads().items():
        row = {kind: measure(kind, cfg, src, dst, inject, 15) for kind in ("fast", "flow")}
        if name.startswith("mesh8_uniform"):
            row["simpy"] = measure("simpy", cfg, src, dst, inject, 1)
        elif small is not None:
            row["simpy_2k_packets"] = measure("simpy", cfg, *small, 1)
            row["fast_2k_packets"] = measure("fast", cfg, *small, 7)
        exact = make_engine(cfg, "fast").run(src, dst, inject)
        row["fast_same_as_simpy"] = bool(np.array_equal(
            exact.deliver_cycle, make_engine(cfg, "simpy").run(src, dst, inject).deliver_cycle)) \
            if "simpy" in row else None
        out["workloads"][name] = row
        print(name, {k: f"{v['hops_per_s'] / 1e6:.2f} M hops/s" for k, v in row.items() if isinstance(v, dict)})
    for kind in ("fast", "flow", "simpy"):
        out["per_call"][kind] = per_call(kind)
        print(kind, [(r["preset"], r["packets"], round(r["us_per_call"], 1)) for r in out["per_call"][kind]])
    atomic_write_json(RESULTS / "noc_engine_speed.json", out)


if __name__ == "__main__":
    main()
