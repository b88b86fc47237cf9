"""Every core program of a chip checked and turned into parameter records in vectorised passes.

:meth:`cores.CoreProgram.validate` checks one core. A 4,096-core TrueNorth chip called it 4,096 times per
check, each call a few dozen NumPy operations on 256 neurons: ~1.1 s for the check and again ~1.4 s while
loading the cores at the operating point (AMD EPYC, shared). Here the same rules run over all cores at once:

- per core, only metadata in Python: geometry, dtypes, shapes, parameter names (no O(n) work);
- the value checks (ranges, crossbar padding bits, synapse counts, fan-in, duplicate crossbar points) on
  chunks of cores concatenated, at most :data:`CHUNK_ELEMENTS` values at a time, and on each distinct array
  once where cores share one (the parameters equal on every core).

:func:`programs_valid` only answers "every program is valid" or "not sure". :func:`validate_programs` then
validates core by core with :meth:`CoreProgram.validate`, in order, so a bad program raises exactly the
per-core error (core, neuron, value, limit): the vectorised pass never decides an error message.

:func:`param_records` yields the validated parameter records of consecutive groups of cores (one record per
group, the neurons of its cores in order): the per-neuron rules (ranges, kernel record columns) act neuron
by neuron, so a group's record equals the concatenation of its cores' records (tested).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from chip_configs.errors import ProgramError
from chip_configs.schema import as_core_spec
from cores.models import model_of
from cores.params import ParamRecord, axon_types
from cores.program import CoreProgram

# Values concatenated at once by the vectorised checks, wiring and records: bounds their temporaries (a few
# MiB per group: larger groups only raise the build's peak RSS, which glibc keeps after the free, not its speed).
CHUNK_ELEMENTS = 1 << 16


class _NotSure(Exception):
    """Raised inside :func:`programs_valid` when some program may be invalid (the per-core pass decides)."""


def _require(ok) -> None:
    if not ok:
        raise _NotSure


# ----- grouping ----------------------------------------------------------------------------------------------


def core_groups(sizes: Sequence[int] | np.ndarray, limit: int = CHUNK_ELEMENTS) -> Iterator[tuple[int, int]]:
    """Consecutive core ranges ``[k0, k1)`` whose ``sizes`` sum to at most ``limit`` (at least one core each)."""
    sizes = np.asarray(sizes, dtype=np.int64)
    k0, n = 0, sizes.size
    ends = np.cumsum(sizes)
    while k0 < n:
        base = int(ends[k0 - 1]) if k0 else 0
        k1 = max(k0 + 1, int(np.searchsorted(ends, base + limit, side="right")))
        yield k0, k1
        k0 = k1


def _distinct(arrays) -> list[np.ndarray]:
    """The non-empty arrays of ``arrays``, each buffer (by identity) once."""
    return list({id(a): a for a in arrays if a.size}.values())


def _within(arrays, lo: int, hi: int) -> bool:
    """Every value of every array in ``lo..hi``; arrays of one dtype are concatenated (never mixed: int64
    with uint64 would become float64), at most :data:`CHUNK_ELEMENTS` values at a time."""
    by_dtype: dict[np.dtype, list[np.ndarray]] = {}
    for a in _distinct(arrays):
        by_dtype.setdefault(a.dtype, []).append(a.reshape(-1))
    for group in by_dtype.values():
        for k0, k1 in core_groups([a.size for a in group]):
            flat = group[k0] if k1 == k0 + 1 else np.concatenate(group[k0:k1])
            if flat.min() < lo or flat.max() > hi:
                return False
    return True


# ----- metadata (per core, no O(n) work) ------------------------------------------------------------------


def _geometry(cfg, programs) -> tuple[np.ndarray, np.ndarray]:
    """(n_neurons, n_axons) int64[C], each within the per-core maximum."""
    n = np.fromiter((int(p.n_neurons) for p in programs), np.int64, len(programs))
    a = np.fromiter((int(p.n_axons) for p in programs), np.int64, len(programs))
    c = cfg.core
    _require(((n >= 0) & (n <= c.neurons_per_core) & (a >= 0) & (a <= c.axons_per_core)).all())
    return n, a


def _is_int(x, ndim: int | None = None) -> bool:
    return x is not None and x.dtype.kind in "iu" and (ndim is None or x.ndim == ndim)


def _synapse_metadata(caps, p: CoreProgram) -> None:
    """The synapse arrays' form, dtypes and shapes (CoreProgram._check_crossbar / _check_synapse_indices /
    _check_axon_types / _check_weights, without their value checks)."""
    if p.crossbar is not None:
        _require(caps.bit_crossbar and p.syn_axon is None and p.syn_neuron is None)
        _require(p.crossbar.dtype == np.uint8 and p.crossbar.shape == (p.n_axons, -(-p.n_neurons // 8)))
    else:
        _require(_is_int(p.syn_axon, 1) and _is_int(p.syn_neuron, 1) and p.syn_axon.shape == p.syn_neuron.shape)
        if caps.synapse_weights:
            _require(_is_int(p.syn_weight) and p.syn_weight.shape == p.syn_axon.shape)
    if caps.typed_axons:
        _require(_is_int(p.axon_type) and p.axon_type.shape == (p.n_axons,))


# ----- value checks (vectorised over cores) ------------------------------------------------------------------


def _crossbar_values(cfg, programs, n: np.ndarray, a: np.ndarray) -> None:
    """Padding bits clear; synapses and fan-in within the limits where the crossbar's size could exceed them."""
    xs = [(k, p.crossbar) for k, p in enumerate(programs) if p.crossbar is not None]
    if not xs:
        return
    spare = [(k, x) for k, x in xs if n[k] % 8 and x.size]
    if spare:
        last = np.concatenate([x[:, -1] for _, x in spare])
        masks = np.repeat([(0xFF << int(n[k] % 8)) & 0xFF for k, _ in spare], [x.shape[0] for _, x in spare])
        _require(not (last & masks.astype(np.uint8)).any())
    c = cfg.core
    over_syn = [k for k, _ in xs if a[k] * n[k] > c.max_synapses_per_core]
    if over_syn:
        counts = synapse_counts([programs[k] for k in over_syn])
        _require((counts <= c.max_synapses_per_core).all())
    # Only a config whose max_fan_in is below the axon count needs the fan-in (rare): the per-core rule.
    over_fan = [k for k, _ in xs if a[k] > c.max_fan_in]
    _require(all(programs[k].fan_in().max(initial=0) <= c.max_fan_in for k in over_fan))


