"""The sweep spec: a YAML file naming a base chip, the networks, the samples, and what to vary.

```yaml
chip: loihi                                    # base chip config (file or preset)
network: examples/digits/digits_snntorch.nir   # NIR / .py / .npz network, or a list of them
samples: examples/digits/digits_samples.npz    # optional: functional agreement, accuracy, energy, latency
max_samples: 50
engine: loads                                  # any engine name `neuromesh run` accepts (default: fast)
vary:                                          # chip-config field paths -> values; the grid is the product
  noc.buffer_depth_flits: [2, 4, 8]
  core.neurons_per_core: [256, 1024]
mapping:                                       # mapping options -> values, also in the product
  placer: [greedy, anneal]
  seed: [0, 1]
random: {n: 200, seed: 0}                      # optional: n points drawn instead of the full grid
```

With ``random``, each varied key is drawn independently per point: from its list (uniformly), or from a range
``{low, high, log: false}`` (uniform, or log-uniform with ``log: true``; integers when ``low`` and ``high`` are
both integers). A scalar instead of a list fixes the key for every point. A path may name a whole block
(``energy``): its values are then mappings merged into the base block. Paths joined by ``+`` are set together,
each value a list of one value per path (operating points: ``timing.syn_op_ns + energy.syn_op_pj:
[[2.5, 33.0], [5.0, 17.0]]``).

Validation follows the chip configs': every problem is listed at once, each with the file, the field path,
the value received and what is allowed (:class:`SpecError`). The varied *values* are checked later, per
point, against the chip schema: a point whose config is invalid becomes a row with its error, not a crash.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chip_configs.errors import ConfigError, NeuroMeshError
from chip_configs.npz import quote
from chip_configs.schema import ChipConfig, config_to_dict, load_config
from chip_configs.yaml_io import format_validation_error, load_yaml_mapping, parse_yaml
from emulator.loops import ENGINE_NAMES
from mapping.placement import PLACERS


class SpecError(NeuroMeshError):
    """A sweep spec is missing, unparsable or invalid: one line per problem (field path, value, allowed)."""

    def __init__(self, problems: list[str] | str, source: str = "<spec>"):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        n = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {n} problem{'s' if n != 1 else ''} in sweep spec:\n{lines}")


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RandomSpec(_Block):
    """Draw ``n`` points with a generator seeded by ``seed`` instead of taking the full grid."""

    n: Annotated[int, Field(ge=1, le=1_000_000)]
    seed: Annotated[int, Field(ge=0)] = 0


class SpecModel(_Block):
    """The top level of a sweep spec (the ``vary`` and ``mapping`` entries are checked by :func:`_axes`)."""

    chip: Annotated[str, Field(min_length=1)]
    network: str | Annotated[list[str], Field(min_length=1)]
    samples: str | None = None
    max_samples: Annotated[int | None, Field(ge=1)] = None
    ticks: Annotated[int, Field(ge=1, le=100_000)] = 25
    input_seed: Annotated[int, Field(ge=0)] = 0
    engine: str = "fast"
    min_agreement: Annotated[float, Field(ge=0.0, le=1.0, strict=False)] = 0.95
    vary: dict[str, Any] = {}
    mapping: dict[str, Any] = {}
    random: RandomSpec | None = None


@dataclass(frozen=True)
class Range:
    """A sampling range: uniform in [low, high], or log-uniform (``log``); integers when ``integer``."""

    low: float
    high: float
    log: bool = False
    integer: bool = False


@dataclass(frozen=True)
class Axis:
    """One varied key: ``kind`` 'config' (a chip-config field path) or 'mapping' (a mapping option); its
    ``values`` (a tuple) or its ``range`` (random sampling only)."""

    kind: str
    key: str
    values: tuple = ()
    range: Range | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        """The config paths the axis sets: one, or several joined by ``+`` (set together, value by value)."""
        return tuple(k.strip() for k in self.key.split("+")) if self.kind == "config" else ()

    @property
    def columns(self) -> tuple[str, ...]:
        """The results columns: each config path as given, a mapping option as ``mapping.<name>``."""
        return self.paths if self.kind == "config" else (f"mapping.{self.key}",)


@dataclass(frozen=True)
class Spec:
    """A validated sweep spec: the base chip (config and plain dict), the networks, samples and options, and
    the axes in spec order (config paths first, then mapping options)."""

    source: str
    base: ChipConfig
    base_dict: dict
    networks: tuple[str, ...]
    samples: str | None
    max_samples: int | None
    ticks: int
    input_seed: int
    engine: str
    min_agreement: float
    axes: tuple[Axis, ...]
    random: RandomSpec | None

    @property
    def columns(self) -> tuple[str, ...]:
        """The varied columns of the results: the network, then each axis."""
        return ("network", *(c for a in self.axes for c in a.columns))


def _check_positive_int(v) -> str | None:
    return None if isinstance(v, int) and not isinstance(v, bool) and v >= 1 else "an integer >= 1"


def _check_seed(v) -> str | None:
    return None if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else "an integer >= 0"


def _check_placer(v) -> str | None:
    return None if v in PLACERS else ", ".join(sorted(PLACERS))


def _check_copies(v) -> str | None:
    return None if v == "auto" or _check_positive_int(v) is None else "'auto' or an integer >= 1"


def _check_cost(v) -> str | None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
    return None if ok else "a finite number >= 0"


def _check_npc(v) -> str | None:
    return None if v is None or _check_positive_int(v) is None else "null (fill the cores) or an integer >= 1"


# Mapping options by name: a checker returning None when the value is allowed, else what is allowed. They are
# the knobs of mapping.evaluate.validate_network (and of `neuromesh validate`).
MAPPING_OPTIONS = {
    "placer": _check_placer,
    "seed": _check_seed,
    "neurons_per_core": _check_npc,
    "axon_copies": _check_copies,
    "bit_cost": _check_cost,
}
MAPPING_DEFAULTS = {"placer": "anneal", "seed": 0, "neurons_per_core": None, "axon_copies": "auto", "bit_cost": 0.0}


def load_spec(path: str | Path) -> Spec:
    """Read and validate a sweep spec YAML file (relative paths in it are relative to the working directory)."""
    try:
        data = load_yaml_mapping(Path(path))
    except NeuroMeshError as exc:
        raise SpecError(getattr(exc, "problems", [str(exc)]), str(path)) from None
    return spec_from_dict(data, str(path))


def loads_spec(text: str, source: str = "<string>") -> Spec:
    """Validate a sweep spec given as YAML text."""
    try:
        data = parse_yaml(text, source)
    except NeuroMeshError as exc:
        raise SpecError(getattr(exc, "problems", [str(exc)]), source) from None
    return spec_from_dict(data, source)


def spec_from_dict(data: Any, source: str = "<dict>") -> Spec:
    """Validate a plain mapping into a :class:`Spec`; every problem at once in one :class:`SpecError`."""
    if not isinstance(data, dict):
        raise SpecError(f"<root>: expected a mapping (chip, network, vary, ...), got {type(data).__name__}", source)
    try:
        model = SpecModel.model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(exc, SpecModel, data), source) from None
    problems = _file_problems(model)
    base = _base_config(model.chip, problems)
    base_dict = config_to_dict(base) if base is not None else {}
    axes = _axes(model, base_dict, problems) if base is not None else ()
    if model.engine not in ENGINE_NAMES:
        problems.append(f"engine: received {quote(model.engine)}; allowed: {', '.join(ENGINE_NAMES)}")
    if problems:
        raise SpecError(problems, source)
    networks = tuple([model.network] if isinstance(model.network, str) else model.network)
    return Spec(source, base, base_dict, networks, model.samples, model.max_samples, model.ticks, model.input_seed,
                model.engine, float(model.min_agreement), axes, model.random)


def _file_problems(model: SpecModel) -> list[str]:
    """Missing network / samples files, and repeated networks."""
    problems = []
    nets = [model.network] if isinstance(model.network, str) else model.network
    for i, n in enumerate(nets):
        where = "network" if isinstance(model.network, str) else f"network[{i}]"
        if not Path(n).is_file():
            problems.append(f"{where}: file not found: {n}")
        elif n in nets[:i]:
            problems.append(f"{where}: {n} is listed twice; allowed: distinct networks")
    if model.samples is not None and not Path(model.samples).is_file():
        problems.append(f"samples: file not found: {model.samples}")
    return problems


def _base_config(chip: str, problems: list[str]) -> ChipConfig | None:
    """The base chip config; its problems (file, field path, value, allowed) as the spec's ``chip`` problems."""
    try:
        return load_config(chip)
    except ConfigError as exc:
        where = "" if exc.source == chip else f"{exc.source}: "
        problems += [f"chip: {where}{p}" for p in exc.problems]
        return None


