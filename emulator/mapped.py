"""The programmed-chip format ("mapped network"): what the mapper writes and the emulator loads.

A :class:`MappedNetwork` says, for every used core, what is programmed into it (crossbar, neuron parameters:
a :class:`cores.CoreProgram`) and where each of its neurons sends spikes (per-neuron destination lists of
(core, axon, delay)); which external input lines feed which axons; and which neurons are read out as which
outputs.

On disk it is one ``.npz`` file (written atomically), format version :data:`FORMAT_VERSION`.:data:`FORMAT_MINOR`:

=================================  ==========  ==============================================================
key                                dtype       meaning
=================================  ==========  ==============================================================
``header``                         str (JSON)  format, version, minor, chip name, counts, ``metadata``
``core_index``                     int[C]      chip core index of each used core (ascending, unique)
``c{k}/n_neurons, c{k}/n_axons``   int[1]      geometry of used core k (k = position in core_index)
``c{k}/syn_axon, syn_neuron``      int[S]      synapses (COO, local indices)
``c{k}/crossbar``                  uint8[A,B]  truenorth, instead of syn_axon / syn_neuron: the binary
                                               crossbar as packed bits, B = ceil(N / 8), bit j % 8 of byte
                                               j // 8 of row a set when axon a feeds neuron j (1.1)
``c{k}/syn_weight``                int[S]      integer weight (loihi_lif); absent for truenorth
``c{k}/axon_type``                 int[A]      truenorth only: type of each axon
``c{k}/p/<name>``                  int[n..]    per-neuron parameter arrays by hardware name (0-d: the same
                                               value for every neuron)
``c{k}/dest_ptr``                  int[n+1]    CSR row pointers of each neuron's destinations
``c{k}/dest_core, dest_axon``      int[E]      destination chip core index and local axon
``c{k}/dest_delay``                int[E]      delivery delay in ticks (1 .. delay_slots)
``in_ptr``                         int[I+1]    CSR: external input line i feeds entries in_ptr[i]:in_ptr[i+1]
``in_core, in_axon, in_delay``     int[...]    destination of each input entry
``out_core, out_neuron``           int[O]      output j reads neuron out_neuron[j] of chip core out_core[j]
=================================  ==========  ==============================================================

Integer dtypes: readers accept any integer dtype for every ``int`` key above and keep it (a loaded network
stays as compact as its file); :meth:`MappedNetwork.save` writes each array in the narrowest signed dtype
(int8, int16, int32, int64) that holds its values. Version 1.0 files (int32 / int64 everywhere, COO only)
read unchanged. Consumers must therefore widen before arithmetic that can leave the stored range (e.g.
``axon.astype(np.int64) * n``); the core indices of 4,096-core chips need int16, local indices of 256-wide
cores int16, delays int8.

Versioning: readers accept their own major version (any minor) and refuse others with a clear message. A 1.0
reader cannot read a file that uses the 1.1 ``crossbar`` key.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chip_configs.errors import ProgramError
from chip_configs.files import atomic_write_bytes
from chip_configs.npz import json_header, quote, read_npz, require
from chip_configs.schema import ChipConfig
from cores import CoreProgram
from cores.buffers import aligned_empty

FORMAT_NAME = "neuromesh-mapped-network"
FORMAT_VERSION = 1
FORMAT_MINOR = 1
_SIGNED = (np.int8, np.int16, np.int32, np.int64)


@dataclass(frozen=True)
class Destinations:
    """Per-neuron destination lists of one core, in CSR form (row = local neuron)."""

    ptr: np.ndarray  # int[n+1] (any integer dtype, see the module docstring)
    core: np.ndarray  # int[E] chip core index
    axon: np.ndarray  # int[E] local axon at that core
    delay: np.ndarray  # int[E] ticks, >= 1

    @classmethod
    def from_lists(cls, n_neurons: int, rows: dict[int, list[tuple[int, int, int]]]) -> Destinations:
        """Build from ``{neuron: [(core, axon, delay), ...]}`` (neurons absent have no destination)."""
        counts = np.zeros(n_neurons + 1, dtype=np.int64)
        for nrn, dests in rows.items():
            counts[nrn + 1] = len(dests)
        ptr = np.cumsum(counts)
        flat = [d for nrn in range(n_neurons) for d in rows.get(nrn, [])]
        arr = np.asarray(flat, dtype=np.int32).reshape(-1, 3)
        return cls(ptr, arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy())

    @classmethod
    def empty(cls, n_neurons: int) -> Destinations:
        z = np.zeros(0, dtype=np.int32)
        return cls(np.zeros(n_neurons + 1, dtype=np.int64), z, z.copy(), z.copy())

    def __len__(self) -> int:
        return int(self.core.shape[0])


@dataclass(frozen=True)
class MappedCore:
    """One used core: its chip index, its program, and its neurons' destinations."""

    index: int
    program: CoreProgram
    dest: Destinations


