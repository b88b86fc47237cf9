"""A TrueNorth workload on NeuroMesh and on SANA-FE side by side, built from one description, run in one process.

The description is :func:`emulator.workloads.truenorth_operating_point` on ``--cores`` cores (default 64 of
256 neurons: 16,384 neurons, 128 random crossbar connections per neuron, each neuron targeting one axon of the
used cores, leak +1 per tick and threshold alpha = 50: a 20 Hz clock at the 1 ms tick, axon types 0 / 1 with
weights +1 / -1), with one change: **every neuron starts at V = 0** (SANA-FE's ``truenorth`` soma has no
initial-potential attribute, so the operating point's random v0 cannot be given to it). The chip is
therefore silent for 49 ticks, fires all at once, then spreads out as the +-1 inputs jitter the membranes.

SANA-FE (``pip install sanafe``, Boyle et al., its bundled ``truenorth.yaml`` architecture: a 64 x 64 mesh of
one-core tiles, ``truenorth`` soma, ``current_based`` synapses, ``accumulator`` dendrites) gets the same
network neuron to neuron: source neuron ``i`` targets axon ``a`` of core ``c``, so it connects to every neuron
``j`` of core ``c`` whose crossbar bit ``[a, j]`` is set, with weight ``weights[j, type(a)]``; neuron ``k`` of
NeuroMesh core ``c`` is mapped to SANA-FE core ``c``. The soma: ``threshold`` alpha, hard reset to 0, ``leak``
+1 away from zero (``leak_towards_zero: false``), ``reverse_threshold`` -beta with ``saturate`` (NeuroMesh's
kappa = 1: V < -beta -> -beta). Both integrate a spike of tick t at tick t + 1, so the spike counts are
expected to be equal (they are compared).

Reported for both: build seconds, resident-memory growth of the build and run (in one process a later run
reuses memory an earlier one freed: read only the first SANA-FE run's figure; NeuroMesh also reports its
programmed bytes), run seconds for ``--ticks`` ticks, spikes, synaptic events (NeuroMesh:
``syn_ops``; SANA-FE: its per-timestep ``spikes`` perf counter, one per synapse processed), the
**synaptic-event rate** (events per wall second of the run) and the energy estimate. SANA-FE's bundled
architecture prices every operation at 0 J, so its energy there is 0; a second SANA-FE run prices synaptic
events and hops as the NeuroMesh preset does (26 pJ, 2.3 pJ: ``energy_process_spike``, ``energy_*_hop`` of a
copy of the bundled YAML), so that the two energy estimates can be compared. SANA-FE runs with
``processing_threads=1`` (one core, like NeuroMesh's stepped loop); ``--sanafe-threads`` changes it.

SANA-FE is not a NeuroMesh dependency. It is imported in this process when this Python has it; else from
``--sanafe-site DIR`` (the ``site-packages`` of another environment of the same Python version, e.g. a scratch
venv: ``python3 -m venv /work/scratch-sanafe && /work/scratch-sanafe/bin/pip install sanafe``); else, with
``--sanafe-python PATH`` (an interpreter that has it), the same code (:mod:`_sanafe_worker`, standard library
only) runs in a subprocess of that interpreter, timed inside it (``build_s``, ``run_s``) and around the call
(``call_s``; ``in_process: false`` in the result). Without any of them the script writes a ``skipped`` result
with the reason and exits 0.

    python benchmarks/truenorth_sanafe.py [--cores 64] [--ticks 200] [--engines fast]
        [--sanafe-site /work/scratch-sanafe/lib/python3.11/site-packages | --sanafe-python PATH]
        [--out benchmarks/results/truenorth_sanafe.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _sanafe_worker
import numpy as np
from _common import RESULTS, machine_info, report_and_write
from truenorth_common import rss_mib

from chip_configs.schema import ChipConfig, load_config
from emulator.chip import Chip
from emulator.energy import EVENT_NAMES
from emulator.mapped import MappedNetwork
from emulator.workloads import truenorth_operating_point

REPO = Path(__file__).resolve().parents[1]
SANAFE_SOMA, SANAFE_SYNAPSE, SANAFE_DENDRITE = "core_soma", "core_synapses", "core_dendrites"
SYN, SPIKES = EVENT_NAMES.index("syn_ops"), EVENT_NAMES.index("spikes")   # columns of the per-tick counts


# ----- the one description ----------------------------------------------------------------------------------


def description(cfg: ChipConfig, n_cores: int, seed: int) -> MappedNetwork:
    """The operating point on ``n_cores`` cores with every initial membrane at 0 (see the module docstring)."""
    m = truenorth_operating_point(cfg, seed=seed, n_cores=n_cores)
    cores = tuple(dataclasses.replace(mc, program=dataclasses.replace(
        mc.program, params=mc.program.params | {"v0": np.zeros(mc.program.n_neurons, np.int8)})) for mc in m.cores)
    return dataclasses.replace(m, cores=cores)


def neuron_edges(m: MappedNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source, target, weight) over global neurons (core k's neuron j is ``k * n + j``): every synapse that a
    spike of ``source`` reaches through its target axon's crossbar row, with the target's typed weight."""
    n = m.cores[0].program.n_neurons
    pos = {mc.index: k for k, mc in enumerate(m.cores)}
    src, dst, wgt = [], [], []
    for k, mc in enumerate(m.cores):
        d = mc.dest
        rows_of = np.repeat(np.arange(n), np.diff(d.ptr))           # the source neuron of each destination
        for core in np.unique(d.core):
            target = m.cores[pos[int(core)]].program
            sel = d.core == core
            axons = d.axon[sel].astype(np.int64)
            bits = np.unpackbits(target.crossbar[axons], axis=1, count=n, bitorder="little").astype(bool)
            s, j = np.nonzero(bits)                                   # s indexes the selected destinations
            types = target.axon_type[axons[s]]
            src.append(k * n + rows_of[sel][s])
            dst.append(pos[int(core)] * n + j)
            wgt.append(np.asarray(target.params["weights"])[j, types])
    return np.concatenate(src), np.concatenate(dst), np.concatenate(wgt).astype(np.float64)


