"""Run a mapped network on the emulated chip next to the float reference, and the whole validation.

Timing choice (exact, documented in :mod:`mapping.reference`): the float reference runs the framework's
``same_step`` timing over the samples' ``T`` ticks; the chip, where every synapse costs a tick, runs
``T + latency_ticks`` ticks (the inputs followed by zeros, ``latency_ticks`` from the mapping summary), so
that the last input spike can reach the outputs. Output spike counts over the whole run are compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chip_configs.errors import MappingError, SimulationError
from chip_configs.npz import quote, read_npz
from mapping.onset import align_bias_onset
from mapping.reference import predicted_classes, run_reference
from mapping.validate import (
    Limits,
    Verdict,
    capacity_failure,
    check_capacity,
    check_energy,
    check_functional,
    check_precision,
    check_timing,
    functional_numbers,
    verdict,
)


@dataclass(frozen=True)
class Samples:
    """Input spike trains [batch, ticks, n_inputs], optional integer labels [batch] and optional
    ``reference_counts`` [batch, n_outputs]: the framework's own output spike counts on these inputs, or
    for a network read out from LI membranes ``reference_readout`` [batch, n_outputs]: the framework's output
    (spike counts, membranes) summed over the steps (floats)."""

    inputs: np.ndarray
    labels: np.ndarray | None = None
    reference_counts: np.ndarray | None = None
    reference_readout: np.ndarray | None = None

    @property
    def framework_outputs(self) -> np.ndarray | None:
        """The framework's own outputs summed over the steps: ``reference_readout`` if given, else the counts."""
        return self.reference_readout if self.reference_readout is not None else self.reference_counts


def load_samples(path, n_inputs: int, ticks: int = 25, seed: int = 0, limit: int | None = None,
                 n_outputs: int | None = None) -> Samples:
    """Read a samples ``.npz``: ``inputs`` [batch, ticks, n_inputs] spikes, or ``x`` [batch, features] values
    in [0, max] rate-coded with a seed (p = x / max per tick), plus optional ``labels`` and
    ``reference_counts`` [batch, n_outputs] (integers >= 0; checked against ``n_outputs`` when given)."""
    path = Path(path)
    z = read_npz(path, "validation samples ('inputs' or 'x', optional 'labels')", SimulationError)
    x = _sample_spikes(path, z, ticks, seed)
    if x.ndim != 3 or x.shape[2] != n_inputs or 0 in x.shape:
        raise SimulationError(f"{path}: inputs have shape {x.shape}; the network takes [batch, ticks, {n_inputs}] "
                              "with batch >= 1 and ticks >= 1")
    if not x.any():
        raise SimulationError(f"{path}: the samples hold no input spikes at all ('inputs' all zero, or 'x' all "
                              "zero); a functional check on them would be meaningless")
    labels = _labels(path, z, x.shape[0], n_outputs) if "labels" in z else None
    ref = _reference_counts(path, z, x.shape[0], n_outputs) if "reference_counts" in z else None
    readout = _reference_readout(path, z, x.shape[0], n_outputs) if "reference_readout" in z else None
    if limit is not None:
        x, labels = x[:limit], (labels[:limit] if labels is not None else None)
        ref = ref[:limit] if ref is not None else None
        readout = readout[:limit] if readout is not None else None
    return Samples(x, labels, ref, readout)


def _sample_spikes(path: Path, z, ticks: int, seed: int) -> np.ndarray:
    """Spike counts of ``inputs`` (integers 0 .. 2^31 - 1), or ``x`` rate-coded."""
    if "inputs" in z:
        x = _integer_array(path, "inputs", z["inputs"], lo=0)
        if x.size and int(x.max()) > _MAX_COUNT:
            raise SimulationError(f"{path}: 'inputs' holds a spike count of {int(x.max())}; allowed: 0 .. "
                                  f"{_MAX_COUNT} per line and tick")
        return x
    if "x" in z:
        return rate_code(_finite_array(path, "x", z["x"]), ticks, seed)
    raise SimulationError(f"{path}: needs an 'inputs' [batch, ticks, n_inputs] or 'x' [batch, features] array; "
                          f"found {quote(sorted(z))}")


_MAX_COUNT = 2 ** 31 - 1