@dataclass(frozen=True)
class MappedNetwork:
    """A network programmed onto a chip; see the module docstring for the on-disk layout."""

    chip_name: str
    cores: tuple[MappedCore, ...]
    n_inputs: int
    in_ptr: np.ndarray
    in_core: np.ndarray
    in_axon: np.ndarray
    in_delay: np.ndarray
    out_core: np.ndarray
    out_neuron: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def n_outputs(self) -> int:
        return int(self.out_core.shape[0])

    @property
    def core_indices(self) -> np.ndarray:
        """Chip core index of each used core, int64[C]."""
        return np.fromiter((c.index for c in self.cores), dtype=np.int64, count=len(self.cores))

    def check(self, cfg: ChipConfig) -> None:
        """Raise :class:`ProgramError` if anything does not fit ``cfg`` (names the core and neuron)."""
        from emulator.mapped_check import check_mapped

        check_mapped(self, cfg)

    @classmethod
    def build(
        cls,
        chip_name: str,
        cores: dict[int, tuple[CoreProgram, dict[int, list[tuple[int, int, int]]]]],
        inputs: dict[int, list[tuple[int, int, int]]],
        outputs: list[tuple[int, int]],
        n_inputs: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> MappedNetwork:
        """Build a programmed chip by hand.

        Parameters
        ----------
        cores : {chip core index: (program, {local neuron: [(dest core, dest axon, delay), ...]})}
        inputs : {input line: [(core, axon, delay), ...]}
        outputs : [(core, local neuron), ...] in output order
        n_inputs : number of input lines (default: 1 + the largest line in ``inputs``)
        """
        mcores = tuple(
            MappedCore(idx, prog, Destinations.from_lists(prog.n_neurons, dests))
            for idx, (prog, dests) in sorted(cores.items())
        )
        n_in = n_inputs if n_inputs is not None else (max(inputs) + 1 if inputs else 0)
        ptr, core, axon, delay = input_table(n_in, inputs)
        out = np.asarray(outputs, dtype=np.int32).reshape(-1, 2)
        return cls(chip_name, mcores, n_in, ptr, core, axon, delay, out[:, 0].copy(), out[:, 1].copy(),
                   dict(metadata or {}))

    # ----- persistence -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the ``.npz`` atomically (temp file + rename)."""
        buf = io.BytesIO()
        np.savez_compressed(buf, **_to_arrays(self))
        return atomic_write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> MappedNetwork:
        """Read a mapped network; refuses unknown formats and versions with a clear message."""
        path = Path(path)
        if path.suffix.lower() in (".nir", ".py", ".yaml", ".yml"):
            raise ProgramError(f"{path}: a {path.suffix} file is not a programmed chip; map it first: "
                               f"neuromesh map CONFIG {path} --out mapped.npz, then --network mapped.npz")
        arrays = read_npz(path, "a programmed chip (.npz from `neuromesh map`)", ProgramError)
        return _from_arrays(arrays, str(path))


def input_table(n_inputs: int, rows: dict[int, list[tuple[int, int, int]]]) -> tuple[np.ndarray, ...]:
    """CSR arrays (ptr, core, axon, delay) from ``{input line: [(core, axon, delay), ...]}``."""
    d = Destinations.from_lists(n_inputs, rows)
    return d.ptr, d.core, d.axon, d.delay


def narrow(values) -> np.ndarray:
    """``values`` as the narrowest signed integer array (int8 .. int64) that holds them (file dtype rule)."""
    arr = np.asarray(values)
    lo, hi = (int(arr.min()), int(arr.max())) if arr.size else (0, 0)
    for dt in _SIGNED:
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            return arr.astype(dt, copy=False)
    return arr


def _to_arrays(m: MappedNetwork) -> dict[str, np.ndarray]:
    header = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "minor": FORMAT_MINOR,
        "chip": m.chip_name,
        "n_cores": len(m.cores),
        "n_inputs": m.n_inputs,
        "n_outputs": m.n_outputs,
        "metadata": m.metadata,
    }
    out: dict[str, np.ndarray] = {"header": np.asarray(json.dumps(header, sort_keys=True))}
    for name in ("core_indices", "in_ptr", "in_core", "in_axon", "in_delay", "out_core", "out_neuron"):
        out["core_index" if name == "core_indices" else name] = narrow(getattr(m, name))
    for k, mc in enumerate(m.cores):
        out.update(_core_arrays(f"c{k}/", mc))
    return out


def _core_arrays(pre: str, mc: MappedCore) -> dict[str, np.ndarray]:
    p, d = mc.program, mc.dest
    a = {pre + "n_neurons": narrow([p.n_neurons]), pre + "n_axons": narrow([p.n_axons]),
         pre + "dest_ptr": narrow(d.ptr), pre + "dest_core": narrow(d.core), pre + "dest_axon": narrow(d.axon),
         pre + "dest_delay": narrow(d.delay)}
    if p.crossbar is not None:
        a[pre + "crossbar"] = np.asarray(p.crossbar, dtype=np.uint8)
    else:
        a[pre + "syn_axon"], a[pre + "syn_neuron"] = narrow(p.syn_axon), narrow(p.syn_neuron)
    if p.syn_weight is not None:
        a[pre + "syn_weight"] = narrow(p.syn_weight)
    if p.axon_type is not None:
        a[pre + "axon_type"] = narrow(p.axon_type)
    for name, val in sorted(p.params.items()):
        a[f"{pre}p/{name}"] = narrow(val)
    return a


