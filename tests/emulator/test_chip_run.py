"""The emulated chip against the tick-level reference, plus synchronisation, probes, inputs and determinism."""

from __future__ import annotations

import numpy as np
import pytest

from chip_configs.errors import ProgramError, SimulationError
from emulator.chip import Chip
from emulator.mapped import MappedNetwork
from tests.emulator.random_chips import random_inputs, random_mapped, small_config


@pytest.mark.parametrize("model", ["loihi_lif", "truenorth"])
@pytest.mark.parametrize("seed", range(6))
def test_spikes_equal_reference_on_random_chips(model, seed):
    cfg = small_config(model)
    mapped = random_mapped(cfg, seed)
    spikes = random_inputs(seed, batch=2, ticks=25, n_inputs=mapped.n_inputs)
    chip = Chip.from_config(cfg, seed=seed).program(mapped)
    fast = chip.run(spikes)
    ref = chip.run_reference(spikes)
    assert fast.report.to_dict()["timing_violations"] == []
    np.testing.assert_array_equal(fast.output_spikes, ref.output_spikes)


def test_probed_spikes_of_every_neuron_equal_reference_cores():
    cfg = small_config("loihi_lif")
    mapped = random_mapped(cfg, 3)
    chip = Chip.from_config(cfg).program(mapped)
    spikes = random_inputs(3, 1, 30, mapped.n_inputs)
    res = chip.run(spikes, probes={"spikes": "all", "state": [0, 1]})
    rec = res.records[0]
    assert rec.probe_spikes.shape == (30, chip.cores.n_neurons)
    assert set(rec.traces) == {"u", "v"} and rec.traces["v"].shape == (30, 2)
    # the sum of probed spikes equals the spike counter of the cores
    assert int(rec.probe_spikes.sum()) == int(rec.per_tick[:, 3].sum())


def test_energy_counts_are_consistent():
    cfg = small_config("loihi_lif")
    mapped = random_mapped(cfg, 4)
    chip = Chip.from_config(cfg).program(mapped)
    res = chip.run(random_inputs(4, 1, 30, mapped.n_inputs))
    c = res.report.to_dict()["mean"]["counts"]
    assert c["deliveries"] == c["packets"]
    # every neuron is updated once per tick
    assert c["neuron_updates_active"] + c["neuron_updates_inactive"] == chip.cores.n_neurons * 30
    # packets = sum over spikes of the spiking neuron's destination count
    rec = res.records[0]
    assert c["packets"] == int(rec.per_core[:, 4].sum()) == int(rec.per_tick[:, 4].sum())


def _tiny_with(sync: dict):
    from chip_configs.schema import load_config

    cfg = load_config("tiny")
    return cfg.model_copy(update={"sync": cfg.sync.model_copy(update=sync)})


def _busy_core_network() -> MappedNetwork:
    """Core 0: 16 inputs x 8 neurons, full crossbar: 128 syn ops (128 ns) per tick when every input spikes."""
    from cores import CoreProgram

    a, n = np.nonzero(np.ones((16, 8)))
    prog = CoreProgram(8, 16, a.astype(np.int32), n.astype(np.int32), np.ones(a.size, np.int32),
                       {"vth": np.full(8, 1000), "du": np.full(8, 4095), "dv": np.full(8, 4095)})
    return MappedNetwork.build("tiny", {0: (prog, {})}, {i: [(0, i, 1)] for i in range(16)}, [(0, 0)])


def _chatty_core_network() -> MappedNetwork:
    """Core 0: 8 neurons firing every tick (bias above threshold), each sending to cores 1, 2 and 3."""
    from cores import CoreProgram

    z = np.zeros(0, np.int32)
    fire = CoreProgram(8, 1, z, z, z, {"bias_mant": np.full(8, 100), "vth": np.zeros(8, np.int64), "dv": np.full(8, 4095)})
    quiet = CoreProgram(1, 8, z, z, z, {})
    dests = {j: [(1, j, 1), (2, j, 1), (3, j, 1)] for j in range(8)}
    return MappedNetwork.build("tiny", {0: (fire, dests), 1: (quiet, {}), 2: (quiet, {}), 3: (quiet, {})},
                               {}, [(0, 0)], n_inputs=1)


