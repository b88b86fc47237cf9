"""Off-chip hops of each source core in a system of chips: which of a core's hops cross a chip edge.

Every engine counts a packet's hops at its source core by direction (``hops_ew += |dx|``, ``hops_ns += |dy|``,
:mod:`emulator._tick`, ``emulator/_events.h``), but not which of them were off-chip links. Those follow from the
wiring alone: a minimal route from router (sx, sy) to (tx, ty) crosses, whatever its dimension order, the
chip columns and rows between them (:meth:`noc.topology.MeshTopology.chip_crossings_xy`)::

    off_ew[g] = sum over g's destination entries e of |sx // cw - tx_e // cw|       (per spike of neuron g)
    off_ns[g] = sum over e of |sy // ch - ty_e // ch|
    off_hops[k, d] = sum over neurons g of core k of spikes[g] x off_d[g]           (d = ew, ns)

so each loop only counts its spikes per neuron (the stepped loop per tick, the fused loop in its kernel) and
:meth:`SourceCrossings.per_core` turns the counts into per-core off-chip hops once per inference. Summed over
cores they equal the off-chip links' flits / F the engines count per link (the same routes), so the report's
per-core rows add up to its totals on chip and off chip (:func:`emulator.report._per_core`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SourceCrossings:
    """The chip crossings of every neuron's packets, kept for the neurons that have any.

    Attributes
    ----------
    neuron : int64[m]   global ids of the neurons with at least one off-chip hop per spike
    pos : int64[m]      their core positions
    hops : int64[m, 2]  off-chip hops per spike, east-west and north-south
    n_cores : int       core positions of the chip (rows of :meth:`per_core`)
    """

    neuron: np.ndarray
    pos: np.ndarray
    hops: np.ndarray
    n_cores: int

    @classmethod
    def of(cls, chip) -> SourceCrossings | None:
        """The crossings of ``chip``'s wiring; None on a single chip (nothing crosses)."""
        if chip.cfg.system is None:
            return None
        w = chip.wiring
        per_entry = np.diff(w.dest_ptr)
        src = np.repeat(np.arange(per_entry.size, dtype=np.int64), per_entry)
        core = w.core_index.astype(np.int64)
        ew, ns = chip.topology.chip_crossings_xy(core[w.neuron_pos[src]], core[w.dest_pos])
        hops = np.stack([np.bincount(src, weights=d, minlength=per_entry.size) for d in (ew, ns)], axis=1)
        neuron = np.flatnonzero(hops.any(axis=1))
        return cls(neuron, w.neuron_pos[neuron].astype(np.int64), np.rint(hops[neuron]).astype(np.int64),
                   int(core.size))

    def per_core(self, spikes_per_neuron: np.ndarray) -> np.ndarray:
        """Off-chip hops (int64 [C, 2]: east-west, north-south) of each source core position, from the spikes
        of each global neuron over the inference (module docstring)."""
        out = np.zeros((self.n_cores, 2), np.int64)
        np.add.at(out, self.pos, self.hops * spikes_per_neuron[self.neuron, None])
        return out


__all__ = ["SourceCrossings"]
