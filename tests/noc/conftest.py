"""Shared helpers for the NoC tests: small chip configs derived from ``tiny.yaml``."""

from __future__ import annotations

import pytest

from chip_configs.schema import ChipConfig, config_from_dict, config_to_dict, load_config

ENGINES = ("fast", "simpy")


def make_cfg(width: int = 2, height: int = 2, cores: int = 1, flits: int = 1, **noc) -> ChipConfig:
    """``tiny.yaml`` with another mesh and NoC settings; ``flits`` sets packet_bits = flits x 32-bit flits."""
    data = config_to_dict(load_config("tiny"))
    data["mesh"].update(width=width, height=height, cores_per_router=cores, num_cores=None)
    data["noc"].update(packet_bits=32 * flits, flit_width_bits=32)
    data["noc"].setdefault("buffer_depth_flits", 2)
    if data["noc"]["buffer_depth_flits"] < flits:
        data["noc"]["buffer_depth_flits"] = flits
    data["noc"].update(noc)
    return config_from_dict(data)


def make_system(chip: ChipConfig | None = None, chips_x: int = 2, chips_y: int = 1, **off) -> ChipConfig:
    """A system of ``chips_x`` x ``chips_y`` copies of ``chip`` (default: ``make_cfg()``, a 2 x 2 tiny chip);
    ``off`` sets ``system.off_chip`` keys (default: 3-cycle latency, 50 pJ per flit)."""
    chip = make_cfg() if chip is None else chip
    link = {"latency_cycles": 3, "energy_pj_per_flit": 50.0, **off}
    return config_from_dict({"name": "test-system", "system": {
        "chip": config_to_dict(chip), "chips_x": chips_x, "chips_y": chips_y, "off_chip": link}})


@pytest.fixture(params=ENGINES)
def engine_kind(request) -> str:
    """Each test using it runs once per engine (the conformance suite)."""
    return request.param
