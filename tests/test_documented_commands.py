"""Every ``neuromesh`` command shown in the README and in every ``--help`` epilog runs, as written.

Commands are extracted from the text (README code blocks, the epilog of the top-level parser and of every
subcommand), then run in-process in a temporary directory that sees the repository's ``examples/`` and
``chip_configs/`` under the same relative paths, so documentation cannot drift from the CLI. Commands run in
the order they are documented (``map`` before the ``run --network`` that uses its output).
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from emulator.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
OK_CODES = {"validate": (0, 1)}   # validate exits 1 on a no-go verdict, which is a documented outcome


def _join_continuations(text: str) -> list[str]:
    return re.sub(r"\s*\\\n\s*", " ", text).splitlines()


def _commands(text: str) -> list[str]:
    """``neuromesh ...`` command lines of ``text`` (comments and ``pip install ... &&`` prefixes removed)."""
    out = []
    for line in _join_continuations(text):
        # a README comment follows " # "; an epilog's description follows two or more spaces
        line = re.split(r" # |\s{2,}", line.strip())[0]
        line = re.sub(r"^pip install [^&]*&&\s*", "", line)
        if line.startswith("neuromesh "):
            out.append(" ".join(line.split()))
    return out


def readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    return [c for b in blocks for c in _commands(b)]


def epilog_commands() -> list[str]:
    parser = build_parser()
    parsers = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                parsers.append(sub)
                parsers += [p for a in sub._actions if isinstance(a, argparse._SubParsersAction)
                            for p in a.choices.values()]
    return [c for p in parsers for c in _commands(p.epilog or "")]


DOCUMENTED = list(dict.fromkeys(readme_commands() + epilog_commands()))


def test_the_documentation_shows_commands():
    assert len(readme_commands()) >= 8 and len(epilog_commands()) >= 4


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    wd = tmp_path_factory.mktemp("docs")
    for name in ("examples", "chip_configs"):
        (wd / name).symlink_to(ROOT / name)
    return wd


@pytest.mark.parametrize("command", DOCUMENTED)
def test_documented_command_runs(command, workdir, monkeypatch, capsys):
    monkeypatch.chdir(workdir)
    argv = shlex.split(command)[1:]
    try:
        code = main(argv)
    except SystemExit as exc:   # --help and argparse errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert code in OK_CODES.get(argv[0], (0,)), f"{command}\n{err[-2000:]}"
    assert "Traceback" not in err
