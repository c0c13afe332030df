"""Saving and loading safetensors files: round trips, the bytes on disk, atomic writes, bad files.

The layout tests parse files by hand (8-byte length, JSON, padding, offsets) instead of trusting
``load``, so a bug shared by the writer and the reader cannot hide. The interop tests run only
where the ``safetensors`` package (and PyTorch) are installed; neither is ever required.
"""

from __future__ import annotations

import collections
import io
import json
import os
import pickle
import re
import signal
import struct
import subprocess
import sys
import threading
import time
import types
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.io import DTYPES, MAX_HEADER_BYTES, load, load_metadata, save

DTYPE_IDS = list(DTYPES)


def _sample(dtype: np.dtype, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Random values that exercise ``dtype``'s whole range (sign bits, top bits, fractions)."""
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    return (rng.standard_normal(shape) * 100).astype(dtype)


def _parse(path: Path) -> tuple[dict[str, Any], int, bytes]:
    """Split a safetensors file by hand: (header JSON, header length, data bytes)."""
    blob = path.read_bytes()
    (length,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8 : 8 + length].decode("utf-8")), length, blob[8 + length :]


def _raw_file(path: Path, header: Any, data: bytes = b"", length: int | None = None) -> Path:
    """Write a (possibly broken) file: an 8-byte length, a header (JSON-encoded unless bytes), the data."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode("utf-8")
    path.write_bytes(struct.pack("<Q", len(text) if length is None else length) + text + data)
    return path


def _leftovers(directory: Path, keep: set[str]) -> list[str]:
    """Files in ``directory`` other than ``keep`` (a failed save must leave no temporary file)."""
    return sorted(name for name in os.listdir(directory) if name not in keep)


# ----------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPE_IDS)
def test_every_dtype_round_trips_exactly(dtype: np.dtype, tmp_path: Path, rng: np.random.Generator) -> None:
    array = _sample(dtype, (3, 5), rng)
    save({"x": array}, tmp_path / "m.safetensors")
    loaded = load(tmp_path / "m.safetensors")["x"]
    assert loaded.dtype == array.dtype and loaded.shape == (3, 5)
    np.testing.assert_array_equal(loaded, array)


@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3), (1,), (4, 1, 2)])
def test_scalars_and_empty_tensors_round_trip(shape: tuple[int, ...], tmp_path: Path, rng: np.random.Generator) -> None:
    """0-d tensors are scalars (shape []); empty tensors keep their shape and take no data bytes."""
    array = rng.standard_normal(shape).astype(np.float32)
    save({"a": array, "b": np.ones(3, np.int64)}, tmp_path / "m.safetensors")
    loaded = load(tmp_path / "m.safetensors")
    assert loaded["a"].shape == shape and loaded["a"].dtype == np.float32
    np.testing.assert_array_equal(loaded["a"], array)
    np.testing.assert_array_equal(loaded["b"], np.ones(3, np.int64))


def test_values_may_be_tensors_lists_and_numbers(tmp_path: Path) -> None:
    state = {
        "w": tg.Tensor([[1.5, -2.0]], requires_grad=True),
        "i": tg.Tensor([1, 2, 3]),
        "list": [[1.0, 2.0], [3.0, 4.0]],
        "number": 7,
        "np_scalar": np.float16(0.5),
    }
    save(state, tmp_path / "m.safetensors")
    loaded = load(tmp_path / "m.safetensors")
    assert isinstance(loaded["w"], tg.Tensor) and loaded["w"].requires_grad  # as torch.save keeps it
    np.testing.assert_array_equal(loaded["w"].detach().numpy(), np.array([[1.5, -2.0]], np.float32))
    assert loaded["w"].dtype == np.float32 and loaded["i"].dtype == tg.Tensor([1, 2, 3]).dtype
    assert loaded["list"] == [[1.0, 2.0], [3.0, 4.0]] and loaded["number"] == 7  # Python values as themselves
    assert type(loaded["number"]) is int and type(loaded["list"][0][0]) is float
    assert type(loaded["np_scalar"]) is np.float16 and loaded["np_scalar"] == 0.5


def test_loaded_arrays_are_writable_and_independent(tmp_path: Path) -> None:
    """The caller owns what load returns: arrays can be changed in place and share no memory."""
    save({"a": np.zeros(4, np.float32), "b": np.zeros(4, np.float32)}, tmp_path / "m.safetensors")
    loaded = load(tmp_path / "m.safetensors")
    loaded["a"] += 1
    assert loaded["a"].flags.writeable and not np.shares_memory(loaded["a"], loaded["b"])
    np.testing.assert_array_equal(loaded["b"], np.zeros(4, np.float32))
    save({"t": tg.zeros(4), "u": tg.zeros(4)}, tmp_path / "t.safetensors")
    tensors = load(tmp_path / "t.safetensors")
    tensors["t"].add_(1)
    assert not np.shares_memory(tensors["t"].numpy(), tensors["u"].numpy()) and tensors["u"].tolist() == [0.0] * 4


def test_big_endian_and_strided_inputs_are_stored_little_endian_in_c_order(tmp_path: Path) -> None:
    big = np.arange(6, dtype=">i4").reshape(2, 3)
    transposed = np.arange(6, dtype=np.float64).reshape(2, 3).T  # a strided (Fortran-order) view
    save({"big": big, "t": transposed}, tmp_path / "m.safetensors")
    header, _, data = _parse(tmp_path / "m.safetensors")
    begin, end = header["big"]["data_offsets"]
    assert data[begin:end] == np.arange(6, dtype="<i4").tobytes()
    begin, end = header["t"]["data_offsets"]
    assert data[begin:end] == np.ascontiguousarray(transposed).astype("<f8").tobytes()
    loaded = load(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(loaded["big"], big)
    np.testing.assert_array_equal(loaded["t"], transposed)


def test_metadata_round_trips_and_is_optional(tmp_path: Path) -> None:
    save({"x": np.ones(2)}, tmp_path / "a.safetensors", metadata={"epoch": "3", "note": "naïve ✓"})
    assert load_metadata(tmp_path / "a.safetensors") == {"epoch": "3", "note": "naïve ✓"}
    save({"x": np.ones(2)}, tmp_path / "b.safetensors")
    assert load_metadata(tmp_path / "b.safetensors") == {}  # the structure entry is not the user's metadata
    assert set(_parse(tmp_path / "b.safetensors")[0]["__metadata__"]) == {"tinygrad_edu.structure"}
    assert set(load(tmp_path / "a.safetensors")) == {"x"}  # metadata is not a tensor


def test_model_state_dict_round_trips_through_load_state_dict(tmp_path: Path) -> None:
    nn = pytest.importorskip("tinygrad_edu.nn")
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    save(model.state_dict(), tmp_path / "model.safetensors")
    tg.manual_seed(1)
    fresh = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    fresh.load_state_dict(load(tmp_path / "model.safetensors"))
    x = tg.Tensor(np.random.default_rng(0).standard_normal((5, 4)), dtype=tg.float32)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_load_to_device(device: str, tmp_path: Path) -> None:
    """map_location moves Tensors (NumPy arrays stay NumPy arrays, as torch.load leaves them)."""
    save({"x": tg.arange(3.0), "n": np.arange(2)}, tmp_path / "m.safetensors")
    for where in (device, f"{device}:0" if device == "cuda" else device, {"cpu": device}, Where(device)):
        loaded = load(tmp_path / "m.safetensors", map_location=where)
        assert loaded["x"].device == device and type(loaded["n"]) is np.ndarray
        np.testing.assert_array_equal(loaded["x"].cpu().numpy(), np.arange(3.0, dtype=np.float32))
    assert load(tmp_path / "m.safetensors", device=device)["x"].device == device  # the older name


class Where:
    """A device-like object, as torch.device: its str is the device's name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


