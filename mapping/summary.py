"""The mapping summary: cores used, utilisation per resource per core, quantisation error, placement cost."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from cores.models import model_of

RESOURCES = ("neurons", "axons", "synapses", "synapse_memory_bits", "output_edges", "fan_in", "fan_out")


@dataclass(frozen=True)
class MappingSummary:
    """What the mapper did, as plain data (``to_dict``) and as a table (``to_text``)."""

    chip: str
    network: str
    model: str
    cores_used: int
    cores_available: int
    splitter_cores: int
    splitter_neurons: int
    latency_ticks: int
    layers: list
    cores: list
    tightest: list
    placer: str
    seed: int
    placement_cost: float
    naive_cost: float
    greedy_cost: float | None
    system: dict | None = None  # a system of chips: mapping.system_checks.system_summary (left out on one chip)

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["system"] is None:
            del d["system"]
        return _jsonable(d)

    def to_text(self) -> str:
        """A human-readable table."""
        lines = [f"network {self.network!r} on chip {self.chip!r} ({self.model})",
                 f"cores used: {self.cores_used} of {self.cores_available}"
                 f" ({self.splitter_cores} splitter cores, {self.splitter_neurons} relay neurons)",
                 f"latency: {self.latency_ticks} ticks from an input spike to the outputs", "",
                 "layer            kind     neurons cores copies  w rel.RMS  clipped  zeroed  thr rel.err  notes"]
        for L in self.layers:
            lines.append(f"{L['name'][:16]:16} {L['kind']:8} {L['neurons']:7d} {L['cores']:5d} {_copies(L):>6}  "
                         f"{L.get('weight_rel_rms', 0):9.4f}  {L.get('frac_clipped', 0):7.4f} "
                         f"{L.get('frac_zeroed', 0):7.4f}  {L.get('threshold_rel_err', 0):11.2e}  "
                         f"{len(L.get('notes', []))}")
        lines += ["", "tightest resources (max utilisation over cores):"]
        for t in self.tightest:
            lines.append(f"  {t['resource']:20} {100 * t['utilisation']:6.1f} %  core {t['core']} "
                         f"(layer {t['layer']!r}: {t['value']} of {t['limit']})")
        ratio = self.placement_cost / self.naive_cost if self.naive_cost else 1.0
        greedy = "-" if self.greedy_cost is None else f"{self.greedy_cost:.1f}"
        lines += ["", f"placement ({self.placer}, seed {self.seed}): {self.placement_cost:.1f} packet-hops/tick; "
                  f"greedy {greedy}; naive (sequential) {self.naive_cost:.1f}; ratio to naive "
                  f"{ratio:.3f}"]
        lines += _system_lines(self.system)
        notes = [f"  {L['name']}: {n}" for L in self.layers for n in L.get("notes", [])]
        return "\n".join(lines + (["", "approximations:"] + notes if notes else []))


def _system_lines(s: dict | None) -> list[str]:
    """The system block as text: chips used, expected off-chip traffic, busiest off-chip link."""
    if not s:
        return []
    lim = s["chip_limits"]
    out = ["", f"system: {s['chips_used']} of {s['chips']} chips used (a chip holds {lim['cores']} cores, "
               f"{lim['neurons']} neurons, {lim['synapses']} synapses)",
           f"expected off-chip traffic: {s['off_chip_packets_per_tick']:.1f} of {s['packets_per_tick']:.1f} packets "
           f"per tick leave their chip ({100 * s['off_chip_share']:.1f} %); {s['off_chip_crossings_per_tick']:.1f} "
           f"off-chip link crossings, {s['off_chip_flits_per_tick']:.1f} flits per tick"]
    for row in s["per_chip"][:8]:
        out.append(f"  chip {row['chip']:4d}: {row['cores']:5d} cores {row['neurons']:9d} neurons "
                   f"{row['synapses']:11d} synapses")
    if len(s["per_chip"]) > 8:
        out.append(f"  ... {len(s['per_chip']) - 8} more chips")
    b = s.get("busiest_off_chip_link")
    if b:
        budget = (f" of a {b['tick_budget_cycles']:.0f}-cycle tick ({100 * b['utilisation']:.2f} %)"
                  if b["tick_budget_cycles"] else " (barrier: the tick stretches to drain it)")
        out.append(f"busiest off-chip link {tuple(b['from'])}->{tuple(b['to'])} (chips {b['chips'][0]}->"
                   f"{b['chips'][1]}): {b['flits_per_tick']:.1f} flits, {b['busy_cycles_per_tick']:.0f} busy "
                   f"cycles per tick{budget}")
    return out


def _copies(layer: dict) -> str:
    """Axons per source of a layer's cores (TrueNorth duplication): '4', '2-4', or '-' (no axon types)."""
    c = layer.get("axon_copies")
    if not c:
        return "-"
    return str(c[0]) if c[0] == c[1] else f"{c[0]}-{c[1]}"


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    return x


