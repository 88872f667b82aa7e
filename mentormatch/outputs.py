"""All or nothing: the files one run writes, staged beside their targets and moved in together.

Each output is first written to a temporary file in its own folder, named
``.<name>.mentormatch-<pid>-<random>.tmp``; :meth:`Outputs.commit` then moves every one into
place, or, if any cannot be, none (those already moved are put back). So a run that fails or is
interrupted (Ctrl-C, SIGTERM, SIGHUP: see interrupt.py) leaves the folder as it found it.

* A target that did not exist when the run claimed it, but exists at commit (another run, or a
  person, made it meanwhile), is never replaced: the commit stops with an OutputError. A target
  that existed (``--force``) and was changed meanwhile is not replaced either.
* No output may be a file the run reads (``inputs``), however it is named (hard links too), and
  no file the run reads is deleted.
* Spool files (openpyxl's write-only mode writes each sheet to a temporary file first) go to a
  private folder beside the output (:meth:`Outputs.spool`), not to the system temp folder, and are
  removed with it.
* Temporaries left by a run that was killed outright (``kill -9``, a power cut) carry the dead
  process's id: the next run that writes to the folder removes them (:func:`sweep`).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from mentormatch.errors import OutputError
from mentormatch.interrupt import deferred

TAG = "mentormatch"
_STALE_RE = re.compile(r"^\..*\." + TAG + r"-(\d+)-[A-Za-z0-9_]+\.tmp$")
_NAME_LIMIT = 120  # characters of the target's name kept in a temporary name


@dataclass(frozen=True)
class _Seen:
    """What was at a target path when it was claimed (None: nothing)."""

    identity: tuple[int, int, int, int] | None


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def temporary_prefix(path: Path) -> str:
    return f".{path.name[:_NAME_LIMIT]}.{TAG}-{os.getpid()}-"


def sweep(folder: Path) -> list[Path]:
    """Remove temporaries (files and spool folders) left in ``folder`` by runs that no longer
    exist; returns what was removed. A live process's temporaries are left alone."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _STALE_RE.match(entry.name)
        if match is None or _alive(int(match.group(1))):
            continue
        path = Path(entry.path)
        with suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name one file (hard links and symlinks included)."""
    with suppress(OSError):
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return False


class Outputs:
    """The files one run writes: staged, then committed all together or discarded.

    Use as a context manager: leaving the block normally commits, an exception discards.
    """

    def __init__(self, inputs: Sequence[Path] = ()) -> None:
        self.inputs = [Path(p) for p in inputs]
        self._claims: dict[Path, _Seen] = {}
        self._staged: dict[Path, Path] = {}  # target -> temporary file
        self._removals: list[Path] = []
        self._spools: list[Path] = []
        self.done = False

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()

    # --- staging -------------------------------------------------------------------------------

    def claim(self, path: Path) -> None:
        """Note what is at ``path`` now (call when the run starts): commit replaces only that."""
        path = Path(path)
        self._refuse_input(path)
        if path not in self._claims:
            self._claims[path] = _Seen(_identity(path))
            sweep(path.parent)

    @contextmanager
    def open(self, path: Path) -> Iterator[IO[bytes]]:
        """A temporary file in ``path``'s folder to write the output into (binary)."""
        path = Path(path)
        self.claim(path)
        try:
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=temporary_prefix(path), suffix=".tmp")
        except OSError as exc:
            raise OutputError(
                f"cannot create a file in {path.parent}: {exc.strerror or exc}",
                hint="check that the folder is writable",
            ) from exc
        tmp = Path(name)
        try:
            with os.fdopen(fd, "w+b") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, _new_file_mode(path))
        except BaseException as exc:
            with suppress(OSError):
                tmp.unlink()
            if isinstance(exc, OSError):
                raise OutputError(f"could not write {path}: {exc.strerror or exc}") from exc
            raise
        old = self._staged.pop(path, None)
        if old is not None:
            with suppress(OSError):
                old.unlink()
        self._staged[path] = tmp

    @contextmanager
    def spool(self, folder: Path) -> Iterator[Path]:
        """A private folder (in ``folder``) that ``tempfile`` uses while the block runs, for
        libraries that spool to the system temp folder (openpyxl's write-only mode)."""
        try:
            private = Path(tempfile.mkdtemp(dir=folder, prefix=f".spool.{TAG}-{os.getpid()}-", suffix=".tmp"))
        except OSError as exc:
            raise OutputError(
                f"cannot create a file in {folder}: {exc.strerror or exc}",
                hint="check that the folder is writable",
            ) from exc
        self._spools.append(private)
        saved = tempfile.tempdir
        tempfile.tempdir = str(private)
        try:
            yield private
        finally:
            tempfile.tempdir = saved
            shutil.rmtree(private, ignore_errors=True)
            with suppress(ValueError):
                self._spools.remove(private)

    def remove(self, path: Path) -> None:
        """Delete ``path`` when the outputs are committed (a stale draft), never an input."""
        self._refuse_input(Path(path))
        self._removals.append(Path(path))

    def _refuse_input(self, path: Path) -> None:
        for source in self.inputs:
            if same_file(path, source):
                raise OutputError(
                    f"{path} would overwrite the input {source}",
                    hint="choose a different name for the output file",
                )

    # --- commit or discard -----------------------------------------------------------------------

    def commit(self) -> None:
        """Move every staged file into place, or none; then delete what was marked for removal."""
        if self.done:
            return
        with deferred():  # a signal now would leave some outputs moved and some not
            try:
                self._commit()
            finally:
                self.discard()

    def _commit(self) -> None:
        for path in self._staged:
            self._refuse_input(path)
            seen = self._claims[path].identity
            now = _identity(path)
            if seen is None and now is not None:
                raise OutputError(
                    f"{path} appeared while mentormatch was running (another run, or a copy?);"
                    " it was left as it is and nothing was written",
                    hint="check which file you want, then run again (with --force to replace it)",
                )
            if seen is not None and now != seen:
                raise OutputError(
                    f"{path} changed while mentormatch was running; it was left as it is and"
                    " nothing was written",
                    hint="run again when nothing else is writing that file",
                )
        done: list[tuple[Path, Path | None]] = []  # target, backup of what it replaced
        try:
            for path, tmp in self._staged.items():
                done.append((path, self._move(path, tmp)))
        except BaseException:
            for path, backup in reversed(done):
                with suppress(OSError):
                    if backup is None:
                        path.unlink()
                    else:
                        os.replace(backup, path)
            raise
        for _path, backup in done:
            if backup is not None:
                with suppress(OSError):
                    backup.unlink()
        self._staged.clear()
        for path in self._removals:
            with suppress(FileNotFoundError):
                path.unlink()
        self.done = True

    def _move(self, path: Path, tmp: Path) -> Path | None:
        """Move ``tmp`` to ``path``; returns a hard link to the file it replaced (None if new)."""
        if self._claims[path].identity is None:
            try:
                os.link(tmp, path)  # fails if the path appeared at the last moment: never replaced
            except FileExistsError:
                raise OutputError(
                    f"{path} appeared while mentormatch was running; it was left as it is and"
                    " nothing was written",
                    hint="check which file you want, then run again",
                ) from None
            except OSError:  # a file system without hard links: the check above must do
                if path.exists() or path.is_symlink():
                    raise OutputError(f"{path} appeared while mentormatch was running") from None
                _replace(tmp, path)
                return None
            with suppress(OSError):
                tmp.unlink()
            return None
        backup: Path | None = path.parent / f"{temporary_prefix(path)}{secrets.token_hex(4)}.tmp"
        try:
            os.link(path, backup)  # type: ignore[arg-type]
        except OSError:
            backup = None
        try:
            _replace(tmp, path)
        except BaseException:
            if backup is not None:
                with suppress(OSError):
                    backup.unlink()
            raise
        return backup

    def discard(self) -> None:
        """Remove every temporary file and spool folder of this run (outputs already moved stay)."""
        for tmp in self._staged.values():
            with suppress(OSError):
                tmp.unlink()
        self._staged.clear()
        for folder in self._spools:
            shutil.rmtree(folder, ignore_errors=True)
        self._spools.clear()


def _replace(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except PermissionError as exc:
        raise OutputError(
            f"cannot replace {path}: {exc.strerror or exc}",
            hint="close the file if it is open in Excel, then run again",
        ) from exc
    except OSError as exc:
        raise OutputError(f"could not write {path}: {exc.strerror or exc}") from exc


def _new_file_mode(path: Path) -> int:
    """Keep the permissions of the file being replaced, else the usual ones for a new file."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
