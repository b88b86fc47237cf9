"""``neuromesh sweep``: a design-space sweep from a YAML spec, on this machine or a Dask cluster.

A bad spec exits with status 2 and every problem (file, field path, value, what is allowed), never a traceback.
An interrupted sweep (Ctrl-C) keeps every finished point and writes the tables of those; rerunning the same
command continues where it stopped (exit status 130 for the interruption).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chip_configs.cli_types import non_negative_int
from chip_configs.errors import NeuroMeshError

DESCRIPTION = """\
Sweep a chip config and mapping options over a grid (or a random draw) of points; each point is mapped,
validated and run on the samples like 'neuromesh validate', as one task on Dask distributed. Writes
DIR/results.parquet and DIR/results.csv (one row per point, in spec order), DIR/pareto.png (energy vs
latency per inference, coloured by accuracy, the Pareto front labelled) and DIR/params.png (one panel per
varied parameter). Finished points are logged as they complete (DIR/points.jsonl): rerunning the same
spec skips them."""

EPILOG = """\
spec (YAML):
  chip: loihi                                  # base chip config (file or preset)
  network: examples/digits/digits_snntorch.nir # or a list of networks
  samples: examples/digits/digits_samples.npz  # optional
  max_samples: 50
  engine: loads                                # any 'neuromesh run --engine' name (default: fast)
  vary:                                        # chip-config field paths -> values
    noc.buffer_depth_flits: [2, 4, 8]
    core.neurons_per_core: [256, 1024]
  mapping:                                     # placer, seed, neurons_per_core, axon_copies, bit_cost
    placer: [greedy, anneal]
    seed: [0, 1]
  random: {n: 200, seed: 0}                    # optional: draw n points; ranges {low, high, log: true}

examples:
  neuromesh sweep examples/digits/sweep.yaml --out runs/digits              one worker process per core
  neuromesh sweep examples/digits/sweep.yaml --out runs/digits --workers 0  in this process (debugging)
  neuromesh sweep --report runs/digits                                      the Pareto front as a table
  on a Dask cluster of your own: neuromesh sweep SPEC.yaml --out DIR --scheduler tcp://HOST:8786
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="design-space sweep of chip configs and mappings on Dask (table, Pareto plot)",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", metavar="SPEC.yaml", nargs="?", help="the sweep spec")
    p.add_argument("--out", metavar="DIR", help="the sweep directory (results, plots, the log a rerun resumes from)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="tcp://HOST:PORT of a running Dask scheduler (its workers need NeuroMesh installed), or "
                        "'synchronous' to run in this process (default: an embedded LocalCluster)")
    p.add_argument("--workers", type=non_negative_int, metavar="N",
                   help="worker processes of the embedded LocalCluster (default: one per core); 0: run in this "
                        "process")
    p.add_argument("--retry-errors", action="store_true",
                   help="recompute the points whose recorded status is 'error' (default: reuse every recorded point)")
    p.add_argument("--no-plots", action="store_true", help="do not write pareto.png and params.png")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="Dask's progress bar (default: only when stdout is a terminal)")
    p.add_argument("--report", metavar="DIR", help="print the Pareto front of a finished sweep directory and exit")
    p.set_defaults(func=sweep_command)


def sweep_command(args: argparse.Namespace) -> int:
    if args.report:
        if args.spec:
            raise NeuroMeshError("--report DIR prints a finished sweep; give either SPEC.yaml --out DIR or --report DIR")
        return report_command(Path(args.report))
    if not args.spec or not args.out:
        raise NeuroMeshError("give SPEC.yaml --out DIR to run a sweep, or --report DIR to print one")
    if args.scheduler is not None and args.workers is not None:
        raise NeuroMeshError("--scheduler and --workers exclude each other (--workers sizes the embedded cluster)")
    from emulator.sweep import Sweep
    from emulator.sweep_results import summary_text

    sweep = Sweep.from_yaml(args.spec)
    progress = sys.stdout.isatty() if args.progress is None else args.progress
    print(f"sweep {args.spec}: {len(sweep.points)} points, {where(args)}", flush=True)
    try:
        df = sweep.run(out=args.out, workers=args.workers if args.workers is not None else None,
                       scheduler=args.scheduler, progress=progress, retry_errors=args.retry_errors,
                       plots=not args.no_plots)
    except KeyboardInterrupt:
        done = sweep.last_run
        print(f"\ninterrupted: {done.reused if done else 0} earlier points kept, the points finished so far are in "
              f"{args.out}/points.jsonl and the tables; rerun the same command to continue", file=sys.stderr)
        return 130
    s = sweep.last_run
    print(summary_text(df, s.computed, s.reused, s.wall_s))
    plots = "" if args.no_plots else ", pareto.png, params.png"
    print(f"wrote {args.out}/results.parquet, results.csv{plots}")
    return 0


def where(args: argparse.Namespace) -> str:
    """Where the points run, in words."""
    if args.scheduler == "synchronous" or args.workers == 0:
        return "in this process"
    if args.scheduler:
        return f"on the Dask scheduler {args.scheduler}"
    import os

    return f"on a local Dask cluster of {args.workers or os.cpu_count()} worker processes"


def report_command(out: Path) -> int:
    """Print the Pareto front of a sweep directory."""
    import json

    from emulator.sweep_results import META_NAME, PARQUET_NAME, front_text, read_table

    if not (out / PARQUET_NAME).is_file():
        raise NeuroMeshError(f"{out / PARQUET_NAME}: not found; run 'neuromesh sweep SPEC.yaml --out {out}' first")
    df = read_table(out)
    meta = json.loads((out / META_NAME).read_text()) if (out / META_NAME).is_file() else {}
    cols = meta.get("columns") or [c for c in df.columns if c == "network" or "." in c]
    print(front_text(df, cols))
    return 0


__all__ = ["add_parser", "report_command", "sweep_command"]