def _limits(cfg) -> dict:
    c = cfg.core
    mem = c.synapse_memory_bits
    return {"neurons": c.neurons_per_core, "axons": c.axons_per_core, "synapses": c.max_synapses_per_core,
            "synapse_memory_bits": mem, "output_edges": c.max_output_axons_per_core,
            "fan_in": c.max_fan_in, "fan_out": c.max_fan_out}


def _memory_bits(cfg, prog) -> int:
    """Synapse memory the program uses, by the model's rule (Loihi weights, TrueNorth crossbar points)."""
    return int(model_of(cfg).synapse_memory_bits(cfg, prog.n_axons, prog.n_neurons, prog.n_synapses))


def core_usage(cfg, part, assign, mapped) -> list[dict]:
    """Per used core: value, limit and utilisation of every resource."""
    by_index = {mc.index: mc for mc in mapped.cores}
    limits = _limits(cfg)
    rows = []
    for k, s in enumerate(part.slices):
        mc = by_index[int(assign[k])]
        prog = mc.program
        fan_in = np.bincount(np.asarray(prog.syn_neuron, np.int64), minlength=prog.n_neurons)
        fan_out = np.diff(mc.dest.ptr)
        vals = {"neurons": prog.n_neurons, "axons": prog.n_axons, "synapses": prog.n_synapses,
                "synapse_memory_bits": _memory_bits(cfg, prog), "output_edges": int(len(mc.dest)),
                "fan_in": int(fan_in.max()) if fan_in.size else 0, "fan_out": int(fan_out.max()) if fan_out.size else 0}
        util = {r: (vals[r] / limits[r] if limits[r] else 0.0) for r in RESOURCES}
        rows.append({"core": int(assign[k]), "layer": s.pop, "neurons_range": [s.start, s.stop],
                     "bound_by": s.binding, "values": vals, "utilisation": util})
    return rows


def tightest(usage: list[dict]) -> list[dict]:
    """For every resource, the core where it is used most; sorted by utilisation, highest first."""
    out = []
    for r in RESOURCES:
        if not usage:
            break
        row = max(usage, key=lambda u: u["utilisation"][r])
        lim = row["values"][r] / row["utilisation"][r] if row["utilisation"][r] else None
        out.append({"resource": r, "utilisation": row["utilisation"][r], "core": row["core"],
                    "layer": row["layer"], "value": row["values"][r], "limit": int(round(lim)) if lim else None})
    return sorted(out, key=lambda t: -t["utilisation"])


def layer_errors(net, part, quant: dict, err_terms: dict) -> list[dict]:
    """Per population: size, cores and quantisation error (TrueNorth weight errors from the per-core terms)."""
    out = []
    for p in net.populations:
        q = quant[p.name]
        err = dict(q.error)
        if p.name in err_terms:
            t = err_terms[p.name]
            err["weight_rel_rms"] = float(np.sqrt(t["err2"] / t["w2"])) if t["w2"] else 0.0
            err["frac_zeroed"] = t["zeroed"] / t["n"] if t["n"] else 0.0
            err.setdefault("frac_clipped", 0.0)
            err["n_synapses"] = t["n"]
            if "copies_min" in t:
                err["axon_copies"] = [int(t["copies_min"]), int(t["copies_max"])]
            if t.get("n_corr"):
                err["bias_correction_rms"] = float(np.sqrt(t["bias_corr2"] / t["n_corr"]))
        out.append({"name": p.name, "kind": p.neuron.kind, "neurons": p.size,
                    "cores": len(part.slices_of(p.name)), **err})
    return out


__all__ = ["MappingSummary", "RESOURCES", "core_usage", "layer_errors", "tightest"]
