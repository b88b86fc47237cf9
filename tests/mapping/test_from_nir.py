"""NIR import: the shipped snnTorch export, and graphs built with `nir` covering every supported node."""

import nir
import numpy as np
import pytest

from chip_configs.errors import MappingError
from mapping.from_nir import read_nir
from mapping.reference import run_reference


def test_snntorch_export_reproduces_snntorch_counts(digits_net, digits_samples):
    """The import plus the same_step reference gives snnTorch's own output counts exactly."""
    assert digits_net.metadata["framework"] == "snntorch"
    assert [p.neuron.kind for p in digits_net.populations] == ["LIF", "LIF"]
    r = run_reference(digits_net, digits_samples["inputs"][:60], timing="same_step")
    assert np.array_equal(r.output_counts, digits_samples["snntorch_counts"][:60])


def _lif(shape, beta=0.9, thr=1.0, dt=1e-4):
    tau = np.full(shape, dt / (1 - beta))
    return nir.LIF(tau=tau, r=tau / dt, v_leak=np.zeros(shape), v_threshold=np.full(shape, thr),
                   v_reset=np.zeros(shape))


def _all_nodes_graph():
    rng = np.random.default_rng(0)
    dt = 1e-4
    nodes = {
        "in": nir.Input(input_type=np.array([1, 6, 6])),
        "conv": nir.Conv2d(input_shape=(6, 6), weight=rng.normal(size=(2, 1, 3, 3)), stride=1, padding=1,
                           dilation=1, groups=1, bias=np.array([0.1, -0.1])),
        "lif1": _lif((2, 6, 6)),
        "sum": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
        "avg": nir.AvgPool2d(kernel_size=np.array([3, 3]), stride=np.array([3, 3]), padding=np.array([0, 0])),
        "flat": nir.Flatten(input_type={"input": np.array([2, 1, 1])}, start_dim=0),
        "aff": nir.Affine(weight=rng.normal(size=(4, 2)), bias=np.array([0.5, 0, 0, 0])),
        "cuba": nir.CubaLIF(tau_syn=np.full(4, dt / 0.5), tau_mem=np.full(4, dt / 0.2), r=np.full(4, 1 / 0.2),
                            v_leak=np.zeros(4), v_threshold=np.ones(4), w_in=np.full(4, 1 / 0.5)),
        "rec": nir.Linear(weight=-np.eye(4)),
        "scale": nir.Scale(scale=np.array([2.0, 1, 1, 1])),
        "if": nir.IF(r=np.ones(4), v_threshold=np.ones(4)),
        "lin": nir.Linear(weight=np.ones((3, 4))),
        "li": nir.LI(tau=np.full(3, dt / 0.1), r=np.full(3, 1 / 0.1), v_leak=np.zeros(3)),
        "out_spk": nir.Output(output_type=np.array([4])),
        "out_v": nir.Output(output_type=np.array([3])),
    }
    edges = [("in", "conv"), ("conv", "lif1"), ("lif1", "sum"), ("sum", "avg"), ("avg", "flat"), ("flat", "aff"),
             ("aff", "cuba"), ("cuba", "rec"), ("rec", "cuba"), ("cuba", "scale"), ("scale", "if"),
             ("if", "lin"), ("lin", "li"), ("if", "out_spk"), ("li", "out_v")]
    return nir.NIRGraph(nodes=nodes, edges=edges)


def test_every_node_type_imports():
    net = read_nir(_all_nodes_graph())
    assert [(p.name, p.neuron.kind, p.size) for p in net.populations] == [
        ("lif1", "LIF", 72), ("cuba", "CubaLIF", 4), ("if", "IF", 4), ("li", "LI", 3)]
    byname = {(p.pre, p.post): p for p in net.projections}
    assert set(byname) == {("in", "lif1"), ("lif1", "cuba"), ("cuba", "cuba"), ("cuba", "if"), ("if", "li")}
    cuba = net.population("cuba").neuron
    assert np.allclose(cuba.alpha, 0.5) and np.allclose(cuba.beta, 0.8)
    # CubaLIF input gain (dt w_in / tau_syn)(dt r / tau_mem) = 1 with snnTorch's parameters; Affine bias -> current
    assert np.allclose(cuba.current_bias, [0.5, 0, 0, 0])
    # sum pool (x1 per pixel) then average pool 3x3 (1/9): lif1 -> cuba weights are the Affine's / 9 per pixel
    w = byname[("lif1", "cuba")].dense(4, 72)
    assert np.isclose(w.sum(), _all_nodes_graph().nodes["aff"].weight.sum() * 36 / 9)
    assert byname[("cuba", "cuba")].dense(4, 4).tolist() == (-np.eye(4)).tolist()
    assert not net.is_forward(byname[("cuba", "cuba")])
    assert byname[("cuba", "if")].dense(4, 4)[0, 0] == 2.0  # Scale folded into the weights
    assert np.allclose(net.population("li").neuron.beta, 0.9)
    assert [o.source for o in net.outputs] == ["if", "li"]
    r = run_reference(net, np.ones((5, 36)), timing="same_step")
    assert r.output_spikes.shape == (1, 5, 7)


