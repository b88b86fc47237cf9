"""Point evaluators for the sweep tests, in a module of their own so that the Dask workers import only this
(and the emulator), not the test module with pytest."""

from emulator.sweep_exec import evaluate_point


def interrupt_at_5(point, inputs):
    """Point 5 raises KeyboardInterrupt, as Ctrl-C does to the in-process loop."""
    if point.index == 5:
        raise KeyboardInterrupt
    return evaluate_point(point, inputs)


def fail_at_3(point, inputs):
    """Point 3 raises: a failing point."""
    if point.index == 3:
        raise RuntimeError("boom at point 3")
    return evaluate_point(point, inputs)
