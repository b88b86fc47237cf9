"""How each SNN framework's NIR export becomes the discrete dynamics that framework steps: one reader per framework.

A NIR file stores continuous-time parameters and no time step; each exporter writes them its own way. A
:class:`Reader` turns a node's parameters into the per-step numbers of :mod:`mapping.network`:

- ``lif_terms``: ``(beta, gain, leak)`` of ``v[t] = beta v[t-1] + gain (W x + b) + leak`` (LIF and LI nodes);
- ``cubalif_terms``: ``(alpha, beta, gain, leak)`` of ``i[t] = alpha i[t-1] + gain (W x + b)``,
  ``v[t] = beta v[t-1] + i[t] + leak``;
- ``if_gain``: ``gain`` of ``v[t] = v[t-1] + gain (W x + b)``;
- ``spiking``: the reset, spike test (``>`` or ``>=``) and spike count (single or multi) the framework uses,
  none of which NIR records (it only writes ``v_reset``);
- ``signature``: whether a graph carries this exporter's fingerprint (``--framework auto``).

The base :class:`Reader` is forward Euler at ``dt`` (``v += dt/tau (v_leak - v + r I)``: beta = 1 - dt/tau,
gain = dt r / tau, leak = dt v_leak / tau), registered as ``euler``. Each framework is a subclass, looked up by
name in :data:`FRAMEWORKS`; ``mapping/README.md`` tabulates the versions checked and every convention.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from chip_configs.errors import MappingError
from mapping.nir_neurons import ratio

_CELLS = ("LIF", "CubaLIF", "LI")


def _type(node) -> str:
    return type(node).__name__


def _arr(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float64).reshape(-1)


def _tau(node) -> np.ndarray:
    return _arr(node.tau_mem if _type(node) == "CubaLIF" else node.tau)


def _close(a, b, rtol: float = 1e-4) -> bool:
    a, b = np.broadcast_arrays(_arr(a), _arr(b))
    finite = np.isfinite(a) & np.isfinite(b)
    return bool(np.all(np.isfinite(a) == np.isfinite(b)) and np.allclose(a[finite], b[finite], rtol=rtol))


def _of(nodes: dict, *kinds: str) -> list:
    return [n for n in nodes.values() if _type(n) in kinds]


@dataclass(frozen=True)
class Reader:
    """Forward Euler at ``dt`` seconds; reset to ``v_reset`` (0), strict spike test, one spike per step."""

    name: str = "euler"
    version: str = "any exporter that means NIR's equations at a known dt"
    dt: float | None = None
    reset: str = "zero"
    spike_test: str = ">"
    spikes: str = "single"

    # ----- parameters --------------------------------------------------------------------------------
    def lif_terms(self, b, key: str, node):
        """``(beta, gain, leak)``: Euler, beta = 1 - dt/tau, gain = dt r / tau, leak = dt v_leak / tau."""
        tau = b.vec(key, node.tau)
        k = ratio(np.full(tau.shape, self.dt), tau)
        return 1.0 - k, ratio(self.dt * b.vec(key, node.r), tau), k * b.vec(key, node.v_leak)

    def cubalif_terms(self, b, key: str, node):
        """``(alpha, beta, gain, leak)``: Euler on both stages, gain = (dt w_in / tau_syn)(dt r / tau_mem)."""
        tau_syn, tau_mem = b.vec(key, node.tau_syn), b.vec(key, node.tau_mem)
        k_s, k_m = ratio(np.full(tau_syn.shape, self.dt), tau_syn), ratio(np.full(tau_mem.shape, self.dt), tau_mem)
        gain = ratio(self.dt * b.vec(key, node.w_in), tau_syn) * ratio(self.dt * b.vec(key, node.r), tau_mem)
        return 1.0 - k_s, 1.0 - k_m, gain, k_m * b.vec(key, node.v_leak)

    def if_gain(self, b, key: str, node) -> np.ndarray:
        """``v += dt r I``."""
        return self.dt * b.vec(key, node.r)

    # ----- spiking -----------------------------------------------------------------------------------
    def spiking(self, kind: str, recurrent: bool, reset: str | None, spikes: str | None) -> dict:
        """Reset, spike test and spike count of a spiking node; ``reset`` / ``spikes`` are the user's overrides."""
        return {"reset": reset or self.reset, "spike_test": self.spike_test, "spikes": spikes or self.spikes}

    def signature(self, nodes: dict) -> bool:
        """True when the graph's parameters carry this exporter's fingerprint (none for plain Euler)."""
        return False

    def with_dt(self, dt: float | None) -> Reader:
        return replace(self, dt=float(dt)) if dt is not None else self


