"""TrueNorth preset at the published operating point: chip power against Merolla et al. 2014 (65-72 mW), and
the cost of emulating the whole chip (build time by stage, peak memory against the programmed bytes, time per
active and per idle tick).

All 4,096 cores busy, 20 Hz mean firing at the 1 ms tick, 128 active synapses per neuron (134 M synapses),
each neuron targeting one axon anywhere on the chip. The preset prices synaptic events at the amortised 26 pJ
and hops at 2.3 pJ, so power = (syn events/s x 26 pJ + hops/s x 2.3 pJ). The idle tick is the same chip at
rest (leak 0, v = 0, no input; ``truenorth_operating_point(rate_hz=0)``). Memory definitions: see
``truenorth_common``.

``--engine`` (default ``loads``, the fused loop: exact spikes, counts and energy like ``fast``, the exact engine
that was the default before issue 18, and ~10x faster): with ``loads`` the fused plan is built in a stage of its
own (``fused_plan``), ``kernel_loop_ms_per_tick`` is the fused kernel without events or timing (the exact
engine's stepped kernels stay as ``stepped_kernel_loop_ms_per_tick``), and ``real_time_factor`` is the tick
period over the wall time per tick (1.0: the chip emulated in real time), for the full model and the kernels, on
one core and on two (``two_cores``: the fused loop's threads over cores within a tick).

    python benchmarks/truenorth_power.py [--ticks 100] [--cores 4096] [--synapses 128] [--engine loads]
                                         [--out benchmarks/results/truenorth_power.json]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import RESULTS, fused_kernel_loop, report_and_write
from truenorth_common import (
    StageMeter,
    build_chip,
    context,
    idle_costs,
    memory_summary,
    process_baseline_mib,
    tick_costs,
)

from chip_configs.schema import load_config
from emulator.chip import Chip
from emulator.loops import ENGINE_NAMES

PUBLISHED_MW = (65.0, 72.0)
BUILD_STAGES = ("workload", "check", "cores", "wiring")


def parse(argv, default_out: str, default_synapses: int = 128) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ticks", type=int, default=100)
    ap.add_argument("--idle-ticks", type=int, default=100, help="ticks of the idle chip (0: skip)")
    ap.add_argument("--cores", type=int, default=None, help="cores to use (default: all 4,096)")
    ap.add_argument("--synapses", type=int, default=default_synapses, help="crossbar connections per neuron")
    ap.add_argument("--rate-hz", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--engine", default="loads", choices=ENGINE_NAMES,
                    help="engine of the full-model run (default loads: exact counts and energy, fused loop)")
    ap.add_argument("--out", default=str(RESULTS / default_out))
    return ap.parse_args(argv)


def on_engine(chip: Chip, engine: str, meter: StageMeter, prefix: str = "") -> Chip:
    """``chip``'s cores and wiring on a chip of engine ``engine``; with ``loads`` its fused plan built (stage
    ``<prefix>fused_plan``) so that the run stage times ticks only."""
    if engine != chip.noc_engine:
        other = Chip.from_config(chip.cfg, seed=chip.seed, noc_engine=engine)
        other.cores, other.wiring, other.mapped = chip.cores, chip.wiring, chip.mapped
        chip = other
    if engine == "loads":
        with meter.stage(f"{prefix}fused_plan"):
            chip.fused_plan()
    return chip


def fused_kernels(chip: Chip, active: dict, ticks: int, period_ms: float) -> None:
    """With the fused loop: its kernels alone in ``active`` (the stepped ones kept beside), the synaptic events
    per second and the real-time factors (tick period / wall time per tick) on one core, and on two (threads
    over cores within a tick, ``kernel.threads = 2``: the full model and the kernels timed again)."""
    zeros = np.zeros((ticks, chip.mapped.n_inputs), np.int8)
    k = fused_kernel_loop(chip, zeros, repeats=1)
    active["stepped_kernel_loop_ms_per_tick"] = active["kernel_loop_ms_per_tick"]
    active["kernel_loop_ms_per_tick"] = 1e3 * k["loop_s"] / ticks
    active["kernel_syn_events_per_s"] = float(k["counts"][0]) / k["loop_s"]
    steady1 = _steady(chip, ticks)
    rtf = {"one_core": {"full": period_ms / active["full_ms_per_tick"],
                        "full_steady": period_ms / steady1["full_ms_per_tick_median"],
                        "kernels": period_ms / active["kernel_loop_ms_per_tick"]}}
    kernel = chip.fused_plan().kernel
    kernel.threads = 2
    t0 = time.perf_counter()
    chip.run(None, ticks=ticks)
    full2 = 1e3 * (time.perf_counter() - t0) / ticks
    steady2 = _steady(chip, ticks)
    k2 = fused_kernel_loop(chip, zeros, repeats=1)
    kernel.threads = 1
    active["steady"] = {"one_core": steady1, "two_cores": steady2}
    active["two_cores"] = {"full_ms_per_tick": full2, "kernel_loop_ms_per_tick": 1e3 * k2["loop_s"] / ticks}
    rtf["two_cores"] = {"full": period_ms / full2, "full_steady": period_ms / steady2["full_ms_per_tick_median"],
                        "kernels": period_ms * ticks / (1e3 * k2["loop_s"])}
    active["real_time_factor"] = rtf


STEADY_RUNS = 5


def _steady(chip: Chip, ticks: int) -> dict:
    """The full model in steady state: :data:`STEADY_RUNS` more runs of ``ticks`` ticks each (caches warm, as
    in an emulation that runs for hours), wall ms per tick of the median and the best run, report included.
    The first run after the plan is built (``full_ms_per_tick``) starts with cold caches."""
    walls = []
    for _ in range(STEADY_RUNS):
        t0 = time.perf_counter()
        chip.run(None, ticks=ticks)
        walls.append(1e3 * (time.perf_counter() - t0) / ticks)
    return {"runs": STEADY_RUNS, "full_ms_per_tick_median": float(np.median(walls)),
            "full_ms_per_tick_best": min(walls)}


def power_figures(report: dict, cfg, operating_point: bool) -> dict:
    """Rate, synaptic events per spike, hops and chip power from the run's report; at the published operating
    point (128 synapses per neuron, 20 Hz) also the comparison with the paper."""
    m = report["mean"]
    seconds = m["ticks"] * cfg.sync.tick_period_ns * 1e-9
    out = {
        "ticks": m["ticks"],
        "cores_used": report["cores_used"],
        "mean_rate_hz": m["counts"]["spikes"] / report["neurons_used"] / seconds,
        "syn_events_per_spike": m["counts"]["syn_ops"] / max(m["counts"]["spikes"], 1),
        "avg_hops": m["avg_hops"],
        "power_mw": m["power_mw"],
        "energy_by_op_pj": m["energy_pj"]["by_op"],
        "timing_violations": len(report["timing_violations"]),
    }
    if operating_point:
        out["published_mw"] = PUBLISHED_MW
        out["within_15_percent"] = PUBLISHED_MW[0] * 0.85 <= m["power_mw"] <= PUBLISHED_MW[1] * 1.15
    return out


def idle_on_engine(cfg, meter: StageMeter, args) -> dict:
    """``truenorth_common.idle_costs`` on engine ``args.engine`` (the idle chip, its fused plan, its ticks)."""
    chip, _ = build_chip(cfg, StageMeter(), args.seed, rate_hz=0, n_cores=args.cores)
    chip = on_engine(chip, args.engine, meter, "idle_")
    out = tick_costs(chip, meter, args.idle_ticks, "idle_")
    if args.engine == "loads":
        fused_kernels(chip, out, args.idle_ticks, cfg.sync.tick_period_ns * 1e-6)
    spikes = int(out.pop("result").report.to_dict()["mean"]["counts"]["spikes"])
    return out | {"spikes": spikes}


def run(args) -> dict:
    """Build, run, measure; the result dict written to ``args.out``."""
    cfg = load_config("truenorth")
    baseline = process_baseline_mib(cfg)
    meter = StageMeter()
    chip, mapped = build_chip(cfg, meter, args.seed, n_cores=args.cores, active_synapses=args.synapses,
                              rate_hz=args.rate_hz)
    chip = on_engine(chip, args.engine, meter)
    active = tick_costs(chip, meter, args.ticks, "")
    if args.engine == "loads":
        fused_kernels(chip, active, args.ticks, cfg.sync.tick_period_ns * 1e-6)
    at_paper = args.synapses == 128 and args.rate_hz == 20.0 and not args.cores
    out = power_figures(active.pop("result").report.to_dict(), cfg, at_paper)
    out["memory"] = memory_summary(chip, mapped, meter, baseline, BUILD_STAGES + ("run", "kernels"))
    if args.engine == "loads":   # the fused loop's tables, apart from the build (their residency is in run's peak)
        out["fused_plan"] = meter.stages["fused_plan"]
    out["build_s"] = round(sum(meter.stages[s]["wall_s"] for s in BUILD_STAGES), 2)
    out["active_tick"] = active
    del chip, mapped
    if args.idle_ticks:
        idle = idle_costs(cfg, meter, args.seed, args.idle_ticks, args.cores) if args.engine == "fast" else \
            idle_on_engine(cfg, meter, args)
        out["idle_tick"] = idle
        out["idle_over_active"] = {k: round(idle[k] / active[k], 4) for k in active if k.endswith("_per_tick")}
    out["stages"] = meter.stages
    out["context"] = context(args)
    return out


def _rtf(tick: dict) -> str:
    r = tick.get("real_time_factor")
    if not r:
        return ""
    one, two = r["one_core"], r["two_cores"]
    return (f"; real-time factor, first run {one['full']:.3f} / steady {one['full_steady']:.3f} (kernels "
            f"{one['kernels']:.3f}), two cores {two['full']:.3f} / steady {two['full_steady']:.3f} (kernels "
            f"{two['kernels']:.3f})")


def summary(out: dict) -> str:
    m, st = out["memory"], out["stages"]
    paper = f" (published {out['published_mw']})" if "published_mw" in out else ""
    lines = [f"power {out['power_mw']:.1f} mW{paper}, rate {out['mean_rate_hz']:.1f} Hz, {out['memory']['synapses']:,} "
             f"synapses",
             "build: " + ", ".join(f"{s} {st[s]['wall_s']:.2f} s" for s in BUILD_STAGES) + f" = {out['build_s']} s",
             f"run {out['ticks']:g} ticks: {st['run']['wall_s']:.1f} s ({out['active_tick']['full_ms_per_tick']:.0f} "
             f"ms/tick; kernels alone {out['active_tick']['kernel_loop_ms_per_tick']:.1f} ms/tick; engine "
             f"{out['context']['args']['engine']}{_rtf(out['active_tick'])})",
             f"peak RSS {m['peak_rss_mib']:.0f} MiB (baseline {m['baseline_rss_mib']:.0f}); programmed "
             f"{m['programmed_bytes']['total'] / 2**20:.0f} MiB; (peak - baseline) / programmed = "
             f"{m['peak_above_baseline_over_programmed']}; peak / programmed = {m['peak_over_programmed']}; "
             f"{m['peak_rss_bytes_per_synapse']} B per synapse at peak"]
    if "idle_tick" in out:
        i = out["idle_tick"]
        lines.append(f"idle tick {i['full_ms_per_tick']:.1f} ms (kernels {i['kernel_loop_ms_per_tick']:.2f} ms); "
                     f"idle / active {out['idle_over_active']}")
    return "\n".join(lines)


def main(argv=None, default_out: str = "truenorth_power.json", default_synapses: int = 128) -> int:
    args = parse(argv, default_out, default_synapses)
    return report_and_write(args.out, run(args), summary)


if __name__ == "__main__":
    raise SystemExit(main())