def _labels(path: Path, z, batch: int, n_outputs: int | None) -> np.ndarray:
    """``labels`` [batch] as int64 classes 0 .. n_outputs - 1, or an error naming the file."""
    labels = _integer_array(path, "labels", z["labels"], lo=0).reshape(-1)
    if labels.shape[0] != batch:
        raise SimulationError(f"{path}: 'labels' has {labels.shape[0]} entries for {batch} samples")
    if n_outputs is not None and labels.size and int(labels.max()) >= n_outputs:
        raise SimulationError(f"{path}: 'labels' holds class {int(labels.max())}; allowed: 0 .. {n_outputs - 1} "
                              f"(the network has {n_outputs} outputs)")
    return labels


def _reference_counts(path: Path, z, batch: int, n_outputs: int | None) -> np.ndarray:
    """The framework's output counts [batch, n_outputs] as int64, or an error naming the file and the shape."""
    ref = _integer_array(path, "reference_counts", z["reference_counts"], lo=0)
    want = f"[{batch}, {n_outputs if n_outputs is not None else 'outputs'}]"
    if ref.ndim != 2 or ref.shape[0] != batch or (n_outputs is not None and ref.shape[1] != n_outputs):
        raise SimulationError(f"{path}: 'reference_counts' has shape {list(ref.shape)}; expected {want} (the "
                              "framework's output spike counts per sample and output line)")
    return ref


def _reference_readout(path: Path, z, batch: int, n_outputs: int | None) -> np.ndarray:
    """The framework's summed outputs [batch, n_outputs] as float64 (finite), or an error naming the file."""
    a = z["reference_readout"]
    if a.dtype.kind not in "iuf":
        raise SimulationError(f"{path}: 'reference_readout' has dtype {a.dtype}; expected numbers (the framework's "
                              "output summed over the steps)")
    a = a.astype(np.float64)
    want = f"[{batch}, {n_outputs if n_outputs is not None else 'outputs'}]"
    if a.ndim != 2 or a.shape[0] != batch or (n_outputs is not None and a.shape[1] != n_outputs):
        raise SimulationError(f"{path}: 'reference_readout' has shape {list(a.shape)}; expected {want}")
    if not np.all(np.isfinite(a)):
        raise SimulationError(f"{path}: 'reference_readout' holds {int(np.sum(~np.isfinite(a)))} non-finite "
                              "value(s); allowed: finite numbers")
    return a


def _integer_array(path: Path, key: str, a: np.ndarray, lo: int) -> np.ndarray:
    """``a`` as int64 if it holds integers >= ``lo`` (bool too), else an error naming the file and key."""
    if a.dtype.kind not in "iub":
        raise SimulationError(f"{path}: {key!r} has dtype {a.dtype}; expected integers (spike counts / labels)")
    if a.size and int(a.min()) < lo:
        raise SimulationError(f"{path}: {key!r} holds {int(a.min())}; allowed: integers >= {lo}")
    return a.astype(np.int64)


def _finite_array(path: Path, key: str, a: np.ndarray) -> np.ndarray:
    """``a`` as float64 [batch, features] if every value is finite and >= 0, else an error naming the file."""
    if a.dtype.kind not in "iubf":
        raise SimulationError(f"{path}: {key!r} has dtype {a.dtype}; expected numbers [batch, features]")
    a = a.astype(np.float64)
    if a.ndim != 2 or a.size == 0:
        raise SimulationError(f"{path}: {key!r} has shape {a.shape}; expected [batch, features], both >= 1")
    bad = ~np.isfinite(a) | (a < 0)
    if bad.any():
        i = tuple(int(v) for v in np.argwhere(bad)[0])
        raise SimulationError(f"{path}: {key!r}{list(i)} is {a[i]}; allowed: finite values >= 0 "
                              f"({int(bad.sum())} such value(s))")
    return a


def rate_code(x: np.ndarray, ticks: int, seed: int) -> np.ndarray:
    """Bernoulli spikes with ``p = x / max(x)`` per tick, int64 [batch, ticks, features]."""
    x = np.asarray(x, np.float64)
    p = np.clip(x / (x.max() if x.max() > 0 else 1.0), 0, 1)
    rng = np.random.default_rng(seed)
    return (rng.random((x.shape[0], ticks, x.shape[1])) < p[:, None, :]).astype(np.int64)


