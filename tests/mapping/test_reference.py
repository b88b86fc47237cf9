"""Float reference executor against hand-computed cases."""

import numpy as np
import pytest

from chip_configs.errors import MappingError, SimulationError
from mapping.network import IF, LI, LIF, CubaLIF, Input, Network, Output, Population, Projection
from mapping.reference import run_reference


def one_neuron(neuron, w=1.0, delay=1):
    return Network([Input("x", 1)], [Population("p", 1, neuron)], [Projection("x", "p", [[w]], delay)],
                   [Output("o", "p")])


def test_lif_hand_computed_per_layer_delay():
    # v[t] = 0.5 v[t-1] + x[t-1]; threshold 1.2; input 1 every tick from t = 0.
    # t0: v = 0 (input not arrived); t1: 1; t2: 1.5 > 1.2 spike, v = 0; t3: 1; t4: 1.5 spike
    net = one_neuron(LIF(beta=0.5, threshold=1.2))
    r = run_reference(net, np.ones((5, 1)))
    assert r.output_spikes[0, :, 0].tolist() == [0, 0, 1, 0, 1]
    assert r.output_counts[0, 0] == 2


def test_same_step_timing_has_no_delay():
    # same_step: v[t] = 0.5 v + x[t]: t0: 1; t1: 1.5 spike; t2: 1; t3: 1.5 spike
    r = run_reference(one_neuron(LIF(beta=0.5, threshold=1.2)), np.ones((4, 1)), timing="same_step")
    assert r.output_spikes[0, :, 0].tolist() == [0, 1, 0, 1]


def test_strict_threshold_and_subtract_reset():
    # IF with threshold 1, input 0.5: v = .5, 1.0 (not > 1), 1.5 spike -> subtract: .5; 1.0; 1.5 spike -> .5; 1.0
    net = one_neuron(IF(threshold=1.0, reset="subtract"), w=0.5)
    r = run_reference(net, np.ones((6, 1)), timing="same_step")
    assert r.output_spikes[0, :, 0].tolist() == [0, 0, 1, 0, 1, 0]


def test_cubalif_current_first():
    # i = 0.5 i + x; v = 0.5 v + i; threshold 10 (never); x = 1 at t0 only (same_step)
    # t0: i = 1, v = 1; t1: i = .5, v = 1; t2: i = .25, v = .75
    net = one_neuron(CubaLIF(alpha=0.5, beta=0.5, threshold=10.0))
    net2 = Network(net.inputs, net.populations, net.projections, [Output("o", "p")])
    x = np.zeros((3, 1))
    x[0] = 1
    r = run_reference(net2, x, timing="same_step", record=True)
    assert r.spikes["p"][0, :, 0].tolist() == [0, 0, 0]
    li = one_neuron(LI(beta=0.5))
    v = run_reference(li, x, timing="same_step").output_spikes[0, :, 0]
    assert np.allclose(v, [1.0, 0.5, 0.25])


def test_bias_and_recurrent_self_loop():
    # LIF beta 1, threshold 0.5, bias 0.3 and a self-loop of weight -1 (one tick later, both timings):
    # t0: .3; t1: .6 spike -> 0; t2: .3 - 1 = -.7; t3: -.4; t4: -.1; t5: .2; t6: .5 (not > .5); t7: .8 spike
    pop = Population("p", 1, LIF(beta=1.0, threshold=0.5, bias=0.3))
    net = Network([Input("x", 1)], [pop], [Projection("x", "p", [[0.0]]), Projection("p", "p", [[-1.0]])],
                  [Output("o", "p")])
    for timing in ("same_step", "per_layer_delay"):
        s = run_reference(net, np.zeros((8, 1)), timing=timing).output_spikes[0, :, 0]
        assert s.tolist() == [0, 1, 0, 0, 0, 0, 0, 1], timing


def test_two_layers_shift_by_depth():
    net = Network([Input("x", 2)], [Population("a", 2, LIF(beta=0.9)), Population("b", 1, LIF(beta=0.9))],
                  [Projection("x", "a", np.eye(2) * 1.5), Projection("a", "b", [[1.2, 0.4]])], [Output("o", "b")])
    rng = np.random.default_rng(0)
    x = (rng.random((3, 20, 2)) < 0.5).astype(float)
    same = run_reference(net, x, timing="same_step")
    chip = run_reference(net, x, ticks=22, timing="per_layer_delay")
    assert np.array_equal(same.output_spikes, chip.output_spikes[:, 2:22])
    assert net.depth() == 2


def test_bad_inputs_and_timing_are_clear():
    net = one_neuron(LIF())
    with pytest.raises(SimulationError, match="expected"):
        run_reference(net, np.ones((3, 2)))
    with pytest.raises(MappingError, match="timing"):
        run_reference(net, np.ones((3, 1)), timing="nope")
