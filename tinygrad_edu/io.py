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

``save`` stores more than a dict of tensors, as ``torch.save`` does: a checkpoint such as
``{"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(), "loss": 0.25}``. Its
tensors and arrays are safetensors tensors named by their place (``"model.0.weight"``,
``"optimizer.state.0.exp_avg"``); everything else (dicts, lists, tuples, numbers, strings, None)
is described by a JSON tree in the metadata entry ``"tinygrad_edu.structure"``, whose leaves point
at the tensors by name. Other frameworks read the tensors and ignore the tree; ``load`` rebuilds
the object from it. Nothing is pickled, so loading a file never runs code.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import numbers
import os
import stat
import struct
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import numpy as np

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

from . import backend
from .tensor import Tensor, _wrap

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
_MAX_DIMS = 64  # NumPy's limit on the number of dimensions
_ALIGNMENT = 8  # the data starts at a multiple of 8 bytes, so even float64 tensors are aligned
_METADATA_KEY = "__metadata__"
_STRUCTURE_KEY = "tinygrad_edu.structure"  # the metadata entry that describes a saved object's structure
_STRUCTURE_VERSION = 1

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
def save(obj: Any, f: str | os.PathLike | BinaryIO, metadata: Mapping[str, str] | None = None) -> None:
    """Write ``obj`` to ``f`` as a safetensors file, atomically, as ``torch.save`` (without pickle).

    ``obj`` is a state dict (names -> Tensors or arrays) or a whole checkpoint: dicts, lists and
    tuples of Tensors, NumPy arrays, ints, floats, strings, bools and None, nested as you like.
    ``load`` gives back the same structure: Tensors as Tensors (on the device they were saved
    from, with their ``requires_grad``), NumPy arrays as NumPy arrays, Python values as
    themselves. ``metadata`` is optional text (``{"author": "me"}``) stored in the header.

    ``f`` is a path or a file opened for binary writing. A path is written to a temporary file
    beside it and renamed over it only when complete, so it always holds either the old file or
    the whole new one (missing parent directories are created); a file object is written in place.

    Examples:
        >>> tg.save({"epoch": 3, "model_state_dict": model.state_dict(), "loss": 0.25}, "checkpoint.safetensors")
    """
    is_file = _is_file_object(f, "save", "write")
    if not is_file:
        _check_path(f, "save")
    packer = _Packer()
    try:
        tree = packer.pack(obj, ())
    except RecursionError:
        raise ValueError("save: the object is nested too deeply to save (lists or dicts thousands deep)") from None
    user = _checked_metadata(metadata) or {}
    if _STRUCTURE_KEY in user:
        raise ValueError(f"save: the metadata key {_STRUCTURE_KEY!r} is reserved for the saved object's structure")
    structure = json.dumps({"version": _STRUCTURE_VERSION, "object": tree}, ensure_ascii=False, separators=(",", ":"))
    arrays = packer.arrays
    entries = _layout(arrays)
    header = _header_bytes(entries, {**user, _STRUCTURE_KEY: structure})
    chunks = (arrays[entry.name].tobytes(order="C") for entry in entries)  # lazily, one tensor at a time
    if is_file:
        _write(f, header, chunks)
    else:
        with atomic_write(f) as file:
            _write(file, header, chunks)


class _Packer:
    """Turns an object into a JSON tree plus the arrays it holds, each named by its place in the object.

    The tree's leaves are JSON values (None, bools, ints, floats, strings) or one-key objects:
    ``{"tensor": name}`` (with ``"device"`` and ``"requires_grad"`` when they are not the
    defaults), ``{"ndarray": name}``, ``{"numpy_scalar": name}``, ``{"list": [...]}``,
    ``{"tuple": [...]}`` and ``{"dict": [[key, value], ...]}`` (``"ordered": true`` for an
    OrderedDict; keys are trees too, so ints stay ints).
    """

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.open: set[int] = set()  # ids of the containers on the way from the root to the value packed

    def pack(self, value: Any, path: tuple[str, ...]) -> Any:
        if isinstance(value, Tensor):
            node: dict[str, Any] = {"tensor": self._add(value.array, path)}
            if value.device != "cpu":
                node["device"] = value.device.type  # "cuda": the library runs on one GPU
            if value.requires_grad:
                node["requires_grad"] = True
            return node
        if isinstance(value, np.ndarray) or backend.is_device_array(value):
            return {"ndarray": self._add(value, path)}
        if isinstance(value, str):  # np.str_ too: a str, which loads back as one
            return _checked_text(str(value), _place(path))
        if isinstance(value, np.generic):
            return {"numpy_scalar": self._add(np.asarray(value), path)}
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, float):
            return float(value)
        if id(value) in self.open:
            raise ValueError(
                f"save: {_place(path)} is the very {type(value).__name__} it sits in (a cycle), which a file cannot "
                "hold; store a copy or leave it out"
            )
        if isinstance(value, Mapping | list | tuple):
            self.open.add(id(value))  # the containers being packed: one met again is a cycle
            try:
                return self._pack_container(value, path)
            finally:
                self.open.discard(id(value))
        if hasattr(value, "state_dict"):
            what = f"the {_type_name(value)} object itself" + (f" (at {_place(path)})" if path else "")
            raise TypeError(
                f"save: cannot save {what}; save its state_dict() instead, e.g. "
                "tg.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict()}, path)"
            )
        raise TypeError(
            f"save: {_place(path)} is a {_type_name(value)}, which cannot be saved; a checkpoint may hold "
            "Tensors, NumPy arrays, numbers, strings, bools, None, and dicts, lists and tuples of those"
        )

    def _pack_container(self, value: Mapping | list | tuple, path: tuple[str, ...]) -> Any:
        if isinstance(value, Mapping):
            items = [
                [self.pack(key, (*path, "key")), self.pack(item, (*path, str(key)))] for key, item in value.items()
            ]
            return {"dict": items, "ordered": True} if isinstance(value, OrderedDict) else {"dict": items}
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            raise TypeError(
                f"save: {_place(path)} is a named tuple ({type(value).__name__}), which load could only give back "
                "as a plain tuple; convert it first, e.g. with ._asdict()"
            )
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [self.pack(item, (*path, str(i))) for i, item in enumerate(value)]}

    def _add(self, array: Any, path: tuple[str, ...]) -> str:
        """Store ``array`` under a name made from its place (``"model.0.weight"``), unique in the file."""
        base = ".".join(part for part in path if part != "key") or "tensor"
        name, number = base, 1
        while name in self.arrays or name == _METADATA_KEY:
            number += 1
            name = f"{base}#{number}"
        self.arrays[name] = _little_endian(path, _as_numpy(name, array))
        return name


