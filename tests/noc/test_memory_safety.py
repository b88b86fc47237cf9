"""Allocation failures in the compiled NoC kernel end in a MemoryError, never in a crash.

Each case runs in a subprocess with a low address-space limit (RLIMIT_AS), so the kernel's packet arrays
cannot be allocated; before the fix the second free of a half-regrown kernel aborted the process
("double free or corruption", SIGABRT).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

resource = pytest.importorskip("resource")

_SCRIPT = textwrap.dedent(
    """
    import resource
    import numpy as np
    from chip_configs.schema import load_config
    from noc.engine import make_engine

    eng = make_engine(load_config("tiny"), kind="fast")
    small = np.zeros(4, dtype=np.int32)
    eng.run(small, small + 1, np.zeros(4, dtype=np.int64))          # kernel built and used once
    n = {n}
    src = np.zeros(n, dtype=np.int32)
    inject = np.zeros(n, dtype=np.int64)
    limit = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 + {headroom}
    resource.setrlimit(resource.RLIMIT_AS, (limit * 4, limit * 4))
    try:
        eng.run(src, src + 1, inject)
    except MemoryError as exc:
        print("clean:", exc)
    eng.run(small, small + 1, np.zeros(4, dtype=np.int64))          # still usable after the failure
    print("reused")
    """
)


def test_failed_packet_allocation_is_a_memory_error_and_the_kernel_survives():
    # 40 M packets: the input arrays (~480 MB) fit under the limit, the kernel's per-packet state does not.
    code = _SCRIPT.format(n=40_000_000, headroom=600 << 20)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "clean: NoC kernel: cannot allocate" in proc.stdout
    assert "reused" in proc.stdout
