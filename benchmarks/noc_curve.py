"""8 x 8 mesh under uniform random traffic: latency / throughput curve, saturation point, engine speeds.

The chip is ``tiny.yaml`` with an 8 x 8 mesh (1-flit packets, links of one flit per cycle, P = L = I = E = 1).
The sweep runs with tiny's own 2-flit input buffers and, to separate buffer size from router behaviour, with
4 and 8 flits (8 is BookSim's default ``vc_buf_size``). Results go to ``benchmarks/results/``:

- ``noc_8x8_uniform.csv`` (depth 2, tiny as is), ``noc_8x8_uniform_depth4.csv``, ``noc_8x8_uniform_depth8.csv``:
  the ``noc-sweep`` columns, fast engine;
- ``noc_8x8_uniform.png``: the three curves;
- ``noc_8x8_summary.json``: saturation points, zero-load latency, SimPy-vs-Cython agreement, engine speeds.

Run: ``python benchmarks/noc_curve.py`` (about two minutes on two cores).
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from chip_configs.files import atomic_write_json
from chip_configs.schema import ChipConfig, config_from_dict, config_to_dict, load_config
from noc.engine import make_engine
from noc.model import RouterParams
from noc.sweep import plot_curve, run_sweep, write_csv
from noc.topology import MeshTopology
from noc.traffic import make_pattern, synthetic_packets, uniform_channel_bound

RESULTS = Path(__file__).resolve().parent / "results"
RATES = [round(0.02 * i, 2) for i in range(1, 26)]  # 0.02 .. 0.50 packets/node/cycle
CYCLES, WARMUP, SEED = 20_000, 2_000, 1
DEPTHS = (2, 4, 8)
SIMPY_RATES, SIMPY_CYCLES, SIMPY_WARMUP = [0.05, 0.15, 0.25], 2_000, 500
SPEED_RATE, SPEED_CYCLES = 0.15, 3_000


def mesh8(depth: int) -> ChipConfig:
    """``tiny.yaml`` with an 8 x 8 mesh and ``depth``-flit input buffers."""
    data = config_to_dict(load_config("tiny"))
    data["name"] = f"tiny-8x8-depth{depth}"
    data["mesh"].update(width=8, height=8, cores_per_router=1, num_cores=None)
    data["noc"].update(buffer_depth_flits=depth)
    return config_from_dict(data)


def saturation(rows: list[dict]) -> dict:
    """Highest offered rate not saturated, and the accepted-throughput plateau (max accepted rate)."""
    ok = [r["offered_rate"] for r in rows if not r["saturated"]]
    return {"last_unsaturated_offered": max(ok) if ok else None,
            "first_saturated_offered": min((r["offered_rate"] for r in rows if r["saturated"]), default=None),
            "max_accepted": max(r["accepted_rate"] for r in rows)}


def engine_speed(cfg: ChipConfig, kind: str, repeats: int) -> tuple[dict, np.ndarray]:
    """Best wall-clock speed on one fixed workload (uniform, rate 0.15, 3000 cycles of requests), and the
    delivery cycles (to check that both engines agree on it)."""
    topo = MeshTopology.from_config(cfg)
    src, dst, inject = synthetic_packets(topo, make_pattern("uniform", topo), SPEED_RATE, SPEED_CYCLES,
                                         np.random.default_rng(SEED))
    engine = make_engine(cfg, kind)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = engine.run(src, dst, inject)
        best = min(best, time.perf_counter() - t0)
    return {"packets": len(src), "hops": int(res.hops.sum()), "seconds": best,
            "packets_per_s": len(src) / best, "hops_per_s": int(res.hops.sum()) / best}, res.deliver_cycle


def main() -> None:
    curves, summary = {}, {"machine": machine(), "date": time.strftime("%Y-%m-%d"),
                           "sweep": {"rates": RATES, "cycles": CYCLES, "warmup": WARMUP, "seed": SEED}}
    for depth in DEPTHS:
        cfg = mesh8(depth)
        t0 = time.perf_counter()
        rows = run_sweep(cfg, "uniform", RATES, CYCLES, WARMUP, SEED)
        name = "noc_8x8_uniform.csv" if depth == 2 else f"noc_8x8_uniform_depth{depth}.csv"
        write_csv(rows, RESULTS / name)
        curves[f"depth {depth}"] = rows
        summary[f"depth{depth}"] = saturation(rows) | {"csv": name, "sweep_seconds": time.perf_counter() - t0}
        print(f"depth {depth}: {summary[f'depth{depth}']}")
    cfg = mesh8(2)
    topo, params = MeshTopology.from_config(cfg), RouterParams.from_config(cfg)
    bound = uniform_channel_bound(topo)
    plot_curve(curves, RESULTS / "noc_8x8_uniform.png", bound=bound,
               title="8 x 8 mesh, uniform traffic, 1-flit packets, IQ router, 1 VC (tiny timing: P = L = I = E = 1)")
    summary["channel_load_bound"] = bound
    summary["zero_load"] = zero_load(topo, params)
    summary["simpy_agrees"] = simpy_agreement(cfg)
    (fast, fast_cycles), (slow, slow_cycles) = engine_speed(cfg, "fast", 5), engine_speed(cfg, "simpy", 1)
    summary["speed"] = {"fast": fast, "simpy": slow, "ratio": fast["packets_per_s"] / slow["packets_per_s"],
                        "same_deliver_cycles": bool(np.array_equal(fast_cycles, slow_cycles))}
    atomic_write_json(RESULTS / "noc_8x8_summary.json", summary)
    print(json.dumps({k: summary[k] for k in ("zero_load", "simpy_agrees", "speed")}, indent=2))


def zero_load(topo: MeshTopology, params: RouterParams) -> dict:
    """Analytic T0 averaged over uniform (src, dst) pairs, and the hop count it rests on."""
    r = np.arange(topo.n_routers)
    hops = topo.hop_distance(np.repeat(r, r.size), np.tile(r, r.size))
    return {"mean_hops": float(hops.mean()), "mean_T0_cycles": float(params.zero_load_latency(hops).mean()),
            "formula": "T0(h) = I + (h+1) P + h L + E + F - 1 = 2h + 3 (tiny timing)"}


def simpy_agreement(cfg: ChipConfig) -> dict:
    """Both engines on a shorter sweep: rows must be identical."""
    fast = run_sweep(cfg, "uniform", SIMPY_RATES, SIMPY_CYCLES, SIMPY_WARMUP, SEED)
    slow = run_sweep(cfg, "uniform", SIMPY_RATES, SIMPY_CYCLES, SIMPY_WARMUP, SEED, engine="simpy")
    return {"rates": SIMPY_RATES, "cycles": SIMPY_CYCLES, "identical_rows": fast == slow}


def machine() -> dict:
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "python": platform.python_version()}


if __name__ == "__main__":
    main()
