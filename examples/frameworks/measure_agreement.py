"""Float reading and chip against the framework's own outputs on every shipped framework vector: the float
reading (``run_reference``, the framework's timing), the Loihi preset (Lava's rules), the Loihi preset with the
silicon's refractory counter, the Loihi preset with ``--subtract-reset current`` (cases with a subtractive
LIF/IF reset only) and TrueNorth. Prints the markdown table of mapping/README.md; ``--write`` replaces it there
(between the ``measure_agreement`` markers), so the figures cannot drift from the code.

    PYTHONPATH=. python examples/frameworks/measure_agreement.py [--write]

Each cell: predicted classes agreeing with the framework's (argmax, ties to the lowest output), then in
brackets the samples whose output counts are identical; for LI readouts (membranes summed over the steps) the
largest deviation from the framework's sums instead, relative to their largest magnitude.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from chip_configs.errors import MappingError
from chip_configs.schema import config_from_dict, load_config
from mapping.evaluate import compare_on_chip, load_samples
from mapping.from_nir import read_nir
from mapping.mapper import map_network
from mapping.reference import predicted_classes, run_reference
from mapping.subtract_reset import eligible

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "frameworks"
README = ROOT / "mapping" / "README.md"
BEGIN, END = "<!-- measure_agreement:begin -->", "<!-- measure_agreement:end -->"
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


def cell(out: np.ndarray, s) -> str:
    """Class agreement with the framework, and identical counts (or, for readouts, the largest deviation)."""
    ref = s.framework_outputs
    cls = np.mean(predicted_classes(out) == predicted_classes(ref))
    if s.reference_readout is not None:
        return f"{100 * cls:.1f} % (dev {100 * np.max(np.abs(out - ref)) / np.max(np.abs(ref)):.1f} %)"
    return f"{100 * cls:.1f} % ({100 * np.mean(np.all(out == ref, axis=1)):.1f} %)"


def chip_cell(net, s, cfg, **options) -> str:
    try:
        mapped, _ = map_network(net, cfg, seed=0, **options)
    except MappingError:
        return "refused"
    return cell(compare_on_chip(net, mapped, cfg, s).chip_counts, s)


def row(name: str, chips: dict) -> list[str]:
    framework, spikes = CASES[name]
    net = read_nir(DATA / f"{name}.nir", framework=framework, spikes=spikes)
    s = load_samples(DATA / f"{name}.npz", net.n_inputs, n_outputs=net.n_outputs)
    cells = [f"`{name}` (`--framework {framework}`" + (f" `--spikes {spikes}`)" if spikes else ")"),
             cell(run_reference(net, s.inputs, timing="same_step").output_counts, s)]
    cells += [chip_cell(net, s, chips["loihi"]), chip_cell(net, s, chips["silicon"])]
    subtractive = any(eligible(p) for p in net.populations)
    cells.append(chip_cell(net, s, chips["loihi"], subtract_reset="current") if subtractive else "-")
    cells.append(chip_cell(net, s, chips["truenorth"]))
    return cells


def table() -> str:
    chips = {"loihi": load_config("loihi"), "silicon": silicon_loihi(), "truenorth": load_config("truenorth")}
    head = ["case", "float reading", "Loihi (Lava rules)", "Loihi, `refractory: silicon`",
            "Loihi, `--subtract-reset current`", "TrueNorth"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in CASES:
        lines.append("| " + " | ".join(row(name, chips)) + " |")
        print(lines[-1], file=sys.stderr, flush=True)
    return "\n".join(lines)


def write(text: str) -> None:
    """Replace the table between the markers in mapping/README.md."""
    doc = README.read_text()
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"{README}: no {BEGIN} ... {END} block to replace")
    block = f"{BEGIN}\n{text}\n{END}"
    README.write_text(re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, doc, flags=re.S))


def main() -> None:
    text = table()
    print(text)
    if "--write" in sys.argv[1:]:
        write(text)


if __name__ == "__main__":
    main()
