"""Brian2 in C++ standalone mode (one thread) on a network built with the mapping API, for side-by-side speed.

The same connectivity (every projection's COO synapses), the same input spike trains and the same float LIF
as :mod:`mapping.reference`: ``v[t+1] = beta v[t] + sum_i w_i s_i[t]`` with delay 1, spike when
``v > threshold``, reset to 0. Brian2 integrates ``dv/dt = -v / tau`` exactly with ``tau = -dt / ln(beta)``
(so the decay factor is beta to rounding) and delivers synapses in the ``before_thresholds`` slot with
``delay - 1`` steps of Brian delay: a spike of step t lands after the decay of step t + 1 and before its
threshold, which is the reference's timing. Synaptic events are counted from Brian2's own spike counts
(``SpikeMonitor(record=False)``) times each source's out-degree, excluding spikes whose delivery falls after
the last step (the emulator does not count those either).

Brian2 is not a project dependency (``pip install -e ".[bench]"``). Brian2 2.9.0 reads ``np.ndarray.ptp``,
removed in NumPy 2.4 (fixed upstream in brian2 PR 1705, not released yet); :func:`import_brian2` applies that
one-line fix at import time when needed, without touching the installed files.
"""

from __future__ import annotations

import importlib.machinery
import shutil
import sys
import tempfile
import time

import numpy as np

_PATCHED_MODULE = "brian2.units.fundamentalunits"


class _PtpFixLoader(importlib.machinery.SourceFileLoader):
    """Compiles the module from source with ``np.ndarray.ptp`` replaced by ``np.ptp`` (no bytecode cache)."""

    def get_code(self, fullname):
        source = self.get_data(self.path).replace(b"np.ndarray.ptp", b"np.ptp")
        return compile(source, self.path, "exec", dont_inherit=True)


class _PtpFixFinder:
    """Meta-path finder that hands :data:`_PATCHED_MODULE` to :class:`_PtpFixLoader`."""

    def find_spec(self, fullname, path, target=None):
        if fullname != _PATCHED_MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.origin:
            spec.loader = _PtpFixLoader(fullname, spec.origin)
        return spec


