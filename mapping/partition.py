"""Split populations into core-sized slices under every limit of the config, and insert splitter neurons.

Sources have global ids: external input lines first (``0 .. n_inputs - 1``), then every population's
neurons in declaration order. A core holds one contiguous slice of one population (or splitter neurons).
Each distinct (source, delay) pair that has synapses into a slice takes one input axon of its core, since
the delay travels in the packet and the axon's synapses are fixed; on TrueNorth it takes ``c`` axons
(axon duplication, :mod:`mapping.truenorth_weights`). By default slices are cut as with one axon per
source and each gets ``c = min(axon_types, axons_per_core // S)`` copies, ``S`` its distinct sources
(copies never cost population cores); asked for ``K`` copies, slices are cut smaller where their first
neuron allows ``K``. Each copy is one more destination of its source. So no axon is fed by two (source, delay)
pairs, and as a neuron fires at most once per tick, no mapped neuron puts two spikes on one axon for one tick:
nothing is lost on TrueNorth's binary axons, where such spikes would OR (:mod:`cores.models.truenorth`).

Per slice the limits are: neurons (``neurons_per_core``), axons (``axons_per_core``), synapses
(``max_synapses_per_core``) and synapse memory (synapses x ``weight_bits`` within ``synapse_memory_bits``;
TrueNorth's binary crossbar is axons x neurons bits). Per neuron: fan-in (``max_fan_in``, a property of
the network: no dendritic splitting, so a neuron over it is refused) and fan-out (``max_fan_out``
destination (core, axon) pairs). Per core: output edges (``max_output_axons_per_core``).

Fan-out over the limit (every TrueNorth neuron with more than one destination axon) goes through splitter
neurons: the source sends one spike to an axon of a splitter core, whose relay neurons (weight 1,
threshold just below it, no leak) fire on that one input and each forward it to up to ``max_fan_out``
destinations. A relay costs one more tick; to keep every path of a layer equally long, all outgoing edges
of a population that uses splitters are delayed by one tick more (``extra_delay``), and the relay's own
delay is the original delay (``delay_slots`` permitting).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from chip_configs.errors import CapacityError, MappingError
from cores.models import model_of
from mapping.network import Network

SPLITTERS = "<splitters>"  # the pop name of a slice of relay (splitter) neurons


@dataclass(frozen=True)
class SynapseTable:
    """Every synapse into one population, merged by (post, source, delay) and sorted by post."""

    post: np.ndarray  # int64[S] neuron index within the population
    src: np.ndarray  # int64[S] global source id
    delay: np.ndarray  # int64[S] ticks
    weight: np.ndarray  # float64[S]
    ptr: np.ndarray  # int64[size + 1] CSR rows by post

    @property
    def key(self) -> np.ndarray:
        """The axon key of each synapse: (source, delay) packed into one int64."""
        return self.src * 1024 + self.delay

    def keys(self, lo: int, hi: int) -> np.ndarray:
        """``key[lo:hi]`` without packing the whole table (the slice search probes small ranges many times)."""
        return self.src[lo:hi] * 1024 + self.delay[lo:hi]

    @cached_property
    def prev(self) -> np.ndarray:
        """Per synapse, the index of the previous synapse with the same key (-1 if none); computed once."""
        key = self.key
        out = np.full(key.size, -1, np.int64)
        if key.size:
            order = np.argsort(key, kind="stable")
            same = key[order[1:]] == key[order[:-1]]
            out[order[1:][same]] = order[:-1][same]
        return out

    def n_keys(self, lo: int, hi: int) -> int:
        """``np.unique(key[lo:hi]).size``: the synapses of the range whose key does not occur earlier in it."""
        return int(np.count_nonzero(self.prev[lo:hi] < lo))


@dataclass(frozen=True)
class Slice:
    """One core's worth: neurons ``start:stop`` of ``pop`` (or relay neurons), its axons and synapses.

    Attributes
    ----------
    pop : str                         population name, or ``"<splitters>"``
    start, stop : int                 neuron range within the population
    axon_src, axon_delay : int64[A]   the (source, delay) feeding each local axon
    syn_axon, syn_neuron : int32[S]   local synapses (relay slices: int64)
    syn_index : int64[S]              index into the population's SynapseTable (-1 for relays)
    binding : str                     the limit that ended the slice
    relay_dest : list                 splitters only: per relay neuron, its destinations (slice, axon, delay)
    copies : int                      axons per (source, delay) (TrueNorth axon duplication; 1 elsewhere)

    ``axon_src`` / ``axon_delay`` describe the physical axons: the copies of one (source, delay) are
    consecutive, axon ``i * copies + k`` is copy ``k`` of logical source ``i``; ``syn_axon`` holds the
    logical source index ``i`` (equal to the axon when ``copies == 1``), the program builder decides which
    copies each synapse connects (:mod:`mapping.truenorth_weights`).
    """

    pop: str
    start: int
    stop: int
    axon_src: np.ndarray
    axon_delay: np.ndarray
    syn_axon: np.ndarray
    syn_neuron: np.ndarray
    syn_index: np.ndarray
    binding: str = ""
    relay_dest: list = field(default_factory=list)
    copies: int = 1

    @property
    def n_neurons(self) -> int:
        return self.stop - self.start

    @property
    def n_sources(self) -> int:
        """Distinct (source, delay) pairs feeding the slice (logical axons)."""
        return self.n_axons // self.copies

    @property
    def n_axons(self) -> int:
        return int(self.axon_src.size)

    @property
    def n_synapses(self) -> int:
        return int(self.syn_axon.size)


@dataclass(frozen=True)
class Partition:
    """Slices, sources, tables and per-population extra delays."""

    slices: list
    tables: dict  # population name -> SynapseTable
    offsets: dict  # population name -> first global source id
    n_inputs: int
    extra_delay: dict  # population name -> ticks added to all its outgoing edges
    splitter_sources: dict  # global source id -> (splitter slice, axon)

    def slices_of(self, pop: str) -> list[int]:
        return [k for k, s in enumerate(self.slices) if s.pop == pop]


# ----- synapse tables --------------------------------------------------------------------------------------


def source_offsets(net: Network) -> dict[str, int]:
    """First global id of every input and population."""
    out, k = {}, 0
    for item in (*net.inputs, *net.populations):
        out[item.name] = k
        k += int(item.size)
    return out


def synapse_table(net: Network, pop: str, offsets: dict[str, int]) -> SynapseTable:
    """All synapses into ``pop``, duplicates (same post, source, delay) summed.

    Each projection's COO is packed, one projection at a time, into one int64 key per synapse,
    ``key = (post x M + source) x 1024 + delay`` (``M``: the global source ids, > every source), beside its
    weight; one stable sort of the keys orders the table and finds the duplicates (summed in their original
    order), and post, source and delay are unpacked from the sorted keys (sequential arithmetic, no gathers).
    Besides the table the peak holds one projection's COO, the keys, the weights and the sort order (about 32
    bytes per synapse on top of the table's 32).
    """
    projs = net.projections_into(pop)
    size = net.population(pop).size
    n = sum(_n_entries(p) for p in projs)
    n_src = max((offsets[item.name] + int(item.size) for item in (*net.inputs, *net.populations)), default=1)
    key, w = np.empty(n, np.int64), np.empty(n, np.float64)
    k = 0
    for proj in projs:
        r, c, v, d = proj.coo()
        _check_delays(pop, d)
        m = r.size
        key[k:k + m] = (r * n_src + (c + offsets[proj.pre])) * 1024 + d
        w[k:k + m] = v
        k += m
        del r, c, v, d
    key, w = key[:k], w[:k]
    if not k:
        z = np.zeros(0, np.int64)
        return SynapseTable(z, z, z, np.zeros(0), np.zeros(size + 1, np.int64))
    order = np.argsort(key, kind="stable")
    key = key[order]
    start = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    summed = np.add.reduceat(w[order], start) if start.size < k else w[order]
    del order, w
    if start.size < k:
        key = key[start]
    src_delay = key % (n_src * 1024)
    post, src, delay = key // (n_src * 1024), src_delay // 1024, src_delay % 1024
    del key, src_delay
    ptr = np.searchsorted(post, np.arange(size + 1)).astype(np.int64)
    return SynapseTable(post, src, delay, summed, ptr)


def _check_delays(pop: str, delay: np.ndarray) -> None:
    """Delays fit the packed key's 10-bit field (sources are in range: the network checked its indices)."""
    if delay.size and delay.max() >= 1024:
        raise MappingError(f"population {pop!r}: delay {int(delay.max())} ticks is beyond any chip (< 1024)")


