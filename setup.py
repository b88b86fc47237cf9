"""Build script: compiles every Cython kernel under cores/, noc/, emulator/ and mapping/.

The extensions are required. If Cython or a C compiler is missing the build fails loudly; NeuroMesh never
falls back to slow Python kernels at run time.

    python setup.py build_ext --inplace          # parallel (one job per CPU; -j N to choose)

The hand-written C sources and headers are dependencies of the extensions that include them, so an edit to
``cores/nm_rules.h`` (the neuron rules of every compiled path) rebuilds every kernel that runs them.
"""

import hashlib
import os
import shutil
import sys
import sysconfig
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
PACKAGES_WITH_KERNELS = ("cores", "noc", "emulator", "mapping")
# Plain C sources compiled into an extension beside its .pyx.
EXTRA_SOURCES = {"emulator._fused": ["emulator/_lif_batch.c", "emulator/_events.c", "emulator/_lif32.c",
                                     "emulator/_tn_fused.c", "emulator/_close.c"]}
# Headers an extension's sources include (its .pyx through cores/_lif.pxd, or its C files).
RULES = ["cores/nm_rules.h", "cores/nm_lanes_x86.h", "cores/_lif.pxd"]
DEPENDS = {
    "cores._kernels": RULES,
    "emulator._fused": [*RULES, "emulator/_lif_batch.h", "emulator/_lif32.h", "emulator/_events.h",
                        "emulator/_tn_fused.h", "emulator/_close.h"],
    "emulator._tick": ["emulator/_events.h"],   # its event columns (cdef extern): part of the compile cache's key
}
# -O3 where its loop optimisations pay: the kernels' hot loops (vectorised neuron updates, the fused loop, the
# NoC engines); anything else added later builds at -O2. Measured 2026-12-03 (AMD EPYC Zen 4, 2 cores, three
# bench-A runs each): all five at -O2 compile in 32 s instead of ~40 s, and bench-A's kernels alone run at
# 6.2e8-7.8e8 syn events/s instead of 7.0e8-7.9e8 (the full model 3.4e8-4.0e8 either way): -O3 stays.
O3 = {"cores._kernels", "emulator._fused", "emulator._tick", "noc._noc_kernels", "noc._flow_kernels"}
# Belt and braces only: the rules do every wrapping operation in unsigned arithmetic (cores/nm_rules.h) and are
# correct without it (checked: built with -fno-wrapv -fsanitize=signed-integer-overflow,shift
# -fno-sanitize-recover=all, tests/cores/ and tests/emulator/test_loads_engine.py pass); CPython's own flags carry
# -fwrapv anyway, this keeps them so if they change.
SAFETY = ["-fwrapv"]
# No debug information: CPython's own CFLAGS carry -g, which makes every compile about a third slower (measured
# 2026-12-03, AMD EPYC Zen 4, the seven C files one after the other: 57.8 CPU s with -g, 43.4 s with -g0, both
# -O3) for symbols nobody installing from pip reads. `CFLAGS=-g pip install ...` does not bring them back (gcc
# takes the last -g); build with `python setup.py build_ext --inplace --debug` to debug a kernel.
NO_DEBUG_INFO = ["-g0"]


def _extensions():
    exts = []
    for pkg in PACKAGES_WITH_KERNELS:
        for pyx in sorted((HERE / pkg).glob("*.pyx")):
            name = f"{pkg}.{pyx.stem}"
            sources = [str(pyx.relative_to(HERE)), *EXTRA_SOURCES.get(name, [])]
            exts.append(
                Extension(
                    name,
                    sources,
                    include_dirs=[np.get_include(), str(HERE / pkg), str(HERE / "cores")],
                    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                    extra_compile_args=["-O3" if name in O3 else "-O2", *SAFETY, *NO_DEBUG_INFO],
                    depends=[*EXTRA_SOURCES.get(name, []), *DEPENDS.get(name, [])],
                )
            )
    return exts


# Compiled extensions are kept here, keyed by everything that goes into them, so that the README's second
# quick-start command (`pip install -e ".[test]"`) reuses what the first (`pip install .`) compiled: pip builds
# both from this source tree, each in a fresh temporary build directory, and would otherwise compile twice.
CACHE = HERE / "build" / "ext-cache"


