"""``noc-sweep`` fed window by window: the same rows as one batch, bit for bit, in memory independent of
``--cycles`` (a long run under a low address-space limit), and a saturated rate's backlog refused cleanly."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from noc.engine import make_engine
from noc.model import RouterParams
from noc.sweep import PACKET_BYTES, _measure_batch, _measure_streamed, main
from noc.topology import MeshTopology
from noc.traffic import make_pattern
from tests.noc.conftest import make_cfg, make_system

CASES = {  # name: (config, pattern, pattern options, rates, cycles, warmup, drain)
    "tiny uniform, light to saturated": (make_cfg(2, 2), "uniform", {}, (0.05, 0.5, 0.95), 700, 100, 700),
    "4 x 4, 2 VCs, 2-flit packets, VC setup, hotspot": (
        make_cfg(4, 4, flits=2, virtual_channels=2, buffer_depth_flits=4, vc_setup_cycles=2), "hotspot",
        {"hotspots": (5, 10), "fraction": 0.4}, (0.03, 0.2), 500, 50, 300),
    "BookSim options, tornado, no drain": (
        make_cfg(4, 4, router_pipeline_cycles=4, vc_setup_cycles=2, vc_realloc_cycles=1, injection_cycles=2,
                 buffer_depth_flits=4, credit_delay_cycles=2, injection_credit_cycles=1), "tornado", {},
        (0.1, 0.6), 400, 100, 0),
    "two chips, slow narrow link, uniform": (
        make_system(make_cfg(2, 2), 2, 1, latency_cycles=5, serialisation_cycles_per_flit=3, buffer_depth_flits=4),
        "uniform", {}, (0.05, 0.3), 500, 100, 400),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_streamed_rows_equal_batch_rows_bit_for_bit(case):
    cfg, name, opts, rates, cycles, warmup, drain = CASES[case]
    topo, params = MeshTopology.from_config(cfg), RouterParams.from_config(cfg)
    pattern, engine = make_pattern(name, topo, **opts), make_engine(cfg, "fast")
    for rate in rates:
        args = (engine, topo, params, pattern, rate, cycles, warmup, drain, 7)
        batch, streamed = _measure_batch(*args), _measure_streamed(*args)
        assert {k: repr(v) for k, v in streamed.items()} == {k: repr(v) for k, v in batch.items()}, (rate, streamed)
    assert batch["saturated"] or case.startswith("two")  # the last rate of the others is beyond saturation


def test_simpy_streamed_rows_equal_batch_rows():
    cfg = make_cfg(3, 2, virtual_channels=2, vc_setup_cycles=1)
    topo, params = MeshTopology.from_config(cfg), RouterParams.from_config(cfg)
    for rate in (0.1, 0.7):
        args = (make_engine(cfg, "simpy"), topo, params, make_pattern("uniform", topo), rate, 100, 20, 60, 5)
        assert repr(_measure_streamed(*args)) == repr(_measure_batch(*args))


def test_small_windows_give_the_same_row(monkeypatch):
    """Windows of a few cycles (many feeds, wakes pending across every boundary) change nothing."""
    import noc.traffic

    cfg = make_cfg(3, 3, virtual_channels=2, buffer_depth_flits=2)
    topo, params = MeshTopology.from_config(cfg), RouterParams.from_config(cfg)
    args = (make_engine(cfg, "fast"), topo, params, make_pattern("uniform", topo), 0.4, 300, 50, 300, 3)
    batch = _measure_batch(*args)
    monkeypatch.setattr(noc.traffic, "WINDOW_DRAWS", 9 * 3)  # 3-cycle windows
    assert repr(_measure_streamed(*args)) == repr(batch)


def test_saturated_backlog_beyond_the_limit_is_refused_cleanly(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEUROMESH_MAX_MEMORY", str(20 << 20))
    out = tmp_path / "c.csv"
    argv = ["tiny", "--traffic", "uniform", "--rates", "0.95", "--cycles", "200000", "--warmup", "0", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "not carrying the offered load" in err and "source queues" in err and "Traceback" not in err
    assert not out.exists()


def test_long_run_is_refused_for_time_not_memory(tmp_path, capsys):
    argv = ["tiny", "--traffic", "uniform", "--rates", "0.1", "--cycles", "100000000000", "--warmup", "0",
            "--out", str(tmp_path / "c.csv")]
    assert main(argv) == 2
    assert "packets per rate" in capsys.readouterr().err


_LONG_RUN = textwrap.dedent(
    """
    import resource, sys
    from noc.sweep import main

    def vm_bytes():
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))

    main(["tiny", "--traffic", "uniform", "--rates", "0.3", "--cycles", "100", "--warmup", "0",
          "--out", sys.argv[2]])                                    # everything imported and built once
    limit = vm_bytes() + int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.exit(main(["tiny", "--traffic", "uniform", "--rates", "0.3", "--cycles", sys.argv[1], "--warmup", "0",
                   "--out", sys.argv[2]]))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status (Linux)")
def test_long_run_completes_in_bounded_memory(tmp_path):
    """1,000,000 cycles at 0.3 on tiny (2.4 million packets with the drain: 230 MB as one batch) under an
    address-space limit of 64 MB above what the process holds before it."""
    headroom, cycles = 64 << 20, 1_000_000
    assert 4 * 0.3 * 2 * cycles * PACKET_BYTES > 3 * headroom  # one batch could not fit
    out = tmp_path / "c.csv"
    proc = subprocess.run([sys.executable, "-c", _LONG_RUN, str(cycles), str(out), str(headroom)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    row = out.read_text().splitlines()[1].split(",")
    assert row[0] == "0.3" and row[-1] == "false" and abs(float(row[1]) - 0.3) < 0.01


def test_stream_refuses_patterns_it_cannot_draw_in_pieces():
    from noc.errors import TrafficError
    from noc.traffic import synthetic_windows

    topo = MeshTopology.from_config(make_cfg())
    with pytest.raises(TrafficError, match="window by window"):
        next(synthetic_windows(topo, lambda src, rng: src, 0.1, 10, np.random.default_rng(0)))
