"""TrueNorth axon duplication: the subset-sum maths, copies from the axon budget, refusals, relay-core limits."""

import numpy as np
import pytest

from chip_configs.errors import CapacityError, MappingError
from chip_configs.schema import config_from_dict, config_to_dict
from emulator.chip import Chip
from mapping.evaluate import pad_ticks
from mapping.mapper import map_network
from mapping.network import IF, Input, Network, Output, Population, Projection
from mapping.partition import partition
from mapping.reference import run_reference
from mapping.truenorth_weights import effective_weights, truenorth_core_weights
from tests.mapping.test_mapper import small_truenorth, spikes


def small_cfg(**core):
    """The 4 x 4 TrueNorth of test_mapper (16 axons, 16 neurons per core) with core fields changed."""
    d = config_to_dict(small_truenorth())
    d["core"].update(core)
    return config_from_dict(d)


def test_effective_weight_is_the_sum_of_the_connected_copies_levels():
    """Hand-computed: W_eff[i, j] = sum_k X[i*c + k, j] * L[j, type[i*c + k]]."""
    levels = np.array([[10, 20, 40, -80],  # neuron 0
                       [5, -3, 100, 7]])  # neuron 1
    # four copies of types 0..3 per source: source 0 -> axons 0..3, source 1 -> axons 4..7
    types4 = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    x = np.zeros((8, 2), bool)
    x[[0, 2], 0] = True  # source 0 -> neuron 0: 10 + 40
    x[[1, 3], 1] = True  # source 0 -> neuron 1: -3 + 7
    x[[4, 5, 7], 0] = True  # source 1 -> neuron 0: 10 + 20 - 80; source 1 -> neuron 1: nothing
    assert effective_weights(types4, levels, x, 4).tolist() == [[50, 4], [-50, 0]]
    # two copies: source 0 in the group of types (2, 3), source 1 in the group of types (0, 1)
    types2 = np.array([2, 3, 0, 1])
    x2 = np.array([[1, 0], [1, 1], [1, 0], [0, 1]], bool)
    assert effective_weights(types2, levels, x2, 2).tolist() == [[40 - 80, 7], [10, -3]]


def test_fit_gives_each_neuron_its_own_levels_exactly_when_they_suffice():
    # 3 sources x 4 neurons; every neuron has at most 3 distinct weights: 4 copies represent them exactly
    w = np.array([[255, -70, 120], [-255, 13, 13], [30, 255, -200], [100, 100, 255]], float).T
    for copies in (4, 2):  # two copies: two groups of two types; 3 sources still fit exactly
        types, levels, x = truenorth_core_weights(w, 4, 255, seed=0, copies=copies)
        assert types.shape == (3 * copies,) and x.shape == (3 * copies, 4) and levels.shape == (4, 4)
        assert np.array_equal(effective_weights(types, levels, x, copies), w)
        assert levels.min() >= -256 and levels.max() <= 255
    # rounding the least-squares levels alone leaves 49 / 119 here; the integer polish finds 50 / 120
    t, lv, x = truenorth_core_weights(np.array([[50.0], [-70.0], [120.0]]), 4, 255, copies=4)
    assert effective_weights(t, lv, x, 4)[:, 0].tolist() == [50, -70, 120]
    # an absent synapse (0) stays unconnected
    t, lv, x = truenorth_core_weights(np.array([[50.0, 0.0], [0.0, 30.0]]), 4, 255, copies=4)
    assert not x[0:4, 1].any() and not x[4:8, 0].any()


def test_more_copies_fit_random_weights_better_and_bit_cost_trades_events():
    rng = np.random.default_rng(0)
    w = rng.normal(0, 80, (32, 20)).clip(-255, 255)
    errs, points = [], []
    for copies in (1, 2, 4):  # one set of copies per source; with 2: any 2 of the 4 types per source
        t, lv, x = truenorth_core_weights(w, 4, 255, copies=copies)
        errs.append(np.linalg.norm(effective_weights(t, lv, x, copies) - w) / np.linalg.norm(w))
        points.append(int(x.sum()))
    assert errs[0] > errs[1] > errs[2] and errs[2] < 0.15
    # three copies (e.g. 65 to 85 sources per core): the type sets put the fourth type to use too
    t3, lv3, x3 = truenorth_core_weights(w, 4, 255, copies=3)
    err3 = np.linalg.norm(effective_weights(t3, lv3, x3, 3) - w) / np.linalg.norm(w)
    assert set(t3.tolist()) == {0, 1, 2, 3} and errs[2] < err3 < errs[1]
    t, lv, x = truenorth_core_weights(w, 4, 255, copies=4, bit_cost=0.1)
    cheap = np.linalg.norm(effective_weights(t, lv, x, 4) - w) / np.linalg.norm(w)
    assert x.sum() < 0.7 * points[2] and errs[2] < cheap < errs[1]
    again = truenorth_core_weights(w, 4, 255, copies=4, bit_cost=0.1)
    assert all(np.array_equal(a, b) for a, b in zip((t, lv, x), again, strict=True))  # deterministic


