"""The registry of network models, the engine factory, and the input checks the packet-level engines share.

Every network model of the chip is registered once, by name, in :data:`NETWORK_MODELS` (the names of
``--engine`` and of ``make_engine``). The packet-level ones take packet arrays and return a
:class:`~noc.result.NocResult`:

>>> engine = make_engine(cfg, kind="fast")            # or "simpy", "flow"
>>> res = engine.run(src_core, dst_core, inject_cycle, dst_axon=None)

``run`` simulates the network from empty until every packet has been delivered (or until the optional cycle
``until``). ``inject_cycle`` need not be sorted; packets a core requests in the same cycle leave in array order.
The tick-level ``loads`` estimate (:mod:`noc.loads_estimate`) takes a tick's loads instead of packets, so only
a loop that counts loads without forming packets (the fused loop) can use it; ``make_engine`` returns its
parameter record.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

import numpy as np

from chip_configs.schema import ChipConfig, NetworkSpec, as_network_spec
from noc.errors import NocError


@dataclass(frozen=True)
class NetworkModel:
    """A registered network model.

    Attributes
    ----------
    name : str
        Its name (``--engine``, ``make_engine(kind=...)``).
    factory : str
        ``"module:callable"`` building it from ``(cfg, **options)`` (imported when first used).
    exact : bool
        Whether it implements the router model of :mod:`noc.model` cycle for cycle.
    per_packet : bool
        True: ``run(src_core, dst_core, inject_cycle)`` per batch of packets; False: a tick-level estimate
        from the tick's loads.
    summary : str
        One line for help texts.
    """

    name: str
    factory: str
    exact: bool
    per_packet: bool
    summary: str

    def build(self, cfg: ChipConfig | NetworkSpec, **options):
        """The model for chip ``cfg``; its factory is given the chip's :class:`NetworkSpec` only."""
        module, path = self.factory.split(":")
        obj = import_module(module)
        for attr in path.split("."):
            obj = getattr(obj, attr)
        return obj(as_network_spec(cfg), **options)


NETWORK_MODELS: dict[str, NetworkModel] = {m.name: m for m in (
    NetworkModel("fast", "noc.fast_engine:FastNoc", True, True, "cycle-exact router model in Cython, the default"),
    NetworkModel("simpy", "noc.simpy_engine:SimpyNoc", True, True,
                 "the same router model as SimPy processes, slow, for validation"),
    NetworkModel("flow", "noc.flow_engine:FlowNoc", False, True,
                 "approximate flow model: exact hops and link flits, estimated delivery cycles"),
    NetworkModel("loads", "noc.loads_estimate:LoadsEstimate.from_config", False, False,
                 "approximate tick drain time from link, injection and ejection loads"),
)}
# The packet-level engines (``run`` per batch of packets): what traffic sweeps and the stepped loop can use.
ENGINES = tuple(name for name, m in NETWORK_MODELS.items() if m.per_packet)


def network_model(name: str) -> NetworkModel:
    """The network model registered as ``name``; NocError naming the allowed ones otherwise."""
    try:
        return NETWORK_MODELS[name]
    except KeyError:
        raise NocError(f"engine kind: unknown {name!r}; allowed: {', '.join(NETWORK_MODELS)}") from None


class PacketBatch:
    """Checked packet arrays: int32 cores and axons, int64 request cycles (a plain slotted class: one is built
    per emulated tick, and a frozen dataclass costs a microsecond to build)."""

    __slots__ = ("src_core", "dst_core", "inject_cycle", "dst_axon")

    def __init__(self, src_core: np.ndarray, dst_core: np.ndarray, inject_cycle: np.ndarray, dst_axon: np.ndarray):
        self.src_core, self.dst_core, self.inject_cycle, self.dst_axon = src_core, dst_core, inject_cycle, dst_axon

    def __len__(self) -> int:
        return len(self.src_core)


@dataclass(frozen=True)
class BatchLimits:
    """What ``run`` accepts on one chip, read from the config once per engine (config properties are slow)."""

    n_cores: int
    n_axons: int

    @classmethod
    def from_config(cls, cfg: ChipConfig | NetworkSpec) -> BatchLimits:
        spec = as_network_spec(cfg)
        return cls(spec.num_cores, spec.axons_per_core)


