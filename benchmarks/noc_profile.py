"""Where the NoC engine's time goes: cProfile of the Python layer and timings of the kernel on three workloads.

Run: ``python benchmarks/noc_profile.py [--kind fast|flow]``; for the kernel's own hot spots run it under
``perf record -g`` (the extension is built with symbols) or ``valgrind --tool=callgrind``.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

from _common import best_time
from noc_workloads import chip_tick, mesh8_uniform, random_calls

from chip_configs.schema import load_config
from noc.engine import make_engine


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", default="fast")
    ap.add_argument("--profile", action="store_true", help="cProfile the per-call path")
    args = ap.parse_args()
    cfg, src, dst, inject = mesh8_uniform(0.15)
    eng = make_engine(cfg, args.kind)
    res = eng.run(src, dst, inject)
    t = best_time(lambda: eng.run(src, dst, inject), 5)
    print(f"8x8 uniform 0.15: {len(src)} packets {res.hops.sum()} hops {t * 1e3:.2f} ms "
          f"{res.hops.sum() / t / 1e6:.2f} M hops/s")
    tn = load_config("truenorth")
    eng = make_engine(tn, args.kind)
    s, d, i = chip_tick(tn, 20_000)
    res = eng.run(s, d, i)
    t = best_time(lambda: eng.run(s, d, i), 3)
    print(f"truenorth tick 20k: {res.hops.sum()} hops, last cycle {res.cycles}, {t * 1e3:.2f} ms "
          f"{res.hops.sum() / t / 1e6:.2f} M hops/s")
    for preset in ("tiny", "loihi", "truenorth"):
        c = load_config(preset)
        e = make_engine(c, args.kind)
        s, d, i = random_calls(c, 1)
        e.run(s, d, i)
        t = best_time(lambda e=e, s=s, d=d, i=i: e.run(s, d, i), 2000)
        print(f"{preset}: 1 packet {t * 1e6:.2f} us/call")
    if args.profile:
        c = load_config("truenorth")
        e = make_engine(c, args.kind)
        s, d, i = random_calls(c, 1)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(20_000):
            e.run(s, d, i)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
