"""``neuromesh config check|show``: validate and summarise a chip config, or print it fully resolved."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

from chip_configs.memory import check_memory, chip_shape, chip_terms
from chip_configs.schema import config_to_dict, dump_config, load_config, resolve_config_path
from cores.models import model_of
from emulator.config_summary import summary_dict, summary_text


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "config",
        help="validate, summarise or print a chip config",
        description="Validate a chip config (YAML) and summarise it, or print it with every default filled in.",
    )
    csub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    chk = csub.add_parser(
        "check",
        help="validate a config and print per-core and per-chip totals",
        description="Validate FILE against the chip schema. Prints cores, neurons, synapses and memory per "
        "core and per chip; exits 2 with every problem listed (field path, value, what is allowed) if invalid, "
        "or if emulating the chip with every core programmed would exceed the memory limit (neuromesh "
        "--max-memory; default: the available memory).",
    )
    chk.add_argument("file", metavar="FILE", help="chip config YAML, or a preset name (loihi, truenorth, tiny)")
    chk.add_argument("--json", action="store_true", help="print the summary as JSON instead of a table")
    chk.set_defaults(func=_check)
    show = csub.add_parser(
        "show",
        help="print the fully resolved config (defaults filled in)",
        description="Print FILE as YAML (or JSON) with every default filled in; the output loads back to an "
        "equal config.",
    )
    show.add_argument("file", metavar="FILE", help="chip config YAML, or a preset name")
    show.add_argument("--json", action="store_true", help="print JSON instead of YAML")
    show.set_defaults(func=_show)


def _check(args: argparse.Namespace) -> int:
    cfg = load_config(args.file)
    shape = chip_shape(cfg, model_of(cfg).capabilities.bit_crossbar)
    if cfg.system is not None:
        # a system is rarely filled: the refusal is for one chip with every core programmed (the unit a
        # mapping fills first); the whole system's figure is reported, not enforced
        n = cfg.n_chips
        shape = replace(shape, cores=shape.cores // n, routers=shape.routers // n)
    what = "one chip of the system" if cfg.system is not None else "chip"
    check_memory(f"{args.file}: emulating {what} {cfg.name!r} ({shape.cores:,} cores, every one programmed)",
                 chip_terms(shape))
    if args.json:
        print(json.dumps(summary_dict(cfg), indent=2, sort_keys=True))
    else:
        print(summary_text(cfg, str(resolve_config_path(args.file))))
    return 0


def _show(args: argparse.Namespace) -> int:
    cfg = load_config(args.file)
    print(json.dumps(config_to_dict(cfg), indent=2) if args.json else dump_config(cfg), end="" if not args.json
          else "\n")
    return 0
