"""TrueNorth preset with the fully dense crossbar: every axon of a core feeds every neuron (256 x 256 per core,
268 M synapses on 4,096 cores), at a modest rate (20 Hz at the 1 ms tick unless ``--rate-hz``).

The same measurements as ``truenorth_power.py`` (build time by stage, peak RSS against the programmed bytes,
active and idle tick cost, chip power). The bit crossbar makes the programmed bytes independent of density:
this run holds the same arrays as the 128-synapse operating point, and each spike costs 256 synaptic events.

    python benchmarks/truenorth_dense.py [--ticks 100] [--rate-hz 20] [--out benchmarks/results/truenorth_dense.json]
"""

from __future__ import annotations

from truenorth_power import main

if __name__ == "__main__":
    raise SystemExit(main(default_out="truenorth_dense.json", default_synapses=256))
