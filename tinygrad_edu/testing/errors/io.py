"""Bad input for the library's io surface, and the error each must get (see ``errors``).

The subjects are the readers and writers: every function ``tinygrad_edu.io`` exports
(``io.save``...), plus ``datasets.read_idx``, the reader of the datasets' IDX files. Every row
works on files, so it runs on the CPU only, in the empty ``folder`` it is given.
"""

from __future__ import annotations

import gzip
import inspect
import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ... import io as tg_io
from ... import nn, optim
from ...data.datasets import read_idx
from . import ErrorInput

_TENSOR = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


def _row(subject: str, what: str, call: Callable[[Path], Any], error: type[BaseException], match: str) -> ErrorInput:
    """A row for ``io.<subject>`` (``datasets.read_idx`` for the IDX reader), on the CPU: it works on files."""
    name = "datasets.read_idx" if subject == "read_idx" else f"io.{subject}"
    return ErrorInput(name, what, lambda device, folder: call(folder), error, match, devices=("cpu",))


def _safetensors(folder: Path, header: Any, data: bytes = b"", length: int | None = None) -> Path:
    """A safetensors file with ``header`` (a JSON value, or raw bytes) and ``data``, written by hand."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    path = folder / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", len(text) if length is None else length) + text + data)
    return path


def _load(header: Any, data: bytes = b"", length: int | None = None) -> Callable[[Path], Any]:
    return lambda folder: tg_io.load(_safetensors(folder, header, data, length))


def _a_file_as_parent(write: Callable[[Path], Any]) -> Callable[[Path], Any]:
    """Write below a path whose parent is a plain file."""

    def call(folder: Path) -> Any:
        (folder / "notes.txt").write_text("a file, not a folder")
        return write(folder / "notes.txt" / "model.safetensors")

    return call


def _text_file(folder: Path, mode: str) -> Any:
    (folder / "m.safetensors").write_bytes(b"")
    return open(folder / "m.safetensors", mode)  # closed when the row is done with it


def _atomic(path: Path) -> None:
    with tg_io.atomic_write(path) as file:
        file.write(b"x")


def _atomic_path(path: Path) -> None:
    with tg_io.atomic_path(path) as temporary:
        temporary.write_bytes(b"x")


def _idx(data: bytes) -> Callable[[Path], Any]:
    return lambda folder: read_idx(data)


def _gzip_bomb(folder: Path) -> Any:
    """A header claiming 7 bytes, then 16 MiB of zeros: refused after 8 decompressed bytes."""
    path = folder / "bomb.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x07" + bytes(16 << 20)))
    return read_idx(path)


def _deep(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def _cycle() -> list:
    value: list = [1]
    value.append(value)
    return value


def _optimizer() -> optim.SGD:
    return optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)


_DEEP_STRUCTURE = '{"version": 1, "object": ' + '{"list": [' * 5000 + "]}" * 5000 + "}"
_SAVE, _LOAD = tg_io.save, tg_io.load

ROWS: tuple[ErrorInput, ...] = (
    # ---- save: where it writes
    _row("save", "path is an int", lambda d: _SAVE({}, 123), TypeError, r"expected a file path .* got int"),
    _row("save", "path is None", lambda d: _SAVE({}, None), TypeError, r"expected a file path .* got NoneType"),
    _row("save", "empty path", lambda d: _SAVE({}, ""), ValueError, "the path is empty"),
    _row("save", "path is a directory", lambda d: _SAVE({}, d), IsADirectoryError, "is a directory; give a file name"),
    _row("save", "parent is a file", _a_file_as_parent(lambda p: _SAVE({}, p)), NotADirectoryError, "is a file, not"),
    _row("save", "text-mode file", lambda d: _SAVE({}, _text_file(d, "w")), TypeError, "text mode.*'wb'"),
    _row("save", "temporary name is a symlink", lambda d: _symlinked_temporary(d), OSError, r"cannot create .*\.tmp"),
    # ---- save: what it is given
    _row("save", "complex array", lambda d: _SAVE({"w": np.ones(2, np.complex64)}, d / "m"), TypeError, "complex64"),
    _row("save", "string array", lambda d: _SAVE({"w": np.array(["a"])}, d / "m"), TypeError, "dtype <U1"),
    _row("save", "a set", lambda d: _SAVE({"tags": {"a"}}, d / "m"), TypeError, r"obj\['tags'\] is a set"),
    _row("save", "a complex number", lambda d: _SAVE([1j], d / "m"), TypeError, "is a complex, which cannot be saved"),
    _row("save", "an optimizer itself", lambda d: _SAVE(_optimizer(), d / "m"), TypeError, r"SGD object .*state_dict"),
    _row("save", "a model inside", lambda d: _SAVE({"m": nn.Linear(1, 1)}, d / "m"), TypeError, r"Linear .*state_dict"),
    _row("save", "a list holding itself", lambda d: _SAVE(_cycle(), d / "m"), ValueError, r"a cycle"),
    _row("save", "10,000 nested lists", lambda d: _SAVE(_deep(10_000), d / "m"), ValueError, "nested too deeply"),
    _row("save", "lone surrogate", lambda d: _SAVE({"s": "\ud800"}, d / "m"), ValueError, "surrogate"),
    _row("save", "metadata not text", lambda d: _SAVE({}, d / "m", {"epoch": 3}), TypeError, "strings to strings"),
    _row("save", "metadata a list", lambda d: _SAVE({}, d / "m", ["a"]), TypeError, "metadata must be a dict"),
    _row(
        "save",
        "reserved metadata",
        lambda d: _SAVE({}, d / "m", {"tinygrad_edu.structure": ""}),
        ValueError,
        "reserved",
    ),
    # ---- load: where it reads
    _row("load", "path is an int", lambda d: _LOAD(123), TypeError, r"expected a file path .* got int"),
    _row("load", "missing file", lambda d: _LOAD(d / "none.safetensors"), FileNotFoundError, "there is no file"),
    _row("load", "a directory", lambda d: _LOAD(d), IsADirectoryError, "is a directory"),
    _row("load", "text-mode file", lambda d: _LOAD(_text_file(d, "r")), TypeError, "text mode.*'rb'"),
    _row("load", "map_location function", lambda d: _LOAD(d / "m", map_location=len), TypeError, "not supported"),
    _row("load", "weights_only 'yes'", lambda d: _LOAD(d / "m", weights_only="yes"), TypeError, "weights_only must be"),
    _row("load", "device and map_location", lambda d: _LOAD(d, "cpu", device="cpu"), TypeError, "not both"),
    # ---- load: what the file holds
    _row("load", "5-byte file", lambda d: _LOAD(_write(d, bytes(5))), ValueError, "fewer than the 8"),
    _row("load", "header length past the end", _load(b"{}", length=4096), ValueError, "only 2 bytes follow"),
    _row("load", "absurd header length", _load(b"{}", length=2**63), ValueError, "over the limit"),
    _row("load", "header not JSON", _load(b"PK\x03\x04"), ValueError, "not UTF-8 JSON"),
    _row("load", "header nested 100,000 deep", _load(b"[" * 100_000 + b"]" * 100_000), ValueError, "nested thousands"),
    _row(
        "load",
        "shape [0, 2**64]",
        _load({"w": {**_TENSOR, "shape": [0, 2**64], "data_offsets": [0, 0]}}),
        ValueError,
        "beyond",
    ),
    _row(
        "load",
        "65 dimensions",
        _load({"w": {**_TENSOR, "shape": [0] * 65, "data_offsets": [0, 0]}}),
        ValueError,
        "beyond",
    ),
    _row(
        "load", "negative shape", _load({"w": {**_TENSOR, "shape": [-2]}}, bytes(8)), ValueError, "not a list of sizes"
    ),
    _row("load", "float shape", _load({"w": {**_TENSOR, "shape": [2.0]}}, bytes(8)), ValueError, "not a list of sizes"),
    _row(
        "load",
        "offsets past the end",
        _load({"w": {**_TENSOR, "data_offsets": [8, 16]}}, bytes(8)),
        ValueError,
        "no tensor",
    ),
    _row("load", "data cut short", _load({"w": _TENSOR}, bytes(5)), ValueError, "only 5 bytes of data"),
    _row("load", "overlapping tensors", _load({"a": _TENSOR, "b": _TENSOR}, bytes(8)), ValueError, "overlaps"),
    _row("load", "unknown dtype", _load({"w": {**_TENSOR, "dtype": "F8_E4M3"}}, bytes(8)), ValueError, "F8_E4M3"),
    _row(
        "load",
        "bool byte 7",
        _load({"w": {**_TENSOR, "dtype": "BOOL", "data_offsets": [0, 2]}}, b"\x01\x07"),
        ValueError,
        "other than 0",
    ),
    _row("load", "metadata not text", _load({"__metadata__": {"epoch": 3}}), ValueError, "must map strings to strings"),
    _row(
        "load",
        "structure nested 5,000 deep",
        _load({"__metadata__": {"tinygrad_edu.structure": _DEEP_STRUCTURE}}),
        ValueError,
        "nested too deeply",
    ),
    _row(
        "load", "structure not JSON", _load({"__metadata__": {"tinygrad_edu.structure": "{"}}), ValueError, "is broken"
    ),
    # ---- load_metadata
    _row("load_metadata", "path is an int", lambda d: tg_io.load_metadata(123), TypeError, "expected a file path"),
    _row(
        "load_metadata", "missing file", lambda d: tg_io.load_metadata(d / "x"), FileNotFoundError, "there is no file"
    ),
    _row(
        "load_metadata",
        "header past the end",
        lambda d: tg_io.load_metadata(_safetensors(d, b"{}", length=99)),
        ValueError,
        "only 2",
    ),
    _row(
        "load_metadata",
        "metadata a list",
        lambda d: tg_io.load_metadata(_safetensors(d, {"__metadata__": [1]})),
        ValueError,
        "must map",
    ),
    # ---- atomic writers
    _row(
        "atomic_write", "parent is a file", _a_file_as_parent(_atomic), NotADirectoryError, "is a file, not a directory"
    ),
    _row("atomic_write", "no file name", lambda d: _atomic(d / ".."), ValueError, "give a file name, not a directory"),
    _row("atomic_path", "parent is a file", _a_file_as_parent(_atomic_path), NotADirectoryError, "is a file, not a"),
    _row(
        "write_bytes_atomically",
        "parent is a file",
        _a_file_as_parent(lambda p: tg_io.write_bytes_atomically(p, b"")),
        NotADirectoryError,
        "is a file",
    ),
    # ---- read_idx
    _row("read_idx", "an int", lambda d: read_idx(123), TypeError, "expected a file path or the file's bytes, got int"),
    _row("read_idx", "empty bytes", _idx(b""), ValueError, r"bad magic number \(empty file\)"),
    _row(
        "read_idx", "bad magic", _idx(b"\x01\x02\x08\x01\x00\x00\x00\x01\x05"), ValueError, "bad magic number 01020801"
    ),
    _row("read_idx", "unknown type code", _idx(b"\x00\x00\x07\x01\x00\x00\x00\x01\x05"), ValueError, "type code 0x07"),
    _row("read_idx", "0 dimensions", _idx(b"\x00\x00\x08\x00\x05"), ValueError, "gives 0 dimensions"),
    _row("read_idx", "200 dimensions", _idx(b"\x00\x00\x08\xc8" + bytes(800)), ValueError, "gives 200 dimensions"),
    _row(
        "read_idx", "header cut short", _idx(b"\x00\x00\x08\x03\x00\x00\x00\x01"), ValueError, "ends inside its header"
    ),
    _row("read_idx", "values cut short", _idx(b"\x00\x00\x08\x01\x00\x00\x00\x03\x05"), ValueError, "truncated"),
    _row("read_idx", "extra values", _idx(b"\x00\x00\x08\x01\x00\x00\x00\x01\x05\x06"), ValueError, "too long"),
    _row(
        "read_idx", "2**96 values claimed", _idx(b"\x00\x00\x08\x03" + b"\xff" * 12 + bytes(9)), ValueError, "truncated"
    ),
    _row(
        "read_idx",
        "gzip claims 2**64 bytes",
        _idx(gzip.compress(b"\x00\x00\x08\x02" + b"\xff" * 8)),
        ValueError,
        "can hold at most",
    ),
    _row(
        "read_idx",
        "gzip cut short",
        _idx(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x05")[:-9]),
        ValueError,
        "not a complete gzip",
    ),
    _row("read_idx", "gzip bomb", _gzip_bomb, ValueError, "too long"),
)


def _write(folder: Path, data: bytes) -> Path:
    (folder / "bad.safetensors").write_bytes(data)
    return folder / "bad.safetensors"


def _symlinked_temporary(folder: Path) -> None:
    """The temporary file's name already taken by a symbolic link, which is never followed."""
    (folder / "victim").write_text("keep")
    (folder / ".m.safetensors.tmp").symlink_to(folder / "victim")
    tg_io.save({}, folder / "m.safetensors")


def subjects() -> set[str]:
    """Every subject this table must have at least one row for: each function ``tinygrad_edu.io``
    exports (the constants aside), and ``read_idx``."""
    exported = {f"io.{name}" for name in tg_io.__all__ if inspect.isfunction(getattr(tg_io, name))}
    return exported | {"datasets.read_idx"}
