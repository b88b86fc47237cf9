"""Scaling run (issue 6): does the cost of a tick grow with events, or with idle neurons and empty ticks?

Programmed chips on the TrueNorth preset (64 x 64 cores of 256 neurons), built directly as mapped networks
(no float network, no mapper), with 1e3 to 1e6 neurons (4 to 4,096 cores, the last size being the full
preset) and 0.1 % to 10 % of the neurons firing per tick. One chip per size; the activity is set by the
input, so the same programmed chip serves every activity level and the empty ticks:

- axons 0-127 of each core are input axons (type 0, weight +1), each feeding two neurons; axons 128-255 are
  recurrent axons (type 1, weight 0), each neuron having 64 of them in its crossbar column (128 synapses per
  recurrent axon, TrueNorth's operating point);
- neurons: threshold 1, no leak, reset to 0, so a neuron fires exactly when its input axon spiked in the
  previous tick (activity = the input probability p); every spike is one packet to one random recurrent
  axon on the used cores, 128 synaptic events of weight 0 there (counted and integrated like any other; they
  keep the activity at p, so the events per tick are known: ~129 x neurons x p);
- an idle neuron (no input) is at rest with zero input: an *inactive* update on the chip.

Each point runs the full hardware model (``Chip.run``: NoC with contention, fixed 1 ms tick, energy) and the
core kernels alone (``_common.kernel_loop``), and records wall time per tick and events per second (the
fastest of ``--repeat`` runs, 2 by default, since the machine may be shared). The empty-tick points run the
same chips with no input at all. Plot: ``results/scaling.png``.

    python benchmarks/scaling.py                       # 1e3..1e6 neurons x 0.1 / 1 / 10 %, ~5 min
    python benchmarks/scaling.py --sizes 1000,10000 --activities 0.01 --json /tmp/s.json --plot /tmp/s.png
"""

from __future__ import annotations

import argparse
import gc

import numpy as np
from _common import RESULTS, kernel_loop, machine_info, peak_rss_mb, per_second, timed, write_results

from chip_configs.schema import ChipConfig, load_config
from cores import CoreProgram
from emulator.chip import Chip
from emulator.mapped import Destinations, MappedCore, MappedNetwork

SIZES = (1_000, 10_000, 100_000, 1_048_576)  # the last: all 4,096 cores of the TrueNorth preset
ACTIVITIES = (0.001, 0.01, 0.1)
IN_AXONS = 128        # input axons per core (type 0); the rest are recurrent (type 1)
REC_PER_NEURON = 64   # recurrent crossbar synapses per neuron
SYN_BUDGET = 3e7      # synaptic events per point (full model) that set its number of ticks
TICKS_MIN, TICKS_MAX = 10, 1000


# ----- the workload -----------------------------------------------------------------------------------------
def relay_core(cfg: ChipConfig, rng: np.random.Generator) -> CoreProgram:
    """One core: input axon a feeds neurons 2a, 2a + 1 (weight +1); each neuron has 64 recurrent axons (weight 0)."""
    a, n = cfg.core.axons_per_core, cfg.core.neurons_per_core
    n_rec = a - IN_AXONS
    in_axon = np.arange(n, dtype=np.int64) // (n // IN_AXONS)
    rec = IN_AXONS + np.argsort(rng.random((n, n_rec)), axis=1)[:, :REC_PER_NEURON]
    axons = np.concatenate([in_axon, rec.ravel()]).astype(np.int32)
    neurons = np.concatenate([np.arange(n), np.repeat(np.arange(n), REC_PER_NEURON)]).astype(np.int32)
    order = np.lexsort((neurons, axons))
    weights = np.zeros((n, cfg.core.axon_types), np.int64)
    weights[:, 0] = 1
    params = {"weights": weights, "leak": np.zeros(n, np.int64), "alpha": np.ones(n, np.int64),
              "beta": np.zeros(n, np.int64), "kappa": np.ones(n, np.int64), "reset_mode": np.zeros(n, np.int64),
              "v0": np.zeros(n, np.int64)}
    return CoreProgram(n_neurons=n, n_axons=a, syn_axon=axons[order], syn_neuron=neurons[order], syn_weight=None,
                       params=params, axon_type=(np.arange(a) >= IN_AXONS).astype(np.int8))


