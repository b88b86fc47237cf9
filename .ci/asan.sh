#!/usr/bin/env bash
# Build every compiled extension with AddressSanitizer in a scratch copy of the tree and run the kernel tests
# under it (heap overflows, use after free, double free). Not part of .ci/run (a few minutes, GCC only).
#
#   .ci/asan.sh [pytest args...]      # default: tests/cores tests/noc tests/emulator/test_loads_engine.py
#                                     #          tests/emulator/test_chip_run.py -k "not plot"
#
# Tests that draw plots are left out: importing matplotlib aborts under the preloaded ASan runtime (in
# matplotlib's own modules, with no ASan report; seen with gcc 12), which says nothing about our kernels.
#
# Needs gcc's libasan (LD_PRELOAD-ed so the uninstrumented python can load instrumented modules). Leak
# detection is off: CPython itself holds memory until exit; a failed allocation returns NULL (as without
# ASan) so the kernels' MemoryError paths run under it too. Exit status: pytest's (ASan aborts on an error).
#
# Recorded run (2026-12-03, AMD EPYC Zen 4, gcc 12, Python 3.11.7): 554 passed, 1 deselected (a plot test),
# no AddressSanitizer report; the NoC kernel's failed-allocation path (tests/noc/test_memory_safety.py) runs
# under it. Audit of the same date: cores/_kernels.pyx, emulator/_fused.pyx, emulator/_tick.pyx,
# noc/_flow_kernels.pyx and emulator/*.c allocate no C heap memory (every buffer is a NumPy array, whose
# failure is a MemoryError the CLI reports as "out of memory", exit 2); noc/_noc_kernels.pyx is the only
# calloc/free user (its _alloc raises MemoryError; its pointers are freed once, in __dealloc__).
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
git ls-files -z | xargs -0 cp --parents -t "$scratch"
cd "$scratch"
export CFLAGS="-fsanitize=address -fno-omit-frame-pointer -g" LDFLAGS="-fsanitize=address"
python setup.py build_ext --inplace -q >/dev/null
libasan=$(gcc -print-file-name=libasan.so)
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(tests/cores tests/noc tests/emulator/test_loads_engine.py
                                 tests/emulator/test_chip_run.py -k "not plot" --tb=short)
LD_PRELOAD="$libasan" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1 PYTHONPATH="$scratch" \
  python -m pytest -q -p no:cacheprovider -n 0 "${tests[@]}"
