"""Reading ``.npz`` archives from users: every failure becomes one NeuroMesh error naming the file.

Every NeuroMesh input that is an array archive (programmed chips, saved networks, run inputs, validation
samples) goes through :func:`read_npz`, so a truncated download, an empty file, a ``.npy`` renamed ``.npz``, a
pickle, an object array or an archive that would not fit in memory is refused with the file, the key and what
was expected, never with NumPy's or zipfile's own exception (and never with a hint to ``allow_pickle``).

Sizes are checked before anything is decompressed: the archive's directory gives each member's uncompressed
size, and the sum must fit :func:`memory_limit_bytes`.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from chip_configs.errors import NeuroMeshError

QUOTE_CHARS = 80  # longest quoted value in an error message


def quote(value: Any, limit: int = QUOTE_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters (an error message must stay short whatever it quotes)."""
    text = repr(value) if not isinstance(value, (list, dict, tuple)) else _short_repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short_repr(value: Any) -> str:
    import reprlib

    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxdict, r.maxtuple, r.maxstring, r.maxother = 3, 6, 6, 6, 40, 40
    return r.repr(value)


_LIMIT: list[int | None] = [None]   # set by ``neuromesh --max-memory`` for one command


def set_memory_limit(limit: int | None) -> None:
    """Override :func:`memory_limit_bytes` (``--max-memory``); None goes back to the default."""
    _LIMIT[0] = limit


def memory_limit_bytes() -> int:
    """Memory one input or job may take: ``--max-memory``, else ``NEUROMESH_MAX_MEMORY`` (bytes), else the
    machine's available memory (``/proc/meminfo``), else 8 GiB."""
    if _LIMIT[0] is not None:
        return _LIMIT[0]
    env = os.environ.get("NEUROMESH_MAX_MEMORY")
    if env and env.isdigit():
        return int(env)
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 8 << 30


def _check_members(path: Path, what: str, error: type[NeuroMeshError]) -> None:
    """Refuse archives that are not zip files or whose members would not fit in memory, before reading."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        head = path.read_bytes()[:6] if path.stat().st_size else b""
        kind = ("an empty file" if not head else "a single .npy array renamed .npz" if head == b"\x93NUMPY"
                else "not a zip archive (truncated or another format)")
        raise error(f"{path}: cannot read {what}: {kind}; expected an .npz archive (numpy.savez)") from None
    total = sum(i.file_size for i in infos)
    limit = memory_limit_bytes()
    if total > limit:
        raise error(f"{path}: {what} would take {total:,} bytes once decompressed; the limit is {limit:,} bytes "
                    "(available memory; NEUROMESH_MAX_MEMORY to change it)")


def read_npz(path: str | Path, what: str, error: type[NeuroMeshError]) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path``, or ``error`` naming the file, ``what`` it should hold and why not.

    Parameters
    ----------
    path : path-like
        The archive.
    what : str
        What the file should be, for messages ("a programmed chip", "validation samples", ...).
    error : NeuroMeshError subclass
        The error raised (ProgramError, MappingError, SimulationError), so callers keep their family.
    """
    path = Path(path)
    if not path.exists():
        raise error(f"{path}: file not found ({what} expected)")
    if not path.is_file():
        raise error(f"{path}: not a regular file ({what} expected)")
    _check_members(path, what, error)
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except ValueError as exc:
        why = "it holds Python objects (pickled arrays), which NeuroMesh never loads" if "pickle" in str(exc) \
            else str(exc)
        raise error(f"{path}: cannot read {what}: {why}") from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError) as exc:
        raise error(f"{path}: cannot read {what}: damaged archive ({type(exc).__name__}: {quote(str(exc))})") \
            from None


def json_header(arrays: dict[str, np.ndarray], key: str, path: Any, what: str,
                error: type[NeuroMeshError]) -> dict:
    """The JSON object stored as the 0-d string array ``arrays[key]``, or ``error`` naming the file and key."""
    if key not in arrays:
        raise error(f"{path}: missing array {key!r}; not {what}")
    raw = arrays[key]
    if raw.dtype.kind != "U" or raw.ndim != 0:
        raise error(f"{path}: array {key!r} is {raw.dtype} of shape {raw.shape}; expected a JSON string ({what})")
    try:
        header = json.loads(str(raw))
    except (json.JSONDecodeError, RecursionError):
        raise error(f"{path}: array {key!r} is not valid JSON: {quote(str(raw))}") from None
    if not isinstance(header, dict):
        raise error(f"{path}: array {key!r} holds {type(header).__name__} {quote(header)}; expected a JSON object")
    return header


def require(header: dict, key: str, kind: type | tuple[type, ...], path: Any, where: str,
            error: type[NeuroMeshError]):
    """``header[key]`` if present and of ``kind``, else ``error`` naming the file, the key and the value."""
    if key not in header:
        raise error(f"{path}: {where} has no {key!r}; keys present: {quote(sorted(header))}")
    value, kinds = header[key], kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):   # JSON true is no int
        names = " or ".join(k.__name__ for k in kinds)
        raise error(f"{path}: {where}.{key} is {quote(value)}; expected {names}")
    return value


__all__ = ["QUOTE_CHARS", "json_header", "memory_limit_bytes", "quote", "read_npz", "require", "set_memory_limit"]
