"""Cost of one ``FastNoc.run`` call, as the chip emulator makes it once per tick.

Times a call with 1, 100 and 1000 random packets on the three presets (median of repeated calls, warm
engine) and writes ``benchmarks/results/noc_call_overhead.json``. Run: ``python benchmarks/noc_call_overhead.py``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from chip_configs.files import atomic_write_json
from chip_configs.schema import load_config
from noc.engine import make_engine

RESULTS = Path(__file__).resolve().parent / "results"


def time_call(preset: str, n: int) -> dict:
    cfg = load_config(preset)
    engine = make_engine(cfg, "fast")
    rng = np.random.default_rng(0)
    src = rng.integers(0, cfg.num_cores, n).astype(np.int32)
    dst = rng.integers(0, cfg.num_cores, n).astype(np.int32)
    inject = np.sort(rng.integers(0, 100, n)).astype(np.int64)  # requests spread over 100 cycles
    engine.run(src, dst, inject)
    times = []
    for _ in range(max(5, 2000 // n)):
        t0 = time.perf_counter()
        res = engine.run(src, dst, inject)
        times.append(time.perf_counter() - t0)
    t = float(np.median(times))
    return {"preset": preset, "packets": n, "hops": int(res.hops.sum()), "us_per_call": t * 1e6,
            "hops_per_s": int(res.hops.sum()) / t}


def main() -> None:
    rows = [time_call(p, n) for p in ("tiny", "loihi", "truenorth") for n in (1, 100, 1000)]
    for r in rows:
        print(f"{r['preset']:10s} {r['packets']:5d} packets {r['us_per_call']:9.1f} us/call "
              f"{r['hops_per_s'] / 1e6:6.2f} M hops/s")
    atomic_write_json(RESULTS / "noc_call_overhead.json", {"date": time.strftime("%Y-%m-%d"), "calls": rows})


if __name__ == "__main__":
    main()
