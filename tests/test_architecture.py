"""The structure of issue 11, checked: imports point down, and no code outside a model's unit branches on a
neuron model's name (a new model must touch only its unit and its kernels)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("chip_configs", "cores", "noc", "emulator", "mapping")
SOURCES = ("*.py", "*.pyx", "*.pxd")


def _files(*packages: str):
    for pkg in packages:
        for pattern in SOURCES:
            yield from sorted((ROOT / pkg).rglob(pattern))


def _hits(pattern: str, files) -> list[str]:
    rx = re.compile(pattern)
    return [f"{p.relative_to(ROOT)}:{i}: {line.strip()}" for p in files
            for i, line in enumerate(p.read_text().splitlines(), 1) if rx.search(line.split("#")[0])]


def test_imports_point_down():
    assert _hits(r"^\s*(from|import)\s+(emulator|mapping)\b", _files("noc", "cores")) == []
    assert _hits(r"^\s*(from|import)\s+(emulator|mapping|cores|noc)\b", _files("chip_configs")) == []


def test_no_branch_on_a_model_name_outside_its_unit():
    outside = [p for p in _files(*PACKAGES) if "cores/models/" not in p.as_posix()]
    names = "|".join(("loihi_lif", "truenorth"))
    assert _hits(rf"model\s*(==|!=)|\.model\s+(not\s+)?in\b|(==|!=)\s*[\"']({names})[\"']", outside) == []
