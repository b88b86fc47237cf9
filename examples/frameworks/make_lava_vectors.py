"""Test vectors from lava-dl (SLAYER CUBA), exported as lava-dl exports (netx HDF5) and converted to NIR by the NIR
project's netx reader, run by lava-dl itself on the rate-coded 8 x 8 digits of ``make_vectors.py``.

NOT run by CI and not a project dependency. lava-dl 0.6 needs Python < 3.11, so it lives in its own scratch
environment (here pyenv's 3.10)::

    python3.10 -m venv /work/scratch-lava && /work/scratch-lava/bin/pip install lava-dl nir scikit-learn
    /work/scratch-lava/bin/python examples/frameworks/make_lava_vectors.py LAVA_TO_NIR tests/data/frameworks

``LAVA_TO_NIR`` is the NIR repository's ``docs/source/examples/lava/lava_to_nir.py`` (the netx-to-NIR converter
NIR documents for lava-dl; it is not shipped in a package, so pass the path of a checkout; it is run, not
copied). Versions checked: lava-dl 0.6.0, lava-nc 0.10.0, torch 2.3.1, nir 1.0.8.

The network: the digits MLP of ``make_vectors.py`` (64-32-10) as two ``slayer.block.cuba.Dense`` blocks with
lava-dl's defaults (8-bit weights through the block's ``quantize_8bit`` hook, which the export writes as they
were used; no bias: SLAYER's Dense has none), ``current_decay`` 0.5, ``voltage_decay`` 0.1, threshold 1.
``delay_shift=False``: SLAYER then steps every layer within the time step, the timing the float reference's
``same_step`` reproduces (with the default, each layer's output is shifted one step, as on the chip).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def lava_network(w1: np.ndarray, w2: np.ndarray):
    import lava.lib.dl.slayer as slayer

    params = {"threshold": 1.0, "current_decay": 0.5, "voltage_decay": 0.1, "requires_grad": False}
    blocks = torch.nn.ModuleList([slayer.block.cuba.Dense(params, 64, 32, delay_shift=False),
                                  slayer.block.cuba.Dense(params, 32, 10, delay_shift=False)])
    with torch.no_grad():
        for block, w in zip(blocks, (w1, w2), strict=True):
            block.synapse.weight.copy_(torch.tensor(w, dtype=torch.float32).reshape(block.synapse.weight.shape))
    return blocks


def main(converter: str, out_dir: str) -> None:
    import h5py
    import nir

    vectors = _module(HERE / "make_vectors.py", "make_vectors")
    to_nir = _module(Path(converter), "lava_to_nir")
    spikes, labels, (w1, _, w2, _) = vectors.digits()
    blocks = lava_network(0.5 * w1, 0.5 * w2)  # the current accumulates 1 / (1 - 0.5): half the input gain
    x = torch.tensor(spikes, dtype=torch.float32).permute(0, 2, 1)  # SLAYER: [batch, neurons, time]
    with torch.no_grad():
        out = blocks[1](blocks[0](x))
    counts = out.sum(-1).numpy()
    out_path = Path(out_dir)
    net_file = out_path / "lavadl_cuba.net"
    with h5py.File(net_file, "w") as f:
        layer = f.create_group("layer")
        for i, block in enumerate(blocks):
            block.export_hdf5(layer.create_group(f"{i}"))
    graph = to_nir.read_node(h5py.File(net_file, "r")["layer"])
    # the converter names its nodes 0, 1, ... (nir adds 'input_0' and 'output_3'): names as strings for nir.write
    nodes = {str(k): v for k, v in graph.nodes.items()}
    edges = [(str(a), str(b)) for a, b in graph.edges]
    nir.write(out_path / "lavadl_cuba.nir", nir.NIRGraph(nodes=nodes, edges=edges, type_check=False))
    net_file.unlink()
    np.savez_compressed(out_path / "lavadl_cuba.npz", inputs=spikes, labels=labels.astype(np.int64),
                        reference_counts=np.rint(counts).astype(np.int64), framework=np.str_("lava-dl"))
    print(f"lavadl_cuba: accuracy {np.mean(np.argmax(counts, 1) == labels):.3f}, mean count {counts.mean():.2f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "tests/data/frameworks")
