"""Network construction: shape checks with clear messages, layers expanded to sparse projections."""

import numpy as np
import pytest

from chip_configs.errors import MappingError
from mapping.layers import conv2d_coo, coo_matmul, dense_coo, pool2d_coo
from mapping.network import LIF, Input, Network, Output, Population, Projection


def test_shape_errors_name_the_projection():
    with pytest.raises(MappingError, match=r"x->p: dense weights have shape \(2, 2\); expected .*\(3, 2\)"):
        Network([Input("x", 2)], [Population("p", 3, LIF())], [Projection("x", "p", np.ones((2, 2)))], [])
    with pytest.raises(MappingError, match="unknown pre 'y'"):
        Network([Input("x", 2)], [Population("p", 3, LIF())], [Projection("y", "p", np.ones((3, 2)))], [])
    with pytest.raises(MappingError, match="beta must lie in"):
        Network([Input("x", 2)], [Population("p", 3, LIF(beta=1.5))], [], [])
    with pytest.raises(MappingError, match="delay must be integers >= 1"):
        Network([Input("x", 2)], [Population("p", 3, LIF())], [Projection("x", "p", np.ones((3, 2)), 0)], [])
    with pytest.raises(MappingError, match="parameter 'threshold' has shape"):
        Network([Input("x", 2)], [Population("p", 3, LIF(threshold=[1, 2]))], [], [])


def test_per_neuron_params_broadcast_and_sparse():
    net = Network([Input("x", 2)], [Population("p", 3, LIF(beta=0.5, threshold=[1, 2, 3]))],
                  [Projection("x", "p", (np.array([0, 2]), np.array([1, 0]), np.array([0.5, -1.0])), 2)],
                  [Output("o", "p")])
    p = net.population("p")
    assert p.neuron.beta.shape == (3,) and p.neuron.threshold.tolist() == [1, 2, 3]
    r, c, v, d = net.projections[0].coo()
    assert r.tolist() == [0, 2] and c.tolist() == [1, 0] and d.tolist() == [2, 2]
    assert net.output_labels() == ["o[0]", "o[1]", "o[2]"]


def test_conv_matches_direct_convolution():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 2, 3, 3))
    x = rng.normal(size=(2, 5, 6))
    (r, c, v, shape), out = conv2d_coo(w, x.shape, stride=2, padding=1)
    y = np.zeros(shape[0])
    np.add.at(y, r, v * x.reshape(-1)[c])
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    direct = np.array([[[np.sum(w[o] * xp[:, 2 * i:2 * i + 3, 2 * j:2 * j + 3]) for j in range(out[2])]
                        for i in range(out[1])] for o in range(3)])
    assert out == (3, 3, 3)
    assert np.allclose(y, direct.reshape(-1))


def test_pool_and_composition():
    (r, c, v, shape), out = pool2d_coo((1, 4, 4), 2, average=True)
    assert out == (1, 2, 2) and np.allclose(v, 0.25)
    m = coo_matmul(dense_coo(np.ones((1, 4))), (r, c, v, shape))
    assert np.isclose(m[2].sum(), 4.0)  # every pixel reaches the output once with weight 1/4