def soma_attributes(m: MappedNetwork) -> dict:
    """SANA-FE ``truenorth`` soma attributes of the description's (shared) neuron parameters."""
    p = m.cores[0].program.params
    for name in ("alpha", "beta", "leak", "kappa", "reset_mode"):
        if any(np.ndim(mc.program.params[name]) or mc.program.params[name] != p[name] for mc in m.cores):
            raise ValueError(f"parameter {name} differs between cores; this comparison takes shared scalars")
    if int(p["reset_mode"]) != 0 or int(p["kappa"]) != 1:
        raise ValueError("this comparison maps reset_mode 0 (hard reset to 0) and kappa 1 (saturate at -beta)")
    return {"threshold": float(p["alpha"]), "reset": 0.0, "reset_mode": "hard", "leak": float(p["leak"]),
            "leak_towards_zero": False, "reverse_threshold": -float(p["beta"]), "reverse_reset_mode": "saturate"}


# ----- NeuroMesh -------------------------------------------------------------------------------------------------


def run_neuromesh(cfg: ChipConfig, m: MappedNetwork, ticks: int, engine: str, seed: int) -> dict:
    """Build and run on one NeuroMesh engine; counts, energy and wall seconds."""
    rss0, t0 = rss_mib(), time.perf_counter()
    chip = Chip.from_config(cfg, seed=seed, noc_engine=engine)
    chip.program(m)
    built = time.perf_counter()
    result = chip.run(None, ticks=ticks)
    run_s = time.perf_counter() - built
    report, per_tick = result.report.to_dict(), result.records[0].per_tick
    mean = report["mean"]
    syn = int(mean["counts"]["syn_ops"])
    return {"engine": engine, "build_s": round(built - t0, 3), "run_s": round(run_s, 3),
            "spikes": int(mean["counts"]["spikes"]), "syn_events": syn, "packets": int(mean["counts"]["packets"]),
            "hops": int(mean["counts"]["hops_ew"] + mean["counts"]["hops_ns"]),
            "syn_events_per_wall_s": round(syn / run_s), "ms_per_tick": round(1e3 * run_s / ticks, 3),
            "energy_pj": round(mean["energy_pj"]["total"], 1), "power_mw": mean["power_mw"],
            "rss_growth_mib": round(rss_mib() - rss0, 1), "programmed_mib": round(chip.cores.nbytes()["total"] / 2**20, 2),
            "_per_tick": {"spikes": per_tick[:, SPIKES].astype(np.int64), "syn": per_tick[:, SYN].astype(np.int64)}}


