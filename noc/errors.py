"""Errors raised by the network-on-chip package.

Every message names the argument or field, the value received and what is allowed, like the rest of the
:class:`chip_configs.errors.NeuroMeshError` family.
"""

from __future__ import annotations

from chip_configs.errors import NeuroMeshError


class NocError(NeuroMeshError):
    """Bad input to the NoC model (packet arrays, engine names, traffic options)."""


class PacketError(NocError):
    """A packet field does not fit its bit field (it is refused, never truncated)."""


class TrafficError(NocError):
    """A synthetic traffic pattern or injection process cannot be built for this mesh."""