def test_several_edges_into_one_node_are_summed():
    nodes = {"in": nir.Input(input_type=np.array([2])), "a": nir.Linear(weight=np.eye(2)),
             "b": nir.Linear(weight=2 * np.eye(2)), "lif": _lif(2), "out": nir.Output(output_type=np.array([2]))}
    edges = [("in", "a"), ("in", "b"), ("a", "lif"), ("b", "lif"), ("lif", "out")]
    net = read_nir(nir.NIRGraph(nodes=nodes, edges=edges))
    assert len(net.projections) == 1 and np.allclose(net.projections[0].dense(2, 2), 3 * np.eye(2))


def test_nested_subgraph_is_flattened():
    n = 3
    sub = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([n])), "lif": _lif(n),
                              "w_rec": nir.Linear(weight=np.eye(n) * 0.5), "output": nir.Output(output_type=np.array([n]))},
                       edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")])
    g = nir.NIRGraph(nodes={"in": nir.Input(input_type=np.array([2])), "fc": nir.Linear(weight=np.ones((n, 2))),
                            "rleaky": sub, "out": nir.Output(output_type=np.array([n]))},
                     edges=[("in", "fc"), ("fc", "rleaky"), ("rleaky", "out")])
    net = read_nir(g)
    assert net.population_names == ("rleaky.lif",)
    assert {(p.pre, p.post) for p in net.projections} == {("in", "rleaky.lif"), ("rleaky.lif", "rleaky.lif")}


def test_norse_convention_and_auto_refusal():
    """Norse 1.1 writes tau = dt / tau_mem_inv (dt = 1e-3) and r = 1: tau_mem_inv = 100 steps k = dt * 100."""
    node = nir.LIF(tau=np.full(2, 1e-3 / 100), r=np.ones(2), v_leak=np.full(2, 0.5), v_threshold=np.ones(2))
    g = nir.NIRGraph(nodes={"in": nir.Input(input_type=np.array([2])), "w": nir.Linear(weight=np.eye(2)),
                            "lif": node, "out": nir.Output(output_type=np.array([2]))},
                     edges=[("in", "w"), ("w", "lif"), ("lif", "out")])
    for fw in ("norse", "auto"):
        net = read_nir(g, framework=fw)
        p = net.population("lif").neuron
        assert net.metadata["framework"] == "norse"
        assert np.allclose(p.beta, 0.9) and np.allclose(p.bias, 0.05)  # k * v_leak
        assert np.allclose(net.projections[0].dense(2, 2), 0.1 * np.eye(2))  # k * r
    iaf = nir.NIRGraph(nodes={"in": nir.Input(input_type=np.array([2])), "w": nir.Linear(weight=np.eye(2)),
                              "if": nir.IF(r=np.ones(2), v_threshold=np.ones(2)),
                              "out": nir.Output(output_type=np.array([2]))},
                       edges=[("in", "w"), ("w", "if"), ("if", "out")])
    with pytest.raises(MappingError, match="--framework auto cannot tell.*--framework norse, --framework sinabs"):
        read_nir(iaf)  # Norse and Sinabs both write IF(r = 1)
    assert read_nir(iaf, framework="sinabs").population("if").neuron.spikes == "multi"


def test_unsupported_node_and_parameter_are_named():
    g = nir.NIRGraph(nodes={"in": nir.Input(input_type=np.array([2])), "thr": nir.Threshold(threshold=np.ones(2)),
                            "out": nir.Output(output_type=np.array([2]))}, edges=[("in", "thr"), ("thr", "out")])
    with pytest.raises(MappingError, match=r"node 'thr': type Threshold is not supported; supported: Input"):
        read_nir(g)
    bad = _lif(2)
    bad.v_reset = np.full(2, 0.3)
    g2 = nir.NIRGraph(nodes={"in": nir.Input(input_type=np.array([2])), "w": nir.Linear(weight=np.eye(2)),
                             "lif": bad, "out": nir.Output(output_type=np.array([2]))},
                      edges=[("in", "w"), ("w", "lif"), ("lif", "out")])
    with pytest.raises(MappingError, match=r"node 'lif' \(LIF\): v_reset .* not supported; supported: v_reset = 0"):
        read_nir(g2)


