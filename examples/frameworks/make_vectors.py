"""Test vectors from the SNN frameworks themselves: each network exported with the framework's own NIR export,
run by the framework on rate-coded 8 x 8 digits, its output spike counts saved next to the inputs.

NOT run by CI and not a project dependency: it needs the frameworks, installed in a scratch environment::

    python3 -m venv /work/scratch-fw && . /work/scratch-fw/bin/activate
    pip install torch==2.13.0        # the CPU build on disk
    pip install snntorch norse sinabs spikingjelly rockpool nir nirtorch scikit-learn
    python examples/frameworks/make_vectors.py tests/data/frameworks

Versions checked: snnTorch 1.0.0, Norse 1.1.0, Sinabs 3.1.3, SpikingJelly 2.0.0, Rockpool 3.1.0 (torch 2.14.1,
which one of them pulled in over 2.13.0). The exporters disagree on nir / nirtorch, so the shipped vectors were
made in three runs of this script (case names as extra arguments):

- snnTorch cases with nir 1.0.8 (its exporter writes ``v_reset``, which nir 1.0.4 does not take; e.g.
  ``pip install --target DIR --no-deps nir==1.0.8`` and ``PYTHONPATH=DIR``: ``snntorch_leaky_subtract``, Leaky
  with snnTorch's default subtractive reset, was made so, and ``snntorch_leaky`` came out byte-identical);
- Norse, Sinabs, Rockpool cases with nir 1.0.4 and nirtorch 2.0.2 (Sinabs pins nir <= 1.0.4; with 1.0.8 the
  graphs with batch/time dimensions are refused when built, which is how users meet them in files);
- SpikingJelly cases (MLPs, a CNN, a Conv1d network; the last two with fixed random weights, as the check is
  agreement, not accuracy) with nir 1.0.8 and nirtorch 2.6 (SpikingJelly's exporter needs ``type_check=``).

lava-dl needs Python < 3.11 and is not covered.

Weights: one ReLU MLP 64-32-10 trained by scikit-learn on the digits, converted to spiking layers by
data-based normalisation (each layer's weights divided by the 99th percentile of its activations, so
thresholds of 1 give rates in [0, 1]), the same float32 weights for every framework. Per case
``<name>.nir`` and ``<name>.npz``: ``inputs`` [samples, 25, 64] uint8 spikes (p = pixel / 16 per step, seed 0),
``labels``, ``reference_counts`` [samples, 10] (the framework's own output spike counts; for the LI readout
cases ``reference_readout``, its output membrane summed over the steps, instead) and, from a single
neuron driven by a constant input of ``trace_input`` per step for 12 steps, ``trace`` (its spikes per step).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

T, N_SAMPLES, HIDDEN, TRACE_STEPS, TRACE_INPUT = 25, 60, 32, 12, 0.6


def digits():
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    d = load_digits()
    x, y = d.data / 16.0, d.target
    mlp = MLPClassifier(hidden_layer_sizes=(HIDDEN,), max_iter=600, random_state=0).fit(x[:1400], y[:1400])
    w1, b1 = mlp.coefs_[0].T, mlp.intercepts_[0]
    w2, b2 = mlp.coefs_[1].T, mlp.intercepts_[1]
    h = np.maximum(x[:1400] @ w1.T + b1, 0)
    lam1 = np.percentile(h, 99)
    lam2 = np.percentile(np.maximum((h / lam1) @ (w2 * 1).T + b2 / 1, 0), 99)
    w1, b1 = w1 / lam1, b1 / lam1
    w2, b2 = w2 / lam2, b2 / lam2
    rng = np.random.default_rng(0)
    xs, ys = x[1400:1400 + N_SAMPLES], y[1400:1400 + N_SAMPLES]
    spikes = (rng.random((N_SAMPLES, T, 64)) < xs[:, None, :]).astype(np.uint8)
    f = np.float32
    return spikes, ys, (f(w1), f(b1), f(w2), f(b2))


def _load_linear(lin, w, b):
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(w))
        if lin.bias is not None and b is not None:
            lin.bias.copy_(torch.tensor(b))


# ----- snnTorch ---------------------------------------------------------------------------------------


def snntorch_case(kind: str, weights):
    import snntorch as snn
    from snntorch import utils as sutils
    from snntorch.export_nir import export_to_nir

    w1, b1, w2, b2 = weights

    # snnTorch's own default reset is subtraction ("leaky_subtract"); the others reset to zero
    reset = "subtract" if kind == "leaky_subtract" else "zero"

    def cell(n, output=False):
        # per-neuron parameters: the exporter writes scalar ones without a shape, which nir then refuses
        beta, alpha, thr = torch.full((n,), 0.9), torch.full((n,), 0.5), torch.ones(n)
        if kind == "synaptic":
            return snn.Synaptic(alpha=alpha, beta=beta, threshold=thr, init_hidden=True, reset_mechanism="zero",
                                output=output)
        if kind == "rleaky" and not output:
            return snn.RLeaky(beta=beta, threshold=thr, linear_features=n, init_hidden=True, reset_mechanism="zero")
        return snn.Leaky(beta=beta, threshold=thr, init_hidden=True, reset_mechanism=reset, output=output)

    torch.manual_seed(0)
    l1, l2 = torch.nn.Linear(64, HIDDEN), torch.nn.Linear(HIDDEN, 10)
    _load_linear(l1, w1, b1)
    _load_linear(l2, w2, b2)
    net = torch.nn.Sequential(l1, cell(HIDDEN), l2, cell(10, output=True))
    if kind == "rleaky":
        with torch.no_grad():
            net[1].recurrent.weight.mul_(0.1)

    def run(x):
        sutils.reset(net)
        out = []
        with torch.no_grad():
            for t in range(x.shape[1]):
                r = net(torch.tensor(x[:, t], dtype=torch.float32))
                out.append(r[0])
        return torch.stack(out, 1).numpy()

    graph = export_to_nir(net, torch.zeros(64))

    def trace():
        c = cell(1, output=True) if kind != "rleaky" else snn.RLeaky(
            beta=torch.full((1,), 0.9), threshold=torch.ones(1), linear_features=1, init_hidden=True,
            reset_mechanism="zero", output=True)
        if kind == "rleaky":
            with torch.no_grad():
                c.recurrent.weight.zero_()
                c.recurrent.bias.zero_()
        sutils.reset(c)
        s = []
        with torch.no_grad():
            for _ in range(TRACE_STEPS):
                s.append(float(c(torch.full((1, 1), TRACE_INPUT))[0]))
        unit = torch.nn.Linear(1, 1)
        _load_linear(unit, np.ones((1, 1), np.float32), np.zeros(1, np.float32))
        g = export_to_nir(torch.nn.Sequential(unit, c), torch.zeros(1))
        return np.array(s), g

    return graph, run, trace


# ----- Norse -----------------------------------------------------------------------------------------------


def norse_case(kind: str, weights):
    import norse.torch as norse

    w1, b1, w2, b2 = weights
    cell = {"lifbox": lambda: norse.LIFBoxCell(), "lif": lambda: norse.LIFCell()}[kind]
    l1, l2 = torch.nn.Linear(64, HIDDEN), torch.nn.Linear(HIDDEN, 10)
    gain = 10.0 if kind == "lifbox" else 2.0  # Norse's dt * tau_mem_inv = 0.1 scales the input
    _load_linear(l1, w1 * gain, b1 * gain)
    _load_linear(l2, w2 * gain, b2 * gain)
    net = norse.SequentialState(l1, cell(), l2, cell())

    def run(x):
        state, out = None, []
        with torch.no_grad():
            for t in range(x.shape[1]):
                z, state = net(torch.tensor(x[:, t], dtype=torch.float32), state)
                out.append(z)
        return torch.stack(out, 1).numpy()

    graph = norse.to_nir(net, torch.zeros(1, 64))
    return graph, run, None


def norse_readout_case(kind: str, weights):
    """Norse LIFBoxCell hidden layer and an LIBoxCell readout (no spikes: the output is the membrane)."""
    import norse.torch as norse

    w1, b1, w2, b2 = weights
    l1, l2 = torch.nn.Linear(64, HIDDEN), torch.nn.Linear(HIDDEN, 10)
    _load_linear(l1, w1 * 10.0, b1 * 10.0)
    _load_linear(l2, w2, b2)
    net = norse.SequentialState(l1, norse.LIFBoxCell(), l2, norse.LIBoxCell())

    def run(x):
        state, out = None, []
        with torch.no_grad():
            for t in range(x.shape[1]):
                z, state = net(torch.tensor(x[:, t], dtype=torch.float32), state)
                out.append(z)
        return torch.stack(out, 1).numpy()

    return norse.to_nir(net, torch.zeros(1, 64)), run, None


# ----- Sinabs ----------------------------------------------------------------------------------------


def _sinabs_runner(net):
    """The forward pass of a Sinabs ``Sequential`` over a whole batch ``x`` [batch, T, 64], its layers' states
    reset first (Sinabs layers keep their state between calls)."""

    def run(x):
        for m in net:
            if hasattr(m, "reset_states"):
                m.reset_states()
        with torch.no_grad():
            return net(torch.tensor(x, dtype=torch.float32)).numpy()

    return run


def sinabs_case(kind: str, weights):
    import sinabs.layers as sl
    from sinabs.activation import MultiSpike, SingleSpike
    from sinabs.nir import to_nir

    w1, b1, w2, b2 = weights
    neuron, spikes = kind.split("_")
    fn = MultiSpike if spikes == "multi" else SingleSpike

    def cell():
        return sl.IAF(spike_fn=fn) if neuron == "iaf" else sl.LIF(tau_mem=5.0, spike_fn=fn)

    gain = 1.0 if neuron == "iaf" else 6.0  # norm_input scales the input by 1 - exp(-1/5)
    l1, l2 = torch.nn.Linear(64, HIDDEN), torch.nn.Linear(HIDDEN, 10)
    _load_linear(l1, w1 * gain, b1 * gain)
    _load_linear(l2, w2 * gain, b2 * gain)
    net = torch.nn.Sequential(l1, cell(), l2, cell())

    run = _sinabs_runner(net)
    run(np.zeros((1, T, 64)))
    graph = to_nir(net, torch.zeros(1, T, 64))
    return graph, run, None


def sinabs_readout_case(kind: str, weights):
    """Sinabs IAF hidden layer (its defaults) and an ExpLeak readout (tau 5 steps, its default norm_input=False)."""
    import sinabs.layers as sl
    from sinabs.nir import to_nir

    w1, b1, w2, b2 = weights
    l1, l2 = torch.nn.Linear(64, HIDDEN), torch.nn.Linear(HIDDEN, 10)
    _load_linear(l1, w1, b1)
    _load_linear(l2, w2, b2)
    net = torch.nn.Sequential(l1, sl.IAF(), l2, sl.ExpLeak(tau_mem=5.0))

    run = _sinabs_runner(net)
    run(np.zeros((1, T, 64)))
    return to_nir(net, torch.zeros(1, T, 64)), run, None


# ----- SpikingJelly -------------------------------------------------------------------------------------


def spikingjelly_case(kind: str, weights):
    from spikingjelly.activation_based import functional, neuron
    from spikingjelly.activation_based.nir_exchange import export_to_nir

    w1, b1, w2, b2 = weights

    def cell():
        return neuron.IFNode() if kind == "if" else neuron.LIFNode(tau=2.0)

    gain = 1.0 if kind == "if" else 2.0
    l1, l2 = torch.nn.Linear(64, HIDDEN), torch.nn.Linear(HIDDEN, 10)
    _load_linear(l1, w1 * gain, b1 * gain)
    _load_linear(l2, w2 * gain, b2 * gain)
    net = torch.nn.Sequential(l1, cell(), l2, cell())

    def run(x):
        functional.reset_net(net)
        out = []
        with torch.no_grad():
            for t in range(x.shape[1]):
                out.append(net(torch.tensor(x[:, t], dtype=torch.float32)))
        functional.reset_net(net)
        return torch.stack(out, 1).numpy()

    graph = export_to_nir(net, torch.zeros(1, 64))
    functional.reset_net(net)
    return graph, run, None


# ----- Rockpool ----------------------------------------------------------------------------------------------


def rockpool_case(kind: str, weights):
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LIFTorch, LinearTorch
    from rockpool.nn.modules.torch.nir import to_nir

    w1, b1, w2, b2 = weights
    gain = 1.0
    net = Sequential(LinearTorch((64, HIDDEN), weight=torch.tensor(w1.T * gain), bias=torch.tensor(b1 * gain),
                                 has_bias=True),
                     LIFTorch(HIDDEN, tau_mem=0.02, tau_syn=0.002, dt=1e-3),
                     LinearTorch((HIDDEN, 10), weight=torch.tensor(w2.T * gain), bias=torch.tensor(b2 * gain),
                                 has_bias=True),
                     LIFTorch(10, tau_mem=0.02, tau_syn=0.002, dt=1e-3))

    def run(x):
        net.reset_state()
        with torch.no_grad():
            out, _, _ = net(torch.tensor(x, dtype=torch.float32))
        return out.detach().numpy()

    graph = to_nir(net, torch.zeros(1, 64))
    return graph, run, None


# ----- convolutional networks (fixed random weights: the check is agreement, not accuracy) ------------------


def _conv_weights(shape, scale, seed):
    return (np.random.default_rng(seed).normal(size=shape) * scale).astype(np.float32)


def cnn_case(kind: str, weights):
    """SpikingJelly Conv2d(1->4, 3x3, pad 1) - IF - AvgPool 2x2 - Flatten - Linear(64->10) - IF on 1 x 8 x 8 digits.
    (Sinabs 3.1.3's export of the same network cannot be written: nir.write fails on its Conv2d's empty shape.)"""
    conv, lin = torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.Linear(64, 10)
    _load_linear(conv, _conv_weights((4, 1, 3, 3), 0.6, 1), np.zeros(4, np.float32))
    _load_linear(lin, _conv_weights((10, 64), 0.5, 2), np.zeros(10, np.float32))
    from spikingjelly.activation_based import functional, neuron
    from spikingjelly.activation_based.nir_exchange import export_to_nir

    net = torch.nn.Sequential(conv, neuron.IFNode(), torch.nn.AvgPool2d(2), torch.nn.Flatten(), lin, neuron.IFNode())

    def run_sj(x):
        functional.reset_net(net)
        out = []
        with torch.no_grad():
            for t in range(x.shape[1]):
                out.append(net(torch.tensor(x[:, t], dtype=torch.float32).reshape(-1, 1, 8, 8)))
        functional.reset_net(net)
        return torch.stack(out, 1).numpy()

    graph = export_to_nir(net, torch.zeros(1, 1, 8, 8))
    functional.reset_net(net)
    return graph, run_sj, None


def conv1d_case(kind: str, weights):
    """SpikingJelly Conv1d(8->4, k 3, pad 1) over the 8 rows of a digit as channels, IF - Flatten - Linear - IF."""
    from spikingjelly.activation_based import functional, neuron
    from spikingjelly.activation_based.nir_exchange import export_to_nir

    conv, lin = torch.nn.Conv1d(8, 4, 3, padding=1), torch.nn.Linear(32, 10)
    _load_linear(conv, _conv_weights((4, 8, 3), 0.5, 3), np.zeros(4, np.float32))
    _load_linear(lin, _conv_weights((10, 32), 0.6, 4), np.zeros(10, np.float32))
    net = torch.nn.Sequential(conv, neuron.IFNode(), torch.nn.Flatten(), lin, neuron.IFNode())

    def run(x):
        functional.reset_net(net)
        out = []
        with torch.no_grad():
            for t in range(x.shape[1]):
                out.append(net(torch.tensor(x[:, t], dtype=torch.float32).reshape(-1, 8, 8)))
        functional.reset_net(net)
        return torch.stack(out, 1).numpy()

    graph = export_to_nir(net, torch.zeros(1, 8, 8))
    functional.reset_net(net)
    return graph, run, None


CASES = {
    "snntorch_leaky": (snntorch_case, "leaky", "snntorch"),
    "snntorch_synaptic": (snntorch_case, "synaptic", "snntorch"),
    "snntorch_rleaky": (snntorch_case, "rleaky", "snntorch"),
    # snnTorch's default reset_mechanism="subtract" (the exporter writes v_reset = 0 whatever it was: read with
    # --reset subtract)
    "snntorch_leaky_subtract": (snntorch_case, "leaky_subtract", "snntorch"),
    "norse_lifbox": (norse_case, "lifbox", "norse"),
    "norse_lif": (norse_case, "lif", "norse"),
    "sinabs_iaf_multi": (sinabs_case, "iaf_multi", "sinabs"),
    "sinabs_iaf_single": (sinabs_case, "iaf_single", "sinabs"),
    "sinabs_lif_multi": (sinabs_case, "lif_multi", "sinabs"),
    "sinabs_lif_single": (sinabs_case, "lif_single", "sinabs"),
    "spikingjelly_if": (spikingjelly_case, "if", "spikingjelly"),
    "spikingjelly_lif": (spikingjelly_case, "lif", "spikingjelly"),
    "rockpool_lif": (rockpool_case, "lif", "rockpool"),
    "spikingjelly_cnn": (cnn_case, "spikingjelly", "spikingjelly"),
    "spikingjelly_conv1d": (conv1d_case, "conv1d", "spikingjelly"),
    # LI readouts (no spikes): the npz carries reference_readout, the framework's output summed over the steps
    "norse_li_readout": (norse_readout_case, "li", "norse"),
    "sinabs_expleak_readout": (sinabs_readout_case, "expleak", "sinabs"),
}


def main(out_dir: str, only: list[str]) -> None:
    import nir

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spikes, labels, weights = digits()
    for name, (make, kind, framework) in CASES.items():
        if only and name not in only:
            continue
        graph, run, trace = make(kind, weights)
        counts = run(spikes).sum(axis=1)
        extra = {}
        if trace is not None:
            tr, tgraph = trace()
            extra = {"trace": tr.astype(np.uint8), "trace_input": np.float64(TRACE_INPUT)}
            nir.write(out / f"{name}_neuron.nir", tgraph)
        nir.write(out / f"{name}.nir", graph)
        if name.endswith("_readout"):
            extra["reference_readout"] = counts.astype(np.float64)
        else:
            extra["reference_counts"] = np.rint(counts).astype(np.int64)
        np.savez_compressed(out / f"{name}.npz", inputs=spikes, labels=labels.astype(np.int64),
                            framework=np.str_(framework), **extra)
        acc = float(np.mean(np.argmax(counts, 1) == labels))
        print(f"{name}: accuracy {acc:.3f}, mean output count {counts.mean():.2f}"
              + (f", trace {''.join(str(int(v)) for v in extra['trace'])}" if "trace" in extra else ""))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/frameworks", sys.argv[2:])
