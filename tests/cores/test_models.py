"""Every registered neuron model satisfies the unit's interface, and its free NumPy step runs without a chip.

The registry (:data:`cores.models.MODELS`) is the only place a model is named; these tests run over all of it,
so a new model is checked by adding it there.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from chip_configs.schema import NEURON_BLOCKS, load_config
from cores import CoreArray, simulate_neurons
from cores import fixed_point as fx
from cores._compiled import _kernels
from cores.models import MODELS, Capabilities, Draws, NeuronModel, Register, get_model, model_of, models_with
from cores.params import ParamRange, ParamRecord
from cores.prng import seed_key
from mapping.programs import BUILDERS
from mapping.quantize import QUANTIZERS
from tests.cores._factories import random_params, random_program

NAMES = sorted(MODELS)
REACHABLE = {"alpha": (0, 400), "beta": (0, 400), "vth": (0, 64)}


def test_registry_matches_the_config_schema():
    """Every neuron block of the schema has a unit of the same name, and every unit names its block."""
    assert set(MODELS) == set(NEURON_BLOCKS)
    for name, unit in MODELS.items():
        assert unit.name == name and unit.config_block is NEURON_BLOCKS[name]
        assert get_model(name) is unit and model_of(load_config(unit.preset)) is unit
    assert set(models_with("fused_loop")) <= set(MODELS)


@pytest.mark.parametrize("name", NAMES)
def test_unit_interface(name):
    unit, cfg = MODELS[name], load_config(MODELS[name].preset)
    assert isinstance(unit, NeuronModel) and isinstance(unit.capabilities, Capabilities)
    # Parameters: a frozen record whose fields are exactly its range table, in order.
    assert issubclass(unit.Params, ParamRecord) and unit.Params.model == name
    assert unit.Params.__dataclass_params__.frozen
    ranges = unit.ranges(cfg)
    assert tuple(ranges) == unit.Params.names()
    assert all(isinstance(r, ParamRange) and r.lo <= r.hi for r in ranges.values())
    # Kernel record: the NumPy twin has the C struct's size and every column but the padding is filled.
    assert unit.record_dtype.itemsize == _kernels.record_sizes()[unit.kernel_record]
    p = unit.validate_params(cfg, {}, 3)
    cols = unit.record_columns(cfg, p)
    assert set(cols) == set(unit.record_dtype.names) - {"pad"}
    assert isinstance(unit.kernel_options(cfg), dict) and isinstance(unit.rest_flag, int)
    assert unit.input_scale_bits(cfg) >= 0
    # Registers: unique names, integer dtypes, initial values from parameters, widths within int64.
    regs = unit.registers(cfg)
    assert all(isinstance(r, Register) for r in regs) and len({r.name for r in regs}) == len(regs)
    for r in regs:
        assert np.dtype(r.dtype).kind == "i" and 0 <= r.bits <= 62
        assert r.initial is None or r.initial in unit.Params.names()
        assert r.overflow in (None, "wrap", "saturate") and r.convention in fx.WRAP_CONVENTIONS
        if r.initial and r.overflow:   # an initial value ranges over what the register holds
            assert (ranges[r.initial].lo, ranges[r.initial].hi) == r.range()
    # Typed axons need the config's axon types; the mapping hooks exist for every model.
    assert (cfg.core.axon_types is not None) == unit.capabilities.typed_axons
    assert name in QUANTIZERS and name in BUILDERS


@pytest.mark.parametrize("name", NAMES)
def test_memory_rule_matches_the_core_array(name):
    unit, cfg = MODELS[name], load_config(MODELS[name].preset)
    rng = np.random.default_rng(1)
    programs = [random_program(cfg, rng, n, a, 0.3) for n, a in ((5, 7), (9, 4))]
    ca = CoreArray(cfg, programs)
    bits = unit.memory_bits(cfg, [5, 9], [7, 4], [p.n_synapses for p in programs])
    assert {k: v.tolist() for k, v in bits.items()} == {k: v.tolist() for k, v in ca.memory_bits().items()}
    present = {r.name for r in unit.registers(cfg) if r.present}
    assert set(ca.state()) == present == set(unit.state_names(cfg))
    assert bits["state"].tolist() == [n * sum(r.bits for r in unit.registers(cfg) if r.present) for n in (5, 9)]


@pytest.mark.parametrize("name", NAMES)
def test_free_step_runs_without_a_chip_and_equals_the_kernel(name):
    """The oracle's step, fed a summed input directly (no crossbar, no core array), equals the compiled
    direct-input entry point tick for tick (draws of core 0, as the harness makes them)."""
    unit, cfg = MODELS[name], load_config(MODELS[name].preset)
    rng = np.random.default_rng(5)
    n, ticks, seed = 12, 60, 3
    params = random_params(cfg, rng, n, REACHABLE)
    inputs = rng.integers(-40, 41, (ticks, n))
    want = simulate_neurons(name, params, inputs, ticks, cfg=cfg, seed=seed)
    assert want["spikes"].any(), "thresholds in reach: the run exercises spikes and resets"
    p = unit.validate_params(cfg, params, n)
    state = {r.name: getattr(p, r.initial).copy() if r.initial else np.zeros(n, np.int64)
             for r in unit.registers(cfg) if r.present}
    key = seed_key(seed)
    for t in range(ticks):
        spike, active, state = unit.step(cfg, p, state, inputs[t].astype(np.int64), Draws.one_core(key, t, n))
        assert spike.dtype == bool and active.dtype == bool and not (spike & ~active).any()
        np.testing.assert_array_equal(spike, want["spikes"][t] != 0, err_msg=f"{name} spikes at tick {t}")
        for reg, trace in want.items():
            if reg != "spikes":
                np.testing.assert_array_equal(state[reg], trace[t], err_msg=f"{name} {reg} at tick {t}")


@pytest.mark.parametrize("name", NAMES)
def test_capabilities_are_plain_flags(name):
    caps = MODELS[name].capabilities
    assert all(isinstance(getattr(caps, f.name), bool) for f in dataclasses.fields(caps))