@pytest.mark.parametrize("in_shape, out_shape", [([1, 3], [1, 2]), ([25, 3], [2]), ([1, 3], [1, 1, 2])])
def test_batch_and_time_dimensions_are_normalised_with_a_note(tmp_path, in_shape, out_shape):
    """Norse [1, n], Sinabs [T, n] and Rockpool [1, 1, n] shapes load (nir.read's type check refuses them)."""
    g = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array(in_shape)), "fc": nir.Linear(weight=np.ones((2, 3))),
                            "lif": _lif(2), "output": nir.Output(output_type=np.array(out_shape))},
                     edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")], type_check=False)
    path = tmp_path / "g.nir"
    nir.write(path, g)
    net = read_nir(path, framework="snntorch")
    assert net.n_inputs == 3 and net.n_outputs == 2
    notes = " | ".join(net.metadata["import_notes"])
    assert f"shape {in_shape} read as [3]" in notes
    assert "type check refused" in notes and "Traceback" not in notes


def test_input_shape_that_fits_nothing_is_refused():
    g = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([4, 5])), "fc": nir.Linear(weight=np.ones((2, 3))),
                            "lif": _lif(2), "output": nir.Output(output_type=np.array([2]))},
                     edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")], type_check=False)
    with pytest.raises(MappingError, match=r"node 'input' \(Input\): shape \[4, 5\] does not fit"):
        read_nir(g, framework="snntorch")


@pytest.mark.parametrize("padding, stride", [(1, 1), ("same", 1), (0, 2)])
def test_conv1d_matches_a_direct_convolution(padding, stride):
    rng = np.random.default_rng(3)
    c_in, n, c_out, k = 2, 7, 3, 3
    w, bias = rng.normal(size=(c_out, c_in, k)), rng.normal(size=c_out)
    g = nir.NIRGraph(nodes={"in": nir.Input(input_type=np.array([c_in, n])),
                            "conv": nir.Conv1d(input_shape=n, weight=w, stride=stride, padding=padding, dilation=1,
                                               groups=1, bias=bias),
                            "flat": nir.Flatten(input_type={"input": np.array([c_out, 7])}, start_dim=0),
                            "lif": _lif(1), "out": nir.Output(output_type=np.array([1]))},
                     edges=[("in", "conv"), ("conv", "flat"), ("flat", "lif"), ("lif", "out")], type_check=False)
    pad = 1 if padding == "same" else padding
    n_out = (n + 2 * pad - k) // stride + 1
    g.nodes["lif"] = _lif(c_out * n_out)
    g.nodes["out"] = nir.Output(output_type=np.array([c_out * n_out]))
    net = read_nir(g, framework="snntorch")
    assert net.population("lif").size == c_out * n_out
    x = rng.normal(size=(c_in, n))
    xp = np.pad(x, ((0, 0), (pad, pad)))
    direct = np.array([[np.sum(w[co] * xp[:, o * stride:o * stride + k]) for o in range(n_out)]
                       for co in range(c_out)]).reshape(-1)
    assert np.allclose(net.projections[0].dense(c_out * n_out, c_in * n) @ x.reshape(-1), direct)
    assert np.allclose(net.population("lif").neuron.bias, np.repeat(bias, n_out))


def test_delay_node_becomes_per_synapse_delays():
    """NIR Delay (seconds per element) delays each element by round(delay / dt) steps: per-synapse delays."""
    dt = 1e-4
    g = nir.NIRGraph(nodes={"in": nir.Input(input_type=np.array([3])), "w": nir.Linear(weight=2 * np.eye(3)),
                            "d": nir.Delay(delay=np.array([2 * dt, 0.0, dt])), "lif": _lif(3),
                            "out": nir.Output(output_type=np.array([3]))},
                     edges=[("in", "w"), ("w", "d"), ("d", "lif"), ("lif", "out")])
    net = read_nir(g)
    (proj,) = net.projections
    r, c, v, delay = proj.coo()
    assert sorted(zip(r.tolist(), delay.tolist(), strict=True)) == [(0, 3), (1, 1), (2, 2)]
    x = np.zeros((6, 3))
    x[0] = 1  # one spike on every line at step 0: neuron k fires after its delay
    out = run_reference(net, x, timing="same_step").output_spikes[0]
    assert [int(np.argmax(out[:, k])) for k in range(3)] == [2, 0, 1]
    with pytest.raises(MappingError, match=r"node 'd' \(Delay\): delays .* supported: whole numbers of steps"):
        read_nir(g, framework="euler", dt=3e-5)
