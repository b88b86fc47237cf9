"""The report is a tree of frozen records: to_dict() is the JSON, additions make a new report."""

import dataclasses
import json

import numpy as np
import pytest

from emulator.chip import Chip
from emulator.report import InferenceSummary, LatencyPercentiles, Report, Violation, mean_of
from emulator.report_text import render_text
from tests.emulator.test_hand_computed import hand_network


@pytest.fixture(scope="module")
def report() -> Report:
    spikes = np.zeros((2, 4, 1), np.int32)
    spikes[:, 0, 0] = 1
    spikes[1, 1, 0] = 1
    return Chip.from_config("tiny").program(hand_network()).run(spikes).report


def test_records_are_frozen(report):
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.chip = "other"
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.mean.energy_pj.total = 0.0
    with pytest.raises(TypeError):
        report.mean.counts["spikes"] = 0
    with pytest.raises(TypeError):
        report.unit_costs.energy["syn_op_pj"] = 0.0
    with pytest.raises(ValueError):
        report.arrays.tick_ns[0, 0, 0] = 0.0


def test_to_dict_is_plain_json_with_the_typed_fields(report):
    d = report.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert list(d) == [f.name for f in dataclasses.fields(Report) if f.name not in ("accuracy", "noc_estimate", "readout", "arrays")]
    assert d["mean"]["counts"] == dict(report.mean.counts)
    # a single chip's rows leave out the off-chip flits (None) a system's rows carry
    assert d["per_core"][0] == {k: v for k, v in dataclasses.asdict(report.per_core[0]).items() if k != "off_chip_flits"}
    assert report.per_core[0].off_chip_flits is None
    assert d["mean"]["latency_ns"] == {"total": report.mean.latency_ns.total, "compute": report.mean.latency_ns.compute,
                                       "network": report.mean.latency_ns.network, "sync": report.mean.latency_ns.sync}


def test_the_mean_is_the_exactly_rounded_mean_of_the_inferences(report):
    assert isinstance(report.mean, InferenceSummary)
    a, b = report.per_inference
    assert report.mean.counts["syn_ops"] == (a.counts["syn_ops"] + b.counts["syn_ops"]) / 2
    assert report.mean.noc_latency_cycles == mean_of([a.noc_latency_cycles, b.noc_latency_cycles])
    assert mean_of([0.1] * 10) == 0.1  # fsum: no drift from ten partial sums


def test_per_core_rows_are_columns_read_as_rows(report):
    """``per_core`` holds columns and makes each CoreRow when read: a sequence of rows to its readers (index,
    slice, iteration, JSON), a column without rows, and equal to the same rows however they are held."""
    rows = report.per_core
    assert len(rows) == report.cores_used and len(rows) > 1
    assert list(rows) == [rows[i] for i in range(len(rows))] and rows[-1] == rows[len(rows) - 1]
    assert rows[1:] == tuple(rows)[1:]
    assert rows.column("syn_ops") == tuple(r.syn_ops for r in rows)
    assert rows == tuple(rows) and rows != tuple(rows)[1:]
    assert dataclasses.replace(report).per_core == rows
    assert report.to_dict()["per_core"] == [r.to_dict() for r in rows]
    assert isinstance(rows[0].core, int) and rows.column("core") == tuple(report.arrays.core_index.tolist())


def test_accuracy_makes_a_new_report(report):
    scored = report.with_accuracy(np.float64(0.5))
    assert "accuracy" not in report.to_dict() and report.accuracy is None
    assert scored.to_dict() == {**report.to_dict(), "accuracy": 0.5}
    assert type(scored.to_dict()["accuracy"]) is float
    assert "accuracy (labels)" in scored.to_text() and "accuracy" not in report.to_text()


def test_latency_percentiles_nearest_rank():
    hist = np.array([0, 5, 0, 4, 1])  # 5 x 1 cycle, 4 x 3, 1 x 4
    p = LatencyPercentiles.from_histogram(hist)
    assert (p.count, p.mean, p.p50, p.p90, p.p99, p.max) == (10, 2.1, 1.0, 3.0, 4.0, 4.0)
    assert LatencyPercentiles.from_histogram(np.zeros(3, np.int64)).to_dict() == {
        "count": 0, "mean": 0.0, "p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0}


def test_text_of_a_violation_without_an_overrun(report):
    """The loads estimate names a link overrun without its size: the text says what it knows."""
    entry = {"tick": 3, "kind": "link", "period_ns": 100.0, "culprit": "link (0,0)->(1,0) east", "link_flits": 9}
    viol = dataclasses.replace(report, timing_violations=(Violation(1, entry),))
    assert viol.to_dict()["timing_violations"] == [{**entry, "inference": 1}]
    assert render_text(viol).endswith("first: tick 3, link (0,0)->(1,0) east overran the 100 ns period")


def test_neurobench_metrics_of_the_digits_demo():
    """Hand-checked on the bundled Loihi demo: 64 -> 128 -> 10 dense layers, 27 ticks per inference."""
    chip = Chip.from_config("loihi").program("emulator/data/default_network_loihi.npz")
    spikes = chip.prepare_inputs(np.load("emulator/data/default_input_loihi.npz")["spikes"][:2], 27)
    rep = chip.run(spikes).report
    nb = rep.neurobench
    synapses = 64 * 128 + 128 * 10                       # 9,472 programmed synapses, no relays
    assert nb.synaptic_operations["dense"] == synapses * 27 == 255_744
    assert nb.synaptic_operations["effective_acs"] == rep.mean.counts["syn_ops"]
    assert nb.synaptic_operations["effective_macs"] == 0.0
    assert nb.footprint_bytes == rep.memory_bits.total / 8 == 104_604 / 8
    assert nb.activation_sparsity == rep.activation_sparsity
    zero = sum(int(np.count_nonzero(c.program.syn_weight == 0)) for c in chip.mapped.cores)
    assert nb.connection_sparsity == pytest.approx(zero / synapses)   # every crossbar point holds a synapse
    assert rep.to_dict()["neurobench"]["footprint_bytes"] == 13_075.5
