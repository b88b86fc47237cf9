"""``neuromesh run``: emulate a programmed chip and report energy and latency per inference."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from chip_configs.cli_types import non_negative_int, positive_int
from chip_configs.errors import SimulationError
from chip_configs.files import OutputSet
from chip_configs.npz import quote, read_npz
from emulator.loops import ENGINE_NAMES, engine_help
from emulator.probes import resolve as resolve_probe

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_CONFIG = "loihi"


def bundled_network(chip_name: str) -> tuple[Path, Path]:
    """The demo network and its input shipped for ``chip_name``; a clear error if there is none."""
    net, inp = DATA_DIR / f"default_network_{chip_name}.npz", DATA_DIR / f"default_input_{chip_name}.npz"
    if not net.exists():
        have = sorted(p.stem.removeprefix("default_network_") for p in DATA_DIR.glob("default_network_*.npz"))
        raise SimulationError(
            f"no bundled demo network for chip '{chip_name}' (bundled for: {', '.join(have) or 'none'}); "
            "give --network MAPPED (made with 'neuromesh map')")
    return net, inp


def load_inputs(path: Path) -> tuple[np.ndarray | None, np.ndarray | None, str | None]:
    """(spikes or values, labels, encoder) from an .npz with 'spikes'/'inputs' or 'x' (+ 'encoder', 'labels')."""
    data = read_npz(path, "run inputs ('spikes' [batch, ticks, n_inputs] or 'x' [batch, n_inputs])",
                    SimulationError)
    labels = _labels(path, data["labels"]) if "labels" in data else None
    for key in ("spikes", "inputs"):
        if key in data:
            return data[key], labels, None
    if "x" in data:
        return data["x"], labels, str(data["encoder"]) if "encoder" in data else "rate"
    raise SimulationError(f"{path}: expected an array 'spikes' (or 'inputs') [batch, ticks, n_inputs], or 'x' "
                          f"[batch, n_inputs] with an optional 'encoder'; found {sorted(data)}")


def _labels(path: Path, labels: np.ndarray) -> np.ndarray:
    """``labels`` as int64 classes >= 0, or an error naming the file."""
    if labels.dtype.kind not in "iub" or (labels.size and int(labels.min()) < 0):
        raise SimulationError(f"{path}: 'labels' holds {quote(labels.reshape(-1)[:4].tolist())} ({labels.dtype}); "
                              "allowed: integer classes >= 0, one per inference")
    return labels.astype(np.int64).reshape(-1)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="emulate a programmed chip; report energy and latency per inference",
        description="Run inferences on a chip config with a programmed (mapped) network, tick by tick, with "
        "integer cores, the mesh NoC and synchronisation. Prints a summary table; --report writes the full "
        "JSON (atomically); --plots writes PNG figures. With no --network, runs the bundled demo network "
        "(a digits classifier) shipped for the chip.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("config", metavar="CONFIG", nargs="?", default=DEFAULT_CONFIG,
                   help=f"chip config YAML or preset name (default: {DEFAULT_CONFIG})")
    p.add_argument("--network", metavar="MAPPED", help="mapped network .npz (from 'neuromesh map')")
    p.add_argument("--input", metavar="FILE.npz", help="inputs: 'spikes' [batch, ticks, n_inputs] (or 'inputs'), "
                   "or values 'x' [batch, n_inputs] with --encoder; optional 'labels' for accuracy")
    p.add_argument("--ticks", type=positive_int, metavar="T",
                   help="ticks per inference, >= 1 (default: the input's length plus the mapping's latency, the "
                   "ticks a spike needs to reach the outputs; see --no-latency-ticks)")
    p.add_argument("--no-latency-ticks", action="store_true",
                   help="run only the input's length: the last input ticks then never reach the outputs")
    p.add_argument("--batch", type=positive_int, metavar="N", help="run only the first N inferences of the input (>= 1)")
    p.add_argument("--encoder", choices=("rate", "ttfs", "direct"), help="encode values 'x' into spikes")
    p.add_argument("--seed", type=non_negative_int, default=0,
                   help="seed for encoders and stochastic neurons, >= 0 (default 0)")
    p.add_argument("--engine", choices=ENGINE_NAMES, default="fast",
                   help="network model, which picks the tick loop: " + engine_help() + ". Counts and energy "
                   "are exact with every engine; loads (~100x faster) estimates each tick's network phase and "
                   "estimates packet latencies (drain-backlog model). Measured errors: noc/README.md")
    p.add_argument("--report", metavar="FILE.json", help="write the full JSON report here (atomically)")
    p.add_argument("--plots", metavar="DIR", help="write PNG plots here (raster, mesh heatmaps, energy, ticks)")
    p.add_argument("--probe", metavar="LAYER[:INDEX]", action="append", default=[],
                   help="record the state registers (u, v) of these neurons every tick: LAYER (all of it), "
                   "LAYER:INDEX, LAYER:A-B, or the physical CORE:NEURON; repeatable")
    p.add_argument("--raster", choices=("outputs", "all"), default="outputs",
                   help="which neurons' spikes to record for the raster and --save-probes (default: outputs)")
    p.add_argument("--save-probes", metavar="FILE.npz",
                   help="write recorded spikes [batch, ticks, neurons] and state traces (atomically)")
    p.add_argument("--json", action="store_true", help="print the JSON report to stdout instead of the table")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: only when stderr is a terminal)")
    p.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    """``neuromesh run``: outputs checked first, written together at the end (chip_configs.files.OutputSet)."""
    with OutputSet() as outs:
        outs.add(args.report, "--report")
        outs.add(args.save_probes, "--save-probes")
        outs.add(args.plots, "--plots", directory=True)
        text = _run(args)
    print(text)
    if outs.written:
        print(f"\nwrote {', '.join(outs.written)}")
    return 0


def _run(args: argparse.Namespace) -> str:
    """The run itself; returns the table (or JSON) to print once the outputs are committed."""
    from emulator.chip import Chip

    chip = Chip.from_config(args.config, seed=args.seed, noc_engine=args.engine)
    if args.network or chip.cfg.system is None:
        net_path, input_path = (Path(args.network), None) if args.network else bundled_network(chip.cfg.name)
        chip.program(net_path)
    else:  # a system preset: its chip's demo network, placed on chip 0
        from emulator.mapped import MappedNetwork
        from emulator.system_place import onto_chip

        net_path, input_path = bundled_network(chip.cfg.system.chip)
        chip.program(onto_chip(MappedNetwork.load(net_path), chip.cfg, 0))
    src = Path(args.input) if args.input else input_path
    if src is None:
        if args.ticks is None:
            raise SimulationError("--network given without --input: give --ticks to run with no input")
        x, labels, enc = None, None, None
    else:
        x, labels, enc = load_inputs(src)
    if args.batch is not None and x is not None:
        x = x[: args.batch]
        labels = None if labels is None else labels[: args.batch]
    batch = _batch(x, args.encoder or enc)
    if labels is not None and len(labels) != batch:
        raise SimulationError(f"{src}: 'labels' has {len(labels)} entries for {batch} inferences")
    targets = [t for text in args.probe for t in resolve_probe(chip, text)] + _readout_targets(chip)
    probe_ids, probe_labels = [t.neuron for t in targets], [t.label for t in targets]
    _check_run_memory(chip, x, batch, args, len(probe_ids))
    try:
        spikes = chip.prepare_inputs(x, args.ticks, args.encoder or enc)
    except SimulationError as exc:
        raise SimulationError(f"{src}: {exc}" if src is not None else str(exc)) from None
    steps = _input_steps(x, args.encoder or enc, spikes.shape[1])   # what an LI readout line sums over
    spikes, note = _cover_latency(chip, spikes, args)
    result = chip.run(spikes, probes={"spikes": args.raster, "state": probe_ids or None}, progress=args.progress)
    report, predictions = _with_readout(chip, result, steps)
    result = replace(result, report=report)   # plots read the decoded readout from the report
    if labels is not None:
        report = report.with_accuracy(np.mean(predictions == np.asarray(labels)[: len(predictions)]))
    if args.report:
        report.save_json(args.report)
    if args.save_probes:
        save_probes(result, args.save_probes, probe_labels)
    if args.plots:
        from emulator.plots import write_all

        write_all(chip, result, Path(args.plots), probe_labels=probe_labels, probe_ids=probe_ids)
    return json.dumps(report.to_dict(), indent=2, sort_keys=True) if args.json else report.to_text() + note


def _input_steps(x, encoder: str | None, ticks: int) -> int:
    """The framework's steps: the spike trains' own length (ticks past it are silent padding, e.g. ``--ticks T +
    latency``), at most the ``ticks`` run; encoded values run for ``ticks``."""
    if x is None or encoder is not None:
        return ticks
    return min(int(np.shape(x)[-2]), ticks)


def _readout_targets(chip) -> list:
    """The LI readout lines of the program (probed: their membrane is the output), labelled as such."""
    from emulator.probes import ProbeTarget, output_labels
    from emulator.readout import readout_neurons, readout_of

    readout = readout_of(chip.mapped)
    if not readout:
        return []
    names = output_labels(chip)
    return [ProbeTarget(int(n), f"{names[k]} (LI readout)")
            for k, n in zip(readout["lines"], readout_neurons(chip, readout), strict=True)]


def _with_readout(chip, result, steps: int) -> tuple:
    """(report, predicted classes): with LI readout lines, their decoded membranes summed over the framework's
    ``steps`` (:mod:`emulator.readout`; they are the last probed state columns) join the report and decide
    the classes; otherwise the report as run and the argmax of the spike counts."""
    from emulator.probes import output_labels
    from emulator.readout import OutputReadout, decode, readout_of

    readout = readout_of(chip.mapped)
    if not readout:
        return result.report, result.predictions
    n = len(readout["lines"])
    v = np.stack([rec.traces["v"][:, -n:] for rec in result.records])
    values = decode(result.output_counts, v, readout, steps)
    out = OutputReadout.of(values, readout, steps, v.shape[1], output_labels(chip))
    return result.report.with_readout(out), np.asarray(out.predictions)


def _batch(x, encoder: str | None) -> int:
    """Inferences in ``x``: values [batch, n] to encode, spikes [batch, ticks, n] or one train [ticks, n]."""
    if x is None:
        return 1
    return len(x) if encoder is not None or np.ndim(x) == 3 else 1


def _check_run_memory(chip, x, batch: int, args: argparse.Namespace, n_probed: int) -> None:
    """Refuse a run whose per-tick arrays (inputs, raster, traces) would not fit, before allocating them."""
    from chip_configs.memory import check_memory, run_terms

    ticks = args.ticks or (int(np.shape(x)[-2]) if x is not None and np.ndim(x) == 3 else 1)
    ticks += int(chip.mapped.metadata.get("latency_ticks", 0) or 0)
    recorded = chip.cores.n_neurons if args.raster == "all" else chip.mapped.n_outputs
    check_memory(f"run of {batch} inference(s) x {ticks:,} ticks (--ticks {args.ticks})" if args.ticks else
                 f"run of {batch} inference(s) x {ticks:,} ticks",
                 run_terms(batch, ticks, chip.mapped.n_inputs, recorded, n_probed))


def _cover_latency(chip, spikes: np.ndarray, args: argparse.Namespace) -> tuple[np.ndarray, str]:
    """The inputs followed by the mapping's latency in silent ticks, so the last input ticks reach the outputs.

    A spike entering at tick t reaches the outputs of a network of depth L at tick t + L on the chip (every
    synapse costs a tick), so a run of exactly the input's T ticks never sees the effect of its last L ticks.
    ``--ticks`` or ``--no-latency-ticks`` keep the length as given. Returns the spikes and a note for the table.
    """
    latency = int(chip.mapped.metadata.get("latency_ticks", 0) or 0)
    if args.ticks is not None or latency <= 0:
        return spikes, ""
    ticks = spikes.shape[1]
    if args.no_latency_ticks:
        return spikes, (f"\nnote: {ticks} ticks, the input's length; the mapping's latency is {latency} ticks, so "
                        f"the last {latency} input ticks do not reach the outputs")
    return chip.prepare_inputs(spikes, ticks + latency), \
        (f"\nticks: {ticks} input + {latency} for the mapping's latency (input to outputs); "
         "--no-latency-ticks to run the input's length only")


def save_probes(result, path: str, labels: list[str]) -> None:
    """Spikes of the probed neurons and state traces of every inference, in one .npz (atomic)."""
    import io

    from chip_configs.files import atomic_write_bytes

    arrays = {"neurons": result.probe_neurons if result.probe_neurons is not None else np.zeros(0, np.int64)}
    if result.records and result.records[0].probe_spikes is not None:
        arrays["spikes"] = np.stack([r.probe_spikes for r in result.records])
    for name in result.records[0].traces if result.records else ():
        arrays[f"trace_{name}"] = np.stack([r.traces[name] for r in result.records])
    arrays["trace_labels"] = np.asarray(labels, dtype=str)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())
