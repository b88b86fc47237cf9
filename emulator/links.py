"""Names and mesh layouts of NoC links, for reports and plots."""

from __future__ import annotations

import numpy as np

from noc.topology import PORT_NAMES, STEP, MeshTopology

DIRECTION_NAMES = {"N": "north", "E": "east", "S": "south", "W": "west"}


def link_name(topo: MeshTopology, link: int) -> str:
    """``(x,y)->(x',y') east`` for directed link ``link``."""
    src, port = int(topo.link_src[link]), int(topo.link_port[link])
    x, y = topo.coords(src)
    dx, dy = STEP[port]
    return f"({x},{y})->({x + dx},{y + dy}) {DIRECTION_NAMES[PORT_NAMES[port]]}"


def chips_of_link(topo: MeshTopology, link: int) -> tuple[int, int] | None:
    """``(source chip, destination chip)`` of an off-chip link of a system; None for an on-chip link."""
    if not topo.link_off_chip[link]:
        return None
    chip = topo.chip_of_router
    return int(chip[topo.link_src[link]]), int(chip[topo.link_dst[link]])


def link_busy_cycles(cfg, topo: MeshTopology, flits: np.ndarray, link_ids: np.ndarray | None = None) -> np.ndarray:
    """Cycles each link was busy: its flits, times the serialisation on a system's off-chip links (``flits``
    per link id, or for the links ``link_ids``). The busiest link of a run or tick is the one busy longest."""
    if cfg.system is None:
        return flits
    off = topo.link_off_chip if link_ids is None else topo.link_off_chip[link_ids]
    return flits * np.where(off, cfg.system.off_chip.serialisation(), 1)


def link_grids(topo: MeshTopology, values: np.ndarray) -> dict[str, np.ndarray]:
    """Per-link values on [height, width] grids, one per direction, at the link's source router (NaN: none)."""
    grids = {}
    for port, pname in enumerate(PORT_NAMES):
        g = np.full((topo.height, topo.width), np.nan)
        ids = np.flatnonzero(topo.link_port == port)
        x, y = topo.coords(topo.link_src[ids])
        g[y, x] = values[ids]
        grids[DIRECTION_NAMES[pname]] = g
    return grids
