"""Float reading and chip against the framework's own outputs on every shipped framework vector: the float
reading (``run_reference``, the framework's timing), Loihi with Lava's rules alone (no refractory counter,
reset to zero), the Loihi preset (the silicon's refractory counter) with ``--subtract-reset zero``, the Loihi
preset with its default ``--subtract-reset current`` (cases with a subtractive LIF/IF reset only) and
TrueNorth. Prints the markdown table of mapping/README.md; ``--write`` replaces it there
(between the ``measure_agreement`` markers), so the figures cannot drift from the code.

    PYTHONPATH=. python examples/frameworks/measure_agreement.py [--write] [CASE ...]

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
# name -> read_nir options (as exported, the framework named; what the file cannot say given as the user would)
CASES = {"snntorch_leaky": {"framework": "snntorch"}, "snntorch_synaptic": {"framework": "snntorch"},
         "snntorch_rleaky": {"framework": "snntorch"},
         "snntorch_leaky_subtract": {"framework": "snntorch", "reset": "subtract"},
         "norse_lifbox": {"framework": "norse"}, "norse_lif": {"framework": "norse"},
         "norse_li_readout": {"framework": "norse"}, "sinabs_iaf_multi": {"framework": "sinabs"},
         "sinabs_iaf_single": {"framework": "sinabs", "spikes": "single"}, "sinabs_lif_multi": {"framework": "sinabs"},
         "sinabs_lif_single": {"framework": "sinabs", "spikes": "single"},
         "sinabs_expleak_readout": {"framework": "sinabs"}, "spikingjelly_if": {"framework": "spikingjelly"},
         "spikingjelly_lif": {"framework": "spikingjelly"}, "rockpool_lif": {"framework": "rockpool"},
         "spikingjelly_cnn": {"framework": "spikingjelly"}, "spikingjelly_conv1d": {"framework": "spikingjelly"},
         "lavadl_cuba": {"framework": "lava-dl"}}


def lava_loihi():
    """The Loihi preset without the silicon's refractory counter (Lava's rules alone)."""
    d = load_config("loihi").model_dump(mode="json")
    d["neuron"].update(refractory="none", refractory_ticks_max=0)
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
    options = CASES[name]
    net = read_nir(DATA / f"{name}.nir", **options)
    s = load_samples(DATA / f"{name}.npz", net.n_inputs, n_outputs=net.n_outputs)
    cells = [f"`{name}` (" + " ".join(f"`--{k} {v}`" for k, v in options.items()) + ")",
             cell(run_reference(net, s.inputs, timing="same_step").output_counts, s)]
    cells += [chip_cell(net, s, chips["lava"], subtract_reset="zero"),
              chip_cell(net, s, chips["loihi"], subtract_reset="zero")]
    subtractive = any(eligible(p) for p in net.populations)
    cells.append(chip_cell(net, s, chips["loihi"], subtract_reset="current") if subtractive else "-")
    cells.append(chip_cell(net, s, chips["truenorth"]))
    return cells


def table(only: list[str]) -> str:
    """The markdown table; with ``only`` the rows of those cases (the others kept from mapping/README.md)."""
    chips = {"loihi": load_config("loihi"), "lava": lava_loihi(), "truenorth": load_config("truenorth")}
    head = ["case", "float reading", "Loihi, Lava rules alone", "Loihi preset, `--subtract-reset zero`",
            "Loihi preset (default `--subtract-reset current`)", "TrueNorth"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    kept = _rows_in_readme()
    for name in CASES:
        lines.append("| " + " | ".join(row(name, chips)) + " |" if not only or name in only else kept[name])
        print(lines[-1], file=sys.stderr, flush=True)
    return "\n".join(lines)


def _rows_in_readme() -> dict[str, str]:
    """The table rows now in mapping/README.md, by case name."""
    doc = README.read_text()
    block = doc[doc.find(BEGIN):doc.find(END)] if BEGIN in doc else ""
    return {m.group(1): line for line in block.splitlines() if (m := re.match(r"\| `(\w+)`", line))}


def write(text: str) -> None:
    """Replace the table between the markers in mapping/README.md."""
    doc = README.read_text()
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"{README}: no {BEGIN} ... {END} block to replace")
    block = f"{BEGIN}\n{text}\n{END}"
    README.write_text(re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, doc, flags=re.S))


def main() -> None:
    args = sys.argv[1:]
    only = [a for a in args if a != "--write"]
    unknown = sorted(set(only) - set(CASES))
    if unknown:
        raise SystemExit(f"unknown case(s) {unknown}; known: {list(CASES)}")
    text = table(only)
    print(text)
    if "--write" in args:
        write(text)


if __name__ == "__main__":
    main()
