"""Systems of chips in the config: the system document, its expansion, the presets' totals, and the topology's
chips and off-chip links."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chip_configs.errors import ConfigError
from chip_configs.schema import config_from_dict, config_to_dict, load_config, loads_config
from noc.topology import MeshTopology

SYSTEM_DOC = """
name: two-tiny
system:
  chip: tiny
  chips_x: 2
  chips_y: 1
  off_chip: {latency_ns: 7.5, flits_per_cycle: 0.25, energy_pj_per_bit: 1.5}
  barrier_hop_ns: 10.0
"""


@pytest.mark.parametrize("preset, chips, neurons, static_mw", [
    ("loihi-kapoho-bay", 2, 262_144, 208.0),
    ("loihi-nahuku32", 32, 4_194_304, 3328.0),
    ("truenorth-ns16e", 16, 16_777_216, 0.0),
])
def test_presets_totals(preset, chips, neurons, static_mw):
    cfg = load_config(preset)
    assert cfg.n_chips == chips
    assert cfg.total_neurons == neurons
    assert cfg.cores_per_chip * chips == cfg.num_cores
    assert cfg.energy.static_power_mw == pytest.approx(static_mw)
    # the expanded config round-trips as a plain chip config with its system block
    assert config_from_dict(config_to_dict(cfg)) == cfg


def test_expansion_from_the_chip():
    tiny, cfg = load_config("tiny"), loads_config(SYSTEM_DOC)
    assert (cfg.mesh.width, cfg.mesh.height) == (2 * tiny.mesh.width, tiny.mesh.height)
    assert cfg.core == tiny.core and cfg.neuron == tiny.neuron and cfg.noc == tiny.noc
    s = cfg.system
    assert (s.chip, s.chip_width, s.chip_height) == ("tiny", tiny.mesh.width, tiny.mesh.height)
    # 7.5 ns at the chip's NoC clock, rounded up to whole cycles; 1 / 0.25 = 4 cycles per flit; bits x width
    assert s.off_chip.latency(cfg.noc) == int(np.ceil(7.5 * tiny.noc.clock_mhz / 1e3 - 1e-9))
    assert s.off_chip.serialisation() == 4
    assert s.off_chip.energy_per_flit_pj(cfg.noc) == 1.5 * tiny.noc.flit_width_bits
    # barrier: chip's + 2 x hop x (chips_x - 1 + chips_y - 1)
    if tiny.sync.barrier_latency_ns is not None:
        assert cfg.sync.barrier_latency_ns == tiny.sync.barrier_latency_ns + 2 * 10.0
    assert cfg.energy.static_power_mw == 2 * tiny.energy.static_power_mw


def test_nested_chip_block():
    tiny = config_to_dict(load_config("tiny"))
    cfg = config_from_dict({"name": "nested", "system": {
        "chip": tiny, "chips_x": 1, "chips_y": 3, "off_chip": {"latency_cycles": 3, "energy_pj_per_flit": 9.0}}})
    assert cfg.n_chips == 3 and cfg.system.chip == tiny["name"]
    assert cfg.system.off_chip.serialisation() == 1


@pytest.mark.parametrize("change, expect", [
    ({"mesh": None}, "core: missing"),        # mesh beside system: a resolved config, so complete it
    ({"system.chip": "no-such-chip"}, "doc.yaml: 1 problem in chip config:\n  - system.chip: received 'no-such-chip': "
                                      "no such file in ./, the working directory or the presets (loihi, "),
    ({"system.off_chip.latency_cycles": 3}, "latency_cycles = 3 and latency_ns = 7.5"),
    ({"system.off_chip.energy_pj_per_bit": None}, "energy_pj_per_flit"),
    ({"system.chips_y": 2, "system.off_chip.edges": "east_west"}, "system.off_chip.edges"),
    ({"system.chips_x": 0}, "chips_x"),
    ({"system.chip_width": 3}, "system.chip_width"),
    ({"system.off_chip.flits_per_cycle": 2.0}, "flits_per_cycle"),
])
def test_system_document_errors(change, expect):
    from chip_configs.yaml_io import parse_yaml

    doc = parse_yaml(SYSTEM_DOC, "doc")
    for path, value in change.items():
        if path == "mesh":
            doc["mesh"] = {"width": 1, "height": 1}   # a chip config with a system block: must be complete
            continue
        *parents, leaf = path.split(".")
        node = doc
        for p in parents:
            node = node[p]
        if value is None:
            node.pop(leaf)
        else:
            node[leaf] = value
    with pytest.raises(ConfigError, match=expect.replace("(", r"\(")):
        config_from_dict(doc, "doc.yaml")


def test_a_system_of_systems_of_systems_is_refused_by_name(tmp_path):
    """Three documents deep (a system naming a system naming a system): the field and what is allowed."""
    (tmp_path / "loop.yaml").write_text("name: loop\nsystem: {chip: loop.yaml, chips_x: 2, chips_y: 1}\n")
    with pytest.raises(ConfigError, match=r"system.chip: received 'loop.yaml', which nests systems more than "
                                          r"two documents deep .*; allowed: a chip"):
        load_config(tmp_path / "loop.yaml")


def test_topology_chips_and_off_chip_links():
    cfg = load_config("loihi-kapoho-bay")
    topo = MeshTopology.from_config(cfg)
    assert (topo.chips_x, topo.chips_y, topo.n_chips) == (2, 1, 2)
    x, _ = topo.coords(np.arange(topo.n_routers))
    assert np.array_equal(topo.chip_of_router, (x >= 8).astype(np.int32))
    # 4 rows of routers, one east and one west link across the chip edge in each
    off = np.flatnonzero(topo.link_off_chip)
    assert off.size == 8
    sx, _ = topo.coords(topo.link_src[off])
    tx, _ = topo.coords(topo.link_dst[off])
    assert set(zip(sx.tolist(), tx.tolist(), strict=True)) == {(7, 8), (8, 7)}
    assert topo.chip_of_core(8 * 4 - 1) == 0 and topo.chip_of_core(8 * 4) == 1
    assert not MeshTopology.from_config(load_config("loihi")).link_off_chip.any()


def test_links_enumerated_in_router_then_port_order():
    topo = MeshTopology.build(5, 3)
    order = topo.link_src.astype(np.int64) * 4 + topo.link_port
    assert np.all(np.diff(order) > 0)
    assert np.array_equal(topo.link_id[topo.link_src, topo.link_port], np.arange(topo.n_links))


# Every field of a system document, with any value YAML can give it: the document loads (and its resolved form
# reads back to the same config) or is refused with a ConfigError that names the document and the field.
SYSTEM_FIELDS = ["chip", "chips_x", "chips_y", "barrier_hop_ns", "addressing", "edges_typo",
                 *(f"off_chip.{k}" for k in ("latency_cycles", "latency_ns", "serialisation_cycles_per_flit",
                                              "flits_per_cycle", "energy_pj_per_flit", "energy_pj_per_bit",
                                              "buffer_depth_flits", "edges"))]
ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["tiny", "loihi", "truenorth", ".", "..", "/", "", "all", "east_west", "chip_id", "offsets",
                     "two-tiny.yaml", "1e3", "0x10"]),
    st.text(max_size=12), st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.sampled_from(["name", "mesh", "core", "x"]), st.integers(-2, 2), max_size=2))


@settings(max_examples=150)
@given(field=st.sampled_from(SYSTEM_FIELDS), value=ANY_VALUE)
def test_any_value_of_a_system_field_loads_or_names_the_field(tmp_path_factory, field, value):
    from chip_configs.schema import dump_config
    from chip_configs.yaml_io import parse_yaml

    doc = parse_yaml(SYSTEM_DOC, "doc")
    *parents, leaf = ["system", *field.split(".")]
    node = doc
    for p in parents:
        node = node[p]
    node[leaf] = value
    source = str(tmp_path_factory.mktemp("sys") / "doc.yaml")
    try:
        cfg = config_from_dict(doc, source)
    except ConfigError as exc:
        text = str(exc)
        assert text.startswith(source) or "system.chip" in text, text
        assert "system." in text and (leaf in text or "system.chip" in text), text
        return
    assert loads_config(dump_config(cfg), "resolved.yaml") == cfg
