"""TrueNorth neuron: hand-computed resets for every (gamma, kappa), leak reversal, the PRNG-driven modes, binary
axons (duplicate spikes OR) and the two's-complement membrane wrap, as TrueNorth's RTL (RANC) does them."""

from __future__ import annotations

import numpy as np
import pytest

from chip_configs.errors import ProgramError
from chip_configs.schema import load_config
from cores import CoreArray, CoreProgram, param_ranges, prng, simulate_neurons
from cores import fixed_point as fx
from cores._reference import ReferenceCoreArray
from cores.tables import _kernels
from tests.cores._factories import variant

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


# ----- binary axons: one scheduler bit per axon and delivery tick (RANC's SchedulerSRAM keeps the bit) --------

ENGINES = [CoreArray, ReferenceCoreArray]   # the compiled per-core kernels and the NumPy oracle


def _one_axon_core(weight: int, stochastic: int = 0) -> CoreProgram:
    """One neuron on one axon of type 0 with ``weight``; thresholds out of reach, no reset: V sums the input."""
    params = {"weights": [[weight, 0, 0, 0]], "syn_stochastic": [[stochastic, 0, 0, 0]], "alpha": 10**5,
              "beta": 10**5, "reset_mode": 2}
    return CoreProgram(1, 1, np.zeros(1, np.int32), np.zeros(1, np.int32), None, params, np.zeros(1, np.int8))


@pytest.mark.parametrize("engine", ENGINES)
def test_two_spikes_on_one_axon_in_one_tick_count_once(engine):
    # weight 5. tick 0: two spikes on axon 0 -> V = 5 (summed would be 10), 1 syn op (not 2), 1 spike dropped.
    # tick 1: one spike -> V = 10, none dropped. tick 2: three spikes -> V = 15, 2 dropped.
    cores = engine(load_config("truenorth"), [_one_axon_core(5)])
    want = [(2, 5, 1), (1, 10, 0), (3, 15, 2)]   # (spikes sent, V after the tick, dropped)
    for sent, v, dropped in want:
        cores.schedule(np.zeros(sent, np.int32), 1)
        cores.step()
        assert (int(cores.state()["v"][0]), cores.last_duplicates, int(cores.last_counts[0, 0])) == (v, dropped, 1)
    assert cores.total_duplicates == 3


@pytest.mark.parametrize("engine", ENGINES)
def test_spikes_by_different_delays_due_the_same_tick_count_once(engine):
    # The scheduler's bit is per axon and delivery tick, whatever delay brought the spike: a spike sent at
    # tick 0 with delay 2 and one sent at tick 1 with delay 1 both set axon 0's bit for tick 1.
    # tick 0: nothing due -> V = 0. tick 1: both due -> V = 5 (not 10), 1 dropped.
    cores = engine(load_config("truenorth"), [_one_axon_core(5)])
    cores.schedule([0], 2)
    cores.step()
    assert (int(cores.state()["v"][0]), cores.last_duplicates) == (0, 0)
    cores.schedule([0], 1)
    cores.step()
    assert (int(cores.state()["v"][0]), cores.last_duplicates, int(cores.last_counts[0, 0])) == (5, 1, 1)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_stochastic_synapse_draws_once_per_axon_and_tick(engine):
    # weight -256 stochastic: adds sign(w) = -1 when (draw & 0xFF) < 256, i.e. on every draw. Two spikes on
    # the axon in one tick make one draw: V = -1 (per spike, two draws, it would be -2); then V = -2.
    cores = engine(load_config("truenorth"), [_one_axon_core(-256, stochastic=1)], seed=3)
    for v in (-1, -2):
        cores.schedule([0, 0], 1)
        cores.step()
        assert int(cores.state()["v"][0]) == v


# ----- the membrane wraps as two's complement: a 9-bit V holds [-256, 255] (RANC's 9-bit potential adder) ----

WRAP9 = {"neuron.membrane_bits": 9, "neuron.membrane_overflow": "wrap"}

# Three neurons, each with its own weights for axon types 0, 1, 2; axon t (type t) spikes at tick t only, so
# neuron j's input is weights[j, t] at tick t. No leak, no mask (eta = 0).
#   A: alpha 100, beta 300, gamma 0, R 0, v0 -250; inputs -6, -10, 0
#      t0: -250 - 6 = -256, held as -256 (Lava's convention would hold +256 >= 100 and fire); no spike.
#      t1: -256 - 10 = -266 -> -266 + 512 = 246 >= 100: spike, V = R = 0.   t2: V = 0.
#   B: alpha, beta 1000 (out of reach on 9 bits), gamma 2, v0 -250; inputs -6, -10, +2: -256, 246, 248.
#   C: as B, v0 250; inputs +5, +1, -1: 255; 256 -> -256; -257 -> 255.
WRAP_WEIGHTS = [[-6, -10, 0, 0], [-6, -10, 2, 0], [5, 1, -1, 0]]
WRAP_PARAMS = {"weights": WRAP_WEIGHTS, "alpha": [100, 1000, 1000], "beta": [300, 1000, 1000],
               "reset_mode": [0, 2, 2], "reset_value": 0, "v0": [-250, -250, 250]}
WRAP_V = [[-256, -256, 255], [0, 246, -256], [0, 248, 255]]
WRAP_SPIKES = [[0, 0, 0], [1, 0, 0], [0, 0, 0]]


def _wrap_core() -> CoreProgram:
    axon, neuron = np.repeat(np.arange(3, dtype=np.int32), 3), np.tile(np.arange(3, dtype=np.int32), 3)
    return CoreProgram(3, 3, axon, neuron, None, WRAP_PARAMS, np.arange(3, dtype=np.int8))


@pytest.mark.parametrize("engine", ENGINES)
def test_nine_bit_membrane_wraps_through_minus_256_as_twos_complement(engine):
    cores = engine(variant("truenorth", **WRAP9), [_wrap_core()])
    for t in range(3):
        cores.schedule([t], 1)
        fired = cores.step()
        np.testing.assert_array_equal(cores.state()["v"], WRAP_V[t], err_msg=f"tick {t}")
        np.testing.assert_array_equal(np.isin(np.arange(3), fired), WRAP_SPIKES[t], err_msg=f"tick {t}")


def test_nine_bit_wrap_on_the_direct_path():
    inputs = np.asarray(WRAP_WEIGHTS)[:, :3].T          # tick t: weights[j, t]
    out = simulate_neurons("truenorth", WRAP_PARAMS, inputs, 3, cfg=variant("truenorth", **WRAP9))
    np.testing.assert_array_equal(out["v"], WRAP_V)
    np.testing.assert_array_equal(out["spikes"], WRAP_SPIKES)


def test_v0_range_follows_the_wrap_convention():
    # Wrapping 9-bit V: [-256, 255] (Lava's convention would be [-255, 256]); saturating: symmetric [-255, 255].
    wrap9, sat9 = variant("truenorth", **WRAP9), variant("truenorth", **{"neuron.membrane_bits": 9})
    assert (param_ranges(wrap9)["v0"].lo, param_ranges(wrap9)["v0"].hi) == (-256, 255)
    assert (param_ranges(sat9)["v0"].lo, param_ranges(sat9)["v0"].hi) == (-255, 255)
    assert fx.register_range(9, "wrap") == (-255, 256)   # Loihi's current keeps Lava's
    with pytest.raises(ProgramError, match="'v0' of neuron 0 is 256; allowed -256..255"):
        CoreArray(wrap9, [CoreProgram(1, 1, np.zeros(1, np.int32), np.zeros(1, np.int32), None, {"v0": 256},
                                      np.zeros(1, np.int8))])