def _place(path: tuple[str, ...]) -> str:
    """Where a value sits in the saved object, as the user would index it: ``obj['model']['0.weight']``."""
    return "obj" + "".join(f"[{part!r}]" for part in path)


def _type_name(value: Any) -> str:
    """``value``'s type as a user would write it: ``Linear``, ``torch.Tensor`` (not a bare ``Tensor``)."""
    kind = type(value)
    package = kind.__module__.split(".")[0]
    return kind.__name__ if package in ("builtins", "__main__", "tinygrad_edu") else f"{package}.{kind.__name__}"


def _checked_text(text: str, where: str) -> str:
    """``text``, after checking that UTF-8 (the header's encoding) can hold it: a lone surrogate cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = text[error.start : error.end]
        raise ValueError(
            f"save: {where} is the string {text!r}, which holds {bad!r}, half of a UTF-16 surrogate pair "
            "that UTF-8 (and so the file) cannot store; fix the string first"
        ) from None
    return text


def _as_numpy(name: str, value: Any) -> np.ndarray:
    """A host NumPy array with the values of ``value`` (a Tensor's array or a CuPy array)."""
    if backend.is_device_array(value):
        return backend.as_numpy(value)  # an explicit copy from the GPU
    return np.asarray(value)


def _dtype_name(dtype: np.dtype) -> str | None:
    """The safetensors name of a NumPy dtype in either byte order (float32 -> "F32"); None if it has none."""
    same = (name for name, known in DTYPES.items() if (known.kind, known.itemsize) == (dtype.kind, dtype.itemsize))
    return next(same, None)


def _little_endian(path: tuple[str, ...], array: np.ndarray) -> np.ndarray:
    """``array`` with its little-endian dtype; a clear error for dtypes safetensors cannot store."""
    dtype_name = _dtype_name(array.dtype)
    if dtype_name is None:
        supported = ", ".join(str(dtype) for dtype in DTYPES.values())
        raise TypeError(
            f"save: {_place(path)} is an array of dtype {array.dtype}, which safetensors cannot store; "
            f"supported dtypes: {supported}. Convert the array to one of them first (NumPy: array.astype(...))"
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
        _checked_text(key, "a metadata key")
        _checked_text(value, f"metadata[{key!r}]")
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


def _is_file_object(f: Any, who: str, method: str) -> bool:
    """Whether ``f`` is a binary file object with ``method`` (read or write); else it must be a path."""
    if not hasattr(f, method):
        if not isinstance(f, str | os.PathLike):
            raise TypeError(
                f"{who}: expected a file path (str or pathlib.Path) or a file opened in binary mode, "
                f"got {_type_name(f)}"
            )
        return False
    if isinstance(f, io.TextIOBase):
        mode = "wb" if method == "write" else "rb"
        raise TypeError(f"{who}: the file is open in text mode; safetensors files are binary: open it with {mode!r}")
    return True


def _check_path(f: str | os.PathLike, who: str) -> None:
    """A clear error for a path that cannot name a file: empty, or a directory."""
    if os.fspath(f) in ("", b""):
        raise ValueError(f"{who}: the path is empty; give a file name such as 'model.safetensors'")
    if Path(f).is_dir():
        raise IsADirectoryError(f"{who}: {f} is a directory; give a file name such as {Path(f) / 'model.safetensors'}")


def _write(file: BinaryIO, header: bytes, chunks: Iterator[bytes]) -> None:
    file.write(header)
    for chunk in chunks:
        file.write(chunk)


def load(
    f: str | os.PathLike | BinaryIO,
    map_location: Any = None,
    weights_only: bool | None = True,
    *,
    device: Any = None,
) -> Any:
    """Read what ``save`` wrote (or any safetensors file), as ``torch.load``.

    A file written by ``save`` gives back the saved object: Tensors as Tensors, NumPy arrays as
    arrays, Python values as themselves. A safetensors file from elsewhere gives a dict of name
    -> Tensor in the file's order, ready for ``model.load_state_dict``.

    - ``map_location``: where the Tensors go: ``"cpu"``, ``"cuda"`` (or ``"cuda:0"``, or a device
      object whose ``str`` is one of these), or a dict from saved device to target
      (``{"cuda:0": "cpu"}``); by default each Tensor goes back to the device it was saved from.
      ``device=`` is the same option under its older name.
    - ``weights_only`` is accepted for PyTorch code; both values are safe here, since a file is
      only JSON and numbers and loading never runs code.

    Tensors keep the file's dtypes, except bfloat16, which NumPy lacks: it is widened to float32
    exactly. The whole header is checked before any data is read; a file that is not safetensors,
    is truncated, or whose offsets overlap or leave gaps raises ``ValueError`` naming the file
    and the problem. A file written by ``torch.save`` (a pickle, or a zip archive of pickles) is
    refused with a ``ValueError`` that says so and how to save the weights as safetensors in
    PyTorch. ``f`` is a path or a file opened for binary reading.

    Examples:
        >>> model.load_state_dict(tg.load("model.safetensors"))
    """
    if device is not None:
        if map_location is not None:
            raise TypeError("load: give map_location or device, not both (device is the older name)")
        map_location = device
    if weights_only not in (True, False, None):
        raise TypeError(f"load: weights_only must be True, False or None, got {weights_only!r}")
    place = _device_mapping(map_location)
    if _is_file_object(f, "load", "read"):
        return _load_from(f, getattr(f, "name", "<file object>"), place)
    with _open_for_reading(f, "load") as file:
        return _load_from(file, Path(f), place)


def _open_for_reading(f: str | os.PathLike, who: str) -> BinaryIO:
    """``f`` opened for binary reading; a missing file or a directory gets an error saying which."""
    _check_path(f, who)
    try:
        return open(f, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"{who}: there is no file {f} (looked for {Path(f).absolute()})") from None


def _load_from(file: BinaryIO, path: Path | str, place: Callable[[str], str]) -> Any:
    entries, metadata = _read_header(file, path)
    data_start = file.tell()
    arrays = {entry.name: _read_tensor(file, data_start, entry, path) for entry in entries}
    if _STRUCTURE_KEY not in metadata:  # a plain safetensors file: names -> Tensors
        return {name: _wrap(backend.to_device(array, place("cpu"))) for name, array in arrays.items()}
    try:
        structure = json.loads(metadata[_STRUCTURE_KEY])
        if not isinstance(structure, dict) or structure.get("version") != _STRUCTURE_VERSION:
            raise ValueError(f"it has no version {_STRUCTURE_VERSION} structure")
        return _Unpacker(arrays, place).unpack(structure["object"])
    except RecursionError:
        raise _corrupt(path, f"the description of the saved object ({_STRUCTURE_KEY}) is nested too deeply") from None
    except (ValueError, KeyError, TypeError) as error:
        raise _corrupt(path, f"the description of the saved object ({_STRUCTURE_KEY}) is broken: {error}") from None


def _device_mapping(map_location: Any) -> Callable[[str], str]:
    """``map_location`` as a function from the device a tensor was saved on to the one it loads on."""
    if map_location is None:
        return lambda saved: saved
    if callable(map_location) and not isinstance(map_location, str):
        raise TypeError(
            "load: map_location as a function is not supported; give a device ('cpu', 'cuda') or a dict "
            "such as {'cuda:0': 'cpu'}"
        )
    if isinstance(map_location, Mapping):
        table = {backend.normalize_device(key): backend.normalize_device(value) for key, value in map_location.items()}
        return lambda saved: table.get(saved, saved)
    target = backend.normalize_device(str(map_location))
    return lambda saved: target


class _Unpacker:
    """Rebuilds a saved object from its JSON tree (see ``_Packer``) and the file's arrays."""

    def __init__(self, arrays: dict[str, np.ndarray], place: Callable[[str], str]) -> None:
        self.arrays, self.place = arrays, place

    def unpack(self, node: Any) -> Any:
        if node is None or isinstance(node, bool | int | float | str):
            return node
        if not isinstance(node, dict):
            raise ValueError(f"unexpected {type(node).__name__} {node!r}")
        if "tensor" in node:
            array = backend.to_device(self._array(node["tensor"]), self.place(node.get("device", "cpu")))
            tensor = _wrap(array)
            return tensor.requires_grad_(True) if node.get("requires_grad") else tensor
        if "ndarray" in node:
            return self._array(node["ndarray"])
        if "numpy_scalar" in node:
            return self._array(node["numpy_scalar"])[()]
        if "list" in node:
            return [self.unpack(item) for item in node["list"]]
        if "tuple" in node:
            return tuple(self.unpack(item) for item in node["tuple"])
        if "dict" in node:
            pairs = ((self.unpack(key), self.unpack(value)) for key, value in node["dict"])
            return OrderedDict(pairs) if node.get("ordered") else dict(pairs)
        raise ValueError(f"unknown entry {node!r}")

    def _array(self, name: Any) -> np.ndarray:
        if not isinstance(name, str) or name not in self.arrays:
            raise ValueError(f"it names a tensor {name!r} that the file does not hold")
        return self.arrays[name]


def load_metadata(path: str | os.PathLike | BinaryIO) -> dict[str, str]:
    """The ``__metadata__`` text given to ``save`` (``{}`` when none); reads only the header.

    ``path`` is a path or a file opened for binary reading.
    """
    if _is_file_object(path, "load_metadata", "read"):
        return _without_structure(_read_header(path, getattr(path, "name", "<file object>"))[1])
    with _open_for_reading(path, "load_metadata") as file:
        return _without_structure(_read_header(file, Path(path))[1])


def _without_structure(metadata: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in metadata.items() if key != _STRUCTURE_KEY}


def _corrupt(path: Path | str, problem: str) -> ValueError:
    """The error for a file that cannot be read: which file, what is wrong, and what to do."""
    return ValueError(
        f"{path} is not a valid safetensors file: {problem}. It may be truncated (an interrupted copy or "
        "download) or not a safetensors file at all; save or download it again"
    )


def _pickle_kind(first: bytes) -> str | None:
    """What a file that starts with the bytes ``first`` is, if it is what ``torch.save`` writes:
    "a zip archive of pickles" (PyTorch's format since 1.6) or "a pickle" (its legacy format, and
    what ``pickle.dump`` writes); None otherwise. A safetensors header begins with "{" right after
    the 8 bytes of its length, so no safetensors file is mistaken for one."""
    if first[8:9] == b"{":
        return None
    if first.startswith(b"PK\x03\x04"):
        return "a zip archive of pickles"
    if first[:1] == b"\x80" and first[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):  # pickle protocols 2 to 5
        return "a pickle"
    return None


def _pytorch_checkpoint(path: Path | str, kind: str) -> ValueError:
    """The error for a ``torch.save`` file: what it is, what tinygrad_edu reads, and how to convert it."""
    return ValueError(
        f"{path} looks like a PyTorch checkpoint written by torch.save ({kind}), not a safetensors file. "
        "tinygrad_edu reads safetensors files only (loading a pickle can run any code). In PyTorch, save "
        "the weights as safetensors instead: from safetensors.torch import save_file; "
        "save_file(model.state_dict(), 'model.safetensors'); then tg.load('model.safetensors')"
    )


def _read_header(file: BinaryIO, path: Path | str) -> tuple[list[_Entry], dict[str, str]]:
    """Read and check the header; leave ``file`` at the first byte of the data."""
    start = file.tell()
    size = file.seek(0, os.SEEK_END) - start  # works for file objects without a descriptor, too
    file.seek(start)
    pickled = _pickle_kind(file.read(9))
    if pickled:
        raise _pytorch_checkpoint(path, pickled)
    file.seek(start)
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
    except RecursionError:  # [[[[...: a safetensors header is two levels deep
        raise _corrupt(path, "its header is JSON nested thousands of levels deep") from None
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


def _parse_metadata(path: Path | str, metadata: Any) -> dict[str, str]:
    """Check that ``__metadata__`` maps text to text (absent or null means none)."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise _corrupt(path, f"{_METADATA_KEY} must map strings to strings, but it is {metadata!r}")
    return metadata


def _is_count(value: Any) -> bool:
    """True for a non-negative JSON integer (JSON's true/false are not counts, though Python's bool is an int)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _parse_entry(path: Path | str, name: str, info: Any) -> _Entry:
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
    if len(shape) > _MAX_DIMS or math.prod(n or 1 for n in shape) * _ITEMSIZE[dtype] >= 2**63:
        raise _corrupt(path, f"tensor {name!r} has shape {shape}, beyond what an array can have")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(n) for n in offsets):
        raise _corrupt(path, f"tensor {name!r} has data_offsets {offsets!r}, not [begin, end]")
    begin, end = offsets
    expected = math.prod(shape) * _ITEMSIZE[dtype]
    if end - begin != expected:
        problem = f"tensor {name!r} ({dtype}, shape {shape}) needs {expected:,} bytes, but its data_offsets "
        raise _corrupt(path, problem + f"[{begin}, {end}] hold {end - begin:,}")
    return _Entry(name, dtype, tuple(shape), begin, end)


def _check_tiling(path: Path | str, entries: list[_Entry], data_size: int) -> None:
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


def _read_tensor(file: BinaryIO, data_start: int, entry: _Entry, path: Path | str) -> np.ndarray:
    """Read one tensor's bytes into a new, writable array of the machine's byte order."""
    raw = bytearray(entry.end - entry.begin)
    file.seek(data_start + entry.begin)
    if file.readinto(raw) != len(raw):  # the header was checked against the size, but files can change
        raise _corrupt(path, f"tensor {entry.name!r} was cut short while reading")
    if entry.dtype == "BOOL" and raw.translate(None, b"\x00\x01"):  # NumPy would keep other bytes as odd "bools"
        raise _corrupt(path, f"the bool tensor {entry.name!r} holds bytes other than 0 (False) and 1 (True)")
    if entry.dtype == _BF16:  # put the 16 stored bits on top of a float32 whose lower 16 bits are 0
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32).reshape(entry.shape)
    array = np.frombuffer(raw, dtype=DTYPES[entry.dtype]).reshape(entry.shape)
    return array.astype(array.dtype.newbyteorder("="), copy=False)  # a no-op on little-endian machines


