"""Chip config schema: presets, round trips, and every kind of bad input giving an actionable error."""

from __future__ import annotations

import copy

import pytest
import yaml

from chip_configs.errors import ConfigError
from chip_configs.schema import (
    PRESET_DIR,
    config_from_dict,
    dump_config,
    list_presets,
    load_config,
    loads_config,
)


@pytest.fixture(scope="module")
def tiny_dict() -> dict:
    return yaml.safe_load((PRESET_DIR / "tiny.yaml").read_text())


def _error(data=None, text=None) -> str:
    with pytest.raises(ConfigError) as info:
        if text is not None:
            loads_config(text, "bad.yaml")
        else:
            config_from_dict(data, "bad.yaml")
    return str(info.value)


def _set(d: dict, path: str, value) -> dict:
    d = copy.deepcopy(d)
    *parents, leaf = path.split(".")
    node = d
    for p in parents:
        node = node[p]
    if value is _DELETE:
        del node[leaf]
    else:
        node[leaf] = value
    return d


_DELETE = object()

# (case id, field path to set, value, substrings the message must contain)
BAD_FIELDS = [
    ("unknown_key_suggests", "mesh.widht", 3, ["mesh.widht", "unknown key 'widht'", "did you mean 'width'"]),
    ("unknown_block", "energies", {}, ["energies", "unknown key", "did you mean 'energy'"]),
    ("unknown_key_far", "core.colour", "red", ["core.colour", "unknown key", "valid keys here"]),
    ("bad_enum", "noc.routing", "zx", ["noc.routing", "'zx'", "'xy' or 'yx'"]),
    ("bad_model_tag", "neuron.model", "izhikevich", ["neuron.model", "'izhikevich'", "loihi_lif", "truenorth"]),
    ("above_max", "core.weight_bits", 30, ["core.weight_bits", "30", "<= 16"]),
    ("below_min", "mesh.width", 0, ["mesh.width", "received 0", ">= 1"]),
    ("negative_energy", "energy.syn_op_pj", -1.5, ["energy.syn_op_pj", "-1.5", ">= 0"]),
    ("string_for_int", "core.axons_per_core", "many", ["core.axons_per_core", "'many'", "an integer"]),
    ("float_for_int", "mesh.width", 2.5, ["mesh.width", "2.5", "an integer"]),
    ("quoted_number", "energy.syn_op_pj", "1.0", ["energy.syn_op_pj", "'1.0'", "a number"]),
    ("string_for_bool", "sync.reset_between_inferences", "yes", ["reset_between_inferences", "'yes'", "true or false"]),
    ("list_for_block", "mesh", [1, 2], ["mesh", "[1, 2]", "mapping"]),
    ("missing_key", "core.neurons_per_core", _DELETE, ["core.neurons_per_core", "missing"]),
    ("missing_block", "timing", _DELETE, ["timing", "missing"]),
    ("fixed_without_period", "sync.mode", "fixed", ["sync.tick_period_ns", "missing", "fixed"]),
    ("weight_above_membrane", "neuron.membrane_bits", 8, ["core.weight_bits", "9", "membrane_bits 8"]),
    ("mesh_too_small", "mesh.num_cores", 5, ["mesh.num_cores", "5", "<= 4"]),
    ("packet_too_narrow", "noc.packet_bits", 8, ["noc.packet_bits", "8", ">= 11"]),
    ("axon_types_on_loihi", "core.axon_types", 4, ["core.axon_types", "4", "loihi_lif"]),
    ("fan_in_above_axons", "core.max_fan_in", 99, ["core.max_fan_in", "99", "axons_per_core 16"]),
    ("packet_field_too_small", "noc.packet_layout", {"axon_bits": 2}, ["noc.packet_layout.axon_bits", "2", ">= 4"]),
    ("bad_overflow_policy", "neuron.membrane_overflow", "clip", ["neuron.membrane_overflow", "'clip'", "wrap"]),
    ("zero_clock", "noc.clock_mhz", 0, ["noc.clock_mhz", "received 0", "> 0"]),
]


@pytest.mark.parametrize("path,value,needles", [c[1:] for c in BAD_FIELDS], ids=[c[0] for c in BAD_FIELDS])
def test_bad_field_names_path_value_and_allowed(tiny_dict, path, value, needles):
    msg = _error(_set(tiny_dict, path, value))
    assert msg.startswith("bad.yaml:"), msg
    for needle in needles:
        assert needle in msg, f"{needle!r} not in {msg!r}"


def test_buffer_smaller_than_packet(tiny_dict):
    d = _set(_set(tiny_dict, "noc.flit_width_bits", 8), "noc.buffer_depth_flits", 1)
    msg = _error(d)
    assert "noc.buffer_depth_flits" in msg and "4 flits" in msg and ">= 4" in msg


