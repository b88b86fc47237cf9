"""Mapping validation and placement take the chip's topology and routing from noc/ (XY or YX)."""

from __future__ import annotations

import numpy as np
import pytest

from mapping.placement import hops
from mapping.validate import link_load
from noc.routing import ROUTING, route_links
from noc.topology import MeshTopology
from tests.emulator.random_chips import random_mapped, small_config


def _with_routing(cfg, routing: str):
    return cfg.model_copy(update={"noc": cfg.noc.model_copy(update={"routing": routing})})


def _expected_loads(cfg, mapped) -> dict:
    """Packets per link by the scalar routing function of the config, one packet per (neuron, core)."""
    topo = MeshTopology.from_config(cfg)
    fn = ROUTING[cfg.noc.routing]
    load: dict = {}
    for mc in mapped.cores:
        owner = np.repeat(np.arange(mc.program.n_neurons), np.diff(mc.dest.ptr))
        for dst in np.unique(mc.dest.core).tolist():
            n = np.unique(owner[mc.dest.core == dst]).size
            for link in route_links(topo, fn, topo.router_of_core(mc.index), topo.router_of_core(dst)):
                key = (topo.coords(int(topo.link_src[link])), topo.coords(int(topo.link_dst[link])))
                load[key] = load.get(key, 0.0) + n
    return load


@pytest.mark.parametrize("routing", ["xy", "yx"])
@pytest.mark.parametrize("seed", range(3))
def test_validation_link_loads_follow_the_chips_routing(routing, seed):
    cfg = _with_routing(small_config("loihi_lif", width=4, height=3, cores_per_router=1), routing)
    mapped = random_mapped(cfg, seed)
    assert link_load(cfg, mapped) == _expected_loads(cfg, mapped)


def test_yx_chip_validation_uses_yx_routes():
    """The loads of a YX chip are those of its YX routes, not of XY routes (the bug before noc.routing)."""
    cfg = _with_routing(small_config("loihi_lif", width=3, height=3, cores_per_router=1), "yx")
    mapped = random_mapped(cfg, 0)
    load = link_load(cfg, mapped)
    yx = _expected_loads(cfg, mapped)
    xy = _expected_loads(_with_routing(cfg, "xy"), mapped)
    assert xy != yx, "the test needs traffic across both dimensions"
    assert load == yx


def test_placement_hops_are_the_topology_hops():
    cfg = small_config("loihi_lif", width=5, height=4, cores_per_router=2)
    topo = MeshTopology.from_config(cfg)
    a, b = np.arange(cfg.num_cores)[:, None], np.arange(cfg.num_cores)[None, :]
    assert (hops(cfg, a, b) == topo.hop_distance(a, b)).all()
