"""Random programmed chips for property tests (valid by construction, parameters across their ranges)."""

from __future__ import annotations

import copy

import numpy as np
import yaml

from chip_configs.schema import PRESET_DIR, ChipConfig, config_from_dict
from cores import CoreProgram
from emulator.mapped import MappedNetwork


def small_config(model: str = "loihi_lif", sync: str = "barrier", **mesh) -> ChipConfig:
    """A 3 x 2 mesh, 2 cores per router, small cores; loihi_lif or truenorth; barrier or fixed sync."""
    d = yaml.safe_load((PRESET_DIR / "tiny.yaml").read_text())
    d = copy.deepcopy(d)
    d["name"] = f"small-{model}"
    d["mesh"] = {"width": 3, "height": 2, "cores_per_router": 2, **mesh}
    d["core"].update(axons_per_core=24, neurons_per_core=12, max_synapses_per_core=288, synapse_memory_bits=2592,
                     max_fan_in=24, max_fan_out=6, delay_slots=5)
    if model == "truenorth":
        d["neuron"] = {"model": "truenorth", "prng_seed": 7}
        d["core"].update(axon_types=4, weight_exp_min=0, weight_exp_max=0)
    if sync == "fixed":
        d["sync"] = {"mode": "fixed", "tick_period_ns": 60.0}
    return config_from_dict(d, "small")


def _loihi_params(rng, n, cfg) -> dict:
    nn = cfg.neuron
    return {
        "du": rng.integers(0, 1 << nn.decay_bits, n),
        "dv": rng.integers(0, 1 << nn.decay_bits, n),
        "vth": rng.integers(0, 200, n),
        "bias_mant": rng.integers(-50, 60, n),
        "bias_exp": rng.integers(0, 4, n),
        "weight_exp": rng.integers(cfg.core.weight_exp_min, 3, n),
        "u0": rng.integers(-1000, 1000, n),
        "v0": rng.integers(-1000, 1000, n),
        # the counter's hold, drawn only where the chip has it (other chips' draws unchanged)
        **({"refractory_ticks": rng.integers(0, nn.refractory_ticks_max + 1, n)}
           if nn.refractory == "silicon" else {}),
    }


def _truenorth_params(rng, n, cfg) -> dict:
    t = cfg.core.axon_types
    return {
        "weights": rng.integers(cfg.core.weight_min, cfg.core.weight_max + 1, (n, t)),
        "syn_stochastic": rng.integers(0, 2, (n, t)),
        "leak": rng.integers(-20, 21, n),
        "leak_reversal": rng.integers(0, 2, n),
        "leak_stochastic": rng.integers(0, 2, n),
        "alpha": rng.integers(1, 300, n),
        "beta": rng.integers(0, 300, n),
        "threshold_mask_bits": rng.integers(0, 5, n),
        "reset_mode": rng.integers(0, 3, n),
        "kappa": rng.integers(0, 2, n),
        "reset_value": rng.integers(-20, 21, n),
        "v0": rng.integers(-100, 100, n),
    }


def _core_program(rng, cfg: ChipConfig) -> CoreProgram:
    c = cfg.core
    n = int(rng.integers(1, c.neurons_per_core + 1))
    a = int(rng.integers(1, c.axons_per_core + 1))
    dense = rng.random((a, n)) < rng.uniform(0.1, 0.6)
    syn_axon, syn_neuron = np.nonzero(dense)
    if cfg.neuron.model == "truenorth":
        return CoreProgram(n, a, syn_axon.astype(np.int32), syn_neuron.astype(np.int32), None,
                           _truenorth_params(rng, n, cfg), rng.integers(0, c.axon_types, a).astype(np.int8))
    w = rng.integers(c.weight_min, c.weight_max + 1, syn_axon.size).astype(np.int32)
    return CoreProgram(n, a, syn_axon.astype(np.int32), syn_neuron.astype(np.int32), w, _loihi_params(rng, n, cfg))


def random_mapped(cfg: ChipConfig, seed: int, n_inputs: int = 6) -> MappedNetwork:
    """Random used cores, crossbars, parameters, destinations (core, axon, delay), inputs and outputs."""
    rng = np.random.default_rng(seed)
    n_used = int(rng.integers(1, cfg.num_cores + 1))
    used = sorted(rng.choice(cfg.num_cores, n_used, replace=False).tolist())
    progs = {k: _core_program(rng, cfg) for k in used}

    def random_dests(max_n: int) -> list[tuple[int, int, int]]:
        out = []
        for _ in range(int(rng.integers(0, max_n + 1))):
            k = used[int(rng.integers(len(used)))]
            out.append((k, int(rng.integers(progs[k].n_axons)), int(rng.integers(1, cfg.core.delay_slots + 1))))
        return out

    cores = {k: (p, {j: random_dests(cfg.core.max_fan_out) for j in range(p.n_neurons)}) for k, p in progs.items()}
    inputs = {i: random_dests(4) for i in range(n_inputs)}
    outputs = [(k, j) for k in used for j in range(progs[k].n_neurons) if rng.random() < 0.3] or [(used[0], 0)]
    return MappedNetwork.build(cfg.name, cores, inputs, outputs, n_inputs=n_inputs, metadata={"name": f"random-{seed}"})


def random_inputs(seed: int, batch: int, ticks: int, n_inputs: int, p: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed + 10_000)
    return (rng.random((batch, ticks, n_inputs)) < p).astype(np.int32)


def funnel_mapped(cfg: ChipConfig, seed: int, n_inputs: int = 6, targets: int = 3) -> MappedNetwork:
    """:func:`random_mapped`'s cores with every neuron one destination among ``targets`` (core, axon, delay)
    triples: one-target neurons whose spikes meet on the same axons in the same tick (dropped duplicates, from
    cores far apart: both halves of a two-thread tick)."""
    rng = np.random.default_rng(seed)
    used = sorted(rng.choice(cfg.num_cores, int(rng.integers(4, cfg.num_cores + 1)), replace=False).tolist())
    progs = {k: _core_program(rng, cfg) for k in used}
    dests = [(k, int(rng.integers(progs[k].n_axons)), int(rng.integers(1, cfg.core.delay_slots + 1)))
             for k in (used[int(i)] for i in rng.integers(len(used), size=targets))]
    cores = {k: (p, {j: [dests[int(rng.integers(targets))]] for j in range(p.n_neurons)}) for k, p in progs.items()}
    inputs = {i: [dests[i % targets]] for i in range(n_inputs)}
    return MappedNetwork.build(cfg.name, cores, inputs, [(used[0], 0)], n_inputs=n_inputs,
                               metadata={"name": f"funnel-{seed}"})
