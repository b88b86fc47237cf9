"""``noc/`` and ``cores/`` take only their own config blocks (issue 11, item 1).

Each package is built from its frozen view alone (:class:`~chip_configs.schema.NetworkSpec`,
:class:`~chip_configs.schema.CoreSpec`): a view has no ``energy``, ``timing`` or ``sync`` attribute, so any read
of another block would raise here. Results from the view equal those from the whole ChipConfig, and a static
scan finds no attribute read of another block anywhere under ``noc/`` or ``cores/``.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from chip_configs.schema import CoreSpec, NetworkSpec, as_core_spec, as_network_spec, load_config
from cores import CoreArray, simulate_neurons
from cores._reference import ReferenceCoreArray
from noc.engine import NETWORK_MODELS, BatchLimits, make_engine
from noc.model import RouterParams
from noc.packet import PacketFormat
from noc.topology import MeshTopology
from tests.cores._factories import random_program

ROOT = Path(__file__).resolve().parents[1]
OTHER_BLOCKS = ("energy", "timing", "sync", "description", "total_neurons", "total_synapses",
                "memory_bits_per_core", "network_spec", "core_spec")


def test_views_are_frozen_hashable_and_cached():
    cfg = load_config("loihi")
    net, core = cfg.network_spec(), cfg.core_spec()
    assert net is cfg.network_spec() and core is cfg.core_spec()
    assert net == load_config("loihi").network_spec() and hash(net) == hash(load_config("loihi").network_spec())
    assert as_network_spec(net) is net and as_core_spec(core) is core
    assert net.packet_layout() == cfg.packet_layout() and net.num_cores == core.num_cores == cfg.num_cores
    assert net.axons_per_core == cfg.core.axons_per_core
    for view in (net, core):
        with pytest.raises(dataclasses.FrozenInstanceError):
            view.name = "x"
        for block in ("energy", "timing", "sync"):
            assert not hasattr(view, block)
    assert not hasattr(net, "core") and not hasattr(core, "mesh") and not hasattr(core, "noc")


def _same(a, b) -> None:
    """Two records (dataclasses or plain objects) equal field by field, arrays included."""
    fa = {f.name: getattr(a, f.name) for f in dataclasses.fields(a)} if dataclasses.is_dataclass(a) else vars(a)
    fb = {f.name: getattr(b, f.name) for f in dataclasses.fields(b)} if dataclasses.is_dataclass(b) else vars(b)
    assert fa.keys() == fb.keys()
    for k in fa:
        if isinstance(fa[k], np.ndarray):
            np.testing.assert_array_equal(fa[k], fb[k], err_msg=k)
        else:
            assert fa[k] == fb[k], k


@pytest.mark.parametrize("preset", ["tiny", "truenorth"])
def test_noc_from_its_view_alone_equals_noc_from_the_chip(preset):
    cfg = load_config(preset)
    spec = cfg.network_spec()
    assert MeshTopology.from_config(spec) is MeshTopology.from_config(cfg)   # shared-per-geometry cache holds
    assert PacketFormat.from_config(spec) == PacketFormat.from_config(cfg)
    assert RouterParams.from_config(spec) == RouterParams.from_config(cfg)
    assert BatchLimits.from_config(spec) == BatchLimits.from_config(cfg)
    rng = np.random.default_rng(3)
    n = 40
    src = rng.integers(0, spec.num_cores, n).astype(np.int32)
    dst = rng.integers(0, spec.num_cores, n).astype(np.int32)
    cyc = np.sort(rng.integers(0, 30, n)).astype(np.int64)
    for kind in NETWORK_MODELS:
        a, b = make_engine(spec, kind), make_engine(cfg, kind)
        if not NETWORK_MODELS[kind].per_packet:
            assert a == b, kind
            continue
        assert isinstance(b.cfg, NetworkSpec), kind   # the engine keeps only the view
        _same(a.run(src, dst, cyc), b.run(src, dst, cyc))


@pytest.mark.parametrize("preset", ["tiny", "truenorth"])
def test_cores_from_their_view_alone_equal_cores_from_the_chip(preset):
    cfg = load_config(preset)
    spec = cfg.core_spec()
    rng = np.random.default_rng(5)
    programs = [random_program(spec, rng, min(8, spec.core.neurons_per_core), 16, density=0.4) for _ in range(min(3, spec.num_cores))]
    built = [(cls(spec, programs, seed=7), cls(cfg, programs, seed=7)) for cls in (CoreArray, ReferenceCoreArray)]
    for _, b in built:
        assert isinstance(b.cfg, CoreSpec)   # the array keeps only the view
    n_axons = built[0][0].n_axons
    for _ in range(6):
        axons = rng.integers(0, n_axons, 30)
        delays = rng.integers(1, spec.core.delay_slots + 1, 30)
        for a, b in built:
            a.schedule(axons, delays)
            b.schedule(axons, delays)
            np.testing.assert_array_equal(a.step(), b.step())
            for name, value in a.state().items():
                np.testing.assert_array_equal(value, b.state()[name], err_msg=name)
    np.testing.assert_array_equal(built[0][0].memory_bits()["total"], built[0][1].memory_bits()["total"])


def test_harness_from_the_view_equals_the_chip():
    cfg = load_config("loihi")
    params = {"du": 400, "dv": 300, "vth": 10, "bias_mant": 3}
    inputs = np.arange(20, dtype=np.int64).reshape(10, 2) % 7
    a = simulate_neurons("loihi_lif", params, inputs, 10, cfg=cfg.core_spec())
    b = simulate_neurons("loihi_lif", params, inputs, 10, cfg=cfg)
    for k in b:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def _python_attribute_reads(path: Path) -> list[str]:
    """``file:line .attr`` of every attribute read of another config block in a Python file (code only)."""
    tree = ast.parse(path.read_text(), str(path))
    return [f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in OTHER_BLOCKS]


def _cython_attribute_reads(path: Path) -> list[str]:
    """The same for Cython / C sources, by pattern on the code with comments removed."""
    pattern = re.compile(r"\.(" + "|".join(OTHER_BLOCKS) + r")\b")
    out = []
    for i, line in enumerate(path.read_text().splitlines(), 1):
        code = line.split("#", 1)[0].split("//", 1)[0]
        out += [f"{path.relative_to(ROOT)}:{i} .{m}" for m in pattern.findall(code)]
    return out


def test_noc_and_cores_read_no_other_config_block():
    found = []
    for pkg in ("noc", "cores"):
        for path in sorted((ROOT / pkg).rglob("*")):
            if path.suffix == ".py":
                found += _python_attribute_reads(path)
            elif path.suffix in (".pyx", ".pxd", ".h"):
                found += _cython_attribute_reads(path)
    assert not found, f"noc/ and cores/ read config blocks outside their views: {found}"
