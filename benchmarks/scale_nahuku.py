"""Scale (issue 16): a network of >= 1 M neurons mapped onto ``loihi-nahuku32`` and run with the full hardware model.

The network is bench-A's construction scaled up with locality (:func:`mapping.synthetic.modular_network`):
``--modules`` modules of 1,024 LIF neurons (default 1,024 modules: 1,048,576 neurons), each fed by 100 Poisson
input lines (p = 0.05 per tick); every input line and every neuron sends 100 synapses to distinct neurons,
a neuron 95 in its own module and 5 in the modules at distance 1-4 along a ring (~115 M synapses); bench-A's
weights, threshold and leak, so 1-5 % of the neurons fire per tick (measured and printed). Uniform random
targets over 1 M neurons would not fit Loihi at all (module docstring of :mod:`mapping.synthetic`).

Stages, each timed (wall seconds) with the peak memory it reached: tracemalloc's peak of the Python heap and
NumPy's buffers since the stage began (``--no-tracemalloc`` to leave it off: it slows the Python parts), and
the process's peak RSS after it (``ru_maxrss``, never reset, so it is the peak so far):

1. build: the network through the mapping API, and the input spike trains;
2. map: :func:`mapping.mapper.map_network` onto ``loihi-nahuku32`` (placer ``hierarchical``, the system's
   default: chips first, then ``anneal`` within each chip; the per-chip and off-chip-link checks);
3. program: :meth:`emulator.chip.Chip.program` with the ``loads`` NoC engine, and its fused plan;
4. run: ``--ticks`` (default 100) ticks with the full hardware model through the ``loads`` engine (the fused
   tick loop of :mod:`emulator.fused`: integer neurons and synapses, counts and energy exact; each tick's
   network phase estimated from its link loads, barrier synchronisation).

Reported also: cores and chips used, the mapper's expected off-chip packets per tick, the run's on-chip and
off-chip flits and energy (the report's split), the busiest off-chip link (per-link counts), memory per
neuron and per synapse.

    python benchmarks/scale_nahuku.py                      # 1 M neurons, 100 ticks -> results/scale_nahuku.json
    python benchmarks/scale_nahuku.py --modules 64 --ticks 20 --json /tmp/s.json     # a quick check
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc

import numpy as np
from _common import RESULTS, machine_info, peak_rss_mb, per_second, write_results

from chip_configs.errors import CapacityError
from chip_configs.schema import load_config
from emulator.chip import Chip
from mapping.mapper import map_network
from mapping.synthetic import modular_network, poisson_inputs
from noc.topology import MeshTopology

MODULE_SIZE, INPUTS_PER_MODULE, FAN_OUT, FAR, REACH, P_INPUT = 1024, 100, 100, 5, 4, 0.05
NOMINAL_RATE = 0.02  # spikes per neuron per tick the mapper weighs traffic with


class Stages:
    """Wall time and peak memory of each stage (tracemalloc peak since the stage began, RSS peak so far)."""

    def __init__(self, trace: bool):
        self.trace, self.out = trace, {}
        if trace:
            tracemalloc.start()

    def run(self, name: str, fn, *args, **kwargs):
        gc.collect()
        if self.trace:
            tracemalloc.reset_peak()
        t0 = time.perf_counter()
        value = fn(*args, **kwargs)
        row = {"wall_s": time.perf_counter() - t0, "rss_peak_mib": peak_rss_mb()}
        if self.trace:
            cur, peak = tracemalloc.get_traced_memory()
            row.update({"traced_peak_mib": peak / 2**20, "traced_after_mib": cur / 2**20})
        self.out[name] = row
        print(f"  {name}: {row['wall_s']:.1f} s, RSS peak {row['rss_peak_mib']:,.0f} MiB"
              + (f", traced peak {row['traced_peak_mib']:,.0f} MiB" if self.trace else ""), flush=True)
        return value


def build(modules: int, ticks: int, seed: int):
    net = modular_network(modules, MODULE_SIZE, FAN_OUT, FAR, REACH, INPUTS_PER_MODULE, seed=seed)
    return net, poisson_inputs(modules * INPUTS_PER_MODULE, ticks, P_INPUT, seed=seed + 1)


def program(cfg, mapped, seed: int) -> Chip:
    chip = Chip.from_config(cfg, seed=seed, noc_engine="loads").program(mapped)
    chip.fused_plan()
    return chip


def traffic(cfg, result, report: dict, ticks: int) -> dict:
    """On-chip and off-chip traffic per tick (the report's split, ``mean.off_chip``) and the busiest off-chip
    link from the per-link counts."""
    off = report["mean"]["off_chip"]
    flits = np.sum([r.link_flits for r in result.records], axis=0).astype(np.float64)
    on_links = MeshTopology.from_config(cfg).link_off_chip
    total = off["flits_on_chip"] + off["flits_off_chip"]
    return {"flits_on_chip_per_tick": off["flits_on_chip"] / ticks, "flits_off_chip_per_tick": off["flits_off_chip"] / ticks,
            "off_chip_flit_share": off["flits_off_chip"] / total if total else 0.0,
            "busiest_off_chip_link_flits_per_tick": float(flits[on_links].max()) / ticks,
            "off_chip_energy_uj": off["energy_off_chip_pj"] * 1e-6,
            "off_chip_energy_share": off["energy_off_chip_pj"] / report["mean"]["energy_pj"]["total"],
            "network_off_chip_share": off["network_off_chip_share"]}


def run_figures(report: dict, result, seconds: float, ticks: int, n_neurons: int) -> dict:
    m = report["mean"]
    c = m["counts"]
    frac = result.output_spikes[0].sum(axis=1) / n_neurons
    return {"ticks": ticks, "run_s": seconds, "s_per_tick": seconds / ticks, "syn_events": c["syn_ops"],
            "syn_events_per_s": per_second(c["syn_ops"], seconds), "spikes": c["spikes"], "packets": c["packets"],
            "firing_fraction_mean": float(frac.mean()), "firing_fraction_p5": float(np.percentile(frac, 5)),
            "firing_fraction_p95": float(np.percentile(frac, 95)),
            "emulated_latency_us": m["latency_ns"]["total"] * 1e-3, "emulated_energy_uj": m["energy_pj"]["total"] * 1e-6,
            "timing_violations": m["timing_violations"]}


def mapping_figures(cfg, summary) -> dict:
    s = summary.system
    return {"system": cfg.name, "cores_used": summary.cores_used, "cores_available": cfg.num_cores,
            "chips_used": s["chips_used"], "chips": s["chips"], "placer": summary.placer,
            "expected_packets_per_tick": s["packets_per_tick"],
            "expected_off_chip_packets_per_tick": s["off_chip_packets_per_tick"],
            "expected_off_chip_share": s["off_chip_share"], "nominal_rate": NOMINAL_RATE,
            "busiest_off_chip_link": s["busiest_off_chip_link"], "tightest": summary.tightest[:3],
            "placement_cost_packet_hops_per_tick": summary.placement_cost, "naive_cost": summary.naive_cost}


def per_unit(out: dict, n_neurons: int, n_synapses: int) -> dict:
    """Peak RSS per neuron and per synapse [bytes] (the whole process: build, mapping and chip together)."""
    rss = max(r["rss_peak_mib"] for r in out["stages"].values()) * 2**20
    return {"neurons": n_neurons, "synapses": n_synapses, "rss_peak_bytes_per_neuron": rss / n_neurons,
            "rss_peak_bytes_per_synapse": rss / n_synapses}


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modules", type=int, default=1024, help="modules of 1,024 neurons (1,024: 1,048,576 neurons)")
    ap.add_argument("--ticks", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--system", default="loihi-nahuku32")
    ap.add_argument("--placer", default=None, help="default: the system's (hierarchical)")
    ap.add_argument("--no-tracemalloc", action="store_true", help="leave tracemalloc off (faster Python parts)")
    ap.add_argument("--json", default=None, help="output JSON (default results/scale_nahuku.json)")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    st = Stages(not args.no_tracemalloc)
    out = {"benchmark": "scale onto loihi-nahuku32", "issue": 16, "seed": args.seed, "engine": "loads",
           "machine": machine_info(), "tracemalloc": not args.no_tracemalloc}
    cfg = load_config(args.system)
    net, spikes = st.run("build", build, args.modules, args.ticks, args.seed)
    n_syn = sum(int(np.size(p.weights[0])) for p in net.projections)
    print(f"network: {net.populations[0].size:,} neurons, {net.n_inputs:,} input lines, {n_syn:,} synapses", flush=True)
    try:
        mapped, summary = st.run("map", map_network, net, cfg, placer=args.placer, seed=args.seed,
                                 rates={"neurons": NOMINAL_RATE})
    except CapacityError as err:
        print(f"does not fit {cfg.name}: needs {err.need} {err.resource}, the limit is {err.limit}", file=sys.stderr)
        return 2
    n_neurons = net.populations[0].size
    del net
    chip = st.run("program", program, cfg, mapped, args.seed)
    result = st.run("run", chip.run, spikes, progress=False)
    report = result.report.to_dict()
    out.update({"network": {"neurons": n_neurons, "modules": args.modules, "module_size": MODULE_SIZE,
                            "input_lines": args.modules * INPUTS_PER_MODULE, "synapses": n_syn, "fan_out": FAN_OUT,
                            "far_synapses_per_neuron": FAR, "reach_modules": REACH, "p_input": P_INPUT},
                "mapping": mapping_figures(cfg, summary), "stages": st.out,
                "run": run_figures(report, result, st.out["run"]["wall_s"], args.ticks, n_neurons),
                "traffic": traffic(cfg, result, report, args.ticks)})
    out["memory"] = per_unit(out, n_neurons, n_syn)
    path = args.json or RESULTS / "scale_nahuku.json"
    write_results(path, out)
    r, m, t = out["run"], out["mapping"], out["traffic"]
    print(f"mapped onto {m['cores_used']} cores on {m['chips_used']} of {m['chips']} chips ({m['placer']}); expected "
          f"off-chip {m['expected_off_chip_packets_per_tick']:,.0f} of {m['expected_packets_per_tick']:,.0f} packets "
          f"per tick at {NOMINAL_RATE}")
    print(f"run: {r['ticks']} ticks in {r['run_s']:.1f} s ({r['s_per_tick']:.2f} s per tick), firing "
          f"{100 * r['firing_fraction_mean']:.2f} %, {r['syn_events_per_s']:.3g} syn events/s; off-chip "
          f"{100 * t['off_chip_flit_share']:.1f} % of the flits ({t['flits_off_chip_per_tick']:,.0f} per tick)")
    print(f"peak RSS {max(s['rss_peak_mib'] for s in st.out.values()):,.0f} MiB "
          f"({out['memory']['rss_peak_bytes_per_synapse']:.1f} B per synapse); written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
