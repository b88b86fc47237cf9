"""Running the points of a sweep: each point (build config, map, validate, run) is one task.

Three ways, one result (the rows do not depend on where a point ran; only ``wall_s`` does):

- in-process (``--workers 0`` or ``--scheduler synchronous``): a plain loop in this process, for debugging
  (breakpoints and tracebacks work as usual);
- an embedded ``distributed.LocalCluster``: one worker process per core (or ``--workers N``), one thread each
  (the points are CPU-bound Python and NumPy; processes side-step the GIL);
- an existing Dask cluster (``--scheduler tcp://host:8786``): its workers need NeuroMesh installed.

On Dask the networks and samples are shipped to every worker once (``Client.scatter(broadcast=True)``) and each
task refers to them by their future; a task carries only its :class:`~emulator.sweep_points.Point`. Rows come
back as they complete (``as_completed``) and go straight to the log (:class:`~emulator.sweep_results.ResultLog`),
so an interrupted sweep keeps every finished point.

A point never raises: a varied config the schema refuses is an ``invalid`` row, any exception in the point is
an ``error`` row with its type and message, and a worker lost under a task (its process died) makes that
point an ``error`` row too; the sweep goes on.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from chip_configs.errors import ConfigError
from emulator.sweep_points import Point, build_config
from emulator.sweep_results import empty_metrics, validation_metrics


@dataclass(frozen=True)
class SweepInputs:
    """What every point needs besides its own values; scattered to the workers once.

    ``networks[path]`` the loaded networks, ``samples[path]`` their samples (or None), ``base_dict`` the resolved
    base chip config, ``engine`` the chip's network model, ``limits`` the verdict thresholds."""

    base_dict: dict
    networks: Mapping
    samples: Mapping
    engine: str
    limits: object


def evaluate_point(point: Point, inputs: SweepInputs) -> dict:
    """The metrics of one point: its config built and validated (``invalid`` when refused), then
    :func:`mapping.evaluate.validate_full` with the point's mapping options."""
    from mapping.evaluate import validate_full

    try:
        cfg = build_config(inputs.base_dict, point.overrides, f"point {point.index}")
    except ConfigError as exc:
        return empty_metrics("invalid", "; ".join(exc.problems))
    o = point.mapping_options()
    v = validate_full(inputs.networks[point.network], cfg, inputs.samples[point.network], o["placer"], o["seed"],
                      inputs.limits, o["neurons_per_core"], o["axon_copies"], o["bit_cost"], engine=inputs.engine)
    return validation_metrics(v)


def run_point(point: Point, inputs: SweepInputs, evaluate: Callable = evaluate_point) -> dict:
    """One task: ``evaluate(point, inputs)`` with its wall time; an exception becomes an ``error`` row."""
    t0 = time.perf_counter()
    try:
        row = evaluate(point, inputs)
    except Exception as exc:  # the sweep goes on: the row records what went wrong
        row = empty_metrics("error", error_text(exc))
    return dict(row, hash=point.hash, wall_s=time.perf_counter() - t0)


def error_text(exc: BaseException) -> str:
    """``Type: message`` on one line."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


# ----- in-process ----------------------------------------------------------------------------------------------


def run_in_process(todo: list[Point], inputs: SweepInputs, on_row: Callable, evaluate: Callable = evaluate_point,
                   progress: bool = False) -> None:
    """Every point in this process, in order; ``on_row(point, row)`` after each."""
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), unit="point", file=sys.stderr)
    for p in todo:
        on_row(p, run_point(p, inputs, evaluate))
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()


# ----- Dask distributed ----------------------------------------------------------------------------------------


def run_on_client(client, todo: list[Point], inputs: SweepInputs, on_row: Callable,
                  evaluate: Callable = evaluate_point, progress: bool = False) -> None:
    """Every point as a task on ``client`` (a ``distributed.Client``); ``on_row(point, row)`` as each completes.

    The inputs are scattered once to every worker; on an interruption the pending tasks are cancelled."""
    from distributed import as_completed

    if not todo:
        return
    shared = client.scatter(inputs, broadcast=True, hash=False)
    run = uuid.uuid4().hex[:8]
    futures = {client.submit(run_point, p, shared, evaluate, key=f"neuromesh-point-{run}-{p.index}", pure=False): p
               for p in todo}
    bar = _progress_thread(client, list(futures)) if progress else None
    try:
        for fut in as_completed(futures):
            on_row(futures[fut], _result(fut, futures[fut]))
    except BaseException:
        client.cancel(list(futures))
        raise
    finally:
        if bar is not None:
            bar.join(timeout=5)


def _result(fut, point: Point) -> dict:
    """The task's row; a task that could not finish (its worker died, it was cancelled) is an ``error`` row."""
    try:
        return fut.result()
    except Exception as exc:
        return dict(empty_metrics("error", error_text(exc)), hash=point.hash)


def _progress_thread(client, futures: list) -> threading.Thread:
    """Dask's own text progress bar (stdout), drawn from a thread while the rows are written here."""
    from distributed.diagnostics.progressbar import TextProgressBar

    def draw():
        with contextlib.suppress(Exception):  # a progress bar never stops a sweep
            TextProgressBar(futures, scheduler=client.scheduler.address)

    t = threading.Thread(target=draw, name="sweep-progress", daemon=True)
    t.start()
    return t


def local_cluster(workers: int | None):
    """An embedded ``LocalCluster``: ``workers`` processes (default: one per core), one thread each, each
    importing :mod:`emulator.sweep_worker` as it starts; no dashboard (it would need bokeh), worker logs at
    warning level, and Dask's statistical profiler off: it samples the task thread's stack every 10 ms, which
    cost about 8 % of a point's time in an A/B run (benchmarks/README.md), for a dashboard nobody sees."""
    import dask
    from distributed import LocalCluster

    n = workers if workers is not None else (os.cpu_count() or 1)
    with dask.config.set({"distributed.worker.profile.enabled": False}):  # the nannies pass it to the workers
        return LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                            preload=["emulator.sweep_worker"])


def connect(scheduler: str, timeout_s: float = 10.0):
    """A ``distributed.Client`` on an existing scheduler; a clear error when it cannot be reached."""
    from distributed import Client

    from chip_configs.errors import NeuroMeshError

    try:
        return Client(scheduler, timeout=f"{timeout_s}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise NeuroMeshError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({error_text(exc)}); "
                             "allowed: tcp://HOST:PORT of a running 'dask scheduler', or 'synchronous'") from None


__all__ = ["SweepInputs", "connect", "error_text", "evaluate_point", "local_cluster", "run_in_process",
           "run_on_client", "run_point"]
