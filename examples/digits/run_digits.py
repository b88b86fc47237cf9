"""Map the snnTorch digits classifier onto the Loihi and TrueNorth presets and measure what it costs.

Needs only NeuroMesh (no torch): it reads the shipped ``digits_snntorch.nir`` and ``digits_samples.npz``::

    python examples/digits/run_digits.py                     # table + results.json
    python examples/digits/run_digits.py --write-defaults    # also the bundled default of 'neuromesh run'

For each chip: float accuracy (the float reference in snnTorch's timing), on-chip accuracy, agreement of
predicted classes and of spike counts, energy and latency per inference from the emulation, cores used,
quantisation error, placement cost against the naive placement.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from chip_configs.files import atomic_write_bytes, atomic_write_json
from mapping.evaluate import Samples, compare_on_chip, mean_rates
from mapping.from_nir import read_nir
from mapping.mapper import map_network
from mapping.validate import functional_numbers

HERE = Path(__file__).resolve().parent
DEFAULT_SPECS = ("loihi,truenorth,truenorth:calibrate=2fold,truenorth:bit_cost=0.08,"
                 "truenorth:bit_cost=0.08+calibrate=2fold,truenorth:copies=2,truenorth:K=1,truenorth:copies=1,"
                 "truenorth:copies=1+K=1")
DATA = HERE.parents[1] / "emulator" / "data"


OPTIONS = {"K": ("neurons_per_core", int), "copies": ("axon_copies", int), "bit_cost": ("bit_cost", float),
           "calibrate": ("calibrate", str)}


def parse_spec(spec: str) -> tuple[str, dict]:
    """``CHIP[:OPT=V[+OPT=V...]]`` with OPT in K (neurons per core), copies (axon copies), bit_cost, calibrate
    (``calibrate=2fold``: bias correction from one half of the samples, evaluated on the other)."""
    chip, _, rest = spec.partition(":")
    opts = {}
    for item in filter(None, rest.split("+")):
        key, _, val = item.partition("=")
        if key not in OPTIONS:
            raise SystemExit(f"{spec!r}: unknown option {key!r}; use {sorted(OPTIONS)}")
        name, kind = OPTIONS[key]
        opts[name] = kind(val)
    return chip, opts


def _row(chip: str, opts: dict, summary, numbers: dict, mean: dict) -> dict:
    return {
        "chip": chip, "options": opts, "neurons_per_core": opts.get("neurons_per_core"), **numbers,
        "energy_uj_per_inference": mean["energy_pj"]["total"] * 1e-6,
        "energy_by_op_uj": {k: v * 1e-6 for k, v in mean["energy_pj"]["by_op"].items()},
        "latency_us_per_inference": mean["latency_ns"]["total"] * 1e-3,
        "ticks_per_inference": mean["ticks"], "cores_used": summary.cores_used,
        "latency_ticks": summary.latency_ticks,
        "weight_rel_rms": [L["weight_rel_rms"] for L in summary.layers],
        "axon_copies": [L.get("axon_copies") for L in summary.layers],
        "synaptic_events_per_inference": mean.get("counts", {}).get("syn_ops"),
        "placement_cost": summary.placement_cost, "naive_cost": summary.naive_cost,
        "greedy_cost": summary.greedy_cost, "splitter_cores": summary.splitter_cores,
    }


def measure(chip: str, net, samples: Samples, seed: int, opts: dict) -> tuple[dict, object]:
    """Map with ``opts`` and compare chip and float reference on every sample."""
    if opts.get("calibrate"):
        return measure_calibrated(chip, net, samples, seed, opts), None
    mapped, summary = map_network(net, chip, placer="anneal", seed=seed, **opts)
    comp = compare_on_chip(net, mapped, chip, samples, seed)
    return _row(chip, opts, summary, comp.numbers, comp.report["mean"]), mapped


def measure_calibrated(chip: str, net, samples: Samples, seed: int, opts: dict) -> dict:
    """Two-fold calibration: map with the mean activity of one half (bias correction), evaluate on the other
    half, both ways; the figures cover every sample, each predicted by a mapping that never saw it."""
    n = samples.inputs.shape[0]
    halves = [np.arange(n) < n // 2, np.arange(n) >= n // 2]
    map_opts = {k: v for k, v in opts.items() if k != "calibrate"}
    refs, chips, labels, pld, means = [], [], [], [], []
    for k, held_out in enumerate(halves):
        cal = Samples(samples.inputs[halves[1 - k]])
        mapped, summary = map_network(net, chip, placer="anneal", seed=seed, activity=mean_rates(net, cal),
                                      **map_opts)
        comp = compare_on_chip(net, mapped, chip, Samples(samples.inputs[held_out], samples.labels[held_out]), seed)
        refs.append(comp.ref_counts)
        chips.append(comp.chip_counts)
        labels.append(samples.labels[held_out])
        pld.append(comp.numbers["agreement_per_layer_delay"] * held_out.sum())
        means.append(comp.report["mean"])
    numbers = functional_numbers(np.concatenate(refs), np.concatenate(chips), np.concatenate(labels))
    numbers["agreement_per_layer_delay"] = float(sum(pld) / n)
    row = _row(chip, opts, summary, numbers, _average(means))
    row["bias_correction_rms"] = [L.get("bias_correction_rms") for L in summary.layers]
    return row


def _average(dicts: list[dict]):
    """Element-wise mean of nested dicts of numbers (two folds' mean reports)."""
    first = dicts[0]
    if isinstance(first, dict):
        return {k: _average([d[k] for d in dicts]) for k in first if all(k in d for d in dicts)}
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        return sum(dicts) / len(dicts)
    return first


def print_table(rows: list[dict]) -> None:
    print(f"{'chip':30} {'float acc':>9} {'chip acc':>9} {'class agr':>9} {'counts eq':>9} "
          f"{'energy/inf':>12} {'latency/inf':>12} {'cores':>5}")
    for r in rows:
        name = r["chip"] + "".join(f" {k}={v}" for k, v in r["options"].items())
        print(f"{name:30} {100 * r['accuracy_float']:8.1f}% {100 * r['accuracy_chip']:8.1f}% "
              f"{100 * r['class_agreement']:8.1f}% {100 * r['count_exact_agreement']:8.1f}% "
              f"{r['energy_uj_per_inference']:9.3f} uJ {r['latency_us_per_inference']:9.1f} us {r['cores_used']:5d}")


def write_defaults(mapped, samples: Samples, chip: str, n: int) -> None:
    """The mapped network and ``n`` samples as the bundled default of ``neuromesh run`` (which adds the
    mapping's latency in silent ticks itself)."""
    import io

    spikes = samples.inputs[:n].astype(np.int8)
    buf = io.BytesIO()
    np.savez_compressed(buf, spikes=spikes, labels=samples.labels[:n])
    names = [f"default_network_{chip}.npz"] + (["default_network.npz"] if chip == "loihi" else [])
    for name in names:
        mapped.save(DATA / name)
        atomic_write_bytes(DATA / name.replace("network", "input"), buf.getvalue())
    print(f"wrote {', '.join(names)} (+ inputs: {n} samples, {spikes.shape[1]} ticks) in {DATA}")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--chips", default=DEFAULT_SPECS,
                   help="comma-separated CHIP[:OPT=V[+OPT=V]]: K = neurons per core, copies = TrueNorth axon "
                        "copies per source (1: classic), bit_cost = price of a crossbar point (default: %(default)s)")
    p.add_argument("--samples", type=int, default=None, help="use the first N samples (default: all 360)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--write-defaults", action="store_true", help="write emulator/data/default_* (50 samples)")
    args = p.parse_args(argv)
    net = read_nir(HERE / "digits_snntorch.nir")
    with np.load(HERE / "digits_samples.npz") as z:
        samples = Samples(z["inputs"][:args.samples], z["labels"][:args.samples])
    rows = []
    for spec in args.chips.split(","):
        chip, opts = parse_spec(spec)
        row, mapped = measure(chip, net, samples, args.seed, opts)
        rows.append(row)
        if args.write_defaults and not opts:  # the bundled defaults are the default mappings
            write_defaults(mapped, samples, chip, 50)
    print_table(rows)
    atomic_write_json(HERE / "results.json", rows)


if __name__ == "__main__":
    main()
