"""Fashion-MNIST / MNIST loading: the IDX parser, checksums, the folder lookup order and downloads.

Every test runs against small IDX files it generates, with the expected hashes patched to theirs,
a private cache folder, a private "system" folder and (for downloads) an HTTP server on
127.0.0.1, so nothing here touches the network or the user's cache. Only the last test reads the
real Fashion-MNIST, when Debian's dataset-fashion-mnist package is installed.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import struct
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu.data import datasets
from tinygrad_edu.data.datasets import Checksum, ChecksumError, DownloadError, read_idx

FILES = datasets.FILES
SYSTEM_FASHION = Path("/usr/share/datasets/fashion-mnist")


# ---------------------------------------------------------------------------- helpers
def idx_bytes(array: np.ndarray) -> bytes:
    """Encode ``array`` as IDX, written here from the format description (independently of the parser)."""
    codes = {"uint8": 0x08, "int8": 0x09, "int16": 0x0B, "int32": 0x0C, "float32": 0x0D, "float64": 0x0E}
    header = bytes([0, 0, codes[array.dtype.name], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def make_dataset(seed: int = 0, n_train: int = 12, n_test: int = 5) -> dict[str, np.ndarray]:
    """A tiny fake (Fashion-)MNIST: file name -> the array it should hold."""
    rng = np.random.default_rng(seed)
    return {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def gz_files(arrays: dict[str, np.ndarray], level: int = 9) -> dict[str, bytes]:
    return {name: gzip.compress(idx_bytes(array), compresslevel=level, mtime=0) for name, array in arrays.items()}


def write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def payload_checksums(arrays: dict[str, np.ndarray]) -> dict[str, Checksum]:
    payloads = {name: idx_bytes(array) for name, array in arrays.items()}
    return {name: Checksum(hashlib.sha256(data).hexdigest(), size=len(data)) for name, data in payloads.items()}


def assert_loaded(result, arrays: dict[str, np.ndarray]) -> None:
    (x_train, y_train), (x_test, y_test) = result
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte.gz"])
    np.testing.assert_array_equal(x_test, arrays["t10k-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert x_train.dtype == x_test.dtype == np.uint8
    assert y_train.dtype == y_test.dtype == np.int64


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Private cache and system folders, no data/mirror variables, no proxy for 127.0.0.1."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TINYGRAD_EDU_DATA", raising=False)
    monkeypatch.delenv("TINYGRAD_EDU_MIRROR", raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setattr(datasets, "SYSTEM_DIRS", (tmp_path / "system",))
    return tmp_path


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> dict[str, np.ndarray]:
    """A fake Fashion-MNIST whose payload hashes replace the real ones."""
    arrays = make_dataset()
    monkeypatch.setitem(datasets.CHECKSUMS, "fashion-mnist", payload_checksums(arrays))
    return arrays


# ---------------------------------------------------------------------------- the IDX parser
@pytest.mark.parametrize(
    ("dtype", "shape"),
    [("uint8", (3, 28, 28)), ("uint8", (7,)), ("int8", (2, 3)), ("int16", (4, 2)), ("int32", (5,)),
     ("float32", (2, 2, 2)), ("float64", (3,))],
)  # fmt: skip
def test_read_idx_round_trip(tmp_path, dtype, shape):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal(shape) * 100).astype(dtype)
    data = idx_bytes(array)
    (tmp_path / "a.idx").write_bytes(data)
    (tmp_path / "a.idx.gz").write_bytes(gzip.compress(data))
    for source in (data, tmp_path / "a.idx", str(tmp_path / "a.idx.gz"), gzip.compress(data)):
        out = read_idx(source)
        assert out.dtype == np.dtype(dtype) and out.dtype.isnative and out.shape == shape
        np.testing.assert_array_equal(out, array)
        assert out.flags.writeable


def test_read_idx_big_endian_on_disk():
    # 258 as a big-endian int32 is 00 00 01 02: a parser that ignores byte order reads 33619968.
    assert read_idx(b"\x00\x00\x0c\x01\x00\x00\x00\x01\x00\x00\x01\x02").tolist() == [258]


def test_read_idx_bad_magic(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"\x01\x02\x08\x01\x00\x00\x00\x01\x05")
    with pytest.raises(ValueError, match="magic number") as info:
        read_idx(path)
    assert str(path) in str(info.value) and "Delete" in str(info.value)


def test_read_idx_unknown_dtype_code():
    with pytest.raises(ValueError, match="type code 0x07"):
        read_idx(b"\x00\x00\x07\x01\x00\x00\x00\x01\x05")


@pytest.mark.parametrize(
    ("cut", "problem"), [(-1, "truncated"), (-1000, "truncated"), (1, "too long"), (-(16 + 3 * 784 - 9), "truncated")]
)
def test_read_idx_wrong_payload_length(tmp_path, cut, problem):
    data = idx_bytes(np.zeros((3, 28, 28), np.uint8))
    data = data + b"\x00" * cut if cut > 0 else data[:cut]
    path = tmp_path / "images.idx"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=problem) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_wants_a_path_or_bytes():
    with pytest.raises(TypeError, match="read_idx: expected a file path or the file's bytes, got int"):
        read_idx(123)


def test_read_idx_truncated_gzip():
    with pytest.raises(ChecksumError, match="<IDX bytes> is not a complete gzip file"):
        read_idx(gzip.compress(idx_bytes(np.zeros((3, 4), np.uint8)))[:-9])


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (b"\x00\x00\x08\x00" + bytes(64), "gives 0 dimensions"),
        (b"\x00\x00\x08\xc8" + b"\x00\x00\x00\x01" * 200, "gives 200 dimensions"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00", "ends inside its header"),
        (b"\x00\x00\x0e\x03" + b"\xff\xff\xff\xff" * 3 + bytes(64), r"shape \(4294967295, 4294967295, 4294967295\)"),
    ],
)
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_absurd_headers(header, problem, compress):
    """Headers a damaged file could have: each is refused before any memory is set aside for values."""
    data = gzip.compress(header) if compress else header
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=problem):
            read_idx(data)
        assert tracemalloc.get_traced_memory()[1] < 1 << 20
    finally:
        tracemalloc.stop()


def write_gzip_bomb(path: Path, claimed: tuple[int, ...], zeros_mib: int = 1536) -> None:
    """A header claiming ``claimed`` uint8 values, then ``zeros_mib`` MiB of zeros, as a ~1.5 MB gzip.

    Concatenated gzip members decompress to the concatenation of their data, so one member of 64 MiB
    of zeros, compressed once and written many times, makes the file quickly.
    """
    header = bytes([0, 0, 0x08, len(claimed)]) + struct.pack(f">{len(claimed)}I", *claimed)
    with open(path, "wb") as file:
        file.write(gzip.compress(header, mtime=0))
        for _ in range(zeros_mib // 64):
            file.write(gzipped_zeros())


@functools.cache
def gzipped_zeros() -> bytes:
    return gzip.compress(bytes(64 << 20), mtime=0)


def refused_quickly(call, error, match) -> None:
    """``call`` raises ``error`` within a second, and Python's memory never grows by 100 MB on the way."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(error, match=match):
            call()
        elapsed, peak = time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 1 and peak < 100 << 20, (elapsed, peak)


