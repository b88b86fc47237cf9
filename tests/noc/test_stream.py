"""A run fed to the exact kernel window by window (``FastNoc.stream``) equals the run fed at once, packet for
packet: buffers, credits, VC state, arbiters, source queues, pending wakes and the clock carry over."""

from __future__ import annotations

import numpy as np
import pytest

from noc.engine import make_engine
from noc.errors import NocError
from noc.stats import latency_figures, percentile_from_counts
from tests.noc.conftest import make_cfg
from tests.noc.test_conformance import HEAVY, _system


def _sorted_traffic(cfg, n, span, seed):
    rng = np.random.default_rng(seed)
    inject = rng.integers(0, span, n)
    order = np.argsort(inject, kind="stable")
    return (rng.integers(0, cfg.num_cores, n)[order].astype(np.int32),
            rng.integers(0, cfg.num_cores, n)[order].astype(np.int32), inject[order].astype(np.int64))


def _streamed(engine, traffic, cuts, until, window=(0, 1 << 62)):
    """Feed ``traffic`` (sorted) in the windows ``[cuts[k], cuts[k + 1])``; per-packet results by feed order."""
    src, dst, inject = traffic
    n = len(src)
    deliver, core, hops = np.full(n, -1, np.int64), np.full(n, -1, np.int32), np.zeros(n, np.int32)
    with engine.stream(window, record=True) as st:
        for t0, t1 in zip(cuts[:-1], cuts[1:], strict=True):
            lo, hi = np.searchsorted(inject, [t0, t1])
            seq, cyc, got_core, got_hops = st.feed(src[lo:hi], dst[lo:hi], inject[lo:hi], until=t1)
            assert (deliver[seq] == -1).all()  # each packet delivered once
            deliver[seq], core[seq], hops[seq] = cyc, got_core, got_hops
            assert st.now == t1
        totals = st.close()
    return deliver, core, hops, totals


def _cuts(rng, until, max_window):
    cuts = [0]
    while cuts[-1] < until:
        cuts.append(min(until, cuts[-1] + int(rng.integers(1, max_window + 1))))
    return cuts


def _check_equal(cfg, traffic, until, seed, specialised=True, kind="fast"):
    engine = make_engine(cfg, kind)
    if kind == "fast":
        engine._kernel.specialised = specialised
    whole = engine.run(*traffic, until=until)
    rng = np.random.default_rng(seed)
    for max_window in (1, 7, 40, until) if kind == "fast" else (5, until):
        deliver, core, hops, totals = _streamed(engine, traffic, _cuts(rng, until, max_window), until)
        np.testing.assert_array_equal(deliver, whole.deliver_cycle)
        np.testing.assert_array_equal(core, whole.delivered_core)
        np.testing.assert_array_equal(hops[whole.delivered], whole.hops[whole.delivered])
        np.testing.assert_array_equal(totals.link_ids, whole.link_ids)
        np.testing.assert_array_equal(totals.link_counts, whole.link_counts)
        np.testing.assert_array_equal(totals.buffer_ports, whole.buffer_ports)
        np.testing.assert_array_equal(totals.buffer_peaks, whole.buffer_peaks)
        assert (totals.hops_ew, totals.hops_ns, totals.delivered, totals.cycles) == \
            (whole.hops_ew, whole.hops_ns, whole.n_delivered, whole.cycles)
        assert totals.live == len(traffic[0]) - whole.n_delivered
    return whole


# Congested cases of the conformance suite: VCs, VC setup and reallocation, flit credits, multi-flit packets.
STREAM_CASES = ("depth-1 buffers, 1 VC", "yx, 2 VCs, 3 cores", "VC setup 2, BookSim-like",
                "VC setup 2, 4-flit packets, 2 VCs, flit credits", "islip, 4 VCs, 2 cores, BookSim-like",
                "VC binding, islip, 4 VCs, 2 cores, BookSim-like")


