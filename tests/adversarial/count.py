"""``python -m tests.adversarial.count [--verbose]``: run every adversarial case once and print the tally."""

from __future__ import annotations

import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.adversarial.cases import build_cases, outcome

CASE_SECONDS = 60   # a case still running after this is a hang


def _timeout(signum, frame):
    raise TimeoutError(f"still running after {CASE_SECONDS} s")


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cases = build_cases(Path(tmp))
        tally: Counter = Counter()
        signal.signal(signal.SIGALRM, _timeout)
        for case in cases:
            signal.alarm(CASE_SECONDS)
            try:
                res = outcome(case)
            finally:
                signal.alarm(0)
            tally[res.kind] += 1
            if verbose and res.kind != "refused":
                print(f"{res.kind:9s} {res.code} {case.name}: {res.message[:240]}")
        print(f"{len(cases)} cases in {time.perf_counter() - t0:.1f} s: " +
              ", ".join(f"{k} {tally[k]}" for k in ("refused", "unclear", "accepted", "internal", "traceback", "hang")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
