"""Check a :class:`~emulator.mapped.MappedNetwork` against a chip config before programming.

Each check is a small function returning problems as strings that name the core (and neuron or axon), the
quantity, the value and the limit. :func:`check_mapped` raises one :class:`ProgramError` listing them all.
Checks over destination and output entries are vectorised (a 4,096-core chip has a million of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from chip_configs.errors import ProgramError
from chip_configs.schema import ChipConfig
from cores.models import model_of
from cores.program_check import core_groups, programs_valid

if TYPE_CHECKING:
    from emulator.mapped import MappedCore, MappedNetwork

MAX_LISTED = 20


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


@dataclass(frozen=True)
class CoreSizes:
    """Axons and neurons of each programmed core, by chip core index (-1: not programmed)."""

    axons: np.ndarray    # int64[max index + 1]
    neurons: np.ndarray  # int64[max index + 1]

    @classmethod
    def of(cls, m: MappedNetwork, cfg: ChipConfig) -> CoreSizes:
        """Sizes over the chip's core indices (out-of-range indices are left out: check_core_indices)."""
        idx = m.core_indices
        axons, neurons = np.full(cfg.num_cores, -1, np.int64), np.full(cfg.num_cores, -1, np.int64)
        ok = (idx >= 0) & (idx < cfg.num_cores)
        axons[idx[ok]] = [mc.program.n_axons for mc, good in zip(m.cores, ok, strict=True) if good]
        neurons[idx[ok]] = [mc.program.n_neurons for mc, good in zip(m.cores, ok, strict=True) if good]
        return cls(axons, neurons)

    def lookup(self, table: np.ndarray, core: np.ndarray) -> np.ndarray:
        """``table[core]``, -1 where ``core`` is not a programmed chip core index."""
        core = np.asarray(core, dtype=np.int64)
        inside = (core >= 0) & (core < table.size)
        out = np.full(core.shape, -1, np.int64)
        out[inside] = table[core[inside]]
        return out


def check_core_indices(m: MappedNetwork, cfg: ChipConfig) -> list[str]:
    idx = m.core_indices
    p = []
    if idx.size and (idx.min() < 0 or idx.max() >= cfg.num_cores):
        bad = int(idx[(idx < 0) | (idx >= cfg.num_cores)][0])
        p.append(f"core {bad}: core index out of range; chip '{cfg.name}' has cores 0..{cfg.num_cores - 1}")
    if np.unique(idx).size != idx.size:
        vals, counts = np.unique(idx, return_counts=True)
        p.append(f"core {int(vals[counts > 1][0])}: programmed more than once")
    return p


def check_destinations(mc: MappedCore, sizes: CoreSizes, cfg: ChipConfig) -> list[str]:
    """Destinations of one core: target core used, axon within it, delay in 1..delay_slots, fan-out limits."""
    d, p = mc.dest, []
    n = mc.program.n_neurons
    if d.ptr.shape[0] != n + 1 or (d.ptr.size and (d.ptr[0] != 0 or d.ptr[-1] != len(d))):
        return [f"core {mc.index}: destination table has {d.ptr.shape[0]} row pointers for {n} neurons"]
    fan_out = np.diff(d.ptr)
    if fan_out.size and fan_out.max() > cfg.core.max_fan_out:
        j = _first_bad(fan_out > cfg.core.max_fan_out)
        p.append(f"core {mc.index} neuron {j}: fan-out {int(fan_out[j])} exceeds core.max_fan_out "
                 f"{cfg.core.max_fan_out}")
    lim = cfg.core.max_output_axons_per_core
    if lim is not None and len(d) > lim:
        p.append(f"core {mc.index}: {len(d)} output edges exceed core.max_output_axons_per_core {lim}")
    p += _check_targets(f"core {mc.index}", d.core, d.axon, d.delay, sizes, cfg, row_of=d.ptr)
    return p


def destinations_ok(m: MappedNetwork, sizes: CoreSizes, cfg: ChipConfig) -> bool:
    """True when :func:`check_destinations` finds nothing on any core, checked over groups of cores at once
    (row pointers per core in Python, the entries' values concatenated); False: not sure (check core by core).
    """
    lim, max_fan_out = cfg.core.max_output_axons_per_core, cfg.core.max_fan_out
    lens = []
    for mc in m.cores:
        d, n = mc.dest, mc.program.n_neurons
        if (d.ptr.shape != (n + 1,) or int(d.ptr[0]) != 0 or int(d.ptr[-1]) != len(d)
                or (lim is not None and len(d) > lim)):
            return False
        lens.append(len(d))
    for k0, k1 in core_groups(lens):
        dests = [mc.dest for mc in m.cores[k0:k1]]
        fan_out = np.diff(np.concatenate([d.ptr.astype(np.int64) for d in dests]))
        ends = np.cumsum([d.ptr.size for d in dests])[:-1] - 1   # diffs across two cores' pointers
        fan_out[ends] = 0
        core = np.concatenate([d.core for d in dests]).astype(np.int64)
        axon, delay = np.concatenate([d.axon for d in dests]), np.concatenate([d.delay for d in dests])
        limit = sizes.lookup(sizes.axons, core)
        if (fan_out.max(initial=0) > max_fan_out or (limit < 0).any() or (axon < 0).any() or (axon >= limit).any()
                or (delay < 1).any() or (delay > cfg.core.delay_slots).any()):
            return False
    return True


