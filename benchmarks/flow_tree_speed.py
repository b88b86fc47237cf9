"""Cost of the flow model's tree-saturation step on a saturated system of chips (issue 16 follow-up); writes
``benchmarks/results/flow_tree_speed.json``.

One call of 22,000 packets to uniformly random cores of ``loihi-kapoho-bay``, requested over 3,500 cycles (its
off-chip link saturates: most crossing packets queue there). Timed in one process, best of ``--repeats``:

- ``exact``: the cycle-exact engine (``fast``);
- ``flow``: the flow engine with the compiled off-chip queue and tree-saturation steps
  (``noc._flow_kernels.TreeSaturation``);
- ``flow_numpy_tree``: the same with both steps' NumPy specifications (``noc.flow_engine.off_chip_waits`` and
  ``tree_saturation_waits``, what ``flow`` ran before they were compiled);
- ``flow_no_tree``: NumPy off-chip queue, no tree step (``flow`` before tree saturation was priced);
- each step alone, compiled and NumPy, on the same inputs.

The compiled and NumPy variants must give identical deliveries (checked). Run:
``python benchmarks/flow_tree_speed.py`` (about 10 s).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from _common import best_time, machine_info

import noc.flow_engine as fe
from chip_configs.files import atomic_write_json
from chip_configs.schema import load_config
from noc.contention import off_chip_service_time
from noc.engine import make_engine

RESULTS = Path(__file__).resolve().parent / "results"


def traffic(cfg, n: int, span: int, seed: int = 0):
    """``n`` packets between uniformly random cores, requested uniformly over ``span`` cycles (int arrays)."""
    rng = np.random.default_rng(seed)
    src, dst = (rng.integers(0, cfg.num_cores, n).astype(np.int32) for _ in range(2))
    return src, dst, rng.integers(0, span, n).astype(np.int64)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--system", default="loihi-kapoho-bay")
    ap.add_argument("--packets", type=int, default=22_000)
    ap.add_argument("--span", type=int, default=3_500)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json", default=str(RESULTS / "flow_tree_speed.json"))
    args = ap.parse_args(argv)
    cfg = load_config(args.system)
    src, dst, inject = traffic(cfg, args.packets, args.span)
    exact, flow = make_engine(cfg, "fast"), make_engine(cfg, "flow")
    numpy_tree = make_engine(cfg, "flow")
    numpy_tree._tree = None                                    # the NumPy specification of the step
    topo, p = flow.topology, flow.params
    w_off = fe.off_chip_waits(topo, p, src, dst, inject)
    out = {"benchmark": "flow_tree_speed", "system": args.system, "packets": args.packets, "span": args.span,
           "repeats": args.repeats, "machine": machine_info(),
           "queued_packets": int((w_off > 0).sum()), "seconds": {}}
    a, b = flow.run(src, dst, inject), numpy_tree.run(src, dst, inject)
    assert np.array_equal(a.deliver_cycle, b.deliver_cycle), "compiled and NumPy tree steps differ"
    kernel = fe.tree_saturation_kernel(topo, p)
    s_off = off_chip_service_time(p)
    assert np.array_equal(kernel.off_chip_waits(src, dst, inject, s_off), w_off), "off-chip steps differ"
    s = out["seconds"]
    s["exact"] = best_time(lambda: exact.run(src, dst, inject), args.repeats)
    s["flow"] = best_time(lambda: flow.run(src, dst, inject), args.repeats)
    s["flow_numpy_tree"] = best_time(lambda: numpy_tree.run(src, dst, inject), args.repeats)
    spec = fe.tree_saturation_waits
    fe.tree_saturation_waits = lambda topo, p, src, dst, inject, w_off: np.zeros(len(src), np.int64)
    try:
        s["flow_no_tree"] = best_time(lambda: numpy_tree.run(src, dst, inject), args.repeats)
    finally:
        fe.tree_saturation_waits = spec
    s["tree_step_compiled"] = best_time(lambda: kernel.waits(src, dst, inject, w_off), args.repeats)
    s["tree_step_numpy"] = best_time(lambda: spec(topo, p, src, dst, inject, w_off), args.repeats)
    s["off_chip_step_compiled"] = best_time(lambda: kernel.off_chip_waits(src, dst, inject, s_off), args.repeats)
    s["off_chip_step_numpy"] = best_time(lambda: fe.off_chip_waits(topo, p, src, dst, inject), args.repeats)
    out["load_average_1min_after"] = round(__import__("os").getloadavg()[0], 2)
    atomic_write_json(args.json, out)
    print(f"{args.system}, {args.packets} packets over {args.span} cycles ({out['queued_packets']} queued "
          f"off chip), best of {args.repeats}, {out['machine']['cpu_model']}, load "
          f"{out['machine']['load_average_1min']} -> {out['load_average_1min_after']}:")
    for k, v in s.items():
        print(f"  {k:20s} {1e3 * v:8.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
