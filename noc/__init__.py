"""Mesh network-on-chip carrying address-event (AER) spike packets.

- :mod:`noc.packet` -- AER bit layout from the chip config; encode / decode.
- :mod:`noc.topology` -- cores to routers, ports, directed links, link grids; one shared object per mesh.
- :mod:`noc.routing`, :mod:`noc.arbitration` -- routing functions and arbiters, looked up by their YAML names;
  the vectorised routes (segments, links, link loads) every user of routes calls.
- :mod:`noc.model` -- the router model (input-queued, virtual cut-through, credits) and its zero-load latency.
- :mod:`noc.engine` -- every network model in one registry (``NETWORK_MODELS``) and :func:`make_engine`.
- :mod:`noc.simpy_engine`, :mod:`noc.fast_engine` -- two exact engines with that model and one API; they agree
  packet for packet.
- :mod:`noc.flow_engine` (model in :mod:`noc.flow_reference`) -- an approximate link-load model with the same
  API, for speed, used only when asked for by name (``kind="flow"``).
- :mod:`noc.loads_estimate` -- the tick-level loads estimate of the emulator's fused loop (``kind="loads"``);
  :mod:`noc.contention` -- the service times and head-of-line constants the two approximate models share.
- :mod:`noc.stats`, :mod:`noc.traffic`, :mod:`noc.sweep` -- statistics, synthetic traffic, load sweeps and the
  ``noc-sweep`` command.
"""

from noc.engine import make_engine
from noc.errors import NocError, PacketError, TrafficError
from noc.model import RouterParams
from noc.packet import Packet, PacketFormat
from noc.result import NocResult
from noc.topology import MeshTopology

__all__ = [
    "MeshTopology",
    "NocError",
    "NocResult",
    "Packet",
    "PacketError",
    "PacketFormat",
    "RouterParams",
    "TrafficError",
    "make_engine",
]
