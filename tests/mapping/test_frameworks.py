"""Networks exported by the frameworks themselves (tests/data/frameworks, made by examples/frameworks/make_vectors.py
in a scratch environment; CI needs none of the frameworks): read as exported with --framework NAME, the float
reference reproduces each framework's own output spike counts and single-neuron traces."""

from pathlib import Path

import numpy as np
import pytest

from chip_configs.errors import MappingError
from mapping.from_nir import read_nir
from mapping.reference import predicted_classes, run_reference

DATA = Path(__file__).resolve().parents[1] / "data" / "frameworks"

# name -> (--framework, --spikes override, least exact-count agreement); every case is exact on these vectors
CASES = {
    "snntorch_leaky": ("snntorch", None, 1.0),
    "snntorch_synaptic": ("snntorch", None, 1.0),
    "snntorch_rleaky": ("snntorch", None, 1.0),
    "norse_lifbox": ("norse", None, 1.0),
    "norse_lif": ("norse", None, 1.0),
    "sinabs_iaf_multi": ("sinabs", None, 1.0),
    "sinabs_iaf_single": ("sinabs", "single", 1.0),
    "sinabs_lif_multi": ("sinabs", None, 1.0),
    "sinabs_lif_single": ("sinabs", "single", 1.0),
    "spikingjelly_if": ("spikingjelly", None, 1.0),
    "spikingjelly_lif": ("spikingjelly", None, 1.0),
    "rockpool_lif": ("rockpool", None, 1.0),
    "spikingjelly_cnn": ("spikingjelly", None, 1.0),  # Conv2d, AvgPool2d, Flatten (fixed random weights)
    "spikingjelly_conv1d": ("spikingjelly", None, 1.0),  # Conv1d over the 8 rows as channels
    # lava-dl 0.6 (Python 3.10) SLAYER CUBA, netx HDF5 through NIR's converter: SLAYER's truncating integer decays
    # are not modelled (counts identical on 95 %, classes on all)
    "lavadl_cuba": ("lava-dl", None, 0.95),
}
# what --framework auto makes of each file (None: refused, the parameters fit no single exporter)
AUTO = {"sinabs_iaf_multi": None, "sinabs_iaf_single": None, "lavadl_cuba": None}


def _vectors(name):
    with np.load(DATA / f"{name}.npz") as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reference_reproduces_the_framework(name):
    framework, spikes, least = CASES[name]
    net = read_nir(DATA / f"{name}.nir", framework=framework, spikes=spikes)
    v = _vectors(name)
    counts = run_reference(net, v["inputs"], timing="same_step").output_counts
    assert np.mean(np.all(counts == v["reference_counts"], axis=1)) >= least
    assert np.mean(predicted_classes(counts) == predicted_classes(v["reference_counts"])) >= least
    assert net.metadata["framework"] == framework


@pytest.mark.parametrize("name", sorted(CASES))
def test_auto_identifies_the_exporter_or_refuses(name):
    want = AUTO.get(name, CASES[name][0])
    if want is None:
        with pytest.raises(MappingError, match="--framework auto cannot tell.*--framework (sinabs|lava-dl)"):
            read_nir(DATA / f"{name}.nir")
    else:
        assert read_nir(DATA / f"{name}.nir").metadata["framework"] == want


@pytest.mark.parametrize("name", ["norse_lif", "sinabs_lif_multi", "rockpool_lif"])
def test_batch_and_time_shapes_load_with_notes(name):
    notes = read_nir(DATA / f"{name}.nir", framework=CASES[name][0]).metadata["import_notes"]
    assert any("read as [64]" in n for n in notes)


@pytest.mark.parametrize("name, trace", [("snntorch_leaky", "010101010101"), ("snntorch_synaptic", "010101010101"),
                                         ("snntorch_rleaky", "010010010010")])
def test_single_neuron_traces(name, trace):
    """Synaptic and RLeaky hold the whole step after a spike at zero (zero_next), Leaky only resets v."""
    v = _vectors(name)
    assert "".join(str(int(s)) for s in v["trace"]) == trace
    net = read_nir(DATA / f"{name}_neuron.nir", framework="snntorch")
    x = np.full((len(trace), 1), float(v["trace_input"]))
    out = run_reference(net, x, timing="same_step").output_spikes[0, :, 0]
    assert "".join(str(int(s)) for s in out) == trace


