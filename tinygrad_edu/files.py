"""Writing files safely: a crash or an error never leaves a half-written file under the final name."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Yield a binary file to write; when the block succeeds, it replaces ``path`` in one step.

    The bytes go to a temporary file in the same directory (a rename is atomic only within one
    file system) and are forced to the disk with fsync; only then does ``os.replace`` put the file
    in place. If anything fails on the way (a full disk, Ctrl-C), the temporary file is removed
    and ``path`` keeps its old content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _permissions_for(path)
    tmp = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with tmp:
            yield tmp
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp.name, mode)
        os.replace(tmp.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp.name)
        raise
    _fsync_directory(path.parent)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Like ``atomic_write``, for writers that want a file name (e.g. matplotlib's ``savefig``)."""
    with atomic_write(path) as file:
        yield Path(file.name)


def write_bytes_atomically(path: str | os.PathLike, payload: bytes) -> None:
    with atomic_write(path) as file:
        file.write(payload)


def _permissions_for(path: Path) -> int:
    """The permission bits for the new file: those of the file it replaces, else the default (umask).

    Temporary files are created private (0o600); without this, every saved file would be too.
    """
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # the only way to read the umask is to set it, so put it straight back
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    """Force the rename itself to the disk (POSIX); a no-op where directories cannot be opened (Windows)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
