"""``neuromesh run`` on a network read out from LI membranes: the decoded, summed membranes are the outputs
(table, JSON, accuracy, probes, plots), as ``validate`` decodes them (:mod:`emulator.readout`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from emulator.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "frameworks"


@pytest.fixture(scope="module")
def mapped_readout(tmp_path_factory):
    """Norse's LIBoxCell readout vector mapped onto Loihi, and 3 of its digits as a run input."""
    from mapping.from_nir import read_nir
    from mapping.mapper import map_network

    tmp = tmp_path_factory.mktemp("readout")
    mapped, _ = map_network(read_nir(DATA / "norse_li_readout.nir", framework="norse"), "loihi", placer="greedy")
    mapped.save(tmp / "net.npz")
    z = np.load(DATA / "norse_li_readout.npz")
    np.savez(tmp / "in.npz", spikes=z["inputs"][:3], labels=z["labels"][:3])
    return tmp, z["reference_readout"][:3], z["labels"][:3]


def test_run_reports_the_decoded_readout(mapped_readout, capsys):
    tmp, framework, labels = mapped_readout
    argv = ["run", "loihi", "--network", str(tmp / "net.npz"), "--input", str(tmp / "in.npz"), "--no-progress",
            "--save-probes", str(tmp / "p.npz")]
    assert main(argv + ["--report", str(tmp / "r.json")]) == 0
    text = capsys.readouterr().out
    assert "LI membrane" in text and "predicted class (argmax, output index):" in text
    rep = json.loads((tmp / "r.json").read_text())
    ro = rep["readout"]
    values = np.asarray(ro["values"])
    # the framework's own summed membranes, within the quantisation (Loihi test: 2 % of the largest |value|)
    assert np.abs(values - framework).max() <= 0.02 * np.abs(framework).max()
    assert ro["predictions"] == np.argmax(framework, axis=1).tolist()
    assert ro["steps"] == ro["steps_covered"] == 25 and ro["readout_lines"] == list(range(10))
    assert rep["accuracy"] == pytest.approx(np.mean(np.argmax(framework, axis=1) == labels))
    probes = np.load(tmp / "p.npz")
    assert probes["trace_v"].shape == (3, 27, 10) and str(probes["trace_labels"][0]) == "output[0] (LI readout)"
    # cut short (--no-latency-ticks): the sums miss the last steps, and the table says so
    assert main(argv + ["--no-latency-ticks"]) == 0
    assert "WARNING the run ended after 23 of those 25 steps" in capsys.readouterr().out


def test_readout_plot_and_unlabelled_levels(mapped_readout, tmp_path):
    from emulator.chip import Chip
    from emulator.plots import _levels, readout
    from emulator.readout import OutputReadout, decode, readout_neurons, readout_of

    tmp, _, _ = mapped_readout
    chip = Chip.from_config("loihi")
    chip.program(tmp / "net.npz")
    ro = readout_of(chip.mapped)
    ids = readout_neurons(chip, ro)
    x = np.load(tmp / "in.npz")["spikes"][:1]
    res = chip.run(x, 27, probes={"state": ids})
    values = decode(res.output_counts, np.stack([r.traces["v"] for r in res.records]), ro, 25)
    res.report = res.report.with_readout(OutputReadout.of(values, ro, 25, 27, [str(k) for k in range(10)]))
    assert readout(chip, res, tmp_path / "readout.png").stat().st_size > 0
    assert np.isnan(_levels(chip, list(ids))["v"]["threshold (spike when above)"]).all()