@dataclass(frozen=True)
class SnnTorch(Reader):
    """snnTorch 1.0: dt = 1e-4, ``tau = dt/(1-beta)``, ``r = tau/dt``, ``w_in = tau_syn/dt``: Euler gives back
    ``v = beta v + I`` exactly. IF is read as ``v += r I``. Leaky resets to zero (``v = beta*0 + I`` next step);
    Synaptic (CubaLIF) and RLeaky (a LIF in a recurrent cycle) hold the whole next step's membrane at zero
    (``zero_next``). ``reset='subtract'`` is snnTorch's subtraction, also one step later (``subtract_next``)."""

    name: str = "snntorch"
    version: str = "snnTorch 1.0.0"
    dt: float | None = 1e-4

    def if_gain(self, b, key: str, node) -> np.ndarray:
        return b.vec(key, node.r)

    def spiking(self, kind: str, recurrent: bool, reset: str | None, spikes: str | None) -> dict:
        if reset == "subtract":
            mode = "subtract_next"
        else:
            mode = "zero_next" if kind == "CubaLIF" or recurrent else "zero"
        return {"reset": mode, "spike_test": ">", "spikes": spikes or "single"}

    def signature(self, nodes: dict) -> bool:
        cells = _of(nodes, "LIF", "CubaLIF")
        return bool(cells) and all(_close(_arr(n.r) * 1e-4, _tau(n)) for n in cells) and all(
            _close(_arr(n.w_in) * 1e-4, n.tau_syn) for n in _of(nodes, "CubaLIF"))


@dataclass(frozen=True)
class Norse(Reader):
    """Norse 1.1: the exporter writes ``tau = dt / tau_inv`` (dt = 1e-3, so ``tau`` is ``dt`` times the real
    time constant) and ``r = 1``; Norse steps ``v += dt tau_mem_inv (v_leak - v + I)`` at the same dt, so the
    per-step factor is ``k = dt * dt / tau``. LIFCell (CubaLIF): the input jumps the current by 1
    (``i += I``, whatever ``w_in`` says: 1 is written, Euler would need 1/(dt tau_syn_inv)), then
    ``v += k_m (v_leak - v + i)``, then ``i`` decays by ``1 - k_s``. IAFCell: ``v += I``. Strict test, reset to
    ``v_reset``."""

    name: str = "norse"
    version: str = "Norse 1.1.0"
    dt: float | None = 1e-3

    def _k(self, b, key: str, tau) -> np.ndarray:
        return ratio(np.full(np.shape(tau), self.dt * self.dt), b.vec(key, tau))

    def lif_terms(self, b, key: str, node):
        k = self._k(b, key, node.tau)
        return 1.0 - k, k * b.vec(key, node.r), k * b.vec(key, node.v_leak)

    def cubalif_terms(self, b, key: str, node):
        k_s, k_m = self._k(b, key, node.tau_syn), self._k(b, key, node.tau_mem)
        return 1.0 - k_s, 1.0 - k_m, k_m * b.vec(key, node.r), k_m * b.vec(key, node.v_leak)

    def if_gain(self, b, key: str, node) -> np.ndarray:
        return b.vec(key, node.r)

    def signature(self, nodes: dict) -> bool:
        cells = _of(nodes, *_CELLS)
        return bool(cells) and all(_close(n.r, 1.0) and np.all((_tau(n) > 1e-6) & (_tau(n) < 1e-4)) for n in cells) \
            and all(_close(n.w_in, 1.0) for n in _of(nodes, "CubaLIF"))


@dataclass(frozen=True)
class Sinabs(Reader):
    """Sinabs 3.1: ``tau`` in steps (dt = 1), ``r = 1``, ``v_leak = 0``. LIF steps ``v = a v + (1 - a) I`` with
    ``a = exp(-1/tau)`` (``norm_input=True``, the default; float32); ExpLeak (LI) ``v = a v + I`` (its default
    ``norm_input=False``); IAF ``v = v + I``. MultiSpike
    (``floor(v / threshold)`` spikes, the default) and MembraneSubtract; ``v >= threshold``."""

    name: str = "sinabs"
    version: str = "Sinabs 3.1.3"
    dt: float | None = 1.0
    reset: str = "subtract"
    spike_test: str = ">="
    spikes: str = "multi"

    def lif_terms(self, b, key: str, node):
        tau = b.vec(key, node.tau)
        a = np.exp(-np.float32(self.dt) / tau.astype(np.float32)).astype(np.float64)
        # ExpLeak (LI) defaults to norm_input=False, as Sinabs' own NIR import builds it: v = a v + I
        norm = np.ones_like(a) if _type(node) == "LI" else 1.0 - a
        return a, norm * b.vec(key, node.r), np.zeros_like(a)

    def if_gain(self, b, key: str, node) -> np.ndarray:
        return b.vec(key, node.r)

    def signature(self, nodes: dict) -> bool:
        cells = _of(nodes, "LIF", "LI")
        return bool(cells) and all(_close(n.r, 1.0) and _close(n.v_leak, 0.0) and np.all(_tau(n) >= 1.0)
                                   for n in cells) and all(_close(n.r, 1.0) for n in _of(nodes, "IF")) \
            and not _of(nodes, "CubaLIF")