# ----------------------------------------------------------------------------- writing files atomically
@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Yield a binary file to write; when the block succeeds, it replaces ``path`` in one step.

    The bytes go to the temporary file ``.<name>.tmp`` in the same directory (a rename is atomic
    only within one file system) and are forced to the disk with fsync; only then does
    ``os.replace`` put the file in place. If anything fails on the way (a full disk, Ctrl-C), the
    temporary file is removed and ``path`` keeps its old content. A process killed outright
    leaves its temporary file behind, and the next write of ``path`` reuses it. Writers of one
    path take turns: each holds a lock on the temporary file until it is renamed.
    """
    path = _prepared_target(path)
    mode = _permissions_for(path)
    tmp = _temporary_path(path)
    file = _open_temporary(tmp, path)
    try:
        yield file
        file.flush()
        os.fsync(file.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        file.close()  # only now: closing lets the next writer of ``path`` take the lock
    _fsync_directory(path.parent)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Like ``atomic_write``, for writers that want a file name (e.g. matplotlib's ``savefig``)."""
    with atomic_write(path):
        yield _temporary_path(Path(path))


def _temporary_path(path: Path) -> Path:
    """Where ``path`` is written before it is renamed into place: one name per target, so an
    interrupted write leaves no more than one file, which the next write of ``path`` replaces."""
    return path.with_name(f".{path.name}.tmp")


