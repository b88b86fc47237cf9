"""The text summary of a :class:`~emulator.report.Report`: what people read after ``neuromesh run``."""

from __future__ import annotations

from chip_configs.events import ENERGY_KEY, Event
from emulator.table import fmt_int, fmt_si, render_kv, render_table

# Notes on the estimated figures of the approximate NoC engines, by engine name.
ENGINE_NOTES = {
    "flow": "note: NoC timing from the approximate flow model (--engine flow); latency and its network phase are "
            "estimates, counts and energy are exact",
    "loads": "note: --engine loads: spikes, counts and energy are exact; each tick's network phase is estimated "
             "from its link loads (latency), packet latencies are estimated (drain-backlog model) and buffers are "
             "not modelled",
}


def _estimate_note(r) -> str:
    """The estimating network model's trust flags: its packet latencies, and (fixed sync) ticks that may have
    overrun the period unseen ('' for exact models)."""
    e = r.noc_estimate
    if e is None:
        return ""
    return _latency_note(e) + _near_period_note(e)


def _near_period_note(e) -> str:
    if not e.get("ticks_near_period"):
        return ""
    return (f"\nWARNING fixed period: in {e['ticks_near_period']} tick(s) the estimated work ended within "
            f"{100 * e['near_period_margin']:.0f} % below the period, the estimate's largest measured "
            "underestimate: an overrun may have been missed (run --engine fast to check; noc/README.md)")


def _latency_note(e) -> str:
    if e["trusted"]:
        return (f"\npacket latencies: {e['latency_model']}; busiest link offered up to "
                f"{e['busiest_link_utilisation_max']:.2f} of its capacity (measured up to {e['trusted_utilisation']:g})")
    return (f"\nWARNING packet latencies: {e['latency_model']} NOT TRUSTED: in {e['ticks_above_trusted']} tick(s) the "
            f"busiest link was offered {e['busiest_link_utilisation_max']:.2f} of its capacity, beyond the "
            f"{e['trusted_utilisation']:g} up to which the estimate was measured (noc/README.md)")


def _energy_rows(r) -> list[tuple]:
    """One row per operation: count x unit cost = energy (share); static is power x time."""
    m = r.mean
    total = m.energy_pj.total
    unit = r.unit_costs.energy
    rows = []
    for op, pj in sorted(m.energy_pj.by_op.items(), key=lambda kv: -kv[1]):
        if pj <= 0:
            continue
        if op == "static":
            how = f"{unit['static_power_mw']:g} mW x {fmt_si(m.latency_ns.total * 1e-9, 's')}"
        elif op == "off_chip_flits":
            how = f"{m.off_chip.flits_off_chip:,.1f} x {r.unit_costs.off_chip_flit_pj:g} pJ"
        elif m.off_chip is not None and op in ("hops_ew", "hops_ns"):  # a system: on-chip hops priced here
            how = f"{pj / unit[ENERGY_KEY[Event[op.upper()]]]:,.1f} on chip x {unit[ENERGY_KEY[Event[op.upper()]]]:g} pJ"
        else:
            how = f"{m.counts[op]:,.1f} x {unit[ENERGY_KEY[Event[op.upper()]]]:g} pJ"
        rows.append((op, how, fmt_si(pj * 1e-12, "J"), f"{100 * pj / total:5.1f} %" if total else "-"))
    return rows