def exact_network(n_in=3):
    """IF neurons whose scaled weights (s = 100: max |w| = 2.55) are integers with <= 3 values per neuron."""
    w = np.array([[2.55, -0.70, 1.20], [-2.55, 0.13, 0.13], [0.30, 2.55, -2.00], [1.00, 1.00, 2.55]])[:, :n_in]
    return Network([Input("x", n_in)], [Population("h", 4, IF(threshold=1.005))],
                   [Projection("x", "h", w)], [Output("o", "h")])


def test_duplicated_mapping_runs_exactly_on_the_chip():
    """Each input enters on 4 axons (types 0..3); the chip's program realises the intended weights and spikes
    exactly like the float network."""
    net, cfg = exact_network(), small_truenorth()
    mapped, summary = map_network(net, cfg, placer="greedy")
    assert summary.layers[0]["axon_copies"] == [4, 4] and summary.layers[0]["weight_rel_rms"] < 1e-12
    (core,) = mapped.cores
    prog = core.program
    assert prog.n_axons == 12 and prog.axon_type.tolist() == [0, 1, 2, 3] * 3
    x = np.zeros((12, 4), bool)
    x[prog.syn_axon, prog.syn_neuron] = True
    w_hw = effective_weights(prog.axon_type, prog.params["weights"], x, 4)
    assert np.array_equal(w_hw, np.rint(100 * net.projections[0].weights.T))
    assert np.diff(mapped.in_ptr).tolist() == [4, 4, 4]  # each input line feeds its four copies
    inputs = pad_ticks(spikes(3, ticks=40, p=0.4), 1)
    chip = Chip.from_config(cfg)
    chip.program(mapped)
    got = chip.run_reference(inputs).output_spikes
    ref = run_reference(net, inputs, timing="per_layer_delay").output_spikes
    assert got.sum() > 20 and np.array_equal(got, ref)


def test_copies_follow_the_axon_budget():
    cfg = small_truenorth()  # 16 axons, 16 neurons per core, 4 axon types
    for n_in, copies in ((3, 4), (4, 4), (5, 3), (7, 2), (9, 1), (16, 1)):
        net = Network([Input("x", n_in)], [Population("h", 6, IF())], [Projection("x", "h", np.ones((6, n_in)))],
                      [Output("o", "h")])
        (s,) = partition(net, cfg).slices
        assert (s.copies, s.n_sources, s.n_axons) == (copies, n_in, copies * n_in)
        assert s.axon_src.tolist() == np.repeat(np.arange(n_in), copies).tolist()
    (s,) = partition(net, cfg, axon_copies=1).slices
    assert s.copies == 1 and s.n_axons == 16
    # a sparse layer (each neuron sees 2 of 8 inputs): by default one core (8 sources) with the copies its
    # leftover axons allow; asked for 4 copies, smaller slices keep them (more cores)
    rows = np.arange(8)
    sparse = Network([Input("x", 8)], [Population("h", 8, IF())],
                     [Projection("x", "h", (np.r_[rows, rows], np.r_[rows, (rows + 1) % 8], np.ones(16)))],
                     [Output("o", "h")])
    assert [(s.copies, s.n_neurons) for s in partition(sparse, cfg).slices] == [(2, 8)]
    slices = partition(sparse, cfg, axon_copies=4).slices
    assert all(s.copies == 4 and s.n_axons <= 16 for s in slices) and len(slices) == 3
    assert [s.copies for s in partition(sparse, cfg, axon_copies=1).slices] == [1]


def test_a_network_that_does_not_fit_even_with_one_copy_is_refused():
    """Auto copies try 4, 3, 2, 1; when one copy per source does not fit either, the refusal is the one-copy
    one, naming the layer, the resource and the need."""
    cfg = small_truenorth()  # 16 cores of 16 neurons
    big = Network([Input("x", 3)], [Population("h", 300, IF())], [Projection("x", "h", np.ones((300, 3)))],
                  [Output("o", "h")])
    with pytest.raises(CapacityError, match=r"needs 19 cores but the chip has 16 \(over by 3\); .*layer 'h'"):
        map_network(big, cfg)
    with pytest.raises(MappingError, match=r"axon_copies=5: .* allows 1\.\.4"):
        map_network(exact_network(), cfg, axon_copies=5)
    with pytest.raises(MappingError, match=r"axon_copies=2: .*\(loihi_lif\) allows 1\.\.1"):
        map_network(exact_network(), "loihi", axon_copies=2)


def fan_network():
    """4 neurons each feeding 80 neurons (5 cores of 16): 4 copies would need 20 relays per source."""
    return Network([Input("x", 4)], [Population("a", 4, IF(threshold=0.5)), Population("b", 80, IF(threshold=1.5))],
                   [Projection("x", "a", np.eye(4)), Projection("a", "b", np.ones((80, 4)))], [Output("o", "b")])


def test_auto_copies_fall_back_when_four_do_not_fit():
    cfg = small_truenorth()
    with pytest.raises(CapacityError, match=r"20 destinations need 20 relay neurons; a core has 16"):
        map_network(fan_network(), cfg, axon_copies=4, placer="greedy")
    _, summary = map_network(fan_network(), cfg, placer="greedy")
    assert [L["axon_copies"] for L in summary.layers] == [[3, 3], [3, 3]]
    assert summary.splitter_neurons == 4 * 5 * 3


