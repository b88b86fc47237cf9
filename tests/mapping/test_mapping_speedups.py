"""The fast paths of the partition and the annealer give exactly what the plain formulations give."""

import numpy as np
import pytest

from chip_configs.schema import load_config
from mapping.partition import SynapseTable
from mapping.placement import Traffic, hops, place, place_greedy, placement_cost


def test_distinct_key_counts_equal_unique():
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(0, 400))
        src, delay = rng.integers(0, 30, n), rng.integers(1, 5, n)
        table = SynapseTable(np.zeros(n, np.int64), src, delay, np.zeros(n), np.zeros(2, np.int64))
        for _ in range(20):
            lo = int(rng.integers(0, n + 1))
            hi = int(rng.integers(lo, n + 1))
            assert table.n_keys(lo, hi) == np.unique(table.key[lo:hi]).size
            assert np.array_equal(table.keys(lo, hi), table.key[lo:hi])


def test_slice_axons_equal_unique():
    """A slice's axons and synapse-to-axon indices (first occurrences sorted, then looked up) are np.unique's."""
    from mapping.partition import _make_slice

    rng = np.random.default_rng(4)
    for _ in range(30):
        n = int(rng.integers(1, 300))
        post = np.sort(rng.integers(0, 12, n))
        table = SynapseTable(post, rng.integers(0, 40, n), rng.integers(1, 4, n), np.zeros(n),
                             np.searchsorted(post, np.arange(13)).astype(np.int64))
        a = int(rng.integers(0, 12))
        b = int(rng.integers(a + 1, 13))
        sl = _make_slice("p", table, a, b, "")
        lo, hi = table.ptr[a], table.ptr[b]
        uniq, inv = np.unique(table.key[lo:hi], return_inverse=True)
        assert np.array_equal(sl.axon_src * 1024 + sl.axon_delay, uniq) and np.array_equal(sl.syn_axon, inv)


def test_synapse_table_sums_duplicates_in_their_order():
    """Duplicate (post, source, delay) synapses are summed in the order given, the table sorted by (post,
    source, delay) and unpacked from the packed keys (mapping.partition.synapse_table)."""
    from mapping.network import LIF, Input, Network, Population, Projection
    from mapping.partition import source_offsets, synapse_table

    w = (np.array([1, 0, 1, 1]), np.array([2, 1, 2, 0]), np.array([0.1, 0.2, 0.7, 0.4]))
    net = Network([Input("in", 3)], [Population("p", 2, LIF(beta=0.9, threshold=1.0))],
                  [Projection("in", "p", w, delay=2)], [])
    t = synapse_table(net, "p", source_offsets(net))
    assert t.post.tolist() == [0, 1, 1] and t.src.tolist() == [1, 0, 2] and t.delay.tolist() == [2, 2, 2]
    assert t.weight.tolist() == [0.2, 0.4, 0.1 + 0.7] and t.ptr.tolist() == [0, 1, 3]


def _reference_anneal(traffic, cfg, seed):
    """The annealer as first written (per-move ``hops`` on core indices); the fast one must match it."""
    n = traffic.n_slices
    assign = place_greedy(traffic, cfg, seed)
    rng = np.random.default_rng(seed)
    adj = traffic.adjacency()
    m = cfg.mesh

    def delta(s, new, skip):
        nb, w = adj[s]
        if nb.size == 0:
            return 0.0
        keep = nb != skip
        pos = assign[nb[keep]]
        return float(np.sum(w[keep] * (hops(cfg, new, pos) - hops(cfg, assign[s], pos))))

    def propose(s):
        nb, _ = adj[s]
        if nb.size == 0 or rng.random() < 0.2:
            return int(rng.integers(cfg.num_cores))
        r = int(assign[int(nb[rng.integers(nb.size)])]) // m.cores_per_router
        x, y = r % m.width, r // m.width
        nx = int(np.clip(x + rng.integers(-2, 3), 0, m.width - 1))
        ny = int(np.clip(y + rng.integers(-2, 3), 0, m.height - 1))
        core = (ny * m.width + nx) * m.cores_per_router + int(rng.integers(m.cores_per_router))
        return core if core < cfg.num_cores else int(rng.integers(cfg.num_cores))

    occupant = np.full(cfg.num_cores, -1, np.int64)
    occupant[assign] = np.arange(n)
    steps = int(min(max(3000, 150 * n), 60000))
    cost = best_cost = placement_cost(traffic, assign, cfg)
    best = assign.copy()
    t0 = max(float(np.mean(traffic.w)), 1e-9)
    for k in range(steps):
        temp = t0 * (1e-3 ** (k / steps))
        s = int(rng.integers(n))
        core = propose(s)
        other = int(occupant[core])
        if core == assign[s]:
            continue
        d = delta(s, core, other)
        if other >= 0:
            d += delta(other, int(assign[s]), s)
        if d <= 0 or rng.random() < np.exp(-d / temp):
            old = int(assign[s])
            assign[s], occupant[core], occupant[old] = core, s, other
            if other >= 0:
                assign[other] = old
            cost += d
            if cost < best_cost - 1e-9:
                best_cost, best = cost, assign.copy()
    return best


@pytest.mark.parametrize("chip, n", [("loihi", 60), ("truenorth", 40)])  # hop matrix / per-axis (4,096 routers)
def test_anneal_matches_reference(chip, n):
    cfg = load_config(chip)
    rng = np.random.default_rng(7)
    e = int(n * 6)
    traffic = Traffic.from_directed(n, rng.integers(0, n, e), rng.integers(0, n, e), rng.random(e) * 3)
    for seed in (0, 1):
        assert np.array_equal(place("anneal", traffic, cfg, seed), _reference_anneal(traffic, cfg, seed))
