"""Design-space sweeps: many (chip config, mapping) points of one or more networks, each mapped, validated and
run, as a table; on one laptop by default and on a Dask cluster unchanged.

>>> from emulator.sweep import Sweep
>>> df = Sweep.from_yaml("sweep.yaml").run()                  # in-process; a pandas DataFrame
>>> df = Sweep.from_yaml("sweep.yaml").run(client=client, out="runs/s1")   # on a Dask client, resumable

The parts: :mod:`emulator.sweep_spec` (the YAML spec and its validation), :mod:`emulator.sweep_points` (the
points in spec order, their hashes and configs), :mod:`emulator.sweep_exec` (in-process or Dask execution),
:mod:`emulator.sweep_results` (rows, the resumable log, tables, the Pareto front), :mod:`emulator.sweep_plots`
(pictures) and :mod:`emulator.sweep_cli` (``neuromesh sweep``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from emulator.sweep_exec import (
    SweepInputs,
    connect,
    evaluate_point,
    local_cluster,
    run_in_process,
    run_on_client,
)
from emulator.sweep_points import Point, points
from emulator.sweep_results import ResultLog, table, write_tables
from emulator.sweep_spec import Spec, load_spec, spec_from_dict


@dataclass(frozen=True)
class RunStats:
    """What the last :meth:`Sweep.run` did: points computed now, reused from the log, and its wall time (s)."""

    computed: int
    reused: int
    wall_s: float


class Sweep:
    """A validated sweep spec and its points (spec order); :meth:`run` computes the missing ones."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.points: list[Point] = points(spec)
        self.last_run: RunStats | None = None

    @classmethod
    def from_yaml(cls, path: str | Path) -> Sweep:
        """From a spec file (:func:`emulator.sweep_spec.load_spec`; SpecError on a bad spec)."""
        return cls(load_spec(path))

    @classmethod
    def from_dict(cls, data: dict, source: str = "<dict>") -> Sweep:
        return cls(spec_from_dict(data, source))

    def run(self, client=None, out: str | Path | None = None, *, workers: int | None = 0,
            scheduler: str | None = None, progress: bool = False, retry_errors: bool = False,
            plots: bool = True, evaluate: Callable = evaluate_point):
        """Compute every point not yet in ``out``'s log; returns the results table (pandas, spec order).

        Parameters
        ----------
        client : distributed.Client, optional
            Run the points on it. Without one: ``scheduler`` (an address, or 'synchronous'), else ``workers``
            (0: in this process, the default of the API; N: an embedded LocalCluster of N processes; None: one
            per core).
        out : path, optional
            The sweep directory: the log of finished points (resume), ``results.parquet``, ``results.csv``
            and, with ``plots``, ``pareto.png`` and ``params.png``. Without it nothing is written or resumed.
        retry_errors : bool
            Recompute the points whose recorded status is ``error`` (default: every recorded point is reused).
        evaluate : callable
            ``evaluate(point, inputs) -> metrics`` (default :func:`emulator.sweep_exec.evaluate_point`); must be
            importable by the workers.
        """
        t0 = time.perf_counter()
        log = ResultLog(out) if out is not None else None
        records = log.read() if log is not None else {}
        done = {h for h, r in records.items() if not (retry_errors and r.get("status") == "error")}
        todo = list({p.hash: p for p in self.points if p.hash not in done}.values())  # one task per distinct hash

        def on_row(point: Point, row: dict) -> None:
            records[point.hash] = row
            if log is not None:
                log.append(row)

        try:
            if todo:
                self._execute(todo, on_row, client, workers, scheduler, progress, evaluate)
        finally:
            df = table(self.spec, self.points, records)
            if out is not None:
                write_tables(df, out, self.spec)
            self.last_run = RunStats(len(todo), len(self.points) - len(todo), time.perf_counter() - t0)
        if out is not None and plots:
            from emulator.sweep_plots import write_plots

            write_plots(df, self.spec, Path(out))
        return df

    def _execute(self, todo, on_row, client, workers, scheduler, progress, evaluate) -> None:
        inputs = load_inputs(self.spec)
        if client is not None:
            return run_on_client(client, todo, inputs, on_row, evaluate, progress)
        if scheduler == "synchronous" or (scheduler is None and workers == 0):
            return run_in_process(todo, inputs, on_row, evaluate, progress)
        if scheduler is not None:
            with connect(scheduler) as c:
                return run_on_client(c, todo, inputs, on_row, evaluate, progress)
        from distributed import Client

        with local_cluster(workers) as cluster, Client(cluster) as c:
            return run_on_client(c, todo, inputs, on_row, evaluate, progress)


def load_inputs(spec: Spec) -> SweepInputs:
    """The networks and their samples, loaded once here (the driver) and then shipped to the workers."""
    from mapping.cli import load_network
    from mapping.evaluate import load_samples
    from mapping.validate import Limits

    nets = {path: load_network(path) for path in spec.networks}
    samples = {path: (load_samples(spec.samples, net.n_inputs, spec.ticks, spec.input_seed, spec.max_samples,
                                   net.n_outputs) if spec.samples else None) for path, net in nets.items()}
    return SweepInputs(spec.base_dict, nets, samples, spec.engine, Limits(min_class_agreement=spec.min_agreement))


__all__ = ["RunStats", "Sweep", "load_inputs"]
