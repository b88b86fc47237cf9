"""Helpers shared by the benchmark scripts: machine facts, wall clocks, peak memory, the kernels-alone loops.

Multi-chip systems are presets now (``loihi-kapoho-bay``, ``loihi-nahuku32``: chip_configs/, issue 16), with
their off-chip links; the stitched ``loihi_system`` mesh that priced a chip-to-chip link as an on-chip one is gone.

Run the scripts from the repository root (``python benchmarks/bench_a.py``); they import the project
packages from the working tree and this module by its file name.
"""

from __future__ import annotations

import datetime
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from chip_configs.files import atomic_write_json

RESULTS = Path(__file__).resolve().parent / "results"


def cpu_model() -> str:
    """The CPU model name (``lscpu``'s "Model name"), read from /proc/cpuinfo."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def code_revision() -> str:
    """The measured tree's git commit (``+dirty`` with uncommitted changes); else $NEUROMESH_REV or unknown."""
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("NEUROMESH_REV", "unknown")


def machine_info() -> dict:
    """CPU model, logical CPUs, memory (GiB), Python / NumPy versions, platform and today's date."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu_model": cpu_model(), "cpus": os.cpu_count(), "memory_gib": round(mem, 1),
            "python": platform.python_version(), "numpy": np.__version__, "platform": platform.platform(),
            "date": datetime.date.today().isoformat(), "load_average_1min": round(os.getloadavg()[0], 2),
            "code_revision": code_revision()}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far [MiB] (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable, *args, **kwargs) -> tuple[object, float]:
    """``(fn(*args, **kwargs), wall seconds)``."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def best_time(fn: Callable, repeats: int) -> float:
    """Best wall time of ``repeats`` calls of ``fn`` (s): the least disturbed by other work on the machine."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def per_second(count: float, seconds: float) -> float:
    """``count / seconds`` (0 when no time elapsed)."""
    return float(count) / seconds if seconds > 0 else 0.0


def kernel_loop(chip, spikes: np.ndarray) -> dict:
    """The core kernels alone over ``spikes`` [T, n_in], in the simulator's order: step, inputs, spikes.

    Returns wall seconds (whole loop and ``step`` alone), the cores' counters and the output raster.
    """
    cores, w = chip.cores, chip.wiring
    cores.reset()
    is_out = np.full(cores.n_neurons, -1, np.int64)
    is_out[w.out_neuron] = np.arange(w.out_neuron.size)
    raster = np.zeros((spikes.shape[0], w.out_neuron.size), np.int8)
    step_s = 0.0
    t_start = time.perf_counter()
    for t in range(spikes.shape[0]):
        t0 = time.perf_counter()
        fired = cores.step()
        step_s += time.perf_counter() - t0
        row = spikes[t]
        lines = np.flatnonzero(row)
        if lines.size:
            cores.schedule_rows(w.in_ptr, w.in_axon, w.in_delay, lines, row[lines])
        if fired.size:
            o = is_out[fired]
            raster[t, o[o >= 0]] = 1
            cores.schedule_rows(w.dest_ptr, w.dest_axon, w.dest_delay, fired)
    loop_s = time.perf_counter() - t_start
    return {"loop_s": loop_s, "step_s": step_s, "counts": cores.total_counts.sum(axis=0), "raster": raster}


def fused_kernel_loop(chip, spikes: np.ndarray, repeats: int = 3) -> dict:
    """The core kernels alone in the fused loop of the ``loads`` engine (:mod:`emulator.fused`): pre-folded
    synapses and the Loihi neuron updates over ``spikes`` [T, n_in], no events, NoC or timing. The fastest of
    ``repeats`` runs; wall seconds, the per-tick counters' totals and the output raster."""
    from emulator.simulator import Probes

    plan = chip.fused_plan()
    best = None
    for _ in range(max(repeats, 1)):
        chip.cores.reset()
        plan.kernel.reset()
        t0 = time.perf_counter()
        rec = plan.run_inference(spikes, Probes(), timed=False)
        loop_s = time.perf_counter() - t0
        if best is None or loop_s < best["loop_s"]:
            best = {"loop_s": loop_s, "counts": rec.per_tick.sum(axis=0)[:4], "raster": rec.out_spikes}
    best["repeats"] = max(repeats, 1)
    return best


def write_results(path: str | Path, obj: dict) -> Path:
    """Write ``obj`` as JSON atomically (:func:`chip_configs.files.atomic_write_json`)."""
    return atomic_write_json(path, obj)


def report_and_write(out_path: str | Path, out: dict, summary) -> int:
    """The end of a benchmark's ``main``: ``out`` written to ``out_path``, ``summary(out)`` printed, the path
    named on stderr; exit status 0."""
    write_results(out_path, out)
    print(summary(out))
    print(f"-> {out_path}", file=sys.stderr)
    return 0


__all__ = ["RESULTS", "code_revision", "cpu_model", "fused_kernel_loop", "kernel_loop", "machine_info", "peak_rss_mb",
           "per_second", "report_and_write", "timed", "write_results"]
