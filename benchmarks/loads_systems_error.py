"""The loads estimate's error on random systems of chips, against the cycle-exact engine (issue 16).

Random programmed two-chip systems (the generator of the property tests, ``tests.emulator.random_chips``: used
cores, crossbars, parameters and destinations drawn at random, so about half the traffic crosses the chip
edge) of small 3 x 2 chips (2 cores per router), side by side or stacked, under three off-chip links; random
input spikes (p = 0.7, two spikes per line), 2 inferences of 30 ticks. For comparison the same generator on one
small chip. Per case: latency per inference, and per tick the work end ``max(compute, network end)`` (what a
fixed period is checked against), loads against the exact engine.

    python benchmarks/loads_systems_error.py            # -> results/loads_systems_error.json
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import RESULTS, machine_info, write_results

from chip_configs.schema import config_from_dict, config_to_dict
from emulator.chip import Chip
from tests.emulator.random_chips import random_inputs, random_mapped, small_config

# off-chip links: (latency cycles, serialisation cycles per flit)
LINKS = ((4, 3), (8, 4), (2, 2))


def system(chips_x: int, chips_y: int, latency: int, serialisation: int):
    """A system of small_config chips with the given off-chip link."""
    link = {"latency_cycles": latency, "serialisation_cycles_per_flit": serialisation, "energy_pj_per_flit": 50.0}
    return config_from_dict({"name": f"small-{chips_x}x{chips_y}", "system": {
        "chip": config_to_dict(small_config("loihi_lif")), "chips_x": chips_x, "chips_y": chips_y, "off_chip": link}})


def errors(cfg, seed: int) -> dict:
    """Latency per inference and per-tick work-end errors (relative, signed) of loads against fast."""
    mapped = random_mapped(cfg, 200 + seed)
    spikes = random_inputs(200 + seed, 2, 30, mapped.n_inputs, p=0.7) * 2
    runs = {e: Chip.from_config(cfg, seed=seed, noc_engine=e).program(mapped).run(spikes, progress=False)
            for e in ("fast", "loads")}
    ex, lo = (np.stack([r.tick_ns for r in runs[e].records]) for e in ("fast", "loads"))
    work_ex, work_lo = ex[..., 1] + ex[..., 2], lo[..., 1] + lo[..., 2]
    per_tick = (work_lo - work_ex) / work_ex
    off = runs["fast"].report.mean.off_chip
    return {"seed": seed, "latency": float(lo[..., 0].sum() / ex[..., 0].sum() - 1),
            "work_tick_low": float(per_tick.min()), "work_tick_high": float(per_tick.max()),
            "off_chip_flit_share": float(off.flits_off_chip / max(off.flits_off_chip + off.flits_on_chip, 1))
            if off is not None else 0.0}


def summary(rows: list[dict]) -> dict:
    lat = np.array([r["latency"] for r in rows])
    return {"cases": len(rows), "latency_mean": float(lat.mean()), "latency_low": float(lat.min()),
            "latency_high": float(lat.max()), "latency_abs_mean": float(np.abs(lat).mean()),
            "work_tick_low": float(min(r["work_tick_low"] for r in rows)),
            "work_tick_high": float(max(r["work_tick_high"] for r in rows))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--json", default=str(RESULTS / "loads_systems_error.json"))
    args = ap.parse_args(argv)
    groups = {"one small chip": [small_config("loihi_lif")]}
    for lx, s in LINKS:
        groups[f"2 x 1 chips, Lx {lx}, s {s}"] = [system(2, 1, lx, s)]
        groups[f"1 x 2 chips, Lx {lx}, s {s}"] = [system(1, 2, lx, s)]
    out = {"machine": machine_info(), "groups": {}}
    every = []
    print("| systems | cases | latency per inference: mean (mean abs), low .. high | work end per tick: low .. high |")
    print("|---|---|---|---|")
    for name, cfgs in groups.items():
        rows = [errors(cfg, seed) for cfg in cfgs for seed in range(args.seeds)]
        s = summary(rows)
        out["groups"][name] = {"summary": s, "cases": rows}
        if name != "one small chip":
            every += rows
        print(f"| {name} | {s['cases']} | {100 * s['latency_mean']:+.1f} % ({100 * s['latency_abs_mean']:.1f} %), "
              f"{100 * s['latency_low']:+.1f} .. {100 * s['latency_high']:+.1f} % | {100 * s['work_tick_low']:+.1f} .. "
              f"{100 * s['work_tick_high']:+.1f} % |")
    s = out["systems"] = summary(every)
    print(f"| all systems | {s['cases']} | {100 * s['latency_mean']:+.1f} % ({100 * s['latency_abs_mean']:.1f} %), "
          f"{100 * s['latency_low']:+.1f} .. {100 * s['latency_high']:+.1f} % | {100 * s['work_tick_low']:+.1f} .. "
          f"{100 * s['work_tick_high']:+.1f} % |")
    print(f"wrote {write_results(args.json, out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
