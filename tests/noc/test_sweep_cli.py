"""``run_sweep`` rows, CSV and plot output, and the ``noc-sweep`` command line."""

from __future__ import annotations

import argparse
import csv
import re

import pytest

from noc.sweep import COLUMNS, add_parser, main, run_sweep, write_csv
from tests.noc.conftest import make_cfg

ARGS = ["tiny", "--traffic", "uniform", "--rates", "0.05,0.2", "--cycles", "300", "--warmup", "50", "--seed", "1"]


def test_rows_have_exactly_the_columns_and_engines_agree():
    cfg = make_cfg(3, 3)
    fast = run_sweep(cfg, "uniform", [0.1, 0.4], cycles=200, warmup=50, seed=2)
    slow = run_sweep(cfg, "uniform", [0.1, 0.4], cycles=200, warmup=50, seed=2, engine="simpy")
    assert all(tuple(r) == COLUMNS for r in fast)
    assert fast == slow


def test_sweep_is_deterministic_for_a_seed_and_reports_progress():
    ticks = []

    class Bar:
        def update(self, n):
            ticks.append(n)

    cfg = make_cfg(3, 3)
    a = run_sweep(cfg, "transpose", [0.1, 0.3], cycles=200, warmup=20, seed=9, progress=Bar())
    assert a == run_sweep(cfg, "transpose", [0.1, 0.3], cycles=200, warmup=20, seed=9)
    assert ticks == [1, 1]


def test_csv_header_and_values(tmp_path):
    rows = [{"offered_rate": 0.1, "accepted_rate": 0.0998, "avg_latency_cycles": 12.5,
             "p99_latency_cycles": 30.0, "avg_hops": 2.5, "saturated": False}]
    path = write_csv(rows, tmp_path / "c.csv")
    assert path.read_text().splitlines() == [",".join(COLUMNS), "0.1,0.0998,12.5,30,2.5,false"]


def test_command_writes_csv_and_plot(tmp_path, capsys):
    out, png = tmp_path / "curve.csv", tmp_path / "curve.png"
    assert main([*ARGS, "--out", str(out), "--plot", str(png)]) == 0
    with out.open() as fh:
        table = list(csv.DictReader(fh))
    assert [float(r["offered_rate"]) for r in table] == [0.05, 0.2]
    assert tuple(table[0]) == COLUMNS
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "accepted_rate" in capsys.readouterr().out


def test_add_parser_registers_the_subcommand():
    parser = argparse.ArgumentParser(prog="neuromesh")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["noc-sweep", *ARGS, "--out", "x.csv", "--engine", "simpy"])
    assert args.rates == [0.05, 0.2] and args.engine == "simpy" and callable(args.func)
    assert "packets/node/cycle" in parser._subparsers._group_actions[0].choices["noc-sweep"].format_help()


@pytest.mark.parametrize(("change", "message"), [
    (["--rates", "0.1,abc"], r"argument --rates: '0.1,abc' is not a comma-separated list of numbers"),
    (["--rates", "0.1,1.5"], r"argument --rates: .*\[1.5\] out of range; allowed: each in \(0, 1\]"),
    (["--cycles", "0"], r"argument --cycles: 0 is out of range; allowed: >= 1"),
    (["--traffic", "torus"], r"argument --traffic: invalid choice: 'torus'"),
    (["--engine", "booksim"], r"argument --engine: invalid choice: 'booksim'"),
    (["--hotspot-fraction", "2"], r"argument --hotspot-fraction: 2.0 is out of range; allowed: 0 \.\. 1"),
])
def test_bad_arguments_are_named(tmp_path, capsys, change, message):
    args = [*ARGS, "--out", str(tmp_path / "x.csv")]
    flag = change[0]
    if flag in args:
        i = args.index(flag)
        args[i:i + 2] = change
    else:
        args += change
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    assert re.search(message, capsys.readouterr().err)


@pytest.mark.parametrize(("args", "message"), [
    (["no-such-chip", *ARGS[1:]], r"file not found: no-such-chip \(presets: loihi, loihi-kapoho-bay, loihi-nahuku32, tiny, truenorth, truenorth-ns16e\)"),
    ([*ARGS, "--hotspots", "1"], r"--hotspots: only used with --traffic hotspot"),
    ([*ARGS[:2], "hotspot", *ARGS[3:], "--hotspots", "9"], r"--hotspots: \[9\].*allowed: 0 \.\. 3"),
])
def test_bad_inputs_exit_2_with_a_message(tmp_path, capsys, args, message):
    out = tmp_path / "x.csv"
    assert main([*args, "--out", str(out)]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert not out.exists()


# CSVs written by the code before the measured figures were taken on the measured slice only (commit a5c302f),
# for tiny, --rates 0.05,0.3,0.9 --cycles 2000 --warmup 300 --drain 500 --seed 5: the rows must not change.
BEFORE_SLICED_MEASUREMENT = {
    "uniform": "0.05,0.050125,4.9801,7,0.977612,false\n0.3,0.29875,5.31268,9,0.982001,false\n"
               "0.9,0.605375,534.108,916,1.00476,true\n",
    "hotspot": "0.05,0.050125,5.06468,7,1.0199,false\n0.3,0.298625,5.41775,10,0.997907,false\n"
               "0.9,0.559875,612.409,1182.25,1.00715,true\n",
}


@pytest.mark.parametrize("traffic", sorted(BEFORE_SLICED_MEASUREMENT))
def test_sweep_csv_is_byte_identical_to_the_unsliced_measurement(traffic, tmp_path):
    from chip_configs.schema import load_config
    from noc.topology import MeshTopology
    from noc.traffic import make_pattern

    cfg = load_config("tiny")
    rows = run_sweep(cfg, make_pattern(traffic, MeshTopology.from_config(cfg)), [0.05, 0.3, 0.9], cycles=2000,
                     warmup=300, seed=5, drain=500)
    out = write_csv(rows, tmp_path / "c.csv")
    assert out.read_text() == ",".join(COLUMNS) + "\n" + BEFORE_SLICED_MEASUREMENT[traffic]
