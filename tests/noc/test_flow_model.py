"""The approximate flow engine: exact counters, its place behind a name, and its measured error.

The error test runs the exact engine and the flow model on the same random traffic -- light to saturated
loads, three meshes, two buffer depths, uniform Bernoulli traffic and emulator-like bursts -- and bounds the
relative error of the drain time (largest ``deliver_cycle``) and of the mean latency. The bounds are the
measured worst cases (``python -m pytest tests/noc/test_flow_model.py -s`` prints the table; noc/README.md
records it) plus a small margin; a change that makes the model worse fails here.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noc.engine import make_engine
from noc.fast_engine import FastNoc
from noc.flow_engine import FlowNoc
from noc.model import RouterParams
from noc.topology import MeshTopology
from noc.traffic import make_pattern, synthetic_packets
from tests.noc.conftest import make_cfg

MESHES = ((4, 4, 1), (8, 8, 1), (6, 4, 2))  # width, height, cores per router
DEPTHS = (2, 8)
RATES = (0.03, 0.12, 0.25, 0.45)  # packets per node per cycle: light .. saturated
CYCLES = 400
# Largest |relative error| allowed: the measured worst case (2026-11-22: unsaturated drain 3.8 %, mean latency
# 12.6 %; saturated drain 26.4 %, mean 60.6 %, both underestimates; 2026-12-03, with the head-of-line work of
# issue 12: saturated drain 14.4 %, the rest unchanged) plus a margin. "Saturated": the exact
# mean latency exceeds 3 x the zero-load latency (the noc-sweep criterion).
BOUNDS = {"unsaturated": {"drain": 0.06, "mean": 0.16}, "saturated": {"drain": 0.32, "mean": 0.70}}


def _uniform(cfg, rate, seed):
    topo = MeshTopology.from_config(cfg)
    return synthetic_packets(topo, make_pattern("uniform", topo), rate, CYCLES, np.random.default_rng(seed))


def _bursts(cfg, n, seed):
    """Emulator-like: each core emits its packets back to back, spread over a short update sweep."""
    rng = np.random.default_rng(seed)
    src = np.sort(rng.integers(0, cfg.num_cores, n))
    rank = np.arange(n) - np.searchsorted(src, src, side="left")
    return src, rng.integers(0, cfg.num_cores, n), rng.integers(0, 40, n) + 2 * rank


def _cases():
    for w, h, c in MESHES:
        for depth in DEPTHS:
            cfg = make_cfg(w, h, cores=c, buffer_depth_flits=depth)
            for rate in RATES:
                yield f"{w}x{h}x{c} D={depth} uniform {rate}", cfg, _uniform(cfg, rate, seed=w * h + depth)
            for n in (200, 2000):
                yield f"{w}x{h}x{c} D={depth} bursts {n}", cfg, _bursts(cfg, n, seed=n + depth)


def _errors(cfg, traffic):
    exact = make_engine(cfg, "fast").run(*traffic)
    flow = make_engine(cfg, "flow").run(*traffic)
    t0 = RouterParams.from_config(cfg).zero_load_latency(exact.hops).mean()
    regime = "saturated" if exact.latency.mean() > 3 * t0 else "unsaturated"
    drain = flow.cycles / exact.cycles - 1
    mean = flow.latency.mean() / exact.latency.mean() - 1
    return regime, drain, mean, exact, flow


def test_flow_error_is_bounded_from_light_to_saturated_load():
    rows, worst = [], {"unsaturated": [0.0, 0.0], "saturated": [0.0, 0.0]}
    for name, cfg, traffic in _cases():
        regime, drain, mean, _, _ = _errors(cfg, traffic)
        rows.append(f"{name:32s} {regime:12s} drain {drain:+7.1%} mean latency {mean:+7.1%}")
        worst[regime] = [max(worst[regime][0], abs(drain)), max(worst[regime][1], abs(mean))]
    print("\n" + "\n".join(rows))
    print({k: [f"{v:.1%}" for v in w] for k, w in worst.items()})
    assert worst["saturated"] != [0.0, 0.0]  # the grid reaches saturation
    for regime, (drain, mean) in worst.items():
        assert drain <= BOUNDS[regime]["drain"], (regime, drain)
        assert mean <= BOUNDS[regime]["mean"], (regime, mean)


@pytest.mark.parametrize("opts", [{}, {"routing": "yx"}, {"flits": 2, "buffer_depth_flits": 4},
                                  {"virtual_channels": 2, "router_pipeline_cycles": 2}])
def test_flow_counters_are_exact(opts):
    cfg = make_cfg(5, 3, cores=2, **opts)
    src, dst, inject = _bursts(cfg, 600, seed=3)
    exact = make_engine(cfg, "fast").run(src, dst, inject)
    flow = make_engine(cfg, "flow").run(src, dst, inject)
    for name in ("hops", "link_flits", "delivered_core", "delivered_axon"):
        np.testing.assert_array_equal(getattr(flow, name), getattr(exact, name), err_msg=name)
    assert (flow.hops_ew, flow.hops_ns, flow.n_delivered) == (exact.hops_ew, exact.hops_ns, exact.n_delivered)
    assert (flow.deliver_cycle >= inject + RouterParams.from_config(cfg).zero_load_latency(flow.hops)).all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 6), st.integers(1, 5), st.integers(1, 3), st.sampled_from(["xy", "yx"]), st.integers(2, 6),
       st.integers(1, 3), st.integers(0, 2), st.integers(1, 600), st.integers(1, 300), st.integers(0, 2**31))
def test_flow_kernel_equals_the_numpy_reference(w, h, cores, routing, depth, pipeline, injection, n, span, seed):
    cfg = make_cfg(w, h, cores=cores, routing=routing, buffer_depth_flits=depth, router_pipeline_cycles=pipeline,
                   injection_cycles=injection)
    rng = np.random.default_rng(seed)
    traffic = rng.integers(0, cfg.num_cores, n), rng.integers(0, cfg.num_cores, n), rng.integers(0, span, n)
    fast = make_engine(cfg, "flow").run(*traffic)
    ref = make_engine(cfg, "flow", reference=True).run(*traffic)
    for name in ("deliver_cycle", "link_flits", "peak_buffer_flits", "hops", "delivered_core"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(ref, name), err_msg=name)
    assert (fast.hops_ew, fast.hops_ns, fast.cycles) == (ref.hops_ew, ref.hops_ns, ref.cycles)


def test_flow_is_exact_for_a_lone_packet():
    cfg = make_cfg(4, 3, cores=2, router_pipeline_cycles=2, link_latency_cycles=3, injection_cycles=2)
    exact = make_engine(cfg, "fast").run([0], [23], [7])
    flow = make_engine(cfg, "flow").run([0], [23], [7])
    assert flow.deliver_cycle.tolist() == exact.deliver_cycle.tolist()


def test_flow_only_by_name():
    cfg = make_cfg()
    assert isinstance(make_engine(cfg), FastNoc)
    assert isinstance(make_engine(cfg, "flow"), FlowNoc)


def test_flow_until_and_empty_batch():
    cfg = make_cfg(4, 4)
    src, dst, inject = _bursts(cfg, 300, seed=1)
    flow = make_engine(cfg, "flow")
    res = flow.run(src, dst, inject, until=30)
    assert 0 < res.n_delivered < 300 and (res.deliver_cycle[res.delivered] <= 30 + 1).all()
    assert res.delivered_core[~res.delivered].tolist() == [-1] * (300 - res.n_delivered)
    empty = flow.run([], [], [])
    assert empty.n_packets == 0 and empty.cycles == -1 and empty.link_flits.sum() == 0


# ----- systems of chips: off-chip links --------------------------------------------------------------------------


def test_off_chip_crossings_are_the_routes_off_chip_links():
    """The flow model's off-chip queue entries are exactly the off-chip links of each dimension-order route, with
    the links and off-chip links before them."""
    from noc.flow_engine import route_crossings
    from noc.routing import get_routing, route_links
    from tests.noc.conftest import make_system

    for routing in ("xy", "yx"):
        cfg = make_system(make_cfg(3, 2, cores=2, routing=routing), 3, 4)
        topo = MeshTopology.from_config(cfg)
        rng = np.random.default_rng(1)
        src, dst = rng.integers(0, cfg.num_cores, 150), rng.integers(0, cfg.num_cores, 150)
        pkt, link, before, off_before = route_crossings(topo, routing == "xy", src, dst)
        route = get_routing(routing)
        for i in range(src.size):
            links = route_links(topo, route, int(topo.router_of_core(src[i])), int(topo.router_of_core(dst[i])))
            want = sorted((j, lk, int(topo.link_off_chip[links[:j]].sum())) for j, lk in enumerate(links)
                          if topo.link_off_chip[lk])
            mine = pkt == i
            got = zip(before[mine].tolist(), link[mine].tolist(), off_before[mine].tolist(), strict=True)
            assert sorted(got) == want


# (system, packets, request span): light, loaded and saturated traffic over chips joined by narrow links
FLOW_SYSTEMS = [((4, 4, 1, 4), (2, 1), {"latency_cycles": 8, "serialisation_cycles_per_flit": 4, "buffer_depth_flits": 8}),
                ((3, 3, 2, 2), (2, 2), {"latency_cycles": 4, "serialisation_cycles_per_flit": 2, "buffer_depth_flits": 4})]


def test_flow_error_on_systems_of_chips_is_bounded():
    """Measured (noc/README.md, "Off-chip links"): drain time within 1 %, mean latency within 8 % below
    saturation and -19 % at it (the off-chip queue is first come, first served on zero-load arrivals; tree
    saturation upstream of a saturated off-chip link is priced one level deep: was -35 % without it).
    Asserted: 5 % and 25 %."""
    from tests.noc.conftest import make_system

    for (w, h, cores, depth), (cx, cy), off in FLOW_SYSTEMS:
        cfg = make_system(make_cfg(w, h, cores=cores, buffer_depth_flits=depth), cx, cy, **off)
        fast, flow = make_engine(cfg, "fast"), make_engine(cfg, "flow")
        for n, span in ((300, 1500), (1500, 1500), (3000, 600)):
            rng = np.random.default_rng(n)
            traffic = rng.integers(0, cfg.num_cores, n), rng.integers(0, cfg.num_cores, n), rng.integers(0, span, n)
            a, b = fast.run(*traffic), flow.run(*traffic)
            np.testing.assert_array_equal(a.link_flits, b.link_flits)
            drain, mean = b.cycles / a.cycles - 1, b.latency.mean() / a.latency.mean() - 1
            print(f"system {cx} x {cy} of {w} x {h}, {n} packets / {span} cycles: drain {100 * drain:+.1f} %, "
                  f"mean latency {100 * mean:+.1f} %")
            assert abs(drain) <= 0.05 and abs(mean) <= 0.25, (w, h, n, drain, mean)


def test_tree_saturation_wait_by_hand():
    """Two 2 x 1 tiny chips side by side (routers 0 1 | 2 3; I = P = L = 1). Packet q (router 0 -> 3, requested
    at cycle 1) queues 10 cycles at the off-chip link 1 -> 2; it passes the on-chip link 0 -> 1 at its zero-load
    time tau = 1 + I + P = 3 and holds it until 13. Packet p (0 -> 1), requested at 2, reaches link 0 -> 1 at 4
    and waits 13 - 4 = 9 behind it; p3 (0 -> 1, requested at 0, ahead of q) and p2 (2 -> 3, on the far side of
    q's off-chip link) do not wait."""
    from noc.flow_engine import tree_saturation_kernel, tree_saturation_waits
    from noc.model import RouterParams
    from tests.noc.conftest import make_cfg, make_system

    cfg = make_system(make_cfg(2, 1, cores=1), 2, 1)
    topo, p = MeshTopology.from_config(cfg), RouterParams.from_config(cfg)
    assert (p.injection, p.pipeline, p.link) == (1, 1, 1)
    kernel = tree_saturation_kernel(topo, p)
    cases = (([0, 0, 2, 0], [3, 1, 3, 1], [1, 2, 2, 0], [10, 0, 0, 0], [0, 9, 0, 0]),
             # q from router 1: its off-chip link is its first, it holds no on-chip link
             ([1, 0], [3, 1], [1, 2], [10, 0], [0, 0]))
    for src, dst, inject, w_off, want in cases:
        args = (np.array(src, np.int32), np.array(dst, np.int32), np.array(inject, np.int64), np.array(w_off))
        assert tree_saturation_waits(topo, p, *args).tolist() == want
        assert kernel.waits(*args).tolist() == want


def test_flow_engine_on_a_saturated_system_equals_its_numpy_reference():
    """On a system the engine (compiled tree-saturation step) delivers every packet at the cycle its NumPy
    reference (``reference=True``: the NumPy flow model and tree-saturation step) does."""
    from tests.noc.conftest import make_system

    cfg = make_system(make_cfg(3, 2, cores=2), 2, 1, latency_cycles=6, serialisation_cycles_per_flit=3)
    rng = np.random.default_rng(5)
    traffic = rng.integers(0, cfg.num_cores, 800), rng.integers(0, cfg.num_cores, 800), rng.integers(0, 300, 800)
    engine = make_engine(cfg, "flow")
    assert engine._tree is not None
    fast, ref = engine.run(*traffic), make_engine(cfg, "flow", reference=True).run(*traffic)
    np.testing.assert_array_equal(fast.deliver_cycle, ref.deliver_cycle)


@pytest.mark.parametrize("routing", ["xy", "yx"])
@pytest.mark.parametrize("chips", [(3, 1), (1, 3), (2, 2)], ids=["side-by-side", "stacked", "2x2"])
def test_compiled_tree_saturation_equals_its_numpy_specification(routing, chips):
    """``TreeSaturation.waits`` and ``.off_chip_waits`` (compiled) give the waits of
    :func:`noc.flow_engine.tree_saturation_waits` and :func:`~noc.flow_engine.off_chip_waits` (NumPy, the
    specifications), packet for packet: random chips of 1-3 x 1-3 routers (1-2 cores each, 1-2 flit packets),
    random off-chip latency and serialisation, light to congested traffic, the off-chip queue's own waits and
    random ones (also on packets that cross no chip edge); one kernel reused across calls (its buffers grow)."""
    from noc.contention import off_chip_service_time
    from noc.flow_engine import off_chip_waits, tree_saturation_kernel, tree_saturation_waits
    from tests.noc.conftest import make_system

    rng = np.random.default_rng(sum(chips) * 7 + len(routing) + (routing == "yx"))
    nonzero = 0
    for _ in range(6):
        (w, h), cores = rng.integers(1, 4, 2).tolist(), int(rng.integers(1, 3))
        off = {"latency_cycles": int(rng.integers(1, 9)), "serialisation_cycles_per_flit": int(rng.integers(1, 4))}
        cfg = make_system(make_cfg(w, h, cores=cores, flits=int(rng.integers(1, 3)), routing=routing), *chips, **off)
        topo, p = MeshTopology.from_config(cfg), RouterParams.from_config(cfg)
        kernel = tree_saturation_kernel(topo, p)
        for n, span in ((20, 2000), (300, 300), (1500, 200)):       # light .. congested
            src, dst = (rng.integers(0, cfg.num_cores, n).astype(np.int32) for _ in range(2))
            inject = rng.integers(0, span, n).astype(np.int64)
            queued = off_chip_waits(topo, p, src, dst, inject)
            np.testing.assert_array_equal(kernel.off_chip_waits(src, dst, inject, off_chip_service_time(p)), queued)
            drawn = np.where(rng.random(n) < 0.3, rng.integers(0, 60, n), 0).astype(np.int64)
            for w_off in (queued, drawn):
                want = tree_saturation_waits(topo, p, src, dst, inject, w_off)
                np.testing.assert_array_equal(kernel.waits(src, dst, inject, w_off), want)
                nonzero += int((want > 0).any())
    assert nonzero >= 12           # the cases do exercise the waits
