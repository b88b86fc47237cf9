"""System presets end to end: ``neuromesh run`` of a system runs its chip's demo network placed on chip 0 (on
every engine), and the placement renumbers cores as the system's mesh does."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chip_configs.errors import SimulationError
from chip_configs.schema import load_config
from emulator.cli import main
from emulator.cli_run import bundled_network
from emulator.mapped import MappedNetwork
from emulator.system_place import onto_chip, system_core
from noc.topology import MeshTopology


@pytest.mark.parametrize("preset, engine", [("loihi-kapoho-bay", "fast"), ("loihi-kapoho-bay", "loads"),
                                            ("loihi-nahuku32", "fast"), ("truenorth-ns16e", "fast"),
                                            ("truenorth-ns16e", "loads")])
def test_system_presets_run_end_to_end(capsys, tmp_path, preset, engine):
    out = tmp_path / "r.json"
    code = main(["run", preset, "--engine", engine, "--batch", "2", "--no-progress", "--report", str(out)])
    text = capsys.readouterr().out
    assert code == 0 and "off chip" in text
    d = json.loads(out.read_text())
    cfg = load_config(preset)
    assert d["chip"] == preset and d["cores_available"] == cfg.num_cores
    assert d["mean"]["off_chip"]["chips"] == cfg.n_chips
    assert d["mean"]["off_chip"]["flits_off_chip"] == 0  # the demo network sits on chip 0
    # the system barrier (Loihi systems) comes from the expanded config
    if cfg.sync.mode == "barrier":
        assert d["mean"]["latency_ns"]["sync"] == pytest.approx(d["mean"]["ticks"] * cfg.sync.barrier_latency_ns)


def test_placement_on_a_chip_renumbers_cores():
    cfg = load_config("loihi-nahuku32")
    topo = MeshTopology.from_config(cfg)
    chip = load_config("loihi")
    # chip core 44: router 11 = (3, 1) of the 8 x 4 chip, slot 0; on chip 9 = (1, 1) of the 8 x 4 grid of chips:
    # router (8 + 3, 4 + 1) of the 64-wide system mesh
    assert system_core(cfg, 9, 44) == ((4 + 1) * 64 + 8 + 3) * 4
    cores = np.arange(chip.num_cores)
    assert (topo.chip_of_core(system_core(cfg, 9, cores)) == 9).all()
    m = onto_chip(MappedNetwork.load(bundled_network("loihi")[0]), cfg, 31)
    assert all(topo.chip_of_core(c.index) == 31 for c in m.cores)
    assert m.in_core.dtype == np.int32 and (topo.chip_of_core(m.out_core) == 31).all()  # widened from int8
    with pytest.raises(SimulationError, match="has chips 0..31"):
        onto_chip(m, cfg, 32)


def test_a_hand_made_network_across_both_chips_shows_off_chip_traffic(capsys, tmp_path):
    """Kapoho Bay: a neuron of chip 0's first core drives chip 1's last core (15 routers east, 3 north), from
    the command line: the report counts the off-chip crossing and prices it."""
    from tests.emulator.test_hand_computed import _one_neuron_core

    cfg = load_config("loihi-kapoho-bay")
    last = cfg.num_cores - 1
    net = MappedNetwork.build(cfg.name, cores={0: (_one_neuron_core(), {0: [(last, 0, 1)]}),
                                               last: (_one_neuron_core(), {})},
                              inputs={0: [(0, 0, 1)]}, outputs=[(last, 0)], metadata={"name": "across"})
    net.save(tmp_path / "net.npz")
    spikes = np.zeros((1, 4, 1), np.int32)
    spikes[0, 0, 0] = 1
    np.savez(tmp_path / "in.npz", spikes=spikes)
    out = tmp_path / "r.json"
    for engine in ("fast", "simpy", "loads"):
        assert main(["run", cfg.name, "--network", str(tmp_path / "net.npz"), "--input", str(tmp_path / "in.npz"),
                     "--engine", engine, "--no-progress", "--report", str(out)]) == 0
        assert "off chip" in capsys.readouterr().out
        o = json.loads(out.read_text())["mean"]["off_chip"]
        # one packet: 15 east-west + 3 north-south hops, one of them (x = 7 -> 8) off chip
        assert (o["hops_on_chip"], o["hops_off_chip"], o["flits_off_chip"]) == (17, 1, 1)
        assert o["energy_off_chip_pj"] == cfg.system.off_chip.energy_per_flit_pj(cfg.noc) == 320.0
