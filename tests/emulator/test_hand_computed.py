"""A tiny programmed chip whose every count, energy figure and latency is worked out by hand.

Chip: ``tiny.yaml`` (2 x 2 mesh, one core per router, 1 GHz NoC clock = 1 ns per cycle; router 1 cycle,
link 1 cycle, injection 1, ejection 1, one-flit packets; barrier 10 ns; energy table syn 1, active 2,
inactive 1, spike 3, packet 4, hop E-W 5, hop N-S 6, delivery 7 pJ; static 1 mW; times syn 1, active 2,
inactive 1, spike 1 ns).

Network: input line 0 -> core 0 axon 0 (delay 1); core 0 neuron 0 -> core 3 axon 0 (delay 1); core 3 neuron 0
is output 0. Each core: one axon, one neuron, synapse weight 10. Neuron: du = dv = 4095, so u = a_in << 6 and
v = u (decays keep nothing: decay(x, 4096 - 4096) = 0 and decay(v, 1) = 0 for |v| < 4096); vth = 5 so the
neuron fires when v > 320, i.e. on any input of weight 10 (v = 640). One input spike at tick 0; 4 ticks.

Tick by tick (active = received input or held non-zero state before the update):
  t0  core 0 inactive; core 3 inactive. Input spike scheduled for t1.
      busy: core 0 = 1 ns (inactive), core 3 = 1 ns. Tick = 1 + barrier 10 = 11 ns.
  t1  core 0: 1 syn op, active, spikes -> 1 packet core 0 (0,0) -> core 3 (1,1): 1 E-W hop + 1 N-S hop.
      core 0 busy = syn 1 + active 2 + packet 1 = 4 ns; its neuron 0 (of 1) emits at 1 + 2 x 1/1 + 1 = 4 ns,
      cycle 4. Zero-load latency over h = 2 hops: injection 1 + (h + 1) routers x 1 + h links x 1 + ejection 1
      = 7 cycles: delivered at cycle 11 = 11 ns. core 3 inactive (1 ns), 1 delivery.
      Tick = max(4, 11) + 10 = 21 ns (compute 4, network 7, sync 10).
  t2  core 0: active (u = 640 held from t1), no spike (u decays to 0, v = 0): busy 2 ns.
      core 3: 1 syn op, active, spikes (output 0 at t2; no destinations): busy 1 + 2 = 3 ns.
      Tick = 3 + 10 = 13 ns.
  t3  core 0 inactive: 1 ns. core 3 active (u = 640): 2 ns. Tick = 2 + 10 = 12 ns.
Latency = 11 + 21 + 13 + 12 = 57 ns (compute 1 + 4 + 3 + 2 = 10, network 7, sync 40).
Counts: syn ops 2, active 4, inactive 4, spikes 2, packets 1, hops E-W 1, N-S 1, deliveries 1.
Energy: syn 2 x 1 = 2, active 4 x 2 = 8, inactive 4 x 1 = 4, spikes 2 x 3 = 6, packet 4, hop E-W 5, hop N-S 6,
delivery 7 -> dynamic 42 pJ; static 1 mW x 57 ns = 57 pJ; total 99 pJ.
"""

from __future__ import annotations

import numpy as np
import pytest

from cores import CoreProgram
from emulator.chip import Chip
from emulator.mapped import MappedNetwork

NEURON = {"du": [4095], "dv": [4095], "vth": [5], "bias_mant": [0], "bias_exp": [0], "weight_exp": [0]}


def _one_neuron_core() -> CoreProgram:
    return CoreProgram(n_neurons=1, n_axons=1, syn_axon=np.array([0], np.int32),
                       syn_neuron=np.array([0], np.int32), syn_weight=np.array([10], np.int32),
                       params={k: np.asarray(v, np.int64) for k, v in NEURON.items()})


def hand_network() -> MappedNetwork:
    return MappedNetwork.build(
        "tiny",
        cores={0: (_one_neuron_core(), {0: [(3, 0, 1)]}), 3: (_one_neuron_core(), {})},
        inputs={0: [(0, 0, 1)]},
        outputs=[(3, 0)],
        metadata={"name": "hand"},
    )


@pytest.fixture(scope="module")
def result():
    chip = Chip.from_config("tiny").program(hand_network())
    spikes = np.zeros((4, 1), np.int32)
    spikes[0, 0] = 1
    return chip.run(spikes)


def test_output_spike_at_tick_2(result):
    assert result.output_spikes[0, :, 0].tolist() == [0, 0, 1, 0]