@dataclass(frozen=True)
class SpikingJelly(Reader):
    """SpikingJelly 2.0: dt = 1e-4; IFNode as ``IF(r = 1/dt)`` (``v += I``: gain ``r dt = 1``, not ``r``);
    LIFNode as ``LIF(tau = tau dt, r = 1 or tau, v_leak = v_reset)``: Euler at dt gives back
    ``v += (I - (v - v_reset)) / tau`` (decay_input) exactly. ``v >= threshold``; hard reset to ``v_reset``."""

    name: str = "spikingjelly"
    version: str = "SpikingJelly 2.0.0"
    dt: float | None = 1e-4
    spike_test: str = ">="

    def if_gain(self, b, key: str, node) -> np.ndarray:
        return b.vec(key, node.r) / (1.0 / self.dt)  # 1e4 / 1e4 is exactly 1; 1e4 * 1e-4 is not

    def signature(self, nodes: dict) -> bool:
        ifs, lifs = _of(nodes, "IF"), _of(nodes, "LIF")
        if not (ifs or lifs) or _of(nodes, "CubaLIF", "LI"):
            return False
        return all(_close(n.r, 1e4) for n in ifs) and all(
            _close(n.r, 1.0) and np.all((_tau(n) >= 1e-4 * (1 - 1e-6)) & (_tau(n) < 1.0)) for n in lifs)


def _rockpool_x(r: np.ndarray) -> np.ndarray:
    """``x = dt/tau`` from Rockpool's ``r = tau exp(-dt/tau) / dt`` (``x e^x = 1/r``, Newton on ``log x + x``)."""
    c = np.log(1.0 / np.asarray(r, np.float64))
    x = np.where(c > 1.0, c - np.log(np.maximum(c, 1.0)), np.exp(np.minimum(c, 1.0)) / 2.0)
    for _ in range(60):
        x = np.maximum(x - (np.log(x) + x - c) / (1.0 / x + 1.0), 1e-300)
    return x


@dataclass(frozen=True)
class Rockpool(Reader):
    """Rockpool 3.1: LIFTorch as ``CubaLIF(tau_syn, tau_mem, r = tau_mem exp(-dt/tau_mem) / dt, w_in = 1,
    v_leak = 0)``: dt is not written but follows from r (``dt/tau_mem = W(1/r)``, one dt for the graph); the
    exported r and w_in are not its dynamics. Rockpool steps ``i = b (i + I)``, ``v = a v + i + bias`` with
    ``a = exp(-dt/tau_mem)``, ``b = exp(-dt/tau_syn)`` (the neuron bias is not exported), then
    ``floor(v / threshold)`` spikes where ``v >= threshold`` and subtraction. LIFNeuronTorch (LIF):
    ``v = a v + I``; ExpSynTorch (LI): ``v = b (v + I)``."""

    name: str = "rockpool"
    version: str = "Rockpool 3.1.0"
    dt: float | None = None
    reset: str = "subtract"
    spike_test: str = ">="
    spikes: str = "multi"

    def _dt(self, b, key: str, node) -> float:
        if self.dt is not None:
            return self.dt
        tau = b.vec(key, node.tau_mem if _type(node) == "CubaLIF" else node.tau)
        dts = _rockpool_x(b.vec(key, node.r)) * tau
        if not np.allclose(dts, dts[0], rtol=1e-3):
            raise MappingError(f"node {key!r} ({_type(node)}): r and tau give Rockpool time steps from "
                               f"{dts.min():g} to {dts.max():g} s; pass --dt SECONDS")
        return float(np.median(dts))

    def lif_terms(self, b, key: str, node):
        tau = b.vec(key, node.tau)
        a = np.exp(-self._dt(b, key, node) / tau)
        return a, (a if _type(node) == "LI" else np.ones_like(a)), np.zeros_like(a)

    def cubalif_terms(self, b, key: str, node):
        dt = self._dt(b, key, node)
        alpha, beta = np.exp(-dt / b.vec(key, node.tau_syn)), np.exp(-dt / b.vec(key, node.tau_mem))
        return alpha, beta, alpha * b.vec(key, node.w_in), np.zeros_like(beta)

    def if_gain(self, b, key: str, node) -> np.ndarray:
        return b.vec(key, node.r)

    def signature(self, nodes: dict) -> bool:
        cubas = _of(nodes, "CubaLIF")
        if not cubas or _of(nodes, "IF"):
            return False
        cells = _of(nodes, *_CELLS)
        if not all(np.all(_arr(n.r) > 1.0) and _close(n.v_leak, 0.0) for n in cells) or \
                not all(_close(n.w_in, 1.0) for n in cubas):
            return False
        dts = np.concatenate([_rockpool_x(_arr(n.r)) * _tau(n) for n in cells])
        return bool(np.allclose(dts, dts[0], rtol=1e-3))


