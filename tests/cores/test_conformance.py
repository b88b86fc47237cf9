"""The Cython kernels equal the NumPy oracle bit for bit: spikes, states and counters at every tick.

Randomised programs cover the full parameter ranges (edges included), weights at the range edges, several
cores, random delays with repeated spikes on one axon (summed on Loihi; ORed on TrueNorth's binary axons,
whose dropped duplicates both count alike), narrow registers that overflow (wrap and saturate; TrueNorth's
9-bit membrane wrapping as two's complement at -256 / 255), the silicon refractory option, and every
TrueNorth stochastic mode.
"""

from __future__ import annotations

import numpy as np
import pytest

from cores import CoreArray, model_of, simulate_neurons
from cores._reference import ReferenceCoreArray
from tests.cores._factories import random_program, variant

CONFIGS = {
    "loihi": lambda: variant("loihi"),
    "loihi_narrow": lambda: variant(
        "tiny", **{"neuron.current_bits": 12, "neuron.membrane_bits": 10, "neuron.decay_bits": 8,
                   "neuron.threshold_mant_bits": 5, "neuron.threshold_shift": 3, "neuron.input_shift": 2,
                   "neuron.bias_mant_bits": 6, "neuron.bias_exp_bits": 2, "neuron.membrane_overflow": "wrap",
                   "neuron.current_overflow": "saturate", "neuron.refractory": "silicon",
                   "neuron.refractory_ticks_max": 5}),
    "loihi_wide": lambda: variant(
        "tiny", **{"neuron.current_bits": 44, "neuron.membrane_bits": 48, "neuron.decay_bits": 16,
                   "neuron.bias_mant_bits": 20, "neuron.bias_exp_bits": 4, "neuron.membrane_overflow": "wrap"}),
    "truenorth": lambda: variant("truenorth"),
    "truenorth_narrow": lambda: variant(
        "truenorth", **{"neuron.membrane_bits": 12, "neuron.threshold_bits": 10, "neuron.threshold_mask_bits": 8,
                        "neuron.membrane_overflow": "wrap"}),
    "truenorth_wrap9": lambda: variant(
        "truenorth", **{"neuron.membrane_bits": 9, "neuron.threshold_bits": 8, "neuron.threshold_mask_bits": 6,
                        "neuron.membrane_overflow": "wrap"}),
    # Unsigned 16-bit weights do not fit int16: Loihi takes the uint64 CSR records, TrueNorth int32 weights.
    "loihi_records64": lambda: variant("tiny", **{"core.weight_bits": 16, "core.weight_signed": False}),
    "truenorth_wide_weights": lambda: variant("truenorth", **{"core.weight_bits": 16, "core.weight_signed": False}),
    # Wide, nearly full crossbars: several 64-bit words per row, and full words (the vectorised loop).
    "truenorth_dense": lambda: variant("truenorth"),
}

# Core sizes and crossbar densities per config (default: up to 40 neurons x 48 axons, density 0.05..0.6).
GEOMETRY = {"truenorth_dense": {"n_max": 200, "a_max": 48, "density": (0.9, 1.0)}}

# Keep thresholds reachable in some runs so that spikes and resets are frequent.
REACHABLE = {"alpha": (0, 400), "beta": (0, 400), "vth": (0, 64)}


def _programs(cfg, rng, limits, n_max=40, a_max=48, density=(0.05, 0.6)):
    n_max, a_max = min(cfg.core.neurons_per_core, n_max), min(cfg.core.axons_per_core, a_max)
    return [random_program(cfg, rng, int(rng.integers(1, n_max + 1)), int(rng.integers(1, a_max + 1)),
                           density=float(rng.uniform(*density)), limits=limits)
            for _ in range(int(rng.integers(2, min(cfg.num_cores, 4) + 1)))]


def _traffic(rng, n_axons: int, delay_slots: int):
    """Bursty random spikes: some axons repeated within a tick so that counts > 1 occur."""
    m = int(rng.integers(0, 3 * n_axons))
    axons = rng.integers(0, n_axons, m)
    return axons, rng.integers(1, delay_slots + 1, m)


def _equal(x, y, what: str) -> None:
    if not np.array_equal(x, y):   # the cheap test first: this runs for every tick of every config
        np.testing.assert_array_equal(x, y, err_msg=what)


