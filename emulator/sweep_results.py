"""Results of a sweep: one row per point, the resumable log, the tables on disk and the Pareto front.

Row columns (after the varied ones, :attr:`emulator.sweep_spec.Spec.columns`), per inference where it applies:

- ``index`` (spec order), ``hash`` (the point's key), ``status``: ``ok`` (go), ``no-go`` (a check failed:
  ``reasons``), ``invalid`` (the varied config fails the chip schema: ``error``), ``error`` (the point raised,
  or its worker died: ``error``);
- ``energy_uj`` and ``energy_<op>_uj`` for every priced component (:data:`EVENT_NAMES` and ``static``),
  ``energy_top`` the largest component, ``energy_top_share`` its share of the total;
- ``latency_us`` and its phases ``latency_compute_us``, ``latency_network_us``, ``latency_sync_us``,
  ``latency_top`` the largest phase; ``ticks``; ``inferences_per_s`` (1 / latency);
- ``accuracy_float``, ``accuracy_chip`` (with labels), ``class_agreement`` (chip vs the float reading),
  ``framework_class_agreement`` (chip vs the samples' ``reference_counts``, when given);
- ``cores_used``, ``cores_available``, ``tightest_resource`` and ``tightest_utilisation`` (for a network that
  does not fit: the resource that ran out and need / limit, > 1);
- ``timing_violations``; ``noc_latency_mean_cycles``, ``noc_latency_p99_cycles`` (per inference, averaged
  over the inferences); ``wall_s`` (the point's own wall time: the only column that differs between runs).

Missing figures are NaN (no samples: no run; a no-go at mapping: nothing measured). The log
(``DIR/points.jsonl``) gets one JSON line per finished point, written as the point completes with one
``write`` on a file opened for appending and flushed to disk, so an interrupted sweep loses at most the points
in flight; a torn last line is ignored on reading. Rows are keyed by the point's hash; the last record of a
hash wins.
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path

import numpy as np

from chip_configs.events import EVENT_NAMES
from chip_configs.files import atomic_write_bytes, atomic_write_json, atomic_write_text

STATUSES = ("ok", "no-go", "invalid", "error")
ENERGY_OPS = (*EVENT_NAMES, "static")
PHASES = ("compute", "network", "sync")
METRICS = ("status", "error", "reasons", "energy_uj", "energy_top", "energy_top_share",
           *(f"energy_{op}_uj" for op in ENERGY_OPS), "latency_us", *(f"latency_{p}_us" for p in PHASES),
           "latency_top", "ticks", "inferences_per_s", "accuracy_float", "accuracy_chip", "class_agreement",
           "framework_class_agreement", "cores_used", "cores_available", "tightest_resource",
           "tightest_utilisation", "timing_violations", "noc_latency_mean_cycles", "noc_latency_p99_cycles",
           "wall_s")
TEXT_METRICS = ("status", "error", "reasons", "energy_top", "latency_top", "tightest_resource")
LOG_NAME, PARQUET_NAME, CSV_NAME, META_NAME = "points.jsonl", "results.parquet", "results.csv", "sweep.json"


def empty_metrics(status: str, error: str = "") -> dict:
    """A row's metrics with every figure missing (NaN) and text empty."""
    row = {k: ("" if k in TEXT_METRICS else math.nan) for k in METRICS}
    row.update(status=status, error=error)
    return row


def validation_metrics(v) -> dict:
    """The metrics of a :class:`mapping.evaluate.Validation` (status ok or no-go)."""
    row = empty_metrics("ok" if v.verdict.go else "no-go")
    row["reasons"] = "; ".join(v.verdict.reasons) if not v.verdict.go else ""
    if v.summary is not None:
        s = v.summary
        row.update(cores_used=s.cores_used, cores_available=s.cores_available)
        if s.tightest:
            row.update(tightest_resource=s.tightest[0]["resource"],
                       tightest_utilisation=float(s.tightest[0]["utilisation"]))
    else:
        row.update(_capacity_numbers(v.verdict))
    if v.comparison is not None:
        row.update(_functional(v.comparison.numbers))
        row.update(_report_metrics(v.comparison.report))
    return row


