"""``map_network``: quantise -> partition -> place -> route -> a :class:`~emulator.mapped.MappedNetwork`.

Each stage is one function of its own module; this module only strings them together and gathers the
:class:`MappingSummary` (cores used, utilisation per resource per core and the tightest resources,
quantisation error per layer, placement cost against the naive placement, end-to-end latency in ticks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chip_configs.errors import MappingError
from chip_configs.schema import ChipConfig, load_config
from emulator.mapped import MappedCore, MappedNetwork
from mapping.fan_in import split_fan_in as fan_in_split
from mapping.network import Network
from mapping.onset import align_bias_onset, onset_ticks
from mapping.partition import SPLITTERS, Partition, partition, without_synapses
from mapping.placement import Traffic, default_placer, place, placement_cost
from mapping.programs import builder_for
from mapping.quantize import quantize
from mapping.routing_tables import logical_routes, physical, physical_inputs, slice_pairs
from mapping.summary import MappingSummary, core_usage, layer_errors, tightest


@dataclass(frozen=True)
class MapOptions:
    """Mapping knobs: placer name, seed, weight scaling ('neuron' | 'layer'), optional activity per population."""

    placer: str = "anneal"
    seed: int = 0
    scaling: str = "neuron"
    rates: dict = field(default_factory=dict)  # population -> expected spikes per tick per neuron
    neurons_per_core: int | None = None
    align_bias: bool = True
    axon_copies: int | str = "auto"
    bit_cost: float = 0.0
    activity: dict = field(default_factory=dict)  # input / population -> mean spikes per tick (calibration)


def _cfg(cfg) -> ChipConfig:
    return cfg if isinstance(cfg, ChipConfig) else load_config(cfg)


def map_network(network: Network, cfg, placer: str | None = None, seed: int = 0, scaling: str = "neuron",
                rates: dict | None = None, neurons_per_core: int | None = None, align_bias: bool = True,
                axon_copies: int | str = "auto", bit_cost: float = 0.0, activity: dict | None = None,
                split_fan_in: bool = False, subtract_reset: str = "current") -> tuple[MappedNetwork, MappingSummary]:
    """Map ``network`` onto chip ``cfg`` (a ChipConfig, a YAML path or a preset name).

    Parameters
    ----------
    network : Network
    cfg : ChipConfig or str
    placer : str, optional
        A name in :data:`mapping.placement.PLACERS` (``sequential``, ``greedy``, ``anneal``, ``hierarchical``,
        ``hierarchical-greedy``); default ``hierarchical`` for a system of chips, else ``anneal``.
    seed : int
        Seeds the placer and the TrueNorth axon-type clustering: same inputs, same mapping.
    scaling : {'neuron', 'layer'}
        Weight scale per neuron (best precision) or one per layer.
    rates : dict, optional
        Expected spikes per tick of each population's neurons (scalar or per neuron) to weight traffic.
    neurons_per_core : int, optional
        Cap on the neurons of a population per core (TrueNorth: 1 lets the axon types be grouped for one
        neuron alone, at the cost of cores and relays; see mapping/README.md).
    axon_copies : 'auto' or int
        TrueNorth axon duplication: axons per source (:mod:`mapping.truenorth_weights`). ``'auto'``
        gives each core ``min(axon_types, axons_per_core // sources)`` copies, falling back to fewer when
        the network would not fit; ``1`` is one axon per source (the classic mapping). Chips without
        axon types (Loihi) accept only 'auto' or 1 (one axon per source).
    bit_cost : float
        TrueNorth: price of one connected crossbar point (one synaptic event per spike) as a fraction of a
        full-scale weight, traded against the squared weight error (:mod:`mapping.truenorth_weights`);
        0 minimises the weight error alone.
    activity : dict, optional
        TrueNorth calibration: mean spikes per tick of each input and population (scalar or per neuron,
        e.g. :func:`mapping.evaluate.mean_rates` on samples). Each neuron's bias is then corrected by
        ``-sum_i e_ij a_i``, the mean current its weight errors ``e_ij`` cause at that activity
        (:func:`mapping.programs.bias_correction`); sources not named count as silent. The bias-onset
        alignment still uses the uncorrected bias (a residual of ``onset * delta_j`` before the first
        input, a few hundredths of a threshold on digits).
    align_bias : bool
        Set initial states so that biases start with each layer's first input (:mod:`mapping.onset`).
    split_fan_in : bool
        Take the inputs of a neuron over ``max_fan_in`` through partial-sum relays (:mod:`mapping.fan_in`, a
        named approximation noted in the layer's notes); False refuses such a neuron (CapacityError).
    subtract_reset : {'zero', 'current'}
        Loihi: LIF/IF populations with a subtractive reset built in the current register (``'current'``, the
        default: :mod:`mapping.subtract_reset`, a named approximation that agrees with the framework, measured
        in mapping/README.md, at up to 4 copies of those layers' neurons), or applied as Loihi's reset to zero
        (``'zero'``). Other chips subtract natively and ignore it.

    Returns
    -------
    (MappedNetwork, MappingSummary); the summary's dict is also ``mapped.metadata["summary"]``. On a system
    of chips the summary's ``system`` block (:func:`mapping.system_checks.system_summary`) has the per-chip
    usage and the expected off-chip traffic; ``mapped.metadata["off_chip_packets_per_tick"]`` too.

    Raises
    ------
    MappingError / CapacityError
        Unsupported features or a network that does not fit (names the layer, resource, need and limit); on a
        system also a chip over its capacity or a fixed-period off-chip link over the tick
        (:mod:`mapping.system_checks`).
    """
    if not network.populations or not network.outputs:
        raise MappingError(f"network {network.name!r} has no {'neuron populations' if not network.populations else 'outputs'}"
                           "; mapping it would program a chip that computes nothing")
    cfg = _cfg(cfg)
    _check_readouts(network)
    split_notes = []
    if split_fan_in:
        network, split_notes = fan_in_split(network, cfg.core.max_fan_in)
    network, current_notes = _subtract_reset(network, cfg, subtract_reset)
    opts = MapOptions(placer or default_placer(cfg), seed, scaling, rates or {}, neurons_per_core, align_bias, axon_copies, bit_cost,
                      activity or {})
    part = partition(network, cfg, neurons_per_core, axon_copies)
    onsets = onset_ticks(network, part.extra_delay) if align_bias else {}
    aligned, onset_notes = align_bias_onset(network, onsets)
    quant = {p.name: quantize(cfg, p, part.tables[p.name].post, part.tables[p.name].weight, scaling,
                              membrane_in_current=p.name in current_notes)
             for p in aligned.populations}
    for note in onset_notes + split_notes:
        quant[note.split("'")[1]].error["notes"].append(note)
    for name, notes in current_notes.items():
        quant[name].error["notes"][:0] = notes
    programs, err_terms = _programs(cfg, part, quant, seed, bit_cost, _source_activity(network, part, activity))
    _note_corrections(quant, err_terms)
    part = without_synapses(part)  # the programs hold the synapses now
    routes, in_routes = logical_routes(part)
    pairs = slice_pairs(routes, _slice_rates(network, part, opts.rates))
    traffic = Traffic.from_directed(len(routes), *pairs)
    assign = place(opts.placer, traffic, cfg, seed)
    costs = _baseline_costs(traffic, cfg, seed)
    costs[opts.placer] = placement_cost(traffic, assign, cfg)
    system = _check_system(cfg, programs, assign, pairs)
    mapped = _assemble(network, cfg, part, programs, routes, in_routes, assign)
    summary = _summary(network, cfg, part, quant, err_terms, assign, mapped, costs, opts, system)
    meta = {"summary": summary.to_dict(), "output_labels": network.output_labels(),
            "latency_ticks": summary.latency_ticks, "network": network.name, "onset_ticks": onsets,
            "layers": layer_placement(part, assign)}
    readout = membrane_readout(network, quant, onset_ticks(network, part.extra_delay))
    if readout:
        meta["readout"] = readout
    if system is not None:
        meta["off_chip_packets_per_tick"] = system["off_chip_packets_per_tick"]
    return _with_metadata(mapped, meta), summary


GREEDY_BASELINE_MAX = 4_000_000  # slices x cores up to which the greedy baseline is placed for the summary


def _baseline_costs(traffic: Traffic, cfg, seed: int) -> dict:
    """Placement cost of the naive and greedy placements (greedy left out, None, on a system too large for it:
    it weighs every free core of the whole system for every slice)."""
    small = cfg.system is None or traffic.n_slices * cfg.num_cores <= GREEDY_BASELINE_MAX
    names = ("sequential", "greedy") if small else ("sequential",)
    costs = {name: placement_cost(traffic, place(name, traffic, cfg, seed), cfg) for name in names}
    costs.setdefault("greedy", None)
    return costs


def _check_system(cfg, programs: list, assign: np.ndarray, pairs) -> dict | None:
    """Per-chip and off-chip-link checks of a system (:mod:`mapping.system_checks`); None on one chip."""
    if cfg.system is None:
        return None
    from mapping.system_checks import check_system

    neurons = np.asarray([p.n_neurons for p in programs], np.float64)
    synapses = np.asarray([p.n_synapses for p in programs], np.float64)
    return check_system(cfg, assign, neurons, synapses, pairs)


def _subtract_reset(net: Network, cfg, how: str) -> tuple[Network, dict[str, list[str]]]:
    """``net`` with Loihi's subtractive-reset construction applied (``how == 'current'``), and its notes per
    population; unchanged on chips that subtract natively or with ``how == 'zero'``."""
    from mapping.subtract_reset import BUILDERS, SUBTRACT_RESETS

    if how not in SUBTRACT_RESETS:
        raise MappingError(f"subtract_reset {how!r}; allowed: {list(SUBTRACT_RESETS)}")
    build = BUILDERS.get(cfg.neuron.model)
    return build(net) if how == "current" and build is not None else (net, {})


def _check_readouts(net: Network) -> None:
    """An LI readout sends no spikes: it may only be read out, not project to other layers."""
    for proj in net.projections:
        if proj.pre in net.population_names and not net.population(proj.pre).neuron.spiking:
            raise MappingError(f"projection {proj.label}: population {proj.pre!r} is an LI readout (non-spiking: "
                               "its output is its membrane, which a chip cannot send to another layer); allowed: "
                               "LI populations only as network outputs")


def membrane_readout(net: Network, quant: dict, onsets: dict) -> dict:
    """Output lines read as membranes (LI readouts): ``{"lines": [...], "scale": [...], "onset": [...]}``.

    Line ``k``'s float membrane is the probed ``v / scale[k]``; framework step 0 is chip tick ``onset[k]`` (the
    population's first input tick), so the framework's sum over ``T`` steps is the chip's over ticks
    ``onset .. onset + T - 1``. Empty when every output spikes.
    """
    lines, scale, onset, k = [], [], [], 0
    for out in net.outputs:
        q = quant[out.source]
        size = net.population(out.source).size
        if q.readout_scale is not None:
            lines += list(range(k, k + size))
            scale += [float(x) for x in q.readout_scale]
            onset += [int(onsets.get(out.source, 0))] * size
        k += size
    return {"lines": lines, "scale": scale, "onset": onset} if lines else {}


def _source_activity(net: Network, part: Partition, activity: dict | None) -> np.ndarray | None:
    """Mean spikes per tick of every global source id (0 for sources not named), or None."""
    if not activity:
        return None
    sizes = net.sizes
    out = np.zeros(sum(sizes.values()))
    for name, value in activity.items():
        if name not in part.offsets:
            raise MappingError(f"activity given for {name!r}, which is no input or population; "
                               f"known: {sorted(part.offsets)}")
        lo = part.offsets[name]
        out[lo:lo + sizes[name]] = np.broadcast_to(np.asarray(value, np.float64), (sizes[name],))
    return out


def _note_corrections(quant: dict, terms: dict) -> None:
    for name, t in terms.items():
        if t.get("n_corr"):
            rms = float(np.sqrt(t["bias_corr2"] / t["n_corr"]))
            quant[name].error["notes"].append(
                f"bias corrected for the mean current of the weight errors at the calibration activity "
                f"(rms {rms:.4g} per tick, input units)")


def _programs(cfg, part: Partition, quant: dict, seed: int, bit_cost: float = 0.0, activity=None):
    build = builder_for(cfg)
    programs, terms = [], {}
    for k, s in enumerate(part.slices):
        q = quant.get(s.pop)
        prog, t = build(cfg, s, part.tables.get(s.pop), q, seed + k, bit_cost, activity)
        programs.append(prog)
        if t:
            acc = terms.setdefault(s.pop, {"err2": 0.0, "w2": 0.0, "zeroed": 0, "n": 0})
            for key, val in t.items():
                merge = {"copies_min": min, "copies_max": max}.get(key)
                acc[key] = merge(acc.get(key, val), val) if merge else acc.get(key, 0) + val
    return programs, terms


def _slice_rates(net: Network, part: Partition, rates: dict):
    if not rates:
        return None
    out = []
    for s in part.slices:
        if s.pop in rates:
            r = np.broadcast_to(np.asarray(rates[s.pop], np.float64), (net.population(s.pop).size,))
            out.append(r[s.start:s.stop])
        else:
            out.append(np.ones(s.n_neurons))
    return out


def _assemble(net: Network, cfg, part: Partition, programs, routes, in_routes, assign) -> MappedNetwork:
    cores = []
    for k, s in enumerate(part.slices):
        what = f"layer {s.pop!r} core {int(assign[k])}"
        dests = physical(routes[k], assign, cfg, int(assign[k]), what, layer=s.pop)
        cores.append(MappedCore(int(assign[k]), programs[k], dests))
    cores.sort(key=lambda c: c.index)
    ins = physical_inputs(in_routes, assign, cfg)
    out_core, out_neuron = _outputs(net, part, assign)
    return MappedNetwork(cfg.name, tuple(cores), net.n_inputs, ins.ptr, ins.core, ins.axon, ins.delay,
                         out_core, out_neuron, {})


def _outputs(net: Network, part: Partition, assign: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cores, neurons = [], []
    for out in net.outputs:
        for k in part.slices_of(out.source):
            s = part.slices[k]
            cores += [int(assign[k])] * s.n_neurons
            neurons += list(range(s.n_neurons))
    return np.asarray(cores, np.int32), np.asarray(neurons, np.int32)


def layer_placement(part: Partition, assign: np.ndarray) -> dict[str, list[list[int]]]:
    """Where each population's neurons live: ``{layer: [[core, start, stop], ...]}``, neuron ``start + j`` of
    the layer being local neuron ``j`` of ``core`` (relay neurons, which belong to no layer, are left out).
    Probes and rasters address neurons by layer through it."""
    out: dict[str, list[list[int]]] = {}
    for k, s in enumerate(part.slices):
        if s.pop != SPLITTERS:
            out.setdefault(s.pop, []).append([int(assign[k]), int(s.start), int(s.stop)])
    return out


def _with_metadata(m: MappedNetwork, meta: dict) -> MappedNetwork:
    return MappedNetwork(m.chip_name, m.cores, m.n_inputs, m.in_ptr, m.in_core, m.in_axon, m.in_delay,
                         m.out_core, m.out_neuron, meta)


def latency_ticks(net: Network, part: Partition) -> int:
    """Ticks from an input spike to the outputs along the longest forward path, splitter delays included."""
    reach = {x.name: 0 for x in net.inputs}
    for pop in net.populations:
        cands = [reach[p.pre] + int(np.max(p.delay)) + part.extra_delay.get(p.pre, 0)
                 for p in net.projections_into(pop.name) if net.is_forward(p) and p.pre in reach]
        if cands:
            reach[pop.name] = max(cands)
    return max((reach.get(o.source, 0) for o in net.outputs), default=0)


def _summary(net, cfg, part, quant, err_terms, assign, mapped, costs, opts, system=None) -> MappingSummary:
    usage = core_usage(cfg, part, assign, mapped)
    return MappingSummary(
        chip=cfg.name, network=net.name, model=cfg.neuron.model,
        cores_used=len(part.slices), cores_available=cfg.num_cores,
        splitter_cores=sum(1 for s in part.slices if s.pop == SPLITTERS),
        splitter_neurons=sum(s.n_neurons for s in part.slices if s.pop == SPLITTERS),
        latency_ticks=latency_ticks(net, part), layers=layer_errors(net, part, quant, err_terms),
        cores=usage, tightest=tightest(usage), placer=opts.placer, seed=opts.seed,
        placement_cost=costs[opts.placer], naive_cost=costs["sequential"], greedy_cost=costs["greedy"],
        system=system,
    )


__all__ = ["MapOptions", "MappingSummary", "latency_ticks", "map_network"]
