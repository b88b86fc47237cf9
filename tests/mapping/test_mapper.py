"""Quantisation, partition, placement, routing and the mapped-network round trip."""

import numpy as np
import pytest

from chip_configs.errors import CapacityError, MappingError
from chip_configs.schema import config_from_dict, config_to_dict, load_config
from emulator.chip import Chip
from emulator.mapped import MappedNetwork
from mapping.evaluate import pad_ticks
from mapping.mapper import map_network
from mapping.network import IF, LI, LIF, CubaLIF, Input, Network, Output, Population, Projection
from mapping.placement import Traffic, place, placement_cost
from mapping.quantize import quantize_loihi, split_bias
from mapping.reference import run_reference


def two_layer(n_in=12, n_hid=14, n_out=6, seed=0, beta=0.9):
    rng = np.random.default_rng(seed)
    return Network([Input("x", n_in)],
                   [Population("h", n_hid, LIF(beta=beta, threshold=1.0, bias=rng.normal(0, 0.02, n_hid))),
                    Population("o", n_out, LIF(beta=beta, threshold=1.0))],
                   [Projection("x", "h", rng.normal(0.3, 0.4, (n_hid, n_in))),
                    Projection("h", "o", rng.normal(0.2, 0.5, (n_out, n_hid)))], [Output("out", "o")], name="two")


def spikes(n_in, ticks=30, batch=4, p=0.3, seed=1):
    return (np.random.default_rng(seed).random((batch, ticks, n_in)) < p).astype(np.int64)


def test_loihi_quantisation_error_bounds():
    rng = np.random.default_rng(0)
    pop = Population("p", 50, LIF(beta=0.9, threshold=rng.uniform(0.5, 2, 50), bias=rng.normal(0, 0.1, 50)))
    post = np.repeat(np.arange(50), 40)
    w = rng.normal(size=post.size)
    q = quantize_loihi(load_config("loihi"), pop, post, w)
    # per-neuron scaling, 9-bit weights: each weight is off by at most half a step of max|w_j| / 255
    assert q.error["weight_rel_rms"] < 0.01 and q.error["frac_clipped"] == 0.0
    assert np.all(np.abs(q.weights / q.scale[post] - w) <= 0.5 / q.scale[post] + 1e-12)
    assert q.error["threshold_rel_err"] < 1e-3 and q.error["bias_rel_err"] < 1e-2
    assert q.params["dv"].tolist() == [410] * 50 and q.params["du"].tolist() == [4095] * 50
    mant, exp, clipped = split_bias(np.array([5.0, -70000.0, 123456.0]), 13, 3)
    assert np.all(np.abs(mant * 2.0 ** exp - [5.0, -70000.0, 123456.0]) <= 2.0 ** (exp - 1)) and not clipped.any()


def test_loihi_refuses_what_it_cannot_express():
    net = Network([Input("x", 2)], [Population("r", 2, LI(beta=0.5))], [Projection("x", "r", np.eye(2))],
                  [Output("o", "r")])
    # an LI readout maps on Loihi (a probed non-spiking neuron), not on TrueNorth (no membrane readout)
    mapped, _ = map_network(net, "loihi")
    assert mapped.metadata["readout"]["lines"] == [0, 1]
    with pytest.raises(MappingError, match=r"population 'r' \(LI\) is an LI readout .*its membrane is not read "
                                           r"out, and its leak is linear.*; map it on Loihi"):
        map_network(net, "truenorth")
    with pytest.raises(MappingError, match=r"population 'r' \(CubaLIF\) is a CubaLIF with a synaptic current "
                                           r"\(alpha > 0 on 2 of 2 neurons\): .* one state register .*map it on Loihi"):
        map_network(net.with_neuron("r", CubaLIF(alpha=0.5, beta=0.9)), "truenorth")
    # with subtract_reset='zero' (not the default), subtraction, multi-spike and >= are mapped as Loihi's reset
    # to zero, one spike, > (a named approximation)
    net2 = net.with_neuron("r", LIF(reset="subtract", spikes="multi"))
    _, summary = map_network(net2, "loihi", subtract_reset="zero")
    notes = " | ".join(summary.to_dict()["layers"][0]["notes"])
    assert "reset = 'subtract' applied as Loihi's 'zero'" in notes and "spikes = 'multi'" in notes


