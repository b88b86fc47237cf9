"""A hand-computed system of two chips: one packet crossing the chip boundary, and a second one queueing for
the serialising off-chip link, on every exact engine; the packet fields of the system presets."""

from __future__ import annotations

import numpy as np
import pytest

from chip_configs.errors import ConfigError
from chip_configs.schema import load_config, loads_config
from noc.engine import NETWORK_MODELS, make_engine
from noc.model import RouterParams
from noc.packet import PacketFormat
from noc.topology import MeshTopology

EXACT = [name for name, m in NETWORK_MODELS.items() if m.exact and m.per_packet]

# Two tiny chips (2 x 2 routers each, one core per router) side by side: a 4 x 2 mesh, chip 0 at x = 0..1,
# chip 1 at x = 2..3. The link (1, 0) -> (2, 0) crosses the boundary.
TWO_TINY = """
name: two-tiny
system:
  chip: tiny
  chips_x: 2
  off_chip: {latency_cycles: 5, serialisation_cycles_per_flit: 3, energy_pj_per_flit: 100.0, buffer_depth_flits: 4}
"""


@pytest.mark.parametrize("kind", EXACT)
def test_one_packet_across_the_boundary_by_hand(kind):
    cfg = loads_config(TWO_TINY)
    # tiny.yaml: I = P = L = E = 1 cycle, F = 1 flit (32-bit packet, 32-bit flits); off chip Lx = 5, s = 3.
    # Core 0 sits at router (0, 0) on chip 0, core 3 at router (3, 0) on chip 1: XY route (0,0) -> (1,0)
    # on chip, (1,0) -> (2,0) off chip, (2,0) -> (3,0) on chip: h = 3 links, k = 1 of them off chip.
    #   injection                          I            = 1
    #   4 routers' pipelines               4 P          = 4
    #   2 on-chip links                    2 L          = 2
    #   off-chip link: latency + serialisation Lx + F (s - 1) = 5 + 2 = 7
    #   ejection                           E + F - 1    = 1
    #                                                   = 15 cycles
    # A second packet from core 0 in the same cycle leaves the injection channel 1 cycle later (F = 1), reaches
    # router (1, 0) ready at cycle 5, but the off-chip link is busy F s = 3 cycles from cycle 4 (the first
    # packet's send) to 7: it leaves at 7 instead of 5, 2 cycles of contention: 15 + 1 + 2 = 18.
    res = make_engine(cfg, kind).run(np.array([0, 0]), np.array([3, 3]), np.array([0, 0]))
    assert res.deliver_cycle.tolist() == [15, 18]
    assert res.hops.tolist() == [3, 3]
    topo = MeshTopology.from_config(cfg)
    off = topo.link_off_chip[res.link_ids]
    assert res.link_counts[off].tolist() == [2]  # 2 flits over the one off-chip link, 4 flits over 2 on chip
    assert res.link_counts[~off].tolist() == [2, 2]
    p = RouterParams.from_config(cfg)
    assert p.zero_load_latency(3, 1) == 15 and p.zero_load_latency(3) == 1 + 4 + 3 + 1  # all on chip: 9


def test_presets_packet_fields():
    # Loihi systems address a chip id plus chip-local dx/dy [Davies 2018]: the chip's 27 bits + the chip id.
    kapoho, nahuku = load_config("loihi-kapoho-bay").packet_layout(), load_config("loihi-nahuku32").packet_layout()
    assert kapoho == {**load_config("loihi").packet_layout(), "chip_bits": 1}
    assert nahuku["chip_bits"] == 5 and sum(nahuku.values()) == 32  # 32 chips fill the message exactly
    # TrueNorth NS16e: dx/dy across 256 x 256 cores, +-255 in the 9-bit fields
    ns16e = load_config("truenorth-ns16e")
    assert ns16e.packet_layout() == load_config("truenorth").packet_layout()
    fmt = PacketFormat.from_config(ns16e)
    assert fmt.field_range("dx") == (-256, 255) and ns16e.mesh.width == 256


def test_chip_id_address_encodes_and_decodes():
    cfg = load_config("loihi-kapoho-bay")
    fmt, topo = PacketFormat.from_config(cfg), MeshTopology.from_config(cfg)
    src, dst = 0, cfg.num_cores - 1  # chip 0's first core to chip 1's last: global dx = 15, local dx = 7
    a = fmt.address(topo, src, dst)
    assert (a["chip"], a["dx"], a["dy"]) == (1, 7, 3)
    word = fmt.encode(a["dx"], a["dy"], a["core"], 5, 1, a["chip"])
    assert fmt.decode(word) == (7, 3, 3, 5, 1, 1) and word >> 27 == 1


@pytest.mark.parametrize("doc, words", [
    # 5 x 4 TrueNorth chips: a 320-core-wide mesh needs dx offsets of +-319, beyond the 9-bit field
    ("name: big\nsystem: {chip: truenorth, chips_x: 5, chips_y: 1, off_chip: {latency_cycles: 2, "
     "energy_pj_per_flit: 1.0}}", ["noc.packet_layout.dx_bits: 9 bits", "+-319", "needs >= 10"]),
    # 64 Loihi chips: a 6-bit chip id leaves the 32-bit message 1 bit short
    ("name: big\nsystem: {chip: loihi, chips_x: 8, chips_y: 8, addressing: chip_id, off_chip: {latency_cycles: 2,"
     " energy_pj_per_flit: 1.0}}", ["system.addressing: chip_id needs a 6-bit chip field", "<= 32 chips",
                                    "noc.packet_bits >= 33"]),
])
def test_systems_whose_packets_cannot_address_them_are_refused(doc, words):
    with pytest.raises(ConfigError) as err:
        loads_config(doc)
    for w in words:
        assert w in str(err.value)


@pytest.mark.parametrize("kind", EXACT)
def test_traffic_on_one_chip_of_a_system_is_the_chip_alone(kind):
    """Congested traffic that stays on chip 1 of the system: packet for packet the chip on its own."""
    from emulator.system_place import system_core

    cfg, tiny = loads_config(TWO_TINY), load_config("tiny")
    rng = np.random.default_rng(3)
    src, dst, inject = rng.integers(0, 4, 300), rng.integers(0, 4, 300), rng.integers(0, 40, 300)
    alone = make_engine(tiny, kind).run(src, dst, inject)
    placed = make_engine(cfg, kind).run(system_core(cfg, 1, src), system_core(cfg, 1, dst), inject)
    np.testing.assert_array_equal(placed.deliver_cycle, alone.deliver_cycle)
    assert alone.latency.max() > 3 * RouterParams.from_config(tiny).zero_load_latency(2)  # it queued
    assert placed.link_counts.sum() == alone.link_counts.sum() and placed.n_delivered == 300