_TOP_ARRAYS = ("core_index", "in_ptr", "in_core", "in_axon", "in_delay", "out_core", "out_neuron")


def _read_header(arrays: dict[str, np.ndarray], source: str) -> dict:
    if "header" not in arrays and "network" in arrays:
        raise ProgramError(f"{source}: a saved network (mapping.network_io), not a programmed chip; map it "
                           f"first: neuromesh map CONFIG {source} --out mapped.npz")
    header = json_header(arrays, "header", source, "a NeuroMesh programmed chip (from `neuromesh map`)",
                         ProgramError)
    if header.get("format") != FORMAT_NAME:
        raise ProgramError(f"{source}: format {header.get('format')!r}; expected {FORMAT_NAME!r}")
    if header.get("version") != FORMAT_VERSION:
        raise ProgramError(
            f"{source}: format version {header.get('version')!r} is not supported; "
            f"this NeuroMesh reads version {FORMAT_VERSION} (minor <= {FORMAT_MINOR})"
        )
    require(header, "chip", str, source, "header", ProgramError)
    if require(header, "n_inputs", int, source, "header", ProgramError) < 0:
        raise ProgramError(f"{source}: header.n_inputs is {header['n_inputs']}; allowed: an integer >= 0")
    if "metadata" in header:
        require(header, "metadata", dict, source, "header", ProgramError)
    return header


def _pack_crossbars(arrays: dict[str, np.ndarray], n_cores: int) -> None:
    """Replace equal-width per-core crossbars by consecutive views of one block, which the cores' bit crossbar
    then shares instead of copying (:func:`cores.crossbar.shared_words`)."""
    keys = [f"c{k}/crossbar" for k in range(n_cores)]
    if (not keys or any(k not in arrays for k in keys)
            or len({(arrays[k].shape[1:], arrays[k].dtype) for k in keys}) != 1):
        return
    first = arrays[keys[0]]
    # cache-line aligned: the fused loop reads the rows at random (cores.buffers)
    block = aligned_empty((sum(arrays[k].shape[0] for k in keys),) + first.shape[1:], first.dtype)
    np.concatenate([arrays[k] for k in keys], axis=0, out=block)
    start = 0
    for k in keys:
        rows = arrays[k].shape[0]
        arrays[k] = block[start: start + rows]
        start += rows


def _from_arrays(arrays: dict[str, np.ndarray], source: str) -> MappedNetwork:
    header = _read_header(arrays, source)
    missing = [k for k in _TOP_ARRAYS if k not in arrays]
    if missing:
        raise ProgramError(f"{source}: missing array(s) {missing}; a programmed chip holds {list(_TOP_ARRAYS)}")
    bad = [k for k in _TOP_ARRAYS if arrays[k].dtype.kind not in "iu" or arrays[k].ndim != 1]
    if bad:
        k = bad[0]
        raise ProgramError(f"{source}: array {k!r} is {arrays[k].dtype} of shape {arrays[k].shape}; expected "
                           "a 1-d integer array")
    _pack_crossbars(arrays, int(arrays["core_index"].shape[0]))
    cores = []
    for k, idx in enumerate(arrays["core_index"].tolist()):
        pre = f"c{k}/"
        try:
            cores.append(_core_from_arrays(arrays, pre, int(idx)))
        except KeyError as exc:
            raise ProgramError(f"{source}: core {idx}: missing array {exc}") from None
        except (IndexError, TypeError, ValueError) as exc:
            raise ProgramError(f"{source}: core {idx}: malformed arrays: {quote(str(exc))}") from None
    return MappedNetwork(
        chip_name=header["chip"],
        cores=tuple(cores),
        n_inputs=int(header["n_inputs"]),
        in_ptr=arrays["in_ptr"],
        in_core=arrays["in_core"],
        in_axon=arrays["in_axon"],
        in_delay=arrays["in_delay"],
        out_core=arrays["out_core"],
        out_neuron=arrays["out_neuron"],
        metadata=header.get("metadata", {}),
    )


def _core_from_arrays(a: dict[str, np.ndarray], pre: str, idx: int) -> MappedCore:
    plen = len(pre) + 2
    params = {k[plen:]: a[k] for k in a if k.startswith(pre + "p/")}
    prog = CoreProgram(
        n_neurons=int(a[pre + "n_neurons"][0]),
        n_axons=int(a[pre + "n_axons"][0]),
        syn_axon=a.get(pre + "syn_axon"),
        syn_neuron=a.get(pre + "syn_neuron"),
        syn_weight=a.get(pre + "syn_weight"),
        params=params,
        axon_type=a.get(pre + "axon_type"),
        crossbar=a.get(pre + "crossbar"),
    )
    if prog.crossbar is None and prog.syn_axon is None:
        raise KeyError(pre + "syn_axon")
    dest = Destinations(a[pre + "dest_ptr"], a[pre + "dest_core"], a[pre + "dest_axon"], a[pre + "dest_delay"])
    return MappedCore(idx, prog, dest)
