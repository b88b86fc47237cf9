"""Build script: compiles every Cython kernel under cores/, noc/, emulator/ and mapping/.

The extensions are required. If Cython or a C compiler is missing the build fails loudly; NeuroMesh never
falls back to slow Python kernels at run time.

    python setup.py build_ext --inplace          # parallel (one job per CPU; -j N to choose)

The hand-written C sources and headers are dependencies of the extensions that include them, so an edit to
``cores/nm_rules.h`` (the neuron rules of every compiled path) rebuilds every kernel that runs them.
"""

import os
from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
PACKAGES_WITH_KERNELS = ("cores", "noc", "emulator", "mapping")
# Plain C sources compiled into an extension beside its .pyx.
EXTRA_SOURCES = {"emulator._fused": ["emulator/_lif_batch.c", "emulator/_events.c", "emulator/_lif32.c"]}
# Headers an extension's sources include (its .pyx through cores/_lif.pxd, or its C files).
RULES = ["cores/nm_rules.h", "cores/nm_lanes_x86.h", "cores/_lif.pxd"]
DEPENDS = {
    "cores._kernels": RULES,
    "emulator._fused": [*RULES, "emulator/_lif_batch.h", "emulator/_lif32.h", "emulator/_events.h"],
}
# -O3 where its loop optimisations pay: the kernels' hot loops (vectorised neuron updates, the fused loop, the
# NoC engines); anything else added later builds at -O2.
O3 = {"cores._kernels", "emulator._fused", "emulator._tick", "noc._noc_kernels", "noc._flow_kernels"}
# Belt and braces only: the rules do every wrapping operation in unsigned arithmetic (cores/nm_rules.h) and are
# correct without it (checked: built with -fno-wrapv -fsanitize=signed-integer-overflow,shift
# -fno-sanitize-recover=all, tests/cores/ and tests/emulator/test_loads_engine.py pass); CPython's own flags carry
# -fwrapv anyway, this keeps them so if they change.
SAFETY = ["-fwrapv"]


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
                    extra_compile_args=["-O3" if name in O3 else "-O2", *SAFETY],
                    depends=[*EXTRA_SOURCES.get(name, []), *DEPENDS.get(name, [])],
                )
            )
    return exts


class ParallelBuildExt(build_ext):
    """build_ext compiling the extensions in parallel (one job per CPU unless ``-j`` says otherwise)."""

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:
            self.parallel = os.cpu_count() or 1


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