def test_tensors_on_a_device_can_be_saved(device: str, tmp_path: Path) -> None:
    save({"x": tg.Tensor([1.0, 2.0], device=device)}, tmp_path / "m.safetensors")
    on_cpu = load(tmp_path / "m.safetensors", map_location="cpu")["x"]
    np.testing.assert_array_equal(on_cpu.numpy(), np.array([1.0, 2.0], np.float32))
    assert load(tmp_path / "m.safetensors")["x"].device == device  # by default, back where it was saved from


def test_bfloat16_files_load_as_float32(tmp_path: Path) -> None:
    """NumPy has no bfloat16: its 16 bits are the top half of a float32, so widening is exact."""
    values = np.array([1.0, -2.5, 3.140625, 0.0], np.float32)
    top_halves = (values.view("<u4") >> 16).astype("<u2").tobytes()
    header = {"b": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]}}
    loaded = load(_raw_file(tmp_path / "bf16.safetensors", header, top_halves))["b"]
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, values.reshape(2, 2))


# ----------------------------------------------------------------------------- bytes on disk
def test_file_layout_by_hand(tmp_path: Path, rng: np.random.Generator) -> None:
    """8-byte little-endian length, JSON header padded with spaces to 8, tensors back to back."""
    state = {
        "z.f16": _sample(np.dtype("f2"), (3,), rng),
        "a.u8": _sample(np.dtype("u1"), (5,), rng),
        "m.f64": _sample(np.dtype("f8"), (2, 2), rng),
        "b.i32": _sample(np.dtype("i4"), (3,), rng),
        "flag": np.array(True),
        "empty": np.zeros((0, 4), np.float32),
    }
    path = tmp_path / "m.safetensors"
    save(state, path, metadata={"format": "np"})
    header, length, data = _parse(path)
    raw_header = path.read_bytes()[8 : 8 + length]

    assert (8 + length) % 8 == 0, "the data must start 8-byte aligned"
    assert raw_header.rstrip(b" ") == json.dumps(header, separators=(",", ":")).encode()
    metadata = header.pop("__metadata__")
    assert metadata.pop("tinygrad_edu.structure") and metadata == {"format": "np"}
    # widest elements first, then by name: every tensor starts at a multiple of its element size
    assert list(header) == ["m.f64", "b.i32", "empty", "z.f16", "a.u8", "flag"]
    position = 0
    for name, info in header.items():
        array = state[name]
        begin, end = info["data_offsets"]
        assert begin == position and begin % array.itemsize == 0
        assert info["shape"] == list(array.shape)
        assert info["dtype"] == next(key for key, dtype in DTYPES.items() if dtype == array.dtype)
        assert data[begin:end] == array.astype(array.dtype.newbyteorder("<")).tobytes()
        position = end
    assert position == len(data), "the tensors must cover the data exactly"


def test_known_bytes_of_a_small_file(tmp_path: Path) -> None:
    """One float32 tensor, byte for byte: the structure in the metadata, 7 spaces of padding, the data."""
    save({"attn.0": tg.arange(6.0).reshape(1, 2, 3)}, tmp_path / "m.safetensors")
    structure = '{\\"version\\":1,\\"object\\":{\\"dict\\":[[\\"attn.0\\",{\\"tensor\\":\\"attn.0\\"}]]}}'
    header = (
        '{"__metadata__":{"tinygrad_edu.structure":"' + structure + '"},'
        '"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'
    ).encode()
    assert len(header) == 185
    expected = struct.pack("<Q", 192) + header + b" " * 7 + np.arange(6, dtype="<f4").tobytes()
    assert (tmp_path / "m.safetensors").read_bytes() == expected


