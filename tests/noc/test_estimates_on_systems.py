"""The estimates on systems of chips (issues 12 / 16): a saturated off-chip link serves at its own rate.

Found by replaying bench-A on ``loihi-kapoho-bay`` through the exact engine (noc/README.md, "The estimates on
systems"): ``loads`` scaled the off-chip link's 4.06 cycles per packet by the head-of-line share (6.52, +48.5 %
on latency per inference) and ``flow`` counted the off-chip queue twice (+38.7 %).
"""

import numpy as np

from chip_configs.schema import load_config
from noc.engine import make_engine
from noc.loads_estimate import LoadsEstimate, busiest_link, router_peers
from noc.topology import DIRECTIONS, MeshTopology


def _kapoho():
    cfg = load_config("loihi-kapoho-bay")
    return cfg, MeshTopology.from_config(cfg), LoadsEstimate.from_config(cfg)


def test_head_of_line_feed_bound():
    """Kapoho Bay: s_link 1.5, h 0.6234, so the feed bound s_link / h = 2.41 cycles per packet; s_off = 4.0625.
    A contended on-chip link serves at 2.41 (exactly s_link / h, as before); a contended off-chip link at its own
    4.0625 (it is slower than its router's inputs can feed it), not 4.0625 / h = 6.52."""
    cfg, topo, est = _kapoho()
    off = int(np.flatnonzero(topo.link_off_chip)[0])          # router 7 -> 8, chip 0 -> chip 1
    peer = int(router_peers(topo, off)[0])
    loads = np.zeros(topo.n_links, np.int64)
    loads[off], loads[peer] = 100, 60                        # each carries at least half the other's load
    assert est.link_service(loads, off, router_peers(topo, off), est.s_off) == est.s_off == 4.0625
    assert est.link_service(loads, peer, router_peers(topo, peer)) == est.s_link / est.hol
    # an on-chip link whose share makes it drain last is blamed: 31 + 100 x 4.0625 = 437.25 cycles off chip
    # against 200 x 2.406 = 481.2 on chip (200 x 1.5 = 300 without its share)
    outs = topo.link_id[0, list(DIRECTIONS)]
    a, b = (int(q) for q in outs[outs >= 0][:2])
    loads[a], loads[b] = 200, 150
    assert busiest_link(est, topo, loads) == a
    loads[b] = 90                                             # uncontended: 300 cycles, the off-chip link drains last
    assert busiest_link(est, topo, loads) == off


def test_flow_counts_an_off_chip_queue_once():
    """3,000 packets from chip 0 to chip 1 of Kapoho Bay over 400 cycles: the off-chip links set the drain. The
    flow model's drain and mean latency are within 2 % of the exact engine's (measured +0.1 %, +0.1 %; adding the
    off-chip wait to the on-chip bottleneck wait gave +32 % and +36 %)."""
    cfg, topo, _ = _kapoho()
    cores = np.arange(cfg.num_cores)
    x, _ = topo.coords(topo.router_of_core(cores))
    west, east = cores[x < topo.chip_width], cores[x >= topo.chip_width]
    rng = np.random.default_rng(0)
    traffic = rng.choice(west, 3000), rng.choice(east, 3000), rng.integers(0, 400, 3000)
    exact, flow = make_engine(cfg, "fast").run(*traffic), make_engine(cfg, "flow").run(*traffic)
    assert abs(flow.cycles / exact.cycles - 1) <= 0.02
    assert abs(flow.latency.mean() / exact.latency.mean() - 1) <= 0.02


def test_trust_flag_sees_an_off_chip_bottleneck_at_its_own_rate():
    """The drain record's utilisation rho = n_link s_l cycle / window takes the busiest link's own cycles per
    packet: 100 packets on Kapoho Bay's off-chip link over a 200-cycle window are 100 x 4.0625 / 200 = 2.03 (at
    the on-chip 1.5 they would read 0.75, far below the trust bound, whatever the off-chip load)."""
    from noc.loads_estimate import drain_record

    cfg, topo, est = _kapoho()
    off = int(np.flatnonzero(topo.link_off_chip)[0])
    loads = np.zeros(topo.n_links, np.int64)
    loads[off] = 100
    src = int(topo.link_src[off]) * cfg.mesh.cores_per_router      # a core on the link's source router
    n = cfg.num_cores
    core = {k: np.zeros(n) for k in ("integ", "update", "busy", "off_x")}
    core.update(packets=np.zeros(n, np.int64), hmax=np.zeros(n, np.int64), n=np.ones(n))
    core["packets"][src], core["hmax"][src], core["busy"][src] = 100, 1, 200.0   # window 0 .. 200 ns
    cyc = cfg.noc.cycle_ns
    deliveries = np.zeros(n, np.int64)
    _, _, rho = drain_record(est, cyc, 0.0, topo, core, loads, deliveries)
    assert rho == 100 * est.s_off * cyc / 200.0


