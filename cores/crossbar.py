"""Crossbar storage of a chip's cores, filled one core at a time, read by the kernel's ``deliver_*`` loops.

Two layouts; each neuron model's unit (:mod:`cores.models`, ``make_crossbar``) picks one (see
:mod:`cores._kernels` for the loops):

:class:`CsrCrossbar` (``loihi_lif``)
    CSR by global axon. ``axon_ptr`` int64[n_axons + 1]; one packed record per synapse, rows sorted by
    target: uint32 ``(int16 weight << 16) | uint16 local target`` when every core has <= 65,536 neurons and
    the weight range fits int16 (every Loihi config), else uint64 ``(int32 weight << 32) | uint32 target``.
    4 bytes per synapse (the int32 target + int32 weight layout it replaces took 8), and one memory stream
    per row. With uint32 records, :meth:`CsrCrossbar.finish` replaces the pointers by one 16-byte record per
    axon (the row's first two synapses, its start, length and core): a spike on a short row then costs one
    random access.

:class:`BitCrossbar` (``truenorth``)
    The binary crossbar as bits, ``words`` uint64[n_axons, n_words] with ``n_words = ceil(max neurons per
    core / 64)``: bit ``b`` of word ``w`` of row ``a`` connects global axon ``a`` to local neuron
    ``64 w + b`` of the axon's core. No per-synapse weight: TrueNorth's weight is a property of the neuron
    and the axon type, ``weight_t[type[a], neuron]`` (int16, or int32 for unsigned 16-bit weights), so the
    whole crossbar costs axons x neurons / 8 bytes, whatever the density (32 MiB for 4,096 TrueNorth cores).
    With ``binary`` (the model's ``binary_axons``, TrueNorth) an axon integrates once per tick however many
    spikes reached it: delivery merges the slot's pending list per axon (the CoreArray's ``_cnt`` / ``_uniq``
    buffers) and takes each distinct axon once.

Both classes take validated programs core by core (:meth:`add`), so building never holds more than one
core's temporaries besides the final arrays.
"""

from __future__ import annotations

import sys

import numpy as np

from chip_configs.schema import as_core_spec
from cores._compiled import _kernels
from cores.buffers import CACHE_LINE, aligned_zeros


def _fits(cfg, dtype) -> bool:
    info = np.iinfo(dtype)
    return info.min <= cfg.core.weight_min and cfg.core.weight_max <= info.max


