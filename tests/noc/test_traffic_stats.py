"""Synthetic traffic patterns and injection, statistics, and the behaviour of the mesh under load."""

from __future__ import annotations

import numpy as np
import pytest

from noc.engine import make_engine
from noc.errors import TrafficError
from noc.stats import compute_stats, latency_histogram
from noc.sweep import run_sweep
from noc.topology import MeshTopology
from noc.traffic import bernoulli_injections, make_pattern, synthetic_packets, uniform_channel_bound
from tests.noc.conftest import make_cfg

TOPO = MeshTopology.build(4, 4)
NODES = np.arange(16)


def test_deterministic_patterns():
    rng = np.random.default_rng(0)
    x, y = TOPO.coords(NODES)
    assert np.array_equal(make_pattern("transpose", TOPO)(NODES, rng), TOPO.router_at(y, x))
    assert np.array_equal(make_pattern("bitcomp", TOPO)(NODES, rng), 15 - NODES)  # ~n & 15 on a 4 x 4 mesh
    assert np.array_equal(make_pattern("neighbor", TOPO)(NODES, rng), TOPO.router_at((x + 1) % 4, (y + 1) % 4))


def test_booksim_permutations_worked_by_hand():
    rng = np.random.default_rng(0)
    # tornado on 8 x 8 (BookSim's default mesh): every coordinate moves ceil(8/2) - 1 = 3 places, mod 8.
    topo8 = MeshTopology.build(8, 8)
    assert int(make_pattern("tornado", topo8)(np.array([0]), rng)[0]) == topo8.router_at(3, 3)
    assert int(make_pattern("tornado", topo8)(np.array([topo8.router_at(6, 1)]), rng)[0]) == topo8.router_at(1, 4)
    # an odd side k = 5 moves ceil(5/2) - 1 = 2 places; a 5 x 3 mesh moves y by ceil(3/2) - 1 = 1.
    topo53 = MeshTopology.build(5, 3)
    assert int(make_pattern("tornado", topo53)(np.array([topo53.router_at(4, 2)]), rng)[0]) == topo53.router_at(1, 0)
    # bitrev on 16 nodes: 0b0001 -> 0b1000, 0b0110 -> 0b0110, 0b1101 -> 0b1011.
    assert make_pattern("bitrev", TOPO)(np.array([1, 6, 13]), rng).tolist() == [8, 6, 11]
    # shuffle on 16 nodes: rotate left by one bit, 0b1001 -> 0b0011, 0b0100 -> 0b1000.
    assert make_pattern("shuffle", TOPO)(np.array([9, 4, 15]), rng).tolist() == [3, 8, 15]
    # all three are permutations of the nodes
    for name in ("tornado", "bitrev", "shuffle"):
        assert sorted(make_pattern(name, TOPO)(NODES, rng).tolist()) == NODES.tolist()


def test_uniform_and_hotspot_destinations():
    rng = np.random.default_rng(1)
    src = np.zeros(40_000, int)
    uni = np.bincount(make_pattern("uniform", TOPO)(src, rng), minlength=16) / src.size
    assert np.allclose(uni, 1 / 16, atol=0.01)  # the source itself included, as in BookSim
    hot = np.bincount(make_pattern("hotspot", TOPO, hotspots=[5, 6], fraction=0.4)(src, rng), minlength=16)
    share = hot / src.size
    assert share[5] == pytest.approx(0.2 + 0.6 / 16, abs=0.01) and share[6] == pytest.approx(share[5], abs=0.01)


def test_pattern_errors_name_the_option():
    with pytest.raises(TrafficError, match=r"transpose: needs a square mesh, this one is 4 x 2"):
        make_pattern("transpose", MeshTopology.build(4, 2))
    with pytest.raises(TrafficError, match=r"--hotspots: \[16\].*allowed: 0 \.\. 15"):
        make_pattern("hotspot", TOPO, hotspots=[16])
    with pytest.raises(TrafficError, match=r"unknown pattern 'torus'; allowed: bitcomp, bitrev, hotspot"):
        make_pattern("torus", TOPO)
    for name in ("bitrev", "shuffle"):
        with pytest.raises(TrafficError, match=rf"--traffic {name}: needs a power-of-two .* 3 x 2 = 6"):
            make_pattern(name, MeshTopology.build(3, 2))
    with pytest.raises(TrafficError, match="rate: 1.5"):
        bernoulli_injections(4, 1.5, 10, np.random.default_rng(0))