def _head(r) -> str:
    m, lat, nl, mem, links = r.mean, r.mean.latency_ns, r.mean.noc_latency_cycles, r.memory_bits, r.noc_links
    return render_kv([
        ("chip / network", f"{r.chip} / {r.network}"),
        ("inferences", f"{r.inferences} x {int(m.ticks)} ticks ({r.sync} sync)"),
        ("energy per inference", fmt_si(m.energy_pj.total * 1e-12, "J") + f"  (average power {m.power_mw:.3f} mW)"),
        ("latency per inference", fmt_si(lat.total * 1e-9, "s") + "  = compute " + fmt_si(lat.compute * 1e-9, "s")
         + " + network " + fmt_si(lat.network * 1e-9, "s") + " + sync " + fmt_si(lat.sync * 1e-9, "s")),
        ("throughput", f"{r.inferences_per_second:.1f} inferences/s; EDP {r.energy_delay_product_js:.3e} J s"),
        ("spikes / syn. ops", f"{m.counts['spikes']:.1f} / {m.counts['syn_ops']:.1f} per inference "
                              f"(activation sparsity {r.activation_sparsity:.4f})"),
        ("packets", f"{m.counts['packets']:.1f} per inference, {m.avg_hops:.2f} hops on average"),
        ("NoC latency (cycles)", f"mean {nl.mean:.1f}, p50 {nl.p50:.0f}, p99 {nl.p99:.0f}, max {nl.max:.0f}; "
                                 f"busiest link {links.busiest_link} ({100 * links.utilisation_max:.1f} % utilised)"),
        ("cores", f"{r.cores_used} used of {r.cores_available}, {fmt_int(r.neurons_used)} neurons"),
        ("memory", f"{fmt_int(mem.total)} bits = weights {fmt_int(mem.weights)} + state {fmt_int(mem.state)} "
                   f"+ spike buffers {fmt_int(mem.spikes)}"),
    ], title="NeuroMesh run report (mean per inference)")


def _off_chip(r) -> str:
    """A system's on-chip / off-chip split of the network (empty for a single chip)."""
    o = r.mean.off_chip
    if o is None:
        return ""
    return "".join(f"\n{k:<22} {v}" for k, v in [
        ("off chip", f"{r.chip}: {int(o.chips)} chips; hops {o.hops_on_chip:,.1f} on chip + {o.hops_off_chip:,.1f} "
                     f"off chip, flits {o.flits_on_chip:,.1f} + {o.flits_off_chip:,.1f} per inference"),
        ("off-chip energy", f"{fmt_si(o.energy_off_chip_pj * 1e-12, 'J')} off chip vs "
                            f"{fmt_si(o.energy_on_chip_pj * 1e-12, 'J')} on-chip hops"),
        ("off-chip latency", f"{100 * o.network_off_chip_share:.1f} % of the network phase "
                             f"({fmt_si(o.network_off_chip_ns * 1e-9, 's')}; zero-load share, estimate)"),
    ])


def _timing(r) -> str:
    """No violations, or how many and the first one (tick, culprit, overrun)."""
    if not r.timing_violations:
        return "timing: no violations"
    v = r.timing_violations[0]
    by = f" by {v.overrun_ns:.1f} ns" if v.overrun_ns is not None else ""
    return (f"timing: {len(r.timing_violations)} VIOLATION(S); first: tick {v.tick}, {v.culprit} overran the "
            f"{v.period_ns:g} ns period{by}")


def render_text(r) -> str:
    """The summary of report ``r``: head, accuracy, engine note, energy table, timing."""
    head = _head(r)
    if r.accuracy is not None:
        head += f"\n{'accuracy (labels)':<22} {100 * r.accuracy:.1f} % on {r.inferences} inferences"
    if r.noc_engine in ENGINE_NOTES:
        head += "\n" + ENGINE_NOTES[r.noc_engine]
    if r.mean.duplicate_axon_spikes:
        head += (f"\nnote: {r.mean.duplicate_axon_spikes:,.1f} spikes per inference reached an axon already set for "
                 "their tick and were dropped (binary axons: they OR, as on the chip)")
    head += _estimate_note(r)
    head += _off_chip(r)
    energy = render_table(_energy_rows(r), header=("energy by operation", "count x unit cost", "per inference",
                                                   "share"))
    parts = [head, energy, _timing(r)]
    if r.readout is not None:   # outputs read as membranes (LI readouts): the values a user asks the run for
        parts.insert(1, r.readout.to_text())
    return "\n\n".join(parts)


__all__ = ["ENGINE_NOTES", "render_text"]
