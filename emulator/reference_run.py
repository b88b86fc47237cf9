"""Tick-level functional reference of a programmed chip: no NoC, no timing, the NumPy oracle cores.

This is the yardstick of the emulator's functional result: for every tick it integrates, updates, emits, and
delivers every spike to its destination axons for tick t + delay, with plain loops over the mapped network's
own tables (not the chip's flattened wiring), so it shares no dispatch code with :mod:`emulator.simulator`.
"""

from __future__ import annotations

import numpy as np

from cores._reference import ReferenceCoreArray
from emulator.simulator import InferenceRecord, RunResult


def _dest_table(chip) -> tuple[dict, dict]:
    """(global neuron -> [(global axon, delay)], input line -> [(global axon, delay)]) from the mapped tables."""
    m, cores = chip.mapped, chip.cores
    pos_of = {mc.index: k for k, mc in enumerate(m.cores)}
    neuron_dests: dict[int, list[tuple[int, int]]] = {}
    for k, mc in enumerate(m.cores):
        d = mc.dest
        for j in range(mc.program.n_neurons):
            lo, hi = int(d.ptr[j]), int(d.ptr[j + 1])
            neuron_dests[int(cores.neuron_offset[k]) + j] = [
                (int(cores.axon_offset[pos_of[int(d.core[e])]]) + int(d.axon[e]), int(d.delay[e]))
                for e in range(lo, hi)]
    input_dests = {
        i: [(int(cores.axon_offset[pos_of[int(m.in_core[e])]]) + int(m.in_axon[e]), int(m.in_delay[e]))
            for e in range(int(m.in_ptr[i]), int(m.in_ptr[i + 1]))]
        for i in range(m.n_inputs)}
    return neuron_dests, input_dests


def run_reference(chip, spikes: np.ndarray) -> RunResult:
    """Functional run of ``spikes`` [B, T, n_in] on the oracle cores; returns output spikes only."""
    chip._require_program()
    ref = ReferenceCoreArray(chip.cfg, [mc.program for mc in chip.mapped.cores], seed=chip.cores.seed)
    neuron_dests, input_dests = _dest_table(chip)
    outputs = {int(g): j for j, g in enumerate(chip.wiring.out_neuron.tolist())}
    B, T, _ = spikes.shape
    out = np.zeros((B, T, len(outputs)), np.int8)
    for b in range(B):
        if b == 0 or chip.cfg.sync.reset_between_inferences:
            ref.reset()
        for t in range(T):
            fired = ref.step()
            pending = [d for g in fired.tolist() for d in neuron_dests[g]]
            for line in np.flatnonzero(spikes[b, t]).tolist():
                pending += input_dests[line] * int(spikes[b, t, line])
            if pending:
                arr = np.asarray(pending, dtype=np.int32)
                ref.schedule(arr[:, 0], arr[:, 1])
            for g in fired.tolist():
                if g in outputs:
                    out[b, t, outputs[g]] = 1
    records: list[InferenceRecord] = []
    return RunResult(output_spikes=out, records=records)