def _cache_key(ext, compiler_args: list[str]) -> str:
    """sha256 of the extension's name, every source and header it is built from, its flags, numpy's headers,
    the interpreter and the compiler: equal keys can only come from equal builds."""
    h = hashlib.sha256()
    # numpy's include directory lives in pip's temporary build environment: its version stands for it
    includes = [d for d in ext.include_dirs if d != np.get_include()]
    for part in (ext.name, sys.version, sysconfig.get_config_var("EXT_SUFFIX") or "", np.__version__,
                 os.environ.get("CC", ""), os.environ.get("CFLAGS", ""), repr(ext.define_macros),
                 repr(includes), repr(compiler_args)):
        h.update(part.encode() + b"\0")
    # Cython's metadata comment names numpy's headers by their path in that temporary environment too
    numpy_dir = str(Path(np.__file__).parent).encode()
    for path in [*ext.sources, *ext.depends]:
        h.update(Path(path).read_bytes().replace(numpy_dir, b"<numpy>") + b"\0")
    return h.hexdigest()[:32]


class ParallelBuildExt(build_ext):
    """build_ext compiling in parallel (one job per CPU unless ``-j`` says otherwise), reusing an identical
    earlier build from :data:`CACHE` (``--force`` compiles anyway).

    Parallel per C file, not only per extension: ``emulator._fused`` alone is five C files (its Cython module,
    14 CPU s, and four hand-written ones), so setuptools' one-thread-per-extension leaves a core idle while it
    compiles them one after the other. Extensions start largest first and every C file of every extension
    competes for the same ``-j`` slots, so the build takes about its total CPU time divided by the cores,
    never more than the largest file."""

    def finalize_options(self):
        super().finalize_options()
        if self.parallel in (None, True):
            self.parallel = os.cpu_count() or 1

    def build_extensions(self):
        if self.debug:   # --debug: keep CPython's -g
            for ext in self.extensions:
                ext.extra_compile_args = [a for a in ext.extra_compile_args if a not in NO_DEBUG_INFO]
        # largest first (by the size of the C the extension compiles): the longest job must not start last
        self.extensions.sort(key=lambda ext: -sum(Path(src).stat().st_size for src in ext.sources))
        slots = threading.BoundedSemaphore(max(1, int(self.parallel)))
        compile_all = self.compiler.compile

        def compile_each_in_a_slot(sources, *args, **kwargs):
            def one(src):
                with slots:
                    print(f"compiling {src}", flush=True)
                    return compile_all([src], *args, **kwargs)

            with ThreadPoolExecutor(max_workers=len(sources) or 1) as pool:
                return [obj for objs in pool.map(one, sources) for obj in objs]

        self.compiler.compile = compile_each_in_a_slot
        super().build_extensions()

    def build_extension(self, ext):
        target = Path(self.get_ext_fullpath(ext.name))
        cached = CACHE / _cache_key(ext, ext.extra_compile_args) / target.name
        if cached.exists() and not self.force:
            target.parent.mkdir(parents=True, exist_ok=True)
            # a fresh modification time, not the cached file's: `build_ext --inplace` copies build/lib into the
            # source tree only when the build copy is newer, so an old time would leave a stale module in place
            shutil.copyfile(cached, target)
            shutil.copymode(cached, target)
            print(f"reusing {ext.name} compiled earlier ({cached.parent.name[:12]})", flush=True)
            return
        before = target.stat().st_mtime_ns if target.exists() else None
        super().build_extension(ext)
        if not target.exists() or target.stat().st_mtime_ns == before:
            # setuptools found the target newer than its sources and kept it: it may have other flags, so it is
            # not stored (`--force` rebuilds it)
            print(f"{ext.name} is up to date in {target.parent}", flush=True)
            return
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        shutil.copy2(target, tmp)
        os.replace(tmp, cached)   # whole or absent: a concurrent or interrupted build never leaves half a file


setup(
    cmdclass={"build_ext": ParallelBuildExt},
    ext_modules=cythonize(
        _extensions(),
        language_level=3,
        nthreads=os.cpu_count() or 1,
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    ),
)