def test_a_file_without_structure_loads_as_a_dict_of_tensors(tmp_path: Path) -> None:
    """What other writers produce: plain safetensors, names -> Tensors in the file's order."""
    data = np.arange(6, dtype="<f4").tobytes() + bytes([1, 2])
    header = {
        "b": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
        "a": {"dtype": "U8", "shape": [2], "data_offsets": [24, 26]},
    }
    loaded = load(_raw_file(tmp_path / "plain.safetensors", header, data))
    assert list(loaded) == ["b", "a"] and all(isinstance(t, tg.Tensor) for t in loaded.values())
    assert loaded["b"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and loaded["a"].dtype == np.uint8
    assert load(_raw_file(tmp_path / "empty.safetensors", b"{}      ")) == {}


def test_empty_state_dict_round_trips(tmp_path: Path) -> None:
    save({}, tmp_path / "m.safetensors")
    assert load(tmp_path / "m.safetensors") == {}
    assert (8 + _parse(tmp_path / "m.safetensors")[1]) % 8 == 0


def test_files_are_deterministic_and_keep_the_dict_order(tmp_path: Path) -> None:
    """The same object gives the same bytes; the tensors are laid out by size, the order is kept in the tree."""
    a, b = tg.arange(3.0), tg.Tensor(np.arange(4, dtype=np.int8))
    save({"a": a, "b": b}, tmp_path / "1.safetensors")
    save({"a": a, "b": b}, tmp_path / "2.safetensors")
    assert (tmp_path / "1.safetensors").read_bytes() == (tmp_path / "2.safetensors").read_bytes()
    save({"b": b, "a": a}, tmp_path / "3.safetensors")
    assert list(load(tmp_path / "1.safetensors")) == ["a", "b"] and list(load(tmp_path / "3.safetensors")) == ["b", "a"]
    assert list(_parse(tmp_path / "3.safetensors")[0])[1:] == ["a", "b"]  # widest elements first, then by name


# ----------------------------------------------------------------------------- atomic writes
@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    """A good file that a failed save must leave exactly as it was."""
    path = tmp_path / "model.safetensors"
    save({"old": np.arange(4.0)}, path)
    return path


def test_a_failure_while_writing_leaves_the_old_file_and_no_temp_file(
    old_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up after the header and part of the data: nothing changes on disk."""
    before = old_file.read_bytes()
    real_open_temporary = tg.io._open_temporary

    def temporary_file_that_fills_up(*args: Any) -> Any:
        tmp = real_open_temporary(*args)
        real_write, written = tmp.write, []

        def write(chunk: bytes) -> int:
            if written:  # the header went through; the disk is full halfway into the data
                real_write(chunk[: len(chunk) // 2])
                raise OSError(28, "No space left on device")
            written.append(chunk)
            return real_write(chunk)

        return types.SimpleNamespace(write=write, flush=tmp.flush, fileno=tmp.fileno, close=tmp.close)

    monkeypatch.setattr(tg.io, "_open_temporary", temporary_file_that_fills_up)
    with pytest.raises(OSError, match="No space left"):
        save({"new": np.ones((100, 100))}, old_file)
    assert old_file.read_bytes() == before
    assert _leftovers(old_file.parent, {old_file.name}) == []


KILLED_SAVE = """
import sys, numpy as np, tinygrad_edu as tg
arrays = {f"w{i}": np.full(1 << 20, i, np.float32) for i in range(64)}  # 256 MiB in all
tg.save(arrays, sys.argv[1])
"""


def test_a_killed_save_leaves_one_temporary_file_which_the_next_save_removes(tmp_path: Path) -> None:
    """SIGKILL cannot be cleaned up after; the temporary file has one name per target, so saves
    killed again and again leave one file, not one per attempt, and the next save replaces it."""
    target = tmp_path / "model.safetensors"
    temporary = tmp_path / ".model.safetensors.tmp"
    env = {**os.environ, "PYTHONPATH": str(Path(tg.__file__).parents[1])}
    for _ in range(2):
        process = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(target)], env=env)
        deadline = time.monotonic() + 60
        while not (temporary.exists() and temporary.stat().st_size > 1 << 20):  # mid-way through the data
            assert process.poll() is None and time.monotonic() < deadline, "the save ended before it was killed"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert sorted(os.listdir(tmp_path)) == [temporary.name]  # no target, one temporary file
    save({"x": np.ones(3)}, target)
    assert sorted(os.listdir(tmp_path)) == [target.name]
    np.testing.assert_array_equal(load(target)["x"], np.ones(3))


def test_a_stale_temporary_file_is_replaced_not_appended_to(tmp_path: Path) -> None:
    target = tmp_path / "m.safetensors"
    (tmp_path / ".m.safetensors.tmp").write_bytes(b"junk left by a killed save" * 1000)
    save({"x": np.arange(3.0)}, target)
    assert os.listdir(tmp_path) == ["m.safetensors"]
    np.testing.assert_array_equal(load(target)["x"], np.arange(3.0))


@pytest.mark.skipif(os.name != "posix", reason="symbolic links and file locks as on POSIX")
def test_a_temporary_name_that_is_a_symlink_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / ".m.safetensors.tmp").symlink_to(victim)
    with pytest.raises(OSError, match=r"cannot write .*m\.safetensors: cannot create .*\.m\.safetensors\.tmp"):
        save({"x": np.ones(1)}, tmp_path / "m.safetensors")
    assert victim.read_text() == "keep me"


@pytest.mark.skipif(os.name != "posix", reason="file locks as on POSIX")
def test_writers_of_one_path_take_turns(tmp_path: Path) -> None:
    """Two threads save the same path at once: each file is whole, never a mix of the two."""
    target = tmp_path / "m.safetensors"
    values = [np.full((256, 1024), float(i), np.float32) for i in range(8)]
    errors: list[BaseException] = []

    def save_and_record(value: np.ndarray) -> None:
        try:
            save({"x": value}, target)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=save_and_record, args=(value,)) for value in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    loaded = load(target)["x"]
    assert any(np.array_equal(loaded, value) for value in values)
    assert os.listdir(tmp_path) == ["m.safetensors"]


def test_atomic_path_gives_the_temporary_name(tmp_path: Path) -> None:
    from tinygrad_edu.io import atomic_path

    with atomic_path(tmp_path / "plot.png") as temporary:
        assert temporary.parent == tmp_path and temporary != tmp_path / "plot.png"
        temporary.write_bytes(b"picture")
        assert not (tmp_path / "plot.png").exists()
    assert (tmp_path / "plot.png").read_bytes() == b"picture"
    assert os.listdir(tmp_path) == ["plot.png"]


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_failure_before_the_rename_leaves_the_old_file(
    step: str, old_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = old_file.read_bytes()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt  # even Ctrl-C cleans up

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(KeyboardInterrupt):
        save({"new": np.ones(3)}, old_file)
    monkeypatch.undo()
    assert old_file.read_bytes() == before
    assert _leftovers(old_file.parent, {old_file.name}) == []


def test_a_bad_value_fails_before_any_file_is_touched(old_file: Path) -> None:
    before = old_file.read_bytes()
    with pytest.raises(TypeError):
        save({"good": np.ones(3), "bad": np.ones(3, np.complex64)}, old_file)
    assert old_file.read_bytes() == before
    assert _leftovers(old_file.parent, {old_file.name}) == []


def test_save_replaces_a_file_and_creates_parent_directories(old_file: Path, tmp_path: Path) -> None:
    save({"new": np.ones(2)}, old_file)
    assert set(load(old_file)) == {"new"}
    nested = tmp_path / "runs" / "1" / "model.safetensors"
    save({"x": np.ones(2)}, str(nested))  # a str path works as well as a Path
    assert set(load(nested)) == {"x"}


@pytest.mark.skipif(os.name != "posix", reason="permission bits are a POSIX notion")
def test_saved_files_get_normal_permissions_not_the_temp_files_private_ones(old_file: Path, tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        save({"x": np.ones(2)}, tmp_path / "new.safetensors")
        assert (tmp_path / "new.safetensors").stat().st_mode & 0o777 == 0o644
        old_file.chmod(0o640)
        save({"x": np.ones(2)}, old_file)
        assert old_file.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its permissions
    finally:
        os.umask(umask)


# ----------------------------------------------------------------------------- errors when saving
def test_keys_that_are_not_strings_round_trip(tmp_path: Path) -> None:
    """As with torch.save: an optimizer's state is keyed by int, and tuples or None are keys too."""
    save({(0, 1): np.ones(2), 3: "three", None: 1.5}, tmp_path / "m.safetensors")
    loaded = load(tmp_path / "m.safetensors")
    assert list(loaded) == [(0, 1), 3, None] and loaded[3] == "three" and loaded[None] == 1.5
    np.testing.assert_array_equal(loaded[(0, 1)], np.ones(2))


UNSUPPORTED = [np.complex128, object, np.dtype("U3"), np.dtype("datetime64[s]"), [("a", "<f4")]]
if np.dtype(np.longdouble).itemsize > 8:  # 80-bit extended precision on x86 Linux (plain float64 elsewhere)
    UNSUPPORTED.append(np.longdouble)
if hasattr(np.dtypes, "StringDType"):  # NumPy 2's variable-width strings
    UNSUPPORTED.append(np.dtypes.StringDType())


@pytest.mark.parametrize("dtype", UNSUPPORTED)
def test_unsupported_dtype_names_the_key_and_dtype(dtype: Any, tmp_path: Path) -> None:
    array = np.zeros(2, dtype=dtype)
    match = rf"obj\['layer\.w'\] is an array of dtype {re.escape(str(np.dtype(dtype)))}, which safetensors cannot store"
    with pytest.raises(TypeError, match=match):
        save({"layer.w": array}, tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_values_that_cannot_be_saved_name_their_place(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"obj\['run'\]\['tags'\] is a set, which cannot be saved"):
        save({"run": {"tags": {"a"}}}, tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match=r"obj\['p'\] is a named tuple \(Point\).*_asdict"):
        save({"p": collections.namedtuple("Point", "x y")(1, 2)}, tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_metadata_must_be_text(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"strings to strings.*'epoch'.*int.*str\(\)"):
        save({"x": np.ones(1)}, tmp_path / "m.safetensors", metadata={"epoch": 3})


def test_the_metadata_names_are_reserved(tmp_path: Path) -> None:
    save({"__metadata__": np.ones(1)}, tmp_path / "m.safetensors")  # the tensor gets another name in the file
    assert "__metadata__#2" in _parse(tmp_path / "m.safetensors")[0]
    np.testing.assert_array_equal(load(tmp_path / "m.safetensors")["__metadata__"], np.ones(1))
    with pytest.raises(ValueError, match=r"tinygrad_edu\.structure.*reserved"):
        save({}, tmp_path / "m.safetensors", metadata={"tinygrad_edu.structure": "{}"})


def test_saving_onto_a_directory_asks_for_a_file_name(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match=r"is a directory; give a file name such as .*model\.safetensors"):
        save({"x": np.ones(1)}, tmp_path)


def test_passing_a_model_instead_of_its_state_dict_says_so(tmp_path: Path) -> None:
    class Model:
        def state_dict(self) -> dict[str, Any]:
            return {}

    with pytest.raises(TypeError, match=r"cannot save the test_io\.Model object itself; save its state_dict\(\)"):
        save(Model(), tmp_path / "m.safetensors")  # type: ignore[arg-type]
    optimizer = tg.optim.SGD(tg.nn.Linear(2, 2).parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"the SGD object itself \(at obj\['optimizer'\]\); save its state_dict"):
        save({"optimizer": optimizer}, tmp_path / "m.safetensors")


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_every_optimizers_state_dict_saves_as_with_torch(name: str, tmp_path: Path) -> None:
    """``torch.save(optimizer.state_dict(), path)`` works, so ``tg.save`` must too, giving back the same state."""
    model = tg.nn.Linear(3, 2)
    optimizer = getattr(tg.optim, name)(model.parameters(), lr=0.1)
    for _ in range(2):
        optimizer.zero_grad()
        model(tg.ones(4, 3)).sum().backward()
        optimizer.step()
    save(optimizer.state_dict(), tmp_path / "opt.safetensors")
    again = getattr(tg.optim, name)(model.parameters(), lr=0.5)
    again.load_state_dict(load(tmp_path / "opt.safetensors"))
    assert again.param_groups[0]["lr"] == 0.1
    for index, state in optimizer.state_dict()["state"].items():
        for key, value in state.items():
            np.testing.assert_array_equal(again.state_dict()["state"][index][key], value)


def test_values_that_contain_themselves_or_nest_too_deeply(tmp_path: Path) -> None:
    cycle: list = [1]
    cycle.append({"again": cycle})
    with pytest.raises(ValueError, match=r"obj\['1'\]\['again'\] is the very list it sits in \(a cycle\)"):
        save(cycle, tmp_path / "m.safetensors")
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested too deeply"):
        save(deep, tmp_path / "m.safetensors")
    shared = np.ones(2)
    save([shared, shared], tmp_path / "m.safetensors")  # the same value twice is no cycle
    assert len(load(tmp_path / "m.safetensors")) == 2


@pytest.mark.parametrize(
    ("obj", "metadata", "where"),
    [
        ({"a": "x\ud800"}, None, r"obj\['a'\]"),
        ({}, {"k": "\udfff"}, r"metadata\['k'\]"),
        ({}, {"\ud800": "v"}, "a metadata key"),
    ],
)
def test_strings_utf8_cannot_hold_are_refused(obj: Any, metadata: Any, where: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=rf"save: {where} is the string .*surrogate"):
        save(obj, tmp_path / "m.safetensors", metadata=metadata)
    assert _leftovers(tmp_path, set()) == []


def test_a_numpy_string_is_saved_as_a_string(tmp_path: Path) -> None:
    save({"name": np.str_("adam")}, tmp_path / "m.safetensors")
    assert load(tmp_path / "m.safetensors") == {"name": "adam"}


@pytest.mark.parametrize("where", ["a.txt/model.safetensors", "a.txt/deeper/model.safetensors"])
def test_saving_under_a_file_names_the_file(where: str, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("not a folder")
    with pytest.raises(
        NotADirectoryError, match=r"cannot write .*model\.safetensors: .*a\.txt is a file, not a directory"
    ):
        save({"x": np.ones(1)}, tmp_path / where)
    assert (tmp_path / "a.txt").read_text() == "not a folder"


@pytest.mark.parametrize("f", [123, None, 1.5, ["m.safetensors"]])
def test_paths_must_be_paths_or_binary_files(f: Any) -> None:
    for call in (lambda: save({}, f), lambda: load(f), lambda: load_metadata(f)):
        with pytest.raises(
            TypeError, match=r"expected a file path \(str or pathlib\.Path\) or a file opened in binary"
        ):
            call()


def test_text_mode_files_and_empty_paths_are_refused(tmp_path: Path) -> None:
    with open(tmp_path / "t.txt", "w") as text, pytest.raises(TypeError, match=r"text mode.*'wb'"):
        save({}, text)
    with open(tmp_path / "t.txt") as text, pytest.raises(TypeError, match=r"text mode.*'rb'"):
        load(text)
    with pytest.raises(ValueError, match="the path is empty"):
        save({}, "")
    with pytest.raises(IsADirectoryError, match=r"load: .* is a directory"):
        load(tmp_path)


def test_load_metadata_reads_file_objects_too(tmp_path: Path) -> None:
    save({"x": np.ones(1)}, tmp_path / "m.safetensors", metadata={"epoch": "3"})
    with open(tmp_path / "m.safetensors", "rb") as file:
        assert load_metadata(file) == {"epoch": "3"}


# ----------------------------------------------------------------------------- bad files
GOOD_TENSOR = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
BAD_FILES = {
    # name: (header (JSON object or raw bytes), data, header length to claim or None, words in the error)
    "not-json": (b"PK\x03\x04 this is a zip", b"", None, "not UTF-8 JSON"),
    "not-utf8": (b'{"\xff": 1}', b"", None, "not UTF-8 JSON"),
    "json-list": (b"[1, 2, 3]", b"", None, "not an object"),
    "absurd-length": (b"{}", b"", MAX_HEADER_BYTES + 1, "over the limit"),
    "length-past-the-end": (b"{}", b"", 4096, "4,096 bytes long, but only 2"),
    "duplicate-name": (b'{"w": {}, "w": {}}', b"", None, "'w' appears twice"),
    "missing-fields": ({"w": {"dtype": "F32"}}, b"", None, "not by dtype, shape and data_offsets"),
    "bad-shape": ({"w": {**GOOD_TENSOR, "shape": [-2]}}, bytes(8), None, r"shape \[-2\]"),
    "bad-offsets": ({"w": {**GOOD_TENSOR, "data_offsets": [0]}}, bytes(8), None, r"data_offsets \[0\]"),
    "size-mismatch": ({"w": {**GOOD_TENSOR, "shape": [3]}}, bytes(8), None, "needs 12 bytes.*hold 8"),
    "truncated-data": ({"w": GOOD_TENSOR}, bytes(5), None, "ends at data byte 8.*only 5"),
    "trailing-bytes": ({"w": GOOD_TENSOR}, bytes(12), None, "4 bytes after the last tensor"),
    "overlap": (
        {"a": GOOD_TENSOR, "b": {**GOOD_TENSOR, "data_offsets": [4, 12]}},
        bytes(12),
        None,
        r"'b' \(bytes 4-12\) overlaps 'a' \(bytes 0-8\)",
    ),
    "gap": ({"w": {**GOOD_TENSOR, "data_offsets": [4, 12]}}, bytes(12), None, "bytes 0-4 of the data belong to no"),
    "metadata-not-text": ({"__metadata__": {"epoch": 3}}, b"", None, "__metadata__ must map strings to strings"),
    "shape-past-2**64": ({"w": {**GOOD_TENSOR, "shape": [0, 2**64], "data_offsets": [0, 0]}}, b"", None, "beyond what"),
    "shape-past-2**63-bytes": (
        {"w": {**GOOD_TENSOR, "shape": [0, 2**61], "data_offsets": [0, 0]}},
        b"",
        None,
        "beyond",
    ),
    "too-many-dims": ({"w": {**GOOD_TENSOR, "shape": [0] * 65, "data_offsets": [0, 0]}}, b"", None, "beyond what"),
    "shape-not-ints": ({"w": {**GOOD_TENSOR, "shape": [2.0]}}, bytes(8), None, r"shape \[2\.0\], not a list of sizes"),
    "shape-bools": ({"w": {**GOOD_TENSOR, "shape": [True, True]}}, bytes(8), None, "not a list of sizes"),
    "shape-not-a-list": ({"w": {**GOOD_TENSOR, "shape": "2"}}, bytes(8), None, "not a list of sizes"),
    "offsets-past-the-end": (
        {"w": {**GOOD_TENSOR, "data_offsets": [2**70, 2**70 + 8]}},
        bytes(8),
        None,
        "to no tensor",
    ),
    "huge-offsets": ({"w": {**GOOD_TENSOR, "shape": [2**40], "data_offsets": [0, 2**42]}}, bytes(8), None, "only 8"),
    "deep-header": (b"[" * 100_000 + b"]" * 100_000, b"", None, "nested thousands of levels deep"),
    "deep-entry": (b'{"w": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", b"", None, "nested thousands"),
    "deep-structure": (
        {
            "__metadata__": {
                "tinygrad_edu.structure": '{"version": 1, "object": ' + '{"list": [' * 5000 + "]}" * 5000 + "}"
            }
        },
        b"",
        None,
        r"tinygrad_edu\.structure\) is nested too deeply",
    ),
    "bool-not-0-or-1": (
        {"w": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}},
        b"\x01\x07",
        None,
        "other than 0",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_files_are_refused_with_the_file_and_the_problem(case: tuple, tmp_path: Path) -> None:
    header, data, length, problem = case
    path = _raw_file(tmp_path / "bad.safetensors", header, data, length)
    with pytest.raises(ValueError, match=rf"bad\.safetensors is not a valid safetensors file: .*{problem}") as info:
        load(path)
    assert "again" in str(info.value)  # says what to do


@pytest.mark.parametrize("size", [0, 5])
def test_files_too_short_for_a_header_length(size: int, tmp_path: Path) -> None:
    path = tmp_path / "short.safetensors"
    path.write_bytes(bytes(size))
    with pytest.raises(ValueError, match=rf"short\.safetensors .* {size} bytes, fewer than the 8"):
        load(path)


def test_a_saved_file_cut_short_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    save({"w": np.ones((4, 4), np.float32)}, path)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"ends at data byte 64, but the file holds only 54"):
        load(path)


def test_an_unknown_dtype_names_the_tensor_and_dtype(tmp_path: Path) -> None:
    header = {"q": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}
    with pytest.raises(ValueError, match=r"'q' has dtype 'F8_E4M3'.*supported: BOOL.*BF16"):
        load(_raw_file(tmp_path / "f8.safetensors", header, bytes(2)))


def test_null_metadata_means_none(tmp_path: Path) -> None:
    path = _raw_file(tmp_path / "m.safetensors", {"__metadata__": None, "w": GOOD_TENSOR}, bytes(8))
    assert load_metadata(path) == {} and set(load(path)) == {"w"}


def test_a_missing_file_is_a_file_not_found_error(tmp_path: Path) -> None:
    for call in (load, load_metadata):
        with pytest.raises(FileNotFoundError, match=r"there is no file .*nowhere\.safetensors"):
            call(tmp_path / "nowhere.safetensors")


# ----------------------------------------------------------------------------- files from torch.save
def _zip_checkpoint(path: Path) -> Path:
    """A zip archive holding a pickle, as torch.save writes (its default since PyTorch 1.6)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model/data.pkl", pickle.dumps({"weight": [1.0, 2.0]}, protocol=2))
    return path


def _legacy_checkpoint(path: Path) -> Path:
    """A bare pickle, as torch.save's legacy format (and pickle.dump) writes."""
    path.write_bytes(pickle.dumps({"weight": [1.0, 2.0]}, protocol=2))
    return path


def _assert_says_pytorch_checkpoint(message: str, name: str, kind: str) -> None:
    assert f"{name} looks like a PyTorch checkpoint written by torch.save ({kind})" in message
    assert "tinygrad_edu reads safetensors files only" in message
    assert "save_file(model.state_dict(), 'model.safetensors')" in message  # what to do instead
    assert "header" not in message  # not the puzzle of a "header length" of quintillions of bytes


@pytest.mark.parametrize(
    ("make", "start", "kind"),
    [(_zip_checkpoint, b"PK\x03\x04", "a zip archive of pickles"), (_legacy_checkpoint, b"\x80\x02", "a pickle")],
    ids=["zip", "legacy pickle"],
)
def test_a_pytorch_checkpoint_is_named_and_the_way_to_safetensors_given(
    make: Callable[[Path], Path], start: bytes, kind: str, tmp_path: Path
) -> None:
    path = make(tmp_path / "model.pt")
    assert path.read_bytes().startswith(start)
    reads = {
        str(path): [lambda: load(path), lambda: load_metadata(path)],
        "<file object>": [lambda: load(io.BytesIO(path.read_bytes()))],
    }
    for name, calls in reads.items():
        for call in calls:
            with pytest.raises(ValueError) as info:
                call()
            _assert_says_pytorch_checkpoint(str(info.value), name, kind)


def test_files_written_by_torch_save_are_recognised(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    state = torch.nn.Linear(2, 3).state_dict()
    torch.save(state, tmp_path / "zip.pt")
    torch.save(state, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    for name, kind in (("zip.pt", "a zip archive of pickles"), ("legacy.pt", "a pickle")):
        with pytest.raises(ValueError) as info:
            load(tmp_path / name)
        _assert_says_pytorch_checkpoint(str(info.value), str(tmp_path / name), kind)


def test_a_safetensors_file_starting_like_a_pickle_still_loads(tmp_path: Path) -> None:
    """A 640-byte header makes the first bytes 80 02, as a pickle's; the "{" after them tells the two apart."""
    header = json.dumps({"w": GOOD_TENSOR}).encode("utf-8").ljust(640)
    path = _raw_file(tmp_path / "w.safetensors", header, np.array([1.5, -2.0], np.float32).tobytes())
    assert path.read_bytes()[:2] == b"\x80\x02"
    np.testing.assert_array_equal(load(path)["w"].numpy(), [1.5, -2.0])


# ----------------------------------------------------------------------------- other libraries
def test_files_agree_with_safetensors_numpy(tmp_path: Path, rng: np.random.Generator) -> None:
    """Both directions with the reference implementation, for every dtype plus scalars and empties."""
    st_numpy = pytest.importorskip("safetensors.numpy")
    state = {f"t.{name}": _sample(dtype, (2, 3), rng) for name, dtype in DTYPES.items()}
    state |= {"scalar": np.array(2.5, np.float32), "empty": np.zeros((0, 3), np.int32)}

    save(state, tmp_path / "ours.safetensors", metadata={"by": "tinygrad_edu"})
    theirs = st_numpy.load_file(tmp_path / "ours.safetensors")
    st_numpy.save_file(state, tmp_path / "theirs.safetensors", metadata={"by": "safetensors"})
    ours = load(tmp_path / "theirs.safetensors")
    for loaded in (theirs, ours):
        assert set(loaded) == set(state)
        for name, array in state.items():
            assert loaded[name].dtype == array.dtype and loaded[name].shape == array.shape, name
            np.testing.assert_array_equal(loaded[name], array)
    assert load_metadata(tmp_path / "theirs.safetensors") == {"by": "safetensors"}


def test_pytorch_state_dicts_load_and_ours_load_in_pytorch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    torch_state = model.state_dict()

    st_torch.save_file(torch_state, tmp_path / "torch.safetensors")
    ours = load(tmp_path / "torch.safetensors")
    assert sorted(ours) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    for name, tensor in torch_state.items():
        assert ours[name].dtype == np.float32
        np.testing.assert_array_equal(ours[name], tensor.numpy())

    save(ours, tmp_path / "ours.safetensors")
    back = st_torch.load_file(tmp_path / "ours.safetensors")
    assert set(back) == set(torch_state)
    for name, tensor in torch_state.items():
        assert torch.equal(back[name], tensor)
    model.load_state_dict(back)  # PyTorch accepts it as a state dict


def test_pytorch_bfloat16_and_integer_tensors_load(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    st_torch = pytest.importorskip("safetensors.torch")
    state = {
        "bf16": torch.tensor([[1.0, -2.5], [3.140625, 1e30]], dtype=torch.bfloat16),
        "steps": torch.tensor(12, dtype=torch.int64),
        "mask": torch.tensor([True, False]),
        "empty": torch.zeros(0, 2, dtype=torch.float16),
    }
    st_torch.save_file(state, tmp_path / "mixed.safetensors")
    ours = load(tmp_path / "mixed.safetensors")
    assert ours["bf16"].dtype == np.float32
    np.testing.assert_array_equal(ours["bf16"], state["bf16"].float().numpy())
    assert ours["steps"].shape == () and ours["steps"] == 12 and ours["steps"].dtype == np.int64
    np.testing.assert_array_equal(ours["mask"], [True, False])
    assert ours["empty"].shape == (0, 2) and ours["empty"].dtype == np.float16


# ----------------------------------------------------------------------------- checkpoints, as torch.save
def _training_step(model: Any, optimizer: Any) -> None:
    optimizer.zero_grad()
    (model(tg.Tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4))) ** 2).sum().backward()
    optimizer.step()


@pytest.mark.parametrize("make_optimizer", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_a_training_checkpoint_round_trips(make_optimizer: str, tmp_path: Path) -> None:
    """PyTorch's checkpoint recipe: save epoch, model, optimizer and loss; resume and train on identically."""
    nn, optim = tg.nn, tg.optim
    options = {"SGD": {"lr": 0.1, "momentum": 0.9}, "RMSprop": {"lr": 0.01, "centered": True}}.get(make_optimizer, {})
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    optimizer = getattr(optim, make_optimizer)(model.parameters(), **options)
    _training_step(model, optimizer)
    checkpoint = {
        "epoch": 3,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "loss": 0.25,
        "history": {"lr": [0.1, 0.05], "note": "warm-up", "best": None, "done": False},
    }
    tg.save(checkpoint, tmp_path / "checkpoint.safetensors")
    loaded = tg.load(tmp_path / "checkpoint.safetensors", map_location="cpu", weights_only=True)

    assert loaded["epoch"] == 3 and type(loaded["epoch"]) is int and loaded["loss"] == 0.25
    assert loaded["history"] == checkpoint["history"]
    assert type(loaded["model_state_dict"]) is collections.OrderedDict
    assert list(loaded["model_state_dict"]) == list(checkpoint["model_state_dict"])
    for name, tensor in checkpoint["model_state_dict"].items():
        assert isinstance(loaded["model_state_dict"][name], tg.Tensor)
        np.testing.assert_array_equal(loaded["model_state_dict"][name].numpy(), tensor.numpy(), err_msg=name)
    saved_opt, loaded_opt = checkpoint["optimizer_state_dict"], loaded["optimizer_state_dict"]
    assert loaded_opt["param_groups"] == saved_opt["param_groups"]  # tuples (betas) stay tuples
    assert list(loaded_opt["state"]) == list(saved_opt["state"]) == [0, 1, 2, 3]
    for index, entries in saved_opt["state"].items():
        assert loaded_opt["state"][index].keys() == entries.keys()
        for key, value in entries.items():
            assert type(loaded_opt["state"][index][key]) is type(value)
            np.testing.assert_array_equal(loaded_opt["state"][index][key], value)

    # Resume: a fresh model and optimizer restored from the file take the same next step as the originals.
    tg.manual_seed(1)
    resumed = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    resumed.load_state_dict(loaded["model_state_dict"])
    resumed_optimizer = getattr(optim, make_optimizer)(resumed.parameters(), **options)
    resumed_optimizer.load_state_dict(loaded["optimizer_state_dict"])
    _training_step(model, optimizer)
    _training_step(resumed, resumed_optimizer)
    for (name, ours), theirs in zip(model.state_dict().items(), resumed.state_dict().values(), strict=True):
        np.testing.assert_array_equal(theirs.numpy(), ours.numpy(), err_msg=name)


def test_python_values_come_back_as_themselves(tmp_path: Path) -> None:
    value = [1, -(2**70), 0.1, float("inf"), "naïve", None, True, (1, (2.5, "x")), {"k": []}, {}, [], ()]
    save(value, tmp_path / "v.safetensors")
    loaded = load(tmp_path / "v.safetensors")
    assert loaded == value and [type(v) for v in loaded] == [type(v) for v in value]
    nan = load(_saved(tmp_path, {"nan": float("nan")}))["nan"]
    assert type(nan) is float and np.isnan(nan)


def _saved(tmp_path: Path, obj: Any) -> Path:
    save(obj, tmp_path / "obj.safetensors")
    return tmp_path / "obj.safetensors"


def test_a_single_tensor_and_nested_tensors(tmp_path: Path) -> None:
    loaded = load(_saved(tmp_path, tg.Tensor([[1.0, 2.0]])))
    assert isinstance(loaded, tg.Tensor) and loaded.tolist() == [[1.0, 2.0]]
    nested = {"a": [tg.ones(2), {"b": tg.zeros(1, dtype=tg.int64)}], "a.0": tg.full((1,), 7.0)}
    loaded = load(_saved(tmp_path, nested))
    assert loaded["a"][0].tolist() == [1.0, 1.0] and loaded["a"][1]["b"].dtype == np.int64
    assert loaded["a.0"].tolist() == [7.0]  # the same path name as nested["a"][0]: stored under another name


def test_the_tensor_names_in_the_file_are_their_places(tmp_path: Path) -> None:
    """Other frameworks see ordinary safetensors names, e.g. to read just the model's weights."""
    model = tg.nn.Linear(2, 3)
    path = _saved(tmp_path, {"model": model.state_dict(), "epoch": 1})
    header, _, _ = _parse(path)
    assert sorted(name for name in header if name != "__metadata__") == ["model.bias", "model.weight"]


def test_torch_reads_the_tensors_of_a_checkpoint(tmp_path: Path) -> None:
    safetensors_torch = pytest.importorskip("safetensors.torch")
    torch = pytest.importorskip("torch")
    weight = np.arange(6, dtype=np.float32).reshape(2, 3)
    path = _saved(tmp_path, {"model": {"weight": tg.Tensor(weight)}, "epoch": 2})
    theirs = safetensors_torch.load_file(str(path))
    assert list(theirs) == ["model.weight"] and torch.equal(theirs["model.weight"], torch.from_numpy(weight))


def test_file_objects(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    save({"w": tg.Tensor([1.5]), "step": 4}, buffer)
    buffer.seek(0)
    loaded = load(buffer)
    assert loaded["w"].tolist() == [1.5] and loaded["step"] == 4
    with open(tmp_path / "f.safetensors", "wb") as file:
        save([tg.ones(1)], file)
    with open(tmp_path / "f.safetensors", "rb") as file:
        assert load(file)[0].tolist() == [1.0]


def test_requires_grad_is_kept(tmp_path: Path) -> None:
    loaded = load(_saved(tmp_path, {"p": tg.ones(2, requires_grad=True), "c": tg.ones(2)}))
    assert loaded["p"].requires_grad and not loaded["c"].requires_grad


def test_load_option_errors(tmp_path: Path) -> None:
    path = _saved(tmp_path, {"x": tg.ones(1)})
    with pytest.raises(TypeError, match="map_location as a function is not supported"):
        load(path, map_location=lambda storage, location: storage)
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        load(path, map_location="tpu")
    with pytest.raises(TypeError, match="not both"):
        load(path, map_location="cpu", device="cpu")
    assert load(path, weights_only=False)["x"].tolist() == [1.0]  # accepted: nothing is ever unpickled


def test_a_broken_structure_is_reported(tmp_path: Path) -> None:
    structure = json.dumps({"version": 1, "object": {"dict": [["x", {"tensor": "missing"}]]}})
    header = {"__metadata__": {"tinygrad_edu.structure": structure}}
    with pytest.raises(ValueError, match="names a tensor 'missing' that the file does not hold"):
        load(_raw_file(tmp_path / "broken.safetensors", header))


def test_save_matches_torch_save_for_a_checkpoint(tmp_path: Path) -> None:
    """The same checkpoint through torch.save/torch.load and through ours gives the same values."""
    torch = pytest.importorskip("torch")
    weight = np.arange(4, dtype=np.float32).reshape(2, 2)
    ours = load(_saved(tmp_path, {"epoch": 2, "w": tg.Tensor(weight), "cfg": {"betas": (0.9, 0.99), "k": [1, None]}}))
    torch.save(
        {"epoch": 2, "w": torch.from_numpy(weight), "cfg": {"betas": (0.9, 0.99), "k": [1, None]}}, tmp_path / "t.pt"
    )
    theirs = torch.load(tmp_path / "t.pt", weights_only=True)
    assert ours["epoch"] == theirs["epoch"] and ours["cfg"] == theirs["cfg"]
    np.testing.assert_array_equal(ours["w"].numpy(), theirs["w"].numpy())
