"""Crossbar layouts, bit-crossbar programs, the idle-neuron skip and the byte accounting of CoreArray."""

from __future__ import annotations

import numpy as np
import pytest

from chip_configs.errors import ProgramError
from chip_configs.schema import load_config
from cores import CoreArray, CoreProgram
from cores._reference import ReferenceCoreArray
from cores.buffers import aligned_empty, aligned_zeros, is_aligned, lazy_zeros
from cores.core_array import narrowest
from tests.cores._factories import random_params, random_program, variant
from tests.cores.test_conformance import CONFIGS, _traffic

TN = load_config("truenorth")


def _as_bits(prog: CoreProgram) -> CoreProgram:
    """The same TrueNorth program with its synapses given as a packed bit crossbar."""
    return CoreProgram(prog.n_neurons, prog.n_axons, params=prog.params, axon_type=prog.axon_type,
                       crossbar=prog.packed_crossbar())


def _run(cores, traffic) -> list:
    out = []
    for axons, delays in traffic:
        cores.schedule(axons, delays)
        out.append((cores.step(), cores.state()["v"], cores.last_counts.copy()))
    return out


def test_packed_crossbar_round_trip():
    rng = np.random.default_rng(0)
    prog = random_program(TN, rng, 70, 30, 0.4)
    bits = _as_bits(prog)
    assert bits.crossbar.shape == (30, 9) and bits.crossbar.dtype == np.uint8
    assert bits.n_synapses == prog.n_synapses
    np.testing.assert_array_equal(bits.fan_in(), prog.fan_in())
    a, n = bits.synapses()
    order = np.lexsort((prog.syn_neuron, prog.syn_axon))
    np.testing.assert_array_equal(a, prog.syn_axon[order])
    np.testing.assert_array_equal(n, prog.syn_neuron[order])


def test_bit_program_runs_like_coo_program():
    rng = np.random.default_rng(1)
    coo = [random_program(TN, rng, int(rng.integers(1, 150)), 40, 0.5, limits={"alpha": (0, 200)})
           for _ in range(3)]
    bits = [_as_bits(p) for p in coo]
    fast_coo, fast_bits = CoreArray(TN, coo, seed=2), CoreArray(TN, bits, seed=2)
    ref_bits = ReferenceCoreArray(TN, bits, seed=2)
    traffic = [_traffic(rng, fast_coo.n_axons, TN.core.delay_slots) for _ in range(60)]
    for (f1, v1, c1), (f2, v2, c2), (f3, v3, c3) in zip(_run(fast_coo, traffic), _run(fast_bits, traffic),
                                                       _run(ref_bits, traffic), strict=True):
        for x, y in ((f1, f2), (v1, v2), (c1, c2), (f1, f3), (v1, v3), (c1, c3)):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(("change", "message"), [
    ({"crossbar": np.zeros((4, 2), np.uint8)}, "must be uint8 of shape (4, 1)"),
    ({"crossbar": np.zeros((4, 1), np.int8)}, "must be uint8"),
    ({"crossbar": np.full((4, 1), 0x80, np.uint8)}, "row 0 sets bits past neuron 5"),
    ({"crossbar": np.zeros((4, 1), np.uint8), "syn_axon": [0], "syn_neuron": [0]}, "not both"),
    ({}, "syn_axon is missing"),
])
def test_crossbar_validation(change, message):
    kw = {"params": {}, "axon_type": np.zeros(4, np.int8)} | change
    with pytest.raises(ProgramError, match=message.replace("(", r"\(").replace(")", r"\)")):
        CoreArray(TN, [CoreProgram(6, 4, **kw)])


def test_crossbar_refused_for_loihi():
    prog = CoreProgram(6, 4, crossbar=np.zeros((4, 1), np.uint8))
    with pytest.raises(ProgramError, match="truenorth program"):
        CoreArray(load_config("tiny"), [prog])


@pytest.mark.parametrize(("config", "attr", "dtype"), [
    ("loihi", "syn", np.uint32), ("loihi_records64", "syn", np.uint64),
    ("truenorth", "weight_t", np.int16), ("truenorth_wide_weights", "weight_t", np.int32),
])
def test_layout_follows_the_config(config, attr, dtype):
    cfg = CONFIGS[config]()
    cores = CoreArray(cfg, [random_program(cfg, np.random.default_rng(0), 5, 6, 0.5)])
    assert cores._xbar.arrays()[attr].dtype == dtype


def test_dense_rows_fill_whole_words():
    prog = CoreProgram(130, 3, crossbar=np.full((3, 17), 0xFF, np.uint8) & np.array([0xFF] * 16 + [0x03], np.uint8),
                       params={"weights": np.tile([2, 0, 0, 0], (130, 1)), "alpha": 1000}, axon_type=np.zeros(3, np.int8))
    cores = CoreArray(TN, [prog])
    assert cores._xbar.words.shape == (3, 3) and (cores._xbar.words[:, :2] == np.uint64(2**64 - 1)).all()
    cores.schedule([0, 0, 2], 1)
    cores.step()
    # binary axons: axon 0's second spike is dropped, so axons 0 and 2 add 2 each over their 130-bit rows
    assert cores.state()["v"].tolist() == [4] * 130 and cores.last_counts[0, 0] == 2 * 130
    assert cores.last_duplicates == 1


