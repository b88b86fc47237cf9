"""Argument types for every ``neuromesh`` command: each refuses a bad value with the range it allows.

argparse turns an ``ArgumentTypeError`` into ``neuromesh CMD: error: argument --X: MESSAGE`` (exit 2, no
traceback), so every numeric option of every command goes through one of these.
"""

from __future__ import annotations

import argparse
import math


def int_at_least(text: str, lo: int) -> int:
    """``text`` as an integer >= ``lo``."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer; allowed: >= {lo}") from None
    if v < lo:
        raise argparse.ArgumentTypeError(f"{v} is out of range; allowed: >= {lo}")
    return v


def positive_int(text: str) -> int:
    """An integer >= 1 (ticks, batch sizes, counts)."""
    return int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    """An integer >= 0 (seeds, warm-up cycles)."""
    return int_at_least(text, 0)


def fraction(text: str) -> float:
    """A real number in [0, 1] (shares, agreement thresholds); nan is refused."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; allowed: 0 .. 1") from None
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"{v} is out of range; allowed: 0 .. 1")
    return v


def finite_non_negative(text: str) -> float:
    """A finite real number >= 0 (costs, weights of an objective)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; allowed: a finite number >= 0") from None
    if not math.isfinite(v) or v < 0:
        raise argparse.ArgumentTypeError(f"{v} is out of range; allowed: a finite number >= 0")
    return v


def positive_finite(text: str) -> float:
    """A finite real number > 0 (time steps)."""
    v = finite_non_negative(text)
    if v == 0:
        raise argparse.ArgumentTypeError("0.0 is out of range; allowed: a finite number > 0")
    return v


_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def memory_size(text: str) -> int:
    """A memory size in bytes: an integer, optionally followed by K, M, G or T (binary units), > 0."""
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = t[-1:] if t[-1:] in _UNITS and t[-1:] else ""
    try:
        v = float(t[: len(t) - len(unit)])
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; allowed: bytes > 0, e.g. 4G or 512M") from None
    if not math.isfinite(v) or v <= 0 or v * _UNITS[unit] >= 2 ** 63:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range; allowed: bytes > 0, e.g. 4G or 512M")
    return int(v * _UNITS[unit])


__all__ = ["memory_size", "finite_non_negative", "fraction", "int_at_least", "non_negative_int", "positive_finite",
           "positive_int"]