def make_engine(cfg: ChipConfig | NetworkSpec, kind: str = "fast", **options):
    """The network model ``kind`` of :data:`NETWORK_MODELS` for ``cfg``.

    ``"fast"`` and ``"simpy"`` implement the router model of :mod:`noc.model` and agree packet for packet.
    ``"flow"`` is an *approximate* link-load model (:mod:`noc.flow_engine`): exact hops and per-link flits,
    estimated delivery cycles; ``"loads"`` (:mod:`noc.loads_estimate`) a tick-level estimate (its parameter
    record). The approximate ones are used only when asked for by name. ``options`` go to the model's
    constructor (``log=True`` asks the SimPy engine for an event log).
    """
    return network_model(kind).build(cfg, **options)


def check_batch(cfg: ChipConfig | NetworkSpec, src_core, dst_core, inject_cycle, dst_axon=None,
                limits: BatchLimits | None = None) -> PacketBatch:
    """Validate and convert the arrays given to ``run``; errors name the argument, index, value and range.

    Called once per emulated tick, so the common case -- contiguous int32 cores and int64 cycles, as the
    emulator passes them -- is checked in one compiled pass; anything else is converted and checked array by
    array. ``limits`` (from :meth:`BatchLimits.from_config`) saves reading the config on every call.
    """
    lim = limits or BatchLimits.from_config(cfg)
    if dst_axon is None and _is_ready(src_core, np.int32) and _is_ready(dst_core, np.int32) \
            and _is_ready(inject_cycle, np.int64) and len(src_core) == len(dst_core) == len(inject_cycle):
        from noc._noc_kernels import first_bad_packet

        if first_bad_packet(src_core, dst_core, inject_cycle, lim.n_cores, MAX_CYCLE) == 0:
            return PacketBatch(src_core, dst_core, inject_cycle, np.zeros(len(src_core), np.int32))
    src = _int_array("src_core", src_core, np.int32)
    n = len(src)
    dst = _int_array("dst_core", dst_core, np.int32, n)
    inject = _int_array("inject_cycle", inject_cycle, np.int64, n)
    _in_range("src_core", src, 0, lim.n_cores - 1)
    _in_range("dst_core", dst, 0, lim.n_cores - 1)
    _in_range("inject_cycle", inject, 0, MAX_CYCLE)
    if dst_axon is None:
        return PacketBatch(src, dst, inject, np.zeros(n, np.int32))
    axon = _int_array("dst_axon", dst_axon, np.int32, n)
    _in_range("dst_axon", axon, 0, lim.n_axons - 1)
    return PacketBatch(src, dst, inject, axon)


def _is_ready(arr, dtype) -> bool:
    """True for a 1-D C-contiguous array of exactly ``dtype``: usable by the kernels as it is."""
    return type(arr) is np.ndarray and arr.dtype == dtype and arr.ndim == 1 and arr.flags.c_contiguous


MAX_CYCLE = np.iinfo(np.int64).max // 4  # leaves head-room for cycle arithmetic in the engines


def _int_array(name: str, values, dtype, length: int | None = None) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise NocError(f"run(): {name} must be a 1-D array, got shape {arr.shape}")
    if length is not None and len(arr) != length:
        raise NocError(f"run(): {name} has {len(arr)} entries but src_core has {length}; they must match")
    if arr.dtype != dtype:
        if arr.size and arr.dtype.kind not in "iu":
            raise NocError(f"run(): {name} must hold integers, got dtype {arr.dtype}")
        if arr.size and not np.can_cast(arr.dtype, dtype):
            info = np.iinfo(dtype)
            _in_range(name, arr.astype(np.int64), info.min, info.max)
        arr = arr.astype(dtype)
    return np.ascontiguousarray(arr)


def _in_range(name: str, arr: np.ndarray, lo: int, hi: int) -> None:
    from noc._noc_kernels import first_outside

    i = first_outside(arr, lo, hi)
    if i >= 0:
        raise NocError(f"run(): {name}[{i}] = {int(arr[i])} is out of range; allowed: {lo} .. {hi}")