# ----- SANA-FE ----------------------------------------------------------------------------------------------------


def import_sanafe(site: str | None, python: str | None = None):
    """The ``sanafe`` module; else ``python`` (an interpreter that has it, to run it in a subprocess); else a
    string saying why it is not available (as a ``dict`` with key ``skipped``)."""
    try:
        return importlib.import_module("sanafe")
    except ImportError as exc:
        first = exc
    if site:
        if not Path(site, "sanafe").is_dir():
            return {"skipped": f"--sanafe-site {site}: no sanafe package there"}
        sys.path.append(site)
        try:
            return importlib.import_module("sanafe")
        except ImportError as exc:
            if not python:
                return {"skipped": f"sanafe from --sanafe-site {site} does not import into Python "
                                   f"{sys.version.split()[0]} ({exc}); pass --sanafe-python to run it in a subprocess"}
    if python:
        try:
            probe = subprocess.run([python, "-c", "import sanafe"], capture_output=True, text=True, check=False)
        except OSError as exc:
            return {"skipped": f"--sanafe-python {python} cannot be run: {exc}"}
        if probe.returncode:
            return {"skipped": f"--sanafe-python {python} cannot import sanafe: {probe.stderr.strip()[-300:]}"}
        return python
    return {"skipped": f"sanafe is not installed in this Python ({first}); pip install sanafe, or pass "
                       "--sanafe-site (the site-packages of an environment of the same Python version that has it) "
                       "or --sanafe-python (an interpreter that has it, run as a subprocess)"}


def bundled_arch(sanafe) -> Path:
    """SANA-FE's bundled TrueNorth architecture file (asked of the other interpreter when run there)."""
    if isinstance(sanafe, str):
        where = subprocess.run([sanafe, "-c", _ARCH_PROBE], capture_output=True, text=True, check=True).stdout
        return Path(where.strip())
    from importlib.resources import files

    return Path(str(files("sanafe.examples").joinpath("truenorth.yaml")))


_ARCH_PROBE = 'from importlib.resources import files; print(files("sanafe.examples").joinpath("truenorth.yaml"))'


def priced_arch(text: str, cfg: ChipConfig) -> str:
    """The bundled architecture with NeuroMesh's prices: synaptic event and hop energies [J]."""
    e = cfg.energy
    text = re.sub(r"energy_process_spike: [0-9.eE+-]+", f"energy_process_spike: {e.syn_op_pj * 1e-12!r}", text)
    text = re.sub(r"energy_(east|west)_hop: [0-9.eE+-]+", rf"energy_\1_hop: {e.hop_ew_pj * 1e-12!r}", text)
    return re.sub(r"energy_(north|south)_hop: [0-9.eE+-]+", rf"energy_\1_hop: {e.hop_ns_pj * 1e-12!r}", text)


