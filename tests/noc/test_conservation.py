"""Property test: on random meshes and systems of chips, buffers and traffic every packet arrives exactly once,
where it should."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noc.engine import make_engine
from noc.model import RouterParams
from noc.routing import get_routing, route_links
from noc.topology import MeshTopology
from tests.noc.conftest import make_cfg, make_system


@st.composite
def networks_and_traffic(draw):
    flits = draw(st.integers(1, 3))
    w, h = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    cfg = make_cfg(
        w, h, cores=draw(st.integers(1, 3)), flits=flits,
        buffer_depth_flits=draw(st.integers(flits, 3 * flits + 1)),
        virtual_channels=draw(st.integers(1, 3)),
        router_pipeline_cycles=draw(st.integers(1, 3)), link_latency_cycles=draw(st.integers(1, 3)),
        injection_cycles=draw(st.integers(0, 2)), ejection_cycles=draw(st.integers(0, 2)),
        routing=draw(st.sampled_from(["xy", "yx"])), vc_setup_cycles=draw(st.sampled_from([0, 0, 1, 2, 5])),
        credit_return=draw(st.sampled_from(["packet", "flit"])), vc_realloc_cycles=draw(st.sampled_from([0, 1, 3])),
        credit_delay_cycles=draw(st.sampled_from([None, 1, 2, 4])),
        injection_credit_cycles=draw(st.sampled_from([None, 1, 3])),
        switch_allocator=draw(st.sampled_from(["input_first", "islip"])),
        vc_binding=draw(st.sampled_from(["at_switch", "at_vc_allocation"])),
    )
    if w * h <= 4 and draw(st.booleans()):  # a system of such (small) chips, off-chip links with their own figures
        cfg = make_system(cfg, draw(st.integers(1, 3)), draw(st.integers(1, 2)),
                          latency_cycles=draw(st.integers(1, 6)),
                          serialisation_cycles_per_flit=draw(st.integers(1, 4)),
                          buffer_depth_flits=draw(st.integers(flits, 3 * flits + 1)))
    n = draw(st.integers(1, 40))
    core = st.integers(0, cfg.num_cores - 1)
    src = draw(st.lists(core, min_size=n, max_size=n))
    dst = draw(st.lists(core, min_size=n, max_size=n))
    inject = draw(st.lists(st.integers(0, 30), min_size=n, max_size=n))
    axon = draw(st.lists(st.integers(0, cfg.core.axons_per_core - 1), min_size=n, max_size=n))
    return cfg, np.array(src), np.array(dst), np.array(inject), np.array(axon)


def _expected_link_flits(cfg, src, dst):
    topo = MeshTopology.from_config(cfg)
    route = get_routing(cfg.noc.routing)
    count = Counter()
    for s, d in zip(topo.router_of_core(src).tolist(), topo.router_of_core(dst).tolist(), strict=True):
        count.update(route_links(topo, route, s, d))
    out = np.zeros(topo.n_links, np.int64)
    for link, k in count.items():
        out[link] = k * cfg.noc.flits_per_packet
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks_and_traffic())
def test_every_packet_delivered_once_to_its_core_and_axon(case):
    cfg, src, dst, inject, axon = case
    params, topo = RouterParams.from_config(cfg), MeshTopology.from_config(cfg)
    results = {kind: make_engine(cfg, kind, **({"log": True} if kind == "simpy" else {})).run(src, dst, inject, axon)
               for kind in ("fast", "simpy")}
    for res in results.values():
        assert res.n_delivered == len(src) and res.delivered.all()
        assert np.array_equal(res.delivered_core, dst) and np.array_equal(res.delivered_axon, axon)
        assert np.array_equal(res.hops, topo.hop_distance(src, dst))
        t0 = params.zero_load_latency(res.hops, topo.chip_crossings(src, dst))
        assert (res.deliver_cycle >= inject + t0).all()
        assert np.array_equal(res.link_flits, _expected_link_flits(cfg, src, dst))
        slots = max(params.slots_per_vc, params.off_slots_per_vc)
        assert res.peak_buffer_flits.max() <= params.vcs * slots * params.flits
    log = results["simpy"].log
    assert sorted(e.packet for e in log if e.event == "deliver") == list(range(len(src)))  # exactly once each
    np.testing.assert_array_equal(results["fast"].deliver_cycle, results["simpy"].deliver_cycle)
