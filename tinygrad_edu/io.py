"""Saving and loading state dicts as safetensors files, and writing any file atomically.

safetensors is the format Hugging Face, PyTorch and most other frameworks share weights in. It
is safe to open files from anyone (unlike pickle, loading never runs code: a file is only a
JSON description and raw numbers), and it is simple enough to write by hand. Byte by byte::

    8 bytes    N, the length of the header: an unsigned 64-bit little-endian integer
    N bytes    the header: UTF-8 JSON, padded with spaces so that the data starts at a multiple of 8
                 {"__metadata__": {"epoch": "3"},                              (optional, text only)
                  "0.weight": {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]},
                  "0.bias":   {"dtype": "F32", "shape": [3],    "data_offsets": [48, 60]}}
    the rest   the data: each tensor's elements, little-endian, in C (row-major) order, back to
               back; "data_offsets": [begin, end] counts bytes from the start of the data

The tensors must tile the data exactly: the first begins at 0, each begins where the one before
ended, and the last ends at the end of the file. So no bytes overlap and none are unaccounted
for, and a reader can check a file completely before it trusts a single offset.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
import struct
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import numpy as np

from . import backend
from .tensor import Tensor

__all__ = [
    "DTYPES",
    "MAX_HEADER_BYTES",
    "atomic_path",
    "atomic_write",
    "load",
    "load_metadata",
    "save",
    "write_bytes_atomically",
]

MAX_HEADER_BYTES = 100_000_000  # readers refuse larger headers, so a corrupt length cannot exhaust memory
_ALIGNMENT = 8  # the data starts at a multiple of 8 bytes, so even float64 tensors are aligned
_METADATA_KEY = "__metadata__"

# safetensors' dtype names and the NumPy dtypes whose bytes they are (little-endian, as stored).
DTYPES: dict[str, np.dtype] = {
    name: np.dtype(code)
    for name, code in [
        ("BOOL", "?"),
        ("U8", "<u1"),
        ("I8", "<i1"),
        ("U16", "<u2"),
        ("I16", "<i2"),
        ("U32", "<u4"),
        ("I32", "<i4"),
        ("U64", "<u8"),
        ("I64", "<i8"),
        ("F16", "<f2"),
        ("F32", "<f4"),
        ("F64", "<f8"),
    ]
}
# bfloat16 is the top half of a float32; NumPy has no such dtype, so load() widens it to float32.
_BF16 = "BF16"
_ITEMSIZE = {**{name: dtype.itemsize for name, dtype in DTYPES.items()}, _BF16: 2}


class _Entry(NamedTuple):
    """One tensor as the header describes it."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int


# ----------------------------------------------------------------------------- saving
def save(state_dict: Mapping[str, Any], path: str | os.PathLike, metadata: Mapping[str, str] | None = None) -> None:
    """Write ``state_dict`` to ``path`` as a safetensors file, atomically.

    ``state_dict`` maps names (``"0.weight"``) to NumPy arrays, ``Tensor``s (on any device) or
    anything ``np.asarray`` accepts. ``metadata`` is optional text (``{"epoch": "3"}``) stored in
    the header. The file is written to a temporary file beside ``path`` and renamed over it only
    when complete, so ``path`` always holds either the old file or the whole new one. Missing
    parent directories are created.

    >>> model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    >>> tg.save(model.state_dict(), "model.safetensors", metadata={"epoch": "3"})
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"save: {path} is a directory; give a file name such as {path / 'model.safetensors'}")
    arrays = _arrays_to_save(state_dict)
    entries = _layout(arrays)
    header = _header_bytes(entries, _checked_metadata(metadata))
    chunks = (arrays[entry.name].tobytes(order="C") for entry in entries)  # lazily, one tensor at a time
    _write_atomically(path, header, chunks)


def _arrays_to_save(state_dict: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Check the names and turn every value into a little-endian NumPy array, before any file is touched."""
    if not isinstance(state_dict, Mapping):
        hint = "; pass model.state_dict(), not the model" if hasattr(state_dict, "state_dict") else ""
        raise TypeError(f"save: expected a dict of name -> tensor, but got {type(state_dict).__name__}{hint}")
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(
                f"save: tensor names must be strings such as '0.weight', but got {name!r} of type {type(name).__name__}"
            )
        if name == _METADATA_KEY:
            raise ValueError(f"save: {_METADATA_KEY!r} is reserved by safetensors; pass text through metadata=")
        arrays[name] = _little_endian(name, _as_numpy(name, value))
    return arrays


def _as_numpy(name: str, value: Any) -> np.ndarray:
    """A host NumPy array with the values of ``value`` (a Tensor, CuPy array or array-like)."""
    if isinstance(value, Tensor):
        value = value.array
    if backend.is_device_array(value):
        return backend.as_numpy(value)  # an explicit copy from the GPU
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"save: cannot turn {name!r} ({type(value).__name__}) into an array: {error}") from error