def _axes(model: SpecModel, base_dict: dict, problems: list[str]) -> tuple[Axis, ...]:
    """The config axes (paths checked against the base config) then the mapping axes (values checked)."""
    random = model.random is not None
    axes = []
    for key, raw in model.vary.items():
        axis = _config_axis(key, raw, random, base_dict, problems)
        if axis is not None:
            axes.append(axis)
    for key, raw in model.mapping.items():
        if key not in MAPPING_OPTIONS:
            close = difflib.get_close_matches(key, list(MAPPING_OPTIONS), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(f"mapping.{key}: unknown option{hint} allowed: {', '.join(MAPPING_OPTIONS)}")
            continue
        axis = _axis("mapping", key, raw, random, f"mapping.{key}", problems)
        if axis is not None:
            _check_mapping_values(axis, f"mapping.{key}", problems)
        axes.append(axis)
    return tuple(a for a in axes if a is not None)


_MISSING = object()


def _config_axis(key: str, raw, random: bool, base_dict: dict, problems: list[str]) -> Axis | None:
    """A ``vary`` axis: its path(s) checked against the base config, a block's values checked to be mappings,
    joined paths (``a + b``) given lists of one value per path."""
    paths = [k.strip() for k in key.split("+")]
    nodes = [_config_node(base_dict, p) for p in paths]
    missing = [p for p, n in zip(paths, nodes, strict=True) if n is _MISSING]
    problems += [_unknown_path(p, base_dict) for p in missing]
    axis = _axis("config", key, raw, random and len(paths) == 1, f"vary.{key}", problems)
    if missing or axis is None:
        return None
    if len(paths) > 1:
        bad = [i for i, v in enumerate(axis.values) if not (isinstance(v, list) and len(v) == len(paths))]
        for i in bad[:1]:
            problems.append(f"vary.{key}[{i}]: received {quote(axis.values[i])}; allowed: a list of {len(paths)} "
                            f"values, one per path ({', '.join(paths)})")
        return None if bad else axis
    if isinstance(nodes[0], dict):
        bad = [i for i, v in enumerate(axis.values) if not isinstance(v, dict)] + ([0] if axis.range else [])
        for i in bad[:1]:
            problems.append(f"vary.{key}[{i}]: {key!r} is a block; allowed: mappings of its keys, merged into "
                            "the base block")
    return axis


def _config_node(base: dict, path: str):
    """The value at dotted ``path`` in the resolved base config, or ``_MISSING``."""
    node = base
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _leaf_paths(d: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in d.items():
        p = f"{prefix}{k}"
        out.append(p)
        if isinstance(v, dict):
            out += _leaf_paths(v, p + ".")
    return out


def _unknown_path(key: str, base: dict) -> str:
    paths = _leaf_paths(base)
    close = difflib.get_close_matches(key, paths, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    parent = key.rsplit(".", 1)[0] if "." in key else ""
    node = _config_node(base, parent) if parent else base
    keys = f"; keys of {parent or 'the config'}: {', '.join(node)}" if isinstance(node, dict) else ""
    return f"vary.{key}: not a field of the chip config{hint}{keys} (paths like noc.buffer_depth_flits)"


def _axis(kind: str, key: str, raw, random: bool, where: str, problems: list[str]) -> Axis | None:
    """An axis from a list of values, a range (random only) or a scalar (one value)."""
    if isinstance(raw, dict) and ("low" in raw or "high" in raw):
        rng = _range(raw, where, problems)
        if rng is not None and not random:
            problems.append(f"{where}: a range {{low, high}} needs 'random: {{n, seed}}'; allowed without it: a "
                            "list of values")
            return None
        return Axis(kind, key, (), rng) if rng is not None else None
    values = tuple(raw) if isinstance(raw, list) else (raw,)
    if not values:
        problems.append(f"{where}: received an empty list; allowed: one value or more")
        return None
    for i, v in enumerate(values):
        if v in values[:i] and not isinstance(v, dict):
            problems.append(f"{where}[{i}]: {quote(v)} is listed twice; allowed: distinct values")
    return Axis(kind, key, values)


def _range(raw: dict, where: str, problems: list[str]) -> Range | None:
    """A :class:`Range` from ``{low, high, log}``; problems appended otherwise."""
    extra = sorted(set(raw) - {"low", "high", "log"})
    if extra:
        problems.append(f"{where}.{extra[0]}: unknown key; allowed in a range: low, high, log")
        return None
    lo, hi, log = raw.get("low"), raw.get("high"), raw.get("log", False)
    for name, v in (("low", lo), ("high", hi)):
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
            problems.append(f"{where}.{name}: received {quote(v)}; allowed: a finite number")
            return None
    if not isinstance(log, bool):
        problems.append(f"{where}.log: received {quote(log)}; allowed: true or false")
        return None
    if hi < lo:
        problems.append(f"{where}: low {lo} > high {hi}; allowed: low <= high")
        return None
    if log and lo <= 0:
        problems.append(f"{where}.low: received {lo} with log: true; allowed: > 0")
        return None
    return Range(float(lo), float(hi), log, isinstance(lo, int) and isinstance(hi, int))


def _check_mapping_values(axis: Axis, where: str, problems: list[str]) -> None:
    check = MAPPING_OPTIONS[axis.key]
    r = axis.range
    values = list(axis.values) if r is None else [int(v) if r.integer else v for v in (r.low, r.high)]
    for i, v in enumerate(values):
        allowed = check(v)
        if allowed is not None:
            at = f"{where}[{i}]" if axis.range is None and len(axis.values) > 1 else where
            problems.append(f"{at}: received {quote(v)}; allowed: {allowed}")


__all__ = ["Axis", "MAPPING_DEFAULTS", "MAPPING_OPTIONS", "Range", "RandomSpec", "Spec", "SpecError", "load_spec",
           "loads_spec", "spec_from_dict"]
