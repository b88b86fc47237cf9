"""Bench-A-like random networks through the network API."""

import numpy as np

from mapping.mapper import map_network
from mapping.synthetic import random_network


def test_random_network_shape_and_determinism():
    net = random_network(n_inputs=50, n_neurons=300, fan_out=20, seed=4)
    again = random_network(n_inputs=50, n_neurons=300, fan_out=20, seed=4)
    rec = net.projections[1]
    r, c, v, _ = rec.coo()
    assert r.size == 300 * 20 and np.all(np.bincount(c, minlength=300) == 20)
    assert np.array_equal(r, again.projections[1].coo()[0])
    assert np.isclose(np.mean(v > 0), 0.8)
    # distinct targets per source
    assert len(set(zip(r.tolist(), c.tolist(), strict=True))) == r.size


def test_random_network_spreads_over_cores_by_the_axon_limit():
    net = random_network(n_inputs=100, n_neurons=5000, fan_out=40, seed=0)
    _, summary = map_network(net, "loihi", placer="greedy")
    assert summary.cores_used > 5  # 5,000 neurons would fit five cores by count; the axons bind first
    assert summary.tightest[0]["resource"] in ("axons", "output_edges")