def _dtype_name(dtype: np.dtype) -> str | None:
    """The safetensors name of a NumPy dtype in either byte order (float32 -> "F32"); None if it has none."""
    same = (name for name, known in DTYPES.items() if (known.kind, known.itemsize) == (dtype.kind, dtype.itemsize))
    return next(same, None)


def _little_endian(name: str, array: np.ndarray) -> np.ndarray:
    """``array`` with its little-endian dtype; a clear error for dtypes safetensors cannot store."""
    dtype_name = _dtype_name(array.dtype)
    if dtype_name is None:
        supported = ", ".join(str(dtype) for dtype in DTYPES.values())
        raise TypeError(
            f"save: {name!r} has dtype {array.dtype}, which safetensors cannot store; "
            f"convert it first (e.g. .astype(np.float32)); supported dtypes: {supported}"
        )
    return array.astype(DTYPES[dtype_name], copy=False)  # a no-op on little-endian machines


def _layout(arrays: dict[str, np.ndarray]) -> list[_Entry]:
    """Place the tensors back to back: widest elements first, then by name.

    The order makes the file deterministic, and since the data starts 8-byte aligned and every
    size is a power of two, each tensor starts at a multiple of its own element size (a reader
    that maps the file into memory can use the bytes in place). The safetensors library orders
    tensors the same way.
    """
    order = sorted(arrays, key=lambda name: (-arrays[name].itemsize, name))
    entries, offset = [], 0
    for name in order:
        array = arrays[name]
        entries.append(_Entry(name, _dtype_name(array.dtype), array.shape, offset, offset + array.nbytes))
        offset += array.nbytes
    return entries


def _checked_metadata(metadata: Mapping[str, str] | None) -> dict[str, str] | None:
    """``metadata`` as a dict, after checking that it maps text to text as the format requires."""
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise TypeError(f"save: metadata must be a dict of str -> str, but got {type(metadata).__name__}")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(
                f"save: metadata must map strings to strings (safetensors stores text only), but {key!r} "
                f"maps to {value!r} of type {type(value).__name__}; convert it with str() or json.dumps()"
            )
    return dict(metadata)


def _header_bytes(entries: list[_Entry], metadata: dict[str, str] | None) -> bytes:
    """The 8-byte length followed by the JSON header, padded with spaces to a multiple of 8."""
    header: dict[str, Any] = {} if metadata is None else {_METADATA_KEY: metadata}
    for entry in entries:
        header[entry.name] = {
            "dtype": entry.dtype,
            "shape": list(entry.shape),
            "data_offsets": [entry.begin, entry.end],
        }
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % _ALIGNMENT)
    return struct.pack("<Q", len(text)) + text


def _write_atomically(path: Path, header: bytes, chunks: Iterator[bytes]) -> None:
    """Write ``header`` and then ``chunks`` so that ``path`` holds the old file or the whole new one."""
    with atomic_write(path) as file:
        file.write(header)
        for chunk in chunks:
            file.write(chunk)


def load(path: str | os.PathLike, device: str | None = None) -> dict[str, Any]:
    """Read a safetensors file into a dict of name -> array, ready for ``model.load_state_dict``.

    The arrays are NumPy arrays (CuPy arrays with ``device="cuda"``) with the file's dtypes,
    except bfloat16, which NumPy lacks: it is widened to float32 exactly. Names keep the file's
    order. The whole header is checked before any data is read; a file that is not safetensors,
    is truncated, or whose offsets overlap or leave gaps raises ``ValueError`` naming the file
    and the problem.

    >>> model.load_state_dict(tg.load("model.safetensors"))
    """
    path = Path(path)
    with open(path, "rb") as file:
        entries, _ = _read_header(file, path)
        data_start = file.tell()
        arrays = {entry.name: _read_tensor(file, data_start, entry) for entry in entries}
    if device is not None:
        arrays = {name: backend.to_device(array, device) for name, array in arrays.items()}
    return arrays


