"""The event enumeration: the columns of every event-count array, in one place.

During a run the components only count events (design.md, section 3); afterwards each count is priced by one
entry of the config's ``energy`` table. Every count array of the emulator (the per-core and per-tick counts
of an inference, the compiled kernels' counter rows) has one column per :class:`Event`, in this order::

    counts[..., Event.SYN_OPS]      synaptic operations (spike x synapse accumulations)
    counts[..., Event.SPIKES]       neurons that fired
    ...

The cores count the first four events themselves (:data:`CORE_EVENTS`, a prefix of :class:`Event`, so a core
counter row is the left part of an emulator count row); the packet events are counted by the emulator.

Compiled code holds its own copies of these column numbers (``emulator/_events.h``, the counter enum of
``cores/_kernels.pyx``). Each compiled module exposes the numbers its C compiler saw and
:func:`check_columns` compares them with :class:`Event` field by field when the module is imported, so a
header that drifted is an :class:`ImportError` naming the field, never a silently mispriced count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import IntEnum


class Event(IntEnum):
    """One column of an event-count array; ``Event.SPIKES.label == "spikes"`` is its name in reports."""

    SYN_OPS = 0                  # spike x synapse accumulations (zero-weight synapses too)
    NEURON_UPDATES_ACTIVE = 1    # neuron updates that received input, held state or moved it
    NEURON_UPDATES_INACTIVE = 2  # neuron updates of a neuron at rest that stays at rest
    SPIKES = 3                   # neurons that fired
    PACKETS = 4                  # AER packets injected into the mesh (one per spike and destination core)
    HOPS_EW = 5                  # router-to-router hops along x (east-west), summed over packets
    HOPS_NS = 6                  # router-to-router hops along y (north-south), summed over packets
    DELIVERIES = 7               # packets written into a destination core's delay buffer

    @property
    def label(self) -> str:
        """The event's name in reports and JSON (``"syn_ops"``)."""
        return self.name.lower()


EVENT_NAMES: tuple[str, ...] = tuple(e.label for e in Event)
N_EVENTS = len(Event)

# Events a core counts itself, per core and tick (cores.CoreArray.last_counts): a prefix of Event.
CORE_EVENTS: tuple[Event, ...] = (Event.SYN_OPS, Event.NEURON_UPDATES_ACTIVE, Event.NEURON_UPDATES_INACTIVE,
                                  Event.SPIKES)
N_CORE_EVENTS = len(CORE_EVENTS)

# The energy-table key (chip_configs.schema, block ``energy``, pJ per event) that prices each event.
ENERGY_KEY: dict[Event, str] = {
    Event.SYN_OPS: "syn_op_pj",
    Event.NEURON_UPDATES_ACTIVE: "neuron_update_active_pj",
    Event.NEURON_UPDATES_INACTIVE: "neuron_update_inactive_pj",
    Event.SPIKES: "spike_pj",
    Event.PACKETS: "packet_injected_pj",
    Event.HOPS_EW: "hop_ew_pj",
    Event.HOPS_NS: "hop_ns_pj",
    Event.DELIVERIES: "delivery_pj",
}

# Name under which a compiled module reports its number of columns (NM_NEV in emulator/_events.h).
COUNT_FIELD = "n_events"


def expected_columns(events: Sequence[Event], count: bool = True) -> dict[str, int]:
    """The column of each of ``events`` by label, plus (``count``) their number under :data:`COUNT_FIELD`."""
    out = {e.label: int(e) for e in events}
    return {**out, COUNT_FIELD: len(events)} if count else out


def check_columns(source: str, columns: Mapping[str, int], events: Sequence[Event] = tuple(Event),
                  count: bool = True) -> None:
    """Compare the column numbers a compiled module was built with against :class:`Event`, field by field.

    Parameters
    ----------
    source : str
        The file the numbers come from (named in the error).
    columns : mapping of str to int
        ``label -> column`` for every one of ``events`` and ``n_events -> len(events)``, as compiled.
    events : sequence of Event
        The events the module counts: all of them, or the core prefix :data:`CORE_EVENTS`.
    count : bool
        Whether the module has a column count of its own (``NM_NEV``); without one, ``n_events`` must be absent.

    Raises
    ------
    ImportError
        A field is missing, extra, or has another number than :class:`Event` gives it; rebuild after editing
        the enumeration and the C constants together.
    """
    want = expected_columns(events, count)
    for field in sorted(set(want) | set(columns)):
        have, need = columns.get(field), want.get(field)
        if have != need:
            raise ImportError(
                f"{source}: event column {field!r} is {have} in the compiled code but {need} in "
                f"chip_configs.events.Event (allowed fields: {', '.join(want)}); edit them together and rebuild "
                f"(python setup.py build_ext --inplace)")


__all__ = ["CORE_EVENTS", "COUNT_FIELD", "ENERGY_KEY", "EVENT_NAMES", "Event", "N_CORE_EVENTS", "N_EVENTS",
           "check_columns", "expected_columns"]