@pytest.mark.parametrize(
    ("claimed", "problem"), [((60000, 28, 28), "too long"), ((2**31, 2**31), "can hold at most"), ((7,), "too long")]
)
def test_a_gzip_bomb_is_refused_quickly_in_little_memory(tmp_path, claimed, problem):
    """1.5 MB of gzip that would expand to 1.5 GiB: the reader stops once the data outgrows the header."""
    path = tmp_path / "train-images-idx3-ubyte.gz"
    write_gzip_bomb(path, claimed)
    assert path.stat().st_size < 2_000_000
    refused_quickly(lambda: read_idx(path), ValueError, problem)


def test_a_gzip_bomb_in_a_dataset_folder_is_refused_quickly(isolated, monkeypatch):
    """Even with a header of the genuine file's size: decompression stops where the genuine data ends."""
    root = write(isolated / "root", gz_files(make_dataset()))
    write_gzip_bomb(root / "train-images-idx3-ubyte.gz", (60000, 28, 28))
    refused_quickly(lambda: datasets.fashion_mnist(root=root, download=False), ValueError, "too long")
    write_gzip_bomb(root / "train-images-idx3-ubyte.gz", (100000, 28, 28))  # not the genuine size: refused at once
    refused_quickly(lambda: datasets.fashion_mnist(root=root, download=False), ChecksumError, "genuine file holds")


