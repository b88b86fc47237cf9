from pathlib import Path

import numpy as np
import pytest

DIGITS = Path(__file__).resolve().parents[2] / "examples" / "digits"


@pytest.fixture(scope="session")
def digits_nir():
    return DIGITS / "digits_snntorch.nir"


@pytest.fixture(scope="session")
def digits_samples():
    with np.load(DIGITS / "digits_samples.npz") as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="session")
def digits_net(digits_nir):
    from mapping.from_nir import read_nir

    return read_nir(digits_nir)
