"""The tick semantics (emulator/timing.py) are the ones both loops run: injection times, phases, violations."""

from __future__ import annotations

import numpy as np
import pytest

from emulator import _tick
from emulator.chip import Chip
from emulator.energy import N_EVENTS
from emulator.timing import TickTiming, injection_cycle, injection_ns
from tests.emulator.random_chips import random_inputs, random_mapped, small_config


@pytest.mark.parametrize("seed", range(5))
def test_compiled_packet_formation_uses_the_injection_rule(seed):
    """emulator._tick.form_packets requests each packet at timing.injection_cycle(injection_ns(...))."""
    rng = np.random.default_rng(seed)
    n_cores, n = 5, 40
    tm = TickTiming.from_config(small_config())
    neuron_pos = np.sort(rng.integers(0, n_cores, n)).astype(np.int32)
    local = np.zeros(n, np.int32)
    for k in range(n_cores):
        local[neuron_pos == k] = np.arange(np.count_nonzero(neuron_pos == k))
    fan = rng.integers(0, 4, n)
    dest_ptr = np.concatenate([[0], np.cumsum(fan)]).astype(np.int64)
    dest_pos = rng.integers(0, n_cores, int(fan.sum())).astype(np.int32)
    spikes = np.flatnonzero(rng.random(n) < 0.6).astype(np.int32)
    integ, update = rng.random(n_cores) * 50, rng.random(n_cores) * 30
    n_per_core = np.maximum(np.bincount(neuron_pos, minlength=n_cores), 1).astype(np.float64)
    m = int(_tick.count_packets(spikes, dest_ptr))
    src, dst, inject = np.zeros(m, np.int32), np.zeros(m, np.int32), np.zeros(m, np.int64)
    zeros = np.zeros(n_cores, np.int32)
    _tick.form_packets(spikes, dest_ptr, dest_pos, neuron_pos, local, np.arange(n_cores, dtype=np.int32), zeros,
                       zeros, integ, update, n_per_core, tm.spk_ns, tm.cycle_ns, src, dst, inject,
                       np.zeros((n_cores, N_EVENTS), np.int64))
    g = np.repeat(spikes, np.diff(dest_ptr)[spikes])
    core = neuron_pos[g]
    rank = np.ones(m, np.int64)
    for i in range(1, m):
        rank[i] = rank[i - 1] + 1 if core[i] == core[i - 1] else 1
    expect = injection_cycle(tm, injection_ns(tm, integ, update, n_per_core, core, local[g], rank))
    np.testing.assert_array_equal(inject, expect)


def test_phases_follow_the_synchronisation_mode():
    barrier = TickTiming.from_config(small_config())
    fixed = TickTiming.from_config(small_config(sync="fixed"))
    assert barrier.phases(10.0, 25.0) == (25.0 + barrier.barrier, 10.0, 15.0, barrier.barrier)
    assert fixed.phases(10.0, 25.0) == (60.0, 10.0, 15.0, 35.0)
    assert fixed.overran(10.0, 61.0) and not fixed.overran(10.0, 60.0) and not barrier.overran(1e9, 1e9)


@pytest.mark.parametrize("engine", ["fast", "loads"])
def test_overruns_are_named_alike_by_both_loops(engine):
    """Every violation record carries the fields of its kind (emulator.timing), and the report's text names the
    first one (the network kinds carry their overrun, which the text prints)."""
    cfg = small_config("loihi_lif", sync="fixed")
    for period, fast_cores in ((12.0, False), (10.0, True)):   # compute overruns, then network overruns
        timing = {"syn_op_ns": 0.01, "neuron_update_active_ns": 0.01, "neuron_update_inactive_ns": 0.01,
                  "spike_ns": 0.01} if fast_cores else {}
        c = cfg.model_copy(update={"sync": cfg.sync.model_copy(update={"tick_period_ns": period}),
                                   "timing": cfg.timing.model_copy(update=timing)})
        mapped = random_mapped(c, 21)
        spikes = random_inputs(21, 1, 15, mapped.n_inputs, p=0.9) * 3
        res = Chip.from_config(c, noc_engine=engine).program(mapped).run(spikes)
        viol = res.report.to_dict()["timing_violations"]
        assert {v["kind"] for v in viol} == ({"link"} if fast_cores else {"core"})
        _check_named(viol)
        assert "VIOLATION" in res.report.to_text()


def _check_named(viol: list[dict]) -> None:
    fields = {"core": {"busy_ns", "syn_ops", "packets"}, "link": {"network_end_ns", "link_flits"},
              "port": {"network_end_ns", "packets_to_core"}}
    for v in viol:
        assert {"tick", "kind", "culprit", "period_ns", "overrun_ns"} | fields[v["kind"]] <= set(v)
        assert v["overrun_ns"] > 0


def test_engine_names_come_from_the_registries():
    """Every network model is an engine name; its loop takes its kind; the CLI offers exactly these names."""
    import argparse

    from emulator import cli_run
    from emulator.loops import ENGINE_NAMES, LOOPS, resolve_engine
    from noc.engine import ENGINES, NETWORK_MODELS

    assert ENGINE_NAMES == tuple(NETWORK_MODELS) == ("fast", "simpy", "flow", "loads")
    assert ENGINES == ("fast", "simpy", "flow")
    assert {name: resolve_engine(name)[0].name for name in ENGINE_NAMES} == \
        {"fast": "stepped", "simpy": "stepped", "flow": "stepped", "loads": "fused"}
    assert all(callable(loop.run_batch) for loop in LOOPS.values())
    parser = argparse.ArgumentParser()
    cli_run.add_parser(parser.add_subparsers())
    action = next(a for a in parser._subparsers._group_actions[0].choices["run"]._actions if a.dest == "engine")
    assert tuple(action.choices) == ENGINE_NAMES
