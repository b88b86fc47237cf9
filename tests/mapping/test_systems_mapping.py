"""Mapping onto a system of chips: the hierarchical placer keeps traffic on chip, the per-chip and off-chip-link
checks refuse with their numbers, and the placement is deterministic for a seed."""

from __future__ import annotations

import numpy as np
import pytest

from chip_configs.errors import CapacityError
from chip_configs.schema import config_from_dict, config_to_dict, load_config
from mapping.chips import ChipGrid, assign_chips
from mapping.mapper import map_network
from mapping.network import LIF, Input, Network, Output, Population, Projection
from mapping.placement import PLACERS, Traffic, place
from mapping.system_checks import check_chips, chip_limits
from noc.topology import MeshTopology


def tiny_system(chips_x: int = 2, **sync) -> object:
    """``chips_x`` tiny chips side by side (2 x 2 routers, 1 core each: 4 cores per chip); ``sync`` replaces the
    chip's sync block (e.g. a fixed period)."""
    chip = config_to_dict(load_config("tiny"))
    if sync:
        chip["sync"] = sync
    return config_from_dict({"name": f"tiny-x{chips_x}", "system": {
        "chip": chip, "chips_x": chips_x, "chips_y": 1,
        "off_chip": {"latency_cycles": 3, "serialisation_cycles_per_flit": 4, "energy_pj_per_flit": 50.0}}})


def chain(sizes: dict[str, int]) -> Network:
    """8 input lines -> a -> b -> ... (8 neurons per tiny core): a is driven by every input line, each later
    population by one-to-one (equal sizes) or i -> i % size synapses."""
    names = list(sizes)
    pops = [Population(n, sizes[n], LIF(beta=0.9, threshold=1.0)) for n in names]
    first = sizes[names[0]]
    projs = [Projection("in", names[0], (np.repeat(np.arange(first), 8), np.tile(np.arange(8), first),
                                         np.full(8 * first, 0.5)), 1)]
    for pre, post in zip(names[:-1], names[1:], strict=True):
        src = np.arange(sizes[pre])
        projs.append(Projection(pre, post, (src % sizes[post], src, np.full(src.size, 0.5)), 1))
    return Network([Input("in", 8)], pops, projs, [Output("out", names[-1])], name="chain")


def off_chip(cfg, traffic: Traffic, assign: np.ndarray) -> float:
    chip = MeshTopology.from_config(cfg).chip_of_core(assign)
    return float(traffic.w[chip[traffic.a] != chip[traffic.b]].sum())


def test_network_that_fits_one_chip_stays_on_it():
    # 3 slices (a: 2 cores, b: 1) fit one 4-core chip; sequential spreads them over cores 0-2, and core 2 sits
    # on router (2, 0), the second chip's
    cfg = tiny_system()
    mapped, summary = map_network(chain({"a": 16, "b": 8}), cfg)
    assert summary.placer == "hierarchical"
    assert summary.system["chips_used"] == 1
    assert summary.system["off_chip_packets_per_tick"] == 0.0
    assert mapped.metadata["off_chip_packets_per_tick"] == 0.0
    assert "expected off-chip traffic: 0.0 of" in summary.to_text()      # what `neuromesh map` prints
    _, seq = map_network(chain({"a": 16, "b": 8}), cfg, placer="sequential")
    assert seq.system["off_chip_packets_per_tick"] > 0


def two_clusters() -> Traffic:
    """Two clusters of 4 slices, interleaved ids (A = even, B = odd), all-to-all weight 10 inside, one bridge
    of weight 1 between slices 6 (A) and 7 (B)."""
    edges = []
    for group in ((0, 2, 4, 6), (1, 3, 5, 7)):
        edges += [(a, b, 10.0) for i, a in enumerate(group) for b in group[i + 1:]]
    edges.append((6, 7, 1.0))
    a, b, w = (np.asarray(x) for x in zip(*edges, strict=True))
    return Traffic.from_directed(8, a, b, w)


@pytest.mark.parametrize("placer", ["hierarchical", "hierarchical-greedy"])
def test_two_clusters_cut_at_the_bridge(placer):
    cfg, traffic = tiny_system(), two_clusters()
    assign = place(placer, traffic, cfg, seed=3)
    chip = MeshTopology.from_config(cfg).chip_of_core(assign)
    assert len(set(chip[0::2].tolist())) == 1 and len(set(chip[1::2].tolist())) == 1 and chip[0] != chip[1]
    assert off_chip(cfg, traffic, assign) == 1.0        # only the bridge crosses
    assert off_chip(cfg, traffic, place("sequential", traffic, cfg)) > 1.0