def _n_entries(proj) -> int:
    """COO entries of a projection before zeros are dropped (an upper bound of its synapses)."""
    if isinstance(proj.weights, tuple):
        return int(np.size(proj.weights[0]))
    return int(np.count_nonzero(np.asarray(proj.weights)))


# ----- slicing -----------------------------------------------------------------------------------------------


def _limits(cfg, neurons_cap: int | None = None) -> dict[str, int]:
    c = cfg.core
    npc = c.neurons_per_core if neurons_cap is None else max(1, min(neurons_cap, c.neurons_per_core))
    syn_mem = model_of(cfg).synapse_capacity(cfg)  # synapses that fit the synapse memory (model's rule)
    return {"neurons": npc, "axons": c.axons_per_core,
            "synapses": min(c.max_synapses_per_core, syn_mem)}


def _usage(table: SynapseTable, a: int, b: int, copies: int = 1) -> dict[str, int]:
    lo, hi = table.ptr[a], table.ptr[b]
    return {"neurons": b - a, "axons": table.n_keys(int(lo), int(hi)) * copies, "synapses": int(hi - lo)}


def _binding(use: dict, limits: dict) -> str | None:
    for name, lim in limits.items():
        if use[name] > lim:
            return name
    return None


def _largest_end(table: SynapseTable, a: int, n: int, limits: dict, copies: int = 1) -> tuple[int, str]:
    """Largest ``b`` such that neurons ``a:b`` fit one core with ``copies`` axons per source (exponential
    then binary search)."""
    def fits(b: int) -> bool:
        return _binding(_usage(table, a, b, copies), limits) is None

    good, bad, step = a + 1, None, 1
    while good < n and bad is None:
        cand = min(good + step, n)
        if fits(cand):
            good, step = cand, step * 2
        else:
            bad = cand
    while bad is not None and bad - good > 1:
        mid = (good + bad) // 2
        good, bad = (mid, bad) if fits(mid) else (good, mid)
    reason = "end of population" if good == n else (_binding(_usage(table, a, good + 1, copies), limits) or "")
    return good, reason