def _brute_sources(topo, routing, pos, src_router, dst_router) -> dict:
    """{(link, position): fewest hops before the link} over every route, link by link (noc.routing.links)."""
    from noc.routing import links

    pkt, link = links(topo, routing, src_router, dst_router)
    out = {}
    hop = np.arange(pkt.size) - np.searchsorted(pkt, pkt)       # index of each link within its route
    for p, lk, h in zip(pkt.tolist(), link.tolist(), hop.tolist(), strict=True):
        if topo.link_off_chip[lk]:
            key = (lk, int(pos[p]))
            out[key] = min(out.get(key, h), h)
    return out


def test_off_chip_sources_equal_the_routes_link_by_link():
    """The first-arrival wait's sources (noc.loads_estimate.off_chip_sources: the chip edges each route crosses,
    found edge by edge without listing routes) equal the off-chip links of every route listed link by link,
    with the fewest hops before each, on 3 x 2 chips of 2 x 2 routers under XY and YX routing."""
    from noc.loads_estimate import off_chip_sources

    topo = MeshTopology.build(6, 4, 1, chip_width=2, chip_height=2)
    est = LoadsEstimate(1, 1, 1, 1, 1, 1.0, 1.0, 1.0, s_off=4.0, off_extra=3.0)
    rng = np.random.default_rng(3)
    pos = rng.integers(0, 9, 300)
    router_of_pos = rng.permutation(topo.n_routers)[:9]
    dst = rng.integers(0, topo.n_routers, 300)
    for routing in ("xy", "yx"):
        ptr, at, reach = off_chip_sources(est, topo, routing, pos, router_of_pos[pos], dst)
        got = {(lk, int(at[e])): reach[e] / 2 for lk in range(topo.n_links) for e in range(ptr[lk], ptr[lk + 1])}
        assert got == _brute_sources(topo, routing, pos, router_of_pos[pos], dst) and got


def test_first_arrival_wait_by_hand():
    """Kapoho Bay (I = P = L = 2, E = 0, F = 1: T0(1) = 2 + 2 x 2 + 2 + 0 + 0 = 8 cycles; x = Lx + F (s - 1) - L =
    30 + 3 - 2 = 31; s_off = 4.0625; times below in cycles, cycle_ns = 1): 100 packets on the off-chip link
    7 -> 8 (row 0), all from a core on router 4, 3 hops west of it, whose first packet is requested at a = 50;
    another core, on router 0, requests one at t_a = 10. Without the wait the link bound is t_a + (8 + 31 - 1 +
    100 x 4.0625) = 10 + 444.25 = 454.25; the link's packets cannot arrive before w = (50 - 10) + 3 hops x (P + L)
    = 52 cycles after t_a: 506.25 (the injection bound, max(50, 50 + 100 x 1.5) + T0(0) = 204, is below both)."""
    from noc.loads_estimate import network_end, off_chip_sources

    cfg, topo, est = _kapoho()
    off = int(topo.link_id[7, 1])                      # east out of router 7 (x = 7), chip 0 -> chip 1
    assert topo.link_off_chip[off] and est.t0(1) == 8 and est.off_extra == 31
    n, cpr = cfg.num_cores, cfg.mesh.cores_per_router
    far, near = 4 * cpr, 0                                # a core on router 4 and one on router 0
    sources = off_chip_sources(est, topo, "xy", np.array([far]), np.array([far]), np.array([9 * cpr]))
    assert sources[1].tolist() == [far] and sources[2].tolist() == [12.0]   # 3 hops x (P + L) before the link
    loads = np.zeros(topo.n_links, np.int64)
    loads[off] = 100
    core = {k: np.zeros(n) for k in ("integ", "update", "busy", "off_x")}
    core.update(packets=np.zeros(n, np.int64), hmax=np.zeros(n, np.int64), n=np.ones(n))
    core["packets"][[far, near]] = 100, 1
    core["integ"][[far, near]] = 50.0, 10.0                   # a_k = integ (no update, spike_ns 0)
    core["busy"][[far, near]] = 50.0, 10.0
    deliveries = np.zeros(n, np.int64)
    assert network_end(est, 1.0, 0.0, topo, core, loads, deliveries) == 454.25
    core["link_sources"] = sources
    assert network_end(est, 1.0, 0.0, topo, core, loads, deliveries) == 506.25
