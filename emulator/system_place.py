"""A network mapped for one chip, run on one chip of a system of such chips (``neuromesh run`` of a system
preset with the chip's bundled demo network).

A system's cores are numbered as one mesh (:mod:`noc.topology`): router ``r = y * width + x`` of the whole
system, ``cores_per_router`` cores each. A network mapped for the chip numbers its cores on the chip's own
mesh; :func:`onto_chip` renumbers every core index it holds (programmed cores, destinations, inputs, outputs)
to the same router and core slot of chip ``chip`` of the system::

    chip core c -> router rc = c // C, slot c % C; (x, y) = (rc % cw, rc // cw)
    system core = ((j ch + y) W + i cw + x) C + c % C        chip id = j chips_x + i
"""

from __future__ import annotations

import dataclasses

import numpy as np

from chip_configs.errors import SimulationError
from chip_configs.schema import ChipConfig
from emulator.mapped import MappedCore, MappedNetwork


def system_core(cfg: ChipConfig, chip: int, core):
    """System core index of chip-local core(s) ``core`` of chip ``chip`` (int64 array or int)."""
    s, cpr = cfg.system, cfg.mesh.cores_per_router
    c = np.asarray(core, dtype=np.int64)
    rc, slot = c // cpr, c % cpr
    x, y = rc % s.chip_width, rc // s.chip_width
    i, j = chip % s.chips_x, chip // s.chips_x
    out = ((j * s.chip_height + y) * cfg.mesh.width + i * s.chip_width + x) * cpr + slot
    return out if np.ndim(core) else int(out)


def onto_chip(mapped: MappedNetwork, cfg: ChipConfig, chip: int = 0) -> MappedNetwork:
    """``mapped`` (made for ``cfg.system.chip``) with its cores moved to chip ``chip`` of system ``cfg``."""
    if cfg.system is None:
        return mapped
    s = cfg.system
    if not 0 <= chip < s.n_chips:
        raise SimulationError(f"chip {chip}: system '{cfg.name}' has chips 0..{s.n_chips - 1}")
    if mapped.chip_name != s.chip:
        raise SimulationError(f"network mapped for chip '{mapped.chip_name}'; system '{cfg.name}' is made of "
                              f"'{s.chip}' chips: map it for the system (neuromesh map {cfg.name} ...)")

    def move(core):
        # the archive may hold core indices in a narrow dtype (int8 for a 128-core chip): a system needs more
        return system_core(cfg, chip, core).astype(np.int32 if cfg.num_cores < 2**31 else np.int64)

    cores = tuple(MappedCore(system_core(cfg, chip, c.index), c.program,
                             dataclasses.replace(c.dest, core=move(c.dest.core))) for c in mapped.cores)
    return dataclasses.replace(mapped, chip_name=cfg.name, cores=tuple(sorted(cores, key=lambda c: c.index)),
                               in_core=move(mapped.in_core), out_core=move(mapped.out_core),
                               metadata={**mapped.metadata, "placed_on_chip": chip})