def import_brian2():
    """Import and return brian2 (with the NumPy >= 2.4 fix when needed); ImportError says how to install it."""
    if not hasattr(np.ndarray, "ptp") and not any(isinstance(f, _PtpFixFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _PtpFixFinder())
    try:
        import brian2
    except ImportError as exc:
        raise ImportError(f"brian2 is not installed ({exc}); install it with: pip install -e '.[bench]' "
                          "(or pip install brian2); it also needs a C++ compiler (g++)") from exc
    return brian2


def _uniform(values, what: str) -> float:
    """The single value of a parameter that must be the same for every neuron."""
    v = np.unique(np.asarray(values, dtype=np.float64))
    if v.size != 1:
        raise ValueError(f"Brian2 comparison: {what} must be the same for every neuron ({v.size} values)")
    return float(v[0])


def _lif_group(b2, pop):
    """A NeuronGroup with the population's float LIF (beta, threshold, reset to zero; scalars)."""
    beta = _uniform(pop.neuron.beta, f"{pop.name}.beta")
    threshold = _uniform(pop.neuron.threshold, f"{pop.name}.threshold")
    tau = -b2.defaultclock.dt / np.log(beta)
    return b2.NeuronGroup(pop.size, "dv/dt = -v / tau : 1", threshold=f"v > {threshold!r}", reset="v = 0",
                          method="exact", namespace={"tau": tau}, name=f"pop_{pop.name}")


def _input_group(b2, name: str, spikes: np.ndarray):
    """A SpikeGeneratorGroup replaying ``spikes`` [ticks, n] (one spike per nonzero entry and tick)."""
    ticks, lines = np.nonzero(spikes)
    return b2.SpikeGeneratorGroup(spikes.shape[1], lines.astype(np.int64), ticks * b2.defaultclock.dt,
                                  name=f"in_{name}")


def _synapses(b2, proj, groups):
    """Synapses of one projection: per-synapse weight, the reference's delay timing (module docstring)."""
    post, pre, w, delay = proj.coo()
    if np.unique(delay).size != 1:
        raise ValueError(f"projection {proj.pre}->{proj.post}: Brian2 comparison supports one delay per projection")
    syn = b2.Synapses(groups[proj.pre], groups[proj.post], "w : 1", on_pre="v_post += w",
                      delay=(int(delay[0]) - 1) * b2.defaultclock.dt, name=f"syn_{proj.pre}_{proj.post}")
    syn.connect(i=pre, j=post)
    syn.w = w
    syn.pre.when = "before_thresholds"
    return syn, pre, int(delay[0])


def run_brian2(net, spikes: np.ndarray, workdir: str | None = None, keep: bool = False, repeats: int = 1) -> dict:
    """Simulate ``net`` (mapping API) on ``spikes`` [ticks, n_inputs] with Brian2 C++ standalone, one thread.

    Returns wall times (code generation, compilation, the ``main`` process, the simulation loop alone as
    timed by Brian2), spike counts, the firing fraction and synaptic events delivered. ``repeats`` > 1 runs
    the compiled binary that many times and keeps the fastest simulation loop (``sim_runs_s`` lists them all):
    on a shared machine the least disturbed run, as for our side's repeats.
    """
    b2 = import_brian2()
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    b2.prefs.logging.console_log_level = "WARNING"
    directory = workdir or tempfile.mkdtemp(prefix="neuromesh_brian2_")
    b2.set_device("cpp_standalone", build_on_run=False, directory=directory)
    try:
        return _simulate(b2, net, spikes, directory, repeats)
    finally:
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("runtime")
        if not keep and workdir is None:
            shutil.rmtree(directory, ignore_errors=True)


def _simulate(b2, net, spikes: np.ndarray, directory: str, repeats: int = 1) -> dict:
    b2.defaultclock.dt = 1 * b2.ms
    ticks = spikes.shape[0]
    offsets = net.input_offsets()
    groups = {x.name: _input_group(b2, x.name, spikes[:, offsets[x.name]:offsets[x.name] + x.size])
              for x in net.inputs}
    groups.update({p.name: _lif_group(b2, p) for p in net.populations})
    monitors = {p.name: b2.SpikeMonitor(groups[p.name], record=False) for p in net.populations}
    synapses, info = [], []
    for proj in net.projections:
        syn, pre, delay = _synapses(b2, proj, groups)
        synapses.append(syn)
        info.append((proj.pre, pre, delay))
    model = b2.Network(*groups.values(), *monitors.values(), *synapses)
    model.run(ticks * b2.defaultclock.dt)
    t0 = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=True, with_output=False)
    build_s = time.perf_counter() - t0
    timers = b2.device.timers
    counts = {name: np.asarray(m.count[:], dtype=np.int64) for name, m in monitors.items()}
    n_spikes = int(sum(c.sum() for c in counts.values()))
    events = _events(net, spikes, counts, info, ticks)
    n_neurons = sum(p.size for p in net.populations)
    runs = [float(b2.device._last_run_time)]
    for _ in range(max(repeats, 1) - 1):  # the same binary again: same inputs, same results
        b2.device.run(directory=directory, with_output=False)
        runs.append(float(b2.device._last_run_time))
    sim_s = min(runs)
    compile_s = float(sum(v for v in timers.get("compile", {}).values() if v))
    process_s = float(timers.get("run_binary", 0.0))
    return {
        "brian2_version": b2.__version__, "device": "cpp_standalone", "threads": 1,
        "build_total_s": build_s, "codegen_s": max(build_s - compile_s - process_s, 0.0), "compile_s": compile_s,
        "process_s": process_s, "sim_s": sim_s, "sim_runs_s": runs, "ticks": ticks, "spikes": n_spikes,
        "firing_fraction": n_spikes / (ticks * n_neurons), "syn_events": events,
        "syn_events_per_s": events / sim_s if sim_s > 0 else 0.0,
        "syn_events_per_s_process": events / process_s if process_s > 0 else 0.0,
        "synapses": int(sum(len(x[1]) for x in info)),
    }


def _events(net, spikes: np.ndarray, counts: dict, info, ticks: int) -> int:
    """Synaptic events delivered in the run.

    Input spikes are known per tick; a population's per-tick counts are not recorded (record=False), so its
    spikes are all counted with the full out-degree (an overcount by the spikes of the last ``delay`` ticks
    only, < 0.1 % for bench-A; the emulator's own count is exact).
    """
    total = 0
    offsets = net.input_offsets()
    for src, pre, delay in info:
        degree = np.bincount(pre)
        if src in offsets:
            x = spikes[: max(ticks - delay, 0), offsets[src]:offsets[src] + degree.size]
            total += int((x.sum(axis=0, dtype=np.int64)[: degree.size] * degree).sum())
        else:
            total += int((counts[src][: degree.size] * degree).sum())
    return total


__all__ = ["import_brian2", "run_brian2"]
