"""NeuroMesh emulator: chip configs, the programmed-chip format, the tick-by-tick chip simulation, reports."""

__version__ = "0.1.0"
