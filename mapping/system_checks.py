"""The go / no-go of a mapping onto a system of chips: every chip's capacity and every off-chip link's load.

A system (``cfg.system``) is one mesh cut into chips (:mod:`noc.topology`); the mapper has already kept every
core within its limits, so what is left to check is per chip and per off-chip link:

- **per chip**: cores used, neurons and synapses on the chip against ``cores_per_chip``, ``cores_per_chip x
  neurons_per_core`` and ``cores_per_chip x`` the synapses one core holds (the smaller of
  ``max_synapses_per_core`` and what fits its synapse memory by the neuron model's rule);
- **per off-chip link**: the expected flits per tick ``F`` on it, from the mapping's traffic estimate (each
  neuron sends one packet per destination core per spike, at the rates given to the mapper: 1 spike per tick
  when none are given, the peak), routed by the chip's routing (:func:`noc.routing.link_loads`), times the
  link's serialisation ``s`` (cycles per flit, :meth:`OffChipLinkConfig.serialisation`)::

      busy[link] = F[link] * s = packets[link] * flits_per_packet * s        [NoC cycles per tick]

  against the tick budget ``B = tick_period_ns / cycle_ns`` of a fixed-period system (TrueNorth: 1 ms). A
  barrier system (Loihi) has no fixed budget: its tick stretches to drain the links, so the load is reported
  (and judged by :func:`mapping.validate.check_timing` as for on-chip links), never refused.

Each refusal is a :class:`CapacityError` whose ``resource``, ``need`` and ``limit`` carry the numbers
(``chip_cores``, ``chip_neurons``, ``chip_synapses``; ``off_chip_link_cycles``), with the chip or link in its
context.
"""

from __future__ import annotations

import math

import numpy as np

from chip_configs.errors import CapacityError
from cores.models import model_of
from noc.routing import link_loads
from noc.topology import MeshTopology

CHIP_RESOURCES = ("cores", "neurons", "synapses")


def chip_limits(cfg) -> dict[str, int]:
    """What one chip holds: cores, neurons and synapses (the per-core limits times its cores)."""
    c = cfg.core
    per_core_syn = min(c.max_synapses_per_core, int(model_of(cfg).synapse_capacity(cfg)))
    n = cfg.cores_per_chip
    return {"cores": n, "neurons": n * c.neurons_per_core, "synapses": n * per_core_syn}


def chip_usage(cfg, assign: np.ndarray, neurons: np.ndarray, synapses: np.ndarray) -> dict[str, np.ndarray]:
    """Per chip (int64 [n_chips]): cores used, neurons and synapses, for slices on cores ``assign``."""
    topo = MeshTopology.from_config(cfg)
    chip = topo.chip_of_core(np.asarray(assign, np.int64)) if len(assign) else np.zeros(0, np.int64)
    n = topo.n_chips
    return {"cores": np.bincount(chip, minlength=n).astype(np.int64),
            "neurons": np.bincount(chip, weights=neurons, minlength=n).astype(np.int64),
            "synapses": np.bincount(chip, weights=synapses, minlength=n).astype(np.int64)}


def check_chips(cfg, usage: dict[str, np.ndarray]) -> None:
    """Refuse when a chip holds more than it can (the worst chip of the first resource over)."""
    limits = chip_limits(cfg)
    for r in CHIP_RESOURCES:
        k = int(np.argmax(usage[r])) if usage[r].size else 0
        if usage[r].size and usage[r][k] > limits[r]:
            raise CapacityError(f"chip_{r}", int(usage[r][k]), limits[r], chip=cfg.name, chip_id=k,
                                message="{chip}: chip {chip_id} needs {need} " + r + "; a chip has {limit} "
                                        "(over by {over})")


def tick_budget_cycles(cfg) -> float | None:
    """NoC cycles in one tick of a fixed-period system; None for barrier synchronisation (no fixed budget)."""
    if cfg.sync.mode != "fixed" or cfg.sync.tick_period_ns is None:
        return None
    return cfg.sync.tick_period_ns / cfg.noc.cycle_ns


def core_pair_packets(assign: np.ndarray, src: np.ndarray, dst: np.ndarray, w: np.ndarray):
    """Directed (source core, destination core, packets per tick) from slice pairs, self traffic dropped."""
    assign = np.asarray(assign, np.int64)
    a, b = assign[src], assign[dst]
    keep = a != b
    return a[keep], b[keep], np.asarray(w, np.float64)[keep]


