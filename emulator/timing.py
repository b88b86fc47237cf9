"""The tick semantics every loop uses: busy time, injection time, phases, synchronisation and violations.

One source for the rules of design.md, section 3 ("Time inside a tick", "Synchronisation"). The stepped loop
(:mod:`emulator.simulator`) calls these functions on NumPy arrays; the fused loop (:mod:`emulator.fused`)
computes the same formulas per tick in compiled code (``emulator/_fused.pyx``, ``_time``) from the
:class:`TickTiming` record built here, and names its overruns through :func:`core_overrun`,
:func:`link_overrun` and :func:`port_overrun`; ``tests/emulator/test_loads_engine.py`` holds the two loops
to equal compute phases, counts and named cores.

Per tick, per core ``k`` (ns; counts from the event columns of :mod:`emulator.energy`)::

    integ_k  = syn_ops_k x syn_op_ns                                   integration of the axon inputs
    update_k = active_k x neuron_update_active_ns + inactive_k x neuron_update_inactive_ns
    busy_k   = integ_k + update_k + packets_k x spike_ns

A core integrates first, then sweeps its ``n_k`` neurons in index order; the ``r``-th packet it forms in the
tick (``r = 1, 2, ...``), from its local neuron ``j``, requests the mesh at::

    inject = integ_k + (j + 1) / n_k x update_k + r x spike_ns         cycle: ceil(inject / cycle_ns)

(computed per packet by ``emulator/_tick.pyx``, ``form_packets``; :func:`injection_ns` is its NumPy form).
With ``compute = max_k busy_k`` and ``network`` the network model's end of the tick's traffic::

    barrier:  duration = max(compute, network) + barrier_latency_ns,   sync = barrier_latency_ns
    fixed:    duration = tick_period_ns,  sync = max(0, period - max(compute, network)),
              a violation when max(compute, network) > period: the busiest core if compute overran, else
              the busiest link (or, for traffic that never left its router, the busiest local port).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emulator.energy import EVENT_NAMES

# The event columns the timing reads, by name from the one event enumeration (emulator.energy.EVENTS).
SYN, ACT, INACT, PKT = (EVENT_NAMES.index(name) for name in
                        ("syn_ops", "neuron_updates_active", "neuron_updates_inactive", "packets"))


@dataclass(frozen=True)
class TickTiming:
    """The per-operation latencies (ns) and the synchronisation of one chip, read from its config once."""

    syn_ns: float
    act_ns: float
    inact_ns: float
    spk_ns: float
    cycle_ns: float
    fixed: bool
    period: float
    barrier: float

    @classmethod
    def from_config(cls, cfg) -> TickTiming:
        t, s = cfg.timing, cfg.sync
        return cls(syn_ns=t.syn_op_ns, act_ns=t.neuron_update_active_ns, inact_ns=t.neuron_update_inactive_ns,
                   spk_ns=t.spike_ns, cycle_ns=cfg.noc.cycle_ns, fixed=s.mode == "fixed",
                   period=float(s.tick_period_ns or 0.0), barrier=float(s.barrier_latency_ns or 0.0))

    def core_time(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(integration ns, update ns) of each core from its counts ``[C, N_EVENTS]``."""
        integ = counts[:, SYN] * self.syn_ns
        update = counts[:, ACT] * self.act_ns + counts[:, INACT] * self.inact_ns
        return integ, update

    def busy(self, integ: np.ndarray, update: np.ndarray, packets: np.ndarray) -> np.ndarray:
        """``busy_k = integ_k + update_k + packets_k x spike_ns`` (ns)."""
        return integ + update + packets * self.spk_ns

    def busy_ns(self, counts: np.ndarray) -> np.ndarray:
        """Busy time of each core (ns) from its counts."""
        integ, update = self.core_time(counts)
        return self.busy(integ, update, counts[:, PKT])

    def phases(self, compute: float, network: float) -> tuple[float, float, float, float]:
        """(duration, compute, network, sync) in ns of a tick whose cores end at ``compute`` and whose
        traffic ends at ``network`` (ns from the tick start)."""
        work = max(compute, network)
        if self.fixed:
            return self.period, compute, work - compute, max(0.0, self.period - work)
        return work + self.barrier, compute, work - compute, self.barrier

    def overran(self, compute: float, network: float) -> bool:
        """Whether a fixed-period tick's work overran its period (a timing violation)."""
        return self.fixed and max(compute, network) > self.period

    def record(self) -> dict:
        """The fields the compiled fused loop reads (``FusedKernel``'s timing record), by name."""
        return {"syn_ns": self.syn_ns, "act_ns": self.act_ns, "inact_ns": self.inact_ns, "spk_ns": self.spk_ns,
                "cycle_ns": self.cycle_ns, "fixed": self.fixed, "period": self.period, "barrier": self.barrier}


def injection_ns(timing: TickTiming, integ: np.ndarray, update: np.ndarray, n_per_core: np.ndarray,
                 core: np.ndarray, local: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Request times (ns) of packets: the ``rank``-th (1-based) packet of core ``core`` in the tick, from its
    local neuron ``local`` (module docstring)."""
    return integ[core] + (local + 1) / n_per_core[core] * update[core] + rank * timing.spk_ns


def injection_cycle(timing: TickTiming, inject_ns: np.ndarray) -> np.ndarray:
    """The cycle a request at ``inject_ns`` enters the mesh: ``ceil(t / cycle_ns)``, with a guard against float
    noise on exact multiples of the cycle."""
    return np.ceil(inject_ns / timing.cycle_ns - 1e-9).astype(np.int64)


# ----- violations (fixed synchronisation), one record per overrun tick -------------------------------------------


def core_overrun(tick: int, core: int, busy_ns: float, period: float, syn_ops: int, packets: int) -> dict:
    """A compute overrun: chip core ``core`` was busy ``busy_ns`` of a ``period`` ns tick."""
    return {"tick": tick, "kind": "core", "culprit": f"core {core}", "busy_ns": busy_ns, "period_ns": period,
            "overrun_ns": busy_ns - period, "syn_ops": syn_ops, "packets": packets}


def _network(tick: int, period: float, network_end: float, latest_packet: str | None) -> dict:
    entry = {"tick": tick, "network_end_ns": network_end, "period_ns": period, "overrun_ns": network_end - period}
    if latest_packet is not None:
        entry["latest_packet"] = latest_packet
    return entry


def link_overrun(tick: int, period: float, network_end: float, link: str, flits: int,
                 latest_packet: str | None = None, chips: tuple[int, int] | None = None) -> dict:
    """A network overrun blamed on the busiest link (named ``link``, ``flits`` in the tick); ``latest_packet``
    names the last delivery when the network model times packets one by one; ``chips`` (source, destination
    chip) marks an off-chip link of a system: the culprit reads ``off-chip link chip 0 -> chip 1 (<link>)``."""
    culprit = f"link {link}" if chips is None else f"off-chip link chip {chips[0]} -> chip {chips[1]} ({link})"
    entry = {**_network(tick, period, network_end, latest_packet), "kind": "link", "culprit": culprit,
             "link_flits": flits}
    if chips is not None:
        entry["off_chip"] = True
    return entry


def port_overrun(tick: int, period: float, network_end: float, core: int, packets: int,
                 latest_packet: str | None = None) -> dict:
    """A network overrun of traffic that never left its router: the local ports of the busiest destination
    core (chip index ``core``, ``packets`` delivered to it) are the limit."""
    return {**_network(tick, period, network_end, latest_packet), "kind": "port",
            "culprit": f"local port of core {core}", "packets_to_core": packets}