def test_wrong_convention_is_visible():
    """Read with snnTorch's conventions, a SpikingJelly IF network applies r = 1e4 raw: counts go wrong."""
    v = _vectors("spikingjelly_if")
    wrong = read_nir(DATA / "spikingjelly_if.nir", framework="snntorch")
    counts = run_reference(wrong, v["inputs"], timing="same_step").output_counts
    assert np.mean(np.all(counts == v["reference_counts"], axis=1)) < 0.5


# ----- validate against the framework (reference_counts) ---------------------------------------------------


def test_samples_carry_reference_counts_checked_by_shape(tmp_path):
    from chip_configs.errors import SimulationError
    from mapping.evaluate import load_samples

    s = load_samples(DATA / "snntorch_leaky.npz", 64, n_outputs=10, limit=7)
    assert s.reference_counts.shape == (7, 10) and s.reference_counts.dtype == np.int64
    v = _vectors("snntorch_leaky")
    bad = tmp_path / "bad.npz"
    np.savez(bad, inputs=v["inputs"], reference_counts=v["reference_counts"][:, :9])
    with pytest.raises(SimulationError, match=r"'reference_counts' has shape \[60, 9\]; expected \[60, 10\]"):
        load_samples(bad, 64, n_outputs=10)
    np.savez(bad, inputs=v["inputs"], reference_counts=v["reference_counts"] - 5)
    with pytest.raises(SimulationError, match="'reference_counts' holds -5"):
        load_samples(bad, 64, n_outputs=10)


def _validate(name, framework, chip="loihi", **read):
    from mapping.evaluate import load_samples, validate_network

    net = read_nir(DATA / f"{name}.nir", framework=framework, **read)
    samples = load_samples(DATA / f"{name}.npz", net.n_inputs, n_outputs=net.n_outputs, limit=30)
    verdict, _, _ = validate_network(net, chip, samples)
    return verdict, next(c for c in verdict.checks if c.name == "functional")


def test_validate_compares_with_the_framework():
    verdict, func = _validate("snntorch_leaky", "snntorch")
    assert verdict.go and func.status == "ok"
    assert func.data["framework_class_agreement_float"] == 1.0 and func.data["framework_count_exact_float"] == 1.0
    assert func.data["framework_class_agreement_chip"] >= 0.95
    assert "agree with the framework's own outputs (reference_counts or reference_readout)" in func.messages[0]


def test_wrongly_read_network_is_no_go():
    """SpikingJelly's IF read with snnTorch's conventions (r = 1e4 applied raw): chip and float agree, the framework
    does not: NO-GO naming the reading."""
    verdict, func = _validate("spikingjelly_if", "snntorch")
    assert not verdict.go and func.status == "fail"
    assert "read differently from how the framework ran it" in verdict.reasons[0]
    assert "--framework" in verdict.reasons[0]


def test_without_reference_counts_says_so_and_near_chance_is_no_go():
    from mapping.validate import Limits, check_functional, functional_numbers

    ref = np.array([[3, 1], [0, 2], [1, 1], [2, 0]])
    nums = functional_numbers(ref, ref, labels=np.array([1, 0, 1, 1]))  # accuracy 0 %: near chance (50 %)
    chk = check_functional(nums, Limits())
    assert chk.status == "fail" and "near chance" in chk.messages[0]
    assert any("NeuroMesh's own float reading of the file only" in m for m in chk.messages)
    nums = functional_numbers(ref, ref, labels=np.array([0, 1, 0, 0]), framework_counts=ref)
    chk = check_functional(nums, Limits())
    assert chk.status == "ok" and nums["accuracy_framework"] == 1.0


def test_lava_dl_fixed_point_graph_is_not_guessed():
    """A netx-converted lava-dl CubaLIF (decays k/4096, thresholds and weights m/64) fits snnTorch's signature too:
    auto refuses; --framework lava-dl resets at once (Loihi), --framework snntorch one step later (Synaptic)."""
    import nir

    dt, n = 1e-4, 3
    tau_mem, tau_syn = dt / (512 / 4096), dt / (1024 / 4096)
    cuba = nir.CubaLIF(tau_syn=np.full(n, tau_syn), tau_mem=np.full(n, tau_mem), r=np.full(n, tau_mem / dt),
                       v_leak=np.zeros(n), v_threshold=np.full(n, 80 / 64), w_in=np.full(n, tau_syn / dt),
                       v_reset=np.zeros(n))
    g = nir.NIRGraph(nodes={"in": nir.Input(input_type=np.array([2])),
                            "w": nir.Linear(weight=np.arange(2 * n).reshape(n, 2) / 64), "cuba": cuba,
                            "out": nir.Output(output_type=np.array([n]))},
                     edges=[("in", "w"), ("w", "cuba"), ("cuba", "out")])
    with pytest.raises(MappingError, match="fit snntorch and lava-dl"):
        read_nir(g)
    lava = read_nir(g, framework="lava-dl").population("cuba").neuron
    assert lava.reset == "zero" and np.allclose(lava.alpha, 0.75) and np.allclose(lava.beta, 0.875)
    assert read_nir(g, framework="snntorch").population("cuba").neuron.reset == "zero_next"


