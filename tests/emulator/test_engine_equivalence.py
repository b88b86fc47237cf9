"""Property: every exact engine gives the same run on random small chips and programs.

For a random chip (neuron model, synchronisation, mesh), random program (tests.emulator.random_chips: used
cores, crossbars, parameters, destinations with delays, outputs) and random input spikes:

- the stepped engines ``fast`` and ``simpy`` give identical output spikes and identical counts per tick and per
  core (every energy operation);
- the tick-level reference run (:meth:`emulator.chip.Chip.run_reference`: the NumPy oracle cores, no NoC)
  gives the same output spikes;
- the ``loads`` engine (the fused loop; Loihi and TrueNorth) gives the same output spikes, counts, dropped
  duplicates and dynamic energy per operation (its network phase is an estimate, so static energy and times are
  not compared).

Few examples on tiny chips keep this to a few seconds; CI derandomises the search (tests/conftest.py).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.chip import Chip
from tests.emulator.random_chips import random_inputs, random_mapped, small_config


def _dynamic_energy(result) -> dict:
    """Mean energy per operation in pJ, without the static part (which depends on the estimated times)."""
    by_op = result.report.to_dict()["mean"]["energy_pj"]["by_op"]
    return {k: v for k, v in by_op.items() if k != "static"}


def _assert_same_counts(a, b) -> None:
    """Output spikes and every count per tick and per core of two runs are equal."""
    np.testing.assert_array_equal(a.output_spikes, b.output_spikes)
    for ra, rb in zip(a.records, b.records, strict=True):
        np.testing.assert_array_equal(ra.per_tick, rb.per_tick)
        np.testing.assert_array_equal(ra.per_core, rb.per_core)


@settings(max_examples=6)
@given(model=st.sampled_from(["loihi_lif", "truenorth"]), sync=st.sampled_from(["barrier", "fixed"]),
       seed=st.integers(0, 10_000), batch=st.integers(1, 2), ticks=st.integers(1, 12),
       p=st.sampled_from([0.2, 0.5]))
def test_exact_engines_and_reference_agree_on_random_chips(model, sync, seed, batch, ticks, p):
    cfg = small_config(model, sync)
    mapped = random_mapped(cfg, seed)
    spikes = random_inputs(seed, batch, ticks, mapped.n_inputs, p=p)
    runs = {eng: Chip.from_config(cfg, seed=seed, noc_engine=eng).program(mapped).run(spikes)
            for eng in ("fast", "simpy")}
    _assert_same_counts(runs["fast"], runs["simpy"])
    # the reference has no NoC: it agrees only when no packet missed its tick (fixed sync may drop late ones)
    if runs["fast"].report.to_dict()["timing_violations"] == []:
        ref = Chip.from_config(cfg, seed=seed).program(mapped).run_reference(spikes)
        np.testing.assert_array_equal(runs["fast"].output_spikes, ref.output_spikes)
    loads = Chip.from_config(cfg, seed=seed, noc_engine="loads").program(mapped).run(spikes)
    _assert_same_counts(runs["fast"], loads)
    assert _dynamic_energy(runs["fast"]) == _dynamic_energy(loads)
    assert [r.duplicate_axon_spikes for r in loads.records] == [r.duplicate_axon_spikes for r in runs["fast"].records]
