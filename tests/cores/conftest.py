"""The compiled-path summary of tests/cores/test_compiled_paths.py in pytest's terminal summary."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Which compiled paths of the neuron rules ran, and which this CPU lacks (their cases are skipped)."""
    if not any("test_compiled_paths" in str(getattr(r, "nodeid", ""))
               for reports in terminalreporter.stats.values() for r in reports):
        return
    from tests.cores.test_compiled_paths import compiled_paths

    paths = compiled_paths()
    ran = [p for p, ok in paths.items() if ok]
    lacks = [p for p, ok in paths.items() if not ok]
    terminalreporter.section("compiled paths of the neuron rules")
    terminalreporter.write_line(f"ran ({len(ran)}): {', '.join(ran)}")
    terminalreporter.write_line(f"this CPU lacks ({len(lacks)}): {', '.join(lacks) or 'none'}")