def _coo_values(cfg, caps, programs, n: np.ndarray, a: np.ndarray) -> None:
    """Indices in range, synapses and fan-in within the limits, no duplicate point on a binary crossbar."""
    ks = [k for k, p in enumerate(programs) if p.crossbar is None]
    if not ks:
        return
    sizes = np.array([programs[k].syn_axon.size for k in ks], dtype=np.int64)
    _require((sizes <= cfg.core.max_synapses_per_core).all())
    for g0, g1 in core_groups(sizes):
        group = ks[g0:g1]
        reps = sizes[g0:g1]
        ax = np.concatenate([programs[k].syn_axon for k in group]).astype(np.int64)
        nr = np.concatenate([programs[k].syn_neuron for k in group]).astype(np.int64)
        _require(((ax >= 0) & (ax < np.repeat(a[group], reps)) & (nr >= 0) & (nr < np.repeat(n[group], reps))).all())
        n_off = np.concatenate([[0], np.cumsum(n[group])])
        fan_in = np.bincount(nr + np.repeat(n_off[:-1], reps), minlength=int(n_off[-1]))
        _require(fan_in.max(initial=0) <= cfg.core.max_fan_in)
        if caps.bit_crossbar:
            points = np.concatenate([[0], np.cumsum(a[group] * np.maximum(n[group], 1))])
            key = np.sort(np.repeat(points[:-1], reps) + ax * np.repeat(np.maximum(n[group], 1), reps) + nr)
            _require(not (key[1:] == key[:-1]).any())
    if caps.synapse_weights:
        _require(_within([programs[k].syn_weight for k in ks], cfg.core.weight_min, cfg.core.weight_max))


def programs_valid(cfg, programs: Sequence[CoreProgram]) -> bool:
    """True when every program passes :meth:`CoreProgram.validate` (vectorised); False: not sure."""
    cfg = as_core_spec(cfg)
    caps = model_of(cfg).capabilities
    ranges = model_of(cfg).ranges(cfg)
    names = frozenset(ranges)
    typed = frozenset(name for name, r in ranges.items() if r.typed)
    n_types = axon_types(cfg)
    try:
        n, a = _geometry(cfg, programs)
        params: dict[str, dict] = {name: {} for name in ranges}
        missing: set[str] = set()
        for p in programs:
            _synapse_metadata(caps, p)
            _require(names.issuperset(p.params))
            missing.update(names.difference(p.params))
            for name, value in p.params.items():
                _param_array(params[name], value, (p.n_neurons, n_types) if name in typed else (p.n_neurons,))
        _crossbar_values(cfg, programs, n, a)
        _coo_values(cfg, caps, programs, n, a)
        if caps.typed_axons:
            _require(_within([p.axon_type for p in programs], 0, n_types - 1))
        for name, rng in ranges.items():
            _require(_within(list(params[name].values()), rng.lo, rng.hi))
            _require(name not in missing or rng.lo <= 0 <= rng.hi)
    except (_NotSure, TypeError, ValueError, AttributeError):
        return False
    return True