def test_fixed_period_core_overrun_names_the_core():
    mapped = _busy_core_network()
    spikes = np.ones((5, 16), np.int32)
    res = Chip.from_config(_tiny_with({"mode": "fixed", "tick_period_ns": 100.0})).program(mapped).run(spikes)
    viol = res.report.to_dict()["timing_violations"]
    # ticks 1..4 integrate 128 spikes: busy = 128 syn x 1 ns + 8 active x 2 ns = 144 ns > 100 ns
    assert [v["tick"] for v in viol] == [1, 2, 3, 4]
    assert all(v["kind"] == "core" and v["culprit"] == "core 0" for v in viol)
    assert viol[0]["busy_ns"] == 144.0 and viol[0]["overrun_ns"] == 44.0
    slack = Chip.from_config(_tiny_with({"mode": "fixed", "tick_period_ns": 200.0})).program(mapped).run(spikes)
    assert slack.report.to_dict()["timing_violations"] == []
    np.testing.assert_array_equal(slack.output_spikes, res.output_spikes)


def test_fixed_period_link_overrun_names_a_link():
    mapped = _chatty_core_network()
    # Measure the tick's phases with barrier sync, then pick a period between compute end and network end.
    barrier = Chip.from_config("tiny").program(mapped).run(None, ticks=4)
    compute, network = barrier.records[0].tick_ns[1, 1:3]
    assert network > 0, "24 packets leaving one router must queue behind each other"
    period = float(compute + network / 2)
    tight = Chip.from_config(_tiny_with({"mode": "fixed", "tick_period_ns": period})).program(mapped)
    viol = tight.run(None, ticks=4).report.to_dict()["timing_violations"]
    assert viol and all(v["kind"] == "link" for v in viol)
    assert viol[0]["culprit"].startswith("link (") and viol[0]["overrun_ns"] == pytest.approx(network / 2)
    clean = Chip.from_config(_tiny_with({"mode": "fixed", "tick_period_ns": float(compute + network)}))
    assert clean.program(mapped).run(None, ticks=4).report.to_dict()["timing_violations"] == []


def test_report_json_is_byte_identical(tmp_path):
    cfg = small_config("truenorth")
    mapped = random_mapped(cfg, 2)
    spikes = random_inputs(2, 2, 20, mapped.n_inputs)
    paths = []
    for k in range(2):
        res = Chip.from_config(cfg, seed=5).program(mapped).run(spikes)
        paths.append(res.report.save_json(tmp_path / f"r{k}.json"))
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_batch_reset_between_inferences():
    cfg = small_config("loihi_lif")
    mapped = random_mapped(cfg, 5)
    one = random_inputs(5, 1, 20, mapped.n_inputs)
    chip = Chip.from_config(cfg).program(mapped)
    batch = chip.run(np.concatenate([one, one]))
    # state is reset between inferences, so the same input gives the same output
    np.testing.assert_array_equal(batch.output_spikes[0], batch.output_spikes[1])


def test_encoders_and_errors():
    cfg = small_config("loihi_lif")
    mapped = random_mapped(cfg, 6)
    chip = Chip.from_config(cfg, seed=1).program(mapped)
    x = np.linspace(0, 1, mapped.n_inputs)[None]
    a = chip.run(x, ticks=10, encoder="rate").output_spikes
    b = chip.run(x, ticks=10, encoder="rate").output_spikes
    np.testing.assert_array_equal(a, b)
    with pytest.raises(SimulationError, match="encoder 'bogus' unknown; allowed"):
        chip.run(x, ticks=10, encoder="bogus")
    with pytest.raises(SimulationError, match=r"expected spike counts \[ticks, 6\]"):
        chip.run(np.zeros((10, 3), np.int32))
    with pytest.raises(SimulationError, match="must be integers"):
        chip.run(np.zeros((10, 6)))


def test_direct_encoder_refused_on_truenorth():
    cfg = small_config("truenorth")
    chip = Chip.from_config(cfg).program(random_mapped(cfg, 0))
    with pytest.raises(SimulationError, match="'direct' needs graded input"):
        chip.run(np.ones((1, chip.mapped.n_inputs)), ticks=5, encoder="direct")


def test_mapped_save_load_round_trip(tmp_path):
    for model in ("loihi_lif", "truenorth"):
        cfg = small_config(model)
        m = random_mapped(cfg, 8)
        path = m.save(tmp_path / f"{model}.npz")
        back = MappedNetwork.load(path)
        spikes = random_inputs(8, 1, 15, m.n_inputs)
        a = Chip.from_config(cfg, seed=2).program(m).run(spikes).output_spikes
        b = Chip.from_config(cfg, seed=2).program(back).run(spikes).output_spikes
        np.testing.assert_array_equal(a, b)
        assert back.metadata == m.metadata and back.n_inputs == m.n_inputs


