"""The TrueNorth operating-point workload: crossbar statistics, wiring, compact storage, determinism, and the
same run whether its crossbars are bits or COO pairs; the .npz format round trip with narrow dtypes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from chip_configs.errors import SimulationError
from chip_configs.schema import load_config
from cores import CoreProgram
from cores.buffers import is_aligned
from emulator.chip import Chip
from emulator.mapped import MappedCore, MappedNetwork
from emulator.workloads import random_crossbars, truenorth_operating_point

TN = load_config("truenorth")


def _unpack(bits: np.ndarray, n: int) -> np.ndarray:
    return np.unpackbits(bits, axis=-1, count=n, bitorder="little").astype(bool)


@pytest.mark.parametrize("per_neuron", [1, 17, 128, 255, 256])
def test_each_neuron_gets_exactly_its_synapses(per_neuron):
    bits = random_crossbars(np.random.default_rng(0), 3, 256, 200, per_neuron)
    assert bits.shape == (3, 256, 25) and bits.dtype == np.uint8
    dense = _unpack(bits, 200)                         # [core, axon, neuron]
    assert (dense.sum(axis=1) == per_neuron).all()


def test_synapse_choice_is_uniform_over_axons():
    dense = _unpack(random_crossbars(np.random.default_rng(1), 8, 64, 256, 16), 256)
    per_axon = dense.sum(axis=(0, 2))                  # expected 8 x 256 x 16 / 64 = 512 each
    assert abs(per_axon.mean() - 512) < 1e-9 and per_axon.std() < 4 * np.sqrt(512)


def test_operating_point_wiring_and_compact_storage():
    m = truenorth_operating_point(TN, n_cores=16, seed=3)
    a, n = TN.core.axons_per_core, TN.core.neurons_per_core
    targets = np.concatenate([mc.dest.core.astype(np.int64) * a + mc.dest.axon for mc in m.cores])
    assert np.unique(targets).size == targets.size == 16 * n      # one distinct axon per neuron
    assert targets.max() < 16 * a
    mc = m.cores[0]
    assert mc.program.crossbar.shape == (a, n // 8) and mc.program.syn_axon is None
    assert mc.dest.core.dtype == np.int8 and mc.dest.delay.dtype == np.int8     # 16 cores, delay 1
    assert m.cores[1].program.params["weights"] is mc.program.params["weights"]  # shared, not copied
    assert mc.program.n_synapses == 128 * n


def test_operating_point_is_deterministic_per_seed():
    a, b, c = (truenorth_operating_point(TN, n_cores=4, seed=s) for s in (5, 5, 6))
    assert all(np.array_equal(x.program.crossbar, y.program.crossbar) for x, y in zip(a.cores, b.cores, strict=True))
    assert not np.array_equal(a.cores[0].program.crossbar, c.cores[0].program.crossbar)


def test_dense_option_fills_the_crossbar():
    m = truenorth_operating_point(TN, n_cores=2, active_synapses=256)
    assert all((mc.program.crossbar == 0xFF).all() for mc in m.cores)
    assert "256 syn" in m.metadata["name"]


def test_idle_chip_never_fires():
    idle, busy = (truenorth_operating_point(TN, n_cores=4, rate_hz=r) for r in (0, 20.0))
    for x, y in zip(idle.cores, busy.cores, strict=True):            # the same chip, at rest
        assert np.array_equal(x.program.crossbar, y.program.crossbar) and np.array_equal(x.dest.axon, y.dest.axon)
    chip = Chip(TN).program(idle)
    for _ in range(5):
        assert chip.cores.step().size == 0
        assert chip.cores.last_counts[:, 1].sum() == 0            # every update inactive
        assert chip.cores.last_counts[:, 2].sum() == chip.cores.n_neurons


def _as_coo(m: MappedNetwork) -> MappedNetwork:
    cores = []
    for mc in m.cores:
        p = mc.program
        a, n = p.synapses()
        coo = CoreProgram(p.n_neurons, p.n_axons, a, n, None, p.params, p.axon_type)
        cores.append(MappedCore(mc.index, coo, mc.dest))
    return dataclasses.replace(m, cores=tuple(cores))


def test_bits_and_coo_programs_run_identically():
    m = truenorth_operating_point(TN, n_cores=6, seed=2, rate_hz=100.0)
    runs = [Chip(TN, seed=1).program(x).run(None, ticks=30, probes={"spikes": "all"}) for x in (m, _as_coo(m))]
    np.testing.assert_array_equal(runs[0].records[0].probe_spikes, runs[1].records[0].probe_spikes)
    np.testing.assert_array_equal(runs[0].records[0].per_core, runs[1].records[0].per_core)
    np.testing.assert_array_equal(runs[0].records[0].per_tick, runs[1].records[0].per_tick)
    assert runs[0].records[0].probe_spikes.sum() > 0


def test_npz_round_trip_keeps_bits_and_narrows(tmp_path):
    m = truenorth_operating_point(TN, n_cores=3, seed=4)
    path = m.save(tmp_path / "op.npz")
    with np.load(path) as z:
        assert z["c0/crossbar"].dtype == np.uint8 and "c0/syn_axon" not in z.files
        assert z["c0/dest_axon"].dtype == np.int16 and z["c0/p/v0"].dtype == np.int8
    back = MappedNetwork.load(path)
    for x, y in zip(m.cores, back.cores, strict=True):
        np.testing.assert_array_equal(x.program.crossbar, y.program.crossbar)
        np.testing.assert_array_equal(x.dest.axon, y.dest.axon)
        assert x.program.params.keys() == y.program.params.keys()
    assert Chip(TN).program(back).cores.nbytes() == Chip(TN).program(m).cores.nbytes()
    # The generated and the loaded crossbars are one cache-line aligned block each, which the cores share
    # instead of copying (cores.buffers: the kernels read its rows at random).
    for net in (m, back):
        cores = Chip(TN).program(net).cores
        assert cores._xbar.shared and np.shares_memory(cores._xbar.words, net.cores[2].program.crossbar)
        assert is_aligned(cores._xbar.words)


def test_loihi_chip_refused():
    with pytest.raises(SimulationError, match="needs a truenorth chip"):
        truenorth_operating_point(load_config("loihi"))


def _save_v10(m: MappedNetwork, path) -> None:
    """The 1.0 layout: no minor version, COO synapses, int32 / int64 / int8 arrays as 1.0 writers made them."""
    import json

    header = {"format": "neuromesh-mapped-network", "version": 1, "chip": m.chip_name, "n_cores": len(m.cores),
              "n_inputs": m.n_inputs, "n_outputs": m.n_outputs, "metadata": m.metadata}
    out = {"header": np.asarray(json.dumps(header)), "core_index": m.core_indices.astype(np.int32),
           "in_ptr": m.in_ptr.astype(np.int64), "in_core": m.in_core.astype(np.int32),
           "in_axon": m.in_axon.astype(np.int32), "in_delay": m.in_delay.astype(np.int32),
           "out_core": m.out_core.astype(np.int32), "out_neuron": m.out_neuron.astype(np.int32)}
    for k, mc in enumerate(m.cores):
        p, d, pre = mc.program, mc.dest, f"c{k}/"
        a, n = p.synapses()
        out |= {pre + "n_neurons": np.asarray([p.n_neurons], np.int64), pre + "n_axons": np.asarray([p.n_axons], np.int64),
                pre + "syn_axon": a.astype(np.int32), pre + "syn_neuron": n.astype(np.int32),
                pre + "axon_type": p.axon_type.astype(np.int8), pre + "dest_ptr": d.ptr.astype(np.int64),
                pre + "dest_core": d.core.astype(np.int32), pre + "dest_axon": d.axon.astype(np.int32),
                pre + "dest_delay": d.delay.astype(np.int32)}
        out |= {f"{pre}p/{name}": np.asarray(v, np.int64) for name, v in p.params.items()}
    np.savez_compressed(path, **out)


def test_version_1_0_files_read_unchanged(tmp_path):
    m = truenorth_operating_point(TN, n_cores=3, seed=7, rate_hz=100.0)
    _save_v10(m, tmp_path / "v10.npz")
    old = MappedNetwork.load(tmp_path / "v10.npz")
    assert old.cores[0].program.crossbar is None and old.cores[0].program.syn_axon.dtype == np.int32
    runs = [Chip(TN).program(x).run(None, ticks=20, probes={"spikes": "all"}) for x in (m, old)]
    np.testing.assert_array_equal(runs[0].records[0].probe_spikes, runs[1].records[0].probe_spikes)