def test_counts(result):
    c = result.report.to_dict()["mean"]["counts"]
    assert c == {"syn_ops": 2, "neuron_updates_active": 4, "neuron_updates_inactive": 4, "spikes": 2,
                 "packets": 1, "hops_ew": 1, "hops_ns": 1, "deliveries": 1}


def test_tick_durations(result):
    ticks = result.records[0].tick_ns
    assert ticks[:, 0].tolist() == [11.0, 21.0, 13.0, 12.0]
    assert ticks[:, 1].tolist() == [1.0, 4.0, 3.0, 2.0]  # compute
    assert ticks[:, 2].tolist() == [0.0, 7.0, 0.0, 0.0]  # network
    assert ticks[:, 3].tolist() == [10.0] * 4  # barrier


def test_latency_and_energy(result):
    m = result.report.to_dict()["mean"]
    assert m["latency_ns"] == {"total": 57.0, "compute": 10.0, "network": 7.0, "sync": 40.0}
    assert m["energy_pj"]["by_op"] == {
        "syn_ops": 2.0, "neuron_updates_active": 8.0, "neuron_updates_inactive": 4.0, "spikes": 6.0,
        "packets": 4.0, "hops_ew": 5.0, "hops_ns": 6.0, "deliveries": 7.0, "static": 57.0}
    assert m["energy_pj"]["total"] == 99.0
    assert m["noc_latency_cycles"]["max"] == 7.0
    assert m["power_mw"] == pytest.approx(99.0 / 57.0)


def test_reference_agrees(result):
    chip = Chip.from_config("tiny").program(hand_network())
    spikes = np.zeros((4, 1), np.int32)
    spikes[0, 0] = 1
    ref = chip.run_reference(spikes)
    np.testing.assert_array_equal(ref.output_spikes, result.output_spikes)


def test_memory_and_cores(result):
    d = result.report.to_dict()
    # per core: weights 1 synapse x 9 bits; state 1 neuron x (24 + 24) bits; spikes 1 axon x 4 delay slots
    assert d["memory_bits"] == {"weights": 18, "state": 96, "spikes": 8, "total": 122}
    assert (d["cores_used"], d["cores_available"]) == (2, 4)


# ----- the same network across two chips ----------------------------------------------------------------------
#
# System: two tiny chips side by side (4 x 2 mesh; chip 0 at x = 0..1, chip 1 at x = 2..3), off-chip links of
# latency Lx = 5 cycles, serialisation s = 3 cycles per flit, 100 pJ per flit, 4-flit buffers; barrier_hop_ns 20:
# system barrier = 10 + 2 x 20 x ((2 - 1) + (1 - 1)) = 50 ns; static power 2 chips x 1 mW = 2 mW.
# Network: as above, but core 0 neuron 0 -> system core 3 (router (3, 0), chip 1): XY route (0,0) -> (1,0) on
# chip, (1,0) -> (2,0) off chip, (2,0) -> (3,0) on chip: h = 3 east-west hops, k = 1 off chip.
#   t0  both cores inactive, 1 ns. Tick = 1 + 50 = 51 ns.
#   t1  core 0 busy 4 ns, its packet requested at cycle 4. Latency: injection I 1 + 4 routers x P 1 + 2 on-chip
#       links x L 1 + off-chip link (Lx 5 + F (s - 1) = 2) + ejection E 1 + F - 1 0 = 1 + 4 + 2 + 7 + 1 = 15 cycles:
#       delivered at 19 ns. Tick = 19 + 50 = 69 ns (compute 4, network 15, sync 50).
#   t2  core 0 2 ns, core 3 3 ns: 3 + 50 = 53 ns.   t3  core 0 1 ns, core 3 2 ns: 2 + 50 = 52 ns.
# Latency = 51 + 69 + 53 + 52 = 225 ns (compute 10, network 15, sync 200).
# Counts: syn 2, active 4, inactive 4, spikes 2, packets 1, hops E-W 3 (2 on chip, 1 off chip), N-S 0, deliveries 1.
# Energy: syn 2, active 8, inactive 4, spikes 6, packet 4, on-chip hops E-W 2 x 5 = 10, N-S 0, off-chip flits
# 1 x 100 = 100 (instead of a 5 pJ hop), delivery 7 -> dynamic 141 pJ; static 2 mW x 225 ns = 450 pJ; total 591 pJ.
# Off-chip share of the network phase (zero-load attribution): the off-chip hop's 7 of the packet's 15 cycles,
# 7/15 of 15 ns = 7 ns.

TWO_TINY = """
name: two-tiny
system:
  chip: tiny
  chips_x: 2
  off_chip: {latency_cycles: 5, serialisation_cycles_per_flit: 3, energy_pj_per_flit: 100.0, buffer_depth_flits: 4}
  barrier_hop_ns: 20.0
"""