def run_sanafe(sanafe, arch_path: Path, m: MappedNetwork, edges, ticks: int, threads: int) -> dict:
    """Build the network in SANA-FE's Python API, load it on its TrueNorth architecture, run ``ticks``: in this
    process when ``sanafe`` is a module, else (a path to another interpreter) in a subprocess of it, timed
    inside the worker (the same code, :mod:`_sanafe_worker`) and around the call."""
    src, dst, wgt = edges
    n_core = m.cores[0].program.n_neurons
    spec = {"arch": str(arch_path), "neurons": n_core * len(m.cores), "neurons_per_core": n_core,
            "core_of": [mc.index for mc in m.cores], "soma": soma_attributes(m), "soma_hw": SANAFE_SOMA,
            "synapse_hw": SANAFE_SYNAPSE, "dendrite_hw": SANAFE_DENDRITE, "ticks": ticks, "threads": threads}
    t0 = time.perf_counter()
    if isinstance(sanafe, str):
        res = _subprocess(sanafe, spec, edges)
    else:
        res = _sanafe_worker.simulate(sanafe, spec, src.tolist(), dst.tolist(), wgt.tolist())
    call_s = time.perf_counter() - t0
    syn = int(sum(res["synapses_processed"]))
    return {"arch": arch_path.name, "processing_threads": threads, "in_process": not isinstance(sanafe, str),
            "build_s": round(res["build_s"], 3), "run_s": round(res["run_s"], 3), "call_s": round(call_s, 3),
            "spikes": res["neurons_fired"], "syn_events": syn, "packets": res["packets_sent"], "hops": res["hops"],
            "syn_events_per_wall_s": round(syn / res["run_s"]), "ms_per_tick": round(1e3 * res["run_s"] / ticks, 3),
            "energy_pj": round(res["energy_j"]["total"] * 1e12, 1),
            "energy_by_unit_pj": {k: round(v * 1e12, 1) for k, v in res["energy_j"].items()},
            "rss_growth_mib": round(res["rss_growth_mib"], 1),
            "_per_tick": {"spikes": np.asarray(res["fired"], np.int64),
                          "syn": np.asarray(res["synapses_processed"], np.int64)}}


