"""CoreArray contract: hand-checked counters, delay timing, indexing, state access and memory footprint."""

from __future__ import annotations

import numpy as np
import pytest

from chip_configs.schema import load_config
from cores import COUNTER_NAMES, CoreArray, CoreProgram

TINY = load_config("tiny")   # 16 axons x 8 neurons per core, 9-bit weights, 4 delay slots, Loihi LIF


def _two_cores() -> list[CoreProgram]:
    # Core 0: axon 0 -> n0 (w 10), axon 0 -> n1 (w -3), axon 1 -> n1 (w 5), axon 2 has no synapse,
    #         axon 3 -> n2 (w 0). vth = 0 so any positive v spikes.
    # Core 1: two neurons, no synapses; neuron 0 has a bias, neuron 1 is at rest forever.
    core0 = CoreProgram(3, 4, [0, 0, 1, 3], [0, 1, 1, 2], [10, -3, 5, 0], {"vth": 0})
    core1 = CoreProgram(2, 1, [], [], np.zeros(0, np.int32), {"bias_mant": [7, 0], "vth": 100})
    return [core0, core1]


def test_counter_names():
    assert COUNTER_NAMES == ("syn_ops", "neuron_updates_active", "neuron_updates_inactive", "spikes")


def test_hand_checked_tick():
    cores = CoreArray(TINY, _two_cores())
    assert cores.neuron_offset.tolist() == [0, 3, 5] and cores.axon_offset.tolist() == [0, 4, 5]
    cores.schedule([0, 0, 1, 2, 3], 1)          # axon 0 twice (count 2), axons 1, 2, 3 once
    fired = cores.step()
    # syn_ops: axon 0: 2 spikes x 2 synapses = 4; axon 1: 1; axon 2: 0 (empty row); axon 3: 1 (weight 0) = 6.
    # inputs: n0 = 2 x 10 = 20, n1 = 2 x -3 + 5 = -1, n2 = 0 (a zero-weight synapse is no net input).
    # n0: u = 20 << 6 = 1280, v = 1280 > 0 spikes; n1: u = v = -64, active; n2 at rest: inactive.
    # core 1: n0 v = bias 7 (active, 7 <= 100 << 6: no spike); n1 at rest: inactive.
    assert fired.tolist() == [0]
    assert cores.last_counts.tolist() == [[6, 2, 1, 1], [0, 1, 1, 0]]
    assert cores.state()["u"].tolist() == [1280, -64, 0, 0, 0]
    assert cores.state()["v"].tolist() == [0, -64, 0, 7, 0]
    # Next tick, no input: n0 and n1 still hold non-zero u (active); n2 and core 1's n1 are at rest.
    assert cores.step().tolist() == [0]           # u decays to 1280 * 4095 >> 12 = 1279 > 0: spikes again
    assert cores.last_counts.tolist() == [[0, 2, 1, 1], [0, 1, 1, 0]]
    assert cores.total_counts.tolist() == [[6, 4, 2, 2], [0, 2, 2, 0]]
    assert cores.tick == 2
    cores.reset_counts()
    assert not cores.total_counts.any() and not cores.last_counts.any()


def _probe() -> CoreArray:
    """One neuron with weight 1 from axon 0, no decay of interest: u jumps at the tick the spike lands."""
    return CoreArray(TINY, [CoreProgram(1, 1, [0], [0], [1], {"du": 4095, "vth": 2**16})])


def _landing_tick(cores: CoreArray, ticks: int) -> list[int]:
    return [t for t in range(ticks) if (cores.step(), cores.state()["u"][0])[1] != 0]


@pytest.mark.parametrize("delay", [1, 2, 3, 4])
def test_spike_emitted_at_t_with_delay_d_lands_at_t_plus_d(delay):
    cores = _probe()
    for _ in range(3):                 # ticks 0, 1, 2
        cores.step()
    cores.schedule([0], delay)         # as if emitted during tick 2 (self.tick is now 3)
    landed = [t + 3 for t in _landing_tick(cores, 6)]
    assert landed == [2 + delay]       # du = 4095 wipes u after one tick, so u != 0 exactly once


def test_delay_one_before_first_step_is_tick_zero():
    cores = _probe()
    cores.schedule([0], 1)
    assert _landing_tick(cores, 3) == [0]


def test_repeated_spikes_add_and_mixed_delays():
    cores = _probe()
    cores.schedule([0, 0, 0, 0], [1, 1, 2, 2])
    cores.step()
    assert cores.state()["u"][0] == 2 << 6 and cores.last_counts[0, 0] == 2
    cores.step()
    assert cores.last_counts[0, 0] == 2


def test_pending_buffer_grows_without_losing_spikes():
    cores = _probe()
    cores.schedule(np.zeros(5000, np.int32), 1)
    cores.schedule(np.zeros(3000, np.int32), 2)
    cores.step()
    assert cores.last_counts[0, 0] == 5000
    cores.step()
    assert cores.last_counts[0, 0] == 3000


def test_state_copies_and_set_state():
    cfg = TINY.model_copy(update={"neuron": TINY.neuron.model_copy(update={"refractory": "silicon",
                                                                           "refractory_ticks_max": 4})})
    cores = CoreArray(cfg, [CoreProgram(2, 1, [0], [0], [1], {"v0": [5, -5], "u0": [1, 2]})])
    st = cores.state()
    assert sorted(st) == ["refractory", "u", "v"] and st["v"].dtype == np.int64
    st["v"][:] = 99
    assert cores.state()["v"].tolist() == [5, -5]
    cores.set_state(v=[1, 2])
    assert cores.state()["v"].tolist() == [1, 2]


