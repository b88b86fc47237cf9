"""Build script: compiles every Cython kernel under cores/ and noc/.

The extensions are required. If Cython or a C compiler is missing the build fails loudly; NeuroMesh never
falls back to slow Python kernels at run time.
"""

from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).parent
PACKAGES_WITH_KERNELS = ("cores", "noc", "emulator", "mapping")
# Plain C sources compiled into an extension beside its .pyx.
EXTRA_SOURCES = {"emulator._fused": ["emulator/_lif_batch.c", "emulator/_events.c", "emulator/_lif32.c"]}


def _extensions():
    exts = []
    for pkg in PACKAGES_WITH_KERNELS:
        for pyx in sorted((HERE / pkg).glob("*.pyx")):
            name = f"{pkg}.{pyx.stem}"
            exts.append(
                Extension(
                    name,
                    [str(pyx.relative_to(HERE)), *EXTRA_SOURCES.get(name, [])],
                    include_dirs=[np.get_include(), str(HERE / pkg)],
                    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                    extra_compile_args=["-O3"],
                )
            )
    return exts


setup(
    ext_modules=cythonize(
        _extensions(),
        language_level=3,
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    ),
)