@pytest.mark.parametrize("case", STREAM_CASES)
def test_windows_equal_one_batch_packet_for_packet(case):
    w, h, cores, opts, n, span = HEAVY[case]
    cfg = make_cfg(w, h, cores=cores, **opts)
    traffic = _sorted_traffic(cfg, n // 2, span, seed=len(case))
    whole = _check_equal(cfg, traffic, until=span + 2000, seed=1)
    assert whole.n_delivered == len(traffic[0])


@pytest.mark.parametrize("case", ["2 x 1 tiny chips, slow narrow link", "2 x 2 chips, 2 VCs, 2-flit packets, VC setup"])
def test_windows_equal_one_batch_on_two_chip_systems(case):
    cfg, n, span = _system(case)
    _check_equal(cfg, _sorted_traffic(cfg, n // 2, span, seed=3), until=span + 2000, seed=2)


def test_windows_equal_one_batch_when_stopped_early_and_on_both_kernel_paths():
    cfg = make_cfg(4, 4, buffer_depth_flits=1)
    traffic = _sorted_traffic(cfg, 800, 60, seed=4)
    for specialised in (True, False):
        whole = _check_equal(cfg, traffic, until=70, seed=5, specialised=specialised)
        assert 0 < whole.n_delivered < len(traffic[0])  # stopped with packets in flight and queued


def test_windows_equal_one_batch_with_vc_binding_when_stopped_early():
    """Bindings made for packets still waiting at the stop are cleared: the engine's next run starts empty."""
    cfg = make_cfg(4, 4, buffer_depth_flits=1, virtual_channels=2, vc_binding="at_vc_allocation")
    whole = _check_equal(cfg, _sorted_traffic(cfg, 800, 60, seed=4), until=70, seed=5)
    assert 0 < whole.n_delivered < 800


SIMPY_CASES = ("yx, 2 VCs, 3 cores", "VC setup 2, BookSim-like", "islip, 2 VCs, 2-flit packets, yx",
               "VC binding, input_first, 2 VCs, 2-flit packets, no realloc, yx")


@pytest.mark.parametrize("case", SIMPY_CASES)
def test_simpy_windows_equal_one_batch_packet_for_packet(case):
    w, h, cores, opts, n, span = HEAVY[case]
    cfg = make_cfg(w, h, cores=cores, **opts)
    traffic = _sorted_traffic(cfg, n // 5, span // 2, seed=len(case))
    _check_equal(cfg, traffic, until=span + 400, seed=1, kind="simpy")


def test_simpy_windows_equal_one_batch_on_a_two_chip_system_and_when_stopped_early():
    cfg, n, span = _system("2 x 2 chips, 2 VCs, 2-flit packets, VC setup")
    _check_equal(cfg, _sorted_traffic(cfg, n // 4, span, seed=3), until=span + 400, seed=2, kind="simpy")
    cfg = make_cfg(3, 3, buffer_depth_flits=1)
    whole = _check_equal(cfg, _sorted_traffic(cfg, 300, 40, seed=4), until=45, seed=5, kind="simpy")
    assert 0 < whole.n_delivered < 300


def test_stream_counters_give_the_batch_figures():
    """Latency sum, histogram (mean, p99), hops and accepted deliveries over a measurement window equal the
    figures computed from the per-packet arrays."""
    cfg = make_cfg(4, 4, buffer_depth_flits=2)
    traffic = _sorted_traffic(cfg, 1500, 300, seed=6)
    engine = make_engine(cfg, "fast")
    whole = engine.run(*traffic)
    start, end = 50, 250
    *_, totals = _streamed(engine, traffic, [0, 100, 101, 180, 400, 3000], 3000, window=(start, end))
    measured = (traffic[2] >= start) & (traffic[2] < end)
    lat = (whole.deliver_cycle - whole.inject_cycle)[measured]
    assert totals.measured_delivered == lat.size and totals.latency_sum == lat.sum()
    np.testing.assert_array_equal(totals.latency_counts, np.bincount(lat))
    assert totals.hops_sum == whole.hops[measured].sum()
    assert totals.accepted == np.count_nonzero((whole.deliver_cycle >= start) & (whole.deliver_cycle < end))
    figs = latency_figures(lat)
    assert percentile_from_counts(totals.latency_counts, 99) == figs["latency_p99"]
    assert totals.latency_sum / totals.measured_delivered == figs["latency_mean"]


def test_percentile_from_counts_is_numpys():
    rng = np.random.default_rng(7)
    for _ in range(100):
        lat = rng.geometric(rng.uniform(0.01, 0.5), int(rng.integers(1, 300)))
        for q in (50, 90, 99):
            assert percentile_from_counts(np.bincount(lat), q) == float(np.percentile(lat, q))
    assert np.isnan(percentile_from_counts(np.zeros(0, np.int64), 99))


def test_stream_refuses_unsorted_or_past_requests_and_a_second_stream():
    engine = make_engine(make_cfg(), "fast")
    with engine.stream() as st:
        st.feed([0], [1], [5], until=10)
        with pytest.raises(NocError, match=r"within \[10, 20\)"):
            st.feed([0], [1], [3], until=20)
        with pytest.raises(NocError, match="sorted"):
            st.feed([0, 1], [1, 0], [15, 12], until=20)
        with pytest.raises(RuntimeError, match="stream is already open"):
            engine.stream()
        with pytest.raises(RuntimeError, match="stream is open"):
            engine.run([0], [1], [0])
    assert engine.run([0], [1], [0]).n_delivered == 1  # closed: the engine is reusable