def test_the_genuine_size_is_checked_before_the_values_are_read(isolated, fake):
    """A header describing another size than the genuine file's is refused from the header alone."""
    other = dict(fake, **{"train-labels-idx1-ubyte.gz": np.zeros(13, np.uint8)})
    root = write(isolated / "root", gz_files(other))
    with pytest.raises(ChecksumError, match=r"shape \(13,\).*the genuine file holds 20 bytes"):
        datasets.fashion_mnist(root=root, download=False)


# ---------------------------------------------------------------------------- lookup order
def test_search_dirs_order(isolated, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(isolated / "env"))
    dirs = datasets.search_dirs("mnist", root=isolated / "root")
    expected = [
        isolated / "root",
        isolated / "env/mnist",
        isolated / "cache/tinygrad_edu/mnist",
        isolated / "system/mnist",
    ]
    assert dirs == expected


def test_cache_dir_without_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert datasets.cache_dir() == tmp_path / ".cache" / "tinygrad_edu"


def test_loads_from_root(isolated, fake):
    root = write(isolated / "root", gz_files(fake))
    assert_loaded(datasets.fashion_mnist(root=root, download=False), fake)


def test_lookup_order_earlier_folder_wins(isolated, fake, monkeypatch):
    """A found file is always checked, so a damaged copy shows which folder was read."""
    good, bad = gz_files(fake), {name: b"damaged" for name in FILES}
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(isolated / "env"))
    root, env = isolated / "root", isolated / "env/fashion-mnist"
    cache, system = isolated / "cache/tinygrad_edu/fashion-mnist", isolated / "system/fashion-mnist"

    write(root, good), write(env, bad), write(cache, bad), write(system, bad)
    assert_loaded(datasets.fashion_mnist(root=root, download=False), fake)  # root beats env
    write(env, good)
    assert_loaded(datasets.fashion_mnist(download=False), fake)  # env beats cache and system
    monkeypatch.delenv("TINYGRAD_EDU_DATA")
    with pytest.raises(ChecksumError, match=str(cache)):  # then the cache is next
        datasets.fashion_mnist(download=False)
    write(cache, good)
    assert_loaded(datasets.fashion_mnist(download=False), fake)  # cache beats system


def test_system_folder_used_when_others_empty(isolated, fake):
    write(isolated / "system/fashion-mnist", gz_files(fake, level=1))  # any gzip of the right payload passes
    assert_loaded(datasets.fashion_mnist(download=False), fake)


def test_files_may_come_from_different_folders(isolated, fake):
    files = gz_files(fake)
    write(isolated / "system/fashion-mnist", {name: files[name] for name in FILES[:2]})
    write(isolated / "cache/tinygrad_edu/fashion-mnist", {name: files[name] for name in FILES[2:]})
    assert_loaded(datasets.fashion_mnist(download=False), fake)


