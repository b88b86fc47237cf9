"""YAML reading and writing with errors a user can act on.

- Syntax errors give the file, line and column.
- Duplicate keys are errors (PyYAML silently keeps the last one, which hides typos in configs).
- Scalars are read with the YAML 1.2 core schema, not PyYAML's YAML 1.1 default: only ``true`` / ``false``
  are booleans (``yes``, ``no``, ``on``, ``off`` stay strings, which the schema then refuses by name), ``1:30``
  is a string (YAML 1.1 read it as the sexagesimal 90), ``010`` is ten (not octal eight), ``0o17`` and ``0x1f``
  are octal and hexadecimal.
- Hostile documents are bounded: nesting deeper than :data:`MAX_DEPTH` and aliases that expand to more than
  :data:`MAX_NODES` values (a "billion laughs" document) are refused before validation.
- Validation errors name the field path, the value received (cut to a few dozen characters) and what is
  allowed; an unknown key suggests the closest valid one.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from chip_configs.errors import ConfigError
from chip_configs.npz import quote

MAX_DEPTH = 64          # nesting levels a config may use (real configs use 3)
FINITE_HINT = "1e15 in the key's unit"
MAX_NODES = 100_000     # values a document may hold once its aliases are expanded (the presets hold < 200)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's scalars that refuses duplicate keys in a mapping."""


