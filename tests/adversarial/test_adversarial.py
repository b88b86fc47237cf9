"""Adversarial suite: every bad input through every entry point is refused with exit 2, no traceback, and the
file / field / value in the message (cases in :mod:`tests.adversarial.cases`); generated configs, programmed
chips and samples (hypothesis); outputs checked before work and committed together; SIGINT / SIGTERM during
the output phase leave every output old or every output new, no temporaries, and a message that says which.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.adversarial.cases import (
    CONFIG_VALUES,
    Case,
    _savez,
    build_cases,
    make_fixtures,
    outcome,
    run_cli,
    yaml_with,
)

ROOT = Path(__file__).resolve().parents[2]
_CASES: dict[str, list[Case]] = {}


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> list[Case]:
    if "all" not in _CASES:
        _CASES["all"] = build_cases(tmp_path_factory.mktemp("adversarial"))
    return _CASES["all"]


@pytest.fixture(scope="module")
def fx(tmp_path_factory):
    return make_fixtures(tmp_path_factory.mktemp("fx"))


def test_every_bad_input_is_refused_clearly(cases):
    assert len(cases) >= 150
    bad = [(c.name, o) for c in cases if (o := outcome(c)).kind != "refused"]
    assert not bad, "\n".join(f"{n}: {o.kind} ({o.code}) {o.message[:200]}" for n, o in bad)


def test_good_inputs_are_still_accepted(fx, tmp_path):
    code, out, err, exc = run_cli(["run", "tiny", "--network", fx.mapped, "--input", fx.inputs,
                                   "--report", tmp_path / "r.json", "--save-probes", tmp_path / "p.npz"])
    assert (code, exc) == (0, None), err
    assert json.loads((tmp_path / "r.json").read_text())["chip"] and (tmp_path / "p.npz").is_file()
    code, out, err, exc = run_cli(["map", "tiny", fx.net, "--out", tmp_path / "m.npz", "--summary",
                                   tmp_path / "s.json"])
    assert (code, exc) == (0, None), err


# ----- generated inputs -------------------------------------------------------------------------------------------

BAD_NUMBERS = st.sampled_from([".inf", "-.inf", ".nan", "-1", "0", "1e308", "-1e308", "yes", "'text'", "[]", "{}",
                               "null", "1:30", "0x10", "9" * 40])


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(sorted({(b, k) for b, k, _, _ in CONFIG_VALUES})), value=BAD_NUMBERS)
def test_generated_configs_are_checked_or_refused(tmp_path, field, value):
    """Any value in any checked field: the config is valid, or refused naming the file and the field."""
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml_with(*field, value))
    code, out, err, exc = run_cli(["config", "check", path])
    assert exc is None and "Traceback" not in err
    assert code == 0 or (code == 2 and str(path) in err and field[1] in err), err


HEADER_KEYS = ("format", "version", "chip", "n_inputs", "n_outputs", "n_cores", "metadata")
JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70), st.text(max_size=300),
                        st.lists(st.integers(), max_size=3), st.floats(allow_nan=False))


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(HEADER_KEYS), value=JSON_VALUES, drop=st.booleans())
def test_generated_programmed_chips_are_refused_naming_the_file(fx, tmp_path, key, value, drop):
    with np.load(fx.mapped) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(str(arrays["header"]))
    if drop:
        header.pop(key, None)
    else:
        header[key] = value
    arrays["header"] = np.asarray(json.dumps(header))
    path = _savez(tmp_path / "m.npz", **arrays)
    code, out, err, exc = run_cli(["run", "tiny", "--network", path, "--input", fx.inputs])
    assert exc is None and "Traceback" not in err
    assert code == 0 or (code == 2 and str(path) in err and len(err) < 2000), err


ARRAYS = st.sampled_from(["inputs", "x", "labels", "reference_counts"])
DTYPES = st.sampled_from([np.int64, np.float64, np.int8, np.bool_, np.uint64, np.float32])
SHAPES = st.lists(st.integers(0, 5), min_size=0, max_size=4).map(tuple)
FILL = st.sampled_from([0, 1, -1, 2 ** 40, np.nan, np.inf, 0.5])


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.dictionaries(ARRAYS, st.tuples(DTYPES, SHAPES, FILL), min_size=1, max_size=3))
def test_generated_samples_are_loaded_or_refused(fx, tmp_path, parts):
    arrays = {}
    for key, (dtype, shape, fill) in parts.items():
        with np.errstate(invalid="ignore"):
            arrays[key] = np.full(shape, fill).astype(dtype)
    path = _savez(tmp_path / "s.npz", **arrays)
    code, out, err, exc = run_cli(["validate", "tiny", fx.net, "--samples", path, "--placer", "greedy"])
    assert exc is None and "Traceback" not in err
    assert code in (0, 1) or (code == 2 and str(path) in err), err


# ----- outputs -------------------------------------------------------------------------------------------------------


def test_existing_output_keeps_its_mode_and_symlinks_are_followed(fx, tmp_path):
    report, target = tmp_path / "r.json", tmp_path / "real.npz"
    report.write_text("old")
    report.chmod(0o600)
    target.write_text("old")
    (tmp_path / "link.npz").symlink_to(target)
    code, _, err, _ = run_cli(["run", "tiny", "--network", fx.mapped, "--input", fx.inputs, "--report", report,
                               "--save-probes", tmp_path / "link.npz"])
    assert code == 0, err
    assert report.stat().st_mode & 0o777 == 0o600 and report.read_text() != "old"
    assert (tmp_path / "link.npz").is_symlink() and target.read_bytes()[:2] == b"PK"


def test_bad_output_costs_no_work(fx, tmp_path, monkeypatch):
    import emulator.chip

    def boom(*a, **k):   # pragma: no cover - reached only if the preflight is missing
        raise AssertionError("the chip was built before the outputs were checked")

    monkeypatch.setattr(emulator.chip.Chip, "from_config", boom)
    code, _, err, _ = run_cli(["run", "tiny", "--report", tmp_path])
    assert code == 2 and "is a directory" in err


DRIVER = textwrap.dedent("""
    import os, signal, sys
    from chip_configs import files
    sig, when = getattr(signal, sys.argv[1]), sys.argv[2]
    if when == "staging":   # the signal arrives while the second output is being written
        stage = files.OutputSet.stage
        def late(self, path, data):
            if self.staged:
                os.kill(os.getpid(), sig)
            return stage(self, path, data)
        files.OutputSet.stage = late
    else:                   # the signal arrives in the middle of the renames: held back until they are done
        replace = os.replace
        def slow(a, b):
            replace(a, b)
            os.kill(os.getpid(), sig)
        files.os.replace = slow
    from emulator.cli import main
    sys.exit(main(sys.argv[3:]))
