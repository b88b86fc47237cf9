"""Neurons named the way people think of them: ``LAYER[:INDEX]`` of the mapped network, or ``CORE:NEURON``.

A programmed chip records where each layer's neurons were placed (``mapped.metadata["layers"]``:
``{layer: [[core, start, stop], ...]}``, written by :func:`mapping.mapper.layer_placement`), so a probe can
name ``hidden:17`` instead of the physical ``44:17``, and rasters can label rows by layer and output class.

Forms accepted by :func:`resolve`:

- ``LAYER`` every neuron of the layer; ``LAYER:INDEX`` one neuron; ``LAYER:A-B`` neurons A..B (inclusive);
- ``CORE:NEURON`` the physical neuron (two integers);
- ``layer=NAME[:INDEX]`` / ``core=C:N`` force one reading when a layer is named by a number that is also a
  programmed core (NIR graphs often number their nodes), which is otherwise refused as ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chip_configs.errors import SimulationError


@dataclass(frozen=True)
class ProbeTarget:
    """One probed neuron: its global index on the chip and the label plots and files show."""

    neuron: int
    label: str


def layers_of(chip) -> dict[str, list[list[int]]]:
    """The layer placement recorded in the chip's program (empty for programs mapped before it existed)."""
    return dict(chip.mapped.metadata.get("layers") or {})


def resolve(chip, text: str) -> list[ProbeTarget]:
    """The neurons ``text`` names on the programmed ``chip`` (see the module docstring for the forms)."""
    layers = layers_of(chip)
    if text.startswith("core="):
        return [_physical(chip, text.removeprefix("core="), text)]
    if text.startswith("layer="):
        return _layer(chip, layers, text.removeprefix("layer="), text)
    head, _, _ = text.partition(":")
    is_physical = _two_ints(text) and _programmed(chip, int(head))
    is_layer = head in layers
    if is_physical and is_layer:
        raise SimulationError(f"--probe {text!r}: {head!r} is both a layer and a programmed core; write "
                              f"layer={text} or core={text}")
    if is_physical:
        return [_physical(chip, text, text)]
    if is_layer:
        return _layer(chip, layers, text, text)
    return _unknown(chip, layers, text)


def _two_ints(text: str) -> bool:
    parts = text.split(":")
    return len(parts) == 2 and all(p.strip().lstrip("-").isdigit() for p in parts)


def _programmed(chip, core: int) -> bool:
    return bool((chip.wiring.core_index == core).any())


def _physical(chip, text: str, given: str) -> ProbeTarget:
    if not _two_ints(text):
        raise SimulationError(f"--probe {given!r}: expected CORE:NEURON with two integers, e.g. 3:17")
    core, neuron = (int(v) for v in text.split(":"))
    return ProbeTarget(chip.global_neuron(core, neuron), f"{core}:{neuron}")


def _layer(chip, layers: dict, text: str, given: str) -> list[ProbeTarget]:
    name, _, index = text.partition(":")
    if name not in layers:
        return _unknown(chip, layers, given)
    size = max(stop for _, _, stop in layers[name])
    lo, hi = _index_range(index, size, given)
    parts = sorted(layers[name], key=lambda part: part[1])   # by the first layer index each core holds
    return [ProbeTarget(chip.global_neuron(core, i - start), f"{name}[{i}]")
            for core, start, stop in parts for i in range(max(lo, start), min(hi, stop - 1) + 1)]


def _index_range(index: str, size: int, given: str) -> tuple[int, int]:
    """Inclusive neuron range of ``INDEX`` (``""`` all, ``"7"``, ``"2-5"``) within a layer of ``size``."""
    if not index:
        return 0, size - 1
    try:
        lo, _, hi = index.partition("-")
        lo_i, hi_i = int(lo), int(hi) if hi else int(lo)
    except ValueError:
        raise SimulationError(f"--probe {given!r}: index {index!r} is not INDEX or A-B") from None
    if not 0 <= lo_i <= hi_i < size:
        raise SimulationError(f"--probe {given!r}: index {index} out of range; the layer has neurons 0..{size - 1}")
    return lo_i, hi_i


def _unknown(chip, layers: dict, given: str) -> list[ProbeTarget]:
    if not layers:
        raise SimulationError(f"--probe {given!r}: this programmed chip records no layer placement (mapped by an "
                              "older NeuroMesh); give CORE:NEURON, or map the network again")
    names = ", ".join(sorted(layers))
    raise SimulationError(f"--probe {given!r}: no layer or programmed core by that name; layers: {names} "
                          "(LAYER, LAYER:INDEX or LAYER:A-B), or CORE:NEURON")


def layer_of_neurons(chip, neurons: np.ndarray) -> list[str] | None:
    """The layer name of each global neuron index (``"relay"`` for splitter neurons), or None when the program
    records no layer placement."""
    layers = layers_of(chip)
    if not layers:
        return None
    names = np.full(chip.cores.n_neurons, "relay", dtype=object)
    for name, parts in layers.items():
        for core, start, stop in parts:
            first = chip.global_neuron(core, 0)
            names[first: first + (stop - start)] = name
    return [str(v) for v in names[np.asarray(neurons, np.int64)]]


def output_labels(chip) -> list[str]:
    """One label per output neuron: the network's class names where it has them, else the output index."""
    labels = list(chip.mapped.metadata.get("output_labels") or [])
    n = int(chip.mapped.n_outputs)
    return labels if len(labels) == n else [f"output[{i}]" for i in range(n)]


__all__ = ["ProbeTarget", "layer_of_neurons", "layers_of", "output_labels", "resolve"]
