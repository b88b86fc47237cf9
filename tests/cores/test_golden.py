"""Lava 0.10 bit-accurate LIF golden vectors: the harness, the weight stage and a whole CoreArray reproduce them."""

from __future__ import annotations

import numpy as np
import pytest

from chip_configs.schema import load_config
from cores import CoreArray, CoreProgram, lava_dense_weights, simulate_neurons
from cores.fixed_point import shift
from tests.cores._factories import golden, golden_case

CASES = ["c00_nodecay", "c01_small_decay", "c02_du4095", "c04_typical_long", "c05_bias_only",
         "c07_u_wrap_pos", "c09_weight_trunc", "c13_init_state"]


@pytest.fixture(scope="module")
def data():
    return golden()


def test_all_cases_listed(data):
    assert sorted(str(c) for c in data["case_names"]) == sorted(CASES)


def _neuron_params(c: dict) -> dict:
    return {"du": c["du"], "dv": c["dv"], "vth": c["vth"], "bias_mant": c["bias_mant"],
            "bias_exp": c["bias_exp"], "u0": c["u0"], "v0": c["v0"]}


@pytest.mark.parametrize("case", CASES)
def test_harness_reproduces_u_v_s(data, case):
    c = golden_case(data, case)
    out = simulate_neurons("loihi_lif", _neuron_params(c), c["a_in"], c["T"])
    for ours, theirs in (("u", "u"), ("v", "v"), ("spikes", "s")):
        mismatch = np.argwhere(out[ours] != c[theirs])
        assert mismatch.size == 0, f"{case}: {ours} differs first at (tick, neuron) {mismatch[:1].tolist()}"


@pytest.mark.parametrize("case", CASES)
def test_dense_weights_and_a_in(data, case):
    c = golden_case(data, case)
    w_eff = lava_dense_weights(c["weights"], c["num_weight_bits"])
    np.testing.assert_array_equal(w_eff, c["weights_eff"])
    # a_in[0] = 0; a_in[t] = shift(W_eff @ raster[:, t-1], weight_exp): one tick of delay per hop.
    a_in = np.zeros_like(c["a_in"])
    a_in[1:] = shift(w_eff @ c["raster"][:, :-1], c["weight_exp"]).T
    np.testing.assert_array_equal(a_in, c["a_in"])


def _golden_core(c: dict) -> CoreProgram:
    """One core: input source i = axon i, a synapse for every (input, neuron) pair with weight weights_eff."""
    n, m = c["weights_eff"].shape
    neuron, axon = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    params = _neuron_params(c) | {"weight_exp": c["weight_exp"]}
    return CoreProgram(n, m, axon.ravel().astype(np.int32), neuron.ravel().astype(np.int32),
                       c["weights_eff"].ravel().astype(np.int32), params)


@pytest.mark.parametrize("case", CASES)
def test_core_array_reproduces_u_v_s(data, case):
    c = golden_case(data, case)
    cores = CoreArray(load_config("loihi"), [_golden_core(c)])
    for t in range(c["T"]):
        fired = cores.step()
        state = cores.state()
        np.testing.assert_array_equal(state["u"], c["u"][t], err_msg=f"{case} u at tick {t}")
        np.testing.assert_array_equal(state["v"], c["v"][t], err_msg=f"{case} v at tick {t}")
        np.testing.assert_array_equal(fired, np.flatnonzero(c["s"][t]), err_msg=f"{case} spikes at tick {t}")
        # Raster column t is emitted at tick t; with delay 1 it is integrated at tick t + 1 (Lava's Dense hop).
        cores.schedule(np.flatnonzero(c["raster"][:, t]), 1)
