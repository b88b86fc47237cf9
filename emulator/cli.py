"""The ``neuromesh`` command line.

Each subcommand lives in its own module that provides ``add_parser(subparsers)``; the parser stores the
handler in ``args.func``, which returns the process exit status. User errors (NeuroMeshError) print one clear
message and exit with status 2; they never show a traceback. Any other exception is a NeuroMesh bug: one line
naming it and a pointer to ``--debug`` (which shows the traceback), exit status 3. SIGTERM is handled like
Ctrl-C (exit 143 and 130): temporaries are removed and the message says which outputs were written.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from chip_configs.cli_types import memory_size
from chip_configs.errors import NeuroMeshError
from chip_configs.files import (
    Terminated,
    forget_outputs,
    interrupt_message,
    restore_sigterm,
    terminate_as_interrupt,
)
from chip_configs.npz import set_memory_limit

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
    parser.add_argument("--debug", action="store_true",
                        help="show the Python traceback of an unexpected error (a NeuroMesh bug; please report it)")
    parser.add_argument("--max-memory", type=memory_size, metavar="SIZE",
                        help="refuse work whose estimated memory exceeds SIZE (bytes, or with K, M, G, T; "
                             "default: the available memory)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMAND_MODULES:
        module = importlib.import_module(name)
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = terminate_as_interrupt()
    forget_outputs()
    if args.max_memory is not None:
        set_memory_limit(args.max_memory)
    try:
        return int(args.func(args) or 0)
    except NeuroMeshError as exc:
        print(f"neuromesh {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        why = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        print(f"neuromesh {args.command}: {why}; {interrupt_message()}", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except MemoryError as exc:
        what = f" ({str(exc)[:160]})" if str(exc) else ""
        print(f"neuromesh {args.command}: error: out of memory: an allocation failed{what}; use smaller inputs, "
              "fewer ticks or a smaller batch (the estimate before the work is set by neuromesh --max-memory)",
              file=sys.stderr)
        return 2
    except Exception as exc:
        return _unexpected(args, exc)
    finally:
        restore_sigterm(previous)
        if args.max_memory is not None:
            set_memory_limit(None)


def _unexpected(args, exc: Exception) -> int:
    """A bug, not bad input: one line (or the traceback with --debug), exit status 3."""
    if args.debug:
        import traceback

        traceback.print_exc()
    else:
        first = str(exc).splitlines()[0][:200] if str(exc) else ""
        print(f"neuromesh {args.command}: internal error: {type(exc).__name__}: {first} (a NeuroMesh bug; rerun "
              "with 'neuromesh --debug ...' for the traceback and report it)", file=sys.stderr)
    return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