def test_silicon_refractory_holds_v():
    cfg = TINY.model_copy(update={"neuron": TINY.neuron.model_copy(update={"refractory": "silicon",
                                                                           "refractory_ticks_max": 4})})
    # bias 64 > vth 0: spikes whenever it integrates; refractory 2 ticks -> spikes at 0, 3, 6.
    cores = CoreArray(cfg, [CoreProgram(1, 1, [], [], np.zeros(0, np.int32),
                                        {"bias_mant": 64, "refractory_ticks": 2})])
    spikes = [cores.step().size for _ in range(7)]
    assert spikes == [1, 0, 0, 1, 0, 0, 1]


def test_memory_bits_hand_checked():
    mem = CoreArray(TINY, _two_cores()).memory_bits()
    # core 0: 4 synapses x 9 bits; 3 neurons x (24 + 24); 4 axons x 4 delay slots.
    assert mem["weights"].tolist() == [36, 0]
    assert mem["state"].tolist() == [144, 96]
    assert mem["spikes"].tolist() == [16, 4]
    assert mem["total"].tolist() == [196, 100]
    tn = load_config("truenorth")
    prog = CoreProgram(3, 5, [0], [0], None, {}, np.zeros(5, np.int8))
    mem = CoreArray(tn, [prog]).memory_bits()
    # crossbar 5 x 3 bits + 3 neurons x 4 types x 9 bits; 3 x 20 bits; 5 axons x 15 slots.
    assert (mem["weights"][0], mem["state"][0], mem["spikes"][0]) == (15 + 108, 60, 75)


def test_empty_chip_and_idle_core():
    cores = CoreArray(TINY, [])
    assert cores.step().size == 0 and cores.n_neurons == 0
    idle = CoreArray(TINY, [CoreProgram(8, 0, [], [], np.zeros(0, np.int32), {})])
    assert idle.step().size == 0
    assert idle.last_counts.tolist() == [[0, 0, 8, 0]]


def _expanded(ptr, rows, counts=None):
    """The entry indices of CSR rows, each repeated counts[i] times (NumPy, in order)."""
    reps = np.ones(len(rows), np.int64) if counts is None else np.asarray(counts)
    pairs = zip(rows, reps, strict=True)
    return np.array([e for r, c in pairs for _ in range(c) for e in range(ptr[r], ptr[r + 1])], np.int64)


@pytest.mark.parametrize("with_counts", [False, True])
def test_schedule_rows_equals_schedule_of_the_expanded_entries(with_counts):
    """The fused fan-out leaves exactly the pending lists (order included) of schedule() on the expansion."""
    rng = np.random.default_rng(3)
    a, b = CoreArray(TINY, _two_cores()), CoreArray(TINY, _two_cores())
    lens = rng.integers(0, 4, 12)
    ptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    axons = rng.integers(0, a.n_axons, ptr[-1]).astype(np.int32)
    delays = rng.integers(1, TINY.core.delay_slots + 1, ptr[-1]).astype(np.int32)
    for _ in range(30):
        rows = rng.integers(0, 12, int(rng.integers(0, 300)))
        counts = rng.integers(0, 3, rows.size) if with_counts else None
        a.schedule_rows(ptr, axons, delays, rows, counts)
        idx = _expanded(ptr, rows, counts)
        b.schedule(axons[idx], delays[idx])
        np.testing.assert_array_equal(a._pend_len, b._pend_len)
        for s in range(a.delay_slots):
            np.testing.assert_array_equal(a._pend[s, :a._pend_len[s]], b._pend[s, :b._pend_len[s]])
        np.testing.assert_array_equal(a.step(), b.step())
        np.testing.assert_array_equal(a.last_counts, b.last_counts)


def test_schedule_rows_names_what_is_out_of_range():
    from chip_configs.errors import SimulationError
    cores = CoreArray(TINY, _two_cores())
    ptr = np.array([0, 2, 3], np.int64)
    good = np.array([0, 1, 2], np.int32)
    with pytest.raises(SimulationError, match="row entry 1 is 2"):
        cores.schedule_rows(ptr, good, np.ones(3, np.int32), [0, 2])
    with pytest.raises(SimulationError, match="axon entry 2 is 99"):
        cores.schedule_rows(ptr, np.array([0, 1, 99], np.int32), np.ones(3, np.int32), [0, 1])
    with pytest.raises(SimulationError, match="delay entry 0 is 0"):
        cores.schedule_rows(ptr, good, np.array([0, 1, 1], np.int32), [0])
    with pytest.raises(SimulationError, match="count entry 0 is -1"):
        cores.schedule_rows(ptr, good, np.ones(3, np.int32), [0], [-1])
    assert cores._pend_len.sum() == 0


def test_schedule_rows_converts_other_integer_dtypes_checked():
    from chip_configs.errors import SimulationError
    a, b = CoreArray(TINY, _two_cores()), CoreArray(TINY, _two_cores())
    ptr = np.array([0, 2, 3], np.int64)
    a.schedule_rows(ptr, np.array([0, 1, 3], np.int64), np.array([1, 2, 1], np.int16), [1, 0], [2, 1])
    b.schedule(np.array([3, 3, 0, 1], np.int32), np.array([1, 1, 1, 2], np.int32))
    np.testing.assert_array_equal(a._pend_len, b._pend_len)
    with pytest.raises(SimulationError, match="axon entry 0"):
        a.schedule_rows(ptr, np.array([2**33, 1, 3], np.int64), np.ones(3, np.int32), [0])
