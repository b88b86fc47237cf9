"""``neuromesh map`` and ``neuromesh validate``: subcommands registered by :func:`add_parsers`.

Both print a human table to stdout and write JSON atomically; ``validate`` (and ``map`` when its own
checks fail) exits with status 1 on a no-go verdict, 0 on go.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from chip_configs.cli_types import (
    finite_non_negative,
    fraction,
    non_negative_int,
    positive_finite,
    positive_int,
)
from chip_configs.errors import MappingError
from chip_configs.files import OutputSet, atomic_write_json
from chip_configs.npz import quote
from chip_configs.schema import load_config
from emulator.loops import ENGINE_NAMES
from mapping.from_nir import read_nir
from mapping.nir_frameworks import FRAMEWORKS
from mapping.placement import PLACERS

NETWORK_HELP = ("a NIR graph (.nir, as exported by snnTorch, Norse, ...), a Python file (.py) defining "
                "`network` or `build_network()` that returns a mapping.network.Network, or such a network "
                "saved as .npz (mapping.network_io.save_network)")

MAP_EPILOG = """\
examples:
  neuromesh map loihi examples/digits/digits_snntorch.nir --out digits_loihi.npz
  neuromesh map truenorth examples/digits/digits_snntorch.nir --out net_tn.npz --placer greedy \
      --summary summary.json
"""

VALIDATE_EPILOG = """\
samples (.npz): 'inputs' [batch, ticks, n_inputs] spike arrays, or 'x' [batch, features] values that are
rate-coded (p = x / max per tick, --ticks, --seed); optional 'labels' [batch] for accuracies; optional
'reference_counts' [batch, n_outputs], the framework's own output spike counts on these inputs: the
functional check then compares the chip (and the float reading of the file) with the framework itself
and is a no-go when either agrees on fewer classes than --min-agreement. Without them it compares with
NeuroMesh's own float reading of the file only. An accuracy near chance (labels given) is a no-go;
samples without any input spike are refused.

checks: capacity, precision, functional agreement (float reference vs emulated chip), timing, energy and
latency per inference. Exit status: 0 go, 1 no-go, 2 bad input.

example:
  neuromesh validate loihi examples/digits/digits_snntorch.nir --samples examples/digits/digits_samples.npz
"""


def load_network(path, framework: str = "auto", dt: float | None = None, reset: str | None = None,
                 spikes: str | None = None):
    """A Network from a ``.nir`` file, a Python file defining ``network`` / ``build_network()``, or a ``.npz``
    written by :func:`mapping.network_io.save_network`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".py", ".npz", ".nir"):
        raise MappingError(f"{path}: unknown network file type {path.suffix or '(no suffix)'!r}; allowed: .nir "
                           "(NIR graph), .py (defines `network` or `build_network()`), .npz (a saved network)")
    if suffix == ".py":
        return _mappable(_network_from_python(path), path)
    if suffix == ".npz":
        from mapping.network_io import load_network_npz

        return _mappable(load_network_npz(path), path)
    net = read_nir(path, framework=framework, dt=dt, reset=reset, spikes=spikes)
    for note in net.metadata.get("import_notes", []):
        print(f"note: {note}", file=sys.stderr)
    return net


def _mappable(net, path: Path):
    """``net`` if it has inputs, neurons and outputs; an empty network would map to a 0-core chip."""
    for part, what in (("inputs", "input lines"), ("populations", "neuron populations"), ("outputs", "outputs")):
        if not getattr(net, part):
            raise MappingError(f"{path}: network {net.name!r} has no {what} ({part} is empty); a network to map "
                               "needs inputs, at least one neuron population and outputs")
    return net


def _network_from_python(path: Path):
    """``network`` or ``build_network()`` of a Python file; anything it raises becomes one MappingError.

    The file is the user's code: its exceptions (a syntax error, an import that fails, ``sys.exit``) are
    reported as that file's problem, with the exception's type, message and line, never as our traceback.
    """
    from mapping.network import Network

    if not path.is_file():
        raise MappingError(f"{path}: {'file not found' if not path.exists() else 'not a regular file'}")
    try:
        value = _exec_network(path)
    except MappingError:
        raise
    except (Exception, SystemExit) as exc:
        raise MappingError(f"{path}: the network file failed: {type(exc).__name__}: {quote(str(exc), 200)}"
                           f"{_user_line(exc, path)}") from None
    if not isinstance(value, Network):
        raise MappingError(f"{path}: `network` / `build_network()` gave {type(value).__name__} {quote(value)}; "
                           "expected a mapping.network.Network")
    return value