# ---------------------------------------------------------------------------- checksums
def test_corrupt_file_in_cache(isolated, fake):
    corrupted = dict(fake)
    images = fake["train-images-idx3-ubyte.gz"].copy()
    images[0, 0, 0] ^= 1  # one flipped bit
    corrupted["train-images-idx3-ubyte.gz"] = images
    cache = write(isolated / "cache/tinygrad_edu/fashion-mnist", gz_files(corrupted))
    path = cache / "train-images-idx3-ubyte.gz"
    with pytest.raises(ChecksumError) as info:
        datasets.fashion_mnist(download=False)
    message = str(info.value)
    assert str(path) in message
    assert datasets.CHECKSUMS["fashion-mnist"][path.name].payload in message  # expected
    assert hashlib.sha256(idx_bytes(images)).hexdigest() in message  # actual
    assert "Delete it" in message and "downloaded again" in message


def test_corrupt_system_file_says_reinstall(isolated, fake):
    files = gz_files(fake)
    files["t10k-labels-idx1-ubyte.gz"] = files["t10k-labels-idx1-ubyte.gz"][:-5]  # a truncated gzip stream
    write(isolated / "system/fashion-mnist", files)
    with pytest.raises(ChecksumError, match="not a complete gzip file") as info:
        datasets.fashion_mnist(download=False)
    assert "t10k-labels-idx1-ubyte.gz" in str(info.value)
    assert "apt-get install --reinstall dataset-fashion-mnist" in str(info.value)


def test_mnist_checks_the_gz_file_hash(isolated, monkeypatch):
    arrays = make_dataset(seed=1)
    files = gz_files(arrays)
    checksums = {name: Checksum(gz=hashlib.sha256(data).hexdigest()) for name, data in files.items()}
    monkeypatch.setitem(datasets.CHECKSUMS, "mnist", checksums)
    root = write(isolated / "root", files)
    assert_loaded(datasets.mnist(root=root, download=False), arrays)
    write(root, gz_files(arrays, level=1))  # same payload, other bytes: not the published file
    with pytest.raises(ChecksumError, match=r"SHA-256 of the \.gz file"):
        datasets.mnist(root=root, download=False)


def test_published_checksums_are_well_formed():
    for name in ("fashion-mnist", "mnist"):
        assert set(datasets.CHECKSUMS[name]) == set(FILES)
        for checksum in datasets.CHECKSUMS[name].values():
            hashes = [h for h in (checksum.payload, checksum.gz) if h is not None]
            assert hashes and all(len(h) == 64 and int(h, 16) >= 0 for h in hashes)


def test_images_and_labels_must_match(isolated, monkeypatch):
    arrays = make_dataset()
    arrays["train-labels-idx1-ubyte.gz"] = arrays["train-labels-idx1-ubyte.gz"][:-1]
    monkeypatch.setitem(datasets.CHECKSUMS, "fashion-mnist", payload_checksums(arrays))
    root = write(isolated / "root", gz_files(arrays))
    with pytest.raises(ValueError, match=r"shape \(11,\)"):
        datasets.fashion_mnist(root=root, download=False)


# ---------------------------------------------------------------------------- missing files
def test_missing_files_without_download(isolated, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(isolated / "env"))
    with pytest.raises(FileNotFoundError) as info:
        datasets.fashion_mnist(root=isolated / "root", download=False)
    message = str(info.value)
    for folder in datasets.search_dirs("fashion-mnist", isolated / "root"):
        assert str(folder) in message
    assert all(name in message for name in FILES)
    assert "apt-get install dataset-fashion-mnist" in message and "download=True" in message
    with pytest.raises(FileNotFoundError, match="mnist\\(download=True\\)"):
        datasets.mnist(download=False)