class CsrCrossbar:
    """Loihi synapses as CSR rows of packed (weight, local target) records; see the module docstring.

    Parameters
    ----------
    cfg : CoreSpec or ChipConfig
    axon_offset, neuron_offset : int64[C + 1]
        Global axon / neuron index of each core's first axon / neuron.
    n_synapses : int64[C]
        Synapses of each core (sizes the record array once).
    """

    def __init__(self, cfg, axon_offset: np.ndarray, neuron_offset: np.ndarray, n_synapses: np.ndarray):
        cfg = as_core_spec(cfg)
        narrow = int(np.diff(neuron_offset).max(initial=0)) <= 1 << 16 and _fits(cfg, np.int16)
        self._half = 16 if narrow else 32
        self.syn_offset = np.concatenate([[0], np.cumsum(n_synapses, dtype=np.int64)])
        self.axon_ptr = np.zeros(int(axon_offset[-1]) + 1, dtype=np.int64)
        self.syn = np.zeros(int(self.syn_offset[-1]), dtype=np.uint32 if narrow else np.uint64)
        self._axon_offset = axon_offset
        self.rec = None   # the per-axon records, made by finish() when the compact layout fits

    def add(self, k: int, prog, params) -> None:
        """Store core k's synapses (COO, any integer dtype), rows sorted by target neuron."""
        a = prog.syn_axon.astype(np.int64)
        n = prog.syn_neuron.astype(np.int64)
        order = np.argsort(a * max(prog.n_neurons, 1) + n, kind="stable")
        s0, a0 = int(self.syn_offset[k]), int(self._axon_offset[k])
        rows = np.bincount(a, minlength=prog.n_axons)
        self.axon_ptr[a0 + 1: a0 + 1 + prog.n_axons] = s0 + np.cumsum(rows)
        # Two's-complement weight bits in the high half, computed in uint64 so that no shift overflows.
        weight_bits = (prog.syn_weight.astype(np.int64) & ((1 << self._half) - 1)).astype(np.uint64)[order]
        records = (weight_bits << np.uint64(self._half)) | n[order].astype(np.uint64)
        self.syn[s0: s0 + a.size] = records

    def add_cores(self, k0: int, k1: int, progs, params) -> None:
        """Store cores ``k0..k1-1`` (``progs``; ``params``, their record, is not needed: weights are per
        synapse). Each core's rows are sorted on their own (one argsort per core)."""
        for k, prog in enumerate(progs, start=k0):
            self.add(k, prog, None)

    def finish(self) -> None:
        """Turn ``axon_ptr`` into the per-axon records ``rec`` when the compact layout holds the chip.

        ``rec`` (uint32[n_axons, 4], 16 bytes per axon): the row's first two packed synapses (0, weight 0 on
        local neuron 0, where the row is shorter), the row's start in ``syn``, and ``length | core << 16``.
        A spike on a row of up to two synapses (most rows when a network spreads over many cores) then costs
        one random access and no data-dependent branch, instead of four accesses (pointer pair, core, merge
        count) and a row walk. It needs uint32 records, fewer than 2**32 synapses, rows shorter than 2**16
        and fewer than 2**16 cores; otherwise the pointers stay and delivery takes the general loop.
        """
        ptr = self.axon_ptr
        n_cores = self._axon_offset.size - 1
        lengths = np.diff(ptr)
        if (self._half != 16 or self.syn.size >= 1 << 32 or n_cores >= 1 << 16
                or (lengths.size and int(lengths.max()) >= 1 << 16)):
            return
        rec = np.zeros((lengths.size, 4), dtype=np.uint32)
        start = ptr[:-1]
        for col in (0, 1):
            has = lengths > col
            rec[has, col] = self.syn[start[has] + col]
        rec[:, 2] = start
        core = np.repeat(np.arange(n_cores, dtype=np.uint32), np.diff(self._axon_offset))
        rec[:, 3] = lengths.astype(np.uint32) | (core << np.uint32(16))
        self.rec = rec
        self.axon_ptr = np.zeros(0, np.int64)

    @property
    def merges(self) -> bool:
        """Whether delivery needs the per-axon merge buffers of the CoreArray (not with the records)."""
        return self.rec is None

    def deliver(self, ca, slot: int) -> int:
        """Integrate the spikes of delay slot ``slot`` of CoreArray ``ca`` into its accumulator; returns the
        spikes dropped (0: Loihi's axons are graded, every spike adds)."""
        if self.rec is not None:
            _kernels.deliver_rec(ca._pend, ca._pend_len, slot, self.rec, self.syn, ca.neuron_offset, ca._acc,
                                 ca.last_counts)
        else:
            _kernels.deliver_csr(ca._pend, ca._pend_len, slot, ca._cnt, ca._uniq, self.axon_ptr, self.syn,
                                 ca._axon_core, ca.neuron_offset, ca._acc, ca.last_counts)
        return 0

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array held (for the byte accounting of :meth:`cores.CoreArray.nbytes`)."""
        out = {"axon_ptr": self.axon_ptr, "syn": self.syn, "syn_offset": self.syn_offset}
        if self.rec is not None:
            out["rec"] = self.rec
        return out


class BitCrossbar:
    """TrueNorth synapses as a bit matrix plus per-(type, neuron) weights; see the module docstring.

    Parameters
    ----------
    cfg : CoreSpec or ChipConfig
    axon_offset, neuron_offset : int64[C + 1]
        Global axon / neuron index of each core's first axon / neuron.
    programs : sequence of CoreProgram
        Their packed crossbars may be shared (:func:`shared_words`).
    binary : bool
        Binary axons (the model's ``binary_axons``): spikes on one axon for one tick count once.
    """

    def __init__(self, cfg, axon_offset: np.ndarray, neuron_offset: np.ndarray, programs=(), *, binary: bool):
        cfg = as_core_spec(cfg)
        self.binary = bool(binary)
        n_axons, n_neurons = int(axon_offset[-1]), int(neuron_offset[-1])
        n_words = max(1, -(-int(np.diff(neuron_offset).max(initial=0)) // 64))
        self.types = cfg.core.axon_types or 1
        self.words = shared_words(programs, n_axons, n_words)
        self.shared = self.words is not None
        if not self.shared:
            self.words = aligned_zeros((n_axons, n_words), np.uint64)   # rows read at random: cores.buffers
        self.axon_type = np.zeros(n_axons, dtype=np.uint8)
        self.weight_t = np.zeros((self.types, n_neurons), dtype=np.int16 if _fits(cfg, np.int16) else np.int32)
        # Allocated on the first stochastic synapse type; empty means "no synapse is stochastic".
        self.stoch_t = np.zeros((0, 0), dtype=np.uint8)
        self._axon_offset, self._neuron_offset = axon_offset, neuron_offset

    def add(self, k: int, prog, params) -> None:
        """Store core k's crossbar bits, axon types and typed weights (``params``: the validated record)."""
        a0, a1 = int(self._axon_offset[k]), int(self._axon_offset[k + 1])
        n0, n1 = int(self._neuron_offset[k]), int(self._neuron_offset[k + 1])
        if not self.shared:
            packed = prog.packed_crossbar()
            # Byte i of a little-endian uint64 word holds its bits 8i..8i+7, the packbits(bitorder="little")
            # layout of the program; big-endian hosts swap the words once in finish().
            self.words.view(np.uint8)[a0:a1, :packed.shape[1]] = packed
        self.axon_type[a0:a1] = prog.axon_type
        self.weight_t[:, n0:n1] = params.weights.T
        stoch = params.syn_stochastic
        if stoch.any():
            if self.stoch_t.size == 0:
                self.stoch_t = np.zeros(self.weight_t.shape, dtype=np.uint8)
            self.stoch_t[:, n0:n1] = stoch.T

    def add_cores(self, k0: int, k1: int, progs, params) -> None:
        """Store cores ``k0..k1-1`` at once: ``progs`` their programs, ``params`` the validated record of their
        neurons in order (:func:`cores.program_check.param_records`). Same arrays as :meth:`add` core by core;
        only a crossbar not shared is copied core by core (one row block each)."""
        a0, a1 = int(self._axon_offset[k0]), int(self._axon_offset[k1])
        n0, n1 = int(self._neuron_offset[k0]), int(self._neuron_offset[k1])
        if not self.shared:
            for k, prog in enumerate(progs, start=k0):
                packed = prog.packed_crossbar()
                self.words.view(np.uint8)[self._axon_offset[k]: self._axon_offset[k + 1], :packed.shape[1]] = packed
        if a1 > a0:
            self.axon_type[a0:a1] = np.concatenate([prog.axon_type for prog in progs])
        self.weight_t[:, n0:n1] = params.weights.T
        stoch = params.syn_stochastic
        if stoch.any():
            if self.stoch_t.size == 0:
                self.stoch_t = np.zeros(self.weight_t.shape, dtype=np.uint8)
            self.stoch_t[:, n0:n1] = stoch.T

    def finish(self) -> None:
        """Make the words native-endian (a no-op on little-endian hosts, where words may be shared)."""
        if sys.byteorder != "little":
            self.words.byteswap(inplace=True)

    def deliver(self, ca, slot: int) -> int:
        """Integrate the spikes of delay slot ``slot`` of CoreArray ``ca`` into its accumulator; returns the
        spikes dropped as duplicates (binary axons: arrivals on an axon already set for this tick)."""
        arrived = int(ca._pend_len[slot])
        distinct = _kernels.deliver_bits(ca._pend, ca._pend_len, slot, ca._cnt, ca._uniq, self.words,
                                         self.axon_type, self.weight_t, self.stoch_t, ca._axon_core,
                                         ca.axon_offset, ca.neuron_offset, ca._acc, ca.last_counts, ca._key,
                                         ca.tick, self.binary)
        return arrived - distinct if self.binary else 0

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array held (for the byte accounting of :meth:`cores.CoreArray.nbytes`)."""
        return {"words": self.words, "axon_type": self.axon_type, "weight_t": self.weight_t,
                "stoch_t": self.stoch_t}


def _root(x: np.ndarray) -> np.ndarray:
    while isinstance(x.base, np.ndarray):
        x = x.base
    return x


def _address(x: np.ndarray) -> int:
    return x.__array_interface__["data"][0]


def shared_words(programs, n_axons: int, n_words: int) -> np.ndarray | None:
    """The programs' packed crossbars as one read-only uint64[n_axons, n_words] view, when they already are
    consecutive rows of one buffer (as :func:`emulator.workloads.truenorth_operating_point` and
    :meth:`emulator.mapped.MappedNetwork.load` build them) with rows of exactly ``8 n_words`` bytes, starting at
    a cache line (:mod:`cores.buffers`: a row straddling two lines costs the kernels two misses); else None.

    Sharing keeps one copy of the largest programmed structure (32 MiB on a full TrueNorth chip) instead of
    two. Programs are immutable by contract (frozen dataclasses), and the kernel only reads the words.
    """
    row = 8 * n_words
    xs = [p.crossbar for p in programs]
    if (sys.byteorder != "little" or not xs or n_axons == 0
            or any(x is None or x.dtype != np.uint8 or x.ndim != 2 or x.shape[1] != row or not x.flags.c_contiguous
                   for x in xs)):
        return None
    root, start = _root(xs[0]), _address(xs[0])
    end = start
    for x in xs:
        if _address(x) != end:
            return None
        end += x.nbytes
    offset = start - _address(root)
    if start % CACHE_LINE or not root.flags.c_contiguous or offset < 0 or offset + (end - start) > root.nbytes:
        return None
    flat = root.reshape(-1).view(np.uint8)[offset: offset + (end - start)]
    words = flat.view(np.uint64).reshape(n_axons, n_words)
    words.flags.writeable = False
    return words


__all__ = ["BitCrossbar", "CsrCrossbar", "shared_words"]
