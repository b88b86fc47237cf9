"""Output files: checked before the work, written to temporaries, committed together at the end.

Every file NeuroMesh writes goes through :func:`atomic_write_bytes`: a temporary file in the target's
directory, fsynced, then renamed over the target, so a crash leaves the old file or the new one, never half.

A command with several outputs (``run --report --plots --save-probes``, ``map --out --summary``, ...) opens an
:class:`OutputSet` and declares its outputs before any computation. The rules, checked at declaration (the
*preflight*), so a bad path costs nothing:

- **Regular files only.** An existing target must be a regular file (or, for a directory output such as
  ``--plots``, a directory). A directory, device (``/dev/full``, ``/dev/null``), FIFO or socket is refused
  and never replaced.
- **Symlinks are followed**: the link stays and the file it points to is replaced (the same rules apply to
  that file). A dangling link writes the file it names.
- **Parent directories** that do not exist are created when the first output is staged, after the work,
  and removed again if the command ends without committing into them (nothing is left by a refused or
  interrupted command); the nearest existing ancestor must be a directory the process may write.
- **File modes are kept**: an existing output keeps its permission bits; a new one gets ``0666 & ~umask``.
- **Two outputs may not be the same file.**

While the set is open, :func:`atomic_write_bytes` on a declared path only *stages* the data in a temporary
file; leaving the ``with`` block normally renames every temporary over its target, with SIGINT and SIGTERM
held back for the few renames, so an interrupt leaves either every output old or every output new. Any
exception (Ctrl-C, SIGTERM: see :func:`terminate_as_interrupt`) removes the temporaries. A SIGKILL cannot
be caught: its temporaries (``.NAME.*.tmp`` next to the target) stay behind.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import signal
import stat
import tempfile
from pathlib import Path
from typing import Any

from chip_configs.errors import NeuroMeshError

_ACTIVE: contextvars.ContextVar[OutputSet | None] = contextvars.ContextVar("neuromesh_outputs", default=None)
LAST: dict[str, list[str]] = {"written": [], "not_written": []}   # what the last OutputSet did (CLI messages)


class OutputError(NeuroMeshError):
    """An output path that cannot be written (wrong kind of file, no permission, a file in the way)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every cleanup path runs (exit status 143)."""


def terminate_as_interrupt():
    """Make SIGTERM raise :class:`Terminated` in the main thread; returns the previous handler (None elsewhere)."""
    def handler(signum, frame):
        raise Terminated()

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:   # not the main thread
        return None


def restore_sigterm(previous) -> None:
    """Put back the SIGTERM handler :func:`terminate_as_interrupt` replaced."""
    if previous is not None:
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGTERM, previous)


# ----- preflight -----------------------------------------------------------------------------------------------


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a special file"


def resolve_target(path: str | Path) -> Path:
    """The file an output at ``path`` writes: symlinks followed (a dangling link names the file to create)."""
    return Path(os.path.realpath(path))


def check_output(path: str | Path, option: str = "output", directory: bool = False) -> Path:
    """Preflight one output path (module docstring rules); returns the resolved target or raises OutputError."""
    target = resolve_target(path)
    shown = f"{option} {path}" + (f" (-> {target})" if str(target) != os.path.abspath(path) else "")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{shown}: cannot be checked ({exc.strerror})") from None
    want = "a directory" if directory else "a regular file"
    if st is not None and not (stat.S_ISDIR(st.st_mode) if directory else stat.S_ISREG(st.st_mode)):
        raise OutputError(f"{shown}: is {_kind(st.st_mode) if not stat.S_ISREG(st.st_mode) else 'a file'}; "
                          f"allowed: {want} (or a path that does not exist yet)")
    base = target if (directory and st is not None) else target.parent
    _check_ancestor(base, shown)
    return target


def _check_ancestor(base: Path, shown: str) -> None:
    """The nearest existing ancestor of ``base`` (``base`` included) must be a writable directory."""
    probe = base
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"{shown}: {probe} is not a directory, so the output cannot be created under it")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"{shown}: directory {probe} is not writable")


# ----- writing --------------------------------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    """Permission bits of the file being replaced, else what a plain open() would give (0666 & ~umask)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _write_temp(target: Path, data: bytes) -> Path:
    """``data`` in a fsynced temporary next to ``target`` with the mode ``target`` will have."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, _mode_for(target))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (staged instead when ``path`` belongs to an open OutputSet).

    Outside an OutputSet the same preflight applies: a path that is not a regular file is refused.
    """
    outputs = _ACTIVE.get()
    if outputs is not None and outputs.owns(path):
        return outputs.stage(path, data)
    target = check_output(path)
    tmp = _write_temp(target, data)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    """Deterministic JSON (sorted keys, fixed separators) written atomically."""
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