def _capacity_numbers(verdict) -> dict:
    """The resource that ran out and need / limit, from the capacity check's data (a CapacityError's numbers)."""
    data = verdict.checks[0].data if verdict.checks else {}
    if not data.get("resource"):
        return {}
    limit = data.get("limit") or 0
    return {"tightest_resource": data["resource"],
            "tightest_utilisation": float(data["need"] / limit) if limit else math.inf}


def _functional(n: dict) -> dict:
    keys = {"accuracy_float": "accuracy_float", "accuracy_chip": "accuracy_chip",
            "class_agreement": "class_agreement", "framework_class_agreement": "framework_class_agreement_chip"}
    return {col: float(n[k]) for col, k in keys.items() if k in n}


def _report_metrics(rep: dict) -> dict:
    """Energy, latency, throughput, NoC and timing figures of a run's report (``Report.to_dict()``)."""
    if not rep:
        return {}
    mean = rep["mean"]
    e, lat = mean["energy_pj"], mean["latency_ns"]
    by_op = {op: float(e["by_op"].get(op, 0.0)) * 1e-6 for op in ENERGY_OPS}
    top = max(ENERGY_OPS, key=lambda op: by_op[op])
    total = float(e["total"]) * 1e-6
    row = {f"energy_{op}_uj": v for op, v in by_op.items()}
    row.update(energy_uj=total, energy_top=top, energy_top_share=by_op[top] / total if total else math.nan,
               latency_us=float(lat["total"]) * 1e-3, ticks=float(mean["ticks"]),
               latency_top=max(PHASES, key=lambda p: lat[p]),
               inferences_per_s=float(rep["inferences_per_second"]),
               timing_violations=len(rep.get("timing_violations", ())),
               noc_latency_mean_cycles=float(mean["noc_latency_cycles"]["mean"]),
               noc_latency_p99_cycles=float(mean["noc_latency_cycles"]["p99"]),
               cores_used=int(rep["cores_used"]), cores_available=int(rep["cores_available"]))
    row.update({f"latency_{p}_us": float(lat[p]) * 1e-3 for p in PHASES})
    return row


# ----- the log -------------------------------------------------------------------------------------------------


class ResultLog:
    """The append-only record of finished points, ``DIR/points.jsonl``: one JSON object per line, keyed by
    ``hash``."""

    def __init__(self, out_dir: str | Path):
        self.dir = Path(out_dir)
        self.path = self.dir / LOG_NAME

    def read(self) -> dict[str, dict]:
        """``{hash: record}``, the last record of a hash winning; a torn (partial) line is skipped."""
        if not self.path.exists():
            return {}
        records = {}
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # the tail of an interrupted write
            if isinstance(rec, dict) and "hash" in rec:
                records[rec["hash"]] = rec
        return records

    def append(self, record: dict) -> None:
        """Append one record with a single ``write`` (O_APPEND), then fsync: a crash loses at most this line,
        and a torn line never corrupts the others (each starts on a new line)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        line = "\n" + json.dumps(_json_safe(record), sort_keys=True, allow_nan=False) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def _json_safe(record: dict) -> dict:
    """NaN and infinities as None (strict JSON); numpy scalars as Python numbers."""
    out = {}
    for k, v in record.items():
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            v = None
        out[k] = v
    return out


# ----- the table -----------------------------------------------------------------------------------------------


def table(spec, points, records: dict[str, dict]):
    """The results table (a pandas DataFrame): one row per finished point, in spec order; the varied columns,
    ``index``, ``hash``, then :data:`METRICS`. Points without a record are left out."""
    import pandas as pd

    rows = []
    for p in points:
        rec = records.get(p.hash)
        if rec is None:
            continue
        metrics = {k: rec.get(k) for k in METRICS}
        rows.append({"index": p.index, **p.values(spec), "hash": p.hash, **metrics})
    cols = ["index", *spec.columns, "hash", *METRICS]
    df = pd.DataFrame(rows, columns=cols)
    for k in METRICS:
        df[k] = df[k].fillna("").astype(str) if k in TEXT_METRICS else pd.to_numeric(df[k], errors="coerce")
    return df.astype({c: float for c in METRICS if c not in TEXT_METRICS})


def write_tables(df, out_dir: str | Path, spec=None) -> tuple[Path, Path]:
    """``DIR/results.parquet`` and ``DIR/results.csv`` (atomically), and ``DIR/sweep.json`` (the varied columns,
    for ``--report``)."""
    out = Path(out_dir)
    buf = io.BytesIO()
    _parquet_frame(df).to_parquet(buf, index=False)
    pq = atomic_write_bytes(out / PARQUET_NAME, buf.getvalue())
    csv = atomic_write_text(out / CSV_NAME, df.to_csv(index=False))
    if spec is not None:
        atomic_write_json(out / META_NAME, {"spec": spec.source, "columns": list(spec.columns),
                                            "engine": spec.engine, "chip": spec.base.name})
    return pq, csv


def _parquet_frame(df):
    """Columns of mixed Python types (a varied value given as 2 and 'auto') as text, so Arrow can type them."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object and len({type(v) for v in out[c]}) > 1:
            out[c] = out[c].map(lambda v: v if isinstance(v, str) else json.dumps(v))
    return out


