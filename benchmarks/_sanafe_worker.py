"""The SANA-FE side of ``truenorth_sanafe.py``: build a network through SANA-FE's Python API and run it.

Standard library and ``sanafe`` only (no NumPy, no NeuroMesh), so that it also runs as a subprocess in another
environment that has SANA-FE (``--sanafe-python``)::

    python _sanafe_worker.py SPEC.json      # edges in SPEC.json's "edges" file: int64 src, int64 dst, float64 w

and prints the result as JSON. :func:`simulate` is the same code called in-process.
"""

from __future__ import annotations

import json
import sys
import time
from array import array
from pathlib import Path


def rss_mib() -> float:
    """Resident set size of this process [MiB] (Linux /proc; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def simulate(sanafe, spec: dict, src, dst, weight) -> dict:
    """Build ``spec`` (neurons, neurons per core, SANA-FE core of each NeuroMesh core, soma attributes, unit
    names) with the edges ``src -> dst`` of ``weight``, load it on ``spec["arch"]``, run ``spec["ticks"]``.

    Returns build and run seconds, SANA-FE's counts and energy [J], its per-timestep ``fired`` and ``spikes``
    (synapses processed) counters, and the resident growth [MiB].
    """
    rss0, t0 = rss_mib(), time.perf_counter()
    arch = sanafe.load_arch(spec["arch"])
    net = sanafe.Network()
    group = net.create_neuron_group("tn", spec["neurons"], model_attributes=spec["soma"],
                                    soma_hw_name=spec["soma_hw"], default_synapse_hw_name=spec["synapse_hw"],
                                    default_dendrite_hw_name=spec["dendrite_hw"])
    group.connect_neurons_sparse(group, {"weight": list(weight)}, list(zip(src, dst, strict=True)))
    cores, per_core = arch.cores(), spec["neurons_per_core"]
    for i in range(spec["neurons"]):
        group[i].map_to_core(cores[spec["core_of"][i // per_core]])
    chip = sanafe.SpikingChip(arch)
    chip.load(net)
    built = time.perf_counter()
    res = chip.sim(spec["ticks"], processing_threads=spec["threads"], perf_trace=True)
    done = time.perf_counter()
    perf = res["perf_trace"]
    return {"build_s": built - t0, "run_s": done - built, "neurons_fired": int(res["neurons_fired"]),
            "packets_sent": int(res["packets_sent"]), "hops": int(sum(perf["hops"])),
            "energy_j": dict(res["energy"]), "fired": [int(x) for x in perf["fired"]],
            "synapses_processed": [int(x) for x in perf["spikes"]], "rss_growth_mib": rss_mib() - rss0}


def main(argv) -> int:
    import sanafe

    spec = json.loads(Path(argv[0]).read_text())
    raw = Path(spec.pop("edges")).read_bytes()
    m = len(raw) // 24
    src, dst, weight = array("q"), array("q"), array("d")
    src.frombytes(raw[: 8 * m])
    dst.frombytes(raw[8 * m: 16 * m])
    weight.frombytes(raw[16 * m:])
    print(json.dumps(simulate(sanafe, spec, src, dst, weight)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
