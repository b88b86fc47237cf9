"""Train a small spiking classifier on scikit-learn's bundled 8x8 digits with snnTorch and export it to NIR.

Needs torch (CPU) and snnTorch, which the NeuroMesh package and its tests do not::

    pip install torch==2.13.0 snntorch
    python examples/digits/train.py            # writes digits_snntorch.nir and digits_samples.npz here

Network: 64 inputs (pixels as Bernoulli spike trains, p = pixel / 16 per step, T steps) -> Linear(64, 128)
-> Leaky(beta) -> Linear(128, 10) -> Leaky(beta); the class is the output neuron with most spikes.
The neurons reset to zero (``reset_mechanism="zero"``) because snnTorch's NIR exporter always writes
``v_reset = 0``: training with the default subtraction would export a different network.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def encode(x: np.ndarray, ticks: int, seed: int) -> np.ndarray:
    """Rate code: spike with probability ``pixel / 16`` per tick; int8 [batch, ticks, 64]."""
    rng = np.random.default_rng(seed)
    p = np.clip(x / 16.0, 0.0, 1.0)
    return (rng.random((x.shape[0], ticks, x.shape[1])) < p[:, None, :]).astype(np.int8)


def load_split(seed: int = 0):
    """The digits data split 80/20 with a fixed permutation; returns (x_train, y_train, x_test, y_test)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    order = np.random.default_rng(seed).permutation(len(d.target))
    x, y = d.data[order].astype(np.float64), d.target[order].astype(np.int64)
    cut = int(0.8 * len(y))
    return x[:cut], y[:cut], x[cut:], y[cut:]


def build(beta: float, hidden: int):
    import snntorch as snn
    import torch

    # Per-neuron beta and threshold: snnTorch's exporter cannot type scalar parameters.
    def leaky(n: int, **kw):
        return snn.Leaky(beta=torch.full((n,), beta), threshold=torch.ones(n), init_hidden=True,
                         reset_mechanism="zero", **kw)

    return torch.nn.Sequential(torch.nn.Linear(64, hidden), leaky(hidden), torch.nn.Linear(hidden, 10),
                               leaky(10, output=True))


def forward_counts(net, spikes):
    """Output spike counts [batch, 10] for input spikes [batch, ticks, 64] (snnTorch timing)."""
    import snntorch.utils as sutils

    sutils.reset(net)
    counts = 0
    for t in range(spikes.shape[1]):
        spk, _ = net(spikes[:, t])
        counts = counts + spk
    return counts


def train(args) -> None:
    import torch

    torch.manual_seed(args.seed)
    xtr, ytr, xte, yte = load_split(args.seed)
    net = build(args.beta, args.hidden)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        spikes = torch.tensor(encode(xtr, args.ticks, args.seed + 1 + epoch), dtype=torch.float32)
        target = torch.tensor(ytr)
        perm = torch.randperm(len(ytr))
        for k in range(0, len(ytr), args.batch):
            idx = perm[k:k + args.batch]
            counts = forward_counts(net, spikes[idx])
            loss = loss_fn(counts * args.logit_scale, target[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        acc = evaluate(net, xte, yte, args)
        print(f"epoch {epoch + 1:2d}: loss {loss.item():.3f}  test accuracy {acc:.3f}")
    export(net, xte, yte, args)


def evaluate(net, x, y, args) -> float:
    import torch

    with torch.no_grad():
        spikes = torch.tensor(encode(x, args.ticks, args.sample_seed), dtype=torch.float32)
        pred = forward_counts(net, spikes).argmax(dim=1).numpy()
    return float((pred == y).mean())


def export(net, xte, yte, args) -> None:
    import nir
    import torch
    from snntorch.export_nir import export_to_nir

    graph = export_to_nir(net, torch.zeros(1, 64), ignore_dims=[0])
    nir.write(str(HERE / "digits_snntorch.nir"), graph)
    inputs = encode(xte, args.ticks, args.sample_seed)
    with torch.no_grad():
        counts = forward_counts(net, torch.tensor(inputs, dtype=torch.float32)).numpy()
    # snntorch_counts: the framework's own output spike counts, so tests can check the import without torch.
    np.savez_compressed(HERE / "digits_samples.npz", inputs=inputs, labels=yte.astype(np.int64),
                        snntorch_counts=counts.astype(np.int64),
                        encoding=np.asarray(f"bernoulli p=pixel/16, ticks={args.ticks}, seed={args.sample_seed}"))
    print(f"wrote {HERE / 'digits_snntorch.nir'} and digits_samples.npz ({len(yte)} samples, {args.ticks} ticks)")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--ticks", type=int, default=25, help="time steps per sample")
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--beta", type=float, default=0.9)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--logit-scale", type=float, default=0.5, help="spike counts x this are the logits")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sample-seed", type=int, default=1234, help="seed of the shipped test spike trains")
    train(p.parse_args(argv))


if __name__ == "__main__":
    main()
