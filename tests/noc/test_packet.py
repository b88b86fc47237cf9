"""AER packet layout: widths from the config, round-trips, refusal of out-of-range fields."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chip_configs.schema import load_config
from noc.errors import PacketError
from noc.packet import FIELDS, Packet, PacketFormat
from noc.topology import MeshTopology

FORMATS = {name: PacketFormat.from_config(load_config(name)) for name in ("tiny", "loihi", "truenorth")}


def _field_values(fmt: PacketFormat):
    return st.fixed_dictionaries({f: st.integers(*fmt.field_range(f)) for f in FIELDS})


def test_truenorth_layout_is_9_9_8_4_plus_2_spare():
    fmt = FORMATS["truenorth"]
    assert fmt.widths == {"dx": 9, "dy": 9, "core": 0, "axon": 8, "delay": 4, "chip": 0}  # chip: systems only
    assert (fmt.packet_bits, fmt.field_bits) == (32, 30)
    assert fmt.field_range("dx") == (-256, 255)
    # delay in bits 0-3, axon 4-11, dy 12-20, dx 21-29, bits 30-31 spare
    assert fmt.encode(dx=-1, dy=0, core=0, axon=0, delay=0) == 0x1FF << 21
    assert fmt.encode(dx=0, dy=1, core=0, axon=0xAB, delay=0xC) == (1 << 12) | (0xAB << 4) | 0xC


def test_loihi_layout_fits_32_bits():
    fmt = FORMATS["loihi"]
    assert fmt.packet_bits == 32 and fmt.field_bits <= 32
    assert fmt.field_range("core") == (0, 3)  # four cores per tile
    assert fmt.field_range("axon") == (0, 4095)


@pytest.mark.parametrize("name", sorted(FORMATS))
@given(data=st.data())
def test_scalar_round_trip(name, data):
    fmt = FORMATS[name]
    values = data.draw(_field_values(fmt))
    word = fmt.encode(**values)
    assert 0 <= word < 1 << fmt.field_bits
    assert fmt.decode(word)._asdict() == values


@pytest.mark.parametrize("name", sorted(FORMATS))
@given(data=st.data())
def test_vector_round_trip_matches_scalar(name, data):
    fmt = FORMATS[name]
    rows = data.draw(st.lists(_field_values(fmt), min_size=1, max_size=20))
    arrays = {f: np.array([r[f] for r in rows]) for f in FIELDS}
    words = fmt.encode(**arrays)
    assert words.dtype == np.uint64
    assert words.tolist() == [fmt.encode(**r) for r in rows]
    back = fmt.decode(words)
    for f in FIELDS:
        assert back._asdict()[f].tolist() == arrays[f].tolist()


@pytest.mark.parametrize(("field", "value"), [("dx", 256), ("dx", -257), ("dy", 300), ("axon", 256),
                                              ("axon", -1), ("delay", 16), ("core", 1)])
def test_out_of_range_field_is_refused_with_its_name_value_and_range(field, value):
    fmt = FORMATS["truenorth"]
    values = dict.fromkeys(FIELDS, 0) | {field: value}
    lo, hi = fmt.field_range(field)
    with pytest.raises(PacketError, match=rf"'{field}'.*value {value}.*allowed: {lo} \.\. {hi}"):
        fmt.encode(**values)


def test_vector_error_names_the_index():
    fmt = FORMATS["truenorth"]
    with pytest.raises(PacketError, match=r"'axon' at index 2: value 999"):
        fmt.encode(np.zeros(4, int), 0, 0, np.array([1, 2, 999, 3]), 0)


def test_non_integers_and_spare_bits_are_refused():
    fmt = FORMATS["truenorth"]
    with pytest.raises(PacketError, match="expected an integer"):
        fmt.encode(1.5, 0, 0, 0, 0)
    with pytest.raises(PacketError, match="spare bits"):
        fmt.decode(1 << 31)
    with pytest.raises(PacketError, match="index 1.*spare bits"):
        fmt.decode(np.array([0, 1 << 30], dtype=np.uint64))


def test_packet_record_encodes_offsets_from_the_topology():
    cfg = load_config("loihi")
    fmt, topo = PacketFormat.from_config(cfg), MeshTopology.from_config(cfg)
    pkt = Packet(id=0, src_core=0, dst_core=4 * 9 + 3, axon=7, delay=2, src_neuron=5)  # router 9 = (1, 1)
    assert fmt.decode(fmt.encode_packet(pkt, topo))._asdict() == {"dx": 1, "dy": 1, "core": 3, "axon": 7,
                                                                 "delay": 2, "chip": 0}
