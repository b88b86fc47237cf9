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