def relay_network(cfg: ChipConfig, n_cores: int, seed: int) -> MappedNetwork:
    """``n_cores`` relay cores on chip cores 0..n_cores-1; input line i -> core i // 128, axon i % 128."""
    rng = np.random.default_rng(seed)
    n = cfg.core.neurons_per_core
    n_rec = cfg.core.axons_per_core - IN_AXONS
    cores = []
    for c in range(n_cores):
        target = rng.integers(0, n_cores * n_rec, n)
        dest = Destinations(np.arange(n + 1, dtype=np.int64), (target // n_rec).astype(np.int32),
                            (IN_AXONS + target % n_rec).astype(np.int32), np.ones(n, np.int32))
        cores.append(MappedCore(c, relay_core(cfg, rng), dest))
    n_in = n_cores * IN_AXONS
    lines = np.arange(n_in)
    return MappedNetwork(cfg.name, tuple(cores), n_in, np.arange(n_in + 1, dtype=np.int64),
                         (lines // IN_AXONS).astype(np.int32), (lines % IN_AXONS).astype(np.int32),
                         np.ones(n_in, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32),
                         {"name": f"scaling relay network, {n_cores} cores"})


def input_spikes(n_lines: int, ticks: int, p: float, seed: int) -> np.ndarray:
    """Bernoulli(p) spikes int8 [1, ticks, n_lines]; the last tick is silent so that every spike is delivered."""
    x = (np.random.default_rng(seed).random((1, ticks, n_lines)) < p).astype(np.int8)
    x[:, -1] = 0
    return x


def ticks_for(n_neurons: int, activity: float, scale: float) -> int:
    """Ticks for a point: about SYN_BUDGET x scale synaptic events, within [TICKS_MIN, TICKS_MAX]."""
    per_tick = max(129 * n_neurons * activity, 1.0)
    return int(np.clip(round(SYN_BUDGET * scale / per_tick), TICKS_MIN, TICKS_MAX))


# ----- measuring ---------------------------------------------------------------------------------------------
def measure(chip: Chip, spikes: np.ndarray, n_neurons: int, repeat: int = 1) -> dict:
    """Full model and kernels alone on ``spikes`` (each the fastest of ``repeat`` runs); time per tick, rates."""
    run_s, kern = np.inf, None
    for _ in range(max(repeat, 1)):
        result, seconds = timed(chip.run, spikes, progress=False)
        run_s = min(run_s, seconds)
        k = kernel_loop(chip, spikes[0])
        kern = k if kern is None or k["loop_s"] < kern["loop_s"] else kern
    c = result.report.to_dict()["mean"]["counts"]
    ticks = spikes.shape[1]
    syn, updates = c["syn_ops"], c["neuron_updates_active"] + c["neuron_updates_inactive"]
    return {
        "ticks": ticks, "repeat": repeat, "activity_measured": c["spikes"] / (n_neurons * ticks), "syn_events": syn,
        "syn_events_per_tick": syn / ticks, "packets": c["packets"], "hops": c["hops_ew"] + c["hops_ns"],
        "neuron_updates_active": c["neuron_updates_active"], "neuron_updates": updates,
        "full": {"s_per_tick": run_s / ticks, "syn_events_per_s": per_second(syn, run_s),
                 "neuron_updates_per_s": per_second(updates, run_s)},
        "kernels": {"s_per_tick": kern["loop_s"] / ticks, "step_s_per_tick": kern["step_s"] / ticks,
                    "syn_events_per_s": per_second(int(kern["counts"][0]), kern["loop_s"]),
                    "same_counts": bool(int(kern["counts"][0]) == syn)},
    }


def program_chip(cfg: ChipConfig, mapped: MappedNetwork, seed: int) -> Chip:
    """A TrueNorth chip with the exact NoC engine, programmed with ``mapped``."""
    return Chip.from_config(cfg, seed=seed).program(mapped)


def run_size(cfg: ChipConfig, n_target: int, activities, scale: float, seed: int, repeat: int = 1) -> list[dict]:
    """Build one chip of about ``n_target`` neurons and measure every activity plus empty ticks."""
    n_cores = -(-n_target // cfg.core.neurons_per_core)
    mapped, build_s = timed(relay_network, cfg, n_cores, seed)
    chip, program_s = timed(program_chip, cfg, mapped, seed)
    n = chip.cores.n_neurons
    points = []
    for p in (*activities, 0.0):
        ticks = ticks_for(n, p, scale) if p else TICKS_MAX
        point = measure(chip, input_spikes(mapped.n_inputs, ticks, p, seed + 1), n, repeat)
        point.update({"neurons": n, "cores": n_cores, "activity": p, "empty_ticks": p == 0.0,
                      "build_s": build_s, "program_s": program_s})
        points.append(point)
        print(_line(point), flush=True)
    del chip, mapped
    gc.collect()
    return points


def _line(p: dict) -> str:
    kind = "empty ticks" if p["empty_ticks"] else f"activity {100 * p['activity']:5.1f} %"
    return (f"{p['neurons']:>9,} neurons {kind} (measured {100 * p['activity_measured']:.2f} %), {p['ticks']} ticks: "
            f"full {1e3 * p['full']['s_per_tick']:9.3f} ms/tick {p['full']['syn_events_per_s']:9.3g} syn/s; "
            f"kernels {1e3 * p['kernels']['s_per_tick']:8.3f} ms/tick {p['kernels']['syn_events_per_s']:9.3g} syn/s")


def summarise(points: list[dict]) -> dict:
    """Idle against active ticks per size, and a log-log fit of full-model time per tick on events per tick."""
    out = {"idle_vs_active": {}}
    for n in sorted({p["neurons"] for p in points}):
        mine = [p for p in points if p["neurons"] == n]
        idle = next(p for p in mine if p["empty_ticks"])
        busiest = max((p for p in mine if not p["empty_ticks"]), key=lambda p: p["activity"], default=None)
        if busiest:
            out["idle_vs_active"][str(n)] = {
                "empty_tick_ms": 1e3 * idle["full"]["s_per_tick"], "empty_tick_kernels_ms": 1e3 * idle["kernels"]["s_per_tick"],
                "active_tick_ms": 1e3 * busiest["full"]["s_per_tick"], "active_activity": busiest["activity"],
                "active_over_empty": busiest["full"]["s_per_tick"] / idle["full"]["s_per_tick"]}
    act = [p for p in points if not p["empty_ticks"] and p["syn_events_per_tick"] > 0]
    if len(act) >= 2:
        x = np.log10([p["syn_events_per_tick"] for p in act])
        y = np.log10([p["full"]["s_per_tick"] for p in act])
        out["loglog_slope_time_vs_events"] = float(np.polyfit(x, y, 1)[0])
    return out


# ----- plot ----------------------------------------------------------------------------------------------------
def plot(points: list[dict], path) -> None:
    """Wall time per tick against events per tick (left), syn events per second against activity (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    sizes = sorted({p["neurons"] for p in points})
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(sizes)))
    for n, col in zip(sizes, colours, strict=True):
        act = sorted((p for p in points if p["neurons"] == n and not p["empty_ticks"]), key=lambda p: p["activity"])
        idle = next((p for p in points if p["neurons"] == n and p["empty_ticks"]), None)
        ev = [p["syn_events_per_tick"] for p in act]
        ax1.loglog(ev, [1e3 * p["full"]["s_per_tick"] for p in act], "o-", color=col, label=f"{n:,} neurons, full")
        ax1.loglog(ev, [1e3 * p["kernels"]["s_per_tick"] for p in act], "s--", color=col, mfc="none",
                   label=f"{n:,} neurons, kernels")
        if idle:
            ax1.axhline(1e3 * idle["full"]["s_per_tick"], color=col, lw=0.8, ls=":")
        acts = [100 * p["activity"] for p in act]
        ax2.loglog(acts, [p["full"]["syn_events_per_s"] for p in act], "o-", color=col, label=f"{n:,} full")
        ax2.loglog(acts, [p["kernels"]["syn_events_per_s"] for p in act], "s--", color=col, mfc="none",
                   label=f"{n:,} kernels")
    ax1.set(xlabel="synaptic events per tick", ylabel="wall time per tick [ms]",
            title="cost per tick (dotted: empty tick, full model)")
    ax2.set(xlabel="neurons firing per tick [%]", ylabel="synaptic events per wall-second",
            title="throughput (TrueNorth preset)")
    for ax in (ax1, ax2):
        ax.grid(True, which="both", alpha=0.3)
    ax1.legend(fontsize=7)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",") if v]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(str(s) for s in SIZES), help="neurons, comma-separated")
    ap.add_argument("--activities", default=",".join(str(a) for a in ACTIVITIES), help="fractions per tick")
    ap.add_argument("--ticks-scale", type=float, default=1.0, help="scales the ticks of every point")
    ap.add_argument("--repeat", type=int, default=2, help="runs per point; the fastest is reported")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=str(RESULTS / "scaling.json"))
    ap.add_argument("--plot", default=str(RESULTS / "scaling.png"))
    args = ap.parse_args(argv)
    cfg = load_config("truenorth")
    points = []
    for n in (int(v) for v in _floats(args.sizes)):
        points += run_size(cfg, n, _floats(args.activities), args.ticks_scale, args.seed, args.repeat)
    out = {"benchmark": "scaling", "issue": 6, "chip": cfg.name, "seed": args.seed, "machine": machine_info(),
           "workload": __doc__.split("\n\n")[1], "points": points, "summary": summarise(points),
           "peak_rss_mb": peak_rss_mb()}
    write_results(args.json, out)
    plot(points, args.plot)
    print(f"summary: {out['summary']}")
    print(f"written {args.json}, {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
