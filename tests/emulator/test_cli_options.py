"""Numeric options of every command are checked by argparse with the range in the message; ``run`` adds the
mapping's latency in silent ticks unless told not to."""

from __future__ import annotations

import json

import pytest

from emulator.cli import main


def _run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:   # argparse errors exit 2 through SystemExit
        code = int(exc.code)
    out, err = capsys.readouterr()
    return code, out, err


NIR = "examples/digits/digits_snntorch.nir"


@pytest.mark.parametrize(("argv", "needle"), [
    (["run", "--batch", "0"], "argument --batch: 0 is out of range; allowed: >= 1"),
    (["run", "--batch", "-1"], "argument --batch: -1 is out of range; allowed: >= 1"),
    (["run", "--ticks", "-3"], "argument --ticks: -3 is out of range; allowed: >= 1"),
    (["run", "--seed", "-1"], "argument --seed: -1 is out of range; allowed: >= 0"),
    (["run", "--ticks", "2.5"], "argument --ticks: '2.5' is not an integer"),
    (["validate", "loihi", NIR, "--min-agreement", "2"], "argument --min-agreement: 2.0 is out of range; allowed: 0 .. 1"),
    (["validate", "loihi", NIR, "--min-agreement", "nan"], "argument --min-agreement: nan is out of range"),
    (["validate", "loihi", NIR, "--max-samples", "0"], "argument --max-samples: 0 is out of range"),
    (["map", "loihi", NIR, "--out", "x.npz", "--bit-cost", "inf"], "argument --bit-cost: inf is out of range; allowed: a finite"),
    (["map", "loihi", NIR, "--out", "x.npz", "--seed", "-1"], "argument --seed: -1 is out of range; allowed: >= 0"),
    (["map", "loihi", NIR, "--out", "x.npz", "--neurons-per-core", "0"], "argument --neurons-per-core: 0 is out"),
    (["map", "loihi", NIR, "--out", "x.npz", "--dt", "0"], "argument --dt: 0.0 is out of range; allowed: a finite number > 0"),
    (["noc-sweep", "tiny", "--traffic", "uniform", "--rates", "0.1", "--cycles", "10", "--warmup", "0",
      "--out", "c.csv", "--seed", "-2"], "argument --seed: -2 is out of range; allowed: >= 0"),
])
def test_numeric_options_are_range_checked(capsys, argv, needle):
    code, _, err = _run(capsys, *argv)
    assert code == 2 and needle in err and "Traceback" not in err


def test_run_covers_the_mapping_latency_by_default(capsys, tmp_path):
    # The bundled Loihi demo maps the digits network with latency 2: 25 input ticks become 27.
    code, out, _ = _run(capsys, "run", "--batch", "2", "--json", "--no-progress")
    assert code == 0 and json.loads(out)["per_inference"][0]["ticks"] == 27
    code, out, _ = _run(capsys, "run", "--batch", "2", "--no-latency-ticks", "--json", "--no-progress")
    assert code == 0 and json.loads(out)["per_inference"][0]["ticks"] == 25
    code, out, _ = _run(capsys, "run", "--batch", "2", "--ticks", "30", "--json", "--no-progress")
    assert code == 0 and json.loads(out)["per_inference"][0]["ticks"] == 30
    code, out, _ = _run(capsys, "run", "--batch", "2", "--no-progress")
    assert "ticks: 25 input + 2 for the mapping's latency" in out


def test_spike_counts_beyond_int32_are_refused_not_wrapped(tmp_path):
    import numpy as np

    from chip_configs.errors import SimulationError
    from emulator.chip import Chip

    chip = Chip.from_config("loihi").program("emulator/data/default_network_loihi.npz")
    x = np.zeros((1, 3, chip.mapped.n_inputs), np.int64)
    x[0, 1, 5] = 2**32 + 1
    with pytest.raises(SimulationError, match=r"spike count of 4294967297 .* allowed: 0 \.\. 2147483647"):
        chip.prepare_inputs(x, None)