def _subprocess(python: str, spec: dict, edges) -> dict:
    """Run :mod:`_sanafe_worker` under ``python`` with ``spec`` and the edges in files; its JSON result."""
    with tempfile.TemporaryDirectory() as tmp:
        edge_file = Path(tmp, "edges.bin")
        edge_file.write_bytes(b"".join(np.ascontiguousarray(a, dtype=dt).tobytes()
                                       for a, dt in zip(edges, (np.int64, np.int64, np.float64), strict=True)))
        spec_file = Path(tmp, "spec.json")
        spec_file.write_text(json.dumps(spec | {"edges": str(edge_file)}))
        done = subprocess.run([python, str(Path(__file__).with_name("_sanafe_worker.py")), str(spec_file)],
                              capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"SANA-FE worker under {python} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_per_tick(nm: dict, sf: dict) -> dict:
    """Tick-by-tick agreement: spikes per tick, and synaptic events per tick one tick apart (SANA-FE counts a
    spike's synapses at the tick it is sent, NeuroMesh at the tick it is integrated, the next one); the events
    of the last tick's spikes fall outside NeuroMesh's run."""
    a, b = nm["_per_tick"], sf["_per_tick"]
    return {"spikes_per_tick_equal": bool(np.array_equal(a["spikes"], b["spikes"])),
            "syn_events_per_tick_equal_one_tick_apart": bool(np.array_equal(a["syn"][1:], b["syn"][:-1])),
            "sanafe_syn_events_of_last_tick": int(b["syn"][-1])}


# ----- the run ----------------------------------------------------------------------------------------------------


def parse(argv) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cores", type=int, default=64)
    ap.add_argument("--ticks", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--engines", default="fast", help="NeuroMesh engines, comma-separated (default: fast, exact)")
    ap.add_argument("--sanafe-site", default=os.environ.get("SANAFE_SITE"),
                    help="site-packages holding sanafe when this Python has none (default: $SANAFE_SITE)")
    ap.add_argument("--sanafe-python", default=None,
                    help="an interpreter with sanafe, run as a subprocess when this Python cannot import it")
    ap.add_argument("--sanafe-threads", type=int, default=1, help="SANA-FE processing_threads")
    ap.add_argument("--out", default=str(RESULTS / "truenorth_sanafe.json"))
    return ap.parse_args(argv)


def run(args) -> dict:
    cfg = load_config("truenorth")
    context = {"machine": machine_info(), "args": vars(args) | {"out": os.path.relpath(os.path.abspath(args.out), REPO)}}
    sanafe = import_sanafe(args.sanafe_site, args.sanafe_python)
    if isinstance(sanafe, dict):
        return sanafe | {"context": context}
    m = description(cfg, args.cores, args.seed)
    out = {"workload": {"cores": len(m.cores), "neurons": sum(mc.program.n_neurons for mc in m.cores),
                        "synapses": int(sum(mc.program.n_synapses for mc in m.cores)), "ticks": args.ticks,
                        "v0": 0, "sanafe_version": _dist_version(sanafe)}}
    # Warm-ups (lazy imports, first allocations, SANA-FE's thread start): one small run each, discarded.
    small = description(cfg, 1, args.seed)
    run_neuromesh(cfg, small, 3, args.engines.split(",")[0], args.seed)
    run_sanafe(sanafe, bundled_arch(sanafe), small, neuron_edges(small), 3, args.sanafe_threads)
    out["neuromesh"] = [run_neuromesh(cfg, m, args.ticks, e, args.seed) for e in args.engines.split(",")]
    edges = neuron_edges(m)
    bundled = bundled_arch(sanafe)
    out["sanafe"] = [run_sanafe(sanafe, bundled, m, edges, args.ticks, args.sanafe_threads)]
    with tempfile.TemporaryDirectory() as tmp:
        priced = Path(tmp, "truenorth_neuromesh_prices.yaml")
        priced.write_text(priced_arch(bundled.read_text(), cfg))
        out["sanafe"].append(run_sanafe(sanafe, priced, m, edges, args.ticks, args.sanafe_threads))
    ref, sf = out["neuromesh"][0], out["sanafe"][-1]
    out["comparison_last_tick_syn"] = int(sf["_per_tick"]["syn"][-1])
    out["comparison"] = same_per_tick(ref, sf) | {
                         "syn_event_rate_ratio_neuromesh_over_sanafe": round(ref["syn_events_per_wall_s"]
                                                                             / max(sf["syn_events_per_wall_s"], 1), 3),
                         "energy_ratio_neuromesh_over_sanafe_priced": round(ref["energy_pj"] / sf["energy_pj"], 4)
                         if sf["energy_pj"] else None,
                         # SANA-FE's priced energy less the last tick's events (outside NeuroMesh's run), in pJ
                         "sanafe_priced_energy_pj_without_last_tick_events": round(
                             sf["energy_pj"] - out["comparison_last_tick_syn"] * cfg.energy.syn_op_pj, 1)}
    del out["comparison_last_tick_syn"]
    for r in out["neuromesh"] + out["sanafe"]:
        r.pop("_per_tick")
    out["context"] = context | {"load_average_at_end": [round(x, 2) for x in os.getloadavg()]}
    return out


def _dist_version(sanafe) -> str | None:
    """SANA-FE's installed version (of the other interpreter when run there)."""
    if isinstance(sanafe, str):
        code = "from importlib.metadata import version; print(version('sanafe'))"
        return subprocess.run([sanafe, "-c", code], capture_output=True, text=True, check=False).stdout.strip() or None
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sanafe")
    except PackageNotFoundError:
        return getattr(sanafe, "__version__", None)


def summary(out: dict) -> str:
    if "skipped" in out:
        return f"SANA-FE comparison skipped: {out['skipped']}"
    w = out["workload"]
    lines = [f"{w['cores']} cores, {w['neurons']:,} neurons, {w['synapses']:,} synapses, {w['ticks']} ticks"]
    for name, runs in (("NeuroMesh", out["neuromesh"]), ("SANA-FE", out["sanafe"])):
        for r in runs:
            tag = r.get("engine") or r["arch"]
            lines.append(f"{name} {tag}: build {r['build_s']:.2f} s, run {r['run_s']:.2f} s ({r['ms_per_tick']:.2f} ms/tick), "
                         f"{r['spikes']:,} spikes, {r['syn_events']:,} synaptic events = {r['syn_events_per_wall_s']:.3g}/s, "
                         f"energy {r['energy_pj'] / 1e6:.4g} uJ")
    lines.append(f"comparison: {out['comparison']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse(argv)
    return report_and_write(args.out, run(args), summary)


if __name__ == "__main__":
    raise SystemExit(main())
