"""Property: a system's per-core rows add up to its totals, on chip and off chip, on every engine.

Random two-chip systems (tests.emulator.random_chips; Loihi and TrueNorth cores, destinations on either chip)
and random inputs: every engine counts each source core's off-chip hops alike (emulator.off_chip), their sum
over cores is the off-chip links' flits, and the per-core rows' energies add up to the dynamic total
(``total - static``). The hand-computed case is ``test_two_chips_per_core_rows_by_hand``
(tests/emulator/test_hand_computed.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chip_configs.schema import config_from_dict, config_to_dict
from emulator.chip import Chip
from emulator.report import OffChipCounts
from tests.emulator.random_chips import random_inputs, random_mapped, small_config


def _two_chips(model: str, chips_y: int):
    link = {"latency_cycles": 4, "serialisation_cycles_per_flit": 3, "energy_pj_per_flit": 50.0}
    return config_from_dict({"name": f"two-{model}", "system": {
        "chip": config_to_dict(small_config(model)), "chips_x": 3 - chips_y, "chips_y": chips_y, "off_chip": link}})


def _assert_rows_add_up(run, cfg) -> None:
    rep = run.report
    for rec in run.records:
        off = OffChipCounts.of(rec.link_flits, cfg)
        assert rec.per_core_off_chip.sum(axis=0).tolist() == [off.hops_ew, off.hops_ns]
    dynamic = rep.mean.energy_pj.total - rep.mean.energy_pj.by_op["static"]
    assert sum(r.energy_pj for r in rep.per_core) == pytest.approx(dynamic, rel=1e-12, abs=1e-9)
    assert sum(r.off_chip_flits for r in rep.per_core) == pytest.approx(rep.mean.off_chip.flits_off_chip)


@settings(max_examples=5, deadline=None)
@given(model=st.sampled_from(["loihi_lif", "truenorth"]), chips_y=st.sampled_from([1, 2]),
       seed=st.integers(0, 10_000), batch=st.integers(1, 2))
def test_per_core_rows_add_up_on_systems(model, chips_y, seed, batch):
    cfg = _two_chips(model, chips_y)
    mapped = random_mapped(cfg, seed)
    spikes = random_inputs(seed, batch, 8, mapped.n_inputs, p=0.5)
    runs = {eng: Chip.from_config(cfg, seed=seed, noc_engine=eng).program(mapped).run(spikes)
            for eng in ("fast", "flow", "loads")}
    for run in runs.values():
        _assert_rows_add_up(run, cfg)
    for eng in ("flow", "loads"):
        for a, b in zip(runs["fast"].records, runs[eng].records, strict=True):
            np.testing.assert_array_equal(a.per_core_off_chip, b.per_core_off_chip)
