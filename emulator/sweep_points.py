"""The points of a sweep: the grid (or the random draw) in spec order, each with its hash and its chip config.

Spec order: the networks outermost, then the ``vary`` keys, then the ``mapping`` keys, each in the order the
spec lists them, the last key changing fastest (``itertools.product``). A random sweep draws point after point,
key after key, from one generator seeded by ``random.seed``, so the same spec gives the same points.

A point's hash keys its result on disk (:mod:`emulator.sweep_results`): SHA-256 of the canonical JSON of
everything its result depends on (the resolved base chip, the network and samples files' contents, the
sample options, the engine, the limits, the point's values), so a rerun recognises the points it already has,
also after the spec was edited, and recomputes a point whose inputs changed.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chip_configs.schema import ChipConfig, config_from_dict
from emulator.sweep_spec import MAPPING_DEFAULTS, Axis, Range, Spec

HASH_CHARS = 16  # hex digits of the point hash kept in the table (64 bits: no collision in any real sweep)


@dataclass(frozen=True)
class Point:
    """One point of a sweep.

    Attributes
    ----------
    index : int             position in spec order (the row of the results)
    network : str           the network file
    overrides : tuple       ((config path, value), ...) in spec order
    mapping : tuple         ((option, value), ...) in spec order
    hash : str              :data:`HASH_CHARS` hex digits keying the result
    """

    index: int
    network: str
    overrides: tuple
    mapping: tuple
    hash: str

    def values(self, spec: Spec) -> dict:
        """The row's varied columns: ``{column: value}`` (block values as JSON text)."""
        out = {"network": self.network}
        vals = dict(self.overrides) | {f"mapping.{k}": v for k, v in self.mapping}
        for col in spec.columns[1:]:
            v = vals[col]
            out[col] = json.dumps(v, sort_keys=True) if isinstance(v, dict) else v
        return out

    def mapping_options(self) -> dict:
        """Every option of :func:`mapping.evaluate.validate_network`: the defaults, updated by the point's."""
        return MAPPING_DEFAULTS | dict(self.mapping)


def points(spec: Spec) -> list[Point]:
    """Every point of ``spec`` in spec order (the grid, or ``random.n`` draws)."""
    base_key = _base_key(spec)
    rows = _random_rows(spec) if spec.random is not None else _grid_rows(spec)
    return [_point(i, net, vals, spec.axes, base_key) for i, (net, vals) in enumerate(rows)]


def _grid_rows(spec: Spec):
    """(network, values per axis) of the full product, last axis fastest."""
    return [(combo[0], combo[1:]) for combo in itertools.product(spec.networks, *(a.values for a in spec.axes))]


def _random_rows(spec: Spec):
    """``random.n`` draws: network, then each axis in order, from one generator seeded by ``random.seed``."""
    rng = np.random.default_rng(spec.random.seed)
    rows = []
    for _ in range(spec.random.n):
        net = spec.networks[int(rng.integers(len(spec.networks)))]
        rows.append((net, tuple(draw(a, rng) for a in spec.axes)))
    return rows


def draw(axis: Axis, rng: np.random.Generator):
    """One value of ``axis``: a uniformly chosen listed value, or a draw from its range."""
    if axis.range is None:
        return axis.values[int(rng.integers(len(axis.values)))]
    return draw_range(axis.range, rng)


def draw_range(r: Range, rng: np.random.Generator):
    """Uniform in [low, high], or log-uniform: ``exp(U(ln low, ln high))``; integers are rounded to the nearest
    (so every integer of the range can be drawn), as Python ``int`` / ``float`` for stable hashes and JSON."""
    u = float(rng.random())
    v = math.exp(math.log(r.low) + u * (math.log(r.high) - math.log(r.low))) if r.log else r.low + u * (r.high - r.low)
    if r.integer:
        return int(min(max(round(v), r.low), r.high))
    return float(min(max(v, r.low), r.high))


def _point(index: int, network: str, values: tuple, axes: tuple[Axis, ...], base_key: dict) -> Point:
    overrides = tuple((path, v if len(a.paths) == 1 else v[k]) for a, v in zip(axes, values, strict=True)
                      if a.kind == "config" for k, path in enumerate(a.paths))
    mapping = tuple((a.key, v) for a, v in zip(axes, values, strict=True) if a.kind == "mapping")
    key = dict(base_key, network=base_key["networks"][network], overrides=overrides,
               mapping=sorted((MAPPING_DEFAULTS | dict(mapping)).items()))
    del key["networks"]
    text = json.dumps(key, sort_keys=True, separators=(",", ":"), default=str)
    return Point(index, network, overrides, mapping, hashlib.sha256(text.encode()).hexdigest()[:HASH_CHARS])


def _base_key(spec: Spec) -> dict:
    """What every point's result depends on besides its own values."""
    return {"chip": spec.base_dict, "networks": {n: _file_digest(n) for n in spec.networks},
            "samples": _file_digest(spec.samples) if spec.samples else None, "max_samples": spec.max_samples,
            "ticks": spec.ticks, "input_seed": spec.input_seed, "engine": spec.engine,
            "min_agreement": spec.min_agreement}


def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def build_config(base_dict: dict, overrides: tuple, source: str) -> ChipConfig:
    """The point's chip config: the base with each override set at its path (a block's mapping merged into the
    block), validated by the chip schema (:class:`chip_configs.errors.ConfigError` naming ``source``)."""
    data = copy.deepcopy(base_dict)
    for path, value in overrides:
        *parents, leaf = path.split(".")
        node = data
        for p in parents:
            node = node[p]
        if isinstance(value, dict) and isinstance(node.get(leaf), dict):
            node[leaf] = {**node[leaf], **value}
        else:
            node[leaf] = value
    return config_from_dict(data, source)


__all__ = ["HASH_CHARS", "Point", "build_config", "draw", "draw_range", "points"]