@pytest.mark.parametrize("config", ["loihi_narrow", "truenorth"])
def test_neurons_at_rest_are_skipped_exactly(config):
    """Most neurons at rest (no leak / bias, zero state) and sparse input: skipped updates count as inactive
    and leave the same state as the oracle's full update; alpha = 0 neurons (not a fixed point) still fire."""
    cfg = CONFIGS[config]()
    rest = {"leak": (0, 0), "v0": (0, 0), "alpha": (0, 3), "bias_mant": (0, 0), "u0": (0, 0)}
    rng = np.random.default_rng(5)
    n, a = min(cfg.core.neurons_per_core, 30), min(cfg.core.axons_per_core, 20)
    programs = [random_program(cfg, rng, n, a, 0.1, limits=rest) for _ in range(3)]
    fast, ref = CoreArray(cfg, programs, seed=1), ReferenceCoreArray(cfg, programs, seed=1)
    inactive = 0
    for _ in range(80):
        axons = rng.integers(0, fast.n_axons, int(rng.integers(0, 3)))
        fast.schedule(axons, 1)
        ref.schedule(axons, 1)
        np.testing.assert_array_equal(fast.step(), ref.step())
        np.testing.assert_array_equal(fast.last_counts, ref.last_counts)
        for name, value in fast.state().items():
            np.testing.assert_array_equal(value, ref.state()[name])
        inactive += int(fast.last_counts[:, 2].sum())
    assert inactive > 0


def test_nbytes_counts_every_array():
    """The programmed bytes cover every ndarray the cores (and their crossbar) hold."""
    for cfg in (load_config("tiny"), TN, variant("tiny", **{"neuron.refractory": "silicon",
                                                           "neuron.refractory_ticks_max": 3})):
        cores = CoreArray(cfg, [random_program(cfg, np.random.default_rng(0), 6, 8, 0.5) for _ in range(2)])
        held = [v for v in vars(cores).values() if isinstance(v, np.ndarray)]
        held += [v for d in vars(cores).values() if isinstance(d, dict) for v in d.values()
                 if isinstance(v, np.ndarray)]   # the initial states, by register
        held += list(cores._xbar.arrays().values())
        sizes = cores.nbytes()
        assert sizes["total"] == sum(a.nbytes for a in held)
        assert sizes["total"] == sum(v for k, v in sizes.items() if k != "total")


def test_truenorth_bytes_per_core_are_the_bit_crossbar():
    prog = CoreProgram(256, 256, crossbar=np.zeros((256, 32), np.uint8), axon_type=np.zeros(256, np.int8))
    sizes = CoreArray(TN, [prog]).nbytes()
    # 256 x 4 words x 8 bytes + 256 types + 256 axon -> core ids x 4 bytes
    assert sizes["synapses"] == 256 * 32 + 256 + 256 * 4


@pytest.mark.parametrize(("values", "dtype"), [([0, 127], np.int8), ([-129], np.int16), ([2**31], np.int64),
                                               ([], np.int8)])
def test_narrowest(values, dtype):
    assert narrowest(np.asarray(values, dtype=np.int64)).dtype == dtype


def _block_programs(bits: np.ndarray) -> list[CoreProgram]:
    return [CoreProgram(128, bits.shape[1], crossbar=b, axon_type=np.zeros(bits.shape[1], np.int8),
                        params={"weights": np.tile([1, 0, 0, 0], (128, 1)), "alpha": 1000}) for b in bits]


def test_contiguous_crossbars_are_shared_not_copied():
    rng = np.random.default_rng(0)
    bits = aligned_empty((3, 10, 16), np.uint8)                       # 3 cores x 10 axons x 128 neurons
    bits[:] = rng.integers(0, 256, bits.shape, dtype=np.uint8)
    shared = CoreArray(TN, _block_programs(bits))
    assert shared._xbar.shared and np.shares_memory(shared._xbar.words, bits)
    assert shared.shared_bytes() == bits.nbytes
    assert not shared._xbar.words.flags.writeable
    copied = CoreArray(TN, _block_programs(bits.copy()[::-1]))        # reversed order: not one block
    assert not copied._xbar.shared and not np.shares_memory(copied._xbar.words, bits)
    assert copied.shared_bytes() == 0
    # one block, but its rows start off a cache line: copied into aligned rows (the kernels read them at random)
    raw = aligned_empty(bits.nbytes + 16, np.uint8)
    off = raw[16:].reshape(bits.shape)
    off[:] = bits
    unaligned = CoreArray(TN, _block_programs(off))
    assert not unaligned._xbar.shared and unaligned.shared_bytes() == 0
    separate = CoreArray(TN, _block_programs(np.stack([b.copy() for b in bits])))
    for cores in (shared, copied, unaligned, separate):
        assert is_aligned(cores._xbar.words)
    for cores in (copied, unaligned, separate):
        cores.schedule(np.arange(cores.n_axons), 1)
    shared.schedule(np.arange(shared.n_axons), 1)
    shared.step(), separate.step(), unaligned.step()
    np.testing.assert_array_equal(shared.state()["v"], separate.state()["v"])
    np.testing.assert_array_equal(unaligned.state()["v"], separate.state()["v"])
    assert shared.state()["v"].any()


