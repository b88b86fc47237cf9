"""``neuromesh sweep`` on a real ``distributed.LocalCluster`` of 2 worker processes (one cluster for the module).

The digits example with the loads engine on 2 samples, a 12-point grid of which half is invalid by design
(64 neurons per core cannot hold the preset's synapse memory): fast, and every status appears.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client

from emulator.sweep import Sweep
from emulator.sweep_exec import local_cluster
from tests.emulator.sweep_evaluators import fail_at_3, interrupt_at_5

ROOT = Path(__file__).resolve().parents[2]
DIGITS = ROOT / "examples" / "digits"
SPEC = {
    "chip": "loihi",
    "network": str(DIGITS / "digits_snntorch.nir"),
    "samples": str(DIGITS / "digits_samples.npz"),
    "max_samples": 2,
    "engine": "loads",
    "vary": {"core.neurons_per_core": [64, 1024], "noc.buffer_depth_flits": [2, 4, 8]},
    "mapping": {"placer": ["greedy", "sequential"]},
}


@pytest.fixture(scope="module")
def client():
    with local_cluster(2) as cluster, Client(cluster) as c:  # what `neuromesh sweep --workers 2` starts
        yield c


@pytest.fixture(scope="module")
def reference():
    """The 12 points in this process (the debugging path), with nothing written."""
    return Sweep.from_dict(SPEC).run(workers=0)


def _same_rows(a, b) -> None:
    a, b = a.drop(columns="wall_s"), b.drop(columns="wall_s")
    assert list(a.columns) == list(b.columns)
    assert a.equals(b), a.compare(b)


def test_cluster_rows_equal_in_process_rows(client, reference, tmp_path):
    df = Sweep.from_dict(SPEC).run(client=client, out=tmp_path, plots=False)
    assert len(df) == 12 and list(df["index"]) == list(range(12))
    assert set(df["status"]) == {"ok", "invalid"}
    _same_rows(df, reference)
    assert (tmp_path / "results.parquet").is_file() and (tmp_path / "results.csv").is_file()


def test_interrupted_sweep_resumes_without_recomputing(client, reference, tmp_path):
    sweep = Sweep.from_dict(SPEC)
    with pytest.raises(KeyboardInterrupt):
        sweep.run(out=tmp_path, workers=0, evaluate=interrupt_at_5, plots=False)
    first = [json.loads(line) for line in (tmp_path / "points.jsonl").read_text().split("\n") if line]
    assert [r["hash"] for r in first] == [p.hash for p in sweep.points[:5]]
    assert len(pd.read_parquet(tmp_path / "results.parquet")) == 5  # the tables of the finished points
    with open(tmp_path / "points.jsonl", "a") as fh:
        fh.write('{"hash": "torn-li')  # a write cut by the interruption: ignored
    df = sweep.run(client=client, out=tmp_path, plots=False)
    assert (sweep.last_run.computed, sweep.last_run.reused) == (7, 5)
    _same_rows(df, reference)
    walls = {r["hash"]: r["wall_s"] for r in first}
    assert all(df.loc[df["hash"] == h, "wall_s"].item() == w for h, w in walls.items())  # reused, not rerun
    again = sweep.run(client=client, out=tmp_path, plots=False)
    assert sweep.last_run.computed == 0
    _same_rows(again, reference)


def test_invalid_and_failing_points_are_rows(client, tmp_path):
    spec = dict(SPEC, vary={"core.neurons_per_core": [64, 1024]})
    df = Sweep.from_dict(spec).run(client=client, out=tmp_path, evaluate=fail_at_3, plots=False)
    assert list(df["status"]) == ["invalid", "invalid", "ok", "error"]
    assert "core.max_synapses_per_core" in df.loc[0, "error"]
    assert df.loc[3, "error"] == "RuntimeError: boom at point 3"
    assert df.loc[2, "energy_uj"] > 0 and df.loc[2, "accuracy_chip"] >= 0