def test_bernoulli_injection_rate_and_seed():
    node, cycle = bernoulli_injections(16, 0.3, 5000, np.random.default_rng(3))
    assert node.size / (16 * 5000) == pytest.approx(0.3, abs=0.01)
    assert np.all(np.diff(cycle) >= 0)
    again = bernoulli_injections(16, 0.3, 5000, np.random.default_rng(3))
    assert np.array_equal(node, again[0]) and np.array_equal(cycle, again[1])


def test_synthetic_packets_use_local_core_0():
    topo = MeshTopology.build(2, 2, cores_per_router=4)
    src, dst, _ = synthetic_packets(topo, make_pattern("uniform", topo), 0.5, 100, np.random.default_rng(0))
    assert set(np.unique(src)) <= {0, 4, 8, 12} and set(np.unique(dst)) <= {0, 4, 8, 12}


def test_channel_load_bound():
    assert uniform_channel_bound(MeshTopology.build(8, 8)) == pytest.approx(0.5)  # 4 / k
    assert uniform_channel_bound(MeshTopology.build(6, 6)) == pytest.approx(4 / 6)
    assert uniform_channel_bound(MeshTopology.build(8, 8), flits_per_packet=2) == pytest.approx(0.25)


def test_stats_of_a_known_run():
    cfg = make_cfg(3, 1)
    res = make_engine(cfg).run([0, 0, 2], [2, 1, 2], [0, 10, 20])  # 2, 1 and 0 hops, alone in the mesh
    s = compute_stats(res, nodes=3)
    assert (s.packets, s.delivered) == (3, 3)
    assert s.latency_max == 7 and s.latency_mean == pytest.approx((7 + 5 + 3) / 3)  # T0 = 2h + 3
    assert s.hops_mean == 1 and (s.hops_ew, s.hops_ns) == (3, 0)
    assert s.window == (0, 24) and s.accepted_rate == pytest.approx(3 / 3 / 24)
    assert s.link_flits.tolist() == [2, 1, 0, 0] and s.link_utilisation[0] == pytest.approx(2 / 24)
    assert s.peak_buffer_flits == 1
    assert s.summary()["max_link_utilisation"] == pytest.approx(2 / 24)
    counts, edges = latency_histogram(np.array([3, 5, 7]), bins=32)
    assert counts.sum() == 3 and edges[0] == 3 and edges[-1] >= 8


def test_uniform_throughput_grows_then_saturates_below_the_channel_bound():
    cfg = make_cfg(6, 6, buffer_depth_flits=4)
    bound = uniform_channel_bound(MeshTopology.from_config(cfg))  # 4 / 6
    rates = [0.05, 0.15, 0.3, 0.6, 0.9]
    rows = run_sweep(cfg, "uniform", rates, cycles=1500, warmup=300, seed=5)
    accepted = [r["accepted_rate"] for r in rows]
    for r in rows[:3]:  # light load: everything offered is carried, latency stays near zero-load
        assert not r["saturated"] and r["accepted_rate"] == pytest.approx(r["offered_rate"], rel=0.08)
    assert all(b >= a - 0.01 for a, b in zip(accepted, accepted[1:], strict=False))
    assert rows[-1]["saturated"] and rows[-2]["saturated"]
    assert max(accepted) < bound
    assert abs(accepted[-1] - accepted[-2]) < 0.03  # a plateau, not a collapse


def test_hotspot_loads_the_links_into_the_hotspot_most():
    cfg = make_cfg(4, 4, buffer_depth_flits=4)
    topo = MeshTopology.from_config(cfg)
    spot = topo.router_at(2, 2)
    pattern = make_pattern("hotspot", topo, hotspots=[spot], fraction=0.5)
    src, dst, inject = synthetic_packets(topo, pattern, 0.08, 3000, np.random.default_rng(2))
    util = make_engine(cfg).run(src, dst, inject).stats().link_utilisation
    into = topo.link_dst == spot
    assert topo.link_dst[np.argmax(util)] == spot
    assert util[into].mean() > 3 * util[~into].mean()