def _exec_network(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if hasattr(module, "build_network"):
        return module.build_network()
    if hasattr(module, "network"):
        return module.network
    raise MappingError(f"{path}: defines neither `network` nor `build_network()`")


def _user_line(exc: BaseException, path: Path) -> str:
    """' (line N)' of the deepest frame of ``exc`` inside the user's file, if any."""
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == str(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" (line {line})" if line else ""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", metavar="CONFIG", help="chip config YAML or preset name (loihi, truenorth, tiny)")
    p.add_argument("network", metavar="NETWORK", help=NETWORK_HELP)
    p.add_argument("--placer", default=None, choices=sorted(PLACERS),
                   help="placement strategy (default: anneal, simulated annealing on traffic x hops; on a system "
                   "of chips hierarchical: chips first, minimising off-chip traffic, then anneal within each chip)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the placer, clustering and encoders (default 0)")
    p.add_argument("--framework", default="auto", choices=["auto", *FRAMEWORKS],
                   help="the framework that exported the NIR file, read as that framework steps it (dt, "
                        "decays, gains, reset, spike test; mapping/README.md); auto: named in the file's "
                        "metadata or identified by its parameters, else refused (default: auto)")
    p.add_argument("--dt", type=positive_finite, default=None,
                   help="time step in seconds (needed for --framework euler; overrides the framework's)")
    p.add_argument("--reset", default=None, choices=["zero", "subtract"],
                   help="reset of spiking neurons (NIR only writes v_reset; default: the framework's, e.g. "
                        "zero for snnTorch and Norse, subtract for Sinabs and Rockpool)")
    p.add_argument("--spikes", default=None, choices=["single", "multi"],
                   help="spikes per step: one, or floor(v / threshold) (default: the framework's; multi for "
                        "Sinabs and Rockpool)")
    p.add_argument("--neurons-per-core", type=positive_int, default=None, metavar="K",
                   help="at most K neurons of a layer per core (TrueNorth: the axon types are then grouped for "
                        "fewer neurons: a little more precision, more cores and relays; default: fill the cores)")
    p.add_argument("--axon-copies", default="auto", type=_copies, metavar="auto|C",
                   help="TrueNorth axon duplication: axons per source in a core, each of another type, so "
                        "that each neuron sums its own levels per input (auto: min(axon_types, axons_per_core "
                        "// sources), fewer if the network would not fit; 1: one axon per source, the classic "
                        "mapping)")
    p.add_argument("--bit-cost", type=finite_non_negative, default=0.0, metavar="B",
                   help="TrueNorth: price of a connected crossbar point (a synaptic event per spike) as a "
                        "fraction of a full-scale weight; e.g. 0.08 halves the events on digits for a little "
                        "weight error (default 0: weight error only)")
    p.add_argument("--split-fan-in", action="store_true",
                   help="take the inputs of a neuron over the chip's max_fan_in (TrueNorth: 256) through "
                        "partial-sum relay neurons, a named approximation (mapping/README.md: measured error); "
                        "default: refuse such a neuron")
    p.add_argument("--subtract-reset", choices=("zero", "current"), default="current",
                   help="Loihi: LIF/IF layers with a subtractive reset (Sinabs, snnTorch --reset subtract): "
                        "current (default) builds the subtraction in the current register, a named approximation "
                        "that agrees with the framework (100 %% of classes on the shipped Sinabs and snnTorch "
                        "vectors, up to 4 copies of those layers' neurons); zero applies Loihi's reset to zero "
                        "instead (fewer neurons, 93 %%; mapping/README.md: measured agreement)")
    p.add_argument("--calibrate", metavar="FILE.npz",
                   help="TrueNorth: samples (as --samples) whose mean input and neuron activity correct each "
                        "neuron's bias for the mean current of its weight errors; use other samples than those "
                        "you validate on")


def _copies(text: str):
    if text == "auto":
        return text
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: 'auto' or a number of copies (1, 2, ...)") from None
    if k < 1:
        raise argparse.ArgumentTypeError(f"{k}: at least one copy per source")
    return k


def add_parsers(subparsers) -> None:
    """Register ``map`` and ``validate`` on an argparse subparsers object."""
    m = subparsers.add_parser("map", help="map a trained SNN onto a chip and write the programmed chip",
                              description="Quantise, partition, place and route a network onto a chip; write "
                                          "the programmed chip (.npz) and print the mapping summary.",
                              epilog=MAP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(m)
    m.add_argument("--out", required=True, metavar="MAPPED", help="output programmed chip (.npz), written atomically")
    m.add_argument("--summary", metavar="FILE.json", help="also write the mapping summary as JSON")
    m.set_defaults(func=cmd_map)
    v = subparsers.add_parser("validate", help="go / no-go check of a network on a chip before deployment",
                              description="Map a network and check capacity, precision, functional agreement, "
                                          "timing, energy and latency; print a go / no-go verdict with reasons.",
                              epilog=VALIDATE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(v)
    v.add_argument("--samples", metavar="FILE.npz", help="sample inputs (and labels) for the functional check")
    v.add_argument("--max-samples", type=positive_int, default=None, help="use at most this many samples")
    v.add_argument("--ticks", type=positive_int, default=25, help="ticks per sample when rate-coding 'x' values (default 25)")
    v.add_argument("--min-agreement", type=fraction, default=0.95,
                   help="least fraction of samples whose predicted class must match the framework's "
                        "(reference_counts) or else the float reading's, 0 .. 1 (default: 0.95)")
    v.add_argument("--engine", default="fast", choices=ENGINE_NAMES,
                   help="network model of the run on the samples, as in 'neuromesh run --engine' (default: fast)")
    v.add_argument("--report", metavar="FILE.json", help="write the validation report as JSON (atomically)")
    v.add_argument("--out", metavar="MAPPED", help="also write the programmed chip when the verdict is go")
    v.set_defaults(func=cmd_validate)


add_parser = add_parsers  # the name emulator.cli looks for


def _calibration(args, net):
    """Samples of ``--calibrate`` (rate-coded like --samples), or None."""
    if not args.calibrate:
        return None
    from mapping.evaluate import load_samples

    return load_samples(args.calibrate, net.n_inputs, getattr(args, "ticks", 25), args.seed)


def cmd_map(args) -> int:
    """``neuromesh map``: outputs checked first, written together at the end (chip_configs.files.OutputSet)."""
    with OutputSet() as outs:
        outs.add(args.out, "--out")
        outs.add(args.summary, "--summary")
        status, text = _map(args)
    print(text)
    if outs.written:
        print(f"\nwrote {', '.join(outs.written)}")
    return status


def _map(args) -> tuple[int, str]:
    from mapping.evaluate import mean_rates
    from mapping.mapper import map_network

    cfg = load_config(args.config)
    net = load_network(args.network, args.framework, args.dt, args.reset, args.spikes)
    cal = _calibration(args, net)
    try:
        mapped, summary = map_network(net, cfg, placer=args.placer, seed=args.seed,
                                      neurons_per_core=args.neurons_per_core, axon_copies=args.axon_copies,
                                      bit_cost=args.bit_cost, split_fan_in=args.split_fan_in,
                                      subtract_reset=args.subtract_reset,
                                      activity=mean_rates(net, cal) if cal is not None else None)
    except MappingError as exc:
        return 1, f"NO-GO: {exc}"
    mapped.save(args.out)
    if args.summary:
        atomic_write_json(args.summary, summary.to_dict())
    return 0, summary.to_text()


def cmd_validate(args) -> int:
    """``neuromesh validate``: outputs checked first, written together at the end."""
    with OutputSet() as outs:
        outs.add(args.report, "--report")
        outs.add(args.out, "--out")
        status = _validate(args)
    if outs.written:
        print(f"\nwrote {', '.join(outs.written)}")
    return status


def _validate(args) -> int:
    from mapping.evaluate import load_samples, validate_network
    from mapping.validate import Limits

    cfg = load_config(args.config)
    net = load_network(args.network, args.framework, args.dt, args.reset, args.spikes)
    samples = (load_samples(args.samples, net.n_inputs, args.ticks, args.seed, args.max_samples, net.n_outputs)
               if args.samples else None)
    result, mapped, summary = validate_network(net, cfg, samples, args.placer, args.seed,
                                               Limits(min_class_agreement=args.min_agreement),
                                               neurons_per_core=args.neurons_per_core,
                                               axon_copies=args.axon_copies, bit_cost=args.bit_cost,
                                               calibration=_calibration(args, net), engine=args.engine,
                                               split_fan_in=args.split_fan_in,
                                               subtract_reset=args.subtract_reset)
    if summary is not None:
        print(summary.to_text() + "\n")
    print(result.to_text())
    if args.report:
        data = result.to_dict()
        data["summary"] = summary.to_dict() if summary else None
        atomic_write_json(args.report, data)
    if args.out and result.go and mapped is not None:
        mapped.save(args.out)
    return 0 if result.go else 1


__all__ = ["add_parser", "add_parsers", "cmd_map", "cmd_validate", "load_network"]
