"""The tick loops, by name, and how an ``--engine`` name picks a loop and a network model.

A run is a loop times a network model (design.md, section 4):

- ``stepped`` (:mod:`emulator.simulator`): per tick, the core kernels, then the packets of the tick through a
  packet-level network model (``fast``, ``simpy``, ``flow``) on a SimPy timeline;
- ``fused`` (:mod:`emulator.fused`): the whole tick loop of an inference in one compiled call, counting the
  tick's loads without forming packets, so it takes the tick-level ``loads`` estimate.

The network models are registered once, in :data:`noc.engine.NETWORK_MODELS`; an engine name is a network
model's name, and the loop is the one that takes that kind of model. So ``--engine loads`` is the fused loop
times the loads estimate, and ``--engine fast|simpy|flow`` the stepped loop times that model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from chip_configs.errors import SimulationError
from noc.engine import NETWORK_MODELS, NetworkModel


@dataclass(frozen=True)
class Loop:
    """A registered tick loop: its ``run_batch(chip, spikes, probes=None, progress=None)`` and which network
    models it drives (per-packet or tick-level)."""

    name: str
    runner: str          # "module:function"
    per_packet: bool     # takes the packet-level network models (else the tick-level ones)
    summary: str

    def accepts(self, model: NetworkModel) -> bool:
        return model.per_packet == self.per_packet

    @property
    def run_batch(self) -> Callable:
        module, attr = self.runner.split(":")
        return getattr(import_module(module), attr)


LOOPS: dict[str, Loop] = {loop.name: loop for loop in (
    Loop("stepped", "emulator.simulator:run_batch", True,
         "per tick: core kernels, then the tick's packets through the network model (SimPy timeline)"),
    Loop("fused", "emulator.fused:run_batch_fused", False,
         "the whole tick loop in one compiled call per inference (exact spikes, counts and energy)"),
)}

# The names ``Chip(noc_engine=...)`` and ``neuromesh run --engine`` accept: every registered network model.
ENGINE_NAMES: tuple[str, ...] = tuple(NETWORK_MODELS)


def resolve_engine(name: str) -> tuple[Loop, NetworkModel]:
    """(loop, network model) of engine ``name``; SimulationError naming the allowed names otherwise."""
    model = NETWORK_MODELS.get(name)
    if model is None:
        raise SimulationError(f"noc_engine: unknown {name!r}; allowed: {', '.join(ENGINE_NAMES)}")
    return next(loop for loop in LOOPS.values() if loop.accepts(model)), model


def engine_help() -> str:
    """One sentence per engine name, for the CLI."""
    parts = []
    for name in ENGINE_NAMES:
        loop, model = resolve_engine(name)
        parts.append(f"{name} = {loop.name} loop x {model.summary}")
    return "; ".join(parts)
