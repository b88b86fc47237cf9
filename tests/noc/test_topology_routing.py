"""Topology numbering, routing functions (XY vs YX), the fast engine's routing table, and arbitration."""

from __future__ import annotations

import pytest

from noc.arbitration import ARBITERS, RoundRobinArbiter, make_arbiter
from noc.errors import NocError
from noc.routing import ROUTING, get_routing, route_links, route_ports, sign_table
from noc.topology import LOCAL, E, MeshTopology, N, S, W, opposite


def test_cores_map_to_routers_and_local_ports():
    topo = MeshTopology.build(8, 4, cores_per_router=4)
    assert topo.router_of_core(37) == 9 and topo.local_index(37) == 1
    assert topo.coords(9) == (1, 1)
    assert topo.n_ports == LOCAL + 4


@pytest.mark.parametrize(("w", "h"), [(1, 1), (2, 2), (3, 5), (8, 8)])
def test_links_enumerated_with_direction(w, h):
    topo = MeshTopology.build(w, h)
    assert topo.n_links == 2 * (w - 1) * h + 2 * w * (h - 1)
    assert topo.link_is_ew.sum() == 2 * (w - 1) * h
    for link in range(topo.n_links):
        src, dst, port = topo.link_src[link], topo.link_dst[link], topo.link_port[link]
        assert topo.link_id[src, port] == link
        assert topo.neighbour(dst, opposite(port)) == src  # the reverse link exists


def test_port_directions():
    topo = MeshTopology.build(3, 3)
    centre = topo.router_at(1, 1)
    assert [topo.coords(topo.neighbour(centre, p)) for p in (N, E, S, W)] == [(1, 2), (2, 1), (1, 0), (0, 1)]
    assert topo.neighbour(0, W) == -1 and topo.neighbour(0, S) == -1


def test_xy_and_yx_routes_differ_as_expected():
    topo = MeshTopology.build(4, 4)
    src, dst = topo.router_at(0, 0), topo.router_at(2, 3)
    assert [p for _, p in route_ports(topo, ROUTING["xy"], src, dst)] == [E, E, N, N, N]
    assert [p for _, p in route_ports(topo, ROUTING["yx"], src, dst)] == [N, N, N, E, E]
    xy, yx = route_links(topo, ROUTING["xy"], src, dst), route_links(topo, ROUTING["yx"], src, dst)
    assert len(xy) == len(yx) == 5 and set(xy).isdisjoint(yx)
    # on a straight line both agree
    assert route_links(topo, ROUTING["xy"], 0, 3) == route_links(topo, ROUTING["yx"], 0, 3)


@pytest.mark.parametrize("name", sorted(ROUTING))
def test_routes_are_minimal(name):
    topo = MeshTopology.build(4, 3)
    for a in range(topo.n_routers):
        for b in range(topo.n_routers):
            (ax, ay), (bx, by) = topo.coords(a), topo.coords(b)
            assert len(route_links(topo, ROUTING[name], a, b)) == abs(ax - bx) + abs(ay - by)


def test_unknown_routing_and_arbiter_named_in_error():
    with pytest.raises(NocError, match=r"'zigzag'.*allowed: xy, yx"):
        get_routing("zigzag")
    with pytest.raises(NocError, match=r"'lottery'.*allowed: round_robin"):
        make_arbiter("lottery", 4)


def test_sign_table_refuses_routing_not_determined_by_offset_signs():
    def parity(cur, dst):  # adaptive-looking: depends on where the packet is, not only on the signs
        if cur == dst:
            return LOCAL
        if cur[0] != dst[0] and (cur[1] % 2 == 0 or cur[1] == dst[1]):
            return E if dst[0] > cur[0] else W
        return N if dst[1] > cur[1] else S

    topo = MeshTopology.build(4, 4)
    assert sign_table(ROUTING["xy"], topo)[2, 2] == E
    with pytest.raises(NocError, match="not determined by the offset signs"):
        sign_table(parity, topo)


def test_round_robin_rotates_priority_after_each_grant():
    arb = ARBITERS["round_robin"](4)
    assert isinstance(arb, RoundRobinArbiter)
    everyone = [True] * 4
    grants = []
    for _ in range(5):
        g = arb.pick(everyone)
        arb.commit(g)
        grants.append(g)
    assert grants == [0, 1, 2, 3, 0]
    assert arb.pick([False] * 4) is None
    assert arb.pick([True, False, False, False]) == 0  # wraps around to the only requester


def test_pick_without_commit_keeps_priority():
    arb = RoundRobinArbiter(3)
    assert arb.pick([False, True, True]) == 1
    assert arb.pick([True, True, True]) == 0  # no commit: pointer still at 0


@pytest.mark.parametrize("name", sorted(ROUTING))
@pytest.mark.parametrize("seed", range(6))
def test_vectorised_routes_equal_the_scalar_routing_functions(name, seed):
    """noc.routing.links / link_loads / segments against route_links, on random meshes and router pairs."""
    import numpy as np

    from noc.routing import link_loads, links, segments

    rng = np.random.default_rng(seed)
    topo = MeshTopology.build(int(rng.integers(1, 9)), int(rng.integers(1, 9)))
    n = 200
    src, dst = rng.integers(0, topo.n_routers, n), rng.integers(0, topo.n_routers, n)
    pkt, link = links(topo, name, src, dst)
    expect = [route_links(topo, ROUTING[name], int(a), int(b)) for a, b in zip(src, dst, strict=True)]
    assert [link[pkt == i].tolist() for i in range(n)] == expect
    w = rng.random(n)
    dense = np.zeros(topo.n_links)
    for i, route in enumerate(expect):
        dense[route] += w[i]
    np.testing.assert_allclose(link_loads(topo, name, src, dst, w), dense)
    first, second = segments(topo, name, src, dst)
    assert (first.length + second.length == topo.hops(src, dst)).all()
    assert (second.k0 == first.length).all()


def test_one_topology_per_chip_shared_by_its_engines():
    """MeshTopology.from_config gives one read-only object per mesh: the chip, its engine and mapping share it."""
    import numpy as np

    from chip_configs.schema import load_config
    from emulator.chip import Chip

    chip = Chip.from_config("tiny", noc_engine="flow")
    assert chip.noc.topology is chip.topology is MeshTopology.from_config(load_config("tiny"))
    assert not chip.topology.link_id.flags.writeable
    with pytest.raises(ValueError):
        chip.topology.link_id[0, 0] = np.int32(5)
