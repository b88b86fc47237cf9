"""Probes and rasters by layer name: ``LAYER[:INDEX]`` resolves through the program's layer placement."""

from __future__ import annotations

import numpy as np
import pytest

from chip_configs.errors import SimulationError
from emulator.chip import Chip
from emulator.probes import layer_of_neurons, output_labels, resolve


@pytest.fixture(scope="module")
def chip():
    return Chip.from_config("loihi").program("emulator/data/default_network_loihi.npz")


def test_layer_placement_is_recorded(chip):
    # the digits network: hidden layer "1" (128 neurons) on core 44, output layer "3" (10) on core 45
    assert chip.mapped.metadata["layers"] == {"1": [[44, 0, 128]], "3": [[45, 0, 10]]}


def test_layer_index_range_and_physical_forms(chip):
    whole = resolve(chip, "3")
    assert [t.label for t in whole] == [f"3[{i}]" for i in range(10)]
    assert [t.neuron for t in whole] == [chip.global_neuron(45, i) for i in range(10)]
    assert [t.label for t in resolve(chip, "1:5")] == ["1[5]"]
    assert [t.neuron for t in resolve(chip, "1:2-4")] == [chip.global_neuron(44, i) for i in (2, 3, 4)]
    assert resolve(chip, "44:7")[0].neuron == chip.global_neuron(44, 7) and resolve(chip, "44:7")[0].label == "44:7"
    assert resolve(chip, "core=45:1")[0].label == "45:1"
    assert resolve(chip, "layer=3:1")[0].label == "3[1]"


@pytest.mark.parametrize(("text", "needle"), [
    ("nope", "no layer or programmed core by that name; layers: 1, 3"),
    ("3:10", "index 10 out of range; the layer has neurons 0..9"),
    ("1:x", "index 'x' is not INDEX or A-B"),
    ("core=44", "expected CORE:NEURON with two integers"),
    ("44:999", "neuron 999 out of range for core 44"),
])
def test_bad_probes_are_named(chip, text, needle):
    with pytest.raises(SimulationError, match=needle):
        resolve(chip, text)


def test_layers_and_classes_for_rasters(chip):
    ids = np.array([chip.global_neuron(44, 0), chip.global_neuron(45, 3)])
    assert layer_of_neurons(chip, ids) == ["1", "3"]
    assert output_labels(chip) == [f"output[{i}]" for i in range(10)]