def _assert_same(a: CoreArray, r: ReferenceCoreArray, fired_a, fired_r, where: str) -> None:
    _equal(fired_a, fired_r, f"spikes {where}")
    sa, sr = a.state(), r.state()
    assert sa.keys() == sr.keys()
    for name in sa:
        _equal(sa[name], sr[name], f"state {name} {where}")
    _equal(a.last_counts, r.last_counts, f"counters {where}")
    assert a.last_duplicates == r.last_duplicates, f"dropped duplicate spikes {where}"


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kernel_equals_reference(config, seed):
    cfg = CONFIGS[config]()
    rng = np.random.default_rng([seed, len(config)])
    programs = _programs(cfg, rng, REACHABLE if seed % 2 == 0 else None, **GEOMETRY.get(config, {}))
    fast, ref = CoreArray(cfg, programs, seed=seed), ReferenceCoreArray(cfg, programs, seed=seed)
    ticks, spikes = 500, 0
    for t in range(ticks):
        axons, delays = _traffic(rng, fast.n_axons, cfg.core.delay_slots)
        fast.schedule(axons, delays)
        ref.schedule(axons, delays)
        fired = fast.step()
        _assert_same(fast, ref, fired, ref.step(), f"at tick {t} ({config}, seed {seed})")
        spikes += fired.size
    np.testing.assert_array_equal(fast.total_counts, ref.total_counts)
    assert fast.total_counts[:, 0].sum() > 0
    assert fast.total_duplicates == ref.total_duplicates
    assert (fast.total_duplicates > 0) == model_of(cfg).capabilities.binary_axons
    if seed % 2 == 0:
        assert spikes > 0, "the reachable-threshold runs must exercise spikes and resets"


@pytest.mark.parametrize("config", ["loihi_narrow", "truenorth"])
def test_reset_replays_identically(config):
    cfg = CONFIGS[config]()
    rng = np.random.default_rng(7)
    cores = CoreArray(cfg, _programs(cfg, rng, REACHABLE), seed=3)
    traffic = [_traffic(rng, cores.n_axons, cfg.core.delay_slots) for _ in range(100)]

    def run():
        out = []
        for axons, delays in traffic:
            cores.schedule(axons, delays)
            out.append((cores.step(), cores.state(), cores.last_counts.copy()))
        return out

    first = run()
    cores.reset()
    assert cores.tick == 0 and not cores.total_counts.any()
    for (f1, s1, c1), (f2, s2, c2) in zip(first, run(), strict=True):
        np.testing.assert_array_equal(f1, f2)
        np.testing.assert_array_equal(c1, c2)
        for name in s1:
            np.testing.assert_array_equal(s1[name], s2[name])


def _harness_core(cfg, prog, rng, ticks: int):
    """(core, inputs [ticks, n], spikes) where neuron i's input arrives on private axons; ``spikes[t]`` are the
    axons to schedule for tick t so that the core's neuron i receives ``inputs[t, i]``.

    Loihi: spike counts on two axons of weight +1 and -1 (any input). TrueNorth (binary axons, one spike per
    axon and tick): one axon per axon type, weighted by the neuron's weights for the types (drawn over the
    whole weight range), so a tick's input is a subset sum of those weights."""
    n = prog.n_neurons
    params = dict(prog.params)
    if not model_of(cfg).capabilities.binary_axons:
        axon, neuron = np.arange(2 * n, dtype=np.int32), np.repeat(np.arange(n, dtype=np.int32), 2)
        core = type(prog)(n, 2 * n, axon, neuron, np.tile([1, -1], n).astype(np.int32), params)
        inputs = rng.integers(-40, 41, (ticks, n))
        spikes = [np.concatenate([np.repeat(2 * np.arange(n), np.maximum(x, 0)),
                                  np.repeat(2 * np.arange(n) + 1, np.maximum(-x, 0))]) for x in inputs]
        return core, inputs, spikes
    k = cfg.core.axon_types
    params["weights"] = rng.integers(cfg.core.weight_min, cfg.core.weight_max, (n, k), endpoint=True)
    params["syn_stochastic"] = np.zeros((n, k), np.int64)
    axon, neuron = np.arange(k * n, dtype=np.int32), np.repeat(np.arange(n, dtype=np.int32), k)
    core = type(prog)(n, k * n, axon, neuron, None, params, np.tile(np.arange(k), n).astype(np.int8))
    on = rng.random((ticks, n, k)) < 0.5
    return core, (on * params["weights"]).sum(axis=2), [np.flatnonzero(o.reshape(-1)) for o in on]


@pytest.mark.parametrize("config", ["loihi_narrow", "truenorth", "truenorth_wrap9"])
def test_harness_equals_core_array(config):
    """The direct-input entry point equals a core where neuron i's input arrives as spikes on private axons
    (:func:`_harness_core`), so the harness shares every rule with the CoreArray path."""
    cfg = CONFIGS[config]()
    rng = np.random.default_rng(3)
    n, ticks = min(cfg.core.neurons_per_core, cfg.core.axons_per_core // 4, 8), 150
    prog = random_program(cfg, rng, n, 4 * n, 0.0, limits=REACHABLE)
    core, inputs, spikes = _harness_core(cfg, prog, rng, ticks)
    want = simulate_neurons(cfg.neuron.model, core.params, inputs, ticks, cfg=cfg, seed=4)
    cores = CoreArray(cfg, [core], seed=4)
    for t in range(ticks):
        cores.schedule(spikes[t], 1)
        fired = cores.step()
        np.testing.assert_array_equal(fired, np.flatnonzero(want["spikes"][t]), err_msg=f"tick {t}")
        np.testing.assert_array_equal(cores.state()["v"], want["v"][t], err_msg=f"tick {t}")
        if "u" in want:
            np.testing.assert_array_equal(cores.state()["u"], want["u"][t], err_msg=f"tick {t}")