""")


@pytest.mark.parametrize("sig, when", [("SIGTERM", "staging"), ("SIGINT", "commit")])
def test_interrupt_during_output_phase(fx, tmp_path, sig, when):
    report, probes = tmp_path / "r.json", tmp_path / "p.npz"
    report.write_text("old report")
    probes.write_text("old probes")
    proc = subprocess.run([sys.executable, "-c", DRIVER, sig, when, "run", "tiny", "--network", str(fx.mapped),
                           "--input", str(fx.inputs), "--report", str(report), "--save-probes", str(probes)],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=120)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == (143 if sig == "SIGTERM" else 130), proc.stderr
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    old = [report.read_text(errors="replace") == "old report", probes.read_text(errors="replace") == "old probes"]
    if when == "staging":
        assert old == [True, True] and "not written" in proc.stderr and str(report) in proc.stderr
    else:
        assert old == [False, False] and "written: " in proc.stderr and "not written" not in proc.stderr


def test_sigterm_handler_is_restored():
    before = signal.getsignal(signal.SIGTERM)
    run_cli(["config", "check", "tiny"])
    assert signal.getsignal(signal.SIGTERM) is before


def test_failed_allocation_is_a_clean_error_under_a_low_address_space_limit(fx):
    """The estimate passes (--max-memory raised) but the allocation fails under RLIMIT_AS: exit 2, one line."""
    code = textwrap.dedent("""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))
        from emulator.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    proc = subprocess.run([sys.executable, "-c", code, "--max-memory", "100T", "run", "tiny", "--network",
                           str(fx.mapped), "--input", str(fx.inputs), "--ticks", "400000000"],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=120)
    assert proc.returncode == 2 and "out of memory" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300), st.just(b"\x89HDF\r\n\x1a\n" + bytes(200))))
def test_any_bytes_as_a_nir_file_are_read_or_refused_naming_the_file(tmp_path, data):
    from chip_configs.errors import MappingError
    from mapping.cli import load_network

    path = tmp_path / "net.nir"
    path.write_bytes(data)
    with pytest.raises(MappingError) as info:
        load_network(path)
    assert str(path) in str(info.value) and len(str(info.value)) < 1000


def test_interrupted_output_set_leaves_no_temporaries_or_new_directories(tmp_path):
    from chip_configs.files import OutputSet, atomic_write_bytes

    deep, plain = tmp_path / "new" / "dir" / "r.json", tmp_path / "p.bin"
    with pytest.raises(KeyboardInterrupt), OutputSet() as outs:
        outs.add(deep, "--report")
        outs.add(plain, "--out")
        atomic_write_bytes(deep, b"x")
        atomic_write_bytes(plain, b"y")
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []
    with OutputSet() as outs:
        outs.add(deep, "--report")
        atomic_write_bytes(deep, b"x")
    assert deep.read_bytes() == b"x" and outs.written == [str(deep)]


def test_unexpected_error_is_one_line_and_debug_shows_the_traceback(monkeypatch):
    import emulator.cli_config

    def bug(args):
        raise RuntimeError("a bug\nsecond line")

    monkeypatch.setattr(emulator.cli_config, "_check", bug)
    monkeypatch.setattr(emulator.cli_config, "add_parser", _parser_with(emulator.cli_config.add_parser, bug))
    code, _, err, exc = run_cli(["config", "check", "tiny"])
    assert (code, exc) == (3, None) and err.count("\n") == 1 and "--debug" in err and "RuntimeError: a bug" in err
    code, _, err, exc = run_cli(["--debug", "config", "check", "tiny"])
    assert (code, exc) == (3, None) and "Traceback" in err and "second line" in err


def _parser_with(add_parser, func):
    def add(sub):
        add_parser(sub)
        sub.choices["config"]._subparsers._group_actions[0].choices["check"].set_defaults(func=func)
    return add