def _two_chip_result(engine: str):
    from chip_configs.schema import loads_config

    cfg = loads_config(TWO_TINY)
    net = MappedNetwork.build(cfg.name, cores={0: (_one_neuron_core(), {0: [(3, 0, 1)]}), 3: (_one_neuron_core(), {})},
                              inputs={0: [(0, 0, 1)]}, outputs=[(3, 0)], metadata={"name": "hand, two chips"})
    spikes = np.zeros((4, 1), np.int32)
    spikes[0, 0] = 1
    return Chip.from_config(cfg, noc_engine=engine).program(net).run(spikes)


@pytest.mark.parametrize("engine", ["fast", "simpy", "flow"])  # the exact engines, and flow (exact at zero load)
def test_two_chips_by_hand(engine):
    res = _two_chip_result(engine)
    assert res.output_spikes[0, :, 0].tolist() == [0, 0, 1, 0]
    ticks = res.records[0].tick_ns
    assert ticks[:, 0].tolist() == [51.0, 69.0, 53.0, 52.0]
    m = res.report.to_dict()["mean"]
    assert m["latency_ns"] == {"total": 225.0, "compute": 10.0, "network": 15.0, "sync": 200.0}
    assert m["counts"] == {"syn_ops": 2, "neuron_updates_active": 4, "neuron_updates_inactive": 4, "spikes": 2,
                           "packets": 1, "hops_ew": 3, "hops_ns": 0, "deliveries": 1}
    assert m["energy_pj"]["by_op"] == {
        "syn_ops": 2.0, "neuron_updates_active": 8.0, "neuron_updates_inactive": 4.0, "spikes": 6.0,
        "packets": 4.0, "hops_ew": 10.0, "hops_ns": 0.0, "deliveries": 7.0, "off_chip_flits": 100.0, "static": 450.0}
    assert m["energy_pj"]["total"] == 591.0
    assert m["noc_latency_cycles"]["max"] == 15.0
    assert m["off_chip"] == {"chips": 2.0, "hops_on_chip": 2.0, "hops_off_chip": 1.0, "flits_on_chip": 2.0,
                             "flits_off_chip": 1.0, "energy_on_chip_pj": 10.0, "energy_off_chip_pj": 100.0,
                             "network_off_chip_share": 7 / 15, "network_off_chip_ns": 7.0}
    assert res.report.to_dict()["unit_costs"]["off_chip_flit_pj"] == 100.0
    # each link carried 1 flit; the off-chip one was busy s = 3 cycles of the 225 (1 ns cycles): the busiest
    links = res.report.to_dict()["noc_links"]
    assert links["busiest_link"] == "(1,0)->(2,0) east" and links["utilisation_max"] == 3 / 225
    assert links["flits_total"] == 3
    text = res.report.to_text()
    assert "off chip" in text and "1.0 x 100 pJ" in text and "2.0 on chip x 5 pJ" in text


# Per-core rows of the two-chip run (dynamic energy, the off-chip hop priced as a flit):
#   core 0: syn 1 x 1 + active 2 x 2 (t1, t2) + inactive 2 x 1 (t0, t3) + spike 3 + packet 4 + its 3 E-W hops:
#           2 on chip x 5 + 1 off chip x 1 flit x 100 = 1 + 4 + 2 + 3 + 4 + 10 + 100 = 124 pJ, 1 off-chip flit;
#   core 3: syn 1 + active 2 x 2 (t2, t3) + inactive 2 x 1 (t0, t1) + spike 3 + delivery 7 = 17 pJ, 0 flits;
#   sum 141 pJ = the dynamic total, and 1 off-chip flit = mean.off_chip.flits_off_chip.
@pytest.mark.parametrize("engine", ["fast", "simpy", "flow", "loads"])   # counts are exact on every engine
def test_two_chips_per_core_rows_by_hand(engine):
    rep = _two_chip_result(engine).report
    rows = [c.to_dict() for c in rep.per_core]
    assert [(r["core"], r["energy_pj"], r["off_chip_flits"]) for r in rows] == [(0, 124.0, 1.0), (3, 17.0, 0.0)]
    assert sum(r["energy_pj"] for r in rows) == rep.mean.energy_pj.total - rep.mean.energy_pj.by_op["static"] == 141.0


def test_single_chip_reports_carry_no_off_chip_keys(result):
    d = result.report.to_dict()
    assert "off_chip" not in d["mean"] and "off_chip_flit_pj" not in d["unit_costs"]
    assert "off_chip_flits" not in d["mean"]["energy_pj"]["by_op"] and "off chip" not in result.report.to_text()
    assert all("off_chip_flits" not in row for row in d["per_core"])
