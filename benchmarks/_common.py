"""Helpers shared by the benchmark scripts: machine facts, wall clocks, peak memory, multi-chip Loihi systems.

Run the scripts from the repository root (``python benchmarks/bench_a.py``); they import the project
packages from the working tree and this module by its file name.
"""

from __future__ import annotations

import datetime
import os
import platform
import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from emulator.config import ChipConfig, config_from_dict, config_to_dict, load_config
from emulator.files import atomic_write_json

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


def machine_info() -> dict:
    """CPU model, logical CPUs, memory (GiB), Python / NumPy versions, platform and today's date."""
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu_model": cpu_model(), "cpus": os.cpu_count(), "memory_gib": round(mem, 1),
            "python": platform.python_version(), "numpy": np.__version__, "platform": platform.platform(),
            "date": datetime.date.today().isoformat(), "load_average_1min": round(os.getloadavg()[0], 2)}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far [MiB] (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable, *args, **kwargs) -> tuple[object, float]:
    """``(fn(*args, **kwargs), wall seconds)``."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def per_second(count: float, seconds: float) -> float:
    """``count / seconds`` (0 when no time elapsed)."""
    return float(count) / seconds if seconds > 0 else 0.0


def chip_tiling(n_chips: int) -> tuple[int, int]:
    """(chips along x, chips along y): the fewest chips >= ``n_chips``, then the squarest (wider on ties)."""
    best = None
    for cy in range(1, n_chips + 1):
        cx = -(-n_chips // cy)
        key = (cx * cy, abs(cx - cy), -cx)
        if cx >= cy and (best is None or key < best[0]):
            best = (key, (cx, cy))
    return best[1]


def loihi_system(n_chips: int, preset: str = "loihi") -> ChipConfig:
    """A multi-chip Loihi system: ``n_chips`` copies of the preset's mesh tiled into one larger mesh.

    Changes to the preset's dict (everything else unchanged):

    - ``mesh.width`` x chips along x, ``mesh.height`` x chips along y (see :func:`chip_tiling`; 2 chips side
      by side: 16 x 4 tiles, 256 cores);
    - ``energy.static_power_mw`` x the number of chips in the tiling;
    - ``name`` ``loihi-x{N}`` and the description.

    Estimate: chip-to-chip links are modelled as on-chip mesh links (same latency, bandwidth and hop energy;
    real Loihi boards cross chips through slower off-chip links), and the barrier latency stays the one-chip
    figure.
    """
    cx, cy = chip_tiling(n_chips)
    if cx * cy == 1:
        return load_config(preset)
    d = config_to_dict(load_config(preset))
    d["mesh"]["width"] *= cx
    d["mesh"]["height"] *= cy
    d["energy"]["static_power_mw"] *= cx * cy
    d["name"] = f"{d['name']}-x{cx * cy}"
    d["description"] = (f"{cx * cy} Loihi chips ({cx} x {cy}) tiled into one {d['mesh']['width']} x "
                        f"{d['mesh']['height']} mesh; inter-chip links modelled as on-chip links (estimate)")
    return config_from_dict(d, source=f"benchmarks: {preset} x {cx * cy}")


def write_results(path: str | Path, obj: dict) -> Path:
    """Write ``obj`` as JSON atomically (:func:`emulator.files.atomic_write_json`)."""
    return atomic_write_json(path, obj)


__all__ = ["RESULTS", "chip_tiling", "cpu_model", "loihi_system", "machine_info", "peak_rss_mb", "per_second",
           "timed", "write_results"]
