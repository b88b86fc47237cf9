"""TrueNorth fan-in over 256: refused with the numbers, or split through partial-sum relays (mapping/fan_in.py),
a named approximation whose error is bounded by the relays' residuals."""

import numpy as np
import pytest

from chip_configs.errors import CapacityError
from mapping.fan_in import split_fan_in
from mapping.mapper import map_network
from mapping.network import IF, LIF, Input, Network, Output, Population, Projection
from mapping.reference import run_reference
from mapping.truenorth_weights import effective_weights, truenorth_core_weights

N_IN = 300


def _net(neuron, seed=0, signed=True):
    rng = np.random.default_rng(seed)
    w = rng.uniform(-0.01 if signed else 0.0, 0.02, size=(3, N_IN))
    return Network([Input("x", N_IN)], [Population("h", 3, neuron)], [Projection("x", "h", w)], [Output("o", "h")])


def _spikes(ticks, seed=1, p=0.1):
    return (np.random.default_rng(seed).random((2, ticks, N_IN)) < p).astype(np.int64)


def test_fan_in_over_the_limit_is_refused_with_the_numbers():
    with pytest.raises(CapacityError) as exc:
        map_network(_net(LIF(beta=0.9, threshold=1.0)), "truenorth")
    e = exc.value
    assert (e.resource, e.need, e.limit, e.layer) == ("fan_in", N_IN, 256, "h")
    assert "is not exact" in str(e) and "--split-fan-in" in str(e)


def test_split_delivers_the_partial_sums_up_to_the_residuals():
    """An integrate-and-fire neuron with subtractive reset counts floor(input / threshold): through the relays
    (5 sigma-delta pairs of threshold q = 1/2 per neuron, chunks of 63 synapses) its count differs by at most sum |R| / threshold + 1."""
    net = _net(IF(threshold=1.0, reset="subtract", spike_test=">="), signed=False)
    split, notes = split_fan_in(net, 256)
    pairs = split.population("h~fanin+").size // 3
    assert pairs == 5 and "15 sigma-delta pairs" in notes[0] and "approximation: fan-in of 'h'" in notes[0]
    x = _spikes(200)
    direct = run_reference(net, x, timing="same_step").output_counts
    relayed = run_reference(split, x, timing="same_step").output_counts
    assert direct.min() > 50
    assert np.all(np.abs(relayed - direct) <= pairs * 0.5 + 1)


def test_split_maps_on_truenorth_and_agrees():
    """The split network on TrueNorth: every neuron within the chip's limit, the note in the summary, and the
    chip's counts close to the unsplit float reading (LIF, signed weights)."""
    from emulator.chip import Chip
    from mapping.evaluate import pad_ticks

    net = _net(LIF(beta=0.95, threshold=1.0, reset="subtract"), seed=2)
    mapped, summary = map_network(net, "truenorth", placer="greedy", split_fan_in=True)
    notes = " ".join(n for layer in summary.to_dict()["layers"] for n in layer["notes"])
    assert "sigma-delta pairs of partial-sum relays" in notes
    x = _spikes(60, p=0.15)
    lat = int(mapped.metadata["latency_ticks"])
    chip = Chip.from_config("truenorth", seed=0)
    chip.program(mapped)
    got = chip.run(pad_ticks(x, lat)).output_counts
    want = run_reference(net, x, timing="same_step").output_counts
    assert want.min() >= 3
    assert np.all(np.abs(got - want) <= 0.25 * want + 2)


def test_one_copy_fit_separates_signs_of_sparse_sources():
    """Sources with one synapse each (+-255 into their own neuron, as partial-sum relays are) fit exactly with one
    axon per source: the value-binned start keeps +q and -q in different axon types."""
    n_src, n_neu = 240, 12
    w = np.zeros((n_src, n_neu))
    w[np.arange(n_src), np.arange(n_src) % n_neu] = np.where(np.arange(n_src) % 24 < 12, 255.0, -255.0)
    t, levels, xbar = truenorth_core_weights(w, 4, 255, seed=0, copies=1)
    assert np.array_equal(effective_weights(t, levels, xbar, 1), w)


def test_cli_split_fan_in(tmp_path, capsys):
    """`neuromesh map truenorth NET` refuses a fan-in of 300 naming --split-fan-in; with the flag it maps."""
    import argparse

    from mapping.cli import add_parsers
    from mapping.network_io import save_network

    path = tmp_path / "net.npz"
    save_network(_net(LIF(beta=0.9, threshold=1.0)), path)

    def cli(argv):
        parser = argparse.ArgumentParser()
        add_parsers(parser.add_subparsers())
        args = parser.parse_args(argv)
        return args.func(args)

    out = str(tmp_path / "m.npz")
    assert cli(["map", "truenorth", str(path), "--out", out, "--placer", "greedy"]) == 1
    assert "fan-in 300 synapses; max_fan_in is 256" in capsys.readouterr().out
    assert cli(["map", "truenorth", str(path), "--out", out, "--placer", "greedy", "--split-fan-in"]) == 0
    assert "sigma-delta pairs" in capsys.readouterr().out