# YAML 1.2 core schema (yaml.org/spec/1.2.2, section 10.3.2): drop PyYAML's YAML 1.1 implicit resolvers and
# register the core schema's null, bool, int and float patterns.
_StrictLoader.yaml_implicit_resolvers = {}
_CORE_SCALARS = (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     "-+.0123456789"),
)
for _tag, _pattern, _first in _CORE_SCALARS:
    _StrictLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _construct_int(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    """YAML 1.2 integers: decimal (leading zeros allowed, still decimal), ``0o`` octal, ``0x`` hexadecimal."""
    text = loader.construct_scalar(node)
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


def _construct_float(loader: _StrictLoader, node: yaml.ScalarNode) -> float:
    """YAML 1.2 floats; ``.inf`` and ``.nan`` are read (the schema then refuses them by field)."""
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    return float("nan") if text == ".nan" else float(text)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            first = seen[key].start_mark
            raise yaml.constructor.ConstructorError(
                None, None,
                f"duplicate key {key!r} (first defined at line {first.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, source: str = "<string>") -> Any:
    """Parse YAML text; syntax errors become :class:`ConfigError` with line and column."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
    except RecursionError:
        raise ConfigError(f"<root>: the document is nested too deeply to read; allowed: {MAX_DEPTH} levels",
                          source) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ConfigError(f"YAML syntax error at {where}: {exc.problem or exc}", source) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", source) from None
    if data is None:
        raise ConfigError("<root>: the file is empty; expected a mapping of config blocks", source)
    _check_size(data, source)
    return data


def _check_size(data: Any, source: str) -> None:
    """Refuse documents nested deeper than MAX_DEPTH or holding more than MAX_NODES values once aliases are
    expanded. Each distinct container is sized once (aliases share objects), so a billion-laughs document costs
    a few microseconds to measure, not its expansion."""
    sizes: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ConfigError(f"<root>: the document is nested deeper than {MAX_DEPTH} levels", source)
        if not isinstance(node, (dict, list)):
            return 1
        if id(node) not in sizes:
            children = node.values() if isinstance(node, dict) else node
            sizes[id(node)] = min(1 + sum(size(c, depth + 1) for c in children), MAX_NODES + 1)
        return sizes[id(node)]

    total = size(data, 0)
    if total > MAX_NODES:
        raise ConfigError(f"<root>: the document expands to more than {MAX_NODES:,} values (through its "
                          "aliases); a chip config holds a few hundred", source)


def load_yaml_mapping(path: Path) -> Any:
    """Read a YAML file (UTF-8) with the strict loader."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"file not found: {path}", str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read file: {exc}", str(path)) from None
    return parse_yaml(text, str(path))


def dump_yaml(data: Any) -> str:
    """YAML text in the key order given (no sorting), block style."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)


# ----- pydantic error formatting -------------------------------------------------------------------


def _submodel_at(root: type[BaseModel], loc: tuple, data: Any) -> type[BaseModel] | None:
    """The pydantic model class that owns the mapping at ``loc`` (for key suggestions)."""
    model: Any = root
    node = data
    for part in loc:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        node = node.get(part) if isinstance(node, dict) else None
        model = _resolve_annotation(field.annotation, node)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _resolve_annotation(ann: Any, node: Any) -> Any:
    """Pick the model class of an annotation (handles Optional and the discriminated neuron union)."""
    args = getattr(ann, "__args__", None)
    if not args:
        return ann
    models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
    if len(models) == 1:
        return models[0]
    tag = node.get("model") if isinstance(node, dict) else None
    for m in models:
        f = m.model_fields.get("model")
        if f is not None and tag in getattr(f.annotation, "__args__", ()):
            return m
    return models[0] if models else ann


def _allowed_text(err: dict) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if "expected" in ctx:
        return f"allowed: {ctx['expected']}"
    bounds = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    for key, sym in bounds.items():
        if key in ctx:
            bound = ctx[key]
            return f"allowed: {sym} {bound:g}" if isinstance(bound, float) else f"allowed: {sym} {bound}"
    if kind == "finite_number":
        return f"allowed: a finite number (no .inf or .nan), at most {FINITE_HINT}"
    if kind.startswith("int"):
        return "allowed: an integer (no quotes, no decimal point)"
    if kind.startswith("float"):
        return "allowed: a number"
    if kind.startswith("bool"):
        return "allowed: true or false"
    if kind.startswith("string"):
        return "allowed: a string"
    if kind == "model_type" or kind == "dict_type":
        return "allowed: a mapping of keys (a YAML block)"
    return ""


def format_validation_error(exc: ValidationError, root: type[BaseModel], data: Any,
                            tags: tuple[str, ...] = ()) -> list[str]:
    """One line per pydantic error: ``path: received VALUE; allowed ...``, with key suggestions.

    ``tags`` are the discriminator tags of the tagged unions (the neuron models), dropped from the paths.
    """
    return [line for err in exc.errors(include_url=False) for line in _error_lines(err, root, data, tags)]


def _error_lines(err: dict, root: type[BaseModel], data: Any, tags: tuple[str, ...] = ()) -> list[str]:
    # Drop the discriminator tag pydantic inserts into the path of a tagged union (neuron.loihi_lif.x).
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in tags))
    path = ".".join(str(p) for p in loc) or "<root>"
    kind = err["type"]
    if kind == "extra_forbidden":
        return [_unknown_key_message(root, loc, data)]
    if kind == "missing":
        return [f"{path}: missing required key"]
    if kind == "value_error":
        # Cross-field messages already start with their own field path.
        msg = str(err["msg"]).removeprefix("Value error, ")
        return msg.split(" | ")
    if kind == "union_tag_invalid":
        ctx = err.get("ctx") or {}
        return [f"{path}.model: received {ctx.get('tag')!r}; allowed: {ctx.get('expected_tags')}"]
    allowed = _allowed_text(err)
    received = quote(err.get("input"))
    if allowed:
        return [f"{path}: received {received}; {allowed}"]
    return [f"{path}: received {received}; {err['msg'].lower()}"]


def _unknown_key_message(root: type[BaseModel], loc: tuple, data: Any) -> str:
    key = loc[-1]
    parent = _submodel_at(root, loc[:-1], data)
    valid = sorted(parent.model_fields) if parent else []
    path = ".".join(str(p) for p in loc)
    close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    allowed = f" valid keys here: {', '.join(valid)}" if valid else ""
    return f"{path}: unknown key '{key}'{hint}{allowed}"

