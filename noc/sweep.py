"""Load sweeps: latency and accepted throughput against offered load, the ``noc-sweep`` command.

Measurement (BookSim-like)
--------------------------
For each offered rate the network starts empty and every node injects Bernoulli traffic for
``warmup + cycles + drain`` cycles. Packets requested in ``[warmup, warmup + cycles)`` are *measured*;
injection goes on while they drain so that they see the same load throughout. The run stops when everything
is delivered or at cycle ``warmup + cycles + drain`` (the drain cap, default ``cycles``).

- ``accepted_rate``: packets ejected during the window, per node per cycle.
- ``avg_latency_cycles``, ``p99_latency_cycles``: over the measured packets delivered (request to ejection,
  source queueing included).
- ``avg_hops``: mean router-to-router hops of those packets.
- ``saturated``: true when the network cannot carry the load, i.e. any of
  (1) a measured packet is not delivered by the drain cap,
  (2) the accepted rate is below 95 % of the rate actually requested in the window (the Bernoulli draw's, so
  that sampling noise at low load is not mistaken for saturation),
  (3) the average latency exceeds 3 x the zero-load latency of the same packets (the usual "latency blows up"
  criterion; below saturation the average stays within a small multiple of it).

Against BookSim2's measurement (``src/trafficmanager.cpp``, ``_SingleSim``), which this follows: warm-up,
then a measurement window whose packets are tagged, then a drain with injection going on until every tagged
packet is delivered; latency from the packet's creation (source queueing included) to its tail's ejection;
accepted rate = everything ejected during the window / nodes / window. The differences: BookSim's warm-up is
``warmup_periods`` (3) sample periods of ``sample_period`` (1,000) cycles and its window is as many periods as
it takes for the latency and the accepted rate to change by less than 5 % between periods (at least 3, at most
``max_samples`` (10) periods in all), where ours are fixed (``--warmup``, ``--cycles``); its accepted rate is in
flits (ours in packets: flits / F); and it gives up on a rate ("unstable") when the mean latency, counting the
packets still in flight, exceeds ``latency_thres`` (500 cycles), where ours reports the row as saturated.

Every rate uses a generator seeded with ``seed`` (common random numbers: the curves are smooth and the result
does not depend on which other rates are in the sweep).

Memory
------
Independent of ``--cycles`` with either exact engine (:func:`_measure_streamed`): the traffic is generated
window by window (:func:`noc.traffic.synthetic_windows`: exactly the packets of one batch, the same draws in
the same order) and fed into one stream of the engine (:meth:`noc.fast_engine.FastNoc.stream`, :meth:`noc.simpy_engine.SimpyNoc.stream`), which carries
the network's state (buffers, credits, VC state, arbiters, source queues, pending wakes, the clock) from one
window to the next and folds each delivery into counters -- latency sum and histogram of the measured
packets, their hops, the deliveries in the window -- instead of per-packet arrays; packet ids are recycled.
What is held: one window (:data:`noc.traffic.WINDOW_DRAWS` node-cycles of draws, their packets) and the live
packets (in flight and in source queues), a few per node below saturation. A rate the network cannot carry
queues ``(offered - accepted) x nodes`` packets per cycle at its sources (open-loop sources, as in BookSim),
so its live packets grow with the run: they are checked against the memory limit after every window
(:func:`_refuse_backlog`: a clean refusal instead of an allocation failure). The rows are those of the batch
measurement (:func:`_measure_batch`), bit for bit: mean = integer sum / count (numpy's float64 mean of the
same integers, the sums being below 2^53), p99 from the histogram as ``np.percentile`` computes it
(:func:`noc.stats.percentile_from_counts`). The stream stops once the window is over and every measured packet
is delivered: nothing simulated after that changes a figure of the row.

Through the API, a pattern that is not one of :data:`noc.traffic.PATTERNS` is run as one batch
(:func:`_measure_batch`): ``routers x rate x (warmup + cycles + drain)`` packets of about :data:`PACKET_BYTES`
(90 bytes measured as peak resident memory per packet, compiled engine). :func:`_check_sweep_memory` checks
the command's estimate before any work and refuses more than :data:`MAX_SWEEP_PACKETS` packets per rate (time,
not memory).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import numpy as np

from chip_configs.cli_types import fraction, non_negative_int, positive_int
from chip_configs.errors import NeuroMeshError
from chip_configs.files import OutputSet, atomic_write_bytes, atomic_write_text
from chip_configs.schema import ChipConfig, NetworkSpec, as_network_spec, load_config
from noc.engine import ENGINES, make_engine
from noc.errors import TrafficError
from noc.model import RouterParams
from noc.result import NOT_DELIVERED
from noc.stats import latency_figures, percentile_from_counts
from noc.topology import MeshTopology
from noc.traffic import (
    PATTERNS,
    WINDOW_DRAWS,
    make_pattern,
    streamable,
    synthetic_packets,
    synthetic_windows,
    uniform_channel_bound,
)

COLUMNS = ("offered_rate", "accepted_rate", "avg_latency_cycles", "p99_latency_cycles", "avg_hops", "saturated")
ACCEPT_RATIO = 0.95  # accepted below this share of the requested rate: saturated
LATENCY_BLOWUP = 3.0  # average latency above this multiple of zero-load latency: saturated


def run_sweep(cfg: ChipConfig | NetworkSpec, traffic, rates, cycles: int, warmup: int, seed: int, engine="fast",
              progress=None, drain: int | None = None) -> list[dict]:
    """One row per offered rate with the columns of :data:`COLUMNS`.

    Parameters
    ----------
    cfg : ChipConfig or NetworkSpec
        The chip whose mesh and router model are swept.
    traffic : str or callable
        A pattern name from :data:`noc.traffic.PATTERNS` or a pattern object (e.g. a configured ``Hotspot``).
    rates : sequence of float
        Offered loads in packets per node per cycle.
    cycles, warmup : int
        Measurement window length and warm-up before it (cycles).
    seed : int
        Seed of the traffic generator.
    engine : str or engine
        ``"fast"``, ``"simpy"`` or an engine made by :func:`noc.engine.make_engine`.
    progress : object with ``update(n)``, optional
        Told after each rate (a ``tqdm`` bar, for instance).
    drain : int, optional
        Cap on the cycles simulated after the window (default ``cycles``).
    """
    cfg = as_network_spec(cfg)
    topo = MeshTopology.from_config(cfg)
    pattern = make_pattern(traffic, topo) if isinstance(traffic, str) else traffic
    eng = make_engine(cfg, engine) if isinstance(engine, str) else engine
    params = RouterParams.from_config(cfg)
    rows = []
    for rate in rates:
        rows.append(measure_rate(eng, topo, params, pattern, float(rate), cycles, warmup,
                                 cycles if drain is None else drain, seed))
        if progress is not None:
            progress.update(1)
    return rows


def measure_rate(engine, topo: MeshTopology, params: RouterParams, pattern, rate: float, cycles: int,
                 warmup: int, drain: int, seed: int) -> dict:
    """One sweep row: simulate, then measure as described in the module docstring.

    The exact engines (``fast``, ``simpy``) are fed window by window, in memory independent of the run's length
    (:func:`_measure_streamed`); an engine without streams, or a pattern that cannot be drawn in windows (one
    not in :data:`noc.traffic.PATTERNS`), takes the run as one batch (:func:`_measure_batch`). Both give the
    same row, bit for bit (tests/noc/test_sweep_stream.py).
    """
    if hasattr(engine, "stream") and streamable(pattern):
        return _measure_streamed(engine, topo, params, pattern, rate, cycles, warmup, drain, seed)
    return _measure_batch(engine, topo, params, pattern, rate, cycles, warmup, drain, seed)


def _measure_batch(engine, topo: MeshTopology, params: RouterParams, pattern, rate: float, cycles: int,
                   warmup: int, drain: int, seed: int) -> dict:
    """:func:`measure_rate` with every packet of the run generated and simulated at once.

    The packets come sorted by request cycle (:func:`noc.traffic.bernoulli_injections`), so the measured ones
    (requested in ``[warmup, warmup + cycles)``) are one contiguous slice: their figures are taken on views of
    that slice, never through masks or latencies over every simulated packet (about 25 bytes per simulated
    packet of temporaries before; they stayed below the engine call's peak, so the peak is unchanged).
    """
    start, end = warmup, warmup + cycles
    src, dst, inject = synthetic_packets(topo, pattern, rate, end + drain, np.random.default_rng(seed))
    res = engine.run(src, dst, inject, until=end + drain)
    nodes = topo.n_routers
    deliver = res.deliver_cycle
    accepted = np.count_nonzero((deliver >= start) & (deliver < end)) / nodes / cycles
    lo, hi = np.searchsorted(inject, [start, end])
    done = deliver[lo:hi] != NOT_DELIVERED
    lat = (deliver[lo:hi] - inject[lo:hi])[done]
    requested = (hi - lo) / nodes / cycles
    figs = latency_figures(lat)
    zero_load = params.zero_load_latency(topo.hop_distance(src[lo:hi], dst[lo:hi]))
    blown = lat.size > 0 and figs["latency_mean"] > LATENCY_BLOWUP * zero_load.mean()
    return {
        "offered_rate": rate,
        "accepted_rate": float(accepted),
        "avg_latency_cycles": figs["latency_mean"],
        "p99_latency_cycles": figs["latency_p99"],
        "avg_hops": float(res.hops[lo:hi][done].mean()) if done.any() else float("nan"),
        "saturated": bool(lat.size < hi - lo or accepted < ACCEPT_RATIO * requested or blown),
    }


def _measure_streamed(engine, topo: MeshTopology, params: RouterParams, pattern, rate: float, cycles: int,
                      warmup: int, drain: int, seed: int) -> dict:
    """:func:`measure_rate` fed window by window (:func:`noc.traffic.synthetic_windows`: the same packets)
    into one stream of the engine, which keeps counters instead of per-packet arrays; the zero-load latencies
    of the measured packets are summed as they are generated. The run stops when the window is over and
    every measured packet is delivered (what is simulated after that changes no figure of the row), or at
    the drain cap. Memory: one window of packets plus the live ones (in flight and in source queues); a rate
    whose source queues outgrow the memory limit (a saturated rate run for long) is refused by
    :func:`_refuse_backlog`."""
    from chip_configs.npz import memory_limit_bytes

    start, end = warmup, warmup + cycles
    nodes, requested, zero_load, limit = topo.n_routers, 0, 0, memory_limit_bytes()
    with engine.stream((start, end)) as st:
        for src, dst, inject, t1 in synthetic_windows(topo, pattern, rate, end + drain, np.random.default_rng(seed)):
            lo, hi = np.searchsorted(inject, [start, end])
            if hi > lo:
                requested += int(hi - lo)
                zero_load += int(params.zero_load_latency(topo.hop_distance(src[lo:hi], dst[lo:hi])).sum())
            st.feed(src, dst, inject, until=t1)
            if t1 >= end and st.measured_delivered == requested:
                break
            if st.held_bytes(LIVE_PACKET_BYTES) > limit:
                _refuse_backlog(st.live, rate, t1, st.held_bytes(LIVE_PACKET_BYTES), limit)
        totals = st.close()
    return _row(rate, totals, requested, zero_load, nodes, cycles)


def _row(rate: float, totals, requested: int, zero_load: int, nodes: int, cycles: int) -> dict:
    """The sweep row from a stream's counters; the figures are those :func:`_measure_batch` computes from
    per-packet arrays, bit for bit: sums of integers below 2^53 divided once are what numpy's float64 mean
    gives, and :func:`noc.stats.percentile_from_counts` is ``np.percentile`` on the histogram."""
    n = totals.measured_delivered
    accepted = totals.accepted / nodes / cycles
    mean = totals.latency_sum / n if n else float("nan")
    blown = n > 0 and mean > LATENCY_BLOWUP * (zero_load / requested)
    return {
        "offered_rate": rate,
        "accepted_rate": float(accepted),
        "avg_latency_cycles": mean,
        "p99_latency_cycles": percentile_from_counts(totals.latency_counts, 99),
        "avg_hops": totals.hops_sum / n if n else float("nan"),
        "saturated": bool(n < requested or accepted < ACCEPT_RATIO * (requested / nodes / cycles) or blown),
    }


# Bytes per live packet of a stream: the kernel's per-packet state (32-byte record, queue link, request cycle,
# source core, free-id stack, request order: 56) with geometric growth (capacity up to 2x the live packets, and
# the old arrays beside the new ones while they are copied: 3x).
LIVE_PACKET_BYTES = 168


def _refuse_backlog(live: int, rate: float, cycle: int, held: int, limit: int) -> None:
    """Refuse a rate whose live packets (mostly source queues: an open-loop source above the saturation
    throughput queues ``(offered - accepted) x nodes`` packets per cycle, as in BookSim) outgrow the memory
    limit; below saturation they stay a few per node, whatever the run's length."""
    from chip_configs.memory import check_memory

    check_memory(f"noc-sweep at rate {rate}: after {cycle:,} cycles the network is not carrying the offered load "
                 f"and {live:,} packets wait in its source queues and buffers (lower the rate, --cycles or "
                 f"--drain)", {"live packets and latency histogram": held}, limit)


def write_csv(rows: list[dict], path) -> Path:
    """Write the rows with the header :data:`COLUMNS` (atomically)."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(COLUMNS)
    for row in rows:
        out.writerow([_cell(row[c]) for c in COLUMNS])
    return atomic_write_text(path, buf.getvalue())


def _cell(v) -> str:
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def plot_curve(rows, path, title: str = "", bound: float | None = None) -> Path:
    """Latency against offered load (left) and accepted against offered throughput (right), as PNG.

    ``rows`` is one sweep (list of rows) or several, as ``{label: rows}``. Saturated points are drawn hollow,
    with their own legend entry, and the first saturated load is marked; ``bound`` (packets/node/cycle) is
    drawn as a dashed line.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    curves = rows if isinstance(rows, dict) else {"": rows}
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    FigureCanvasAgg(fig)
    lat_ax, thr_ax = fig.subplots(1, 2)
    for label, curve in curves.items():
        _plot_curve(lat_ax, thr_ax, sorted(curve, key=lambda r: r["offered_rate"]), f"{label} " if label else "")
    lat_ax.set(xlabel="offered load (packets/node/cycle)", ylabel="latency (cycles)", yscale="log")
    lo, hi = thr_ax.get_xlim()
    thr_ax.plot([lo, hi], [lo, hi], color="0.6", lw=0.8, label="accepted = offered")
    thr_ax.set(xlabel="offered load (packets/node/cycle)", ylabel="accepted throughput (packets/node/cycle)")
    for ax in (lat_ax, thr_ax):
        if bound is not None and np.isfinite(bound):
            ax.axvline(bound, color="tab:red", ls="--", lw=1, label=f"channel-load bound {bound:.3g}")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    return atomic_write_bytes(path, buf.getvalue())


def _plot_curve(lat_ax, thr_ax, rows, prefix):
    x = np.array([r["offered_rate"] for r in rows])
    sat = np.array([r["saturated"] for r in rows], bool)
    color = _plot_points(lat_ax, x, np.array([r["avg_latency_cycles"] for r in rows]), sat, f"{prefix}average")
    _plot_points(lat_ax, x, np.array([r["p99_latency_cycles"] for r in rows]), sat, f"{prefix}p99", ":", color)
    _plot_points(thr_ax, x, np.array([r["accepted_rate"] for r in rows]), sat, f"{prefix}accepted", "-", color)
    if sat.any():   # the saturation point: the first offered load the network no longer accepts
        first = float(x[sat].min())
        for ax in (lat_ax, thr_ax):
            ax.axvline(first, color=color, ls="-.", lw=0.9, label=f"{prefix}saturated from {first:.3g}")


def _plot_points(ax, x, y, sat, label, ls="-", color=None):
    """Unsaturated points joined by a line, saturated ones hollow (with a legend entry); returns the colour."""
    line = ax.plot(x[~sat], y[~sat], ls=ls, marker="o", ms=3.5, label=label, color=color)[0]
    if sat.any():
        ax.plot(x[sat], y[sat], ls="none", marker="o", ms=4.5, mfc="none", color=line.get_color(),
                label=f"{label} (saturated)")
    return line.get_color()


# ----- command line ---------------------------------------------------------------------------------------

EPILOG = """\
example:
  neuromesh noc-sweep tiny --traffic uniform --rates 0.05,0.1,0.2,0.3 --cycles 5000 \\
      --warmup 1000 --seed 1 --out curve.csv --plot curve.png

Each node (router) injects through its local core 0. The CSV has one row per rate with the columns
offered_rate,accepted_rate,avg_latency_cycles,p99_latency_cycles,avg_hops,saturated (see noc/README.md).
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``noc-sweep`` on an argparse ``subparsers`` object; the parser's default ``func`` is :func:`run`."""
    p = subparsers.add_parser(
        "noc-sweep",
        help="latency / throughput curve of the mesh under synthetic traffic",
        description="Inject synthetic traffic (Bernoulli per node per cycle) at each offered rate and record "
        "accepted throughput, latency and saturation.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("config", metavar="CONFIG", help="chip config YAML file or preset name (e.g. tiny, loihi)")
    p.add_argument("--traffic", required=True, choices=sorted(PATTERNS), metavar="PATTERN",
                   help="destination pattern, BookSim's names: uniform (any router, the source included), "
                   "transpose ((x, y) -> (y, x)), bitcomp ((x, y) -> (W-1-x, H-1-y)), bitrev (node bits "
                   "reversed), shuffle (node bits rotated left), tornado (each coordinate + ceil(k/2) - 1, mod k), "
                   "neighbor ((x+1, y+1) mod the sides), hotspot (--hotspot-fraction to --hotspots, the rest "
                   "uniform)")
    p.add_argument("--rates", required=True, type=_rates, metavar="R1,R2,...",
                   help="offered loads in packets/node/cycle, comma-separated, each in (0, 1]")
    p.add_argument("--cycles", required=True, type=positive_int, metavar="N", help="measurement window (cycles)")
    p.add_argument("--warmup", required=True, type=non_negative_int, metavar="M",
                   help="cycles simulated before the window")
    p.add_argument("--seed", type=non_negative_int, default=0, metavar="S",
                   help="seed of the traffic generator (default: 0; the same seed gives the same CSV)")
    p.add_argument("--out", required=True, type=Path, metavar="CURVE.csv", help="CSV file to write")
    p.add_argument("--plot", type=Path, metavar="CURVE.png", help="also draw the curves to this PNG")
    p.add_argument("--engine", choices=ENGINES, default="fast", help="NoC engine (default: fast)")
    p.add_argument("--drain", type=non_negative_int, metavar="D",
                   help="cap on cycles simulated after the window to drain measured packets (default: --cycles)")
    p.add_argument("--hotspots", type=_router_list, metavar="R1,R2,...",
                   help="hotspot routers for --traffic hotspot (default: the centre router)")
    p.add_argument("--hotspot-fraction", type=fraction, default=0.2, metavar="P",
                   help="share of packets sent to the hotspots, in [0, 1] (default: 0.2)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Execute a parsed ``noc-sweep``; returns the exit status (0 ok, 2 bad input)."""
    try:
        with OutputSet() as outs:
            outs.add(args.out, "--out")
            outs.add(args.plot, "--plot")
            rows = _sweep_and_write(args)
    except NeuroMeshError as exc:
        print(f"neuromesh noc-sweep: error: {exc}", file=sys.stderr)
        return 2
    print(_table(rows))
    return 0


def _sweep_and_write(args: argparse.Namespace) -> list[dict]:
    from tqdm import tqdm

    cfg = as_network_spec(load_config(args.config))
    topo = MeshTopology.from_config(cfg)
    pattern = _pattern_from_args(args, topo)
    _check_sweep_memory(topo, RouterParams.from_config(cfg), args)
    with tqdm(total=len(args.rates), desc="noc-sweep", unit="rate", file=sys.stderr,
              disable=not sys.stderr.isatty()) as bar:
        rows = run_sweep(cfg, pattern, args.rates, args.cycles, args.warmup, args.seed, args.engine,
                         progress=bar, drain=args.drain)
    write_csv(rows, args.out)
    if args.plot:
        bound = uniform_channel_bound(topo, cfg.noc.flits_per_packet) if args.traffic == "uniform" else None
        title = f"{cfg.name}: {topo.width} x {topo.height} mesh, {args.traffic} traffic ({args.engine} engine)"
        plot_curve(rows, args.plot, title=title, bound=bound)
    return rows


# Peak bytes per simulated packet of a batch run (:func:`_measure_batch`, used only for a pattern that cannot be
# drawn window by window): the request, the engine's state and its results (90 measured; see "Memory").
PACKET_BYTES = 96
# Bytes per packet of a window being fed: the Bernoulli draws' nonzero indices (2 x int64), the request arrays
# (int32 cores, int64 cycle) and their checked copies.
WINDOW_PACKET_BYTES = 64
# Packets simulated per rate beyond which a sweep is refused: not for memory (a stream's does not grow with
# --cycles) but for time; at the exact engine's few million packets per second this is hours.
MAX_SWEEP_PACKETS = 1 << 32


def _check_sweep_memory(topo: MeshTopology, params: RouterParams, args: argparse.Namespace) -> None:
    """Refuse, before any work, a sweep that would not fit memory or would run for hours.

    The traffic is streamed into either exact engine (module docstring, "Memory"): what is held is one window
    of draws and packets and the live packets (the network's buffer slots full, plus a window's packets queued
    at their sources), none of it growing with --cycles; a saturated rate's growing source queues are checked
    while it runs (:func:`_refuse_backlog`). A rate whose expected packets exceed :data:`MAX_SWEEP_PACKETS` is
    refused (time, not memory).
    """
    from chip_configs.memory import check_memory

    rate = max(args.rates)
    simulated = args.warmup + args.cycles + (args.cycles if args.drain is None else args.drain)
    packets = int(topo.n_routers * rate * simulated)
    what = (f"noc-sweep at rate {rate} over {simulated:,} cycles (--warmup + --cycles + --drain) on "
            f"{topo.n_routers:,} routers")
    if packets > MAX_SWEEP_PACKETS:
        raise TrafficError(f"{what}: about {packets:,} packets per rate to simulate; at most {MAX_SWEEP_PACKETS:,} "
                           "(hours of simulation) are accepted: lower --cycles, --warmup, --drain or the rate")
    draws = max(1, WINDOW_DRAWS // topo.n_routers) * topo.n_routers
    window_packets = int(draws * rate) + 1
    slots = topo.n_routers * topo.n_ports * params.vcs * max(params.slots_per_vc, params.off_slots_per_vc)
    check_memory(f"noc-sweep at rate {rate} on {topo.n_routers:,} routers (streamed: independent of --cycles)", {
        "window of Bernoulli draws (float64 + mask)": draws * 9,
        "window of packets": window_packets * WINDOW_PACKET_BYTES,
        "live packets (buffers full + a window queued)": (slots + window_packets) * LIVE_PACKET_BYTES,
    })


def _pattern_from_args(args, topo):
    if args.traffic != "hotspot" and args.hotspots is not None:
        raise TrafficError(f"--hotspots: only used with --traffic hotspot, not with --traffic {args.traffic}")
    return make_pattern(args.traffic, topo, hotspots=args.hotspots, fraction=args.hotspot_fraction)


def _table(rows: list[dict]) -> str:
    lines = ["  ".join(f"{c:>18s}" for c in COLUMNS)]
    lines += ["  ".join(f"{_cell(r[c]):>18s}" for c in COLUMNS) for r in rows]
    return "\n".join(lines)


def _rates(text: str) -> list[float]:
    try:
        rates = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of numbers; expected e.g. 0.05,0.1,0.2") from None
    bad = [r for r in rates if not 0.0 < r <= 1.0]
    if not rates or bad:
        raise argparse.ArgumentTypeError(
            f"{text!r}: rate(s) {bad or 'none given'} out of range; allowed: each in (0, 1] packets/node/cycle")
    return rates


def _router_list(text: str) -> list[int]:
    try:
        return [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of router indices") from None


def main(argv: list[str] | None = None) -> int:
    """``python -m noc.sweep CONFIG ...``: the ``noc-sweep`` command on its own."""
    parser = argparse.ArgumentParser(prog="neuromesh")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["noc-sweep", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