def _row(ptr: np.ndarray, entry: int) -> int:
    return int(np.searchsorted(ptr, entry, side="right") - 1)


def _check_targets(who: str, core: np.ndarray, axon: np.ndarray, delay: np.ndarray, sizes: CoreSizes,
                   cfg: ChipConfig, row_of: np.ndarray, row_name: str = "neuron") -> list[str]:
    limit = sizes.lookup(sizes.axons, core)
    unknown = limit < 0
    if unknown.any():
        e = _first_bad(unknown)
        return [f"{who} {row_name} {_row(row_of, e)}: destination core {int(core[e])} is not programmed"]
    p = []
    bad_axon = (axon < 0) | (axon >= limit)
    if bad_axon.any():
        e = _first_bad(bad_axon)
        p.append(f"{who} {row_name} {_row(row_of, e)}: destination axon {int(axon[e])} out of range for core "
                 f"{int(core[e])} (0..{int(limit[e]) - 1})")
    bad_delay = (delay < 1) | (delay > cfg.core.delay_slots)
    if bad_delay.any():
        e = _first_bad(bad_delay)
        p.append(f"{who} {row_name} {_row(row_of, e)}: delay {int(delay[e])} out of range; allowed 1.."
                 f"{cfg.core.delay_slots} ticks (core.delay_slots)")
    return p


def check_io(m: MappedNetwork, sizes: CoreSizes, cfg: ChipConfig) -> list[str]:
    p = []
    if m.in_ptr.shape[0] != m.n_inputs + 1:
        p.append(f"inputs: in_ptr has {m.in_ptr.shape[0]} entries for {m.n_inputs} input lines")
    else:
        p += _check_targets("input", m.in_core, m.in_axon, m.in_delay, sizes, cfg, m.in_ptr, "line")
    return p + _check_outputs(m, sizes)


def _check_outputs(m: MappedNetwork, sizes: CoreSizes) -> list[str]:
    """Every output reads a neuron of a programmed core (lists up to MAX_LISTED offenders)."""
    core, nrn = m.out_core.astype(np.int64), m.out_neuron.astype(np.int64)
    limit = sizes.lookup(sizes.neurons, core)
    bad = (limit < 0) | (nrn < 0) | (nrn >= limit)
    p = []
    for j in np.flatnonzero(bad)[:MAX_LISTED].tolist():
        c = int(core[j])
        if limit[j] < 0:
            p.append(f"output {j}: core {c} is not programmed")
        else:
            p.append(f"output {j}: neuron {int(nrn[j])} out of range for core {c} (0..{int(limit[j]) - 1})")
    return p


def check_target(m: MappedNetwork, cfg: ChipConfig) -> None:
    """Refuse at once a program mapped for another neuron model: its cores cannot fit, and listing why core by
    core would hide the one thing to do (map the network again for this chip)."""
    mapped_for, here = (m.metadata.get("summary") or {}).get("model"), model_of(cfg).name
    if mapped_for and mapped_for != here:
        raise ProgramError(
            f"this programmed chip was mapped for chip '{m.chip_name}' (neuron model {mapped_for}); chip "
            f"'{cfg.name}' has neuron model {here}: map the network again for it "
            f"(neuromesh map {cfg.name} NETWORK --out mapped.npz), or run it on '{m.chip_name}'")


def check_mapped(m: MappedNetwork, cfg: ChipConfig) -> None:
    """Raise :class:`ProgramError` listing every problem (up to :data:`MAX_LISTED`); a program for another
    neuron model is refused first, in one line."""
    check_target(m, cfg)
    problems = check_core_indices(m, cfg)
    sizes = CoreSizes.of(m, cfg)
    # Vectorised over all cores first; core by core (the messages) only where something may be wrong.
    programs_ok = programs_valid(cfg, [mc.program for mc in m.cores])
    dests_ok = destinations_ok(m, sizes, cfg)
    for mc in m.cores if not (programs_ok and dests_ok) else ():
        if not programs_ok:
            try:
                mc.program.validate(cfg, mc.index)
            except ProgramError as exc:
                problems.append(str(exc))
        if not dests_ok:
            problems += check_destinations(mc, sizes, cfg)
    problems += check_io(m, sizes, cfg)
    if problems:
        shown = problems[:MAX_LISTED]
        more = len(problems) - len(shown)
        tail = f"\n  ... and {more} more" if more else ""
        other = f" (it was mapped for chip '{m.chip_name}')" if m.chip_name != cfg.name else ""
        raise ProgramError(
            f"mapped network does not fit chip '{cfg.name}'{other}:\n" + "\n".join(f"  - {s}" for s in shown)
            + tail
        )