def test_split_network_equals_unsplit_on_chip():
    """14 + 6 neurons on 8-neuron cores (tiny: 3 cores) spike exactly as on one Loihi core each."""
    net = two_layer()
    x = pad_ticks(spikes(12), 2)
    runs = {}
    for cfg in ("tiny", "loihi"):
        mapped, summary = map_network(net, cfg, placer="greedy")
        chip = Chip.from_config(cfg)
        chip.program(mapped)
        runs[cfg] = (chip.run_reference(x).output_spikes, summary)
    assert runs["tiny"][1].cores_used == 3 and runs["loihi"][1].cores_used == 2
    assert np.array_equal(runs["tiny"][0], runs["loihi"][0])
    ref = run_reference(net, x, timing="per_layer_delay")
    assert np.abs(runs["tiny"][0].sum(axis=1) - ref.output_counts).mean() < 0.5
    assert runs["tiny"][0].sum() > 10


def test_too_large_network_is_refused_clearly():
    wide = Network([Input("x", 10)], [Population("h", 40, LIF())], [Projection("x", "h", np.ones((40, 10)))],
                   [Output("o", "h")])
    with pytest.raises(CapacityError, match=r"needs 5 cores but the chip has 4 \(over by 1\); .*layer 'h'"):
        map_network(wide, "tiny")
    with pytest.raises(CapacityError, match=r"layer 'h': neuron 0 has fan-in 20 synapses; max_fan_in is 16"):
        map_network(two_layer(n_in=20), "tiny")


def small_truenorth():
    d = config_to_dict(load_config("truenorth"))
    d["mesh"].update(width=4, height=4)
    d["core"].update(axons_per_core=16, neurons_per_core=16, max_synapses_per_core=256, synapse_memory_bits=256,
                     max_fan_in=16)
    d["noc"]["packet_layout"] = {"dx_bits": 9, "dy_bits": 9, "core_bits": 0, "axon_bits": 8, "delay_bits": 4}
    return config_from_dict(d)


def test_truenorth_splitters_relay_exactly_one_tick_later():
    # 8 IF neurons each feed 24 neurons spread over two cores: one destination axon each -> splitters.
    net = Network([Input("x", 8)], [Population("a", 8, IF(threshold=0.5)), Population("b", 24, IF(threshold=2.5))],
                  [Projection("x", "a", np.eye(8)), Projection("a", "b", np.ones((24, 8)))], [Output("o", "b")])
    cfg = small_truenorth()
    mapped, summary = map_network(net, cfg, placer="greedy", axon_copies=1)  # one axon per source: 2 dests
    assert summary.splitter_cores == 1 and summary.splitter_neurons == 16
    assert summary.latency_ticks == 3  # input -> a -> relay -> b
    x = pad_ticks(spikes(8, ticks=20, p=0.2), 3)
    chip = Chip.from_config(cfg)
    chip.program(mapped)
    got = chip.run_reference(x).output_spikes
    ref = run_reference(net, x, timing="per_layer_delay").output_spikes
    assert np.array_equal(got[:, 1:], ref[:, :-1])  # the relay adds exactly one tick


def test_placement_deterministic_and_anneal_beats_greedy_beats_naive():
    cfg = load_config("loihi")
    n = 64
    a = np.arange(n // 2)
    # heavy traffic between slice i and i + 32 (far apart in index order), light chain traffic
    t = Traffic.from_directed(n, np.concatenate([a, np.arange(n - 1)]), np.concatenate([a + n // 2, np.arange(1, n)]),
                              np.concatenate([np.full(a.size, 10.0), np.ones(n - 1)]))
    cost = {name: placement_cost(t, place(name, t, cfg, seed=3), cfg) for name in ("sequential", "greedy", "anneal")}
    assert cost["anneal"] <= cost["greedy"] <= cost["sequential"]
    assert cost["anneal"] < cost["sequential"]
    assert np.array_equal(place("anneal", t, cfg, seed=3), place("anneal", t, cfg, seed=3))
    with pytest.raises(MappingError, match="unknown placer 'x'; available: sequential, greedy, anneal"):
        place("x", t, cfg)


def test_mapped_network_round_trip(tmp_path, digits_net):
    mapped, summary = map_network(digits_net, "loihi", seed=0)
    path = mapped.save(tmp_path / "m.npz")
    back = MappedNetwork.load(path)
    assert back.metadata == mapped.metadata
    assert back.metadata["summary"]["cores_used"] == summary.cores_used == 2
    assert back.metadata["output_labels"][0] == "output[0]"
    for a, b in zip(mapped.cores, back.cores, strict=True):
        assert a.index == b.index
        assert np.array_equal(a.program.syn_weight, b.program.syn_weight)
        assert all(np.array_equal(a.program.params[k], b.program.params[k]) for k in a.program.params)
        assert np.array_equal(a.dest.core, b.dest.core) and np.array_equal(a.dest.delay, b.dest.delay)
    again, _ = map_network(digits_net, "loihi", seed=0)
    assert [c.index for c in again.cores] == [c.index for c in mapped.cores]
