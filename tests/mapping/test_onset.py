"""Bias-onset alignment: the chip-timed reference then equals the framework's timing shifted by depth."""

import numpy as np

from mapping.network import LIF, CubaLIF, Input, Network, Output, Population, Projection
from mapping.onset import align_bias_onset, onset_ticks
from mapping.reference import run_reference


def biased_net():
    rng = np.random.default_rng(2)
    return Network([Input("x", 5)],
                   [Population("a", 6, LIF(beta=0.8, threshold=1.0, bias=rng.uniform(-0.2, 0.2, 6))),
                    Population("b", 4, CubaLIF(alpha=0.5, beta=0.7, threshold=1.0, bias=0.05,
                                               current_bias=rng.uniform(-0.1, 0.1, 4)))],
                   [Projection("x", "a", rng.normal(0.5, 0.5, (6, 5))), Projection("a", "b", rng.normal(0.4, 0.6, (4, 6)))],
                   [Output("o", "b")])


def test_hand_computed_v0():
    # one LIF two ticks from the input, beta 0.5, bias 1: v0 = -(1 + 0.5) / 0.25 = -6; then -2, 0
    net = Network([Input("x", 1)], [Population("p", 1, LIF(beta=0.5, threshold=9.0, bias=1.0))],
                  [Projection("x", "p", [[1.0]], 2)], [Output("o", "p")])
    aligned, notes = align_bias_onset(net, onset_ticks(net))
    assert onset_ticks(net) == {"p": 2} and not notes
    assert np.allclose(aligned.population("p").neuron.v0, -6.0)


def test_aligned_chip_timing_equals_same_step_shifted():
    net = biased_net()
    x = (np.random.default_rng(3).random((6, 30, 5)) < 0.4).astype(float)
    aligned, _ = align_bias_onset(net, onset_ticks(net))
    same = run_reference(net, x, timing="same_step", record=True).spikes
    chip = run_reference(aligned, x, ticks=32, timing="per_layer_delay", record=True).spikes
    assert np.allclose(chip["a"][:, 1:31], same["a"])
    assert np.allclose(chip["b"][:, 2:32], same["b"])
    assert chip["a"][:, :1].sum() == 0 and chip["b"][:, :2].sum() == 0