def _prepared_target(path: str | os.PathLike) -> Path:
    """``path``, with its missing parent directories created; a clear error when it cannot be a file."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"cannot write to {path!r}: give a file name (a str or a pathlib.Path)")
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise ValueError(f"cannot write {path}: give a file name, not a directory")
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a directory; give a file name inside it")
    for parent in (path.parent, *path.parent.parents):  # the nearest existing one must be a directory
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(
                    f"cannot write {path}: {parent} is a file, not a directory; choose another path, or move that file"
                )
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise type(error)(error.errno, f"cannot create the directory {path.parent} to write {path}") from error
    return path


def _open_temporary(tmp: Path, path: Path) -> BinaryIO:
    """Open ``tmp`` empty, for writing, holding its lock (see ``atomic_write``).

    A writer that gets the lock after another checks that ``tmp`` is still the file it opened:
    the other one may have renamed it into place (or removed it) in the meantime.
    """
    while True:
        try:  # never through a symbolic link: someone could point it at a file to destroy
            descriptor = os.open(tmp, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as error:
            raise type(error)(error.errno, f"cannot write {path}: cannot create {tmp} ({error.strerror})") from error
        _lock(descriptor)
        with contextlib.suppress(FileNotFoundError):
            if os.path.samestat(os.fstat(descriptor), os.stat(tmp, follow_symlinks=False)):
                os.ftruncate(descriptor, 0)  # what an interrupted write left behind
                return os.fdopen(descriptor, "w+b")
        os.close(descriptor)


def _lock(descriptor: int) -> None:
    """Wait for the exclusive lock on an open file (released when it is closed, or its process dies).

    Where there are no such locks (Windows, some network file systems), writers do not wait.
    """
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(descriptor, fcntl.LOCK_EX)


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
