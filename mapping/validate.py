"""Pre-deployment validation: one small check per resource, then a go / no-go verdict with reasons.

Checks, in :data:`CHECKS` order; each returns a :class:`Check` whose messages name the layer or core, the
quantity, the value and the limit:

- ``capacity``: every per-core resource within its limit (the mapper refuses otherwise), the tightest ones
  named with their utilisation; warns above ``warn_utilisation``.
- ``precision``: quantisation error per layer (relative RMS weight error, fractions clipped / zeroed,
  threshold error); warns over ``max_weight_rel_rms`` (precision alone never blocks: agreement decides).
- ``functional``: the float reference (framework timing, ``same_step``, over the input's T ticks) against
  the emulated chip (T + latency ticks, inputs zero-padded): agreement of predicted classes and of output
  spike counts, accuracy of both with labels; no-go under ``min_class_agreement``.
- ``timing``: worst-case packets per tick on each link (on a system of chips also the busiest off-chip link's
  flits x serialisation cycles against the tick), estimated from the chip's routes (its ``noc.routing``,
  XY or YX, through :func:`noc.routing.link_loads`) with every neuron of the network firing at its peak rate
  in the reference run, and busy time per core (all its synapses
  active, every neuron updated and spiking) against the tick budget of a fixed-period chip; plus the
  overruns the emulation itself reported. No-go on an emulated overrun; a worst-case estimate over the
  budget is a warning naming the hot spot.
- ``energy``: energy and latency per inference from the emulation report (information only).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from mapping.partition import SPLITTERS
from mapping.reference import predicted_classes, run_reference
from noc.routing import links
from noc.topology import MeshTopology

STATUSES = ("ok", "warn", "fail", "skipped")


@dataclass(frozen=True)
class Limits:
    """Thresholds of the verdict."""

    min_class_agreement: float = 0.95
    max_weight_rel_rms: float = 0.10
    warn_utilisation: float = 0.90


@dataclass(frozen=True)
class Check:
    """Outcome of one check: status, human messages, and the numbers behind them."""

    name: str
    status: str
    messages: list = field(default_factory=list)
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """All checks and the overall go / no-go."""

    go: bool
    checks: list
    reasons: list

    def to_dict(self) -> dict:
        from mapping.summary import _jsonable

        return _jsonable({"verdict": "go" if self.go else "no-go", "reasons": self.reasons,
                          "checks": [asdict(c) for c in self.checks]})

    def to_text(self) -> str:
        lines = [f"verdict: {'GO' if self.go else 'NO-GO'}"] + [f"  - {r}" for r in self.reasons]
        for c in self.checks:
            lines.append(f"[{c.status:7}] {c.name}")
            lines += [f"            {m}" for m in c.messages]
        return "\n".join(lines)


# ----- checks --------------------------------------------------------------------------------------------------


def check_capacity(summary: dict, limits: Limits) -> Check:
    """Tightest resources with their utilisation; warn when one is above ``warn_utilisation``.

    Resources full by design do not warn: fan-out (TrueNorth's one target axon), the neurons of splitter
    cores (relays are packed), and the axons of layers whose sources are duplicated (the copies are sized
    to the axon budget).
    """
    msgs = [f"cores: {summary['cores_used']} of {summary['cores_available']} used "
            f"({100 * summary['cores_used'] / summary['cores_available']:.1f} %)"]
    status = "ok"
    copies = {L["name"]: (L.get("axon_copies") or [1, 1])[1] for L in summary.get("layers", [])}
    for t in summary["tightest"][:4]:
        why = _full_by_design(t, copies)
        msgs.append(f"{t['resource']}: {100 * t['utilisation']:.1f} % on core {t['core']} (layer {t['layer']!r}: "
                    f"{t['value']} of {t['limit']})" + (f" [{why}]" if why else ""))
        if t["utilisation"] > limits.warn_utilisation and not why:
            status = "warn"
    return Check("capacity", status, msgs, {"tightest": summary["tightest"]})


def _full_by_design(t: dict, copies: dict) -> str:
    if t["resource"] == "fan_out":
        return "one target per neuron: splitters"
    if t["resource"] == "neurons" and t["layer"] == SPLITTERS:
        return "relay neurons packed"
    if t["resource"] == "axons" and copies.get(t["layer"], 1) > 1:
        return f"up to {copies[t['layer']]} axon copies per source fill the axons"
    return ""


def check_precision(summary: dict, limits: Limits) -> Check:
    """Per-layer quantisation error; warn over ``max_weight_rel_rms``."""
    msgs, status = [], "ok"
    for L in summary["layers"]:
        rms = L.get("weight_rel_rms", 0.0)
        msgs.append(f"layer {L['name']!r}: weight rel. RMS error {rms:.4f} (limit {limits.max_weight_rel_rms}), "
                    f"clipped {L.get('frac_clipped', 0):.4f}, zeroed {L.get('frac_zeroed', 0):.4f}, "
                    f"threshold rel. error {L.get('threshold_rel_err', 0):.2e}")
        msgs += [f"layer {L['name']!r}: {n if n.startswith(('approximation:', 'exact:')) else 'approximation: ' + n}"
                 for n in L.get("notes", [])]
        if rms > limits.max_weight_rel_rms:
            status = "warn"
    return Check("precision", status, msgs, {"layers": summary["layers"]})


def functional_numbers(ref_counts, chip_counts, labels=None, framework_counts=None) -> dict:
    """Agreement of predicted classes and counts (chip vs float reading); accuracies when ``labels`` are given;
    with ``framework_counts`` (the framework's own output counts) the chip's and the float reading's agreement
    with the framework too."""
    pr, pc = predicted_classes(ref_counts), predicted_classes(chip_counts)
    out = {"samples": int(pr.size), "outputs": int(np.shape(ref_counts)[1]),
           "class_agreement": float(np.mean(pr == pc)),
           "count_exact_agreement": float(np.mean(np.all(ref_counts == chip_counts, axis=1))),
           "count_mean_abs_diff": float(np.mean(np.abs(ref_counts - chip_counts)))}
    if labels is not None:
        labels = np.asarray(labels)
        out["accuracy_float"] = float(np.mean(pr == labels))
        out["accuracy_chip"] = float(np.mean(pc == labels))
    if framework_counts is not None:
        fw = np.asarray(framework_counts)
        pf = predicted_classes(fw)
        out.update({"framework_class_agreement_chip": float(np.mean(pc == pf)),
                    "framework_count_exact_chip": float(np.mean(np.all(chip_counts == fw, axis=1))),
                    "framework_class_agreement_float": float(np.mean(pr == pf)),
                    "framework_count_exact_float": float(np.mean(np.all(ref_counts == fw, axis=1)))})
        if labels is not None:
            out["accuracy_framework"] = float(np.mean(pf == labels))
    return out


def check_functional(numbers: dict | None, limits: Limits) -> Check:
    """No-go when the chip's predicted classes agree too rarely with the framework's own outputs (when the samples
    carry ``reference_counts``) or else with the float reading; no-go when the float reading itself disagrees
    with the framework (the file was read with the wrong conventions); no-go too when an accuracy is near
    chance (:func:`_near_chance`): agreement between two readings of a useless network proves nothing."""
    if numbers is None:
        return Check("functional", "skipped", ["no samples given (--samples FILE.npz)"])
    pct, n = (lambda x: f"{100 * x:.1f} %"), numbers["samples"]
    limit = f"(limit {100 * limits.min_class_agreement:.0f} %)"
    chip_float = (f"chip vs NeuroMesh's float reading: classes agree on {pct(numbers['class_agreement'])}, "
                  f"counts identical on {pct(numbers['count_exact_agreement'])}; mean |diff| "
                  f"{numbers['count_mean_abs_diff']:.3f} spikes per output")
    fails = []
    if "framework_class_agreement_chip" in numbers:
        chip_fw, float_fw = numbers["framework_class_agreement_chip"], numbers["framework_class_agreement_float"]
        msgs = [f"predicted classes agree with the framework's own outputs (reference_counts or reference_readout) on {pct(chip_fw)} "
                f"of {n} samples {limit}; counts identical on {pct(numbers['framework_count_exact_chip'])}",
                f"the float reading of the file agrees with the framework on {pct(float_fw)} (counts identical on "
                f"{pct(numbers['framework_count_exact_float'])})", chip_float]
        if float_fw < limits.min_class_agreement:
            fails.append(f"the network is read differently from how the framework ran it: the float reading agrees "
                         f"with reference_counts on {pct(float_fw)} only {limit}; check --framework, --reset, "
                         "--spikes and --dt")
        if chip_fw < limits.min_class_agreement:
            fails.append(f"the chip agrees with the framework's classes on {pct(chip_fw)} of {n} samples {limit}")
    else:
        msgs = [f"predicted classes agree on {pct(numbers['class_agreement'])} of {n} samples {limit}; compared "
                "with NeuroMesh's own float reading of the file only (add the framework's output counts as "
                "'reference_counts' [samples, outputs] to the samples to check against the framework)", chip_float]
        if numbers["class_agreement"] < limits.min_class_agreement:
            fails.append(msgs[0])
    msgs += _accuracy_messages(numbers)
    msgs += _timing_messages(numbers)
    near = _near_chance(numbers)
    status = "fail" if fails or near else "ok"
    head = [f for f in fails if f not in msgs]  # without reference_counts the failure is already msgs[0]
    return Check("functional", status, head + near + msgs, numbers)


def _accuracy_messages(numbers: dict) -> list[str]:
    if "accuracy_float" not in numbers:
        return []
    fw = f", framework {100 * numbers['accuracy_framework']:.1f} %" if "accuracy_framework" in numbers else ""
    return [f"accuracy: float {100 * numbers['accuracy_float']:.1f} %, chip {100 * numbers['accuracy_chip']:.1f} %{fw}"]


def _timing_messages(numbers: dict) -> list[str]:
    if "agreement_per_layer_delay" not in numbers:
        return []
    return [f"agreement with the chip-timed float reference (per_layer_delay): "
            f"{100 * numbers['agreement_per_layer_delay']:.1f} % (quantisation only)"]


def _near_chance(numbers: dict) -> list[str]:
    """A no-go reason per accuracy near chance: under ``chance + min(chance, (1 - chance) / 4)`` (twice chance for
    10 outputs and more; 62.5 % for 2), chance = 1 / outputs. Agreement with a useless network proves little."""
    chance = 1.0 / max(numbers.get("outputs", 1), 1)
    near = chance + min(chance, (1.0 - chance) / 4)
    out = []
    for key, what in (("accuracy_chip", "chip"), ("accuracy_float", "float reading")):
        if key in numbers and numbers[key] < near:
            out.append(f"{what} accuracy {100 * numbers[key]:.1f} % is near chance ({100 * chance:.0f} % for "
                       f"{numbers['outputs']} outputs): the network may be read wrongly or untrained")
    return out


def link_load(cfg, mapped, neuron_rates: dict | None = None) -> dict:
    """Packets per tick on every directed mesh link used, under the chip's routing (``cfg.noc.routing``):
    ``{((x, y), (x', y')): packets}``; ``neuron_rates[core]`` spikes per tick (default 1 per neuron)."""
    topo = MeshTopology.from_config(cfg)
    loads, used = _link_packets(cfg, mapped, neuron_rates)
    return {(topo.coords(int(topo.link_src[k])), topo.coords(int(topo.link_dst[k]))): float(loads[k])
            for k in used.tolist()}


def _link_packets(cfg, mapped, neuron_rates: dict | None) -> tuple[np.ndarray, np.ndarray]:
    """Packets per tick on every link (float [n_links]) and the ids of the links used."""
    topo = MeshTopology.from_config(cfg)
    src, dst, rate = [], [], []
    for mc in mapped.cores:
        rates = np.ones(mc.program.n_neurons) if neuron_rates is None else neuron_rates.get(mc.index)
        if rates is None:
            continue
        owner = np.repeat(np.arange(mc.program.n_neurons), np.diff(mc.dest.ptr))
        cores, inv = np.unique(mc.dest.core, return_inverse=True)
        for k, d in enumerate(cores.tolist()):
            src.append(mc.index)
            dst.append(d)
            rate.append(float(np.sum(rates[np.unique(owner[inv == k])])))  # one packet per (neuron, core)
    if not src:
        return np.zeros(topo.n_links), np.zeros(0, np.int64)
    pkt, link = links(topo, cfg.noc.routing, topo.router_of_core(np.asarray(src, np.int64)),
                      topo.router_of_core(np.asarray(dst, np.int64)))
    return np.bincount(link, weights=np.asarray(rate)[pkt], minlength=topo.n_links), np.unique(link)


def off_chip_message(cfg, loads: np.ndarray, budget_ns: float | None) -> tuple[str, bool]:
    """The busiest off-chip link of a system at peak rates (flits x serialisation cycles per flit, against a
    fixed tick) and whether it is over the tick; ('', False) on one chip."""
    if cfg.system is None:
        return "", False
    topo = MeshTopology.from_config(cfg)
    off = np.flatnonzero(topo.link_off_chip)
    if off.size == 0 or not np.any(loads[off]):
        return "no packet crosses a chip edge", False
    k = int(off[np.argmax(loads[off])])
    ser = cfg.system.off_chip.serialisation()
    flits = float(loads[k]) * cfg.noc.flits_per_packet
    budget = budget_ns / cfg.noc.cycle_ns if budget_ns else None
    over = budget is not None and flits * ser > budget
    tail = f" of a {budget:.0f}-cycle tick" if budget else " (barrier sync: the tick stretches to drain it)"
    return (f"busiest off-chip link {topo.coords(int(topo.link_src[k]))}->{topo.coords(int(topo.link_dst[k]))}: "
            f"{flits:.1f} flits x {ser} cycles = {flits * ser:.0f} busy cycles per tick at peak rates{tail}; "
            f"{float(loads[off].sum()) * cfg.noc.flits_per_packet:.1f} off-chip flits per tick in all"), over


def core_busy_ns(cfg, mapped) -> dict[int, float]:
    """Worst-case busy time per core and tick by the emulator's busy rule (:mod:`emulator.timing`): every
    synapse active, every neuron updated (active) and sending one packet."""
    from emulator.energy import EVENT_NAMES
    from emulator.timing import TickTiming

    counts = np.zeros((len(mapped.cores), len(EVENT_NAMES)), np.int64)
    for k, mc in enumerate(mapped.cores):
        counts[k, EVENT_NAMES.index("syn_ops")] = mc.program.n_synapses
        counts[k, EVENT_NAMES.index("neuron_updates_active")] = mc.program.n_neurons
        counts[k, EVENT_NAMES.index("packets")] = mc.program.n_neurons
    busy = TickTiming.from_config(cfg).busy_ns(counts)
    return {mc.index: float(b) for mc, b in zip(mapped.cores, busy, strict=True)}


def check_timing(cfg, mapped, report: dict | None, neuron_rates: dict | None) -> Check:
    """Link loads and core busy time against the tick budget; emulated overruns are a no-go."""
    msgs, status = [], "ok"
    load = link_load(cfg, mapped, neuron_rates)
    budget = cfg.sync.tick_period_ns if cfg.sync.mode == "fixed" else None
    off_msg, off_over = off_chip_message(cfg, _link_packets(cfg, mapped, neuron_rates)[0], budget)
    if off_msg:
        msgs.append(off_msg)
        status = "warn" if off_over else status
    per_link = budget / (cfg.noc.cycle_ns * cfg.noc.flits_per_packet) if budget else None
    if load:
        link, worst = max(load.items(), key=lambda kv: kv[1])
        cap = f" of {per_link:.0f} a link can carry in one tick" if per_link else ""
        msgs.append(f"busiest link {link[0]}->{link[1]}: {worst:.1f} packets per tick at peak rates{cap}")
        if per_link and worst > per_link:
            status = "warn"
    else:
        msgs.append("no packet leaves a router: all traffic stays within tiles")
    busy = core_busy_ns(cfg, mapped)
    core, worst_ns = max(busy.items(), key=lambda kv: kv[1])
    msgs.append(f"worst-case busy time: core {core} {worst_ns:.0f} ns per tick"
                + (f" of a {budget:.0f} ns tick ({100 * worst_ns / budget:.2f} %)" if budget else " (barrier sync)"))
    if budget and worst_ns > budget:
        status = "warn"
    violations = (report or {}).get("timing_violations") or []
    if violations:
        status = "fail"
        msgs.append(f"the emulation reported {len(violations)} timing violation(s); first: {violations[0]}")
    return Check("timing", status, msgs, {"link_packets_per_tick_max": max(load.values(), default=0.0),
                                          "link_capacity_per_tick": per_link, "core_busy_ns_max": worst_ns,
                                          "tick_budget_ns": budget, "violations": len(violations)})


def check_energy(report: dict | None) -> Check:
    """Energy and latency per inference from the emulation report."""
    if not report:
        return Check("energy", "skipped", ["no emulation run (no samples)"])
    mean = report["mean"]
    e_uj = mean["energy_pj"]["total"] * 1e-6
    lat_us = mean["latency_ns"]["total"] * 1e-3
    top = sorted(mean["energy_pj"]["by_op"].items(), key=lambda kv: -kv[1])[:3]
    msgs = [f"energy per inference {e_uj:.3f} uJ (top: " + ", ".join(f"{k} {v * 1e-6:.3f} uJ" for k, v in top) + ")",
            f"latency per inference {lat_us:.2f} us over {mean['ticks']:.0f} ticks; "
            f"{report.get('inferences_per_second', 0):.0f} inferences/s"]
    return Check("energy", "ok", msgs, {"energy_uj": e_uj, "latency_us": lat_us, "ticks": mean["ticks"],
                                        "by_op_pj": mean["energy_pj"]["by_op"],
                                        "inferences_per_second": report.get("inferences_per_second")})


def verdict(checks: list[Check]) -> Verdict:
    """Go unless a check failed; the reasons list every failure and warning."""
    reasons = [f"{c.name}: {c.messages[0] if c.messages else c.status}" for c in checks if c.status == "fail"]
    reasons += [f"{c.name} (warning): " + "; ".join(c.messages[:2]) for c in checks if c.status == "warn"]
    return Verdict(not any(c.status == "fail" for c in checks), checks, reasons)


def capacity_failure(exc: Exception) -> Verdict:
    """The verdict when mapping itself is refused (the network does not fit); a CapacityError's numbers
    (resource, need, limit, layer, chip) go into the check's data."""
    from chip_configs.errors import CapacityError

    keys = ("resource", "need", "limit", "layer", "chip")
    data = {k: getattr(exc, k) for k in keys} if isinstance(exc, CapacityError) else {}
    return Verdict(False, [Check("capacity", "fail", [str(exc)], data)], [f"capacity: {exc}"])


CHECKS = ("capacity", "precision", "functional", "timing", "energy")

__all__ = ["CHECKS", "Check", "Limits", "Verdict", "capacity_failure", "check_capacity", "check_energy",
           "check_functional", "check_precision", "check_timing", "functional_numbers", "link_load",
           "run_reference", "verdict"]