def _on_grid(values, step: float) -> bool:
    """All finite ``values`` are integer multiples of ``step`` (fixed-point numbers written as floats)."""
    v = _arr(values)
    v = v[np.isfinite(v)] / step
    return bool(np.allclose(v, np.rint(v), atol=1e-6))


@dataclass(frozen=True)
class LavaDl(Reader):
    """lava-dl 0.6 (checked in a Python 3.10 scratch environment: it does not install on 3.11): its networks
    leave as netx HDF5 (Loihi fixed point),
    converted to NIR by the NIR project's netx reader at dt = 1e-4: ``tau_mem = dt / (vDecay/4096)``,
    ``tau_syn = dt / (iDecay/4096)``, ``r = tau_mem/dt``, ``w_in = tau_syn/dt``, ``v_threshold = vThMant/64``,
    weights / 64, ``v_reset = 0``. Euler at 1e-4 gives back Loihi's CUBA neuron, ``i = (1 - iDecay/4096) i + I``,
    ``v = (1 - vDecay/4096) v + i``, spike when ``v > threshold``, v reset to zero at once (unlike snnTorch's
    Synaptic, whose parameters look the same). SLAYER's integer arithmetic (truncating decays) is not modelled:
    on the shipped vectors the float reading matches lava-dl's counts on 95 % of digits, its classes on all."""

    name: str = "lava-dl"
    version: str = "lava-dl 0.6.0 via NIR's netx reader"
    dt: float | None = 1e-4

    def signature(self, nodes: dict) -> bool:
        cubas = _of(nodes, "CubaLIF")
        if not cubas or _of(nodes, "LIF", "IF", "LI"):
            return False
        return SnnTorch().signature(nodes) and all(
            _on_grid(n.v_threshold, 1 / 64) and _on_grid(1e-4 / _arr(n.tau_mem), 1 / 4096)
            and _on_grid(1e-4 / _arr(n.tau_syn), 1 / 4096) for n in cubas) and all(
            _on_grid(n.weight, 1 / 64) for n in _of(nodes, "Affine", "Linear"))


FRAMEWORKS: dict[str, Reader] = {r.name: r for r in (SnnTorch(), Norse(), Sinabs(), SpikingJelly(), Rockpool(),
                                                     LavaDl(), Reader())}
CLI_CHOICES = ("auto", *FRAMEWORKS)
_FLAGS = ", ".join(f"--framework {n}" for n in FRAMEWORKS)


def choose_reader(nodes: dict, metadata: dict, framework: str, dt: float | None) -> Reader:
    """The reader for ``framework`` (``auto``: named in the graph's metadata, else the one signature that fits)."""
    if framework == "auto":
        framework = _identify(nodes, metadata or {})
    if framework not in FRAMEWORKS:
        raise MappingError(f"framework {framework!r} is not supported; supported: {', '.join(CLI_CHOICES)}")
    reader = FRAMEWORKS[framework].with_dt(dt)
    if reader.name != "rockpool" and (reader.dt is None or not reader.dt > 0):
        raise MappingError(f"--framework {framework} needs a time step: pass --dt SECONDS (> 0)")
    return reader


def _identify(nodes: dict, metadata: dict) -> str:
    named = [str(metadata[k]).lower() for k in ("framework", "exporter", "source") if k in metadata]
    for name in named:
        if name in FRAMEWORKS:
            return name
    fits = [r.name for r in FRAMEWORKS.values() if r.signature(nodes)]
    if len(fits) == 1:
        return fits[0]
    why = (f"its parameters fit {' and '.join(fits)}" if fits else
           "its parameters carry no exporter's signature (snnTorch: r = tau / 1e-4; Norse: r = 1, tau < 1e-4; "
           "Sinabs: r = 1, tau >= 1 step; SpikingJelly: IF r = 1e4; Rockpool: CubaLIF w_in = 1 with one dt in r; "
           "lava-dl: snnTorch's with weights, thresholds and decays on Loihi's fixed-point grid)")
    raise MappingError(f"--framework auto cannot tell which framework exported this graph: {why}. Pass one of "
                       f"{_FLAGS} (euler also needs --dt SECONDS)")


__all__ = ["CLI_CHOICES", "FRAMEWORKS", "Reader", "choose_reader"]
