"""Loihi preset energy and latency breakdown: each operation's cost per event equals Davies et al. 2018 Table 2.

A random recurrent network (mapping.synthetic.random_network: 200 inputs, 2,000 LIF neurons, 50 synapses
per source) is mapped onto the Loihi preset with the naive sequential placer and small cores, so it spans many
tiles and every priced operation occurs (synaptic ops, active and inactive neuron updates, packets, hops
east-west and north-south). The script prints, per operation, count x unit cost = energy and the unit cost
recovered from the report (energy / count), which must equal Table 2.

    python benchmarks/loihi_breakdown.py [--ticks 100] [--out benchmarks/results/loihi_breakdown.json]
"""

from __future__ import annotations

import argparse

from chip_configs.events import ENERGY_KEY
from chip_configs.files import atomic_write_json
from chip_configs.schema import load_config
from emulator.chip import Chip
from emulator.table import render_table
from mapping.mapper import map_network
from mapping.synthetic import poisson_inputs, random_network

TABLE2_PJ = {"syn_ops": 23.6, "neuron_updates_active": 81.0, "neuron_updates_inactive": 52.0,
             "packets": 1.7, "hops_ew": 3.0, "hops_ns": 4.0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ticks", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="benchmarks/results/loihi_breakdown.json")
    args = ap.parse_args(argv)

    cfg = load_config("loihi")
    net = random_network(n_inputs=200, n_neurons=2000, fan_out=50, w_input=1.0, seed=args.seed, name="breakdown")
    mapped, _ = map_network(net, cfg, placer="sequential", seed=args.seed, neurons_per_core=20)
    chip = Chip.from_config(cfg, seed=args.seed).program(mapped)
    res = chip.run(poisson_inputs(200, args.ticks, p=0.05, seed=args.seed))
    d = res.report.to_dict()
    m = d["mean"]
    rows, out = [], {}
    for op, pj in m["energy_pj"]["by_op"].items():
        if op == "static":
            continue
        count = m["counts"][op]
        unit = pj / count if count else 0.0
        out[op] = {"count": count, "energy_pj": pj, "unit_pj": unit, "table2_pj": TABLE2_PJ.get(op)}
        rows.append((op, f"{count:,.0f}", f"{unit:.2f}", TABLE2_PJ.get(op, "-"), f"{pj / 1e6:.3f}"))
    print(render_table(rows, header=("operation", "count", "pJ per event", "Table 2 pJ", "energy uJ")))
    lat = m["latency_ns"]
    print(f"\nlatency {lat['total'] / 1e3:.1f} us over {m['ticks']:.0f} ticks: compute {lat['compute'] / 1e3:.1f} us, "
          f"network {lat['network'] / 1e3:.1f} us, barrier {lat['sync'] / 1e3:.1f} us (465 ns per tick, Table 2); "
          f"{d['cores_used']} cores; {m['avg_hops']:.2f} hops per packet")
    record = {"ops": out, "latency_ns": lat, "cores_used": d["cores_used"], "ticks": m["ticks"],
              "avg_hops": m["avg_hops"], "energy_total_pj": m["energy_pj"]["total"],
              "static_pj": m["energy_pj"]["by_op"]["static"], "unit_keys": {e.label: key for e, key in ENERGY_KEY.items()}}
    atomic_write_json(args.out, record)
    mismatched = [op for op, v in out.items() if v["table2_pj"] is not None and v["count"]
                  and abs(v["unit_pj"] - v["table2_pj"]) > 1e-9]
    return 1 if mismatched else 0


if __name__ == "__main__":
    raise SystemExit(main())