@pytest.mark.parametrize("config", ["loihi_narrow", "truenorth"])
def test_quiet_cores_are_skipped_exactly(config):
    """Cores whose neurons all rest stay quiet until input arrives or their state is written from outside."""
    cfg = CONFIGS[config]()
    rest = {"leak": (0, 0), "v0": (0, 0), "alpha": (1, 3), "bias_mant": (0, 0), "u0": (0, 0), "vth": (0, 2)}
    rng = np.random.default_rng(8)
    n, a = min(cfg.core.neurons_per_core, 12), min(cfg.core.axons_per_core, 10)
    programs = [random_program(cfg, rng, n, a, 0.3, limits=rest) for _ in range(3)]
    fast, ref = CoreArray(cfg, programs, seed=1), ReferenceCoreArray(cfg, programs, seed=1)
    assert (fast._core_state & 1).all()                     # every core all-rest
    v = np.zeros(fast.n_neurons, np.int64)
    v[n + 1] = 5                                            # written into a quiet core at tick 10
    for t in range(40):
        if t == 10:
            fast.set_state(v=v)
            ref.set_state(v=v)
        axons = rng.integers(0, a, 2) if t % 7 == 3 else np.zeros(0, np.int64)    # core 0 only
        fast.schedule(axons, 1)
        ref.schedule(axons, 1)
        np.testing.assert_array_equal(fast.step(), ref.step(), err_msg=f"tick {t}")
        np.testing.assert_array_equal(fast.last_counts, ref.last_counts, err_msg=f"tick {t}")
        for name, value in fast.state().items():
            np.testing.assert_array_equal(value, ref.state()[name], err_msg=f"{name} tick {t}")
    assert fast._core_state[2] & 2                          # core 2 never moved: quiet, skipped whole


def test_loihi_axon_records_match_the_oracle():
    """Rows of 0, 1, 2 and more synapses (inline and in ``syn``), an empty core, repeated axons and mixed
    delays: delivery through the per-axon records equals the oracle, spikes, states and counters."""
    cfg = load_config("loihi")
    rng = np.random.default_rng(11)
    e = np.zeros(0, np.int32)
    programs = [CoreProgram(0, 3, e, e, e)]
    for n, a in ((5, 12), (9, 7), (1, 4)):
        lengths = rng.integers(0, min(n, 5) + 1, a)
        sa = np.repeat(np.arange(a, dtype=np.int32), lengths)
        sn = np.concatenate([rng.choice(n, k, replace=False) for k in lengths]).astype(np.int32)
        w = rng.integers(cfg.core.weight_min, cfg.core.weight_max + 1, sa.size).astype(np.int32)
        params = random_params(cfg, rng, n, {"bias_mant": (0, 0), "u0": (0, 0), "v0": (0, 0)})
        programs.append(CoreProgram(n, a, sa, sn, w, params))
    fast, ref = CoreArray(cfg, programs), ReferenceCoreArray(cfg, programs)
    assert fast._xbar.rec is not None and fast._cnt.size == 0
    for _ in range(40):
        m = int(rng.integers(0, 30))
        axons = rng.integers(0, fast.n_axons, m)
        delays = rng.integers(1, 4, m) if rng.random() < 0.5 else 1
        fast.schedule(axons, delays)
        ref.schedule(axons, delays)
        np.testing.assert_array_equal(fast.step(), ref.step())
        np.testing.assert_array_equal(fast.last_counts, ref.last_counts)
        for name, value in fast.state().items():
            np.testing.assert_array_equal(value, ref.state()[name])


@pytest.mark.parametrize("shape, dtype", [((3, 10, 16), np.uint8), (7, np.uint64), ((0, 4), np.int16)])
def test_aligned_buffers_start_a_cache_line(shape, dtype):
    for _ in range(5):      # allocations land at various offsets
        x = aligned_empty(shape, dtype)
        assert is_aligned(x) and x.flags.c_contiguous and x.dtype == dtype
        assert x.shape == ((shape,) if np.isscalar(shape) else shape)
    assert not aligned_zeros(shape, dtype).any()
    lazy = lazy_zeros(shape, dtype)     # its own mapping: page-aligned, zeroed, writable
    assert is_aligned(lazy, 4096) and lazy.flags.c_contiguous and lazy.flags.writeable and not lazy.any()
    assert lazy.dtype == dtype and lazy.shape == ((shape,) if np.isscalar(shape) else shape)
    if lazy.size:
        lazy.reshape(-1)[-1] = 1
        assert lazy.sum() == 1 and not lazy_zeros(shape, dtype).any()   # a fresh mapping each time
