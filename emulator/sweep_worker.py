"""Imported by every Dask worker of a sweep as it starts (``LocalCluster(preload=...)``; on a cluster of your
own: ``dask worker tcp://HOST:8786 --preload emulator.sweep_worker``): the modules each point needs, so the
first point on a worker does not pay for the imports (about a second per worker process), and a worker that
cannot import NeuroMesh fails at start with the import error rather than on every task."""

from importlib import import_module

MODULES = ("emulator.chip", "emulator.fused", "emulator.sweep_exec", "mapping.evaluate", "mapping.mapper")

for _name in MODULES:
    import_module(_name)
