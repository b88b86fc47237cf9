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

Systems of chips (``cfg.system``): with ``system.addressing: offsets`` (TrueNorth, NS16e) ``dx`` / ``dy`` are the
offsets across the whole system's mesh, crossing chip edges, so the 9-bit fields (+-255) must span it (NS16e's
256 x 256 cores: offsets up to +-255, exactly); with ``chip_id`` (Loihi's hierarchical addressing [Davies 2018])
a ``chip`` field above ``dx`` names the destination chip and ``dx`` / ``dy`` are chip-local offsets (destination
router's position in its chip minus the source router's position in its own chip), so they keep the chip's
widths. The field is as wide as the chip count needs (Kapoho Bay 1 bit, Nahuku-32 5 bits); the 32-bit Loihi
message carries it in the bits its derived layout leaves spare (27 of 32 used: up to 32 chips, Nahuku-32
exactly). Loihi's message format is not published: carrying the chip id in the spare bits is an **estimate**;
a larger system needs ``noc.packet_bits`` > 32 in its chip (a second flit, standing for a header flit), and
the config check says so, naming the field, its need and the limit. Loihi::

     31 ... 27 | 26 .. 23 | 22 .. 20 | 19 18 | 17 ...... 6 | 5 ... 0
     chip (5)  |  dx (4)  |  dy (3)  |  core |  axon (12)  | delay (6)        (loihi-nahuku32)

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

FIELDS = ("delay", "axon", "core", "dy", "dx", "chip")  # least significant first; chip: 0 bits on one chip
SIGNED = frozenset({"dx", "dy"})


class AerFields(NamedTuple):
    """Decoded packet fields (ints, or int64 arrays for vectorised decoding)."""

    dx: int | np.ndarray
    dy: int | np.ndarray
    core: int | np.ndarray
    axon: int | np.ndarray
    delay: int | np.ndarray
    chip: int | np.ndarray = 0


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
        Field widths in bits, keyed ``dx, dy, core, axon, delay, chip`` (``chip``: 0 unless the system
        addresses chips by id).
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
        return cls({f: lay.get(f"{f}_bits", 0) for f in FIELDS}, spec.noc.packet_bits)

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

    @property
    def hierarchical(self) -> bool:
        """True when packets name their destination chip (``chip`` field) and carry chip-local offsets."""
        return self.widths["chip"] > 0

    def encode(self, dx, dy, core, axon, delay, chip=0):
        """Pack fields into packet words: an int for scalar fields, a ``uint64`` array for array fields.

        Raises
        ------
        PacketError
            If a field is out of its range (the message names field, value, index and range) or not integer.
        """
        values = {"dx": dx, "dy": dy, "core": core, "axon": axon, "delay": delay, "chip": chip}
        if all(np.ndim(v) == 0 for v in values.values()):
            return self._encode_scalar(values)
        return self._encode_array(values)

    def decode(self, word) -> AerFields:
        """Unpack packet word(s) (int or unsigned integer array) into :class:`AerFields`."""
        if np.ndim(word) == 0:
            return self._decode_scalar(_as_int("word", word))
        return self._decode_array(np.asarray(word))

    def address(self, topo: MeshTopology, src_core, dst_core) -> dict:
        """The address fields of packets from ``src_core`` to ``dst_core`` (scalars or arrays): ``dx``, ``dy``,
        ``core`` and ``chip``. On one chip, or a system addressed by offsets, ``dx`` / ``dy`` are the offsets
        across the mesh and ``chip`` is 0; with chip ids, ``chip`` is the destination's chip and ``dx`` / ``dy``
        are chip-local: ``(x_dst mod chip_width) - (x_src mod chip_width)``, likewise y."""
        if not self.hierarchical:
            dx, dy = topo.offsets(src_core, dst_core)
            chip = np.zeros_like(dx) if np.ndim(dx) else 0
        else:
            sx, sy = topo.coords(topo.router_of_core(src_core))
            tx, ty = topo.coords(topo.router_of_core(dst_core))
            dx = tx % topo.chip_width - sx % topo.chip_width
            dy = ty % topo.chip_height - sy % topo.chip_height
            chip = topo.chip_of_core(dst_core)
        return {"dx": dx, "dy": dy, "core": topo.local_index(dst_core), "chip": chip}

    def encode_packet(self, packet: Packet, topo: MeshTopology) -> int:
        """Word for ``packet``: its address (:meth:`address`), axon and delay."""
        a = self.address(topo, packet.src_core, packet.dst_core)
        return self.encode(int(a["dx"]), int(a["dy"]), int(a["core"]), packet.axon, packet.delay, int(a["chip"]))

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