def read_table(out_dir: str | Path):
    """The results table of a sweep directory (parquet)."""
    import pandas as pd

    return pd.read_parquet(Path(out_dir) / PARQUET_NAME)


def pareto_front(df, x: str = "latency_us", y: str = "energy_uj"):
    """Rows no other row beats on both ``x`` and ``y`` (lower is better), among the go points with both
    figures; sorted by ``x``. A row is dominated when another is <= on both and < on one."""
    ok = df[(df["status"] == "ok") & df[x].notna() & df[y].notna()].sort_values([x, y], kind="stable")
    keep, best_y = [], math.inf
    for i, yv in zip(ok.index, ok[y], strict=True):
        if yv < best_y:
            keep.append(i)
            best_y = yv
    return ok.loc[keep]


def front_text(df, columns: list[str]) -> str:
    """The Pareto front as a table for people: varied values, energy, latency, accuracy, cores, hash."""
    front = pareto_front(df)
    counts = df["status"].value_counts().to_dict()
    head = (f"{len(df)} points: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES)
            + f"; Pareto front (energy vs latency per inference, go points): {len(front)}")
    if front.empty:
        return head
    shown = [c for c in columns if c in front.columns and df[c].nunique() > 1] or columns[:1]
    rows = [[_fmt(r[c]) for c in shown] + [f"{r['energy_uj']:.4g}", f"{r['latency_us']:.4g}",
                                          _fmt_pct(r["accuracy_chip"]), _fmt(r["cores_used"]), r["hash"]]
            for _, r in front.iterrows()]
    names = [*shown, "energy_uJ", "latency_us", "acc_chip", "cores", "hash"]
    widths = [max(len(n), *(len(row[k]) for row in rows)) for k, n in enumerate(names)]
    lines = ["  ".join(n.rjust(w) for n, w in zip(names, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
    return head + "\n" + "\n".join(lines)


def _fmt(v) -> str:
    if isinstance(v, float):
        return "-" if math.isnan(v) else (f"{int(v)}" if v.is_integer() else f"{v:.4g}")
    return str(v)


def _fmt_pct(v) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{100 * v:.1f} %"


def summary_text(df, done_now: int, skipped: int, wall_s: float) -> str:
    """The end-of-sweep summary: points by status, computed now vs reused, wall time, the best go points."""
    counts = df["status"].value_counts().to_dict()
    lines = [f"sweep: {len(df)} points ({done_now} computed now, {skipped} reused from the log) in "
             f"{wall_s:.1f} s: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES)]
    ok = df[df["status"] == "ok"]
    for col, what in (("energy_uj", "lowest energy"), ("latency_us", "lowest latency")):
        if not ok.empty and ok[col].notna().any():
            r = ok.loc[ok[col].idxmin()]
            lines.append(f"  {what}: point {int(r['index'])} ({r['hash']}): {r['energy_uj']:.4g} uJ, "
                         f"{r['latency_us']:.4g} us per inference, chip accuracy {_fmt_pct(r['accuracy_chip'])}")
    bad = df[df["status"].isin(["invalid", "error"])]
    for _, r in bad.head(3).iterrows():
        lines.append(f"  point {int(r['index'])} {r['status']}: {str(r['error'])[:160]}")
    return "\n".join(lines)


__all__ = ["ENERGY_OPS", "METRICS", "ResultLog", "STATUSES", "empty_metrics", "front_text", "pareto_front",
           "read_table", "summary_text", "table", "validation_metrics", "write_tables"]