def test_chip_assignment_refines_a_bad_start():
    # a 2 x 2 grid of chips holding 2 slices each: four pairs (weight 5 inside, 1 between pairs in a ring)
    grid = ChipGrid(2, 2, 2)
    a = np.asarray([0, 2, 4, 6, 1, 3, 5, 7])
    b = np.asarray([1, 3, 5, 7, 2, 4, 6, 0])
    w = np.asarray([5.0] * 4 + [1.0] * 4)
    chip = assign_chips(8, a, b, w, grid)
    assert all(chip[i] == chip[i + 1] for i in (0, 2, 4, 6))   # every pair shares a chip
    assert np.bincount(chip, minlength=4).max() <= 2


def test_same_seed_same_placement():
    cfg = tiny_system(chips_x=4)                          # 4 chips of 4 cores
    rng = np.random.default_rng(1)
    n = 14
    a, b = rng.integers(0, n, 40), rng.integers(0, n, 40)
    traffic = Traffic.from_directed(n, a, b, rng.random(40))
    first = PLACERS["hierarchical"](traffic, cfg, seed=7)
    assert np.array_equal(first, PLACERS["hierarchical"](traffic, cfg, seed=7))
    assert np.unique(first).size == n and first.max() < cfg.num_cores


def test_system_too_small_is_refused_with_numbers():
    cfg = tiny_system()                                   # 8 cores in all
    with pytest.raises(CapacityError) as info:
        map_network(chain({"a": 32, "b": 16, "c": 16, "d": 8}), cfg)   # 4 + 2 + 2 + 1 cores
    err = info.value
    assert (err.resource, err.need, err.limit) == ("cores", 9, 8)


def test_chip_check_refuses_with_numbers():
    cfg = tiny_system()
    lim = chip_limits(cfg)
    assert lim == {"cores": 4, "neurons": 32, "synapses": 4 * 128}   # 4 cores x 128 synapses
    usage = {"cores": np.asarray([4, 3]), "neurons": np.asarray([32, 20]), "synapses": np.asarray([100, 513])}
    with pytest.raises(CapacityError) as info:
        check_chips(cfg, usage)
    err = info.value
    assert (err.resource, err.need, err.limit, err.context["chip_id"]) == ("chip_synapses", 513, 512, 1)


def test_off_chip_link_over_a_fixed_tick_is_refused_with_numbers():
    # a fixed 20 ns tick at 1 ns per cycle: 20 cycles. 5 slices (a0 a1 b0 b1 c, 8 neurons each) on 4-core
    # chips: one end of the chain a0-b0-c-b1-a1 goes to the second chip, its 8 neurons x 1 spike per tick (no
    # rates given: the peak) x 1 flit per packet cross one off-chip link: 8 flits x 4 cycles = 32 > 20
    cfg = tiny_system(mode="fixed", tick_period_ns=20.0)
    net = chain({"a": 16, "b": 16, "c": 8})
    with pytest.raises(CapacityError) as info:
        map_network(net, cfg)
    err = info.value
    assert (err.resource, err.need, err.limit) == ("off_chip_link_cycles", 32, 20)
    assert err.context["chips"] in ((0, 1), (1, 0))
    # at 0.5 spikes per tick: 4 flits x 4 = 16 cycles, within the tick
    _, summary = map_network(net, cfg, rates={"a": 0.5, "b": 0.5, "c": 0.5})
    link = summary.system["busiest_off_chip_link"]
    assert (link["busy_cycles_per_tick"], link["tick_budget_cycles"]) == (16.0, 20.0)


def test_traffic_to_another_chip_pulls_to_the_facing_edge():
    # 5 slices on 4-core chips: a heavy chain 0-1-2-3 and a light edge 3-4, cut there (slice 4 alone on the
    # second chip); within the chips, 3 and 4 are pulled to the routers facing each other across the edge
    a, b = np.asarray([0, 1, 2, 3]), np.asarray([1, 2, 3, 4])
    w = np.asarray([100.0, 100.0, 100.0, 5.0])
    cfg = tiny_system()
    traffic = Traffic.from_directed(5, a, b, w)
    topo = MeshTopology.from_config(cfg)
    for placer in ("hierarchical", "hierarchical-greedy"):
        assign = place(placer, traffic, cfg, seed=0)
        chip = topo.chip_of_core(assign)
        assert chip[4] != chip[3] and len(set(chip[:4].tolist())) == 1
        r = topo.router_of_core(assign)
        assert int(topo.hops(r[3], r[4])) == 1


def test_validate_timing_names_the_busiest_off_chip_link():
    # mapped at 0.5 spikes per tick (16 busy cycles of a 20-cycle tick); validate's worst case (every neuron
    # every tick) is 8 flits x 4 cycles = 32: a warning naming the link
    from mapping.validate import check_timing

    cfg = tiny_system(mode="fixed", tick_period_ns=20.0)
    mapped, _ = map_network(chain({"a": 16, "b": 16, "c": 8}), cfg, rates={"a": 0.5, "b": 0.5, "c": 0.5})
    check = check_timing(cfg, mapped, None, None)
    assert check.status == "warn"
    assert any("busiest off-chip link" in m and "8.0 flits x 4 cycles = 32 busy cycles" in m and "20-cycle tick" in m
               for m in check.messages)
