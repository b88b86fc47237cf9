"""The loads estimate's packet latencies from light to saturated traffic, against the cycle-exact engine.

The loads estimate takes spikes, not packet traces, so the load is swept through the network instead of
``noc-sweep``'s Bernoulli traffic: random networks (:func:`mapping.synthetic.random_network`, 6,000 neurons on
one Loihi chip, 8 x 4 routers) whose fan-out and input rate set the packets per tick, from a few hundred
(light) to bench-A's congestion and beyond. Per case: the busiest link's offered utilisation (the report's
``noc_estimate``), latency per inference and packet latency mean / p99 of both engines, and the errors.

    python benchmarks/loads_latency_sweep.py            # -> results/loads_latency_sweep.json
"""

from __future__ import annotations

import argparse

from _common import RESULTS, machine_info, write_results

from chip_configs.schema import load_config
from emulator.chip import Chip
from mapping.mapper import map_network
from mapping.synthetic import poisson_inputs, random_network

# (fan-out, input spike probability): light to saturated
CASES = ((25, 0.05), (50, 0.05), (50, 0.2), (75, 0.05), (100, 0.01), (100, 0.02), (100, 0.05), (100, 0.10))


def run_case(fan_out: int, p_in: float, ticks: int, seed: int) -> dict:
    net = random_network(600, 6000, fan_out, 0.8, seed=seed, name=f"sweep fan-out {fan_out}")
    cfg = load_config("loihi")
    mapped = map_network(net, cfg, placer="greedy", seed=seed)[0]
    spikes = poisson_inputs(600, ticks, p_in, seed=seed + 1)
    out = {"fan_out": fan_out, "p_input": p_in, "ticks": ticks}
    for engine in ("fast", "loads"):
        rep = Chip.from_config(cfg, seed=seed, noc_engine=engine).program(mapped).run(spikes, progress=False).report
        lat = rep.mean.noc_latency_cycles
        out[engine] = {"latency_per_inference_us": rep.mean.latency_ns.total * 1e-3, "packets": lat.count,
                       "mean": lat.mean, "p99": lat.p99}
        if rep.noc_estimate is not None:
            out["noc_estimate"] = dict(rep.noc_estimate)
    f, e = out["loads"], out["fast"]
    out["errors"] = {k: (f[k] - e[k]) / e[k] if e[k] else 0.0 for k in ("latency_per_inference_us", "mean", "p99")}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ticks", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    rows = [run_case(f, p, args.ticks, args.seed) for f, p in CASES]
    print("| fan-out, p_in | packets / tick | busiest-link utilisation | latency / inference | packet mean "
          "exact -> loads | p99 exact -> loads |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        e, f, x = r["fast"], r["loads"], r["errors"]
        print(f"| {r['fan_out']}, {r['p_input']} | {e['packets'] / r['ticks']:,.0f} | "
              f"{r['noc_estimate']['busiest_link_utilisation_max']:.2f} | {100 * x['latency_per_inference_us']:+.1f} % | "
              f"{e['mean']:,.1f} -> {f['mean']:,.1f} ({100 * x['mean']:+.1f} %) | {e['p99']:,.0f} -> {f['p99']:,.0f} "
              f"({100 * x['p99']:+.1f} %) |")
    path = args.json or RESULTS / "loads_latency_sweep.json"
    write_results(path, {"benchmark": "loads latency sweep", "issue": 12, "machine": machine_info(), "cases": rows})
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