BAD_TEXT = [
    ("syntax_error", "name: a\nmesh: {width: 2\n", ["line 3, column 1", "YAML syntax error"]),
    ("bad_indent", "name: a\n  mesh: 3\n", ["YAML syntax error", "line 2"]),
    ("duplicate_key", "name: a\nname: b\n", ["duplicate key 'name'", "line 2", "first defined at line 1"]),
    ("empty_file", "", ["empty"]),
    ("top_level_list", "- 1\n- 2\n", ["<root>", "mapping"]),
]


@pytest.mark.parametrize("text,needles", [c[1:] for c in BAD_TEXT], ids=[c[0] for c in BAD_TEXT])
def test_bad_yaml_text(text, needles):
    msg = _error(text=text)
    for needle in needles:
        assert needle in msg, f"{needle!r} not in {msg!r}"


def test_all_problems_reported_at_once(tiny_dict):
    d = _set(_set(tiny_dict, "mesh.width", 0), "noc.routing", "zx")
    err = pytest.raises(ConfigError, config_from_dict, d, "x.yaml").value
    assert len(err.problems) == 2
    assert "2 problems" in str(err)


def test_missing_file_names_presets(tmp_path):
    msg = str(pytest.raises(ConfigError, load_config, tmp_path / "nope.yaml").value)
    assert "nope.yaml" in msg and "not found" in msg and "loihi" in msg


def test_unreadable_file(tmp_path):
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"\xff\xfe\x00bad")
    msg = str(pytest.raises(ConfigError, load_config, p).value)
    assert "bin.yaml" in msg and "cannot read" in msg


def test_frozen(tiny_dict):
    cfg = config_from_dict(tiny_dict)
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on frozen assignment
        cfg.mesh.width = 9


@pytest.mark.parametrize("name", ["loihi", "truenorth", "tiny"])
def test_presets_round_trip(name):
    cfg = load_config(name)
    text = dump_config(cfg)
    again = loads_config(text)
    assert again == cfg
    assert dump_config(again) == text


def test_preset_list():
    assert {"loihi", "truenorth", "tiny"} <= set(list_presets())


def test_loihi_totals():
    cfg = load_config("loihi")
    assert cfg.num_cores == 128
    assert cfg.total_neurons == 131_072
    assert cfg.mesh.width * cfg.mesh.height == 32
    assert cfg.energy.syn_op_pj == 23.6 and cfg.timing.syn_op_ns == 3.5
    assert cfg.sync.mode == "barrier"
    assert cfg.noc.flits_per_packet == 1


def test_truenorth_totals():
    cfg = load_config("truenorth")
    assert cfg.num_cores == 4096
    assert cfg.total_neurons == 1_048_576
    assert cfg.total_synapses == 268_435_456
    assert cfg.packet_layout() == {"dx_bits": 9, "dy_bits": 9, "core_bits": 0, "axon_bits": 8, "delay_bits": 4}
    assert cfg.sync.tick_period_ns == 1e6


def test_memory_per_core_tiny():
    cfg = load_config("tiny")
    # weights: synapse memory 1152 bits; state: 8 neurons x (24 + 24) bits; spikes: 16 axons x 4 delay slots
    assert cfg.memory_bits_per_core() == {"weights": 1152, "state": 384, "spikes": 64, "total": 1600}


def test_every_preset_number_has_a_source():
    """Each numeric line of a preset carries a comment (a source or an 'estimate:' note), except tiny."""
    for name in ("loihi.yaml", "truenorth.yaml"):
        for lineno, line in enumerate((PRESET_DIR / name).read_text().splitlines(), 1):
            body = line.split("#")[0]
            if ":" in body and not body.startswith(("description", "name")) and any(
                ch.isdigit() for ch in body.split(":", 1)[1]
            ):
                assert "#" in line, f"{name}:{lineno} has a number without a source: {line!r}"


def _schema_keys(model, prefix="") -> set[str]:
    from typing import get_args

    from pydantic import BaseModel

    keys = set()
    for name, field in model.model_fields.items():
        keys.add(name)
        for cand in (field.annotation, *get_args(field.annotation)):
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                keys |= _schema_keys(cand)
            for inner in get_args(cand):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    keys |= _schema_keys(inner)
    return keys


def test_readme_documents_every_key():
    from chip_configs.schema import ChipConfig

    doc = (PRESET_DIR / "README.md").read_text()
    missing = sorted(k for k in _schema_keys(ChipConfig) if f"`{k}`" not in doc)
    assert not missing, f"chip_configs/README.md does not document: {missing}"


def test_atomic_write_permissions_and_no_temp_left(tmp_path):
    import os
    import stat

    from chip_configs.files import atomic_write_json

    p = atomic_write_json(tmp_path / "out" / "r.json", {"b": 1, "a": [1, 2]})
    assert p.read_text() == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask
    assert [q.name for q in p.parent.iterdir()] == ["r.json"]
