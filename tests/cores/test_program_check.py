"""The vectorised build path (cores.program_check, CoreArray by groups of cores, check_mapped's vectorised pass,
the operating point's crossbar generator) against the per-core path it replaced, on small random chips: the
same arrays when the programs are valid, the same error message when one is not."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from chip_configs.errors import ProgramError
from chip_configs.schema import load_config
from cores import CoreArray, CoreProgram, param_ranges
from cores import core_array as core_array_module
from cores import program_check as pc
from cores.crossbar import BitCrossbar
from emulator import mapped_check
from emulator.mapped import Destinations, MappedCore, MappedNetwork, input_table
from emulator.workloads import random_crossbars
from tests.cores._factories import random_program

TN, LOIHI, TINY = load_config("truenorth"), load_config("loihi"), load_config("tiny")


# ----- the per-core path (as before the vectorised build) ------------------------------------------------------


def _per_core(monkeypatch) -> None:
    """Make CoreArray build core by core: CoreProgram.validate, n_synapses and BitCrossbar.add per core."""

    def validate(cfg, programs, indices=None):
        for k, p in enumerate(programs):
            p.validate(cfg, k)

    def records(cfg, programs, neuron_offset, limit=0):
        for k, p in enumerate(programs):
            yield k, k + 1, p.validate(cfg, k)

    monkeypatch.setattr(core_array_module, "validate_programs", validate)
    monkeypatch.setattr(core_array_module, "param_records", records)
    monkeypatch.setattr(core_array_module, "synapse_counts",
                        lambda programs: np.array([p.n_synapses for p in programs], dtype=np.int64))
    monkeypatch.setattr(BitCrossbar, "add_cores", lambda self, k0, k1, progs, p: self.add(k0, progs[0], p))


def _arrays(ca: CoreArray) -> dict[str, np.ndarray]:
    out = {f"xbar.{k}": v for k, v in ca._xbar.arrays().items()}
    out |= {f"init.{k}": v for k, v in ca._init.items()}
    for name in ("_prm", "_syn_per_core", "_core_state", "_axon_core", "neuron_offset", "axon_offset"):
        out[name] = getattr(ca, name)
    return out


def _same_build(cfg, programs, monkeypatch) -> None:
    assert pc.programs_valid(cfg, programs)
    fast = _arrays(CoreArray(cfg, programs))
    with monkeypatch.context() as m:
        _per_core(m)
        slow = _arrays(CoreArray(cfg, programs))
    assert fast.keys() == slow.keys()
    for k in fast:
        assert fast[k].dtype == slow[k].dtype and np.array_equal(fast[k], slow[k]), k


# ----- random chips ---------------------------------------------------------------------------------------------


def _tn_crossbar_chip(rng, n_cores: int, shared: bool) -> list[CoreProgram]:
    """TrueNorth cores with packed crossbars (one shared buffer or one per core), odd widths, parameters as
    shared arrays, per-core arrays of several dtypes and per-core scalars."""
    a = int(rng.integers(5, 40))
    ns = [int(rng.integers(1, 40)) for _ in range(n_cores)]
    if shared:
        ns = [ns[0]] * n_cores
        bits = random_crossbars(rng, n_cores, a, ns[0], int(rng.integers(1, a + 1)))
    out = []
    weights = rng.integers(-255, 256, (ns[0], TN.core.axon_types)).astype(np.int16)
    for k, n in enumerate(ns):
        x = bits[k] if shared else random_crossbars(rng, 1, a, n, int(rng.integers(1, a + 1)))[0]
        base = random_program(TN, rng, n, a, 0.0).params
        params = {"v0": base["v0"].astype(np.int16), "alpha": np.int16(rng.integers(1, 300)),
                  "leak": int(rng.integers(-5, 6)), "reset_mode": base["reset_mode"].astype(np.uint8),
                  "syn_stochastic": base["syn_stochastic"].astype(bool),
                  "threshold_mask_bits": base["threshold_mask_bits"]}
        if n == ns[0]:
            params["weights"] = weights        # one array for every core of that size
        out.append(CoreProgram(n, a, params=params, axon_type=rng.integers(0, 4, a).astype(np.int8), crossbar=x))
    return out


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shared", [True, False])
def test_truenorth_crossbar_build_equals_per_core(seed, shared, monkeypatch):
    rng = np.random.default_rng(seed)
    _same_build(TN, _tn_crossbar_chip(rng, int(rng.integers(1, 7)), shared), monkeypatch)


@pytest.mark.parametrize("cfg", [TN, LOIHI, TINY], ids=["truenorth", "loihi", "tiny"])
def test_coo_build_equals_per_core(cfg, monkeypatch):
    rng = np.random.default_rng(7)
    a, n = min(cfg.core.axons_per_core, 24), min(cfg.core.neurons_per_core, 8 if cfg is TINY else 30)
    programs = [random_program(cfg, rng, int(rng.integers(1, n + 1)), a, float(rng.random())) for _ in range(4)]
    _same_build(cfg, programs, monkeypatch)


def test_groups_split_the_chip(monkeypatch):
    # Groups of at most 50 neurons: the records of several groups, with a core larger than the limit alone.
    rng = np.random.default_rng(3)
    programs = _tn_crossbar_chip(rng, 6, shared=False)
    offsets = np.concatenate([[0], np.cumsum([p.n_neurons for p in programs])])
    whole = next(iter(pc.param_records(TN, programs, offsets)))[2]
    parts = list(pc.param_records(TN, programs, offsets, limit=50))
    assert [k0 for k0, _, _ in parts] == sorted({k0 for k0, _, _ in parts}) and parts[-1][1] == 6
    joined = type(whole).concat([p for _, _, p in parts])
    assert all(np.array_equal(getattr(whole, f), getattr(joined, f)) for f in whole.names())
    assert list(pc.core_groups([5, 60, 1, 1, 70], 50)) == [(0, 1), (1, 2), (2, 4), (4, 5)]


def test_synapse_counts_equal_per_core():
    rng = np.random.default_rng(4)
    programs = _tn_crossbar_chip(rng, 5, shared=False) + [random_program(TN, rng, 9, 12, 0.3)]
    programs.append(CoreProgram(3, 0, params={}, axon_type=np.zeros(0, np.int8), crossbar=np.zeros((0, 1), np.uint8)))
    assert pc.synapse_counts(programs).tolist() == [p.n_synapses for p in programs]


# ----- invalid programs: the per-core message ---------------------------------------------------------------------


def _corrupt(cfg, p: CoreProgram, how: str, rng) -> CoreProgram:
    """One kind of invalid program."""
    ranges = param_ranges(cfg)
    if how in ("above", "below", "float", "shape"):
        name = str(rng.choice(sorted(ranges)))
        r = ranges[name]
        shape = (p.n_neurons, cfg.core.axon_types) if r.typed else (p.n_neurons,)
        v = np.zeros(shape, np.int64) + max(r.lo, min(r.hi, 0))
        if how == "float":
            v = v.astype(np.float32)
        elif how == "shape":
            v = v[:-1]
        else:
            v[int(rng.integers(0, p.n_neurons))] = r.hi + 1 if how == "above" else r.lo - 1
        return dataclasses.replace(p, params=p.params | {name: v})
    if how == "unknown":
        return dataclasses.replace(p, params=p.params | {"gain": 1})
    if how == "neurons":
        return dataclasses.replace(p, n_neurons=cfg.core.neurons_per_core + 1)
    if how == "axon_type":
        t = np.array(p.axon_type, np.int64)
        t[-1] = cfg.core.axon_types
        return dataclasses.replace(p, axon_type=t)
    if how == "spare_bit":
        x = p.crossbar.copy()
        x[0, -1] |= 0x80
        return dataclasses.replace(p, crossbar=x)
    if how == "xbar_dtype":
        return dataclasses.replace(p, crossbar=p.crossbar.astype(np.int16))
    if how == "syn_index":
        sa = np.array(p.syn_axon)
        sa[0] = p.n_axons
        return dataclasses.replace(p, syn_axon=sa)
    if how == "duplicate":
        return dataclasses.replace(p, syn_axon=np.r_[p.syn_axon, p.syn_axon[:1]],
                                   syn_neuron=np.r_[p.syn_neuron, p.syn_neuron[:1]],
                                   syn_weight=None if p.syn_weight is None else np.r_[p.syn_weight, p.syn_weight[:1]])
    if how == "weight":
        w = np.array(p.syn_weight)
        w[0] = cfg.core.weight_max + 1
        return dataclasses.replace(p, syn_weight=w)
    raise AssertionError(how)


def _message(fn) -> str:
    with pytest.raises(ProgramError) as info:
        fn()
    return str(info.value)


TN_XBAR = ["above", "below", "float", "shape", "unknown", "neurons", "axon_type", "spare_bit", "xbar_dtype"]
COO = ["above", "below", "float", "shape", "unknown", "syn_index", "duplicate"]


@pytest.mark.parametrize("how", TN_XBAR + ["coo:" + h for h in COO] + ["loihi:" + h for h in COO[:-1] + ["weight"]])
def test_invalid_program_raises_the_per_core_error(how, monkeypatch):
    rng = np.random.default_rng(len(how))
    cfg, how = (LOIHI, how[6:]) if how.startswith("loihi:") else (TN, how)
    if how.startswith("coo:") or cfg is LOIHI:
        how = how.removeprefix("coo:")
        programs = [random_program(cfg, rng, 13, 11, 0.3) for _ in range(4)]
    else:
        programs = _tn_crossbar_chip(rng, 4, shared=False)
        programs = [dataclasses.replace(p, n_neurons=13, crossbar=random_crossbars(rng, 1, p.n_axons, 13, 2)[0],
                                        params={k: v for k, v in p.params.items() if np.ndim(v) == 0})
                    for p in programs]
    k = int(rng.integers(1, 4))
    programs[k] = _corrupt(cfg, programs[k], how, rng)
    assert not pc.programs_valid(cfg, programs)
    expected = _message(lambda: [p.validate(cfg, i) for i, p in enumerate(programs)])
    assert _message(lambda: CoreArray(cfg, programs)) == expected
    assert _message(lambda: pc.validate_programs(cfg, programs)) == expected

    # The chip-level check lists the same message as the per-core loop did.
    net = _network(cfg, programs)
    old = _message(lambda: _old_check(net, cfg, monkeypatch))
    assert _message(lambda: mapped_check.check_mapped(net, cfg)) == old and expected in old


def _network(cfg, programs, dests=None) -> MappedNetwork:
    """Programs as a network, each neuron targeting axon 0 of the next core."""
    cores = []
    for k, p in enumerate(programs):
        n = max(int(p.n_neurons), 0)
        nxt = (k + 1) % len(programs)
        d = dests[k] if dests else Destinations(np.arange(n + 1), np.full(n, nxt, np.int32), np.zeros(n, np.int32),
                                                np.ones(n, np.int32))
        cores.append(MappedCore(k, p, d))
    ptr, core, axon, delay = input_table(0, {})
    return MappedNetwork(cfg.name, tuple(cores), 0, ptr, core, axon, delay, np.zeros(0, np.int32),
                         np.zeros(0, np.int32))


def _old_check(net, cfg, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(mapped_check, "programs_valid", lambda cfg, programs: False)
        m.setattr(mapped_check, "destinations_ok", lambda net, sizes, cfg: False)
        mapped_check.check_mapped(net, cfg)


@pytest.mark.parametrize("how", ["delay", "axon", "core", "fan_out", "ptr"])
def test_bad_destinations_give_the_per_core_messages(how, monkeypatch):
    rng = np.random.default_rng(1)
    programs = [random_program(LOIHI, rng, 6, 5, 0.5) for _ in range(3)]
    dests = [Destinations(np.arange(7), np.full(6, (k + 1) % 3, np.int32), np.arange(6, dtype=np.int32) % 5,
                          np.ones(6, np.int32)) for k in range(3)]
    d = dests[1]
    if how == "delay":
        d = dataclasses.replace(d, delay=np.r_[d.delay[:-1], LOIHI.core.delay_slots + 1].astype(np.int32))
    elif how == "axon":
        d = dataclasses.replace(d, axon=np.r_[d.axon[:-1], 5].astype(np.int32))
    elif how == "core":
        d = dataclasses.replace(d, core=np.r_[d.core[:-1], 9].astype(np.int32))
    elif how == "fan_out":
        many = LOIHI.core.max_fan_out + 1
        d = Destinations(np.r_[0, many, many, many, many, many, many], np.zeros(many, np.int32),
                         np.zeros(many, np.int32), np.ones(many, np.int32))
    else:
        d = dataclasses.replace(d, ptr=np.arange(6))
    dests[1] = d
    net = _network(LOIHI, programs, dests)
    sizes = mapped_check.CoreSizes.of(net, LOIHI)
    assert not mapped_check.destinations_ok(net, sizes, LOIHI)
    assert mapped_check.destinations_ok(_network(LOIHI, programs), sizes, LOIHI)
    assert _message(lambda: mapped_check.check_mapped(net, LOIHI)) == _message(lambda: _old_check(net, LOIHI,
                                                                                                 monkeypatch))


# ----- the operating point's crossbars --------------------------------------------------------------------------


def _old_random_crossbars(rng, n_cores, n_axons, n_neurons, k):
    """The generator before the buffers were reused (same draws, partition and tie rule)."""
    out = np.empty((n_cores, n_axons, -(-n_neurons // 8)), dtype=np.uint8)
    step = max(1, (1 << 20) // (n_axons * n_neurons))
    for c0 in range(0, n_cores, step):
        c1 = min(n_cores, c0 + step)
        keys = rng.random((c1 - c0, n_neurons, n_axons), dtype=np.float32)
        mask = keys <= np.partition(keys, k - 1, axis=-1)[..., k - 1: k]
        tied = mask.sum(axis=-1) != k
        if tied.any():
            rows = keys[tied]
            fix = np.zeros(rows.shape, dtype=bool)
            np.put_along_axis(fix, np.argpartition(rows, k - 1, axis=-1)[:, :k], True, axis=-1)
            mask[tied] = fix
        out[c0:c1] = np.packbits(mask.transpose(0, 2, 1), axis=2, bitorder="little")
    return out


@pytest.mark.parametrize("shape", [(3, 256, 256, 128), (40, 64, 200, 17), (5, 7, 13, 1), (2, 256, 256, 255)])
def test_random_crossbars_equal_the_previous_generator(shape):
    new = random_crossbars(np.random.default_rng(11), *shape)
    assert np.array_equal(new, _old_random_crossbars(np.random.default_rng(11), *shape))


def test_random_crossbars_break_ties_exactly():
    # float32 keys tie at the k-th rank now and then on wide rows: each column still gets exactly k axons.
    class Tied:
        def random(self, out, dtype):
            out[:] = np.round(np.random.default_rng(0).random(out.shape), 2)

    bits = random_crossbars(Tied(), 2, 256, 16, 100)
    assert (np.unpackbits(bits, axis=-1, bitorder="little").sum(axis=1) == 100).all()


# ----- groups of a few values: every grouped pass split over many groups -------------------------------------


def _tiny_groups(monkeypatch, limit: int = 7) -> None:
    from emulator import chip as chip_module

    real = pc.core_groups

    def tiny(sizes, limit_=limit):
        return real(sizes, min(limit_, limit))

    for module in (pc, chip_module, mapped_check):
        monkeypatch.setattr(module, "core_groups", tiny)


def _old_destinations(mapped, cores, lut):
    """build_wiring's destination tables core by core (as before the groups)."""
    n_entries = sum(len(mc.dest) for mc in mapped.cores)
    ptr = np.zeros(cores.n_neurons + 1, dtype=np.int64)
    pos, axon, delay = (np.empty(n_entries, dtype=np.int32) for _ in range(3))
    e0 = 0
    for k, mc in enumerate(mapped.cores):
        d, n0 = mc.dest, int(cores.neuron_offset[k])
        e1 = e0 + len(d)
        ptr[n0 + 1: n0 + 1 + mc.program.n_neurons] = d.ptr[1:].astype(np.int64) + e0
        pos[e0:e1] = lut[d.core]
        axon[e0:e1] = cores.axon_offset[pos[e0:e1]] + d.axon
        delay[e0:e1] = d.delay
        e0 = e1
    return ptr, pos, axon, delay


@pytest.mark.parametrize("seed", range(3))
def test_many_small_groups_give_the_same_chip(seed, monkeypatch):
    from emulator import chip as chip_module

    rng = np.random.default_rng(seed)
    programs = _tn_crossbar_chip(rng, 6, shared=bool(seed % 2))
    coo = [random_program(LOIHI, rng, int(rng.integers(1, 20)), 9, 0.4) for _ in range(5)]
    with monkeypatch.context() as m:
        _tiny_groups(m)
        assert pc.synapse_counts(programs).tolist() == [p.n_synapses for p in programs]
        _same_build(TN, programs, m)
        _same_build(LOIHI, coo, m)
        net = _network(LOIHI, coo)
        sizes = mapped_check.CoreSizes.of(net, LOIHI)
        assert mapped_check.destinations_ok(net, sizes, LOIHI)
        mapped_check.check_mapped(net, LOIHI)            # valid: no error
        cores = CoreArray(LOIHI, coo)
        lut = chip_module._position_lut(net.core_indices)
        new = chip_module._destinations(net, cores, lut)
    old = _old_destinations(net, cores, lut)
    assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(new, old, strict=True))
