"""Program and parameter validation: every error names the core, the item, the value and what is allowed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chip_configs.errors import ProgramError, SimulationError
from chip_configs.schema import load_config
from cores import (
    CoreArray,
    CoreProgram,
    LoihiLifParams,
    TrueNorthParams,
    param_ranges,
    simulate_neurons,
    validate_params,
)
from tests.cores._factories import variant

PRESETS = ["loihi", "truenorth"]


def _ok_program(cfg, n=4, a=3) -> CoreProgram:
    if cfg.neuron.model == "truenorth":
        return CoreProgram(n, a, [0, 1], [0, 1], None, {}, np.zeros(a, np.int8))
    return CoreProgram(n, a, [0, 1], [0, 1], [1, -1], {})


def test_error_names_core_parameter_neuron_value_and_range():
    cfg = load_config("loihi")
    bad = _ok_program(cfg)
    bad = CoreProgram(bad.n_neurons, bad.n_axons, bad.syn_axon, bad.syn_neuron, bad.syn_weight,
                      {"du": [0, 0, 5000, 4096]})
    with pytest.raises(ProgramError) as info:
        CoreArray(cfg, [_ok_program(cfg), bad])
    msg = str(info.value)
    for part in ("core 1", "'du'", "neuron 2", "5000", "0..4095", "2 value(s) out of range"):
        assert part in msg, msg


@pytest.mark.parametrize("preset", PRESETS)
def test_every_parameter_edge_is_accepted_and_one_past_is_refused(preset):
    # The range table drives both the valid edges and the invalid values (scikit-learn's habit).
    cfg = load_config(preset)
    n = 3
    for name, r in param_ranges(cfg).items():
        shape = (n, cfg.core.axon_types) if r.typed else (n,)
        ok = np.full(shape, r.lo)
        ok[-1] = r.hi
        validate_params(cfg, {name: ok}, n, core_index=5)
        for value in (r.lo - 1, r.hi + 1):
            bad = ok.copy()
            bad[1] = value
            with pytest.raises(ProgramError, match=rf"core 5: parameter '{name}' of neuron 1.* is {value}; "
                                                  rf"allowed {r.lo}\.\.{r.hi}"):
                validate_params(cfg, {name: bad}, n, core_index=5)


def test_ranges_come_from_the_config():
    cfg = variant("loihi", **{"neuron.decay_bits": 8, "neuron.bias_exp_bits": 2, "neuron.refractory_ticks_max": 9})
    r = param_ranges(cfg)
    assert (r["du"].lo, r["du"].hi) == (0, 255)
    assert (r["bias_exp"].lo, r["bias_exp"].hi) == (-4, 3)
    assert (r["weight_exp"].lo, r["weight_exp"].hi) == (cfg.core.weight_exp_min, cfg.core.weight_exp_max)
    assert (r["u0"].lo, r["u0"].hi) == (-(2**23 - 1), 2**23)          # wrap: Lava keeps +2**23
    assert (r["v0"].lo, r["v0"].hi) == (-(2**23 - 1), 2**23 - 1)      # saturate: symmetric
    assert r["refractory_ticks"].hi == 9
    t = param_ranges(load_config("truenorth"))
    assert (t["weights"].lo, t["weights"].hi, t["weights"].typed) == (-256, 255, True)
    assert (t["alpha"].hi, t["threshold_mask_bits"].hi, t["leak"].lo) == (2**18 - 1, 17, -256)


def test_records_and_other_parameter_errors():
    cfg = load_config("truenorth")
    rec = validate_params(cfg, {"alpha": 7}, 2)
    assert isinstance(rec, TrueNorthParams) and rec.alpha.tolist() == [7, 7] and rec.weights.shape == (2, 4)
    assert isinstance(validate_params(load_config("loihi"), {}, 1), LoihiLifParams)
    with pytest.raises(ValueError, match="read-only"):
        rec.alpha[0] = 1          # the record is frozen, and so are its arrays
    with pytest.raises(ProgramError, match="unknown parameter.*'vth'"):
        validate_params(cfg, {"vth": 1}, 2)
    with pytest.raises(ProgramError, match="must be integers"):
        validate_params(cfg, {"alpha": 1.5}, 2)
    with pytest.raises(ProgramError, match=r"'weights' has shape \(2,\); expected \(2, 4\)"):
        validate_params(cfg, {"weights": [1, 2]}, 2)


@pytest.mark.parametrize(("change", "pattern"), [
    ({"n_neurons": 9}, r"core 0: neurons \(9\) exceed the per-core maximum 8"),
    ({"n_axons": 17}, r"core 0: axons \(17\) exceed the per-core maximum 16"),
    ({"syn_axon": [0, 16]}, r"core 0: synapse 1 has syn_axon 16; allowed 0..2"),
    ({"syn_neuron": [0, -1]}, r"core 0: synapse 1 has syn_neuron -1; allowed 0..3"),
    ({"syn_weight": [1, 256]}, r"core 0: synapse 1 \(axon 1 -> neuron 1\) has weight 256; allowed -256..255"),
    ({"syn_weight": None}, r"core 0: syn_weight must be an integer array"),
])
def test_program_errors(change, pattern):
    cfg = load_config("tiny")
    fields = {"n_neurons": 4, "n_axons": 3, "syn_axon": [0, 1], "syn_neuron": [0, 1], "syn_weight": [1, -1]}
    with pytest.raises(ProgramError, match=pattern):
        CoreProgram(**(fields | change)).validate(cfg, 0)


def test_capacity_and_fan_in_limits():
    cfg = load_config("tiny")                      # 128 synapses per core, fan-in 16
    axon = np.tile(np.arange(16), 9)[:129]
    neuron = np.repeat(np.arange(8), 17)[:129]
    with pytest.raises(ProgramError, match=r"core 2: synapses \(129\) exceed max_synapses_per_core \(128\)"):
        CoreProgram(8, 16, axon, neuron, np.zeros(129, np.int32)).validate(cfg, 2)
    axon, neuron = np.concatenate([np.arange(16), [0]]), np.zeros(17, int)   # a duplicate synapse: fan-in 17
    with pytest.raises(ProgramError, match=r"core 0: neuron 0 has fan-in 17; max_fan_in is 16"):
        CoreProgram(8, 16, axon, neuron, np.zeros(17, np.int32)).validate(cfg, 0)


def test_truenorth_program_errors():
    cfg = load_config("truenorth")
    with pytest.raises(ProgramError, match=r"core 0: axon 1 has type 4; allowed 0..3"):
        CoreProgram(2, 2, [0], [0], None, {}, np.array([0, 4], np.int8)).validate(cfg, 0)
    with pytest.raises(ProgramError, match="axon_type must be an integer array of shape"):
        CoreProgram(2, 2, [0], [0], None, {}, None).validate(cfg, 0)
    with pytest.raises(ProgramError, match="crossbar point axon 1 -> neuron 0 is given more than once"):
        CoreProgram(2, 2, [1, 1], [0, 0], None, {}, np.zeros(2, np.int8)).validate(cfg, 0)


def test_too_many_programs():
    cfg = load_config("tiny")
    with pytest.raises(ProgramError, match="5 core programs given; the chip has 4 cores"):
        CoreArray(cfg, [_ok_program(cfg)] * 5)


def test_schedule_errors_name_entry_value_and_range():
    cores = CoreArray(load_config("tiny"), [_ok_program(load_config("tiny"))])
    with pytest.raises(SimulationError, match=r"delay entry 1 is 5; allowed 1..4"):
        cores.schedule([0, 1], [1, 5])
    with pytest.raises(SimulationError, match=r"delay entry 0 is 0; allowed 1..4"):
        cores.schedule([0], 0)
    with pytest.raises(SimulationError, match=r"axon entry 0 is 3; allowed 0..2"):
        cores.schedule([3], 1)


def test_harness_errors():
    with pytest.raises(SimulationError, match="unknown model"):
        simulate_neurons("izhikevich", {}, np.zeros((2, 1), int), 2)
    with pytest.raises(SimulationError, match=r"shape \(3, n\)"):
        simulate_neurons("loihi_lif", {}, np.zeros((2, 1), int), 3)
    with pytest.raises(SimulationError, match="does not match cfg.neuron.model"):
        simulate_neurons("truenorth", {}, np.zeros((2, 1), int), 2, cfg=load_config("loihi"))


def test_import_fails_loudly_without_the_kernel():
    code = "import sys; sys.modules['cores._kernels'] = None; import cores"
    repo = Path(__file__).resolve().parents[2]
    res = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=False)
    assert res.returncode != 0
    assert re.search(r"ImportError: cores\._kernels \(Cython\) is not built", res.stderr), res.stderr
