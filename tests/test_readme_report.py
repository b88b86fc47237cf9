"""The report printed in the README is what ``neuromesh run`` prints today (byte for byte)."""

from __future__ import annotations

from pathlib import Path

from emulator.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_shows_the_default_run_as_printed(capsys):
    text = README.read_text()
    start = text.index("NeuroMesh run report (mean per inference)")
    shown = text[start: text.index("```", start)].rstrip("\n")
    assert main(["run", "--no-progress"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == shown