@contextlib.contextmanager
def _signals_held():
    """Hold SIGINT and SIGTERM until the block ends, then act on the first one that came (main thread only)."""
    pending: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    try:
        old = {s: signal.signal(s, lambda signum, frame: pending.append(signum)) for s in held}
    except ValueError:   # not the main thread: signals go to the main thread anyway
        yield
        return
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        if pending:
            _deliver(pending[0], old[pending[0]])


def _deliver(signum: int, handler) -> None:
    """Act on a held signal as its own handler would have."""
    if callable(handler):
        handler(signum, None)
    elif signum == signal.SIGINT and handler != signal.SIG_IGN:
        raise KeyboardInterrupt
    elif handler != signal.SIG_IGN:
        signal.raise_signal(signum)


class OutputSet:
    """The outputs of one command: declared (and preflighted) first, staged while working, committed together.

    Use as a context manager::

        with OutputSet() as outs:
            outs.add(args.report, "--report")
            outs.add(args.plots, "--plots", directory=True)
            ... compute; every atomic_write_* on those paths is staged ...
        # leaving normally: every staged file renamed over its target; on an exception: temporaries removed
    """

    def __init__(self) -> None:
        self.targets: dict[Path, str] = {}      # resolved target (file or directory) -> option
        self.dirs: set[Path] = set()
        self.staged: dict[Path, Path] = {}      # final file -> temporary
        self.written: list[str] = []
        self.created: list[Path] = []          # directories made for the temporaries (removed if nothing lands)
        self._token = None

    def add(self, path: str | Path | None, option: str, directory: bool = False) -> Path | None:
        """Declare an output (None is ignored); refuses a bad path now, before any work."""
        if path is None:
            return None
        target = check_output(path, option, directory)
        if target in self.targets:
            raise OutputError(f"{option} {path}: the same file as {self.targets[target]}; give each output "
                              "its own path")
        self.targets[target] = option
        if directory:
            self.dirs.add(target)
        return target

    def owns(self, path: str | Path) -> bool:
        target = resolve_target(path)
        return target in self.targets or target.parent in self.dirs

    def stage(self, path: str | Path, data: bytes) -> Path:
        """Write ``data`` to a temporary for ``path``; renamed at commit."""
        target = resolve_target(path)
        if target.parent in self.dirs:
            check_output(target, self.targets[target.parent])
        missing = [d for d in (target.parent, *target.parent.parents) if not d.exists()]
        self.created += [d for d in reversed(missing) if d not in self.created]
        old = self.staged.pop(target, None)
        if old is not None:
            old.unlink(missing_ok=True)
        self.staged[target] = _write_temp(target, data)
        return Path(path)

    def commit(self) -> list[str]:
        """Rename every temporary over its target, SIGINT / SIGTERM held back meanwhile; returns the targets.

        The signals are deferred by Python handlers, not by the thread's signal mask: another thread (tqdm's
        monitor, a BLAS pool) would take a blocked signal and the main thread would still raise mid-commit.
        """
        with _signals_held():
            for target, tmp in list(self.staged.items()):
                os.replace(tmp, target)
                del self.staged[target]
                self.written.append(str(target))
        return self.written

    def discard(self) -> None:
        """Remove every temporary not yet committed, and the directories made for them if left empty."""
        for tmp in self.staged.values():
            tmp.unlink(missing_ok=True)
        self.staged.clear()
        for d in reversed(self.created):
            with contextlib.suppress(OSError):   # not empty: an output was committed into it
                d.rmdir()

    def __enter__(self) -> OutputSet:
        self._token = _ACTIVE.set(self)
        LAST["written"], LAST["not_written"] = [], []
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        _ACTIVE.reset(self._token)
        try:
            if exc_type is None:
                self.commit()
        finally:
            self.discard()
            LAST["written"] = list(self.written)
            LAST["not_written"] = [f"{opt} {t}" for t, opt in self.targets.items()
                                   if str(t) not in self.written and not any(w.startswith(f"{t}/")
                                                                             for w in self.written)]


def forget_outputs() -> None:
    """Clear the record of the last OutputSet (a new command starts)."""
    LAST["written"], LAST["not_written"] = [], []


def interrupt_message() -> str:
    """What the last OutputSet left on disk, for the CLI's interrupt message."""
    done, missing = LAST["written"], LAST["not_written"]
    parts = []
    if done:
        parts.append(f"written: {', '.join(done)}")
    if missing:
        parts.append(f"not written (left as they were): {', '.join(missing)}")
    return "; ".join(parts) if parts else "no output was written"


__all__ = ["LAST", "OutputError", "OutputSet", "Terminated", "atomic_write_bytes", "atomic_write_json", "forget_outputs",
           "atomic_write_text", "check_output", "interrupt_message", "resolve_target", "restore_sigterm",
           "terminate_as_interrupt"]