def off_chip_loads(cfg, src_core: np.ndarray, dst_core: np.ndarray, packets: np.ndarray) -> dict:
    """Expected load of every off-chip link: ``link`` ids, ``packets``, ``flits`` and ``busy_cycles`` per
    tick (module docstring), with the totals over the system: ``off_chip_packets`` (packets that leave their
    chip), ``crossings`` (off-chip link traversals: a packet crossing two chip edges counts twice) and
    ``packets`` (all packets between cores)."""
    topo = MeshTopology.from_config(cfg)
    per_link = (link_loads(topo, cfg.noc.routing, topo.router_of_core(src_core), topo.router_of_core(dst_core),
                           packets) if packets.size else np.zeros(topo.n_links))
    off = np.flatnonzero(topo.link_off_chip)
    fpp = cfg.noc.flits_per_packet
    ser = cfg.system.off_chip.serialisation() if cfg.system is not None else 1
    leaves = topo.chip_of_core(src_core) != topo.chip_of_core(dst_core) if packets.size else np.zeros(0, bool)
    return {"link": off, "packets": per_link[off], "flits": per_link[off] * fpp,
            "busy_cycles": per_link[off] * fpp * ser, "serialisation": ser,
            "off_chip_packets": float(packets[leaves].sum()), "crossings": float(per_link[off].sum()),
            "all_packets": float(packets.sum())}


def busiest_link(cfg, loads: dict) -> dict | None:
    """The off-chip link with the most busy cycles per tick: its ends, chips, load and the tick budget."""
    if loads["link"].size == 0 or not np.any(loads["busy_cycles"]):
        return None  # no off-chip link, or none carries anything
    topo = MeshTopology.from_config(cfg)
    k = int(np.argmax(loads["busy_cycles"]))
    link = int(loads["link"][k])
    a, b = int(topo.link_src[link]), int(topo.link_dst[link])
    budget = tick_budget_cycles(cfg)
    busy = float(loads["busy_cycles"][k])
    return {"link": link, "from": list(topo.coords(a)), "to": list(topo.coords(b)),
            "chips": [int(topo.chip_of_router[a]), int(topo.chip_of_router[b])],
            "packets_per_tick": float(loads["packets"][k]), "flits_per_tick": float(loads["flits"][k]),
            "busy_cycles_per_tick": busy, "tick_budget_cycles": budget,
            "utilisation": busy / budget if budget else None}


def check_off_chip_links(cfg, loads: dict) -> None:
    """Refuse when the busiest off-chip link's expected busy cycles exceed a fixed tick (barrier: never)."""
    worst = busiest_link(cfg, loads)
    budget = tick_budget_cycles(cfg)
    if worst is None or budget is None or worst["busy_cycles_per_tick"] <= budget:
        return
    raise CapacityError(
        "off_chip_link_cycles", math.ceil(worst["busy_cycles_per_tick"] - 1e-9), math.floor(budget + 1e-9),
        chip=cfg.name, link=worst["link"], src=tuple(worst["from"]), dst=tuple(worst["to"]),
        chips=tuple(worst["chips"]), flits=worst["flits_per_tick"], ser=loads["serialisation"],
        message="{chip}: off-chip link {src}->{dst} (chips {chips}) is busy {need} cycles per tick ({flits:.1f} "
                "flits x {ser} cycles per flit, expected at the mapper's rates; 1 spike per neuron per tick "
                "unless rates are given) but a tick has {limit} cycles (over by {over})")


def system_summary(cfg, usage: dict[str, np.ndarray], loads: dict) -> dict:
    """The mapping summary's ``system`` block: chips used, per-chip usage and limits, expected off-chip traffic."""
    used = np.flatnonzero(usage["cores"])
    return {
        "chips": int(cfg.n_chips), "chips_used": int(used.size), "chip_limits": chip_limits(cfg),
        "per_chip": [{"chip": int(c), **{r: int(usage[r][c]) for r in CHIP_RESOURCES}} for c in used.tolist()],
        "packets_per_tick": loads["all_packets"],
        "off_chip_packets_per_tick": loads["off_chip_packets"],
        "off_chip_share": loads["off_chip_packets"] / loads["all_packets"] if loads["all_packets"] else 0.0,
        "off_chip_crossings_per_tick": loads["crossings"],
        "off_chip_flits_per_tick": float(loads["flits"].sum()),
        "busiest_off_chip_link": busiest_link(cfg, loads),
    }


def check_system(cfg, assign, neurons, synapses, pairs) -> dict:
    """Every chip and every off-chip link of the mapping (raises :class:`CapacityError`); returns the
    summary's ``system`` block. ``pairs``: directed slice traffic ``(src, dst, w)``
    (:func:`mapping.routing_tables.slice_pairs`)."""
    usage = chip_usage(cfg, assign, neurons, synapses)
    check_chips(cfg, usage)
    loads = off_chip_loads(cfg, *core_pair_packets(assign, *pairs))
    check_off_chip_links(cfg, loads)
    return system_summary(cfg, usage, loads)


__all__ = ["CHIP_RESOURCES", "busiest_link", "check_chips", "check_off_chip_links", "check_system", "chip_limits",
           "chip_usage", "core_pair_packets", "off_chip_loads", "system_summary", "tick_budget_cycles"]