def _param_array(arrays: dict, value, shape: tuple[int, ...]) -> None:
    """Record ``value`` (a parameter of one core) in ``arrays`` by identity and shape, after its metadata
    check; each distinct value is converted and checked once."""
    key = (id(value), shape)
    if key in arrays:
        return
    arr = np.asarray(value)
    _require(arr.dtype.kind in "iub" and (arr.ndim == 0 or arr.shape == shape))
    arrays[key] = arr.astype(np.int64) if arr.dtype == np.uint64 or arr.dtype.kind == "b" else arr


def validate_programs(cfg, programs: Sequence[CoreProgram], indices: Sequence[int] | None = None) -> None:
    """Raise the :class:`ProgramError` of the first invalid program (core index ``indices[k]``, default k);
    one vectorised pass when every program is valid (:func:`programs_valid`)."""
    if programs_valid(cfg, programs):
        return
    for k, p in enumerate(programs):
        p.validate(cfg, k if indices is None else indices[k])


def program_errors(cfg, programs: Sequence[CoreProgram], indices: Sequence[int]) -> list[str]:
    """The per-core validation error of every invalid program, in order (empty when all are valid)."""
    if programs_valid(cfg, programs):
        return []
    out = []
    for k, p in zip(indices, programs, strict=True):
        try:
            p.validate(cfg, k)
        except ProgramError as exc:
            out.append(str(exc))
    return out


# ----- synapse counts and records -----------------------------------------------------------------------------


def synapse_counts(programs: Sequence[CoreProgram]) -> np.ndarray:
    """:attr:`CoreProgram.n_synapses` of every program, int64[C]: crossbar bits counted over groups of cores
    concatenated (one popcount pass), COO sizes read."""
    out = np.array([0 if p.crossbar is not None else np.asarray(p.syn_axon).size for p in programs],
                   dtype=np.int64)
    xs = [k for k, p in enumerate(programs) if p.crossbar is not None and p.crossbar.size]
    sizes = np.array([programs[k].crossbar.size for k in xs], dtype=np.int64)
    for g0, g1 in core_groups(sizes):
        bits = np.bitwise_count(np.concatenate([programs[k].crossbar.reshape(-1) for k in xs[g0:g1]]))
        starts = np.concatenate([[0], np.cumsum(sizes[g0:g1])[:-1]])
        out[xs[g0:g1]] = np.add.reduceat(bits, starts, dtype=np.int64)
    return out


def param_records(cfg, programs: Sequence[CoreProgram], neuron_offset: np.ndarray,
                  limit: int = CHUNK_ELEMENTS // 4) -> Iterator[tuple[int, int, ParamRecord]]:
    """``(k0, k1, record)`` for consecutive groups of valid programs: the validated parameter record of the
    neurons of cores ``k0..k1-1`` in order (at most ``limit`` neurons per group, one core at least)."""
    cfg = as_core_spec(cfg)
    model = model_of(cfg)
    ranges = model.ranges(cfg)
    n_types = axon_types(cfg)
    for k0, k1 in core_groups(np.diff(neuron_offset), limit):
        group = programs[k0:k1]
        params = {}
        for name, rng in ranges.items():
            values = [p.params.get(name, 0) for p in group]
            if all(v is values[0] for v in values) and np.ndim(values[0]) == 0:
                params[name] = values[0]
                continue
            params[name] = np.concatenate([_column(v, (p.n_neurons, n_types) if rng.typed else (p.n_neurons,))
                                           for v, p in zip(values, group, strict=True)])
        yield k0, k1, model.validate_params(cfg, params, int(neuron_offset[k1] - neuron_offset[k0]), k0)


def _column(value, shape: tuple[int, ...]) -> np.ndarray:
    """One core's parameter as int64 of ``shape`` (ParamRecord's rule: scalars broadcast)."""
    arr = np.asarray(value)
    return np.full(shape, int(arr), dtype=np.int64) if arr.ndim == 0 else arr.astype(np.int64, copy=False)


__all__ = ["CHUNK_ELEMENTS", "core_groups", "param_records", "program_errors", "programs_valid", "synapse_counts",
           "validate_programs"]