def test_splitter_cores_respect_the_output_edge_limit():
    """Relay neurons' destinations count against max_output_axons_per_core of their splitter core."""
    net = Network([Input("x", 8)], [Population("a", 8, IF(threshold=0.5)), Population("b", 24, IF(threshold=2.5))],
                  [Projection("x", "a", np.eye(8)), Projection("a", "b", np.ones((24, 8)))], [Output("o", "b")])
    cfg = small_cfg(max_output_axons_per_core=6)
    mapped, summary = map_network(net, cfg, placer="greedy", axon_copies=1)  # 2 destinations per source
    assert summary.splitter_cores == 3 and summary.splitter_neurons == 16  # 3 sources (6 edges) per core
    assert max(len(mc.dest) for mc in mapped.cores) <= 6
    x = pad_ticks(spikes(8, ticks=20, p=0.2), 3)
    chip = Chip.from_config(cfg)
    chip.program(mapped)
    ref = run_reference(net, x, timing="per_layer_delay").output_spikes
    assert np.array_equal(chip.run_reference(x).output_spikes[:, 1:], ref[:, :-1])
    with pytest.raises(CapacityError, match=r"source \d+: 2 destinations through one splitter core exceed "
                                            r"max_output_axons_per_core 1"):
        map_network(net, small_cfg(max_output_axons_per_core=1), axon_copies=1)


def test_bias_correction_removes_the_mean_current_of_the_weight_errors():
    """With activity a_i, each neuron's bias moves by -sum_i e_ij a_i (leak in hardware units, IF: no drain)."""
    rng = np.random.default_rng(3)
    w = rng.normal(0.3, 0.5, (4, 12))
    net = Network([Input("x", 12)], [Population("h", 4, IF(threshold=2.0))], [Projection("x", "h", w)],
                  [Output("o", "h")])
    cfg = small_truenorth()
    a = rng.uniform(0.0, 0.5, 12)
    plain, _ = map_network(net, cfg, placer="greedy", axon_copies=1)  # one copy: visible weight errors
    fixed, summary = map_network(net, cfg, placer="greedy", axon_copies=1, activity={"x": a})
    assert plain.cores[0].program.params["leak"].tolist() == [0, 0, 0, 0]
    prog = fixed.cores[0].program
    x = np.zeros((prog.n_axons, 4), bool)
    x[prog.syn_axon, prog.syn_neuron] = True
    s = 255 / np.abs(w).max(axis=1)
    err = effective_weights(prog.axon_type, prog.params["weights"], x, 1).T / s[:, None] - w  # (neurons, inputs)
    assert np.abs(err).max() > 0.01
    assert prog.params["leak"].tolist() == np.rint(-s * (err @ a)).astype(int).tolist()
    assert summary.layers[0]["bias_correction_rms"] == pytest.approx(np.sqrt(np.mean((err @ a) ** 2)))
    assert any("bias corrected" in n for n in summary.layers[0]["notes"])
    with pytest.raises(MappingError, match=r"activity given for 'y', which is no input or population"):
        map_network(net, cfg, activity={"y": 0.1})


def _axon_feeds(mapped) -> np.ndarray:
    """(core, axon) of every destination entry of the mapped network: neurons' and input lines'."""
    pairs = [np.stack([np.asarray(mc.dest.core, np.int64), np.asarray(mc.dest.axon, np.int64)], axis=1)
             for mc in mapped.cores]
    pairs.append(np.stack([np.asarray(mapped.in_core, np.int64), np.asarray(mapped.in_axon, np.int64)], axis=1))
    return np.concatenate(pairs)


def test_the_mapper_never_merges_two_sources_onto_one_truenorth_axon():
    """TrueNorth axons are bits (spikes that reach one axon for one tick OR): the mapper gives every (source,
    delay) its own axons (copies and relay axons included), so a neuron, which fires at most once per tick,
    never meets another spike on its axon, and 0/1 inputs drop nothing."""
    rng = np.random.default_rng(2)
    w1, w2 = rng.normal(0, 1, (6, 6)), rng.normal(0, 1, (5, 6))
    delay = rng.integers(1, 3, w2.shape)        # one source reaches a core by two delays: two axons
    net = Network([Input("x", 6)], [Population("a", 6, IF(threshold=0.5)), Population("b", 5, IF(threshold=1.0))],
                  [Projection("x", "a", w1), Projection("a", "b", w2, delay=delay)], [Output("o", "b")])
    cfg = small_truenorth()
    for copies in ("auto", 1):
        mapped, summary = map_network(net, cfg, placer="greedy", axon_copies=copies)
        feeds = _axon_feeds(mapped)
        assert np.unique(feeds, axis=0).shape[0] == feeds.shape[0], f"axon_copies={copies}: an axon has two feeds"
        x = pad_ticks(spikes(6, ticks=15, p=0.4), summary.latency_ticks)
        report = Chip.from_config(cfg).program(mapped).run(x).report.to_dict()
        assert report["mean"]["duplicate_axon_spikes"] == 0
