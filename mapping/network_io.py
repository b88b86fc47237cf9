"""A :class:`~mapping.network.Network` saved as one ``.npz`` (so ``neuromesh map`` / ``validate`` can read it).

Layout (format ``neuromesh-network``, version 1; no pickles):

==========================  ==========================================================================
key                         meaning
==========================  ==========================================================================
``network``                 str (JSON): format, version, name, inputs, populations (name, size, neuron
                            kind, reset, which parameters are arrays), projections, outputs, metadata
``pop{k}/{param}``          float64: neuron parameter ``param`` of population k (scalar or per neuron)
``proj{k}/weights``         float64 (post, pre): a dense projection
``proj{k}/rows, cols, values``  a sparse (COO) projection
``proj{k}/delay``           int64: scalar, per synapse or per dense entry
==========================  ==========================================================================
"""

from __future__ import annotations

import io
import json
from dataclasses import fields
from pathlib import Path

import numpy as np

from chip_configs.errors import MappingError
from chip_configs.files import atomic_write_bytes
from chip_configs.npz import json_header, quote, read_npz
from mapping.network import NEURON_TYPES, Input, Network, Output, Population, Projection

FORMAT_NAME = "neuromesh-network"
FORMAT_VERSION = 1


def _neuron_record(k: int, pop: Population, arrays: dict) -> dict:
    params = {}
    for f in fields(pop.neuron):
        value = getattr(pop.neuron, f.name)
        if isinstance(value, str):
            params[f.name] = value
        else:
            arrays[f"pop{k}/{f.name}"] = np.asarray(value, np.float64)
    return {"name": pop.name, "size": int(pop.size), "kind": pop.neuron.kind, "strings": params}


def _projection_record(k: int, proj: Projection, arrays: dict) -> dict:
    if isinstance(proj.weights, tuple):
        for key, arr in zip(("rows", "cols", "values"), proj.weights, strict=True):
            arrays[f"proj{k}/{key}"] = np.asarray(arr)
        sparse = True
    else:
        arrays[f"proj{k}/weights"] = np.asarray(proj.weights, np.float64)
        sparse = False
    arrays[f"proj{k}/delay"] = np.asarray(proj.delay, np.int64)
    return {"pre": proj.pre, "post": proj.post, "sparse": sparse}


def save_network(net: Network, path: str | Path) -> Path:
    """Write ``net`` as a ``.npz`` atomically; :func:`load_network_npz` reads it back."""
    arrays: dict = {}
    header = {
        "format": FORMAT_NAME, "version": FORMAT_VERSION, "name": net.name,
        "inputs": [[x.name, int(x.size)] for x in net.inputs],
        "populations": [_neuron_record(k, p, arrays) for k, p in enumerate(net.populations)],
        "projections": [_projection_record(k, p, arrays) for k, p in enumerate(net.projections)],
        "outputs": [[o.name, o.source] for o in net.outputs],
        "metadata": _json_safe(net.metadata),
    }
    arrays["network"] = np.asarray(json.dumps(header))
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return atomic_write_bytes(path, buf.getvalue())


def _json_safe(meta: dict) -> dict:
    """Metadata entries that JSON can hold (others are dropped: they are informational only)."""
    out = {}
    for key, value in (meta or {}).items():
        try:
            json.dumps(value)
        except TypeError:
            continue
        out[str(key)] = value
    return out


def _read(path: Path) -> dict:
    return read_npz(path, "a saved network (.npz from mapping.network_io.save_network)", MappingError)


def load_network_npz(path: str | Path) -> Network:
    """Read a network written by :func:`save_network`.

    Raises
    ------
    MappingError
        Not a network file (a programmed chip from ``neuromesh map`` is named as such), or another version.
    """
    path = Path(path)
    arrays = _read(path)
    if "network" not in arrays:
        what = ("a programmed chip (MappedNetwork, as `neuromesh map` writes; run it with `neuromesh run`)"
                if "header" in arrays and "core_index" in arrays else f"arrays {sorted(arrays)[:6]}")
        raise MappingError(f"{path}: not a saved mapping.network.Network but {what}; map and validate need the "
                           f"network: a .nir graph, a .py file, or a .npz from mapping.network_io.save_network")
    header = json_header(arrays, "network", path, "a saved network", MappingError)
    if header.get("format") != FORMAT_NAME or header.get("version") != FORMAT_VERSION:
        raise MappingError(f"{path}: format {quote(header.get('format'))} version {quote(header.get('version'))}; "
                           f"this reader takes {FORMAT_NAME!r} version {FORMAT_VERSION}")
    try:
        return _network(header, arrays)
    except KeyError as exc:
        raise MappingError(f"{path}: missing key or array {quote(str(exc))} in the saved network") from None
    except (TypeError, ValueError, IndexError) as exc:
        raise MappingError(f"{path}: malformed saved network: {quote(str(exc), 200)}") from None


def _network(header: dict, arrays: dict) -> Network:
    pops = [_population(k, rec, arrays) for k, rec in enumerate(header["populations"])]
    projs = [_projection(k, rec, arrays) for k, rec in enumerate(header["projections"])]
    return Network([Input(n, s) for n, s in header["inputs"]], pops, projs,
                   [Output(n, s) for n, s in header["outputs"]], name=header["name"],
                   metadata=header.get("metadata", {}))


def _population(k: int, rec: dict, arrays: dict) -> Population:
    cls = NEURON_TYPES[rec["kind"]]
    params = dict(rec["strings"])
    prefix = f"pop{k}/"
    params.update({key[len(prefix):]: arrays[key] for key in arrays if key.startswith(prefix)})
    return Population(rec["name"], rec["size"], cls(**params))


def _projection(k: int, rec: dict, arrays: dict) -> Projection:
    p = f"proj{k}/"
    weights = (tuple(arrays[p + key] for key in ("rows", "cols", "values")) if rec["sparse"]
               else arrays[p + "weights"])
    return Projection(rec["pre"], rec["post"], weights, arrays[p + "delay"])


__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load_network_npz", "save_network"]
