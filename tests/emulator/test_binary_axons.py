"""TrueNorth's binary axons through the whole chip: duplicates OR on every engine, and the report counts them.

An axon of a TrueNorth core holds one spike per tick (one scheduler bit per axon and delivery tick); the
spikes beyond the first on one axon for one tick are dropped, and a report of a chip with binary axons says
how many per inference (``duplicate_axon_spikes``). Graded (Loihi) reports carry no such field.
"""

from __future__ import annotations

import numpy as np
import pytest

from cores import CoreProgram
from emulator.chip import CHIP_ENGINES, Chip
from emulator.loops import resolve_engine
from emulator.mapped import MappedNetwork
from tests.emulator.random_chips import random_inputs, random_mapped, small_config

STEPPED = [e for e in CHIP_ENGINES if resolve_engine(e)[0].name == "stepped"]


def _merged_lines() -> tuple:
    """(config, network): core 0 has one neuron on axon 0 (type 0, weight 5, no reset, threshold out of
    reach); input lines 0 and 1 both drive axon 0 with delay 1 (two sources merged onto one axon, which
    TrueNorth allows: they OR)."""
    params = {"weights": [[5, 0, 0, 0]], "alpha": 10**5, "beta": 10**5, "reset_mode": 2}
    prog = CoreProgram(1, 1, np.zeros(1, np.int32), np.zeros(1, np.int32), None, params, np.zeros(1, np.int8))
    cfg = small_config("truenorth")
    return cfg, MappedNetwork.build(cfg.name, {0: (prog, {})}, {0: [(0, 0, 1)], 1: [(0, 0, 1)]}, [(0, 0)])


@pytest.mark.parametrize("engine", STEPPED)
def test_duplicates_or_and_the_report_counts_them(engine):
    # tick 0: line 0 sends 3 spikes -> axon 0 set once at tick 1, 2 dropped.
    # tick 1: lines 0 and 1 send 1 each -> one bit at tick 2, 1 dropped. tick 2: none.
    # V (probed after each tick): 0, 5, 10 (summed it would be 0, 15, 25); 3 spikes dropped in all.
    cfg, mapped = _merged_lines()
    chip = Chip.from_config(cfg, noc_engine=engine).program(mapped)
    res = chip.run(np.array([[3, 0], [1, 1], [0, 0]], np.int32), probes={"state": [0]})
    np.testing.assert_array_equal(res.records[0].traces["v"][:, 0], [0, 5, 10])
    d = res.report.to_dict()
    assert d["per_inference"][0]["duplicate_axon_spikes"] == 3 and d["mean"]["duplicate_axon_spikes"] == 3
    assert d["mean"]["counts"]["syn_ops"] == 2
    assert "dropped (binary axons" in res.report.to_text()


def test_random_chips_with_merged_axons_equal_the_reference():
    """Random TrueNorth chips whose sources share axons (random destinations), with input counts up to 3 per
    line and tick: the emulator's spikes equal the oracle's, and duplicates did occur."""
    cfg = small_config("truenorth")
    mapped = random_mapped(cfg, 11)
    spikes = random_inputs(11, 2, 25, mapped.n_inputs, p=0.5) * np.random.default_rng(1).integers(
        1, 4, (2, 25, mapped.n_inputs))
    chip = Chip.from_config(cfg, seed=11).program(mapped)
    res = chip.run(spikes)
    np.testing.assert_array_equal(res.output_spikes, chip.run_reference(spikes).output_spikes)
    assert res.report.to_dict()["mean"]["duplicate_axon_spikes"] > 0


def test_graded_axon_reports_have_no_duplicate_field():
    cfg = small_config("loihi_lif")
    mapped = random_mapped(cfg, 2)
    d = Chip.from_config(cfg).program(mapped).run(random_inputs(2, 1, 5, mapped.n_inputs)).report.to_dict()
    assert "duplicate_axon_spikes" not in d["mean"] and "duplicate_axon_spikes" not in d["per_inference"][0]
