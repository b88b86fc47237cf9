"""The ``neuromesh`` command line.

Each subcommand lives in its own module that provides ``add_parser(subparsers)``; the parser stores the
handler in ``args.func``, which returns the process exit status. User errors (NeuroMeshError) print one clear
message and exit with status 2; they never show a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from chip_configs.errors import NeuroMeshError

# Subcommand modules, in the order --help lists them.
SUBCOMMAND_MODULES = (
    "emulator.cli_run",
    "mapping.cli",
    "noc.sweep",
    "emulator.cli_config",
    "emulator.sweep_cli",
)

DESCRIPTION = """\
NeuroMesh emulates digital neuromorphic chips (TrueNorth / Loihi family): bit-exact integer neuron
cores, a mesh network-on-chip carrying address-event packets, and energy and latency per inference.

Chip configs are YAML files; a preset name (loihi, truenorth, tiny) works wherever a CONFIG is asked for.
"""

EPILOG = """\
examples:
  neuromesh run loihi                         run the bundled demo network on the Loihi preset
  neuromesh config check chip_configs/loihi.yaml
  neuromesh map loihi examples/digits/digits_snntorch.nir --out mapped.npz
  neuromesh noc-sweep tiny --traffic uniform --rates 0.05,0.1 --cycles 2000 --warmup 500 --out curve.csv

Run 'neuromesh COMMAND --help' for the options of a command.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neuromesh",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from emulator import __version__

    parser.add_argument("--version", action="version", version=f"neuromesh {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMAND_MODULES:
        module = importlib.import_module(name)
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except NeuroMeshError as exc:
        print(f"neuromesh {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; no partial output was written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