# ---------------------------------------------------------------------------- downloads
class Server:
    """A local HTTP server for the test files under /data/; ``mode`` makes it misbehave."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files, self.requests, self.mode = files, [], "ok"
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                folder, _, name = self.path.rpartition("/")
                if folder != "/data" or name not in server.files:
                    self.send_error(404)
                    return
                body = server.files[name]
                if server.mode == "truncated":  # a complete HTTP response, but half a gzip file
                    body = body[: len(body) // 2]
                if server.mode == "endless":  # far more bytes than any gzip of the file can take
                    body += bytes(1 << 20)
                if server.mode == "wrong":  # a good gzip file of other data
                    body = gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07")
                self.send_response(200)
                length = len(body) * 2 if server.mode == "dropped" else len(body)  # "dropped": hang up early
                self.send_header("Content-Length", str(length))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # keep the test output quiet
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/data/"
        # A short poll interval makes shutdown() quick.
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()


@pytest.fixture
def server(fake):
    server = Server(gz_files(fake))
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_download_into_cache_once(isolated, fake, server, capsys):
    result = datasets.fashion_mnist(mirrors=[server.url])
    assert_loaded(result, fake)
    cache = isolated / "cache/tinygrad_edu/fashion-mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted(FILES)  # no temporary files left behind
    assert len(server.requests) == 4
    assert server.url in capsys.readouterr().err  # says what it downloads
    assert_loaded(datasets.fashion_mnist(mirrors=[server.url]), fake)
    assert len(server.requests) == 4  # the second call reads the cache


def test_download_only_missing_files_into_root(isolated, fake, server, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_MIRROR", server.url)  # the environment variable names the mirror
    root = write(isolated / "root", {name: gz_files(fake)[name] for name in FILES[:3]})
    assert_loaded(datasets.fashion_mnist(root=root), fake)
    assert server.requests == ["/data/t10k-labels-idx1-ubyte.gz"]
    assert (root / "t10k-labels-idx1-ubyte.gz").is_file()
    assert not (isolated / "cache").exists()


def test_download_falls_back_to_next_mirror(isolated, fake, server):
    broken = server.url.replace("/data/", "/nothing/")
    assert_loaded(datasets.fashion_mnist(mirrors=f"{broken}, {server.url}"), fake)
    assert len(server.requests) == 8  # a 404 then a success, for each file


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("truncated", "gzip"), ("wrong", "genuine file"), ("dropped", "incomplete"), ("endless", "more than")],
)
def test_bad_download_leaves_no_file(isolated, fake, server, mode, reason):
    server.mode = mode
    with pytest.raises(DownloadError) as info:
        datasets.fashion_mnist(mirrors=[server.url])
    message = str(info.value)
    cache = isolated / "cache/tinygrad_edu/fashion-mnist"
    assert f"{server.url}train-images-idx3-ubyte.gz" in message and reason in message
    assert str(cache) in message  # where to put the file by hand
    assert list(cache.iterdir()) == []  # neither a final file nor a partial one


def test_unreachable_mirror_names_the_url(isolated, fake, server):
    server.httpd.shutdown()
    server.httpd.server_close()
    with pytest.raises(DownloadError, match=r"127\.0\.0\.1.*train-images-idx3-ubyte\.gz"):
        datasets.fashion_mnist(mirrors=[server.url], root=isolated / "root")


def test_404_is_reported(isolated, fake, server):
    with pytest.raises(DownloadError, match="404"):
        datasets.fashion_mnist(mirrors=[server.url.replace("/data/", "/elsewhere/")])


# ---------------------------------------------------------------------------- the real data
@pytest.mark.skipif(not SYSTEM_FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist package")
def test_real_fashion_mnist(monkeypatch):
    monkeypatch.setattr(datasets, "SYSTEM_DIRS", (SYSTEM_FASHION.parent,))
    (x_train, y_train), (x_test, y_test) = datasets.fashion_mnist(download=False)
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert x_train.dtype == x_test.dtype == np.uint8 and y_train.dtype == y_test.dtype == np.int64
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert 70 < x_train.mean() < 76  # Fashion-MNIST's mean pixel is about 72.9