def test_cli_validate_against_the_framework(tmp_path, capsys):
    """The command line: Norse's export loads with a note, GO against its own counts; read as SpikingJelly's
    (wrong conventions) it is a NO-GO naming the reading; auto on Sinabs IAF names the --framework flags."""
    import argparse
    import json

    from mapping.cli import add_parsers

    def cli(argv):
        parser = argparse.ArgumentParser()
        add_parsers(parser.add_subparsers())
        args = parser.parse_args(argv)
        return args.func(args)

    samples = tmp_path / "s.npz"
    v = _vectors("norse_lifbox")
    np.savez(samples, inputs=v["inputs"][:20], labels=v["labels"][:20], reference_counts=v["reference_counts"][:20])
    rep = tmp_path / "r.json"
    nir_file = str(DATA / "norse_lifbox.nir")
    assert cli(["validate", "loihi", nir_file, "--framework", "norse", "--samples", str(samples),
                "--report", str(rep)]) == 0
    assert "note: node 'input' (Input): shape [1, 64] read as [64]" in capsys.readouterr().err
    func = next(c for c in json.loads(rep.read_text())["checks"] if c["name"] == "functional")
    assert func["data"]["framework_class_agreement_float"] == 1.0
    with pytest.raises(MappingError, match=r"--framework spikingjelly reads node '1' \(LIF\) with a decay of -9"):
        cli(["validate", "loihi", nir_file, "--framework", "spikingjelly"])
    v = _vectors("spikingjelly_if")  # SpikingJelly's IF read with snnTorch's conventions (r = 1e4 applied raw)
    np.savez(samples, inputs=v["inputs"][:20], labels=v["labels"][:20], reference_counts=v["reference_counts"][:20])
    assert cli(["validate", "loihi", str(DATA / "spikingjelly_if.nir"), "--framework", "snntorch", "--samples",
                str(samples), "--report", str(rep)]) == 1
    assert "read differently from how the framework ran it" in json.loads(rep.read_text())["reasons"][0]
    with pytest.raises(MappingError, match="--framework sinabs"):
        cli(["validate", "loihi", str(DATA / "sinabs_iaf_multi.nir")])


# ----- LI readouts (no spikes: the framework's output is the membrane) ----------------------------------------

READOUTS = {"norse_li_readout": "norse", "sinabs_expleak_readout": "sinabs"}


@pytest.mark.parametrize("name", sorted(READOUTS))
def test_li_readout_reference_reproduces_the_framework(name):
    """Norse LIBoxCell and Sinabs ExpLeak (norm_input=False, its default) readouts: the summed membrane, as the
    framework computes it (float32 rounding aside); auto identifies both exporters."""
    net = read_nir(DATA / f"{name}.nir", framework=READOUTS[name])
    v = _vectors(name)
    out = run_reference(net, v["inputs"], timing="same_step").output_counts
    assert np.allclose(out, v["reference_readout"], rtol=1e-5, atol=1e-4)
    assert read_nir(DATA / f"{name}.nir").metadata["framework"] == READOUTS[name]


# ----- on the chip: the Loihi mapping against the framework ------------------------------------------------


def _lava_loihi():
    """The Loihi preset without the silicon's refractory counter (Lava's rules alone)."""
    from chip_configs.schema import config_from_dict, load_config

    d = load_config("loihi").model_dump(mode="json")
    d["neuron"].update(refractory="none", refractory_ticks_max=0)
    return config_from_dict(d)


