"""TrueNorth neuron: hand-computed resets for every (gamma, kappa), leak reversal, and the PRNG-driven modes."""

from __future__ import annotations

import numpy as np
import pytest

from chip_configs.schema import load_config
from cores import CoreArray, CoreProgram, prng, simulate_neurons
from cores.tables import _kernels

BASE = {"alpha": 10, "beta": 5, "reset_value": 3, "leak": 0}


def _run(params: dict, inputs, **kw) -> dict:
    x = np.asarray(inputs, dtype=np.int64)
    return simulate_neurons("truenorth", params, x.reshape(len(x), -1), len(x), **kw)


# Inputs +12, -30, 0 with alpha = 10, beta = 5, R = 3, no leak, no mask (eta = 0).
# t0: V = 12 >= 10 spikes. t1: V = V0 - 30 falls below the negative threshold. t2: no input.
@pytest.mark.parametrize(("gamma", "kappa", "want_v"), [
    (0, 0, [3, -3, -3]),       # spike: V = R = 3; 3 - 30 = -27 < -5: V = -R = -3; -3 >= -5 stays
    (0, 1, [3, -5, -5]),       # negative saturation: V = -beta; -5 < -5 is false, stays
    (1, 0, [2, -23, -18]),     # linear: 12 - 10 = 2; 2 - 30 = -28 -> -28 + 5 = -23; -23 < -5 -> -18
    (1, 1, [2, -5, -5]),       # linear reset up, saturate at -beta down
    (2, 0, [12, -18, -18]),    # no reset: 12 stays; 12 - 30 = -18 stays
    (2, 1, [12, -5, -5]),      # no positive reset; -18 < -5 -> -beta
])
def test_reset_modes(gamma, kappa, want_v):
    out = _run(BASE | {"reset_mode": gamma, "kappa": kappa}, [12, -30, 0])
    np.testing.assert_array_equal(out["v"][:, 0], want_v)
    np.testing.assert_array_equal(out["spikes"][:, 0], [1, 0, 0])


def test_no_reset_keeps_spiking_above_threshold():
    out = _run(BASE | {"reset_mode": 2}, [12, 0, 0])
    np.testing.assert_array_equal(out["spikes"][:, 0], [1, 1, 1])


def test_threshold_is_inclusive():
    out = _run(BASE | {"reset_mode": 1}, [9, 1, 0])
    np.testing.assert_array_equal(out["spikes"][:, 0], [0, 1, 0])     # V = 10 >= alpha spikes
    np.testing.assert_array_equal(out["v"][:, 0], [9, 0, 0])


def test_leak_reversal_pulls_toward_zero():
    # Four neurons, no input: leak -2 with reversal from +7 and -7, reversal at V = 0, and no reversal.
    params = {"alpha": 1000, "beta": 1000, "reset_mode": 2, "leak": [-2, -2, -2, -2],
              "leak_reversal": [1, 1, 1, 0], "v0": [7, -7, 0, -7]}
    out = simulate_neurons("truenorth", params, np.zeros((4, 4), np.int64), 4)
    np.testing.assert_array_equal(out["v"], [[5, -5, 0, -9], [3, -3, 0, -11], [1, -1, 0, -13], [-1, 1, 0, -15]])


def test_positive_leak_with_reversal_pushes_away_from_zero():
    out = simulate_neurons("truenorth", {"alpha": 1000, "beta": 1000, "leak": 3, "leak_reversal": 1,
                                         "v0": [-1, 1]}, np.zeros((2, 2), np.int64), 2)
    np.testing.assert_array_equal(out["v"], [[-4, 4], [-7, 7]])


def _masked(seed: int, ticks: int = 200, n: int = 64) -> dict:
    # V is held at 2**7 (no input, no leak, no reset); eta = draw & 0xFF so P(spike) = P(eta <= 128) ~ 1/2.
    params = {"alpha": 0, "reset_mode": 2, "threshold_mask_bits": 8, "v0": 128, "beta": 0}
    return simulate_neurons("truenorth", params, np.zeros((ticks, n), np.int64), ticks, seed=seed)


def test_threshold_mask_is_deterministic_per_seed():
    a, b, c = _masked(1), _masked(1), _masked(2)
    np.testing.assert_array_equal(a["spikes"], b["spikes"])
    assert (a["spikes"] != c["spikes"]).any()
    assert abs(a["spikes"].mean() - 129 / 256) < 0.03


def test_mask_zero_means_no_randomness():
    out = simulate_neurons("truenorth", {"alpha": 128, "reset_mode": 2, "threshold_mask_bits": 0, "v0": 128},
                           np.zeros((50, 8), np.int64), 50)
    assert out["spikes"].all()


def test_stochastic_leak_rate():
    # leak = 64 with probability 64/256 per tick: V grows by one a quarter of the ticks.
    ticks, n = 200, 200
    out = simulate_neurons("truenorth", {"alpha": 10**5, "beta": 10**5, "leak": 64, "leak_stochastic": 1},
                           np.zeros((ticks, n), np.int64), ticks, seed=5)
    assert abs(out["v"][-1].mean() / ticks - 0.25) < 0.01


def test_stochastic_synapse_rate_and_type_lookup():
    # 100 axons of type 1 on one neuron; weights[type 1] = -64 stochastic: each spike adds -1 w.p. 1/4.
    cfg = load_config("truenorth")
    n_ax = 100
    params = {"weights": [[0, -64, 0, 0]], "syn_stochastic": [[0, 1, 0, 0]], "alpha": 10**5, "beta": 10**5,
              "reset_mode": 2}
    prog = CoreProgram(1, n_ax, np.arange(n_ax, dtype=np.int32), np.zeros(n_ax, np.int32), None, params,
                       np.ones(n_ax, np.int8))
    cores = CoreArray(cfg, [prog], seed=11)
    ticks = 100
    for _ in range(ticks):
        cores.schedule(np.arange(n_ax), 1)
        cores.step()
    assert abs(cores.state()["v"][0] / (ticks * n_ax) + 0.25) < 0.02
    assert cores.total_counts[0, 0] == ticks * n_ax


def test_kernel_prng_matches_numpy_prng():
    rng = np.random.default_rng(0)
    for _ in range(200):
        seed, core, tick, neuron, axon, m = (int(x) for x in rng.integers(0, 2**31, 6))
        key = prng.seed_key(seed)
        slot = int(prng.synapse_slot(axon % 4096, m % 64))
        assert _kernels.prng_draw(key, core, tick, neuron, slot) == int(prng.draw(key, core, tick, neuron, slot)[0])
