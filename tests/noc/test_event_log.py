"""A hand-worked two-packet contention case, checked event by event on the SimPy engine's log."""

from __future__ import annotations

from noc.engine import make_engine
from noc.result import LogEvent
from tests.noc.conftest import make_cfg


def _cfg():
    # 3 x 1 mesh, tiny timing (I = P = L = E = 1, F = 1), one-packet buffers (depth 1) so credits bite.
    return make_cfg(3, 1, buffer_depth_flits=1)


# Packet 0: core 0 at (0,0) -> core 2 at (2,0), requested at cycle 0.
# Packet 1: core 1 at (1,0) -> core 2 at (2,0), requested at cycle 2.
# Both are ready at router (1,0) in cycle 4 and want its east output; the round-robin pointer starts at
# port 0 (N), so W (3, packet 0) comes before L0 (4, packet 1). Packet 0 then holds the single slot of
# (2,0)'s west buffer until it leaves at 6; the credit is usable one link latency later, at 6 + 1 = 7.
EXPECTED = [
    (0, 0, "inject", (0, 0)),  # source queue -> local input port of (0,0)
    (1, 0, "arrive", (0, 0)),  # + injection_cycles
    (2, 0, "depart", (0, 0)),  # + router pipeline
    (2, 1, "inject", (1, 0)),
    (3, 0, "arrive", (1, 0)),  # + link latency, enters through W
    (3, 1, "arrive", (1, 0)),  # enters through L0
    (4, 0, "depart", (1, 0)),  # both ready at 4: W wins the east output
    (5, 0, "arrive", (2, 0)),
    (6, 0, "depart", (2, 0)),  # to the local output of core 2
    (7, 0, "deliver", (2, 0)),  # + ejection: latency 7 = T0(2), no loss
    (7, 1, "depart", (1, 0)),  # lost arbitration at 4, then no credit at 5 and 6; the credit is back at 7
    (8, 1, "arrive", (2, 0)),
    (9, 1, "depart", (2, 0)),
    (10, 1, "deliver", (2, 0)),  # latency 8 = T0(1) 5 + 3 cycles of contention and backpressure
]


def test_event_log_of_two_contending_packets():
    res = make_engine(_cfg(), "simpy", log=True).run([0, 1], [2, 2], [0, 2])
    assert res.log == [LogEvent(*e) for e in EXPECTED]
    assert res.deliver_cycle.tolist() == [7, 10]


def test_fast_engine_agrees_on_the_hand_worked_case():
    res = make_engine(_cfg(), "fast").run([0, 1], [2, 2], [0, 2])
    assert res.deliver_cycle.tolist() == [7, 10]
    assert res.peak_buffer_flits[2].tolist() == [0, 0, 0, 1, 0]  # (2,0): W held one flit, never more
    # links: 0 = (0,0)->(1,0), 1 = (1,0)->(2,0), 2 and 3 westwards
    assert res.link_flits.tolist() == [1, 2, 0, 0]


def test_log_is_off_by_default():
    assert make_engine(_cfg(), "simpy").run([0], [2], [0]).log is None
