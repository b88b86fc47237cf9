"""The shipped snnTorch digits network on the presets, and the map / validate command lines."""

import argparse
import json

import numpy as np
import pytest

from mapping.cli import add_parsers
from mapping.evaluate import Samples, compare_on_chip
from mapping.mapper import map_network


def cli(argv):
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_loihi_agrees_with_snntorch_reference_on_95_percent(digits_net, digits_samples):
    """Every shipped sample: on-chip predicted classes vs the float reference (snnTorch timing)."""
    mapped, _ = map_network(digits_net, "loihi")
    comp = compare_on_chip(digits_net, mapped, "loihi", Samples(digits_samples["inputs"], digits_samples["labels"]))
    assert comp.numbers["samples"] == 360
    assert comp.numbers["class_agreement"] >= 0.95
    assert comp.numbers["accuracy_chip"] >= 0.9
    assert comp.report["mean"]["energy_pj"]["total"] > 0


def test_truenorth_duplication_agrees_with_snntorch_reference(digits_net, digits_samples):
    """Axon duplication (the default): 4 copies of each input, 2 of each hidden neuron (128 sources, 256
    axons), per-neuron levels: 98.9 % class agreement on all 360 samples in 3 cores (asserted with a margin)."""
    mapped, summary = map_network(digits_net, "truenorth")
    assert summary.cores_used == 3 and summary.splitter_cores == 1 and summary.latency_ticks == 3
    assert [L["axon_copies"] for L in summary.layers] == [[4, 4], [2, 2]]
    assert summary.layers[0]["weight_rel_rms"] < 0.12 and summary.layers[1]["weight_rel_rms"] < 0.36
    comp = compare_on_chip(digits_net, mapped, "truenorth", Samples(digits_samples["inputs"], digits_samples["labels"]))
    assert comp.numbers["class_agreement"] >= 0.97
    assert comp.numbers["accuracy_chip"] >= 0.95


def test_truenorth_bias_calibration_on_other_samples_raises_the_agreement(digits_net, digits_samples):
    """Calibrated on the first half's mean activity, evaluated on the second half (held out)."""
    from mapping.evaluate import mean_rates

    x, y = digits_samples["inputs"], digits_samples["labels"]
    held_out = Samples(x[180:], y[180:])
    agree = {}
    for name, activity in (("plain", None), ("calibrated", mean_rates(digits_net, Samples(x[:180])))):
        mapped, _ = map_network(digits_net, "truenorth", activity=activity, placer="greedy")
        agree[name] = compare_on_chip(digits_net, mapped, "truenorth", held_out).numbers["class_agreement"]
    assert agree["calibrated"] >= 0.985 and agree["calibrated"] > agree["plain"]


def test_truenorth_classic_mapping_still_available(digits_net):
    """One axon per source (``axon_copies=1``): four levels per neuron and type shared by the whole core."""
    classic, s_classic = map_network(digits_net, "truenorth", axon_copies=1)
    assert s_classic.cores_used == 2 and s_classic.layers[0]["weight_rel_rms"] > 0.5
    assert [L["axon_copies"] for L in s_classic.layers] == [[1, 1], [1, 1]]
    one, s_one = map_network(digits_net, "truenorth", neurons_per_core=1, axon_copies=1, placer="greedy")
    assert s_one.cores_used == 128 + 10 + s_one.splitter_cores and s_one.latency_ticks == 3
    assert s_one.layers[0]["weight_rel_rms"] < s_classic.layers[0]["weight_rel_rms"]


def test_cli_map_and_validate_exit_codes(tmp_path, digits_nir):
    out, summ = tmp_path / "m.npz", tmp_path / "s.json"
    assert cli(["map", "loihi", str(digits_nir), "--out", str(out), "--summary", str(summ)]) == 0
    assert out.exists() and json.loads(summ.read_text())["cores_used"] == 2
    # 128 hidden neurons cannot fit the 4 cores of 8 neurons of the tiny chip: a clear no-go
    assert cli(["map", "tiny", str(digits_nir), "--out", str(tmp_path / "t.npz")]) == 1
    rep = tmp_path / "v.json"
    assert cli(["validate", "tiny", str(digits_nir), "--report", str(rep)]) == 1
    data = json.loads(rep.read_text())
    assert data["verdict"] == "no-go"
    assert "fan-in 64 synapses; max_fan_in is 16" in data["reasons"][0]


