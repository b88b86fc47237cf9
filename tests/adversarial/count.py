"""``python -m tests.adversarial.count [--verbose]``: run every adversarial case once and print the tally."""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.adversarial.cases import build_cases, outcome


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cases = build_cases(Path(tmp))
        tally: Counter = Counter()
        for case in cases:
            res = outcome(case)
            tally[res.kind] += 1
            if verbose and res.kind != "refused":
                print(f"{res.kind:9s} {res.code} {case.name}: {res.message[:240]}")
        print(f"{len(cases)} cases in {time.perf_counter() - t0:.1f} s: " +
              ", ".join(f"{k} {tally[k]}" for k in ("refused", "unclear", "accepted", "internal", "traceback")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
