"""bench-A (issue 6): emulation speed with the full hardware model, against the core kernels alone and Brian2.

The network: 1,000 Poisson input lines (p = 0.05 per tick), 10,000 LIF neurons; every input line and every
neuron sends 100 synapses to distinct random neurons (1,000,000 recurrent synapses; the first 80 % of the
neurons excitatory, the rest inhibitory); weights and threshold of :func:`mapping.synthetic.random_network`
(input 0.5, excitatory 0.5, inhibitory -4, threshold 4, beta 0.9) give 2 % of the neurons firing per tick
(measured and printed). Built with the mapping network API, mapped with :func:`mapping.mapper.map_network`
(placer ``hierarchical``, the default for systems: chips first, then cores) onto the system preset ``--system``
(default ``loihi-kapoho-bay``: two Loihi chips, 256 cores; one chip has 128 and bench-A needs 219; a system too
small is refused with the CapacityError's resource, need and limit), and run with the full hardware model
(integer neurons, NoC with contention, barrier synchronisation, energy and latency accounting) by the NoC
engine ``--noc``: ``loads`` (default, the
fused tick loop of :mod:`emulator.fused`: spikes, counts and energy exact, each tick's network phase estimated
from its link loads, error measured in tests/emulator/test_loads_engine.py), ``fast`` (the cycle-exact engine)
or ``flow``. Seeds: network ``seed``, inputs ``seed + 1``.

Reported: wall time of build, mapping, programming and run separately; on-chip and off-chip traffic (the
report's split: hops, flits, energy, share of the network phase; the busiest off-chip link from the per-link
counts; the mapper's expected off-chip packets per tick beside them); synaptic events (the report's
``syn_ops``), events per wall-second, neuron updates, packets and hops per second, peak RSS; the same for the
core kernels alone (the fused loop without events, NoC or timing: pre-folded synapses and neuron updates) and
for the per-core step loop (``chip.cores``: schedule inputs, step, schedule the spikes' destinations through
the chip's wiring); the fastest of ``--kernel-repeats`` loops, checked to give the same output spikes.

    python benchmarks/bench_a.py                      # 1,000 ticks, loads engine -> results/bench_a_loads.json
    python benchmarks/bench_a.py --compare-brian2     # also Brian2 C++ standalone, same network and inputs
    python benchmarks/bench_a.py --noc fast           # the cycle-exact NoC -> results/bench_a_fast.json
    python benchmarks/bench_a.py --ticks 200 --noc flow --json /tmp/a.json

``bench_a_estimate_error.py`` runs ``fast`` and the estimates side by side and records their errors (issue 12).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from _common import (
    RESULTS,
    fused_kernel_loop,
    kernel_loop,
    machine_info,
    peak_rss_mb,
    per_second,
    timed,
    write_results,
)

from chip_configs.errors import CapacityError
from chip_configs.schema import load_config
from emulator.chip import Chip
from mapping.mapper import map_network
from mapping.synthetic import poisson_inputs, random_network

N_INPUTS, N_NEURONS, FAN_OUT, P_INPUT, EXC_FRACTION = 1000, 10_000, 100, 0.05, 0.8
FIRING_TARGET = (0.01, 0.05)
NOMINAL_RATE = 0.02  # spikes per neuron per tick the mapper weighs traffic with (bench-A fires ~2 %)


# ----- build and map ---------------------------------------------------------------------------------------
def build(seed: int, ticks: int):
    """bench-A through the network API, and its input spike trains int8 [1, ticks, 1000]."""
    net = random_network(N_INPUTS, N_NEURONS, FAN_OUT, EXC_FRACTION, seed=seed, name="bench-A")
    return net, poisson_inputs(N_INPUTS, ticks, P_INPUT, seed=seed + 1)


def map_onto_system(net, seed: int, placer: str | None, system: str = "loihi-kapoho-bay"):
    """Map onto the system preset ``system`` (placer None: the system's default, ``hierarchical``).

    Returns (cfg, mapped, summary, seconds of the mapping). A system too small raises :class:`CapacityError`;
    :func:`refusal` reads its numbers.
    """
    cfg = load_config(system)
    (mapped, summary), seconds = timed(map_network, net, cfg, placer=placer, seed=seed,
                                       rates={"neurons": NOMINAL_RATE})
    return cfg, mapped, summary, seconds


def refusal(err: CapacityError, system: str) -> dict:
    """Why bench-A did not fit ``system``: the exception's numbers, never its text parsed."""
    return {"system": system, "resource": err.resource, "need": err.need, "limit": err.limit, "layer": err.layer,
            "chip": err.chip, "message": str(err)}


# ----- runs ------------------------------------------------------------------------------------------------
def make_chip(cfg, mapped, noc: str, seed: int) -> Chip:
    """The programmed chip with NoC engine ``noc``; exits with a clear message if ``flow`` is not available."""
    from noc.errors import NocError

    try:
        return Chip.from_config(cfg, seed=seed, noc_engine=noc).program(mapped)
    except (NocError, ImportError) as exc:
        if noc == "fast":
            raise
        sys.exit(f"bench_a: the {noc!r} NoC model is not available in this tree ({type(exc).__name__}: {exc})")


def run_full(chip: Chip, spikes: np.ndarray, repeats: int = 1):
    """Run with the full hardware model ``repeats`` times (the same chip and inputs: the same results); the
    fastest: (RunResult, wall seconds, every run's seconds)."""
    runs = [timed(chip.run, spikes, progress=False) for _ in range(max(repeats, 1))]
    result, seconds = min(runs, key=lambda r: r[1])
    return result, seconds, [s for _, s in runs]


def best_kernel_loop(chip: Chip, spikes: np.ndarray, repeats: int) -> dict:
    """The fastest of ``repeats`` kernel loops (they are cheap; the best is the least disturbed by other load)."""
    runs = [kernel_loop(chip, spikes) for _ in range(max(repeats, 1))]
    best = min(runs, key=lambda k: k["loop_s"])
    best["repeats"] = len(runs)
    return best


# ----- figures ---------------------------------------------------------------------------------------------
def firing_stats(raster: np.ndarray) -> dict:
    """Fraction of the neurons firing per tick: mean, percentiles and the share of ticks within the target."""
    frac = raster.sum(axis=1) / raster.shape[1]
    lo, hi = FIRING_TARGET
    return {"mean": float(frac.mean()), "p5": float(np.percentile(frac, 5)),
            "p50": float(np.percentile(frac, 50)), "p95": float(np.percentile(frac, 95)),
            "ticks_within_target": float(((frac >= lo) & (frac <= hi)).mean()), "target": list(FIRING_TARGET)}


def full_figures(report: dict, seconds: float) -> dict:
    """Counts of the full run and their rates per wall-second, with the emulated energy and latency."""
    m = report["mean"]
    c = m["counts"]
    updates = c["neuron_updates_active"] + c["neuron_updates_inactive"]
    hops = c["hops_ew"] + c["hops_ns"]
    return {
        "run_s": seconds, "ticks": m["ticks"], "syn_events": c["syn_ops"], "neuron_updates": updates,
        "spikes": c["spikes"], "packets": c["packets"], "hops": hops, "input_events": m["input_events"],
        "syn_events_per_s": per_second(c["syn_ops"], seconds), "neuron_updates_per_s": per_second(updates, seconds),
        "packets_per_s": per_second(c["packets"], seconds), "hops_per_s": per_second(hops, seconds),
        "ticks_per_s": per_second(m["ticks"], seconds),
        "emulated": {"energy_uj": m["energy_pj"]["total"] * 1e-6, "latency_us": m["latency_ns"]["total"] * 1e-3,
                     "latency_phases_us": {k: v * 1e-3 for k, v in m["latency_ns"].items() if k != "total"},
                     "power_mw": m["power_mw"], "avg_hops": m["avg_hops"],
                     "noc_latency_cycles": m["noc_latency_cycles"], "peak_buffer_flits": m["peak_buffer_flits"],
                     "timing_violations": m["timing_violations"]},
    }


def fused_figures(k: dict, ticks: int, plan_s: float) -> dict:
    """Rates of the fused kernels-alone loop (pre-folded synapses + neuron updates)."""
    syn, act, inact, spk = (int(v) for v in k["counts"])
    return {"loop_s": k["loop_s"], "plan_s": plan_s, "ticks": ticks, "repeats": k["repeats"], "syn_events": syn,
            "neuron_updates": act + inact, "spikes": spk, "syn_events_per_s": per_second(syn, k["loop_s"]),
            "neuron_updates_per_s": per_second(act + inact, k["loop_s"])}


def kernel_figures(k: dict, ticks: int) -> dict:
    """Rates of the kernel loop, per wall-second of the whole loop and of ``CoreArray.step`` alone."""
    syn, act, inact, spk = (int(v) for v in k["counts"])
    return {"loop_s": k["loop_s"], "step_s": k["step_s"], "ticks": ticks, "repeats": k["repeats"], "syn_events": syn,
            "neuron_updates": act + inact, "spikes": spk,
            "syn_events_per_s": per_second(syn, k["loop_s"]), "neuron_updates_per_s": per_second(act + inact, k["loop_s"]),
            "syn_events_per_s_step_only": per_second(syn, k["step_s"]),
            "neuron_updates_per_s_step_only": per_second(act + inact, k["step_s"])}


def mapping_figures(cfg, summary, seconds: float) -> dict:
    sysm = summary.system or {}
    return {"chip": cfg.name, "chip_description": cfg.description, "mesh": [cfg.mesh.width, cfg.mesh.height],
            "chips": cfg.n_chips, "chips_used": sysm.get("chips_used", 1), "cores_per_chip": cfg.cores_per_chip,
            "cores_available": cfg.num_cores, "cores_used": summary.cores_used, "placer": summary.placer,
            "placement_cost_packet_hops_per_tick": summary.placement_cost, "greedy_cost": summary.greedy_cost,
            "naive_cost": summary.naive_cost, "latency_ticks": summary.latency_ticks, "map_s": seconds,
            "nominal_rate": NOMINAL_RATE,
            "expected_off_chip_packets_per_tick": sysm.get("off_chip_packets_per_tick", 0.0),
            "expected_packets_per_tick": sysm.get("packets_per_tick"),
            "per_chip": sysm.get("per_chip"), "tightest": summary.tightest[:3]}


def traffic_figures(cfg, result, report: dict) -> dict:
    """On-chip and off-chip traffic of the run: the report's split (``mean.off_chip``: hops, flits, energy and
    the off-chip share of the network phase, issue 16's network side), per tick, and the busiest off-chip
    link from the per-link flit counts (:attr:`MeshTopology.link_off_chip`)."""
    from noc.topology import MeshTopology

    m = report["mean"]
    off = m.get("off_chip")
    if off is None:  # a single chip
        return {"flits_off_chip": 0, "off_chip_flit_share": 0.0, "off_chip_flits_per_tick": 0.0}
    topo = MeshTopology.from_config(cfg)
    flits = np.sum([r.link_flits for r in result.records], axis=0)
    ticks = m["ticks"]
    total_flits = off["flits_on_chip"] + off["flits_off_chip"]
    return {**off, "off_chip_flit_share": off["flits_off_chip"] / total_flits if total_flits else 0.0,
            "off_chip_flits_per_tick": off["flits_off_chip"] / ticks,
            "off_chip_energy_share": off["energy_off_chip_pj"] / m["energy_pj"]["total"],
            "busiest_off_chip_link_flits_per_tick": float(flits[topo.link_off_chip].max()) / ticks / len(result.records),
            "off_chip_serialisation_cycles_per_flit": cfg.system.off_chip.serialisation()}


# ----- Brian2 ----------------------------------------------------------------------------------------------
def compare_brian2(net, spikes: np.ndarray, ours: dict, repeats: int = 1) -> dict:
    """Brian2 C++ standalone on the same network and inputs (the fastest of ``repeats`` runs of its binary);
    the ratio of our rates to its own."""
    from _brian2 import run_brian2

    try:
        b = run_brian2(net, spikes, repeats=repeats)
    except (ImportError, RuntimeError, OSError) as exc:  # not installed, or its C++ build failed
        print(f"--compare-brian2: Brian2 did not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return {"error": f"{type(exc).__name__}: {exc}"}
    b["ratio_full_vs_brian2"] = ours["full"]["syn_events_per_s"] / b["syn_events_per_s"]
    b["ratio_kernels_vs_brian2"] = ours["kernels"]["syn_events_per_s"] / b["syn_events_per_s"]
    b["ratio_per_core_step_loop_vs_brian2"] = ours["kernels_per_core_loop"]["syn_events_per_s"] / b["syn_events_per_s"]
    return b


# ----- output ----------------------------------------------------------------------------------------------
def print_summary(out: dict) -> None:
    """The headline figures, one per line."""
    f, k, m, fr, tr = out["full"], out["kernels"], out["mapping"], out["firing_fraction"], out["traffic"]
    pk = out["kernels_per_core_loop"]
    lines = [
        f"bench-A: {N_NEURONS} neurons, {N_INPUTS} inputs, fan-out {FAN_OUT}, {f['ticks']:.0f} ticks, "
        f"seed {out['seed']}, NoC engine {out['noc']}",
        f"firing fraction per tick: mean {100 * fr['mean']:.2f} % (p5 {100 * fr['p5']:.2f}, p95 "
        f"{100 * fr['p95']:.2f}); ticks within 1-5 %: {100 * fr['ticks_within_target']:.1f} %",
        f"system {m['chip']} ({m['chips']} chips, {m['mesh'][0]} x {m['mesh'][1]} tiles, {m['cores_available']} "
        f"cores): {m['cores_used']} cores used on {m['chips_used']} chips ({m['placer']})",
        f"off-chip: {100 * tr['off_chip_flit_share']:.1f} % of the flits ({tr['off_chip_flits_per_tick']:,.1f} per tick; "
        f"mapper expected {m['expected_off_chip_packets_per_tick']:,.1f} packets per tick at {m['nominal_rate']} "
        f"spikes per neuron); busiest off-chip link {tr['busiest_off_chip_link_flits_per_tick']:,.1f} flits per tick"
        + (f"; off-chip energy {tr['energy_off_chip_pj'] * 1e-6:,.1f} uJ ({100 * tr['off_chip_energy_share']:.1f} % "
           f"of the total), {100 * tr['network_off_chip_share']:.1f} % of the network phase (zero-load)"
           if "energy_off_chip_pj" in tr else ""),
        f"wall: build {out['wall']['build_s']:.2f} s, map {m['map_s']:.2f} s, program {out['wall']['program_s']:.2f} s, "
        f"run {f['run_s']:.2f} s",
        f"full model: {f['syn_events']:.0f} syn events, {f['syn_events_per_s']:.3g} /s; neuron updates "
        f"{f['neuron_updates_per_s']:.3g} /s; packets {f['packets_per_s']:.3g} /s; hops {f['hops_per_s']:.3g} /s",
        f"kernels alone (fused): {k['syn_events_per_s']:.3g} syn events/s ({k['loop_s']:.3f} s; plan "
        f"{k['plan_s']:.2f} s); neuron updates {k['neuron_updates_per_s']:.3g} /s; same spikes as the full run: "
        f"{out['kernels_match_full']}",
        f"per-core step loop (CoreArray.step + schedule): {pk['syn_events_per_s']:.3g} syn events/s "
        f"({pk['loop_s']:.2f} s; step() only {pk['syn_events_per_s_step_only']:.3g} /s)",
        f"peak RSS {out['peak_rss_mb']['after_kernels']:.0f} MiB",
        f"emulated: latency per inference {f['emulated']['latency_us']:,.1f} us; packet latency mean "
        f"{f['emulated']['noc_latency_cycles']['mean']:,.1f} cycles, p99 {f['emulated']['noc_latency_cycles']['p99']:,.0f}"
        + (" (estimated)" if out["noc"] != "fast" else ""),
    ]
    b = out.get("brian2")
    if b and "error" not in b:
        lines += [f"Brian2 {b['brian2_version']} C++ standalone, 1 thread: {b['syn_events_per_s']:.3g} syn events/s "
                  f"(sim {b['sim_s']:.3f} s; compile {b['compile_s']:.1f} s; firing {100 * b['firing_fraction']:.2f} %)",
                  f"ratio ours / Brian2: full model ({out['noc']}) {b['ratio_full_vs_brian2']:.4g}, kernels alone "
                  f"{b['ratio_kernels_vs_brian2']:.4g}, per-core step loop {b['ratio_per_core_step_loop_vs_brian2']:.4g}"]
    print("\n".join(lines))


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ticks", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--noc", choices=("loads", "fast", "flow"), default="loads",
                    help="loads: the fused tick loop (exact spikes, counts and energy; network phase estimated from "
                    "link loads); fast: the exact cycle-level engine; flow: the approximate flow model")
    ap.add_argument("--placer", default=None, help="mapping placer (default: the system's, hierarchical; sequential, "
                    "greedy, anneal, hierarchical-greedy)")
    ap.add_argument("--system", default="loihi-kapoho-bay", help="system (or chip) preset or YAML to map onto")
    ap.add_argument("--kernel-repeats", type=int, default=3, help="kernel loops to run; the fastest is reported")
    ap.add_argument("--compare-brian2", action="store_true", help="also run Brian2 C++ standalone (one thread)")
    ap.add_argument("--repeats", type=int, default=1, help="full-model runs, and Brian2 runs of its compiled binary; "
                    "the fastest of each is compared (a shared machine disturbs single runs)")
    ap.add_argument("--json", default=None, help="output JSON (default results/bench_a_<noc>.json)")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    out = {"benchmark": "bench-A", "issue": 6, "system": args.system, "seed": args.seed, "noc": args.noc, "machine": machine_info()}
    (net, spikes), build_s = timed(build, args.seed, args.ticks)
    rss = {"after_build": peak_rss_mb()}
    try:
        cfg, mapped, summary, map_s = map_onto_system(net, args.seed, args.placer, args.system)
    except CapacityError as err:
        out["did_not_fit"] = refusal(err, args.system)
        write_results(args.json or RESULTS / f"bench_a_{args.noc}_refused.json", out)
        print(f"bench-A does not fit {args.system}: needs {err.need} {err.resource}, the limit is {err.limit}",
              file=sys.stderr)
        return 2
    rss["after_map"] = peak_rss_mb()
    chip, program_s = timed(make_chip, cfg, mapped, args.noc, args.seed)
    _, plan_s = timed(chip.fused_plan)   # the loads engine's pre-folded tables (also the fused kernels')
    result, run_s, run_all = run_full(chip, spikes, args.repeats)
    rss["after_run"] = peak_rss_mb()
    fused = fused_kernel_loop(chip, spikes[0], args.kernel_repeats)
    kern = best_kernel_loop(chip, spikes[0], args.kernel_repeats)
    rss["after_kernels"] = peak_rss_mb()
    report = result.report.to_dict()
    out.update({
        "wall": {"build_s": build_s, "map_s": map_s, "program_s": program_s, "plan_s": plan_s, "run_s": run_s,
                 "run_all_s": run_all},
        "mapping": mapping_figures(cfg, summary, map_s),
        "full": full_figures(report, run_s),
        "traffic": traffic_figures(cfg, result, report),
        "kernels": fused_figures(fused, args.ticks, plan_s),
        "kernels_per_core_loop": kernel_figures(kern, args.ticks),
        "kernels_match_full": bool(np.array_equal(fused["raster"], result.output_spikes[0])
                                   and np.array_equal(kern["raster"], result.output_spikes[0])),
        "firing_fraction": firing_stats(result.output_spikes[0]),
        "peak_rss_mb": rss,
    })
    if args.compare_brian2:
        out["brian2"] = compare_brian2(net, spikes[0], out, args.repeats)
    path = args.json or RESULTS / f"bench_a_{args.noc}.json"
    write_results(path, out)
    print_summary(out)
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
