"""Readable NumPy oracle of the neuron cores, with the same API as :class:`cores.CoreArray`.

Written independently of the kernel's data structures: pending spikes are a dict from tick to arrays of axon
ids, synapses stay in each core's COO arrays, and every rule is a vectorised NumPy expression over one core's
neurons using :mod:`cores.fixed_point` and :mod:`cores.prng`. Used by the tests (and as the functional
reference of whole-chip runs); it is slow and never a runtime fallback.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from chip_configs.errors import ProgramError
from cores import fixed_point as fx
from cores import prng
from cores.core_array import StateRegisters, _check_entries
from cores.program import CoreProgram


class ReferenceCoreArray(StateRegisters):
    """NumPy twin of :class:`cores.CoreArray` (same indexing, timing contract, counters and state)."""

    def __init__(self, cfg, programs: Sequence[CoreProgram], seed: int | None = None):
        if len(programs) > cfg.num_cores:
            raise ProgramError(f"{len(programs)} core programs given; the chip has {cfg.num_cores} cores")
        self.cfg = cfg
        self.model = cfg.neuron.model
        self.seed = int(seed if seed is not None else getattr(cfg.neuron, "prng_seed", 0))
        self.key = prng.seed_key(self.seed)
        self.programs = list(programs)
        self.params = [p.validate(cfg, k) for k, p in enumerate(programs)]
        # COO pairs of every core as int64 (a TrueNorth bit crossbar is unpacked here, once).
        self.synapses = [tuple(x.astype(np.int64) for x in p.synapses()) for p in programs]
        self.n_cores = len(programs)
        self.neuron_offset = np.concatenate([[0], np.cumsum([p.n_neurons for p in programs])]).astype(np.int64)
        self.axon_offset = np.concatenate([[0], np.cumsum([p.n_axons for p in programs])]).astype(np.int64)
        self.n_neurons = int(self.neuron_offset[-1])
        self.n_axons = int(self.axon_offset[-1])
        self.reset()

    # ----- run control ------------------------------------------------------------------------------
    def reset(self) -> None:
        zeros = np.zeros(self.n_neurons, dtype=np.int64)
        self.u = np.concatenate([p["u0"] for p in self.params]) if self.model == "loihi_lif" and self.params \
            else zeros.copy()
        self.v = np.concatenate([p["v0"] for p in self.params]) if self.params else zeros.copy()
        self.refractory = zeros.copy()
        self.pending: dict[int, list[np.ndarray]] = defaultdict(list)
        self.tick = 0
        self.last_counts = np.zeros((self.n_cores, 4), dtype=np.int64)
        self.total_counts = np.zeros((self.n_cores, 4), dtype=np.int64)

    def reset_counts(self) -> None:
        self.last_counts[:] = 0
        self.total_counts[:] = 0

    def schedule(self, axons, delays) -> None:
        """Spikes on global ``axons`` integrated at tick ``self.tick + delay - 1`` (see cores.core_array)."""
        axons = np.asarray(axons).reshape(-1)
        delays = np.broadcast_to(np.asarray(delays), axons.shape)
        if axons.size == 0:
            return
        _check_entries("axon", axons, 0, self.n_axons - 1)
        _check_entries("delay", delays, 1, self.cfg.core.delay_slots)
        due = self.tick + delays.astype(np.int64) - 1
        for t in np.unique(due):
            self.pending[int(t)].append(axons[due == t].astype(np.int64))

    def step(self) -> np.ndarray:
        arrived = self.pending.pop(self.tick, [])
        per_axon = np.bincount(np.concatenate(arrived), minlength=self.n_axons) if arrived else \
            np.zeros(self.n_axons, dtype=np.int64)
        fired = [self._step_core(k, per_axon[self.axon_offset[k]:self.axon_offset[k + 1]])
                 for k in range(self.n_cores)]
        self.total_counts += self.last_counts
        self.tick += 1
        return np.concatenate(fired).astype(np.int32) if fired else np.zeros(0, dtype=np.int32)

    def _step_core(self, k: int, count: np.ndarray) -> np.ndarray:
        prog, p = self.programs[k], self.params[k]
        sl = slice(self.neuron_offset[k], self.neuron_offset[k + 1])
        a, n = self.synapses[k]
        self.last_counts[k, 0] = int(count[a].sum())
        inp = self._input(k, prog, p, count, a, n)
        if self.model == "loihi_lif":
            spike, active = self._loihi(p, sl, inp)
        else:
            spike, active = self._truenorth(k, p, sl, inp)
        self.last_counts[k, 1:] = (active.sum(), (~active).sum(), spike.sum())
        return np.flatnonzero(spike) + self.neuron_offset[k]

    # ----- synaptic input ---------------------------------------------------------------------------
    def _input(self, k: int, prog: CoreProgram, p: dict, count: np.ndarray, a: np.ndarray,
               n: np.ndarray) -> np.ndarray:
        """Net synaptic input per local neuron: sum over arriving spikes of the synaptic weight."""
        c = count[a]
        inp = np.zeros(prog.n_neurons, dtype=np.int64)
        if self.model == "loihi_lif":
            np.add.at(inp, n, prog.syn_weight.astype(np.int64) * c)
            return inp
        typ = prog.axon_type.astype(np.int64)[a]
        w, stoch = p["weights"][n, typ], p["syn_stochastic"][n, typ].astype(bool)
        np.add.at(inp, n[~stoch], w[~stoch] * c[~stoch])
        for m in range(int(c[stoch].max(initial=0))):
            sel = stoch & (c > m)
            r = prng.draw(self.key, k, self.tick, n[sel], prng.synapse_slot(a[sel], m)) & np.uint64(0xFF)
            hit = r.astype(np.int64) < np.abs(w[sel])
            np.add.at(inp, n[sel], np.where(hit, np.sign(w[sel]), 0))
        return inp

    # ----- Loihi LIF (rules: cores.params.LoihiLifParams) -------------------------------------------
    def _loihi(self, p: dict, sl: slice, inp: np.ndarray):
        nn = self.cfg.neuron
        d = nn.decay_bits
        u, v, refr = self.u[sl], self.v[sl], self.refractory[sl]
        drive = fx.shift(inp, p["weight_exp"]) << nn.input_shift
        u_new = fx.overflow(fx.decay(u, (1 << d) - (p["du"] + 1), d) + drive, nn.current_bits, nn.current_overflow)
        bias = fx.shift(p["bias_mant"], p["bias_exp"])
        v_int = fx.overflow(fx.decay(v, (1 << d) - p["dv"], d) + u_new + bias, nn.membrane_bits,
                            nn.membrane_overflow)
        held = refr > 0
        spike = ~held & (v_int > (p["vth"] << nn.threshold_shift))
        v_new = np.where(held | spike, 0, v_int)
        refr_new = np.where(held, refr - 1, np.where(spike, p["refractory_ticks"], 0))
        if nn.refractory != "silicon":
            refr_new = np.zeros_like(refr)
        active = spike | (u != 0) | (v != 0) | (refr != 0) | (inp != 0) | (v_new != 0)
        self.u[sl], self.v[sl], self.refractory[sl] = u_new, v_new, refr_new
        return spike, active

    # ----- TrueNorth (rules: cores.params.TrueNorthParams) ------------------------------------------
    def _draws(self, k: int, n: int, slot: int) -> np.ndarray:
        return prng.draw(self.key, k, self.tick, np.arange(n), slot)

    def _truenorth(self, k: int, p: dict, sl: slice, inp: np.ndarray):
        bits, pol = self.cfg.neuron.membrane_bits, self.cfg.neuron.membrane_overflow
        v0 = self.v[sl]
        n = v0.size
        vv = fx.overflow(v0 + inp, bits, pol)
        lk = np.where(p["leak_reversal"] == 1, p["leak"] * np.sign(vv), p["leak"])
        r_leak = (self._draws(k, n, prng.SLOT_LEAK) & np.uint64(0xFF)).astype(np.int64)
        lk = np.where((p["leak_stochastic"] == 1), np.where(r_leak < np.abs(lk), np.sign(lk), 0), lk)
        vv = fx.overflow(vv + lk, bits, pol)
        mask = (np.int64(1) << p["threshold_mask_bits"]) - 1
        eta = (self._draws(k, n, prng.SLOT_THRESHOLD) & mask.astype(np.uint64)).astype(np.int64)
        v_new, spike = _truenorth_reset(p, vv, eta)
        v_new = fx.overflow(v_new, bits, pol)
        active = spike | (v0 != 0) | (inp != 0) | (v_new != 0)
        self.v[sl] = v_new
        return spike, active



def _truenorth_reset(p: dict, vv: np.ndarray, eta: np.ndarray):
    """Threshold test and the six (gamma, kappa) resets of Cassidy 2013; returns (new V, spike mask)."""
    alpha, beta, gamma, r = p["alpha"], p["beta"], p["reset_mode"], p["reset_value"]
    spike = vv >= alpha + eta
    neg_sat = ~spike & (p["kappa"] == 1) & (vv < -beta)
    neg = ~spike & (p["kappa"] == 0) & (vv < -(beta + eta))
    out = vv.copy()
    out = np.where(spike & (gamma == 0), r, out)
    out = np.where(spike & (gamma == 1), vv - (alpha + eta), out)
    out = np.where(neg_sat, -beta, out)
    out = np.where(neg & (gamma == 0), -r, out)
    out = np.where(neg & (gamma == 1), vv + (beta + eta), out)
    return out, spike


__all__ = ["ReferenceCoreArray"]
