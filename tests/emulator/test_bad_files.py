"""Array archives from users: every damaged, foreign or hostile file is refused with the file named.

One reader (:func:`chip_configs.npz.read_npz`) serves the programmed chip, the saved network, run inputs and
validation samples; these tests drive each loader with the files users actually produce by mistake, and a
hypothesis property feeds arbitrary bytes (any byte string is either loaded or refused with a NeuroMeshError).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chip_configs.errors import MappingError, NeuroMeshError, ProgramError, SimulationError
from emulator.cli_run import load_inputs
from emulator.mapped import FORMAT_NAME, FORMAT_VERSION, MappedNetwork
from mapping.evaluate import load_samples
from mapping.network_io import load_network_npz

LOADERS = {
    "programmed chip": (lambda p: MappedNetwork.load(p), ProgramError),
    "saved network": (lambda p: load_network_npz(p), MappingError),
    "run inputs": (lambda p: load_inputs(p), SimulationError),
    "samples": (lambda p: load_samples(p, n_inputs=4), SimulationError),
}


def _npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _npy_bytes() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    return buf.getvalue()


BAD_FILES = {
    "empty": (b"", "an empty file"),
    "truncated": (_npz_bytes(inputs=np.zeros((2, 3, 4), np.int64))[:60], "not a zip archive"),
    "npy renamed": (_npy_bytes(), "a single .npy array renamed .npz"),
    "text": (b"hello, I am a text file\n", "not a zip archive"),
    "pickle": (_npz_bytes(inputs=np.array([{"a": 1}], dtype=object), header=np.array([None], dtype=object),
                          network=np.array([None], dtype=object), spikes=np.array([None], dtype=object)),
               "Python objects"),
}


@pytest.mark.parametrize("loader", sorted(LOADERS))
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_damaged_and_foreign_archives_are_refused_naming_the_file(tmp_path, loader, case):
    data, why = BAD_FILES[case]
    path = tmp_path / "in.npz"
    path.write_bytes(data)
    load, error = LOADERS[loader]
    with pytest.raises(error) as info:
        load(path)
    msg = str(info.value)
    assert str(path) in msg and why in msg and "allow_pickle" not in msg


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_missing_file_and_directory(tmp_path, loader):
    load, error = LOADERS[loader]
    with pytest.raises(error, match="file not found"):
        load(tmp_path / "nope.npz")
    with pytest.raises(error, match="not a regular file"):
        load(tmp_path)


def test_oversized_archive_refused_before_decompressing(tmp_path, monkeypatch):
    path = tmp_path / "big.npz"
    path.write_bytes(_npz_bytes(inputs=np.zeros((4, 1000, 4), np.int64)))   # 128 kB once decompressed
    monkeypatch.setenv("NEUROMESH_MAX_MEMORY", "100000")
    with pytest.raises(SimulationError, match=r"would take 128,\d+ bytes once decompressed; the limit is 100,000"):
        load_samples(path, n_inputs=4)


def test_programmed_chip_headers_that_are_not_json_or_lack_keys(tmp_path):
    cases = {
        "not json": (np.asarray("{nope"), "is not valid JSON"),
        "a list": (np.asarray("[1, 2]"), "holds list"),
        "bytes": (np.zeros(3), "expected a JSON string"),
        "no chip": (np.asarray(json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION})), "has no 'chip'"),
        "chip a number": (np.asarray(json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION, "chip": 3,
                                                 "n_inputs": 1})), r"header.chip is 3; expected str"),
    }
    for name, (header, why) in cases.items():
        path = tmp_path / f"{name}.npz"
        path.write_bytes(_npz_bytes(header=header))
        with pytest.raises(ProgramError, match=why):
            MappedNetwork.load(path)


def test_a_nir_file_or_a_saved_network_where_a_programmed_chip_is_expected(tmp_path):
    with pytest.raises(ProgramError, match="is not a programmed chip; map it first: neuromesh map"):
        MappedNetwork.load(Path("examples/digits/digits_snntorch.nir"))
    path = tmp_path / "net.npz"
    path.write_bytes(_npz_bytes(network=np.asarray("{}")))
    with pytest.raises(ProgramError, match="a saved network .*not a programmed chip"):
        MappedNetwork.load(path)


def test_samples_values_must_be_finite_counts_and_labels_integers(tmp_path):
    cases = {
        "nan": ({"x": np.full((2, 4), np.nan)}, r"'x'\[0, 0\] is nan; allowed: finite values >= 0"),
        "negative spikes": ({"inputs": -np.ones((2, 3, 4), np.int64)}, "'inputs' holds -1"),
        "float spikes": ({"inputs": np.ones((2, 3, 4))}, "'inputs' has dtype float64; expected integers"),
        "labels count": ({"inputs": np.ones((2, 3, 4), np.int64), "labels": np.zeros(3, np.int64)},
                         "'labels' has 3 entries for 2 samples"),
    }
    for name, (arrays, why) in cases.items():
        path = tmp_path / f"{name}.npz"
        path.write_bytes(_npz_bytes(**arrays))
        with pytest.raises(SimulationError, match=why):
            load_samples(path, n_inputs=4)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300),
                      st.builds(lambda cut, body: body[:cut], st.integers(0, 400),
                                st.just(_npz_bytes(inputs=np.ones((1, 2, 4), np.int64), labels=np.zeros(1, int))))))
def test_any_bytes_are_loaded_or_refused_cleanly(tmp_path, data):
    path = tmp_path / "fuzz.npz"
    path.write_bytes(data)
    for load, _ in LOADERS.values():
        try:
            load(path)
        except NeuroMeshError as exc:
            assert str(path) in str(exc)


def test_zip_with_a_corrupt_member_is_refused(tmp_path):
    good = _npz_bytes(inputs=np.ones((2, 3, 4), np.int64))
    # overwrite bytes inside the stored member's data: the directory is intact, the payload is not
    bad = bytearray(good)
    start = good.index(b"\x93NUMPY")
    bad[start: start + 10] = b"X" * 10
    path = tmp_path / "corrupt.npz"
    path.write_bytes(bytes(bad))
    with pytest.raises(SimulationError, match=str(path)):
        load_samples(path, n_inputs=4)


def test_a_program_for_another_chip_is_named_in_one_line(capsys):
    from emulator.cli import main

    code = main(["run", "loihi", "--network", "emulator/data/default_network_truenorth.npz"])
    err = capsys.readouterr().err
    assert code == 2 and "this programmed chip was mapped for chip 'truenorth' (neuron model truenorth)" in err
    assert "neuromesh map loihi NETWORK" in err and len(err.strip().splitlines()) == 1