def test_cli_validate_go_with_samples(tmp_path, digits_nir, digits_samples):
    samples = tmp_path / "x.npz"
    np.savez(samples, inputs=digits_samples["inputs"][:30], labels=digits_samples["labels"][:30])
    rep = tmp_path / "v.json"
    assert cli(["validate", "loihi", str(digits_nir), "--samples", str(samples), "--report", str(rep)]) == 0
    data = json.loads(rep.read_text())
    assert data["verdict"] == "go"
    assert {c["name"] for c in data["checks"]} == {"capacity", "precision", "functional", "timing", "energy"}
    # values rather than spikes are rate-coded with a seed (no labels: random values are classified at chance,
    # which is a no-go)
    np.savez(samples, x=np.random.default_rng(0).random((5, 64)))
    assert cli(["validate", "loihi", str(digits_nir), "--samples", str(samples), "--min-agreement", "0"]) == 0


def test_cli_help_texts():
    with pytest.raises(SystemExit) as exc:
        cli(["validate", "--help"])
    assert exc.value.code == 0


def test_cli_maps_a_python_built_network(tmp_path):
    script = tmp_path / "net.py"
    script.write_text(
        "from mapping.synthetic import random_network\n\n\n"
        "def build_network():\n"
        "    return random_network(n_inputs=20, n_neurons=50, fan_out=5, seed=1)\n")
    out = tmp_path / "m.npz"
    assert cli(["map", "tiny", str(script), "--out", str(out), "--placer", "greedy"]) == 1  # 50 neurons > 4 x 8
    assert cli(["map", "loihi", str(script), "--out", str(out), "--placer", "greedy"]) == 0 and out.exists()


def test_cli_reads_a_network_saved_as_npz(tmp_path, digits_net):
    from chip_configs.errors import MappingError
    from mapping.network import LIF, Input, Network, Output, Population, Projection
    from mapping.network_io import load_network_npz, save_network

    path = save_network(digits_net, tmp_path / "digits.npz")
    back = load_network_npz(path)
    assert back.name == digits_net.name and back.sizes == digits_net.sizes
    for a, b in zip(back.projections, digits_net.projections, strict=True):
        assert all(np.array_equal(u, v) for u, v in zip(a.coo(), b.coo(), strict=True))
    assert np.array_equal(back.populations[0].param("bias"), digits_net.populations[0].param("bias"))
    sparse = Network([Input("x", 3)], [Population("h", 2, LIF(beta=0.5, reset="subtract"))],
                     [Projection("x", "h", (np.array([0, 1]), np.array([2, 0]), np.array([0.5, -1.0])), [1, 3])],
                     [Output("o", "h")], name="sp")
    again = load_network_npz(save_network(sparse, tmp_path / "sp.npz"))
    assert again.populations[0].neuron.reset == "subtract" and again.projections[0].coo()[3].tolist() == [1, 3]
    out = tmp_path / "m.npz"
    assert cli(["map", "truenorth", str(path), "--out", str(out), "--placer", "greedy"]) == 0
    with pytest.raises(MappingError, match=r"not a saved mapping.network.Network but a programmed chip"):
        cli(["map", "truenorth", str(out), "--out", str(tmp_path / "x.npz")])


def test_cli_calibrate_option(tmp_path, digits_nir, digits_samples):
    cal, val = tmp_path / "cal.npz", tmp_path / "val.npz"
    np.savez(cal, inputs=digits_samples["inputs"][:40])
    np.savez(val, inputs=digits_samples["inputs"][300:330], labels=digits_samples["labels"][300:330])
    rep = tmp_path / "v.json"
    assert cli(["validate", "truenorth", str(digits_nir), "--samples", str(val), "--calibrate", str(cal),
                "--placer", "greedy", "--min-agreement", "0", "--report", str(rep)]) == 0
    layers = json.loads(rep.read_text())["summary"]["layers"]
    assert all(L["bias_correction_rms"] > 0 for L in layers)
    out, summ = tmp_path / "m.npz", tmp_path / "s.json"
    assert cli(["map", "truenorth", str(digits_nir), "--calibrate", str(cal), "--out", str(out), "--summary",
                str(summ), "--placer", "greedy", "--bit-cost", "0.08", "--axon-copies", "2"]) == 0
    layers = json.loads(summ.read_text())["layers"]
    assert [L["axon_copies"] for L in layers] == [[2, 2], [2, 2]] and layers[0]["bias_correction_rms"] > 0
