"""Chip-vs-framework class agreement (and identical counts) on every shipped framework vector, on the Loihi preset
(Lava's rules), on the Loihi preset with the silicon's refractory counter, and on TrueNorth (mapping/README.md).

    PYTHONPATH=. python examples/frameworks/measure_agreement.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chip_configs.errors import MappingError
from chip_configs.schema import config_from_dict, load_config
from mapping.evaluate import compare_on_chip, load_samples
from mapping.from_nir import read_nir
from mapping.mapper import map_network
from mapping.reference import predicted_classes

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "frameworks"
CASES = {"snntorch_leaky": ("snntorch", None), "snntorch_synaptic": ("snntorch", None),
         "snntorch_rleaky": ("snntorch", None), "norse_lifbox": ("norse", None), "norse_lif": ("norse", None),
         "norse_li_readout": ("norse", None), "sinabs_iaf_multi": ("sinabs", None),
         "sinabs_iaf_single": ("sinabs", "single"), "sinabs_lif_multi": ("sinabs", None),
         "sinabs_lif_single": ("sinabs", "single"), "sinabs_expleak_readout": ("sinabs", None),
         "spikingjelly_if": ("spikingjelly", None), "spikingjelly_lif": ("spikingjelly", None),
         "rockpool_lif": ("rockpool", None), "spikingjelly_cnn": ("spikingjelly", None),
         "spikingjelly_conv1d": ("spikingjelly", None), "lavadl_cuba": ("lava-dl", None)}


def silicon_loihi():
    """The Loihi preset with ``refractory: silicon`` (refractory_ticks_max 1)."""
    d = load_config("loihi").model_dump(mode="json")
    d["neuron"].update(refractory="silicon", refractory_ticks_max=1)
    return config_from_dict(d)


def agreement(name: str, cfg) -> str:
    framework, spikes = CASES[name]
    net = read_nir(DATA / f"{name}.nir", framework=framework, spikes=spikes)
    s = load_samples(DATA / f"{name}.npz", net.n_inputs, n_outputs=net.n_outputs)
    try:
        mapped, _ = map_network(net, cfg, seed=0)
    except MappingError:
        return "refused"
    chip = compare_on_chip(net, mapped, cfg, s).chip_counts
    ref = s.framework_outputs
    cls = np.mean(predicted_classes(chip) == predicted_classes(ref))
    return f"{100 * cls:.1f} % ({100 * np.mean(np.all(chip == ref, axis=1)):.1f} %)"


def main() -> None:
    chips = {"loihi": load_config("loihi"), "loihi + refractory": silicon_loihi(), "truenorth": load_config("truenorth")}
    print(f"{'case':24s}" + "".join(f"{c:>22s}" for c in chips))
    for name in CASES:
        print(f"{name:24s}" + "".join(f"{agreement(name, cfg):>22s}" for cfg in chips.values()), flush=True)


if __name__ == "__main__":
    main()
