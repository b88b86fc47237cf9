"""Measure the TrueNorth fan-in split (mapping/fan_in.py, a named approximation): the digits MLP of the shipped
framework vectors with every input pixel repeated R times (weights / R, independent rate-coded lines), so its
hidden neurons have fan-in 64 R; classes against the unsplit float reading on the 60 digits.

    PYTHONPATH=. python examples/frameworks/measure_fan_in_split.py 5     # fan-in 320
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from mapping.evaluate import Samples, compare_on_chip
from mapping.fan_in import split_fan_in
from mapping.from_nir import read_nir
from mapping.mapper import map_network
from mapping.network import Input, Network, Projection
from mapping.reference import predicted_classes, run_reference

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "frameworks"


def repeated_inputs(r: int, seed: int = 1):
    """(network with fan-in 64 r, spikes [60, 25, 64 r], labels)."""
    net = read_nir(DATA / "snntorch_leaky.nir", framework="snntorch")
    z = np.load(DATA / "snntorch_leaky.npz")
    p = z["inputs"].mean(axis=1)  # each pixel's rate over its 25 steps
    x = (np.random.default_rng(seed).random((p.shape[0], 25, 64 * r)) < np.repeat(p, r, axis=1)[:, None, :])
    src = net.inputs[0].name
    projs = [Projection(pr.pre, pr.post, np.repeat(pr.dense(net.population(pr.post).size, 64), r, axis=1) / r,
                        pr.delay) if pr.pre == src else pr for pr in net.projections]
    big = Network([Input(src, 64 * r)], net.populations, projs, net.outputs, f"digits_x{r}")
    return big, x.astype(np.int64), z["labels"]


def main(r: int) -> None:
    big, x, labels = repeated_inputs(r)
    ref = run_reference(big, x, timing="same_step").output_counts
    split, _ = split_fan_in(big, 256)
    ref_split = run_reference(split, x, timing="same_step").output_counts
    print(f"fan-in {64 * r}: float accuracy {np.mean(predicted_classes(ref) == labels):.3f}; float split vs "
          f"unsplit classes {np.mean(predicted_classes(ref_split) == predicted_classes(ref)):.3f}")
    samples = Samples(x, labels, np.rint(ref).astype(np.int64))
    for chip in ("loihi", "truenorth"):
        mapped, summary = map_network(big, chip, placer="greedy", split_fan_in=chip == "truenorth")
        comp = compare_on_chip(big, mapped, chip, samples)
        print(f"{chip}: {summary.cores_used} cores, latency {summary.latency_ticks} ticks, classes vs the unsplit "
              f"float reading {comp.numbers['class_agreement']:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
