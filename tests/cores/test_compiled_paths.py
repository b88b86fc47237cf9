"""Every compiled path of every neuron rule against the NumPy oracle, exactly, on edge values.

The rules are written once (``cores/nm_rules.h``) and compiled into several paths; each one runs here on the
same small chips and inputs as the oracle (:class:`cores._reference.ReferenceCoreArray`) and must give the
same spikes, every state register after every tick and the same counts (syn-ops, active and inactive updates,
spikes per core):

- ``cores/<model>``: the per-core kernels of :class:`cores.CoreArray` (``cores._kernels``);
- ``direct/<model>``: the direct-input entry points (:func:`cores.simulate_neurons`);
- ``fused/<update>/<level>``: the fused loop's neuron updates by name (:func:`emulator._fused.run_update`):
  ``rules`` (the one-neuron rules, with silicon refractory), ``int64`` (``_lif_batch.c``) and ``int32``
  (``_lif32.c``) at every instruction-set level, whatever the CPU's best would be;
- ``fused/bits/<level>``: the fused loop's TrueNorth cores (:class:`emulator._fused.BitCores`,
  ``_tn_fused.c``: axon bits per delay slot, bit-parallel crossbar integration, the lane rule in int32 lanes or,
  beyond their bounds (``truenorth_wide``), the int64 rule) at every level, driven through the CoreArray's
  interface, duplicates included; ``fused/bits16/<level>``: the same with the crossbar summed in int16 lanes
  (dense rows, no stochastic synapse, uniform weights broadcast).

Parameters come from the range tables (:func:`cores.param_ranges`): each value is an edge (min, max, 0, and
one off each of them, within range) or uniform in the range. Inputs reach an axon up to COUNT_MAX times per
tick, part of them by delay 2 scheduled a tick earlier, so that on binary axons (TrueNorth) duplicates from
one and from two delay slots are ORed and counted by every path alike; the 9-bit wrapping TrueNorth membrane
(``truenorth_wrap9``) starts at and crosses its two's-complement edges -256 and 255. A level the CPU lacks is skipped with a reason
naming it and what the CPU runs, and the terminal summary lists the paths that ran and the ones this CPU
lacks. A path runs only the configs it is built for (int64 and int32: no silicon refractory; int32: registers
within its 32-bit bounds, inputs within its accumulator), so no case is skipped for any other reason.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from cores import CoreArray, CoreProgram, model_of, param_ranges, simulate_neurons, tables
from cores._compiled import _kernels
from cores._reference import ReferenceCoreArray
from emulator import _fused, fused
from emulator.fused import W_MIXED, bit_plans, bit_sums16
from tests.cores._factories import variant

TICKS = 24
SILENT = range(9, 16)        # ticks without input: cores at rest fall quiet (the vector paths then skip them)
COUNT_MAX = 40               # input spikes per axon and tick
CNT_BITS = 8                 # the 32-bit accumulator's count field: 2 axons x 40 < 2**8

CONFIGS = {
    # the preset with its refractory counter off (the config "loihi_refractory" covers the counter)
    "loihi": lambda: variant("loihi", **{"neuron.refractory": "none", "neuron.refractory_ticks_max": 0}),
    "loihi_saturate_u": lambda: variant("loihi", **{"neuron.refractory": "none", "neuron.refractory_ticks_max": 0,
                                                    "neuron.current_overflow": "saturate",
                                                    "neuron.membrane_overflow": "wrap"}),
    "loihi_narrow": lambda: variant("tiny", **{
        "neuron.current_bits": 12, "neuron.membrane_bits": 10, "neuron.decay_bits": 8,
        "neuron.threshold_mant_bits": 5, "neuron.threshold_shift": 3, "neuron.input_shift": 2,
        "neuron.bias_mant_bits": 6, "neuron.bias_exp_bits": 2, "neuron.membrane_overflow": "wrap"}),
    "loihi_refractory": lambda: variant("tiny", **{"neuron.refractory": "silicon", "neuron.refractory_ticks_max": 5,
                                                   "neuron.current_overflow": "saturate"}),
    "loihi_wide": lambda: variant("tiny", **{
        "neuron.current_bits": 44, "neuron.membrane_bits": 48, "neuron.decay_bits": 16,
        "neuron.bias_mant_bits": 20, "neuron.bias_exp_bits": 4, "neuron.membrane_overflow": "wrap"}),
    "truenorth": lambda: variant("truenorth"),
    "truenorth_narrow": lambda: variant("truenorth", **{
        "neuron.membrane_bits": 12, "neuron.threshold_bits": 10, "neuron.threshold_mask_bits": 8,
        "neuron.membrane_overflow": "wrap"}),
    # RANC's 9-bit potential: two's-complement wrap at -256 / 255, weights as wide as the membrane.
    "truenorth_wrap9": lambda: variant("truenorth", **{
        "neuron.membrane_bits": 9, "neuron.threshold_bits": 8, "neuron.threshold_mask_bits": 6,
        "neuron.membrane_overflow": "wrap"}),
}
# beyond the fused loop's int32 lanes (emulator.fused.bit_lanes_exact): its int64 rule runs
CONFIGS["truenorth_wide"] = lambda: variant("truenorth", **{"neuron.membrane_bits": 40,
                                                            "neuron.membrane_overflow": "wrap"})
TRUENORTH = {"truenorth", "truenorth_narrow", "truenorth_wrap9", "truenorth_wide"}
REFRACTORY = {"loihi_refractory"}
NOT_32_BIT = REFRACTORY | {"loihi_wide"}     # beyond the 32-bit bounds of _lif32.c (the plan never picks it)
LEVELS = _fused.SIMD_LEVELS
AVAILABLE = _fused.simd_available()


# ----- edge values from the range tables -------------------------------------------------------------------
def edge_values(rng, lo: int, hi: int, shape) -> np.ndarray:
    """Values in [lo, hi]: about 60 % edges (lo, hi, 0, -1, 1, lo + 1, hi - 1, where in range), the rest
    uniform."""
    edges = np.array(sorted({x for x in (lo, lo + 1, hi - 1, hi, 0, -1, 1) if lo <= x <= hi}), np.int64)
    uniform = rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64)
    return np.where(rng.random(shape) < 0.6, rng.choice(edges, size=shape), uniform)


def edge_params(cfg, rng, n: int) -> dict:
    """Every parameter of the model from its range table (typed ones per axon type)."""
    return {name: edge_values(rng, r.lo, r.hi, (n, cfg.core.axon_types) if r.typed else (n,))
            for name, r in param_ranges(cfg).items()}


def _quiet_core(cfg, p: dict) -> None:
    """Core 0 settles at rest within the silent ticks (no bias, fastest decay; TrueNorth: no leak)."""
    if cfg.neuron.model == "truenorth":
        p.update(leak=np.zeros_like(p["leak"]), alpha=np.maximum(p["alpha"], 1))
        return
    full = (1 << cfg.neuron.decay_bits) - 1
    p.update(bias_mant=np.zeros_like(p["bias_mant"]), du=np.full_like(p["du"], full), dv=np.full_like(p["dv"], full))


def _uniform_core(p: dict) -> None:
    """Core 1 shares one parameter set (the 32-bit path's profiles); its initial state stays per neuron."""
    for name, x in p.items():
        if name not in ("u0", "v0"):
            x[:] = x[0]


def chip(cfg, rng, n_cores: int = 3, n: int = 24):
    """Cores of n neurons, each neuron with two private axons: weights (or axon types) positive and negative,
    so that a neuron's input is w+ c+ + w- c- for the counts c of its axons."""
    n = min(n, cfg.core.neurons_per_core, cfg.core.axons_per_core // 2)
    progs, weights = [], []
    for k in range(min(n_cores, cfg.num_cores)):
        p = edge_params(cfg, rng, n)
        if k == 0:
            _quiet_core(cfg, p)
        if k == 1:
            _uniform_core(p)
        axon, neuron = np.arange(2 * n, dtype=np.int32), np.repeat(np.arange(n, dtype=np.int32), 2)
        if cfg.neuron.model == "truenorth":
            types = np.tile(np.arange(2, dtype=np.int8), n)
            progs.append(CoreProgram(n, 2 * n, axon, neuron, None, p, types))
            continue
        w = np.empty(2 * n, np.int64)
        w[0::2] = edge_values(rng, 1, cfg.core.weight_max, n)
        w[1::2] = edge_values(rng, cfg.core.weight_min, -1, n)
        progs.append(CoreProgram(n, 2 * n, axon, neuron, w.astype(np.int32), p))
        weights.append(w)
    return progs, (np.concatenate(weights) if weights else None)


def traffic(rng, n_axons: int) -> np.ndarray:
    """Input spike counts [TICKS, axons]: half the entries 0, edges 1 and COUNT_MAX, none in SILENT."""
    c = np.where(rng.random((TICKS, n_axons)) < 0.5, 0, edge_values(rng, 0, COUNT_MAX, (TICKS, n_axons)))
    c[list(SILENT)] = 0
    return c


# ----- running the oracle and the paths ---------------------------------------------------------------------
def _early(counts: np.ndarray, t: int) -> np.ndarray:
    """The part of tick t's counts sent a tick ahead with delay 2 (half of each, none for tick 0)."""
    return counts[t] // 2 if 0 < t < counts.shape[0] else np.zeros_like(counts[0])


def _feed(cores, counts: np.ndarray, t: int) -> None:
    """Schedule ``counts[t]`` spikes per axon due at tick t (the rest of them, by delay 1) and the early part
    of tick t + 1's (by delay 2): an axon's spikes due at one tick come from two delay slots."""
    for d, c in ((1, counts[t] - _early(counts, t)), (2, _early(counts, t + 1))):
        axons = np.repeat(np.arange(c.size), c)
        cores.schedule(axons, np.full_like(axons, d))


def run_chip(cls, cfg, progs, counts, seed: int) -> dict:
    """Spikes, registers after each tick, per-core counts and dropped duplicate spikes (binary axons) of a whole
    chip (the oracle or CoreArray)."""
    cores = cls(cfg, progs, seed=seed)
    out = {"spikes": [], "counts": [], "duplicates": [], **{name: [] for name in cores.state()}}
    for t in range(TICKS):
        _feed(cores, counts, t)
        fired = cores.step()
        row = np.zeros(cores.n_neurons, np.uint8)
        row[fired] = 1
        out["spikes"].append(row)
        out["counts"].append(cores.last_counts.copy())
        out["duplicates"].append(cores.last_duplicates)
        for name, x in cores.state().items():
            out[name].append(x)
    return {k: np.array(v) for k, v in out.items()}


def assert_same(got: dict, want: dict, names, where: str) -> None:
    for name in names:
        for t in range(TICKS):
            np.testing.assert_array_equal(np.asarray(got[name][t], np.int64), np.asarray(want[name][t], np.int64),
                                          err_msg=f"{where}: {name} at tick {t}")


@functools.cache
def _case(config: str, seed: int):
    """(cfg, programs, weights, input counts, the oracle's run) of one config and seed (shared by the paths;
    read only)."""
    cfg = CONFIGS[config]()
    rng = np.random.default_rng([seed, len(config)])
    progs, w = chip(cfg, rng)
    counts = traffic(rng, sum(p.n_axons for p in progs))
    return cfg, progs, w, counts, run_chip(ReferenceCoreArray, cfg, progs, counts, seed)


def _registers(cfg) -> tuple[str, ...]:
    if cfg.neuron.model == "truenorth":
        return ("v",)
    return ("u", "v", "refractory") if cfg.neuron.refractory == "silicon" else ("u", "v")


# ----- the paths ---------------------------------------------------------------------------------------------
def _fused_cases():
    for update, level in _fused.update_paths():
        for config in sorted(CONFIGS):
            if config in TRUENORTH or (update != "rules" and config in REFRACTORY):
                continue
            if update == "int32" and config in NOT_32_BIT:
                continue
            marks = [] if level in AVAILABLE else [pytest.mark.skip(
                reason=f"fused/{update}/{level}: this CPU lacks {level} (it runs {', '.join(AVAILABLE)})")]
            # the 32-bit path reads a uniform core's parameters from its profile, or every core's per neuron
            for profiles in ((False, True) if update == "int32" else (False,)):
                yield pytest.param(update, level, config, profiles, marks=marks,
                                   id=f"fused/{update}/{level}-{config}" + ("-profiles" if profiles else ""))


SEEDS = [0, 1]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_core_kernels_equal_the_oracle(config, seed):
    """cores/<model>: CoreArray.step, every register after every tick, spikes, counts and dropped duplicates."""
    cfg, progs, _, counts, want = _case(config, seed)
    got = run_chip(CoreArray, cfg, progs, counts, seed)
    names = ("spikes", "counts", "duplicates", *_registers(cfg))
    assert_same(got, want, names, f"cores/{cfg.neuron.model} {config}")
    assert want["spikes"].any() and want["counts"][:, :, 0].any()
    # binary axons drop exactly the spikes beyond the first per axon and tick; graded ones drop none
    dropped = (counts - np.minimum(counts, 1)).sum(axis=1)
    binary = model_of(cfg).capabilities.binary_axons
    np.testing.assert_array_equal(want["duplicates"], dropped if binary else 0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_direct_entry_points_equal_the_oracle(config, seed):
    """direct/<model>: simulate_neurons on core 0 of a one-core chip, fed the summed input the oracle's
    synapses deliver (TrueNorth: deterministic synapses, the direct path's input is already summed)."""
    cfg = CONFIGS[config]()
    rng = np.random.default_rng([seed, 7, len(config)])
    progs, w = chip(cfg, rng, n_cores=1)
    prog = progs[0]
    if cfg.neuron.model == "truenorth":
        prog.params["syn_stochastic"][:] = 0
    counts = traffic(rng, prog.n_axons)
    want = run_chip(ReferenceCoreArray, cfg, [prog], counts, seed)
    if model_of(cfg).capabilities.binary_axons:
        counts = np.minimum(counts, 1)     # an axon holds one spike per tick: duplicates OR
    if cfg.neuron.model == "truenorth":
        wt = prog.params["weights"][np.arange(prog.n_neurons).repeat(2), np.tile([0, 1], prog.n_neurons)]
        a_in = (counts * wt).reshape(TICKS, -1, 2).sum(axis=2)
    else:
        a_in = (counts * w).reshape(TICKS, -1, 2).sum(axis=2)
    got = simulate_neurons(cfg.neuron.model, prog.params, a_in, TICKS, cfg=cfg, seed=seed)
    regs = ("v",) if cfg.neuron.model == "truenorth" else ("u", "v")
    assert_same(got, want, ("spikes", *regs), f"direct/{cfg.neuron.model} {config}")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("update", "level", "config", "profiles"), list(_fused_cases()))
def test_fused_updates_equal_the_oracle(update, level, config, profiles, seed):
    """fused/<update>/<level>: the fused loop's neuron update by name, fed the accumulators the oracle's
    synapses fill (summed weight and events per neuron), from the oracle's initial registers."""
    cfg, progs, w, counts, want = _case(config, seed)
    cores = CoreArray(cfg, progs, seed=seed)
    a_in = (counts * w).reshape(TICKS, -1, 2).sum(axis=2)
    events = counts.reshape(TICKS, -1, 2).sum(axis=2)
    s0 = cores.state()
    got = _fused.run_update(update, level, cores._prm, cores.neuron_offset, tables.kernel_options(cfg), s0["u"],
                            s0["v"], s0.get("refractory", np.zeros(cores.n_neurons, np.int32)), a_in, events,
                            cnt_bits=CNT_BITS, profiles=profiles)
    got["refractory"] = got["refr"]
    assert_same(got, want, ("spikes", "counts", *_registers(cfg)), f"fused/{update}/{level} {config}")


class FusedBitCores:
    """The fused loop's TrueNorth cores behind the CoreArray interface of :func:`run_chip` (at ``LEVEL``)."""

    LEVEL = "scalar"
    LANES16 = None      # None: the plan's choice; False: the int32 sums

    def __init__(self, cfg, progs, seed):
        self.cores = CoreArray(cfg, progs, seed=seed)
        self.bc = _fused.BitCores(*bit_plans(self.cores))
        self.bc.simd = self.LEVEL
        if self.LANES16 is not None:
            self.bc.lanes16 = self.LANES16
        self.n_neurons = self.cores.n_neurons
        self.last_counts, self.last_duplicates = None, 0

    def schedule(self, axons, delays):
        self.bc.schedule(axons, delays)

    def step(self):
        spikes, self.last_counts, self.last_duplicates = self.bc.step()
        return spikes

    def state(self):
        return self.cores.state()


def _bit_cases():
    for level in LEVELS:
        for config in sorted(TRUENORTH):
            marks = [] if level in AVAILABLE else [pytest.mark.skip(
                reason=f"fused/bits/{level}: this CPU lacks {level} (it runs {', '.join(AVAILABLE)})")]
            yield pytest.param(level, config, marks=marks, id=f"fused/bits/{level}-{config}")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("level", "config"), list(_bit_cases()))
def test_fused_bit_cores_equal_the_oracle(level, config, seed):
    """fused/bits/<level>: the fused loop's TrueNorth cores, fed the oracle's spikes through their axon bits:
    spikes, v after every tick, counts and dropped duplicates."""
    cfg, progs, _, counts, want = _case(config, seed)
    cls = type("Cores", (FusedBitCores,), {"LEVEL": level})
    got = run_chip(cls, cfg, progs, counts, seed)
    assert_same(got, want, ("spikes", "counts", "duplicates", "v"), f"fused/bits/{level} {config}")
    assert _fused.BitCores(*bit_plans(CoreArray(cfg, progs, seed=seed))).lanes32 == (config != "truenorth_wide")


def dense_chip(cfg, rng, n: int = 40) -> list:
    """TrueNorth cores of n neurons and 2n axons, each axon on about half of the neurons (sums of many rows in
    every lane; n = 40 spans a full 32-lane chunk and a tail), no stochastic synapse (the int16 sums' case),
    core 1 with one weight per axon type for all its neurons (broadcast instead of loaded)."""
    progs = []
    for k in range(3):
        p = edge_params(cfg, rng, n)
        p["syn_stochastic"][:] = 0
        if k == 0:
            _quiet_core(cfg, p)
        if k == 1:
            p["weights"][:] = p["weights"][0]
        axon, neuron = np.nonzero(rng.random((2 * n, n)) < 0.5)
        types = np.tile(np.arange(2, dtype=np.int8), n)
        progs.append(CoreProgram(n, 2 * n, axon.astype(np.int32), neuron.astype(np.int32), None, p, types))
    return progs


def _sums16_cases():
    for level in LEVELS:
        marks = [] if level in AVAILABLE else [pytest.mark.skip(
            reason=f"fused/bits16/{level}: this CPU lacks {level} (it runs {', '.join(AVAILABLE)})")]
        for config in ("truenorth", "truenorth_wrap9"):
            yield pytest.param(level, config, marks=marks, id=f"fused/bits16/{level}-{config}")


@pytest.mark.parametrize(("level", "config"), list(_sums16_cases()))
def test_fused_bit_cores_int16_sums_equal_the_oracle(level, config):
    """fused/bits16/<level>: the crossbar summed in int16 lanes (``bit_sums16``: no stochastic synapse, 80 axons
    x |weight| <= 256 < 2**15), dense rows, a core of uniform weights: the oracle's spikes, v and counts;
    the int32 sums (``lanes16 = False``) the same."""
    cfg = CONFIGS[config]()
    rng = np.random.default_rng([7, len(config)])
    progs = dense_chip(cfg, rng)
    counts = traffic(rng, sum(p.n_axons for p in progs))
    want = run_chip(ReferenceCoreArray, cfg, progs, counts, 3)
    for on in (True, False):
        cls = type("Cores", (FusedBitCores,), {"LEVEL": level, "LANES16": on})
        got = run_chip(cls, cfg, progs, counts, 3)
        assert_same(got, want, ("spikes", "counts", "duplicates", "v"), f"fused/bits16/{level} {config} {on}")
    syn = bit_plans(CoreArray(cfg, progs, seed=3))[1]
    assert syn.sums16 and (syn.w_uni.reshape(3, -1)[1, :2] != W_MIXED).all()
    assert (syn.w_uni.reshape(3, -1)[[0, 2], :2] == W_MIXED).all()


def int16_update_chip(cfg, rng, n: int = 40) -> list:
    """TrueNorth cores whose update is exact in int16 lanes (``bit_update16``): one parameter profile per core,
    reset to R (gamma 0), no draws; core 1 with kappa, core 2 with leak reversal; n = 40 neurons spans a full
    32-lane block and a tail; dense rows of small per-neuron weights; initial registers in the proven range."""
    progs = []
    for k in range(3):
        p = edge_params(cfg, rng, n)
        p["syn_stochastic"][:] = 0
        p["weights"][:] = rng.integers(-4, 5, p["weights"].shape)
        alpha, beta = int(rng.integers(5, 40)), int(rng.integers(0, 30))
        p.update(alpha=np.full(n, alpha), beta=np.full(n, beta), threshold_mask_bits=np.zeros(n, np.int64),
                 leak=np.full(n, int(rng.integers(-3, 4))), leak_reversal=np.full(n, int(k == 2)),
                 leak_stochastic=np.zeros(n, np.int64), reset_mode=np.zeros(n, np.int64),
                 kappa=np.full(n, int(k == 1)), reset_value=np.full(n, int(rng.integers(-10, 11))),
                 v0=rng.integers(-beta, alpha, n))
        axon, neuron = np.nonzero(rng.random((2 * n, n)) < 0.5)
        types = np.tile(np.arange(2, dtype=np.int8), n)
        progs.append(CoreProgram(n, 2 * n, axon.astype(np.int32), neuron.astype(np.int32), None, p, types))
    return progs


def _update16_cases():
    for level in LEVELS[1:]:
        marks = [] if level in AVAILABLE else [pytest.mark.skip(
            reason=f"fused/bits-update16/{level}: this CPU lacks {level} (it runs {', '.join(AVAILABLE)})")]
        yield pytest.param(level, marks=marks, id=f"fused/bits-update16/{level}")


@pytest.mark.parametrize("level", list(_update16_cases()))
def test_fused_bit_cores_int16_update_equals_the_oracle(level):
    """fused/bits-update16/<level>: the neuron update in int16 lanes (profiles, reset to R, no draws): the oracle's
    spikes, v and counts; a register written outside the proven range takes the 32-bit lanes for that step (the
    same results), and the int16 lanes again once the rule has brought it back."""
    cfg = CONFIGS["truenorth"]()
    rng = np.random.default_rng(11)
    progs = int16_update_chip(cfg, rng)
    counts = traffic(rng, sum(p.n_axons for p in progs))
    cls = type("Cores", (FusedBitCores,), {"LEVEL": level})
    for case in ("in range", "outside"):
        if case == "outside":   # one register far beyond every threshold, inside the 20-bit register
            progs[2].params["v0"][7] = 5000
        want = run_chip(ReferenceCoreArray, cfg, progs, counts, 3)
        got = run_chip(cls, cfg, progs, counts, 3)
        assert_same(got, want, ("spikes", "counts", "duplicates", "v"), f"fused/bits-update16/{level} {case}")
        cores = cls(cfg, progs, seed=3)
        cores.step()
        assert cores.bc.update16 == (case == "in range")
        cores.step()            # the neuron beyond the threshold fired and reset to R: back in range
        assert cores.bc.update16


def test_int16_update_only_where_exact():
    """bit_update16: the range [min(R, -R without kappa, -beta), max(R, -R without kappa, alpha - 1)] where every
    core has a profile, resets to R and draws nothing, and the sums plus the leak stay inside int16 and the
    register; else None."""
    #                  alpha beta eta leak  R  flags gamma
    kappa = np.array([[10, 5, 0, -1, 2, 4, 0, 0]], np.int32)
    plain = np.array([[10, 5, 0, -1, 20, 0, 0, 0]], np.int32)
    noff, one, none = np.array([0, 4, 8]), np.zeros(2, np.int32), np.zeros(2, np.uint8)
    flags = _kernels.TRUENORTH_FLAGS
    assert flags["kappa"] == 4 and flags["leak_stochastic"] == 2          # the flag values of the table above

    def bit_update16(*args):
        return fused.bit_update16(*args, flags)

    assert bit_update16(20, 100, True, one, kappa, none, noff) == (-5, 9)
    assert bit_update16(20, 100, True, one, plain, none, noff) == (-20, 20)
    both = np.vstack([kappa, plain])
    assert bit_update16(20, 100, True, np.array([0, 1], np.int32), both, none, noff) == (-20, 20)
    assert bit_update16(20, 100, False, one, kappa, none, noff) is None               # int32 sums
    assert bit_update16(20, 100, True, np.array([0, -1], np.int32), kappa, none, noff) is None   # per neuron
    assert bit_update16(20, 100, True, one, kappa, np.array([0, 1], np.uint8), noff) is None    # draws
    for col, value in ((6, 1), (2, 3), (5, 2)):      # linear reset, threshold mask, stochastic leak
        bad = kappa.copy()
        bad[0, col] = value
        assert bit_update16(20, 100, True, one, bad, none, noff) is None
    assert bit_update16(20, (1 << 15) - 10, True, one, kappa, none, noff) is None    # sums beyond int16
    assert bit_update16(8, 100, True, one, kappa, none, noff) == (-5, 9)              # -106 .. 110: 8 bits hold it
    assert bit_update16(8, 200, True, one, kappa, none, noff) is None                 # beyond an 8-bit register
    assert bit_update16(8, 100, True, one, kappa, none, np.array([0, 0, 0])) is None  # no neuron


def test_int16_sums_only_where_exact():
    """bit_sums16 takes int16 lanes only below 2**15, with int16 weights and no stochastic synapse."""
    none = np.zeros(4, np.uint8)
    assert bit_sums16((1 << 15) - 1, none, np.int16)
    assert not bit_sums16(1 << 15, none, np.int16)
    assert not bit_sums16(10, np.array([0, 1], np.uint8), np.int16)
    assert not bit_sums16(10, none, np.int32)


def test_every_level_refuses_cleanly_where_the_cpu_lacks_it():
    """Naming a level the CPU lacks raises an error naming it and what the CPU runs, never a crash; unknown
    names are refused with the known ones."""
    for level in LEVELS:
        if level not in AVAILABLE:
            with pytest.raises(ValueError, match=f"does not run '{level}'.*it runs"):
                _fused.check_simd(level)
    with pytest.raises(ValueError, match="unknown level 'sse9'; known: scalar, avx2, avx512"):
        _fused.check_simd("sse9")
    with pytest.raises(ValueError, match="unknown update"):
        _fused.run_update("int16", "scalar", None, [0], {}, [], [], [], [[]], [[]])


def compiled_paths() -> dict[str, bool]:
    """Every compiled path of the neuron rules by name, and whether this CPU runs it."""
    paths = {f"cores/{m}": True for m in ("loihi_lif", "truenorth")}
    paths.update({f"direct/{m}": True for m in ("loihi_lif", "truenorth")})
    paths.update({f"fused/{u}/{lv}": lv in AVAILABLE for u, lv in _fused.update_paths()})
    paths.update({f"fused/bits/{lv}": lv in AVAILABLE for lv in LEVELS})
    return paths
