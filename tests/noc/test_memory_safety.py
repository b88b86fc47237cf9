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

    def vm_bytes():
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))

    eng = make_engine(load_config("tiny"), kind="fast")
    small = np.zeros(4, dtype=np.int32)
    eng.run(small, small + 1, np.zeros(4, dtype=np.int64))          # kernel built and used once
    limit = vm_bytes() + (64 << 20)                                   # 64 MB more than the process has now
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        eng._kernel._ensure_packets(50_000_000)                       # ~0.6 GB of packet arrays: cannot fit
    except MemoryError as exc:
        print("clean:", exc)
    eng.run(small, small + 1, np.zeros(4, dtype=np.int64))          # still usable after the failure
    print("reused")
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status (Linux)")
def test_failed_packet_allocation_is_a_memory_error_and_the_kernel_survives():
    proc = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "clean: NoC kernel: cannot allocate" in proc.stdout
    assert "reused" in proc.stdout


_STREAM_SCRIPT = textwrap.dedent(
    """
    import resource
    import numpy as np
    from chip_configs.schema import load_config
    from noc.engine import make_engine

    def vm_bytes():
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))

    eng = make_engine(load_config("tiny"), kind="fast")
    n = 10_000_000
    src, inject = np.zeros(n, np.int32), np.arange(n, dtype=np.int64)
    dst, later = src + 1, inject + 3
    st = eng.stream((0, 10))
    st.feed(src[:3], src[:3] + 1, inject[:3], until=3)               # a stream with state
    limit = vm_bytes() + (64 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        eng._kernel.stream_feed(src, dst, later, n + 3)               # ~0.6 GB of live packets: cannot fit
    except MemoryError as exc:
        print("clean:", exc)
    st.feed(src[:2], src[:2] + 1, inject[3:5], until=40)             # the stream goes on
    totals = st.close()
    print("delivered", totals.delivered)
    print("reused", eng.run(src[:4], src[:4] + 1, inject[:4]).n_delivered)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status (Linux)")
def test_failed_stream_growth_is_a_memory_error_and_the_stream_survives():
    proc = subprocess.run([sys.executable, "-c", _STREAM_SCRIPT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "clean: NoC kernel: cannot allocate" in proc.stdout
    assert "delivered 5" in proc.stdout and "reused 4" in proc.stdout