def pad_ticks(x: np.ndarray, extra: int) -> np.ndarray:
    """``x`` [batch, ticks, n] followed by ``extra`` silent ticks."""
    return np.concatenate([x, np.zeros((x.shape[0], extra, x.shape[2]), x.dtype)], axis=1)


@dataclass(frozen=True)
class ChipComparison:
    """Float reference vs chip on samples."""

    numbers: dict
    report: dict
    ref_counts: np.ndarray
    chip_counts: np.ndarray
    neuron_rates: dict  # chip core -> peak spikes per tick of each neuron (reference, chip timing)


def compare_on_chip(net, mapped, cfg, samples: Samples, seed: int = 0, chip_kind: str = "run",
                    engine: str = "fast") -> ChipComparison:
    """Run the float reference and the emulated chip on ``samples`` (``chip_kind``: 'run' or 'reference';
    ``engine``: the chip's network model, any name of :data:`emulator.loops.ENGINE_NAMES`)."""
    from emulator.chip import Chip

    lat = int(mapped.metadata.get("latency_ticks", net.depth()))
    ref = run_reference(net, samples.inputs, timing="same_step")
    # the chip-timed reference starts from the same initial states as the chip (bias onset alignment)
    chip_net, _ = align_bias_onset(net, mapped.metadata.get("onset_ticks", {}))
    ref_chip = run_reference(chip_net, samples.inputs, ticks=samples.inputs.shape[1] + lat, timing="per_layer_delay")
    chip = Chip.from_config(cfg, seed=seed, noc_engine=engine)
    chip.program(mapped)
    padded = pad_ticks(samples.inputs.astype(np.int64), lat)
    readout = mapped.metadata.get("readout") or {}
    if readout and chip_kind == "run":
        res = chip.run(padded, probes={"state": chip.wiring.out_neuron[np.asarray(readout["lines"])]})
    else:
        res = chip.run(padded) if chip_kind == "run" else chip.run_reference(padded)
    chip_counts = chip_outputs(res, readout, samples.inputs.shape[1])
    numbers = functional_numbers(ref.output_counts, chip_counts, samples.labels, samples.framework_outputs)
    numbers["agreement_per_layer_delay"] = float(np.mean(predicted_classes(ref_chip.output_counts)
                                                         == predicted_classes(chip_counts)))
    numbers["float_timing_agreement"] = float(np.mean(predicted_classes(ref_chip.output_counts)
                                                      == predicted_classes(ref.output_counts)))
    report = res.report.to_dict() if getattr(res, "report", None) is not None else {}
    return ChipComparison(numbers, report, ref.output_counts, chip_counts, {})


def chip_outputs(res, readout: dict, ticks: int) -> np.ndarray:
    """Per inference and output line, the chip's spike count over the run, or for an LI readout line its
    decoded membrane ``v / scale`` summed over the framework's ``ticks`` steps (chip ticks ``onset ..
    onset + ticks - 1``; :func:`emulator.readout.decode`, :func:`mapping.mapper.membrane_readout`)."""
    from emulator.readout import decode

    if not readout or not res.records or res.records[0].traces is None or "v" not in res.records[0].traces:
        return np.asarray(res.output_counts, np.float64).copy()
    return decode(res.output_counts, np.stack([rec.traces["v"] for rec in res.records]), readout, ticks)


def peak_rates(net, samples: Samples) -> dict:
    """Peak (over ticks) mean spike rate of every neuron across samples, per population."""
    rec = run_reference(net, samples.inputs, timing="per_layer_delay", record=True).spikes
    return {name: s.mean(axis=0).max(axis=0) for name, s in rec.items()}


def mean_rates(net, samples: Samples) -> dict:
    """Mean spikes per tick of every input line and neuron over ``samples`` (the float reference, chip timing):
    the calibration ``activity`` of :func:`mapping.mapper.map_network`."""
    x = np.asarray(samples.inputs, np.float64)
    per_line = x.mean(axis=(0, 1))
    out = {i.name: per_line[lo:lo + i.size] for i, lo in zip(net.inputs, net.input_offsets().values(), strict=True)}
    rec = run_reference(net, samples.inputs, timing="per_layer_delay", record=True).spikes
    out.update({name: s.mean(axis=(0, 1)) for name, s in rec.items()})
    return out


