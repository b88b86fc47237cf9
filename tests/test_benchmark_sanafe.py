"""benchmarks/truenorth_sanafe.py without SANA-FE: the clean skip, and the one description it hands to both
simulators (the neuron-to-neuron edges, the soma attributes, the priced architecture)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from chip_configs.schema import load_config

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
TN = load_config("truenorth")


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("truenorth_sanafe")
    finally:
        sys.path.remove(str(BENCH))


def test_skips_with_the_reason_when_sanafe_is_missing(bench, tmp_path, monkeypatch, capsys):
    real = importlib.import_module

    def no_sanafe(name, *args):
        if name == "sanafe":
            raise ImportError("No module named 'sanafe'")
        return real(name, *args)

    monkeypatch.setattr(bench.importlib, "import_module", no_sanafe)
    out = tmp_path / "r.json"
    assert bench.main(["--cores", "1", "--ticks", "2", "--out", str(out), "--sanafe-site", str(tmp_path)]) == 0
    result = json.loads(out.read_text())
    assert "no sanafe package there" in result["skipped"] and "SANA-FE comparison skipped" in capsys.readouterr().out


def test_edges_follow_the_crossbar_rows(bench):
    m = bench.description(TN, 3, seed=2)
    src, dst, w = bench.neuron_edges(m)
    n = 256
    assert src.size == sum(mc.program.n_synapses for mc in m.cores)    # each axon has exactly one source
    assert all((np.asarray(mc.program.params["v0"]) == 0).all() for mc in m.cores)
    # Source 5 of core 1: its target axon's row, with the typed weights (+1 type 0, -1 type 1).
    d = m.cores[1].dest
    core, axon = int(d.core[5]), int(d.axon[5])
    prog = m.cores[core].program
    row = np.unpackbits(prog.crossbar[axon], count=n, bitorder="little").astype(bool)
    mine = src == n + 5
    assert sorted(dst[mine] - core * n) == np.flatnonzero(row).tolist()
    assert (w[mine] == (1 if prog.axon_type[axon] == 0 else -1)).all()
    assert bench.soma_attributes(m)["threshold"] == 50.0


def test_priced_architecture_takes_the_presets_energies(bench):
    text = "energy_process_spike: 0.0\nenergy_north_hop: 0.0\nenergy_east_hop: 0.0\nlatency_east_hop: 0.0\n"
    priced = bench.priced_arch(text, TN)
    assert "energy_process_spike: 2.6e-11" in priced and "energy_north_hop: 2.3e-12" in priced
    assert "energy_east_hop: 2.3e-12" in priced and "latency_east_hop: 0.0" in priced


def test_an_interpreter_without_sanafe_is_named(bench, monkeypatch):
    real = importlib.import_module
    monkeypatch.setattr(bench.importlib, "import_module",
                        lambda name, *a: (_ for _ in ()).throw(ImportError(name)) if name == "sanafe" else real(name, *a))
    missing = str(Path(sys.executable).with_name("no-such-python"))
    assert "no-such-python cannot be run" in bench.import_sanafe(None, missing)["skipped"]
    assert "not installed in this Python" in bench.import_sanafe(None, None)["skipped"]