def test_program_errors_name_core_and_neuron():
    cfg = small_config("loihi_lif")
    m = random_mapped(cfg, 9)
    mc = m.cores[0]
    bad_dest = type(mc.dest)(mc.dest.ptr, mc.dest.core, mc.dest.axon, np.full_like(mc.dest.delay, 99))
    if len(bad_dest):
        bad = MappedNetwork(m.chip_name, (type(mc)(mc.index, mc.program, bad_dest),) + m.cores[1:], m.n_inputs,
                            m.in_ptr, m.in_core, m.in_axon, m.in_delay, m.out_core, m.out_neuron)
        with pytest.raises(ProgramError, match=rf"core {mc.index} neuron \d+: delay 99 out of range; allowed 1..5"):
            Chip.from_config(cfg).program(bad)
    out_bad = MappedNetwork(m.chip_name, m.cores, m.n_inputs, m.in_ptr, m.in_core, m.in_axon, m.in_delay,
                            np.array([11], np.int32), np.array([0], np.int32))
    with pytest.raises(ProgramError, match="output 0: core 11"):
        Chip.from_config(cfg).program(out_bad)


def test_load_refuses_other_files(tmp_path):
    p = tmp_path / "x.npz"
    np.savez(p, a=np.zeros(3))
    with pytest.raises(ProgramError, match="missing array 'header'"):
        MappedNetwork.load(p)
    with pytest.raises(ProgramError, match="file not found"):
        MappedNetwork.load(tmp_path / "nope.npz")


def test_unprogrammed_chip_refuses_to_run():
    with pytest.raises(ProgramError, match="not programmed"):
        Chip.from_config("tiny").run(np.zeros((3, 1), np.int32))


def test_simpy_and_fast_noc_engines_give_identical_runs():
    cfg = small_config("loihi_lif")
    mapped = random_mapped(cfg, 11)
    spikes = random_inputs(11, 1, 15, mapped.n_inputs, p=0.6)
    fast = Chip.from_config(cfg, noc_engine="fast").program(mapped).run(spikes)
    slow = Chip.from_config(cfg, noc_engine="simpy").program(mapped).run(spikes)
    np.testing.assert_array_equal(fast.records[0].tick_ns, slow.records[0].tick_ns)
    np.testing.assert_array_equal(fast.records[0].latency_hist, slow.records[0].latency_hist)
    np.testing.assert_array_equal(fast.records[0].link_flits, slow.records[0].link_flits)
    assert fast.records[0].per_tick[:, 4].sum() > 50, "the test needs real traffic"


def test_latency_histogram_grows_beyond_its_initial_size():
    """Latencies far above the initial bins are counted exactly (no overflow bin)."""
    from chip_configs.schema import load_config
    from emulator.simulator import LAT_HIST_BINS
    from tests.emulator.test_hand_computed import hand_network

    cfg = load_config("tiny")
    cfg = cfg.model_copy(update={"noc": cfg.noc.model_copy(update={"link_latency_cycles": 60})})
    spikes = np.zeros((4, 1), np.int32)
    spikes[0, 0] = 1
    res = Chip.from_config(cfg).program(hand_network()).run(spikes)
    # T0(2 hops) = I 1 + 3 routers x 1 + 2 links x 60 + E 1 = 125 cycles
    assert res.report.to_dict()["mean"]["noc_latency_cycles"]["max"] == 125.0
    assert res.records[0].latency_hist.size > 125 > LAT_HIST_BINS


def test_activity_probe_records_per_tick_core_counts():
    cfg = small_config("loihi_lif")
    mapped = random_mapped(cfg, 12)
    chip = Chip.from_config(cfg).program(mapped)
    spikes = random_inputs(12, 1, 20, mapped.n_inputs)
    rec = chip.run(spikes, probes={"activity": True}).records[0]
    assert rec.activity.shape == (20, chip.cores.n_cores, 8)
    np.testing.assert_array_equal(rec.activity.sum(axis=0), rec.per_core)
    np.testing.assert_array_equal(rec.activity.sum(axis=1), rec.per_tick)
    assert chip.run(spikes).records[0].activity is None


def test_flow_engine_keeps_spikes_counts_and_energy_exact():
    cfg = small_config("loihi_lif")
    mapped = random_mapped(cfg, 13)
    spikes = random_inputs(13, 1, 20, mapped.n_inputs, p=0.6)
    exact = Chip.from_config(cfg).program(mapped).run(spikes)
    flow = Chip.from_config(cfg, noc_engine="flow").program(mapped).run(spikes)
    np.testing.assert_array_equal(exact.output_spikes, flow.output_spikes)
    np.testing.assert_array_equal(exact.records[0].per_core, flow.records[0].per_core)
    np.testing.assert_array_equal(exact.records[0].link_flits, flow.records[0].link_flits)
    e, f = exact.report.to_dict()["mean"], flow.report.to_dict()["mean"]
    assert e["energy_pj"]["by_op"]["syn_ops"] == f["energy_pj"]["by_op"]["syn_ops"]
    assert flow.report.to_dict()["noc_engine"] == "flow" and "flow model" in flow.report.to_text()
