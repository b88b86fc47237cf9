"""bench-A's estimating network models against the cycle-exact engine, side by side (issue 12).

Maps bench-A once (:mod:`bench_a`: same network, inputs, placer and seed), runs it with the cycle-exact NoC
(``fast``) and with each estimate (``loads``: the fused loop's drain estimate and drain-backlog packet
latencies, :mod:`noc.loads_estimate`; ``flow``: the flow model, :mod:`noc.flow_reference`), and records per
engine: latency per inference (and its network phase), packet latency mean / p50 / p90 / p99 / max, wall time,
and each estimate's relative error against ``fast`` (``(estimate - exact) / exact``).

    python benchmarks/bench_a_estimate_error.py                 # 1,000 ticks -> results/bench_a_estimate_error.json
    python benchmarks/bench_a_estimate_error.py --ticks 200 --engines loads --json /tmp/e.json
"""

from __future__ import annotations

import argparse

from _common import RESULTS, machine_info, timed, write_results
from bench_a import build, make_chip, map_onto_system

# The issue's bounds on the estimates' errors against the exact engine (bench-A).
BOUNDS = {"latency_per_inference": 0.05, "packet_latency_mean": 0.25, "packet_latency_p99": 0.25}


def engine_figures(chip, spikes) -> dict:
    """One engine's run: emulated latency per inference, its network phase, packet latency percentiles, wall."""
    result, seconds = timed(chip.run, spikes, progress=False)
    rep = result.report
    m = rep.mean
    lat = m.noc_latency_cycles
    out = {"latency_per_inference_us": m.latency_ns.total * 1e-3, "network_phase_us": m.latency_ns.network * 1e-3,
           "packet_latency_cycles": {"mean": lat.mean, "p50": lat.p50, "p90": lat.p90, "p99": lat.p99,
                                     "max": lat.max, "count": lat.count},
           "run_s": seconds}
    if rep.noc_estimate is not None:
        out["noc_estimate"] = dict(rep.noc_estimate)
    return out


def errors(est: dict, exact: dict) -> dict:
    """Relative errors of an estimate's figures against the exact engine's, and whether each is in bounds."""
    def rel(a, b):
        return (a - b) / b if b else 0.0
    e = {"latency_per_inference": rel(est["latency_per_inference_us"], exact["latency_per_inference_us"]),
         "network_phase": rel(est["network_phase_us"], exact["network_phase_us"])}
    for q in ("mean", "p50", "p90", "p99", "max"):
        e[f"packet_latency_{q}"] = rel(est["packet_latency_cycles"][q], exact["packet_latency_cycles"][q])
    e["within_bounds"] = all(abs(e[k]) <= b for k, b in BOUNDS.items())
    return e


def table(out: dict) -> str:
    """The markdown table of benchmarks/README.md."""
    rows = ["| engine | latency per inference (us) | network phase (us) | packet latency mean (cycles) | p99 "
            "(cycles) | run (s) |", "|---|---|---|---|---|---|"]
    for name, f in out["engines"].items():
        p = f["packet_latency_cycles"]
        if name == "fast":
            rows.append(f"| fast (exact) | {f['latency_per_inference_us']:,.1f} | {f['network_phase_us']:,.1f} | "
                        f"{p['mean']:,.1f} | {p['p99']:,.0f} | {f['run_s']:.2f} |")
            continue
        e = out["errors"][name]
        rows.append(f"| {name} | {f['latency_per_inference_us']:,.1f} ({100 * e['latency_per_inference']:+.1f} %) | "
                    f"{f['network_phase_us']:,.1f} ({100 * e['network_phase']:+.1f} %) | {p['mean']:,.1f} "
                    f"({100 * e['packet_latency_mean']:+.1f} %) | {p['p99']:,.0f} ({100 * e['packet_latency_p99']:+.1f} %) "
                    f"| {f['run_s']:.2f} |")
    return "\n".join(rows)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ticks", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--placer", default=None, help="mapping placer (default: the system's, hierarchical)")
    ap.add_argument("--system", default="loihi-kapoho-bay", help="system (or chip) preset or YAML")
    ap.add_argument("--engines", default="loads,flow", help="estimates to compare with fast (comma-separated)")
    ap.add_argument("--json", default=None, help="output JSON (default results/bench_a_estimate_error.json)")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    net, spikes = build(args.seed, args.ticks)
    cfg, mapped, summary, _ = map_onto_system(net, args.seed, args.placer, args.system)
    out = {"benchmark": "bench-A estimate error", "issue": 12, "ticks": args.ticks, "seed": args.seed,
           "chip": cfg.name, "cores_used": summary.cores_used, "bounds": BOUNDS, "machine": machine_info(),
           "engines": {}, "errors": {}}
    for name in ["fast"] + [e for e in args.engines.split(",") if e and e != "fast"]:
        out["engines"][name] = engine_figures(make_chip(cfg, mapped, name, args.seed), spikes)
        if name != "fast":
            out["errors"][name] = errors(out["engines"][name], out["engines"]["fast"])
    path = args.json or RESULTS / "bench_a_estimate_error.json"
    write_results(path, out)
    print(table(out))
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
