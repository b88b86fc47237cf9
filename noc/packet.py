"""Address-event (AER) spike packets: the bit layout derived from the chip config, encode and decode.

Layout
------
Fields are packed from the least significant bit upwards in the order ``delay, axon, core, dy, dx``; bits
above the fields (up to ``noc.packet_bits``) are spare and must be zero. ``dx`` and ``dy`` are signed hop
offsets (two's complement) from the source router to the destination router, ``core`` is the destination
core's index at that router, ``axon`` the destination axon and ``delay`` the delivery tick offset. Widths come
from :meth:`chip_configs.schema.ChipConfig.packet_layout` (explicit in the YAML or derived from the mesh and core
geometry). TrueNorth's 32-bit packet::

     31 30 | 29 ...... 21 | 20 ...... 12 | 11 ... 4 | 3 ... 0
     spare |  dx (9, s.)  |  dy (9, s.)  | axon (8) | delay (4)        (core_bits = 0)

A value outside its field's range raises :class:`~noc.errors.PacketError` naming the field, the value and
the allowed range; nothing is ever truncated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from chip_configs.schema import ChipConfig, NetworkSpec, as_network_spec
from noc.errors import PacketError
from noc.topology import MeshTopology

FIELDS = ("delay", "axon", "core", "dy", "dx")  # least significant first
SIGNED = frozenset({"dx", "dy"})


class AerFields(NamedTuple):
    """Decoded packet fields (ints, or int64 arrays for vectorised decoding)."""

    dx: int | np.ndarray
    dy: int | np.ndarray
    core: int | np.ndarray
    axon: int | np.ndarray
    delay: int | np.ndarray


@dataclass(frozen=True, slots=True)
class Packet:
    """One spike packet as the SimPy engine carries it and the event log names it.

    Attributes
    ----------
    id : int
        Index of the packet in the batch given to ``engine.run``.
    src_core, dst_core : int
        Global core indices of the sender and of the receiver.
    axon : int
        Destination axon on ``dst_core``.
    delay : int
        Delivery tick offset (ticks).
    src_neuron : int
        Sending neuron on ``src_core`` (-1 when unknown), for tracing.
    inject_cycle : int
        Cycle at which the core asks to send the packet (cycles).
    """

    id: int
    src_core: int
    dst_core: int
    axon: int = 0
    delay: int = 0
    src_neuron: int = -1
    inject_cycle: int = 0


@dataclass(frozen=True)
class PacketFormat:
    """Bit layout of an AER packet.

    Attributes
    ----------
    widths : dict of str to int
        Field widths in bits, keyed ``dx, dy, core, axon, delay``.
    packet_bits : int
        Total packet width; bits above the fields are spare.
    """

    widths: dict[str, int]
    packet_bits: int

    def __post_init__(self):
        used = sum(self.widths[f] for f in FIELDS)
        if used > self.packet_bits:
            raise PacketError(f"packet fields need {used} bits but packet_bits is {self.packet_bits}")

    @classmethod
    def from_config(cls, cfg: ChipConfig | NetworkSpec) -> PacketFormat:
        """The layout of ``cfg`` (its view's ``packet_layout()`` widths, ``noc.packet_bits`` total)."""
        spec = as_network_spec(cfg)
        lay = spec.packet_layout()
        return cls({f: lay[f"{f}_bits"] for f in FIELDS}, spec.noc.packet_bits)

    @property
    def field_bits(self) -> int:
        """Bits used by the fields (the rest of ``packet_bits`` is spare)."""
        return sum(self.widths.values())

    def shift(self, name: str) -> int:
        """Position of the least significant bit of field ``name``."""
        return sum(self.widths[f] for f in FIELDS[: FIELDS.index(name)])

    def field_range(self, name: str) -> tuple[int, int]:
        """Smallest and largest value field ``name`` can hold."""
        bits = self.widths[name]
        if name in SIGNED:
            return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return 0, (1 << bits) - 1

    def encode(self, dx, dy, core, axon, delay):
        """Pack fields into packet words: an int for scalar fields, a ``uint64`` array for array fields.

        Raises
        ------
        PacketError
            If a field is out of its range (the message names field, value, index and range) or not integer.
        """
        values = {"dx": dx, "dy": dy, "core": core, "axon": axon, "delay": delay}
        if all(np.ndim(v) == 0 for v in values.values()):
            return self._encode_scalar(values)
        return self._encode_array(values)

    def decode(self, word) -> AerFields:
        """Unpack packet word(s) (int or unsigned integer array) into :class:`AerFields`."""
        if np.ndim(word) == 0:
            return self._decode_scalar(_as_int("word", word))
        return self._decode_array(np.asarray(word))

    def encode_packet(self, packet: Packet, topo: MeshTopology) -> int:
        """Word for ``packet``: offsets from its source router to its destination router, local core index."""
        dx, dy = topo.offsets(packet.src_core, packet.dst_core)
        return self.encode(int(dx), int(dy), topo.local_index(packet.dst_core), packet.axon, packet.delay)

    def describe(self) -> str:
        """One line per field, most significant first: name, bit range, signedness."""
        lines = [f"{self.packet_bits}-bit packet"]
        for name in reversed(FIELDS):
            bits, lo = self.widths[name], self.shift(name)
            if bits:
                kind = "signed" if name in SIGNED else "unsigned"
                lines.append(f"  {name:5s} bits {lo + bits - 1:>3}..{lo:<3} ({bits} bits, {kind})")
        if self.packet_bits > self.field_bits:
            lines.append(f"  spare bits {self.packet_bits - 1:>3}..{self.field_bits:<3} (zero)")
        return "\n".join(lines)

    # ----- scalar path (Python ints: any width) ---------------------------------------------------------
    def _encode_scalar(self, values: dict) -> int:
        word = 0
        for name in FIELDS:
            v = self._checked(name, _as_int(name, values[name]))
            word |= (v & ((1 << self.widths[name]) - 1)) << self.shift(name)
        return word

    def _decode_scalar(self, word: int) -> AerFields:
        if not 0 <= word < (1 << self.field_bits):
            raise PacketError(
                f"word {word:#x}: outside the {self.field_bits} field bits of this layout "
                f"(spare bits must be zero); allowed: 0 .. {(1 << self.field_bits) - 1:#x}"
            )
        out = {}
        for name in FIELDS:
            bits = self.widths[name]
            v = (word >> self.shift(name)) & ((1 << bits) - 1)
            if name in SIGNED and bits and v >= 1 << (bits - 1):
                v -= 1 << bits
            out[name] = v
        return AerFields(**out)

    def _checked(self, name: str, v: int, index: int | None = None) -> int:
        lo, hi = self.field_range(name)
        if not lo <= v <= hi:
            at = "" if index is None else f" at index {index}"
            kind = "signed" if name in SIGNED else "unsigned"
            raise PacketError(
                f"packet field {name!r}{at}: value {v} is out of range; allowed: {lo} .. {hi} "
                f"({self.widths[name]}-bit {kind})"
            )
        return v

    # ----- vectorised path (uint64 words) ----------------------------------------------------------------
    def _require_64(self) -> None:
        if self.field_bits > 64:
            raise PacketError(f"vectorised encoding needs <= 64 field bits; this layout uses {self.field_bits}")

    def _encode_array(self, values: dict) -> np.ndarray:
        self._require_64()
        arrays = np.broadcast_arrays(*(_as_int_array(n, values[n]) for n in FIELDS))
        word = np.zeros(arrays[0].shape, dtype=np.uint64)
        for name, arr in zip(FIELDS, arrays, strict=True):
            lo, hi = self.field_range(name)
            bad = (arr < lo) | (arr > hi)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                self._checked(name, int(arr.flat[i]), index=i)
            mask = np.uint64((1 << self.widths[name]) - 1)
            word |= (arr.astype(np.uint64) & mask) << np.uint64(self.shift(name))
        return word

    def _decode_array(self, word: np.ndarray) -> AerFields:
        self._require_64()
        if word.dtype.kind != "u":
            word = _as_int_array("word", word)
            if (word < 0).any():
                i = int(np.flatnonzero(word < 0)[0])
                raise PacketError(f"word at index {i}: negative value {int(word.flat[i])}; words are unsigned")
        word = word.astype(np.uint64)
        limit = np.uint64((1 << self.field_bits) - 1) if self.field_bits < 64 else np.uint64(2**64 - 1)
        if (word > limit).any():
            i = int(np.flatnonzero(word > limit)[0])
            raise PacketError(
                f"word at index {i}: {int(word.flat[i]):#x} sets spare bits; allowed: 0 .. {int(limit):#x}"
            )
        out = {}
        for name in FIELDS:
            bits = self.widths[name]
            v = ((word >> np.uint64(self.shift(name))) & np.uint64((1 << bits) - 1)).astype(np.int64)
            if name in SIGNED and bits:
                v = np.where(v >= 1 << (bits - 1), v - (1 << bits), v)
            out[name] = v
        return AerFields(**out)


def _as_int(name: str, v) -> int:
    if isinstance(v, bool | np.bool_) or not isinstance(v, int | np.integer):
        raise PacketError(f"packet field {name!r}: expected an integer, got {v!r} ({type(v).__name__})")
    return int(v)


def _as_int_array(name: str, v) -> np.ndarray:
    arr = np.asarray(v)
    if arr.dtype.kind not in "iu":
        raise PacketError(f"packet field {name!r}: expected integers, got an array of dtype {arr.dtype}")
    if arr.dtype == np.uint64 and (arr > np.iinfo(np.int64).max).any():
        i = int(np.flatnonzero(arr > np.iinfo(np.int64).max)[0])
        raise PacketError(f"packet field {name!r} at index {i}: value {int(arr.flat[i])} is out of range")
    return arr.astype(np.int64)