@dataclass(frozen=True)
class Validation:
    """Everything a validation produced: the verdict, the mapped network and mapping summary (None when the
    mapping was refused), and the chip-vs-reference comparison with the run's report (None without samples)."""

    verdict: Verdict
    mapped: object | None
    summary: object | None
    comparison: ChipComparison | None


def validate_network(net, cfg, samples: Samples | None = None, placer: str | None = None, seed: int = 0,
                     limits: Limits | None = None, neurons_per_core: int | None = None,
                     axon_copies: int | str = "auto", bit_cost: float = 0.0, calibration: Samples | None = None,
                     engine: str = "fast", split_fan_in: bool = False, subtract_reset: str = "current"):
    """Map and validate; returns (Verdict, MappedNetwork or None, MappingSummary or None).

    The mapping knobs (``neurons_per_core``, ``axon_copies``, ``bit_cost``) are those of
    :func:`mapping.mapper.map_network`; ``calibration`` samples give its ``activity`` (TrueNorth bias
    correction, :func:`mean_rates`). Calibrate on samples other than the validation ones to keep the
    functional check honest. ``engine`` is the chip's network model for the run on the samples.
    """
    v = validate_full(net, cfg, samples, placer, seed, limits, neurons_per_core, axon_copies, bit_cost,
                      calibration, engine, split_fan_in, subtract_reset)
    return v.verdict, v.mapped, v.summary


def validate_full(net, cfg, samples: Samples | None = None, placer: str | None = None, seed: int = 0,
                  limits: Limits | None = None, neurons_per_core: int | None = None,
                  axon_copies: int | str = "auto", bit_cost: float = 0.0, calibration: Samples | None = None,
                  engine: str = "fast", split_fan_in: bool = False, subtract_reset: str = "current") -> Validation:
    """:func:`validate_network`, returning the whole :class:`Validation` (the run's report included: sweeps
    read energy, latency and NoC figures from it). With ``split_fan_in`` the chip runs the split network
    (:mod:`mapping.fan_in`) and is compared with the float reading of ``net`` itself; so with ``subtract_reset``
    (:mod:`mapping.subtract_reset`)."""
    from mapping.mapper import map_network

    limits = limits or Limits()
    rates = peak_rates(net, samples) if samples is not None else None
    try:
        mapped, summary = map_network(net, cfg, placer=placer, seed=seed, rates=rates,
                                      neurons_per_core=neurons_per_core, axon_copies=axon_copies,
                                      bit_cost=bit_cost, split_fan_in=split_fan_in, subtract_reset=subtract_reset,
                                      activity=mean_rates(net, calibration) if calibration is not None else None)
    except MappingError as exc:  # CapacityError included: a clear no-go, never a crash
        return Validation(capacity_failure(exc), None, None, None)
    cfg = cfg if not isinstance(cfg, (str, Path)) else _load(cfg)
    comp = compare_on_chip(net, mapped, cfg, samples, seed, engine=engine) if samples is not None else None
    s = summary.to_dict()
    checks = [check_capacity(s, limits), check_precision(s, limits),
              check_functional(comp.numbers if comp else None, limits),
              check_timing(cfg, mapped, comp.report if comp else None, _core_rates(mapped, summary, rates)),
              check_energy(comp.report if comp else None)]
    return Validation(verdict(checks), mapped, summary, comp)


def _load(cfg):
    from chip_configs.schema import load_config

    return load_config(cfg)


def _core_rates(mapped, summary, rates: dict | None) -> dict | None:
    """Per chip core, each neuron's peak rate (relay neurons take their source's worst case, 1)."""
    if rates is None:
        return None
    out = {}
    for row in summary.cores:
        lo, hi = row["neurons_range"]
        r = rates.get(row["layer"])
        out[row["core"]] = np.asarray(r[lo:hi]) if r is not None else np.ones(hi - lo)
    return out


__all__ = ["ChipComparison", "Samples", "Verdict", "compare_on_chip", "load_samples", "mean_rates", "pad_ticks",
           "peak_rates", "rate_code", "Validation", "validate_full", "validate_network"]
