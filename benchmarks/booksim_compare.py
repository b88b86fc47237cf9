"""Our exact NoC engine beside BookSim2's ``iq`` router: zero-load latency and saturation throughput per case.

Cases: 8 x 8 and 4 x 4 meshes; uniform, transpose, bitcomp and tornado traffic; 1, 2 and 4 VCs; 1- and 4-flit
packets; 4- and 8-flit VC buffers; 3- and 4-stage router pipelines (``--full``: all 192; default: the 48 with
4-flit buffers and the 3-stage pipeline, plus the 4-stage pipeline with 8-flit buffers on uniform traffic: 60).
Our chip is ``benchmarks/booksim_iq.yaml`` with the case's mesh, VCs, packet size, buffer depth and pipeline
(3 stages: ``router_pipeline_cycles`` 3, ``vc_setup_cycles`` 1; 4 stages: 4 and 2; in both ``credit_return:
flit``, ``vc_realloc_cycles`` 1, ``credit_delay_cycles`` 2, ``injection_credit_cycles`` 1, ``switch_allocator:
islip``, ``vc_binding: at_vc_allocation``). ``--full`` took about 15 minutes on a shared 2-core machine (BookSim's
runs); our side alone about half a minute. ``--booksim-option LINE`` adds a line to every BookSim configuration
(e.g. ``hold_switch_for_packet = 1``) and ``--out`` names the results file, for experiments on BookSim's rules.

Both sides are measured the same way:

- **zero-load latency**: mean packet latency (creation to tail delivery, source queueing included) at
  0.005 packets/node/cycle (BookSim: ``sim_type = latency``, its warm-up and convergence; ours: 1,000 cycles of
  warm-up, 20,000 measured, drained);
- **saturation throughput**: accepted packets per node per cycle with every node offering one flit per cycle
  (far beyond saturation; BookSim: ``sim_type = throughput``, ``injection_rate_uses_flits = 1``,
  ``injection_rate = 1``, accepted packet rate over its measurement window; ours: accepted over 6,000 cycles
  after 3,000 of warm-up).

Run: ``python benchmarks/booksim_compare.py [--booksim /work/booksim2/src/booksim] [--full]``; ``--curves``:
latency against offered load on 8 x 8 uniform, one and two VCs, to ``benchmarks/results/booksim_curves.json``. Without
``--booksim``, BookSim's figures are taken from the existing ``benchmarks/results/booksim_compare.json``
(BookSim is neither packaged nor committed: build it from github.com/booksim/booksim2, ``make`` in ``src/``).
Writes ``benchmarks/results/booksim_compare.json`` and prints the Markdown table of ``noc/README.md``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import re
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from chip_configs.files import atomic_write_json
from chip_configs.schema import ChipConfig, config_from_dict, config_to_dict, load_config
from noc.engine import make_engine
from noc.model import RouterParams
from noc.sweep import measure_rate
from noc.topology import MeshTopology
from noc.traffic import make_pattern

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "booksim_iq.yaml"
RESULTS = HERE / "results" / "booksim_compare.json"
MESHES, TRAFFIC, VCS, FLITS, DEPTHS, STAGES = (8, 4), ("uniform", "transpose", "bitcomp", "tornado"), (1, 2, 4), \
    (1, 4), (4, 8), (3, 4)
ZERO_RATE, SEED = 0.005, 1
ZERO_WARMUP, ZERO_CYCLES = 1_000, 20_000
SAT_WARMUP, SAT_CYCLES = 3_000, 6_000
# BookSim's pipeline per stage count: routing_delay (0 = lookahead routing), and our (P, S)
PIPELINES = {4: (1, (4, 2)), 3: (0, (3, 1))}


def cases(full: bool) -> list[dict]:
    """The (mesh, traffic, vcs, flits, depth, stages) cases, as dicts with a ``key``."""
    out = []
    for k, tr, v, f, d, s in itertools.product(MESHES, TRAFFIC, VCS, FLITS, DEPTHS, STAGES):
        default = (d, s) == (4, 3) or ((d, s) == (8, 4) and tr == "uniform")
        if full or default:
            out.append({"key": f"{k}x{k} {tr} V{v} F{f} D{d} P{s}", "k": k, "traffic": tr, "vcs": v, "flits": f,
                        "depth": d, "stages": s})
    return out


# ----- our side -------------------------------------------------------------------------------------------

def our_config(case: dict) -> ChipConfig:
    """``booksim_iq.yaml`` set up as the case (mesh, VCs, packet size, buffer, pipeline and VC setup)."""
    data = config_to_dict(load_config(str(CONFIG)))
    data["mesh"].update(width=case["k"], height=case["k"], num_cores=None)
    pipeline, setup = PIPELINES[case["stages"]][1]
    data["noc"].update(router_pipeline_cycles=pipeline, vc_setup_cycles=setup, virtual_channels=case["vcs"],
                       buffer_depth_flits=case["depth"], packet_bits=32 * case["flits"])
    return config_from_dict(data)


def ours(case: dict) -> dict:
    """Our zero-load latency (cycles) and saturation throughput (packets/node/cycle) for ``case``."""
    cfg = our_config(case)
    topo, params = MeshTopology.from_config(cfg), RouterParams.from_config(cfg)
    engine, pattern = make_engine(cfg, "fast"), make_pattern(case["traffic"], topo)
    zero = measure_rate(engine, topo, params, pattern, ZERO_RATE, ZERO_CYCLES, ZERO_WARMUP, ZERO_CYCLES, SEED)
    sat = measure_rate(engine, topo, params, pattern, 1.0 / case["flits"], SAT_CYCLES, SAT_WARMUP, 0, SEED)
    return {"zero_load": zero["avg_latency_cycles"], "saturation": sat["accepted_rate"]}


# ----- BookSim's side -------------------------------------------------------------------------------------

BOOKSIM_OPTIONS: list[str] = []  # extra BookSim lines (``--booksim-option``), e.g. ``hold_switch_for_packet = 1``


def booksim_config(case: dict, zero_load: bool) -> str:
    """BookSim2 configuration text for ``case`` (its defaults otherwise: islip allocators, one iteration), then
    the ``--booksim-option`` lines."""
    routing_delay = PIPELINES[case["stages"]][0]
    run = (f"sim_type = latency;\ninjection_rate = {ZERO_RATE:g};\n" if zero_load else
           "sim_type = throughput;\ninjection_rate_uses_flits = 1;\ninjection_rate = 1.0;\n")
    return (f"topology = mesh;\nk = {case['k']};\nn = 2;\nrouting_function = dim_order;\n"
            f"num_vcs = {case['vcs']};\nvc_buf_size = {case['depth']};\npacket_size = {case['flits']};\n"
            f"traffic = {case['traffic']};\nrouting_delay = {routing_delay};\nseed = {SEED};\n" + run
            + "".join(f"{line};\n" for line in BOOKSIM_OPTIONS))


def booksim_run(binary: str, text: str, workdir: Path) -> dict:
    """Run BookSim on ``text``; the final (overall) averages it prints."""
    path = workdir / "case.cfg"
    path.write_text(text)
    out = subprocess.run([binary, str(path)], capture_output=True, text=True, timeout=600).stdout
    figs = {}
    for name, key in (("Packet latency average", "latency"), ("Accepted packet rate average", "accepted")):
        found = re.findall(rf"{name} = ([0-9.eE+-]+) \(\d+ samples\)", out)
        figs[key] = float(found[-1]) if found else float("nan")
    return figs


def booksim(binary: str, case: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        zero = booksim_run(binary, booksim_config(case, True), Path(tmp))
        sat = booksim_run(binary, booksim_config(case, False), Path(tmp))
    return {"zero_load": zero["latency"], "saturation": sat["accepted"]}


# ----- latency curves (--curves) --------------------------------------------------------------------------

CURVES = {  # case key: offered rates (packets/node/cycle)
    "8x8 uniform V1 F1 D4 P3": [0.02, 0.05, 0.08, 0.1, 0.12, 0.14, 0.15, 0.16, 0.17, 0.18],
    "8x8 uniform V2 F1 D4 P3": [0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.28, 0.3, 0.32, 0.34, 0.36],
}
CURVE_WARMUP, CURVE_CYCLES = 3_000, 10_000


def curve_point(case: dict, rate: float, binary: str | None) -> dict:
    """Average latency and accepted rate at ``rate``: ours (``noc-sweep``'s measurement) and BookSim's
    (``sim_type = latency``; None where it declares the rate unstable)."""
    cfg = our_config(case)
    topo, params = MeshTopology.from_config(cfg), RouterParams.from_config(cfg)
    row = measure_rate(make_engine(cfg, "fast"), topo, params, make_pattern(case["traffic"], topo), rate,
                       CURVE_CYCLES, CURVE_WARMUP, CURVE_CYCLES, SEED)
    point = {"rate": rate, "ours_latency": row["avg_latency_cycles"], "ours_accepted": row["accepted_rate"],
             "ours_saturated": row["saturated"]}
    if binary:
        text = booksim_config(case, True).replace(f"injection_rate = {ZERO_RATE:g};", f"injection_rate = {rate:g};")
        with tempfile.TemporaryDirectory() as tmp:
            figs = booksim_run(binary, text, Path(tmp))
        ok = figs["latency"] == figs["latency"]  # NaN: "Simulation unstable"
        point.update(booksim_latency=figs["latency"] if ok else None, booksim_accepted=figs["accepted"] if ok else None)
    return point


def curves(binary: str | None) -> dict:
    by_key = {c["key"]: c for c in cases(True)}
    return {key: [curve_point(by_key[key], r, binary) for r in rates] for key, rates in CURVES.items()}


# ----- comparison -----------------------------------------------------------------------------------------

def compare(row: dict) -> dict:
    """Errors: zero-load in cycles (ours - BookSim), saturation in per cent of BookSim's."""
    o, b = row["ours"], row.get("booksim")
    if not b:
        return row
    row["zero_load_error_cycles"] = o["zero_load"] - b["zero_load"]
    row["saturation_error_pct"] = 100.0 * (o["saturation"] - b["saturation"]) / b["saturation"]
    return row


def table(rows: list[dict]) -> str:
    lines = ["| case | zero-load ours / BookSim (cycles) | error | saturation ours / BookSim (packets/node/cycle) "
             "| error |", "|---|---|---|---|---|"]
    for r in rows:
        o, b = r["ours"], r.get("booksim") or {"zero_load": float("nan"), "saturation": float("nan")}
        lines.append(f"| {r['key']} | {o['zero_load']:.2f} / {b['zero_load']:.2f} | "
                     f"{r.get('zero_load_error_cycles', float('nan')):+.2f} | {o['saturation']:.4f} / "
                     f"{b['saturation']:.4f} | {r.get('saturation_error_pct', float('nan')):+.1f} % |")
    return "\n".join(lines)


def summary(rows: list[dict]) -> dict:
    done = [r for r in rows if "saturation_error_pct" in r]
    if not done:
        return {}
    zero = np.array([abs(r["zero_load_error_cycles"]) for r in done])
    sat = np.array([abs(r["saturation_error_pct"]) for r in done])
    return {"cases": len(done), "zero_load_max_abs_error_cycles": float(zero.max()),
            "zero_load_within_1_cycle": int((zero <= 1).sum()), "saturation_max_abs_error_pct": float(sat.max()),
            "saturation_mean_abs_error_pct": float(sat.mean()), "saturation_within_10_pct": int((sat <= 10).sum())}


def previous_rows(path: Path = RESULTS) -> dict:
    """The rows of the last results in ``path`` by key (empty if none)."""
    if not path.exists():
        return {}
    return {r["key"]: r for r in json.loads(path.read_text())["rows"]}


def merged(rows: list[dict], old: dict) -> list[dict]:
    """``rows``, and the old rows of the cases not run this time (``--only``), in case order."""
    new = {r["key"]: r for r in rows}
    keys = [c["key"] for c in cases(True)]
    return [new.get(k) or old[k] for k in keys if k in new or k in old]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--booksim", help="path of a BookSim2 binary (else BookSim's figures from the last results)")
    ap.add_argument("--full", action="store_true", help="all 192 cases (default: 60)")
    ap.add_argument("--only", default="", help="run only the cases whose key contains this text")
    ap.add_argument("--curves", action="store_true", help="also latency curves of two cases (ours and BookSim's)")
    ap.add_argument("--booksim-option", action="append", default=[], metavar="LINE",
                    help="an extra BookSim configuration line (repeatable), e.g. 'hold_switch_for_packet = 1'")
    ap.add_argument("--out", type=Path, default=RESULTS, help=f"results file (default {RESULTS.name})")
    args = ap.parse_args(argv)
    BOOKSIM_OPTIONS[:] = args.booksim_option
    if args.curves:
        out = curves(args.booksim)
        atomic_write_json(RESULTS.with_name("booksim_curves.json"), out)
        print(json.dumps(out, indent=1))
        return 0
    old, rows, t0 = previous_rows(args.out), [], time.time()
    for case in cases(args.full):
        if args.only not in case["key"]:
            continue
        row = {"key": case["key"], "case": {k: v for k, v in case.items() if k != "key"}, "ours": ours(case)}
        row["booksim"] = booksim(args.booksim, case) if args.booksim else old.get(case["key"], {}).get("booksim")
        rows.append(compare(row))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    rows = merged(rows, old)
    atomic_write_json(args.out, {
        "machine": f"{platform.processor() or platform.machine()}, {platform.system()}", "seconds": time.time() - t0,
        "config": str(CONFIG.relative_to(HERE.parent)), "booksim_options": BOOKSIM_OPTIONS, "summary": summary(rows),
        "rows": rows})
    print(table(rows))
    print(json.dumps(summary(rows), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
