"""The neuromesh command line as a user runs it: help, config check/show, run with reports, plots, probes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from emulator.cli import build_parser, main


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("cmd", [[], ["run"], ["map"], ["validate"], ["noc-sweep"], ["config"],
                                 ["config", "check"], ["config", "show"]])
def test_every_subcommand_has_help(capsys, cmd):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([*cmd, "--help"])
    assert info.value.code == 0
    assert "usage: neuromesh" in capsys.readouterr().out


def test_config_check_totals(capsys):
    code, out, _ = _run(capsys, "config", "check", "loihi")
    assert code == 0 and "131,072" in out and "OK" in out
    code, out, _ = _run(capsys, "config", "check", "truenorth")
    assert "1,048,576" in out and "268,435,456" in out
    code, out, _ = _run(capsys, "config", "check", "tiny", "--json")
    assert json.loads(out)["neurons"] == 32


def test_config_show_round_trips(capsys, tmp_path):
    from chip_configs.schema import load_config

    _, out, _ = _run(capsys, "config", "show", "truenorth")
    p = tmp_path / "tn.yaml"
    p.write_text(out)
    assert load_config(p) == load_config("truenorth")


def test_bad_config_exits_2_with_message(capsys, tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("name: x\nmesh: {width: 2, height: 2, colour: red}\n")
    code, _, err = _run(capsys, "config", "check", str(p))
    assert code == 2
    assert "bad.yaml" in err and "mesh.colour: unknown key" in err and "Traceback" not in err


def test_run_bundled_default_report_is_deterministic(capsys, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    code, out, _ = _run(capsys, "run", "--batch", "3", "--report", str(a))
    assert code == 0 and "energy per inference" in out and "count x unit cost" in out
    _run(capsys, "run", "--batch", "3", "--report", str(b))
    assert a.read_bytes() == b.read_bytes()
    d = json.loads(a.read_text())
    assert d["chip"] == "loihi" and d["inferences"] == 3 and d["unit_costs"]["energy"]["syn_op_pj"] == 23.6
    assert 0.0 <= d["accuracy"] <= 1.0


def test_run_plots_and_probes(capsys, tmp_path):
    plots, probes = tmp_path / "plots", tmp_path / "probes.npz"
    code, out, _ = _run(capsys, "run", "--batch", "2", "--plots", str(plots), "--probe", "44:0",
                        "--raster", "all", "--save-probes", str(probes))
    assert code == 0
    names = sorted(p.name for p in plots.iterdir())
    assert names == ["core_activity.png", "energy_breakdown.png", "link_utilisation.png", "raster.png",
                     "summary.png", "tick_duration.png", "traces.png"]
    z = np.load(probes)
    assert z["spikes"].shape[0] == 2 and z["trace_v"].shape[2] == 1


def test_run_errors_are_clear(capsys, tmp_path):
    code, _, err = _run(capsys, "run", "--probe", "44:x")
    assert code == 2 and "no layer or programmed core by that name" in err and "or CORE:NEURON" in err
    code, _, err = _run(capsys, "run", "tiny")
    assert code == 2 and "no bundled demo network for chip 'tiny'" in err
    code, _, err = _run(capsys, "run", "--network", str(tmp_path / "missing.npz"))
    assert code == 2 and "file not found" in err


def test_run_input_file_errors_name_the_file(capsys, tmp_path):
    bad = tmp_path / "bad_input.npz"
    np.savez(bad, spikes=np.zeros((3, 5, 7), np.int32))
    code, _, err = _run(capsys, "run", "--input", str(bad))
    assert code == 2 and "bad_input.npz" in err and "expected spike counts" in err and "(3, 5, 7)" in err
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros(3))
    code, _, err = _run(capsys, "run", "--input", str(other))
    assert code == 2 and "other.npz" in err and "'spikes'" in err and "['weights']" in err
