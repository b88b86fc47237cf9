"""Output lines read as membranes (LI readouts): a run's probed voltages decoded into the framework's outputs.

A network whose outputs include LI readouts (non-spiking neurons; mapping/README.md "LI readout") records them
in its program: ``mapped.metadata["readout"] = {"lines", "scale", "onset"}``
(:func:`mapping.mapper.membrane_readout`). Output line ``k`` is then the membrane of a neuron that never spikes;
its float membrane at chip tick ``t`` is ``v_k[t] / scale_k`` (``scale_k``: hardware voltage units per float
unit, ``64 S_j`` on Loihi), and the framework's step 0 is chip tick ``onset_k``, so the framework's output
summed over its ``T`` steps is

    y_k = sum over t = onset_k .. onset_k + T - 1 of v_k[t] / scale_k          (float membrane units x steps)

Spiking output lines keep their spike counts over the whole run. The predicted class is ``argmax_k y_k`` over
all lines (ties to the lowest index), as for spike counts. One source of this rule for ``neuromesh run`` and
``validate`` (:func:`mapping.evaluate.chip_outputs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emulator.report import _Record


def readout_of(mapped) -> dict:
    """The program's readout record (``{"lines", "scale", "onset"}``), or ``{}`` when every output spikes."""
    return dict(mapped.metadata.get("readout") or {}) if mapped is not None else {}


def readout_neurons(chip, readout: dict) -> np.ndarray:
    """Global neuron ids of the readout lines, in the order of ``readout["lines"]`` (to probe their ``v``)."""
    return chip.wiring.out_neuron[np.asarray(readout["lines"], np.int64)]


def decode(counts: np.ndarray, v: np.ndarray, readout: dict, steps: int) -> np.ndarray:
    """Per inference and output line: the spike count, or for a readout line its decoded membrane summed over
    the framework's ``steps`` (see the module docstring).

    counts : [batch, outputs] spike counts of the run; v : int [batch, ticks, readout lines] the probed
    voltages of the readout lines (register units), in the order of ``readout["lines"]``.
    Returns float64 [batch, outputs]. Ticks past the end of the run are not summed (:func:`window_ticks`).
    """
    out = np.asarray(counts, np.float64).copy()
    if not readout:
        return out
    lines, scale = np.asarray(readout["lines"], np.int64), np.asarray(readout["scale"], np.float64)
    onset = np.asarray(readout["onset"], np.int64)
    v = np.asarray(v, np.float64)
    t = np.arange(v.shape[1])[:, None]
    window = (t >= onset[None, :]) & (t < onset[None, :] + steps)        # [ticks, lines]
    out[:, lines] = np.sum(np.where(window[None], v, 0.0), axis=1) / scale
    return out


def window_ticks(readout: dict, steps: int, run_ticks: int) -> int:
    """How many of the framework's ``steps`` the run covers on every readout line (``steps`` when it runs to
    ``onset + steps`` or beyond)."""
    last = max(int(o) for o in readout["onset"]) + steps
    return steps - max(0, last - run_ticks)


@dataclass(frozen=True)
class OutputReadout(_Record):
    """The network's outputs as the framework reads them, per inference: spike counts of spiking lines and the
    decoded, summed membranes of LI readout lines (``values`` [inferences][outputs]), the predicted class of
    each inference (argmax, ties to the lowest line), the mean over inferences per line, the readout lines,
    the framework steps summed (``steps``) and how many of them the run covered (``steps_covered``)."""

    labels: tuple
    readout_lines: tuple
    steps: int
    steps_covered: int
    values: tuple
    predictions: tuple
    mean: tuple

    @classmethod
    def of(cls, values: np.ndarray, readout: dict, steps: int, run_ticks: int, labels: list[str]) -> OutputReadout:
        """The record of decoded ``values`` [inferences, outputs] (:func:`decode`)."""
        values = np.asarray(values, np.float64)
        return cls(labels=tuple(labels), readout_lines=tuple(int(k) for k in readout["lines"]), steps=int(steps),
                   steps_covered=int(window_ticks(readout, steps, run_ticks)),
                   values=tuple(tuple(float(x) for x in row) for row in values),
                   predictions=tuple(int(p) for p in np.argmax(values, axis=1)),
                   mean=tuple(float(x) for x in values.mean(axis=0)))

    def to_text(self, shown: int = 20) -> str:
        """A table: one row per output line (label, kind, mean over inferences, the first inference's value),
        then the predicted classes of the first ``shown`` inferences."""
        from emulator.table import render_table

        is_li = set(self.readout_lines)
        rows = [(label, "LI membrane" if k in is_li else "spike count", f"{self.mean[k]:.4g}",
                 f"{self.values[0][k]:.4g}") for k, label in enumerate(self.labels)]
        table = render_table(rows, header=("output", "read as", f"mean of {len(self.values)}", "inference 0"))
        preds = " ".join(str(p) for p in self.predictions[:shown])
        more = f" ... ({len(self.predictions)} in all)" if len(self.predictions) > shown else ""
        head = (f"outputs: LI readout lines are their probed membrane, decoded (v / scale) and summed over the framework's "
                f"{self.steps} steps (chip ticks onset .. onset + {self.steps - 1}); spiking lines their spike counts")
        if self.steps_covered < self.steps:
            head += (f"\nWARNING the run ended after {self.steps_covered} of those {self.steps} steps on some "
                     "readout line (--ticks / --no-latency-ticks): the sums miss the rest")
        return f"{head}\n{table}\npredicted class (argmax, output index): {preds}{more}"


__all__ = ["OutputReadout", "decode", "readout_neurons", "readout_of", "window_ticks"]
