"""A lone packet takes exactly T0(h) = I + (h + 1) P + h L + E + F - 1 cycles, on both engines."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from noc.engine import make_engine
from noc.model import RouterParams
from noc.topology import MeshTopology
from tests.noc.conftest import make_cfg

TIMINGS = {  # (P, L, I, E, F): tiny's unit timing, long pipelines and links, no injection / ejection, 3 flits
    "unit": {},
    "deep": {"router_pipeline_cycles": 3, "link_latency_cycles": 2, "injection_cycles": 2, "ejection_cycles": 4},
    "zero-io": {"injection_cycles": 0, "ejection_cycles": 0, "router_pipeline_cycles": 2},
    "multi-flit": {"flits": 3, "buffer_depth_flits": 3, "link_latency_cycles": 3, "ejection_cycles": 2},
    "vc-setup": {"flits": 2, "buffer_depth_flits": 4, "vc_setup_cycles": 2, "router_pipeline_cycles": 4,
                 "credit_return": "flit", "vc_realloc_cycles": 2},
}


def _lone_packets(cfg, spacing: int = 500):
    """Every (src, dst) core pair once, requested ``spacing`` cycles apart so that each travels alone."""
    pairs = np.array(list(itertools.product(range(cfg.num_cores), repeat=2)), dtype=np.int32)
    inject = np.arange(len(pairs), dtype=np.int64) * spacing
    return pairs[:, 0], pairs[:, 1], inject


@pytest.mark.parametrize("timing", sorted(TIMINGS))
@pytest.mark.parametrize("routing", ["xy", "yx"])
def test_lone_packet_latency_is_analytic(engine_kind, timing, routing):
    opts = dict(TIMINGS[timing])
    cfg = make_cfg(3, 3, cores=2, routing=routing, **opts)
    src, dst, inject = _lone_packets(cfg)
    res = make_engine(cfg, engine_kind).run(src, dst, inject)
    hops = MeshTopology.from_config(cfg).hop_distance(src, dst)
    assert np.array_equal(res.hops, hops)
    np.testing.assert_array_equal(res.latency, RouterParams.from_config(cfg).zero_load_latency(hops))


def test_tiny_formula_by_hand():
    # tiny.yaml: I = P = L = E = 1, F = 1, so T0(h) = 1 + (h + 1) + h + 1 = 2h + 3
    params = RouterParams.from_config(make_cfg())
    assert [params.zero_load_latency(h) for h in range(4)] == [3, 5, 7, 9]
    three_flits = RouterParams.from_config(make_cfg(flits=3, link_latency_cycles=2))
    assert three_flits.zero_load_latency(2) == 1 + 3 * 1 + 2 * 2 + 1 + 2  # = 11


def test_single_packet_runs(engine_kind):
    cfg = make_cfg(4, 4, router_pipeline_cycles=2, link_latency_cycles=3)
    eng = make_engine(cfg, engine_kind)
    params = RouterParams.from_config(cfg)
    for src, dst in [(0, 15), (15, 0), (5, 5), (3, 12), (6, 9)]:
        res = eng.run([src], [dst], [7])
        h = int(res.hops[0])
        assert res.deliver_cycle[0] == 7 + params.zero_load_latency(h)
        assert res.cycles == res.deliver_cycle[0]


def test_booksim_iq_config_matches_booksim_zero_load():
    # BookSim2's iq router with its defaults measures 7 + 5 D cycles at zero load (D hops; 33.25 on 8 x 8
    # uniform, benchmarks/booksim_compare.py): our formula on benchmarks/booksim_iq.yaml is the same line.
    from pathlib import Path

    from chip_configs.schema import load_config

    cfg = load_config(str(Path(__file__).resolve().parents[2] / "benchmarks" / "booksim_iq.yaml"))
    params = RouterParams.from_config(cfg)
    assert [params.zero_load_latency(h) for h in range(15)] == [7 + 5 * h for h in range(15)]
    assert params.vc_setup == 2