def _chip_vs_framework(name, framework, cfg, spikes=None, limit=None):
    from mapping.evaluate import compare_on_chip, load_samples
    from mapping.mapper import map_network

    net = read_nir(DATA / f"{name}.nir", framework=framework, spikes=spikes)
    s = load_samples(DATA / f"{name}.npz", net.n_inputs, n_outputs=net.n_outputs, limit=limit)
    mapped, summary = map_network(net, cfg, placer="greedy", seed=0)
    comp = compare_on_chip(net, mapped, cfg, s)
    return comp, summary, s


@pytest.mark.parametrize("name, trace", [("snntorch_synaptic", "010101010101"), ("snntorch_rleaky", "010010010010")])
def test_zero_next_single_neuron_traces_on_the_chip(name, trace):
    """snnTorch's Synaptic and RLeaky zero the whole step after a spike: on a Loihi with the silicon refractory
    counter (the preset) that is reset to zero plus one refractory tick, and the chip's trace is the framework's
    exactly; Lava's rules alone (no refractory counter) apply it as an immediate reset, named in the notes."""
    import dataclasses

    from emulator.chip import Chip
    from mapping.mapper import map_network

    v = _vectors(name)
    assert "".join(str(int(s)) for s in v["trace"]) == trace
    net = read_nir(DATA / f"{name}_neuron.nir", framework="snntorch")
    x = float(v["trace_input"])  # the framework's constant input per step = one input spike x weight x
    scaled = tuple(dataclasses.replace(p, weights=np.asarray(p.dense(1, 1)) * x) if p.pre == "input" else p
                   for p in net.projections)
    net = dataclasses.replace(net, projections=scaled)
    for cfg, exact in (("loihi", True), (_lava_loihi(), False)):
        mapped, summary = map_network(net, cfg, placer="greedy", seed=0)
        lat = int(mapped.metadata["latency_ticks"])
        chip = Chip.from_config(cfg, seed=0)
        chip.program(mapped)
        out = chip.run(np.ones((1, len(trace) + lat, 1), np.int64)).output_spikes[0, lat:, 0]
        assert ("".join(str(int(s)) for s in out) == trace) is exact
        notes = " ".join(n for layer in summary.to_dict()["layers"] for n in layer["notes"])
        assert ("exact: reset = 'zero_next' built as Loihi's reset to zero plus one refractory tick" in notes) is exact
        assert ("approximation: reset = 'zero_next'" in notes) is not exact


@pytest.mark.parametrize("name, framework, least", [("snntorch_synaptic", "snntorch", 0.95),
                                                    ("snntorch_rleaky", "snntorch", 0.95),
                                                    ("norse_lif", "norse", 1.0), ("lavadl_cuba", "lava-dl", 0.95)])
def test_chip_agrees_with_the_framework(name, framework, least):
    """The Loihi preset (with the silicon refractory counter) against the framework's own counts on the shipped
    vectors (60 digits): Synaptic 98.3 %, RLeaky 98.3 %, Norse LIF (CubaLIF with a current bias, exact through
    u0) 100 %, lava-dl CUBA 98.3 %."""
    comp, _, s = _chip_vs_framework(name, framework, "loihi")
    agree = np.mean(predicted_classes(comp.chip_counts) == predicted_classes(s.reference_counts))
    assert agree >= least


def test_li_readout_on_the_chip():
    """An LI readout on Loihi: a neuron that cannot spike, its probed membrane decoded and summed over the
    framework's steps; Norse's LIBoxCell readout agrees with the framework's argmax on every digit, within 2 %."""
    comp, summary, s = _chip_vs_framework("norse_li_readout", "norse", "loihi")
    fw = s.reference_readout
    assert np.mean(predicted_classes(comp.chip_counts) == predicted_classes(fw)) == 1.0
    assert np.max(np.abs(comp.chip_counts - fw)) <= 0.02 * np.max(np.abs(fw))
    assert any("exact: LI readout as a non-spiking neuron" in n for n in summary.to_dict()["layers"][-1]["notes"])


def test_li_readout_feeding_a_layer_is_refused():
    from mapping.mapper import map_network
    from mapping.network import LI, LIF, Input, Network, Output, Population, Projection

    net = Network([Input("x", 2)], [Population("r", 2, LI(beta=0.5)), Population("h", 2, LIF(beta=0.5, threshold=1))],
                  [Projection("x", "r", np.eye(2)), Projection("r", "h", np.eye(2))], [Output("o", "h")])
    with pytest.raises(MappingError, match="population 'r' is an LI readout"):
        map_network(net, "loihi")
