"""The sweep spec (errors with file, field path, value and allowed), the points (spec order, random draws,
hashes) and the ``neuromesh sweep`` command in this process (``--workers 0``), ``--report`` included."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from emulator.cli import main
from emulator.sweep import Sweep
from emulator.sweep_points import build_config, draw_range
from emulator.sweep_spec import Range, SpecError, spec_from_dict

ROOT = Path(__file__).resolve().parents[2]
DIGITS = ROOT / "examples" / "digits"
BASE = {"chip": "loihi", "network": str(DIGITS / "digits_snntorch.nir")}


def _problems(data: dict) -> list[str]:
    with pytest.raises(SpecError) as err:
        spec_from_dict(data, "s.yaml")
    return err.value.problems


@pytest.mark.parametrize("extra, expect", [
    ({"vary": {"noc.buffer_depht_flits": [2]}}, "vary.noc.buffer_depht_flits: not a field of the chip config; "
                                                "did you mean 'noc.buffer_depth_flits'?"),
    ({"mapping": {"placer": ["greedy", "magic"]}}, "mapping.placer[1]: received 'magic'; allowed: anneal, greedy"),
    ({"mapping": {"seeds": [0]}}, "mapping.seeds: unknown option; did you mean 'seed'?"),
    ({"mapping": {"seed": [-1]}}, "mapping.seed: received -1; allowed: an integer >= 0"),
    ({"vary": {"noc.buffer_depth_flits": {"low": 2, "high": 8}}}, "needs 'random: {n, seed}'"),
    ({"vary": {"noc.clock_mhz": {"low": 0, "high": 9, "log": True}}, "random": {"n": 2}},
     "vary.noc.clock_mhz.low: received 0 with log: true; allowed: > 0"),
    ({"vary": {"noc.buffer_depth_flits": [2, 2]}}, "vary.noc.buffer_depth_flits[1]: 2 is listed twice"),
    ({"engine": "warp"}, "engine: received 'warp'; allowed: fast"),
    ({"max_samples": 0}, "max_samples: received 0; allowed: >= 1"),
    ({"sampels": "x.npz"}, "sampels: unknown key 'sampels'; did you mean 'samples'?"),
    ({"samples": "nowhere.npz"}, "samples: file not found: nowhere.npz"),
    ({"random": {"n": 0}}, "random.n: received 0; allowed: >= 1"),
])
def test_spec_errors_name_field_value_and_allowed(extra, expect):
    problems = _problems(BASE | extra)
    assert any(expect in p for p in problems), problems


def test_every_problem_at_once_and_a_bad_chip():
    problems = _problems({"chip": "nochip", "network": "none.nir", "engine": "warp"})
    assert len(problems) == 3 and problems[0].startswith("network: file not found")
    assert "chip: file not found: nochip (presets:" in problems[1]


def test_grid_in_spec_order_and_hash_stability():
    data = BASE | {"vary": {"noc.buffer_depth_flits": [2, 4], "core.weight_bits": [8, 9]},
                   "mapping": {"placer": ["greedy", "anneal"]}}
    sweep = Sweep.from_dict(data)
    got = [(dict(p.overrides)["noc.buffer_depth_flits"], dict(p.overrides)["core.weight_bits"], p.mapping[0][1])
           for p in sweep.points]
    assert got[:3] == [(2, 8, "greedy"), (2, 8, "anneal"), (2, 9, "greedy")] and len(got) == 8
    again = Sweep.from_dict(dict(data, mapping={"placer": ["anneal", "greedy"]}))
    assert {p.hash for p in again.points} == {p.hash for p in sweep.points}  # keyed by content, not position
    assert len({p.hash for p in sweep.points}) == 8


def test_random_draws_are_seeded_and_within_ranges():
    data = BASE | {"random": {"n": 50, "seed": 3},
                   "vary": {"noc.buffer_depth_flits": {"low": 1, "high": 64, "log": True},
                            "energy.syn_op_pj": {"low": 10.0, "high": 30.0}},
                   "mapping": {"placer": ["greedy", "anneal"], "bit_cost": {"low": 0, "high": 0.1}}}
    a, b = Sweep.from_dict(data).points, Sweep.from_dict(data).points
    assert [p.hash for p in a] == [p.hash for p in b]
    depth = [dict(p.overrides)["noc.buffer_depth_flits"] for p in a]
    syn = [dict(p.overrides)["energy.syn_op_pj"] for p in a]
    assert all(isinstance(d, int) and 1 <= d <= 64 for d in depth) and all(10 <= s <= 30 for s in syn)
    assert {dict(p.mapping)["placer"] for p in a} == {"greedy", "anneal"}
    rng = np.random.default_rng(0)
    logs = [draw_range(Range(1.0, 1e4, log=True), rng) for _ in range(2000)]
    assert 0.45 < np.mean(np.log10(logs)) / 4 < 0.55  # log-uniform: log10 uniform on [0, 4]


def test_block_override_merges_and_invalid_config_names_the_field():
    spec = spec_from_dict(BASE | {"vary": {"energy": [{"syn_op_pj": 1.5}]}})
    cfg = build_config(spec.base_dict, (("energy", {"syn_op_pj": 1.5}),), "point 0")
    assert cfg.energy.syn_op_pj == 1.5 and cfg.energy.spike_pj == spec.base.energy.spike_pj
    from chip_configs.errors import ConfigError

    with pytest.raises(ConfigError, match="noc.buffer_depth_flits: received 0; allowed: >= 1"):
        build_config(spec.base_dict, (("noc.buffer_depth_flits", 0),), "point 0")


def test_cli_bad_spec_exits_2_without_traceback(tmp_path, capsys):
    spec = tmp_path / "s.yaml"
    spec.write_text(yaml.safe_dump(BASE | {"vary": {"noc.buffer_depth": [2]}, "mapping": {"placer": "x"}}))
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{spec}: 2 problems in sweep spec" in err and "Traceback" not in err
    assert "vary.noc.buffer_depth: not a field" in err and "mapping.placer: received 'x'; allowed:" in err
    spec.write_text("chip: [unclosed\n")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o")]) == 2
    assert "YAML syntax error at line" in capsys.readouterr().err
    assert main(["sweep", "--report", str(tmp_path / "none")]) == 2
    assert "results.parquet: not found" in capsys.readouterr().err


def test_cli_in_process_sweep_resume_and_report(tmp_path, capsys):
    spec = tmp_path / "s.yaml"
    spec.write_text(yaml.safe_dump(BASE | {
        "samples": str(DIGITS / "digits_samples.npz"), "max_samples": 2, "engine": "loads",
        "vary": {"noc.buffer_depth_flits": [2, 4]}}))
    out = tmp_path / "o"   # the plots are drawn by the README's sweep (tests/test_documented_commands.py)
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "0", "--no-plots"]) == 0
    text = capsys.readouterr().out
    assert "2 points (2 computed now, 0 reused from the log)" in text and "2 ok" in text
    for name in ("results.parquet", "results.csv", "points.jsonl", "sweep.json"):
        assert (out / name).is_file(), name
    assert main(["sweep", str(spec), "--out", str(out), "--scheduler", "synchronous", "--no-plots"]) == 0
    assert "(0 computed now, 2 reused from the log)" in capsys.readouterr().out
    assert main(["sweep", "--report", str(out)]) == 0
    report = capsys.readouterr().out
    assert "Pareto front (energy vs latency per inference, go points): 1" in report and "energy_uJ" in report
    import pandas as pd

    df = pd.read_csv(out / "results.csv")
    assert list(df["index"]) == [0, 1] and df["energy_uj"].gt(0).all()
    assert not math.isnan(df["accuracy_chip"][0])


def test_joined_paths_are_set_together():
    key = "timing.syn_op_ns + energy.syn_op_pj"
    sweep = Sweep.from_dict(BASE | {"vary": {key: [[2.5, 33.0], [5.0, 17.0]]}})
    assert sweep.spec.columns == ("network", "timing.syn_op_ns", "energy.syn_op_pj")
    assert [p.overrides for p in sweep.points] == [(("timing.syn_op_ns", 2.5), ("energy.syn_op_pj", 33.0)),
                                                   (("timing.syn_op_ns", 5.0), ("energy.syn_op_pj", 17.0))]
    problems = _problems(BASE | {"vary": {key: [[2.5, 33.0], [5.0]]}})
    assert problems == [f"vary.{key}[1]: received [5.0]; allowed: a list of 2 values, one per path "
                        "(timing.syn_op_ns, energy.syn_op_pj)"]


def test_a_network_that_does_not_fit_is_a_no_go_row_with_its_resource():
    data = BASE | {"samples": str(DIGITS / "digits_samples.npz"), "max_samples": 2, "engine": "loads",
                   "vary": {"mesh.num_cores": [1]}, "mapping": {"neurons_per_core": [16]}}
    row = Sweep.from_dict(data).run().iloc[0]
    assert row["status"] == "no-go" and row["reasons"].startswith("capacity:")
    assert row["tightest_resource"] == "cores" and row["tightest_utilisation"] > 1
    assert math.isnan(row["energy_uj"])
