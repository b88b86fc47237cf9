"""Shared by the TrueNorth chip-scale benchmarks: staged build and run with time and memory per stage.

Memory figures (MiB = 2**20 bytes):

- *peak RSS* of a stage: the process's resident high-water mark during the stage (Linux ``VmHWM``, reset at
  the start of each stage through ``/proc/self/clear_refs``; where that is not allowed, ``ru_maxrss``, an
  upper bound). The run's peak is the largest stage peak.
- *baseline RSS*: resident size after a one-core warm-up build and run, freed again (interpreter, NumPy,
  SimPy, the compiled kernels, lazily imported modules): a fixed cost of the process, not of the chip.
- *programmed bytes*: :meth:`cores.CoreArray.nbytes` ``["total"]``, every array the emulator's cores hold
  after the run: synapses (crossbar bits, axon types, axon -> core map), neuron parameters (records, typed
  weights, initial states), state (membranes, accumulator), delay buffers (pending spike lists as grown by
  the run, per-axon merge buffers) and counters. The routing tables (:class:`emulator.chip.Wiring`) and the
  mapped network are reported beside it, not in it; the crossbar bits are one buffer shared by the mapped
  network and the cores (``programmed_bytes_shared_with_mapped_network``), counted in both figures.
- the issue's bound: ``(peak RSS - baseline RSS) <= 2 x programmed bytes``; both ratios are recorded.
"""

from __future__ import annotations

import contextlib
import gc
import os
import resource
import time
from dataclasses import fields

import numpy as np
from _common import kernel_loop, machine_info

from emulator.chip import Chip
from emulator.workloads import truenorth_operating_point

MIB = 2**20


def _status_mib(field: str) -> float | None:
    """A ``/proc/self/status`` size field (``VmRSS``, ``VmHWM``) in MiB, or None off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the resident high-water mark (Linux >= 4.0); False when not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def rss_mib() -> float:
    """Current resident set size [MiB] (falls back to the peak where /proc is missing)."""
    now = _status_mib("VmRSS")
    return now if now is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class StageMeter:
    """Wall and CPU seconds, RSS before / after and peak RSS of named stages, in order."""

    def __init__(self):
        self.stages: dict[str, dict] = {}

    @contextlib.contextmanager
    def stage(self, name: str):
        reset = _reset_peak()
        rss0, t0, c0 = rss_mib(), time.perf_counter(), time.process_time()
        yield
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = _status_mib("VmHWM") if reset else None
        peak = peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stages[name] = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "rss_before_mib": round(rss0, 1),
                             "rss_after_mib": round(rss_mib(), 1), "peak_rss_mib": round(peak, 1)}

    def peak(self, names) -> float:
        """Largest peak RSS [MiB] over the stages ``names``."""
        return max(self.stages[n]["peak_rss_mib"] for n in names)


def array_bytes(obj) -> int:
    """Bytes of the array buffers reachable from ``obj`` through dataclass fields, dicts, lists and tuples.

    A view counts its whole base buffer (which it keeps alive), and a buffer shared by several cores counts
    once.
    """
    seen: dict[int, int] = {}
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, np.ndarray):
            while isinstance(x.base, np.ndarray):
                x = x.base
            seen[id(x)] = x.nbytes
        elif isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif hasattr(x, "__dataclass_fields__"):
            stack.extend(getattr(x, f.name) for f in fields(x))
    return sum(seen.values())


def build_chip(cfg, meter: StageMeter, seed: int, **workload) -> tuple[Chip, object]:
    """Workload generation and Chip.program's three stages, each measured; returns (chip, mapped)."""
    with meter.stage("workload"):
        mapped = truenorth_operating_point(cfg, seed=seed, **workload)
    chip = Chip.from_config(cfg, seed=seed)
    with meter.stage("check"):
        chip.check_program(mapped)
    with meter.stage("cores"):
        chip.load_cores(mapped)
    with meter.stage("wiring"):
        chip.load_wiring(mapped)
    return chip, mapped


def tick_costs(chip: Chip, meter: StageMeter, ticks: int, prefix: str) -> dict:
    """Full hardware-model run and the core kernels alone over ``ticks`` empty-input ticks, per tick."""
    with meter.stage(f"{prefix}run"):
        result = chip.run(None, ticks=ticks)
    with meter.stage(f"{prefix}kernels"):
        k = kernel_loop(chip, np.zeros((ticks, chip.mapped.n_inputs), np.int8))
    run = meter.stages[f"{prefix}run"]
    counts = k["counts"]
    return {"result": result, "full_ms_per_tick": 1e3 * run["wall_s"] / ticks,
            "full_cpu_ms_per_tick": 1e3 * run["cpu_s"] / ticks,
            "kernel_loop_ms_per_tick": 1e3 * k["loop_s"] / ticks, "kernel_step_ms_per_tick": 1e3 * k["step_s"] / ticks,
            "kernel_syn_events": int(counts[0]), "kernel_spikes": int(counts[3])}


def memory_summary(chip: Chip, mapped, meter: StageMeter, baseline_mib: float, stages) -> dict:
    """Programmed bytes, peak RSS and their ratios (see the module docstring)."""
    prog = chip.cores.nbytes()
    peak = meter.peak(stages)
    n_syn = int(sum(mc.program.n_synapses for mc in mapped.cores))
    return {
        "synapses": n_syn,
        "programmed_bytes": prog,
        "programmed_bytes_shared_with_mapped_network": chip.cores.shared_bytes(),
        "wiring_bytes": array_bytes(chip.wiring),
        "mapped_network_bytes": array_bytes(mapped),
        "baseline_rss_mib": round(baseline_mib, 1),
        "peak_rss_mib": peak,
        "peak_over_programmed": round(peak * MIB / prog["total"], 3),
        "peak_above_baseline_over_programmed": round((peak - baseline_mib) * MIB / prog["total"], 3),
        "programmed_bytes_per_synapse": round(prog["total"] / n_syn, 4),
        "peak_rss_bytes_per_synapse": round(peak * MIB / n_syn, 4),
    }


def process_baseline_mib(cfg) -> float:
    """RSS after a one-core warm-up build and run (every module, compiled kernel and lazy import loaded),
    with the warm-up chip freed: the process's fixed cost."""
    chip, _ = build_chip(cfg, StageMeter(), 0, n_cores=1)
    chip.run(None, ticks=2)
    del chip
    gc.collect()
    return rss_mib()


def idle_costs(cfg, meter: StageMeter, seed: int, ticks: int, n_cores: int | None) -> dict:
    """Per-tick cost of the same chip at rest (leak 0, v = 0, no input: no spike ever)."""
    gc.collect()
    chip, _ = build_chip(cfg, StageMeter(), seed, rate_hz=0, n_cores=n_cores)
    out = tick_costs(chip, meter, ticks, "idle_")
    spikes = int(out.pop("result").report.to_dict()["mean"]["counts"]["spikes"])
    return out | {"spikes": spikes}


def context(args) -> dict:
    """Machine, load and arguments of this run (the machine is shared: other work may be running)."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    recorded = vars(args) | {"out": os.path.relpath(os.path.abspath(args.out), repo)}
    return {"machine": machine_info(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "args": recorded}


__all__ = ["MIB", "StageMeter", "array_bytes", "build_chip", "context", "idle_costs", "memory_summary",
           "process_baseline_mib", "rss_mib", "tick_costs"]
