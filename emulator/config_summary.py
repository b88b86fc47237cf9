"""Human summary of a chip config: what `neuromesh config check` prints."""

from __future__ import annotations

from chip_configs.schema import ChipConfig
from cores.models import model_of
from emulator.table import fmt_bits, fmt_int, render_kv


def summary_dict(cfg: ChipConfig) -> dict:
    """Per-core and per-chip totals as plain data."""
    mem = cfg.memory_bits_per_core()
    return {
        "name": cfg.name,
        "model": cfg.neuron.model,
        "mesh": f"{cfg.mesh.width} x {cfg.mesh.height} routers, {cfg.mesh.cores_per_router} core(s) per router",
        "cores": cfg.num_cores,
        "neurons_per_core": cfg.core.neurons_per_core,
        "axons_per_core": cfg.core.axons_per_core,
        "synapses_per_core": cfg.core.max_synapses_per_core,
        "neurons": cfg.total_neurons,
        "synapses": cfg.total_synapses,
        "memory_bits_per_core": mem,
        "memory_bits_per_chip": {k: v * cfg.num_cores for k, v in mem.items()},
        "packet_layout_bits": cfg.packet_layout(),
        "flits_per_packet": cfg.noc.flits_per_packet,
        "sync": cfg.sync.mode,
        **_system_dict(cfg),
    }


def _system_dict(cfg: ChipConfig) -> dict:
    """A system's chips, per-chip totals and off-chip links (empty for a single chip)."""
    s = cfg.system
    if s is None:
        return {}
    from noc.topology import MeshTopology

    topo = MeshTopology.from_config(cfg)
    link = s.off_chip
    return {"system": {
        "chip": s.chip,
        "chips": s.n_chips,
        "arrangement": f"{s.chips_x} x {s.chips_y}",
        "chip_mesh": f"{s.chip_width} x {s.chip_height} routers",
        "cores_per_chip": cfg.cores_per_chip,
        "neurons_per_chip": cfg.cores_per_chip * cfg.core.neurons_per_core,
        "synapses_per_chip": cfg.cores_per_chip * cfg.core.max_synapses_per_core,
        "off_chip_links": int(topo.link_off_chip.sum()),
        "off_chip_latency_cycles": link.latency(cfg.noc),
        "off_chip_cycles_per_flit": link.serialisation(),
        "off_chip_energy_pj_per_flit": link.energy_per_flit_pj(cfg.noc),
        "off_chip_buffer_flits": link.buffer_depth(cfg.noc),
        "off_chip_edges": link.edges,
        "chip_static_power_mw": s.chip_static_power_mw,
        "static_power_mw": cfg.energy.static_power_mw,
    }}


def summary_text(cfg: ChipConfig, source: str) -> str:
    s = summary_dict(cfg)
    mem_c, mem_chip = s["memory_bits_per_core"], s["memory_bits_per_chip"]
    n = cfg.neuron
    regs = ", ".join(f"{r.name} {r.bits}-bit {r.overflow}" for r in model_of(cfg).registers(cfg)
                     if r.present and r.overflow)
    weights = f"{cfg.core.weight_bits}-bit {'signed' if cfg.core.weight_signed else 'unsigned'}"
    sync = (f"barrier, {cfg.sync.barrier_latency_ns:g} ns" if cfg.sync.mode == "barrier"
            else f"fixed period {cfg.sync.tick_period_ns:g} ns")
    lay = ", ".join(f"{k.removesuffix('_bits')} {v}" for k, v in s["packet_layout_bits"].items())
    pairs = [
        ("chip", f"{cfg.name}: {cfg.description}" if cfg.description else cfg.name),
        ("neuron model", f"{n.model} ({regs})"),
        ("mesh", s["mesh"]),
        ("cores", fmt_int(s["cores"])),
        ("per core", f"{fmt_int(cfg.core.axons_per_core)} axons x {fmt_int(cfg.core.neurons_per_core)} neurons, "
                     f"<= {fmt_int(cfg.core.max_synapses_per_core)} synapses, weights {weights}"),
        ("neurons per chip", fmt_int(s["neurons"])),
        ("synapses per chip", fmt_int(s["synapses"])),
        ("memory per core", f"{fmt_bits(mem_c['total'])} = weights {fmt_int(mem_c['weights'])} + state "
                            f"{fmt_int(mem_c['state'])} + spike buffers {fmt_int(mem_c['spikes'])}"),
        ("memory per chip", fmt_bits(mem_chip["total"])),
        ("packet", f"{cfg.noc.packet_bits} bits ({lay}), {s['flits_per_packet']} flit(s) of "
                   f"{cfg.noc.flit_width_bits} bits"),
        ("noc", f"{cfg.noc.routing} routing, {cfg.noc.router_pipeline_cycles}+{cfg.noc.link_latency_cycles} "
                f"cycles per hop at {cfg.noc.clock_mhz:g} MHz, buffers {cfg.noc.buffer_depth_flits} flits x "
                f"{cfg.noc.virtual_channels} VC"),
        ("sync", sync),
    ]
    if "system" in s:
        pairs[5:7] = [("neurons", fmt_int(s["neurons"])), ("synapses", fmt_int(s["synapses"]))]
        pairs[8] = ("memory", fmt_bits(mem_chip["total"]))
        pairs += _system_pairs(s["system"], mem_chip["total"])
    return render_kv(pairs, title=f"{source}: OK")


def _system_pairs(s: dict, memory_bits: int) -> list[tuple[str, str]]:
    """The system lines of ``config check``: chips, per-chip totals, off-chip links."""
    n = s["chips"]
    return [
        ("system", f"{n} x {s['chip']} chips ({s['arrangement']}), {s['chip_mesh']} each"),
        ("per chip", f"{fmt_int(s['cores_per_chip'])} cores, {fmt_int(s['neurons_per_chip'])} neurons, "
                     f"{fmt_int(s['synapses_per_chip'])} synapses, {fmt_bits(memory_bits // n)}, "
                     f"static {s['chip_static_power_mw']:g} mW"),
        ("off-chip links", f"{fmt_int(s['off_chip_links'])} directed ({s['off_chip_edges']} edges): "
                           f"{s['off_chip_latency_cycles']} cycles, {s['off_chip_cycles_per_flit']} cycle(s) per "
                           f"flit, {s['off_chip_energy_pj_per_flit']:g} pJ per flit, buffers "
                           f"{s['off_chip_buffer_flits']} flits"),
        ("system static power", f"{s['static_power_mw']:g} mW"),
    ]