def _make_slice(name: str, table: SynapseTable, a: int, b: int, reason: str, copies: int = 1) -> Slice:
    lo, hi = table.ptr[a], table.ptr[b]
    keys = table.keys(lo, hi)
    # np.unique(keys, return_inverse=True) without sorting every synapse: the range's first occurrences (the
    # table's cached prev) are its distinct keys; sort those and look each synapse's key up among them
    uniq = np.sort(keys[table.prev[lo:hi] < lo])
    inv = np.searchsorted(uniq, keys)
    # local axon and neuron indices fit int32 (a core has < 2**31 of either): half the memory of int64, and
    # the core program takes them as they are
    return Slice(name, a, b, np.repeat(uniq // 1024, copies), np.repeat(uniq % 1024, copies), inv.astype(np.int32),
                 (table.post[lo:hi] - a).astype(np.int32), np.arange(lo, hi, dtype=np.int64), reason, copies=copies)


def _check_fan_in(name: str, table: SynapseTable, cfg) -> None:
    fan_in = np.diff(table.ptr)
    if fan_in.size and fan_in.max() > cfg.core.max_fan_in:
        j = int(np.argmax(fan_in))
        raise CapacityError(
            "fan_in", int(fan_in[j]), cfg.core.max_fan_in, layer=name, chip=cfg.name, neuron=j,
            n_over=int((fan_in > cfg.core.max_fan_in).sum()),
            message="layer {layer!r}: neuron {neuron} has fan-in {need} synapses; max_fan_in is {limit} "
                    "({n_over} neuron(s) over, by up to {over}); this chip has no dendritic splitting, and a "
                    "split through partial-sum neurons is not exact (a neuron sends one spike per tick, not its "
                    "sum): --split-fan-in (map_network(split_fan_in=True)) maps it as a named approximation "
                    "(mapping/README.md: measured error)")


def _slice_copies(name: str, table: SynapseTable, a: int, limits: dict, target: int) -> int:
    """Copies per source for a slice starting at neuron ``a``: ``min(target, axons_per_core // sources(a))``.

    The first neuron alone decides (a slice then grows only while its sources x copies fit the axons), so
    dense layers keep full cores and sparse ones get smaller slices with more copies. Zero copies (the
    neuron's distinct sources alone exceed the axons) is a refusal.
    """
    single = _usage(table, a, a + 1)
    if single["axons"] > limits["axons"]:
        raise CapacityError("axons", single["axons"], limits["axons"], layer=name, neuron=a,
                            message="layer {layer!r}: neuron {neuron} needs {need} axons (one per distinct (source, "
                                    "delay), before any duplication) but a core has {limit}")
    return max(1, min(target, limits["axons"] // max(single["axons"], 1)))


def slice_population(name: str, table: SynapseTable, size: int, cfg, neurons_cap: int | None = None,
                     copies: int = 1, shrink: bool = True) -> list[Slice]:
    """Cut one population into consecutive core-sized slices (at most ``neurons_cap`` neurons each if given).

    ``copies`` is the number of axons per (source, delay) wanted (TrueNorth axon duplication); 1 is one
    axon per source. ``shrink``: slices are cut so that they keep ``copies`` where their first neuron allows
    (:func:`_slice_copies`; more cores for sparse layers); otherwise slices are cut as with one copy and
    each gets ``min(copies, axons_per_core // its sources)`` from the axons left over (no more cores).
    """
    _check_fan_in(name, table, cfg)
    limits = _limits(cfg, neurons_cap)
    single = _usage(table, 0, 1) if size else None
    bad = _binding(single, limits) if single else None
    if bad and bad != "axons":
        raise CapacityError(bad, single[bad], limits[bad], layer=name, chip=cfg.name,
                            message="layer {layer!r}: one neuron needs {need} {resource} but a core has {limit}")
    out, a = [], 0
    while a < size:
        c = _slice_copies(name, table, a, limits, copies if shrink else 1)
        b, reason = _largest_end(table, a, size, limits, c)
        if not shrink:
            c = max(1, min(copies, limits["axons"] // max(_usage(table, a, b)["axons"], 1)))
        out.append(_make_slice(name, table, a, b, reason, c))
        a = b
    return out


# ----- destinations and splitters ----------------------------------------------------------------------------


def destinations(slices: list[Slice], n_sources: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """CSR of every source's destinations: (ptr, slice, axon, delay), sorted by source."""
    src = np.concatenate([s.axon_src for s in slices] or [np.zeros(0, np.int64)])
    sl = np.concatenate([np.full(s.n_axons, k, np.int64) for k, s in enumerate(slices)] or [np.zeros(0, np.int64)])
    ax = np.concatenate([np.arange(s.n_axons, dtype=np.int64) for s in slices] or [np.zeros(0, np.int64)])
    dl = np.concatenate([s.axon_delay for s in slices] or [np.zeros(0, np.int64)])
    order = np.argsort(src, kind="stable")
    ptr = np.searchsorted(src[order], np.arange(n_sources + 1)).astype(np.int64)
    return ptr, sl[order], ax[order], dl[order]


def _needs_split(ptr: np.ndarray, first_neuron: int, fan_out: int) -> np.ndarray:
    counts = np.diff(ptr)
    mask = counts > fan_out
    mask[:first_neuron] = False  # external input lines are not neurons: their table has no fan-out limit
    return mask


def _splitter_slices(ptr, dests, sources: np.ndarray, cfg, start_index: int) -> tuple[list[Slice], dict]:
    """Pack relay neurons for ``sources`` into splitter slices; returns (slices, {source: (slice, axon)}).

    A splitter core is full when its relay neurons, its input axons (one per source) or its output edges
    (``max_output_axons_per_core``: the relays' destinations) would overflow.
    """
    fo, npc, apc = cfg.core.max_fan_out, cfg.core.neurons_per_core, cfg.core.axons_per_core
    edge_lim = cfg.core.max_output_axons_per_core
    sl, ax, dl = dests
    slices, where = [], {}
    cur: dict = {"src": [], "relays": [], "edges": 0}

    def flush():
        if cur["src"]:
            slices.append(_relay_slice(cur))
            cur["src"], cur["relays"], cur["edges"] = [], [], 0

    for s in sources.tolist():
        lo, hi = int(ptr[s]), int(ptr[s + 1])
        chunks = [list(zip(sl[k:min(k + fo, hi)].tolist(), ax[k:min(k + fo, hi)].tolist(),
                           dl[k:min(k + fo, hi)].tolist(), strict=True)) for k in range(lo, hi, fo)]
        _check_one_source(s, hi - lo, len(chunks), npc, edge_lim)
        if (len(cur["relays"]) + len(chunks) > npc or len(cur["src"]) + 1 > apc
                or (edge_lim is not None and cur["edges"] + hi - lo > edge_lim)):
            flush()
        where[s] = (start_index + len(slices), len(cur["src"]))
        cur["relays"] += [(len(cur["src"]), c) for c in chunks]
        cur["src"].append(s)
        cur["edges"] += hi - lo
    flush()
    return slices, where


def _check_one_source(s: int, n_dest: int, n_relays: int, npc: int, edge_lim: int | None) -> None:
    """The relays of one source share its one relay axon, hence one splitter core: they must fit it."""
    if n_relays > npc:
        raise CapacityError("relay_neurons", n_relays, npc, source=s, n_dest=n_dest,
                            message="source {source}: {n_dest} destinations need {need} relay neurons; a core has "
                                    "{limit} (one level of splitters only)")
    if edge_lim is not None and n_dest > edge_lim:
        raise CapacityError("output_axons", n_dest, edge_lim, source=s,
                            message="source {source}: {need} destinations through one splitter core exceed "
                                    "max_output_axons_per_core {limit} (one level of splitters only)")


def _relay_slice(cur: dict) -> Slice:
    n_rel = len(cur["relays"])
    axon = np.asarray([a for a, _ in cur["relays"]], np.int64)
    return Slice(SPLITTERS, 0, n_rel, np.asarray(cur["src"], np.int64), np.ones(len(cur["src"]), np.int64),
                 axon, np.arange(n_rel, dtype=np.int64), np.full(n_rel, -1, np.int64), "splitter",
                 [c for _, c in cur["relays"]])


def _owner(offsets: dict, net: Network, gid: int) -> str:
    name = None
    for item in (*net.inputs, *net.populations):
        if offsets[item.name] <= gid:
            name = item.name
    return name


def without_synapses(part: Partition) -> Partition:
    """``part`` without its per-synapse arrays (the synapse tables, each slice's synapse lists): once the core
    programs hold the synapses, the rest of the mapping needs only the slices' neurons, axons and relays.
    Frees 64 bytes per synapse (7 GiB for the 115 M synapses of ``benchmarks/scale_nahuku.py``); the slices'
    ``n_synapses`` read 0 afterwards, the tables keep their row pointers (the populations' sizes) only."""
    empty = np.zeros(0, np.int64)
    slices = [replace(s, syn_axon=empty, syn_neuron=empty, syn_index=empty) for s in part.slices]
    tables = {name: SynapseTable(empty, empty, empty, np.zeros(0), t.ptr) for name, t in part.tables.items()}
    return Partition(slices, tables, part.offsets, part.n_inputs, part.extra_delay, part.splitter_sources)


# ----- entry point -----------------------------------------------------------------------------------------------------


def copies_targets(cfg, axon_copies: int | str | None = "auto") -> list[tuple[int, bool]]:
    """(copies, shrink) settings to try, best first (see :func:`slice_population`).

    ``"auto"`` / None on a chip with axon types (TrueNorth): copies from the axons each core has left,
    at most ``axon_types, ..., 1`` (falling back to fewer when the copies' relays do not fit the chip); an
    integer ``K``: ``K`` copies wherever a slice's first neuron allows, cutting smaller slices if needed;
    chips without axon types (Loihi): one axon per source (a per-synapse weight needs no copies).
    """
    types = cfg.core.axon_types if model_of(cfg).capabilities.typed_axons else None
    if axon_copies in (None, "auto"):
        return [(k, False) for k in range(types, 0, -1)] if types else [(1, False)]
    k = int(axon_copies)
    if k == 1:
        return [(1, False)]
    if not types or not 1 <= k <= types:
        raise MappingError(f"axon_copies={k}: copies of a source select among the chip's axon types; this chip "
                           f"({cfg.neuron.model}) allows 1..{types or 1}")
    return [(k, True)]


def partition(net: Network, cfg, neurons_per_core: int | None = None, axon_copies: int | str | None = "auto"
              ) -> Partition:
    """Slice every population, then insert splitters for fan-out over ``max_fan_out``.

    ``neurons_per_core`` caps the neurons of a population slice below the chip's limit. ``axon_copies``
    (TrueNorth, :func:`copies_targets`): ``"auto"`` cuts slices as with one axon per source and gives
    each ``c = min(axon_types, axons_per_core // its sources)`` copies, trying fewer when the result does
    not fit the chip (cores, one level of splitters, delays); an integer ``K`` asks for K copies and cuts
    smaller slices where needed. Each copy of a neuron source is one more destination (splitter relays).

    Raises
    ------
    CapacityError
        A neuron over max_fan_in, a neuron too big for a core, a relay over the delay range, or more
        cores than the chip has (names the layer, the resource, the need and the limit), with the
        fewest copies tried.
    """
    error = None
    for copies, shrink in copies_targets(cfg, axon_copies):
        try:
            return _partition(net, cfg, neurons_per_core, copies, shrink)
        except CapacityError as exc:
            error = exc
    raise error


def _partition(net: Network, cfg, neurons_per_core: int | None, copies: int, shrink: bool) -> Partition:
    offsets = source_offsets(net)
    tables = {p.name: synapse_table(net, p.name, offsets) for p in net.populations}
    slices = [s for p in net.populations
              for s in slice_population(p.name, tables[p.name], p.size, cfg, neurons_per_core, copies, shrink)]
    n_src = sum(net.sizes.values())
    slices = _limit_output_edges(slices, tables, offsets, n_src, cfg)
    ptr, *dests = destinations(slices, n_src)
    split = np.flatnonzero(_needs_split(ptr, net.n_inputs, cfg.core.max_fan_out))
    extra = {p.name: 0 for p in net.populations}
    relays, where = _splitter_slices(ptr, dests, split, cfg, len(slices))
    for s in split.tolist():
        extra[_owner(offsets, net, s)] = 1
    _check_relay_delays(net, tables, extra, cfg)
    part = Partition(slices + relays, tables, offsets, net.n_inputs, extra, where)
    _check_cores(part, cfg)
    return part


def _limit_output_edges(slices: list[Slice], tables: dict, offsets: dict, n_src: int, cfg) -> list[Slice]:
    """Cut slices whose neurons together send more than ``max_output_axons_per_core`` edges.

    Cutting a slice gives the neurons that send to it one more destination each, so cuts can call for more
    cuts: repeated until no slice is cut (slices only shrink, so this ends).
    """
    limit = cfg.core.max_output_axons_per_core
    if limit is None:
        return slices
    while True:
        out = _cut_output_edges(slices, tables, offsets, n_src, cfg, limit)
        if len(out) == len(slices):
            return out
        slices = out


def _cut_output_edges(slices: list[Slice], tables: dict, offsets: dict, n_src: int, cfg, limit: int) -> list[Slice]:
    """One pass of :func:`_limit_output_edges`."""
    ptr, *_ = destinations(slices, n_src)
    fan = np.diff(ptr)
    fan = np.where(fan > cfg.core.max_fan_out, 1, fan)  # split sources send one edge, to their splitter
    out = []
    for s in slices:
        first = offsets[s.pop] + s.start
        edges = fan[first:first + s.n_neurons]
        if edges.size and edges.max() > limit:
            raise CapacityError("output_axons", int(edges.max()), limit, layer=s.pop, chip=cfg.name,
                                message="layer {layer!r}: a neuron sends {need} edges; max_output_axons_per_core "
                                        "is {limit}")
        if edges.sum() <= limit:
            out.append(s)
            continue
        cuts = _cut_points(edges, limit)
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            out.append(_make_slice(s.pop, tables[s.pop], s.start + a, s.start + b, "output_edges", s.copies))
    return out


def _cut_points(edges: np.ndarray, limit: int) -> list[int]:
    """Cuts of a sequence into the fewest pieces of about equal sums, each at most ``limit``.

    Equal pieces, not greedy fills: a greedy cut leaves a small tail piece, and every neuron that sends to
    the cut slice then has one more destination for few neurons, which calls for more cuts (on the 16,384-neuron
    modular network of :func:`mapping.synthetic.modular_network` greedy cuts ran away to 598 slices of ~8
    neurons over 45 passes; equal pieces: 42 slices, one pass).
    """
    total = int(edges.sum())
    if total <= limit:
        return [0, int(edges.size)]
    csum = np.cumsum(edges)
    for parts in range(-(-total // limit), int(edges.size) + 1):
        inner = np.searchsorted(csum, total * np.arange(1, parts) / parts, side="right")
        cuts = np.unique(np.concatenate([[0], inner, [edges.size]])).astype(int)
        sums = np.add.reduceat(edges, cuts[:-1]) if cuts.size > 1 else np.zeros(0)
        if sums.max() <= limit:
            return cuts.tolist()
    return list(range(int(edges.size) + 1))


def _check_relay_delays(net: Network, tables: dict, extra: dict, cfg) -> None:
    for pop in net.populations:
        for proj in net.projections:
            if proj.pre == pop.name and extra[pop.name]:
                d = int(np.max(proj.delay)) + extra[pop.name]
                if d > cfg.core.delay_slots:
                    raise CapacityError("delay", d, cfg.core.delay_slots, layer=pop.name, chip=cfg.name,
                                        projection=proj.label,
                                        message="layer {layer!r}: splitter relays add one tick; delay {need} "
                                                "exceeds delay_slots {limit} on projection {projection}")


def _check_cores(part: Partition, cfg) -> None:
    need, have = len(part.slices), cfg.num_cores
    if need <= have:
        return
    by_layer: dict[str, int] = {}
    for s in part.slices:
        by_layer[s.pop] = by_layer.get(s.pop, 0) + 1
    worst = max(by_layer, key=by_layer.get)
    raise CapacityError(
        "cores", need, have, layer=worst, chip=cfg.name, layer_cores=by_layer[worst],
        bound_by=sorted({s.binding for s in part.slices if s.pop == worst}),
        holder=_holder(cfg),
        message="cores: the network needs {need} cores but {holder} has {limit} (over by {over}); the largest "
                "layer {layer!r} alone takes {layer_cores} cores, bound by {bound_by}")


def _holder(cfg) -> str:
    """'the chip', or for a system 'the system (N chips x C cores)'."""
    if getattr(cfg, "system", None) is None:
        return "the chip"
    return f"the system ({cfg.n_chips} chips x {cfg.cores_per_chip} cores)"


__all__ = ["Partition", "Slice", "SynapseTable", "copies_targets", "destinations", "partition", "slice_population",
           "synapse_table", "without_synapses"]