def load_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The ``__metadata__`` text of a safetensors file (``{}`` when it has none); reads only the header."""
    path = Path(path)
    with open(path, "rb") as file:
        _, metadata = _read_header(file, path)
    return metadata


def _corrupt(path: Path, problem: str) -> ValueError:
    """The error for a file that cannot be read: which file, what is wrong, and what to do."""
    return ValueError(
        f"{path} is not a valid safetensors file: {problem}. It may be truncated (an interrupted copy or "
        "download) or not a safetensors file at all; save or download it again"
    )


def _read_header(file: BinaryIO, path: Path) -> tuple[list[_Entry], dict[str, str]]:
    """Read and check the header; leave ``file`` at the first byte of the data."""
    size = os.fstat(file.fileno()).st_size
    if size < 8:
        raise _corrupt(path, f"it has {size} bytes, fewer than the 8 that hold the header length")
    (length,) = struct.unpack("<Q", file.read(8))
    if length > MAX_HEADER_BYTES:
        limit = f"{MAX_HEADER_BYTES:,}"
        raise _corrupt(path, f"its first 8 bytes give a header length of {length:,} bytes, over the limit of {limit}")
    if 8 + length > size:
        raise _corrupt(path, f"the header should be {length:,} bytes long, but only {size - 8:,} bytes follow")
    try:
        header = json.loads(file.read(length).decode("utf-8"), object_pairs_hook=_dict_without_duplicates)
    except ValueError as error:  # bad UTF-8, bad JSON or a repeated name
        raise _corrupt(path, f"its header is not UTF-8 JSON ({error})") from error
    if not isinstance(header, dict):
        raise _corrupt(path, f"its header is a JSON {type(header).__name__}, not an object of tensors")
    metadata = _parse_metadata(path, header.pop(_METADATA_KEY, None))
    entries = [_parse_entry(path, name, info) for name, info in header.items()]
    _check_tiling(path, entries, size - 8 - length)
    return entries, metadata


def _dict_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, refusing a name that appears twice (plain ``json`` keeps the last one)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the name {key!r} appears twice")
        result[key] = value
    return result


def _parse_metadata(path: Path, metadata: Any) -> dict[str, str]:
    """Check that ``__metadata__`` maps text to text (absent or null means none)."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise _corrupt(path, f"{_METADATA_KEY} must map strings to strings, but it is {metadata!r}")
    return metadata


def _is_count(value: Any) -> bool:
    """True for a non-negative JSON integer (JSON's true/false are not counts, though Python's bool is an int)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _parse_entry(path: Path, name: str, info: Any) -> _Entry:
    """Check one tensor's description: a known dtype, a shape, and offsets that fit them."""
    if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
        raise _corrupt(path, f"tensor {name!r} is described by {info!r}, not by dtype, shape and data_offsets")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if not isinstance(dtype, str) or dtype not in _ITEMSIZE:
        raise ValueError(
            f"{path}: tensor {name!r} has dtype {dtype!r}, which tinygrad_edu cannot load (NumPy has no such "
            f"type); supported: {', '.join(_ITEMSIZE)}. Convert it to one of these where it was saved"
        )
    if not isinstance(shape, list) or not all(_is_count(n) for n in shape):
        raise _corrupt(path, f"tensor {name!r} has shape {shape!r}, not a list of sizes")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(n) for n in offsets):
        raise _corrupt(path, f"tensor {name!r} has data_offsets {offsets!r}, not [begin, end]")
    begin, end = offsets
    expected = math.prod(shape) * _ITEMSIZE[dtype]
    if end - begin != expected:
        problem = f"tensor {name!r} ({dtype}, shape {shape}) needs {expected:,} bytes, but its data_offsets "
        raise _corrupt(path, problem + f"[{begin}, {end}] hold {end - begin:,}")
    return _Entry(name, dtype, tuple(shape), begin, end)


def _check_tiling(path: Path, entries: list[_Entry], data_size: int) -> None:
    """Check that the tensors cover the data exactly: from byte 0, no overlaps, no gaps, to the end."""
    position, previous = 0, None
    for entry in sorted(entries, key=lambda entry: (entry.begin, entry.end)):
        if entry.begin < position:
            here, there = f"{entry.begin}-{entry.end}", f"{previous.begin}-{previous.end}"
            raise _corrupt(path, f"tensor {entry.name!r} (bytes {here}) overlaps {previous.name!r} (bytes {there})")
        if entry.begin > position:
            raise _corrupt(path, f"bytes {position}-{entry.begin} of the data belong to no tensor")
        position, previous = entry.end, entry
    if position > data_size:
        held = f"the file holds only {data_size:,} bytes of data"
        raise _corrupt(path, f"tensor {previous.name!r} ends at data byte {position:,}, but {held}")
    if position < data_size:
        raise _corrupt(path, f"{data_size - position:,} bytes after the last tensor belong to no tensor")


def _read_tensor(file: BinaryIO, data_start: int, entry: _Entry) -> np.ndarray:
    """Read one tensor's bytes into a new, writable array of the machine's byte order."""
    raw = bytearray(entry.end - entry.begin)
    file.seek(data_start + entry.begin)
    if file.readinto(raw) != len(raw):  # the header was checked against the size, but files can change
        raise _corrupt(Path(file.name), f"tensor {entry.name!r} was cut short while reading")
    if entry.dtype == _BF16:  # put the 16 stored bits on top of a float32 whose lower 16 bits are 0
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32).reshape(entry.shape)
    array = np.frombuffer(raw, dtype=DTYPES[entry.dtype]).reshape(entry.shape)
    return array.astype(array.dtype.newbyteorder("="), copy=False)  # a no-op on little-endian machines


# ----------------------------------------------------------------------------- writing files atomically
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
