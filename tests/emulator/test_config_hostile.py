"""Hostile and ambiguous YAML: the 1.2 core schema, non-finite numbers, deep nesting and alias bombs.

Each case is a whole config text through :func:`loads_config`, the path every config file takes; the message
must name the field, the value received (cut short) and what is allowed.
"""

from __future__ import annotations

import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chip_configs.errors import ConfigError
from chip_configs.schema import PRESET_DIR, dump_config, load_config, loads_config
from chip_configs.yaml_io import MAX_DEPTH, parse_yaml

TINY = (PRESET_DIR / "tiny.yaml").read_text()


def _with(block: str, key: str, value: str) -> str:
    """The tiny preset with ``block.key`` set to the YAML text ``value`` (the preset has each key once)."""
    data = yaml.safe_load(TINY)
    data[block][key] = "@@"
    return yaml.safe_dump(data, sort_keys=False).replace("'@@'", value)


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        loads_config(text, "bad.yaml")
    return str(info.value)


@pytest.mark.parametrize(("block", "key", "value", "needle"), [
    ("noc", "clock_mhz", ".inf", "noc.clock_mhz: received inf; allowed: a finite number"),
    ("noc", "clock_mhz", ".nan", "noc.clock_mhz: received nan; allowed: a finite number"),
    ("energy", "syn_op_pj", "-.inf", "energy.syn_op_pj: received -inf"),
    ("energy", "static_power_mw", "1e308", "energy.static_power_mw: received 1e+308; allowed: <= 1e+15"),
    ("core", "weight_signed", "yes", "core.weight_signed: received 'yes'; allowed: true or false"),
    ("core", "weight_signed", "off", "core.weight_signed: received 'off'"),
    ("mesh", "width", "1:30", "mesh.width: received '1:30'"),
])
def test_yaml_11_coercions_and_non_finite_numbers_are_refused(block, key, value, needle):
    assert needle in _error(_with(block, key, value))


def test_core_schema_integers():
    assert parse_yaml("a: 010\nb: 0o17\nc: 0x1f\nd: +5\ne: 1e3\n") == {"a": 10, "b": 15, "c": 31, "d": 5, "e": 1000.0}
    assert parse_yaml("a: True\nb: FALSE\nc: ~\nd: null\n") == {"a": True, "b": False, "c": None, "d": None}


def test_deep_nesting_is_refused_not_a_recursion_error():
    deep = "a: " + "[" * 500 + "]" * 500 + "\n"
    assert "nested" in _error(deep)
    just_too_deep = "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    assert f"nested deeper than {MAX_DEPTH} levels" in _error(just_too_deep)


def test_alias_bomb_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    text = "\n".join(lines) + "\nmesh: *a9\n"
    start = time.perf_counter()
    msg = _error(text)
    assert "expands to more than 100,000 values" in msg
    assert time.perf_counter() - start < 2.0 and len(msg) < 500


def test_long_values_are_quoted_short():
    msg = _error(_with("mesh", "width", "[" + ", ".join(["12345"] * 5000) + "]"))
    assert "mesh.width: received [12345, 12345" in msg and len(msg) < 400


@pytest.mark.parametrize("name", ["loihi", "truenorth", "tiny"])
def test_presets_read_the_same_under_the_core_schema(name):
    cfg = load_config(name)
    assert loads_config(dump_config(cfg)) == cfg


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_config_or_a_config_error(text):
    try:
        loads_config(text, "fuzz.yaml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.yaml: ")
