"""Arbiters, looked up by the name used in the chip config (``noc.arbitration``), kept apart from routing.

An arbiter chooses one requester among ``n``. The router uses them in a separable, input-first switch
allocator: one arbiter per input port picks a virtual channel, one per output port picks an input port.
:meth:`pick` only looks; :meth:`commit` moves the priority after a grant that took effect. Keeping the two
apart gives the iSLIP rule: an input arbiter's priority moves only when its choice also won the output, so a
losing request keeps its turn.

The Cython engine implements the same round-robin rule inline (``noc/_noc_kernels.pyx``); the conformance
tests hold the two to identical results.
"""

from __future__ import annotations

from collections.abc import Sequence

from noc.errors import NocError


class RoundRobinArbiter:
    """Round-robin arbiter over requesters ``0 .. n-1``.

    The requester at the priority pointer wins if it requests, else the next requesting one in cyclic order.
    After a committed grant to ``g`` the pointer moves to ``g + 1`` (mod ``n``), so the winner becomes the
    lowest priority. The pointer starts at 0.
    """

    def __init__(self, n: int):
        self.n = n
        self.pointer = 0

    def pick(self, requests: Sequence[bool]) -> int | None:
        """Index of the winning requester, or None when nobody requests (the pointer is not moved)."""
        for k in range(self.n):
            i = (self.pointer + k) % self.n
            if requests[i]:
                return i
        return None

    def commit(self, granted: int) -> None:
        """Record that ``granted`` was served: it becomes the lowest priority."""
        self.pointer = (granted + 1) % self.n


ARBITERS = {"round_robin": RoundRobinArbiter}


def make_arbiter(name: str, n: int) -> RoundRobinArbiter:
    """A fresh arbiter of kind ``name`` over ``n`` requesters."""
    try:
        return ARBITERS[name](n)
    except KeyError:
        raise NocError(
            f"noc.arbitration: unknown arbiter {name!r}; allowed: {', '.join(sorted(ARBITERS))}"
        ) from None
