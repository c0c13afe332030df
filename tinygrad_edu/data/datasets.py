"""Fashion-MNIST and MNIST: find the IDX files, check their SHA-256, download them when missing.

``fashion_mnist()`` and ``mnist()`` return ``(x_train, y_train), (x_test, y_test)`` as Keras'
``load_data()`` does: ``uint8`` images of shape ``(N, 28, 28)`` and ``int64`` labels 0..9.

Each of the four standard files (``train-images-idx3-ubyte.gz`` ...) is looked up, in order, in

1. the ``root`` argument (a folder that holds the four files),
2. ``$TINYGRAD_EDU_DATA/<dataset>``,
3. the user cache ``$XDG_CACHE_HOME/tinygrad_edu/<dataset>`` (``~/.cache/tinygrad_edu/<dataset>``),
4. system folders ``/usr/share/datasets/<dataset>`` (Debian's ``dataset-fashion-mnist`` package),

where ``<dataset>`` is ``fashion-mnist`` or ``mnist``. A file that is found must match its
checksum; a missing one is downloaded into ``root`` (or the cache) from a list of mirrors.

The IDX format (http://yann.lecun.com/exdb/mnist/) is tiny: two zero bytes, a type code, the
number of dimensions, each dimension as a big-endian uint32, then the values, big-endian.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import io
import math
import os
import struct
import sys
import urllib.request
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ..io import atomic_write

FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


@dataclass(frozen=True)
class Checksum:
    """The SHA-256 hashes a ``.gz`` data file must have (``None``: not checked)."""

    payload: str | None = None  # of the decompressed IDX bytes: any gzip of the right data passes
    gz: str | None = None  # of the .gz file itself, byte for byte
    size: int | None = None  # of the decompressed IDX bytes: a header claiming more is refused at once


# Both datasets' files hold 60,000 + 10,000 images of 28 x 28 bytes and their byte labels, after
# the IDX header (4 bytes, then 4 per dimension).
_TRAIN_IMAGES, _TRAIN_LABELS = 16 + 60_000 * 28 * 28, 8 + 60_000
_TEST_IMAGES, _TEST_LABELS = 16 + 10_000 * 28 * 28, 8 + 10_000

CHECKSUMS: dict[str, dict[str, Checksum]] = {
    # Fashion-MNIST: hashes of the DECOMPRESSED IDX bytes, so any gzip of the genuine data passes.
    # Debian's dataset-fashion-mnist recompressed the .gz files (their own hashes differ from
    # Zalando's), but the payload is byte for byte the same. Measured on the real files.
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": Checksum(
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", size=_TRAIN_IMAGES
        ),
        "train-labels-idx1-ubyte.gz": Checksum(
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", size=_TRAIN_LABELS
        ),
        "t10k-images-idx3-ubyte.gz": Checksum(
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", size=_TEST_IMAGES
        ),
        "t10k-labels-idx1-ubyte.gz": Checksum(
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", size=_TEST_LABELS
        ),
    },
    # MNIST: hashes of the .gz FILES as published by TensorFlow Datasets (tensorflow/datasets,
    # tensorflow_datasets/url_checksums/mnist.txt) for the copies on storage.googleapis.com/cvdf-datasets;
    # their sizes (9,912,422 / 28,881 / 1,648,877 / 4,542 bytes) are those of the original files from
    # yann.lecun.com, which torchvision checks by MD5. No published hash of the decompressed bytes
    # was found, so a recompressed MNIST file will not pass.
    "mnist": {
        "train-images-idx3-ubyte.gz": Checksum(
            gz="440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", size=_TRAIN_IMAGES
        ),
        "train-labels-idx1-ubyte.gz": Checksum(
            gz="3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", size=_TRAIN_LABELS
        ),
        "t10k-images-idx3-ubyte.gz": Checksum(
            gz="8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", size=_TEST_IMAGES
        ),
        "t10k-labels-idx1-ubyte.gz": Checksum(
            gz="f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", size=_TEST_LABELS
        ),
    },
}

# Base URLs tried in order; each file is <base>/<file name>. Overridden by the ``mirrors=``
# argument or by $TINYGRAD_EDU_MIRROR (one or more URLs separated by commas or spaces).
FASHION_MNIST_MIRRORS = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
)
MNIST_MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
MIRRORS = {"fashion-mnist": FASHION_MNIST_MIRRORS, "mnist": MNIST_MIRRORS}

SYSTEM_DIRS = (Path("/usr/share/datasets"),)  # Debian's dataset-* packages install into <dir>/<dataset>
DOWNLOAD_TIMEOUT = 60  # seconds without data before a download is given up

_TITLES = {"fashion-mnist": "Fashion-MNIST", "mnist": "MNIST"}
_PACKAGES = {"fashion-mnist": "dataset-fashion-mnist"}  # the Debian/Ubuntu package, where there is one

# IDX type codes and the big-endian dtypes they stand for.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class ChecksumError(ValueError):
    """A data file is damaged or is not the expected file (its SHA-256 differs)."""


class DownloadError(RuntimeError):
    """No mirror delivered a good copy of a file."""


Split = tuple[np.ndarray, np.ndarray]


# ---------------------------------------------------------------------------- public loaders
def fashion_mnist(
    root: str | os.PathLike | None = None, download: bool = True, mirrors: str | Sequence[str] | None = None
) -> tuple[Split, Split]:
    """Zalando's Fashion-MNIST: 60,000 + 10,000 grey 28x28 images of clothes in 10 classes.

    Returns ``(x_train, y_train), (x_test, y_test)``: ``uint8`` images ``(N, 28, 28)`` and
    ``int64`` labels (0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
    7 Sneaker, 8 Bag, 9 Ankle boot). See the module docstring for where the files are looked for.
    """
    return _load("fashion-mnist", root, download, mirrors)


def mnist(
    root: str | os.PathLike | None = None, download: bool = True, mirrors: str | Sequence[str] | None = None
) -> tuple[Split, Split]:
    """LeCun's MNIST: 60,000 + 10,000 grey 28x28 images of handwritten digits 0..9.

    Returns ``(x_train, y_train), (x_test, y_test)`` like ``fashion_mnist``.
    """
    return _load("mnist", root, download, mirrors)


def read_idx(source: str | os.PathLike | bytes) -> np.ndarray:
    """Parse an IDX file (a path, or its bytes; gzip-compressed or not) into a native-endian array.

    The file is read in chunks, and its header is checked against the file's size before any
    memory is set aside for the values, so a damaged or hostile file (a small gzip that would
    expand to gigabytes) is refused quickly instead of filling the memory.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return _read_idx(io.BytesIO(source), "<IDX bytes>", _REMEDY)
    if not isinstance(source, str | os.PathLike):
        raise TypeError(f"read_idx: expected a file path or the file's bytes, got {type(source).__name__}")
    with open(source, "rb") as file:
        return _read_idx(file, os.fspath(source), _REMEDY)


def search_dirs(name: str, root: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched for dataset ``name`` ("fashion-mnist" or "mnist"), first match wins."""
    if name not in CHECKSUMS:
        raise ValueError(f"search_dirs: unknown dataset {name!r}; known: {', '.join(CHECKSUMS)}")
    check_root(root, "search_dirs")
    dirs = [] if root is None else [Path(root).expanduser()]
    if os.environ.get("TINYGRAD_EDU_DATA"):
        dirs.append(Path(os.environ["TINYGRAD_EDU_DATA"]).expanduser() / name)
    dirs.append(cache_dir() / name)
    return dirs + [folder / name for folder in SYSTEM_DIRS]


def check_root(root: object, who: str) -> None:
    """A clear error for a ``root`` that cannot be the data folder: not a path, or an existing file."""
    if root is None:
        return
    if not isinstance(root, str | os.PathLike):
        raise TypeError(f"{who}: root must be a folder path (str or pathlib.Path) or None, got {type(root).__name__}")
    if Path(root).expanduser().is_file():
        raise NotADirectoryError(f"{who}: root {root} is a file; give the folder that holds (or will hold) the data")


def cache_dir() -> Path:
    """Where downloads go: ``$XDG_CACHE_HOME/tinygrad_edu``, else ``~/.cache/tinygrad_edu``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tinygrad_edu"


# ---------------------------------------------------------------------------- finding and loading
def _load(
    name: str, root: str | os.PathLike | None, download: bool, mirrors: str | Sequence[str] | None
) -> tuple[Split, Split]:
    check_root(root, name.replace("-", "_"))
    target = Path(root).expanduser() if root is not None else cache_dir() / name
    how = f"call {name.replace('-', '_')}(download=True) to download them into {target}"
    arrays, paths = load_files(name, FILES, search_dirs(name, root), target, download, how, mirrors)
    return _images_and_labels(arrays, "train", paths), _images_and_labels(arrays, "t10k", paths)


def load_files(
    name: str,
    files: Sequence[str],
    dirs: list[Path],
    target: Path,
    download: bool,
    how_to_download: str,
    mirrors: str | Sequence[str] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Path]]:
    """Find ``files`` of dataset ``name`` in ``dirs`` (first match wins), download the missing ones
    into ``target`` (or say ``how_to_download`` when ``download`` is False), verify and parse them.

    Returns the arrays and the paths they came from, both keyed by the standard ``.gz`` file name.
    """
    urls = _mirror_list(name, mirrors)  # checked even when nothing is missing
    paths = {file: _find(file, dirs) for file in files}
    missing = [file for file, path in paths.items() if path is None]
    if missing and not download:
        raise FileNotFoundError(_missing_message(name, missing, dirs, how_to_download))
    for file in missing:
        paths[file] = _download(file, target, urls, CHECKSUMS[name][file])
    arrays = {}
    for file, path in paths.items():
        with open(path, "rb") as stream:
            compressed = path.suffix == ".gz"
            arrays[file] = _read_idx(stream, str(path), _remedy(path), CHECKSUMS[name][file], compressed)
    return arrays, paths


def _find(file: str, dirs: list[Path]) -> Path | None:
    """The first ``folder/file``, or its decompressed twin without ``.gz`` (as torchvision keeps it)."""
    candidates = (folder / name for folder in dirs for name in (file, file.removesuffix(".gz")))
    return next((path for path in candidates if path.is_file()), None)


def _images_and_labels(arrays: dict[str, np.ndarray], split: str, paths: dict) -> Split:
    """Check that images and labels fit together; labels become int64 as in Keras and PyTorch."""
    images, labels = arrays[f"{split}-images-idx3-ubyte.gz"], arrays[f"{split}-labels-idx1-ubyte.gz"]
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"{paths[f'{split}-images-idx3-ubyte.gz']} holds images of shape {tuple(images.shape)} but "
            f"{paths[f'{split}-labels-idx1-ubyte.gz']} holds labels of shape {tuple(labels.shape)}; "
            "they should be (N, rows, cols) and (N,)"
        )
    return images, labels.astype(np.int64)


def _check_hash(hasher: Any, expected: str, what: str, label: str, remedy: str) -> None:
    actual = hasher.hexdigest()
    if actual != expected:
        raise ChecksumError(
            f"{label}: checksum mismatch: the SHA-256 of {what} should be {expected} but is {actual}. "
            f"The file is damaged or is another dataset's file (MNIST and Fashion-MNIST use the same "
            f"file names, so keep them in separate folders). {remedy}"
        )


_REMEDY = "Delete the file and download it again (or reinstall the package that installed it)."


def _remedy(path: Path) -> str:
    """What to do about a bad file: the cache heals itself; a system file needs its package."""
    if any(path.is_relative_to(folder) for folder in SYSTEM_DIRS):
        package = _PACKAGES.get(path.parent.name, "the package that installed it")
        return f"Reinstall {package} (e.g. sudo apt-get install --reinstall {package}), or delete the file."
    return f"Delete it (rm {path}); it will be downloaded again on the next call."


def _missing_message(name: str, missing: list[str], dirs: list[Path], how: str) -> str:
    title = _TITLES[name]
    if name in _PACKAGES:
        how = f"install them with `sudo apt-get install {_PACKAGES[name]}` (Debian/Ubuntu), or {how}"
    return (
        f"{title} files not found: {', '.join(missing)}. Searched these folders, in order:\n"
        + "".join(f"  {folder}\n" for folder in dirs)
        + f"To get them: {how}, or copy the four .gz files into one of the folders above."
    )


# ---------------------------------------------------------------------------- the IDX format
_CHUNK = 1 << 20  # bytes read (and decompressed) at a time
_MAX_DIMS = 16  # real IDX files have 1 to 3 dimensions; a larger count is a damaged header
# Deflate, gzip's compression, turns one input byte into at most 1032 bytes of output (its best
# case: a 258-byte repeat coded in 2 bits), so a header that claims more than that is a lie.
_MAX_GZIP_RATIO = 1032


def _read_idx(
    file: BinaryIO, name: str, remedy: str, checksum: Checksum | None = None, compressed: bool | None = None
) -> np.ndarray:
    """Read an IDX file from ``file``, checking ``checksum`` on the way, with bounded memory.

    ``compressed`` says whether ``file`` is gzip (None: look at its first bytes). The header comes
    first: its shape must fit what the file can hold (and the size the checksum names) before the
    values get their array, and then the values are read straight into that array in chunks,
    hashed as they come, and refused as soon as there are more of them than the header says.
    """
    size = file.seek(0, os.SEEK_END)
    file.seek(0)
    if checksum is not None and checksum.gz is not None and compressed is not False:
        _check_hash(_sha256_of(file), checksum.gz, "the .gz file", name, remedy)
        file.seek(0)
    if compressed is None:
        compressed = file.read(2) == b"\x1f\x8b"  # the gzip magic number
        file.seek(0)
    hasher = hashlib.sha256() if checksum is not None and checksum.payload is not None else None
    stream = _Payload(gzip.GzipFile(fileobj=file) if compressed else file, hasher, name, remedy, compressed)
    shape, dtype = _read_header(stream, name, remedy)
    header_size = 4 + 4 * len(shape)
    values_size = math.prod(shape) * dtype.itemsize
    described = f"its header describes {dtype.name} values of shape {shape}, {header_size + values_size:,} bytes in all"
    if checksum is not None and checksum.size is not None and header_size + values_size != checksum.size:
        raise ChecksumError(f"{name}: {described}, but the genuine file holds {checksum.size:,} bytes. {remedy}")
    if not compressed and header_size + values_size != size:
        problem = "truncated" if size < header_size + values_size else "too long (extra bytes after the values)"
        raise ValueError(f"{name}: IDX file {problem}: {described}, but it has {size:,} bytes. {remedy}")
    if compressed and values_size > _MAX_GZIP_RATIO * size:
        raise ValueError(
            f"{name}: IDX file truncated: {described}, but a gzip file of {size:,} bytes can hold at most "
            f"{_MAX_GZIP_RATIO * size:,}. {remedy}"
        )
    values = bytearray(values_size)  # the array's own memory: filled in place, never copied
    got = stream.read_into(values)
    if got < values_size or stream.read(1):
        problem = "truncated" if got < values_size else "too long (extra bytes after the values)"
        length = f"{header_size + got:,} bytes" if got < values_size else "more bytes"
        raise ValueError(f"{name}: IDX file {problem}: {described}, but it has {length}. {remedy}")
    if hasher is not None:
        _check_hash(hasher, checksum.payload, "its decompressed IDX data", name, remedy)
    array = np.frombuffer(values, dtype).reshape(shape)  # writable: it is a view of the bytearray
    return array.byteswap(inplace=True).view(dtype.newbyteorder("=")) if dtype.byteorder == ">" else array


def _read_header(stream: _Payload, name: str, remedy: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype an IDX header describes: two zero bytes, a type code, ndim, the sizes."""
    start = stream.read(4)
    if len(start) < 4 or start[0] != 0 or start[1] != 0:
        raise ValueError(
            f"{name}: not an IDX file: bad magic number {start.hex() or '(empty file)'} (an IDX file starts "
            f"with two zero bytes, a type code and the number of dimensions). {remedy}"
        )
    code, ndim = start[2], start[3]
    if code not in _IDX_DTYPES:
        known = ", ".join(f"0x{c:02x} {dtype.name}" for c, dtype in _IDX_DTYPES.items())
        raise ValueError(f"{name}: unknown IDX data type code 0x{code:02x}; known codes: {known}. {remedy}")
    if not 1 <= ndim <= _MAX_DIMS:
        raise ValueError(
            f"{name}: the IDX header gives {ndim} dimensions; an IDX file has 1 to {_MAX_DIMS} "
            f"(MNIST's have 1 or 3), so the file is damaged. {remedy}"
        )
    sizes = stream.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise ValueError(f"{name}: truncated IDX file: it ends inside its header. {remedy}")
    return struct.unpack(f">{ndim}I", sizes), _IDX_DTYPES[code]


class _Payload:
    """The decompressed bytes of an IDX file, read in chunks and hashed as they are read.

    Errors of a gzip stream that is damaged or cut short become a ``ChecksumError`` naming the file.
    """

    def __init__(self, stream: BinaryIO, hasher: Any, name: str, remedy: str, compressed: bool) -> None:
        self.stream, self.hasher, self.name, self.remedy, self.compressed = stream, hasher, name, remedy, compressed

    def read(self, n: int) -> bytes:
        with self._gzip_errors():
            data = self.stream.read(n)
        if self.hasher is not None:
            self.hasher.update(data)
        return data

    def read_into(self, buffer: bytearray) -> int:
        """Fill ``buffer`` chunk by chunk; the number of bytes read (fewer at the end of the file)."""
        view, filled = memoryview(buffer), 0
        with view:
            while filled < len(buffer):
                with self._gzip_errors():
                    got = self.stream.readinto(view[filled : filled + _CHUNK])
                if not got:
                    break
                if self.hasher is not None:
                    self.hasher.update(view[filled : filled + got])
                filled += got
        return filled

    @contextlib.contextmanager
    def _gzip_errors(self) -> Iterator[None]:
        try:
            yield
        except (OSError, EOFError, zlib.error) as error:  # not gzip, truncated, or corrupt inside
            if not self.compressed:
                raise
            raise ChecksumError(f"{self.name} is not a complete gzip file ({error}). {self.remedy}") from error


def _sha256_of(file: BinaryIO) -> Any:
    """The SHA-256 of ``file``'s bytes from where it stands, read in chunks."""
    hasher = hashlib.sha256()
    while chunk := file.read(_CHUNK):
        hasher.update(chunk)
    return hasher


# ---------------------------------------------------------------------------- downloading
def _mirror_list(name: str, mirrors: str | Sequence[str] | None) -> list[str]:
    if mirrors is None:
        mirrors = os.environ.get("TINYGRAD_EDU_MIRROR") or MIRRORS[name]
    if isinstance(mirrors, str):
        mirrors = mirrors.replace(",", " ").split()
    if not isinstance(mirrors, Sequence) or not all(isinstance(url, str) for url in mirrors):
        raise TypeError(f"mirrors must be a URL or a list of URLs (strings), got {mirrors!r}")
    return list(mirrors)


def _download(file: str, folder: Path, mirrors: list[str], checksum: Checksum) -> Path:
    """Fetch ``file`` from the first mirror that delivers a good copy; return its final path."""
    folder.mkdir(parents=True, exist_ok=True)
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + file
        print(f"tinygrad_edu: downloading {url}", file=sys.stderr)
        try:
            return _fetch(url, folder / file, checksum)
        except (OSError, http.client.HTTPException, ChecksumError) as error:  # URLError is an OSError
            failures.append(f"  {url}: {error}")
    raise DownloadError(
        f"could not download {file}:\n"
        + "\n".join(failures)
        + f"\nDownload it yourself (e.g. from one of the URLs above) and put it in {folder}, "
        "or point $TINYGRAD_EDU_MIRROR (or mirrors=) at a server that has it."
    )


def _fetch(url: str, target: Path, checksum: Checksum) -> Path:
    """Download into a temporary file beside ``target``, verify it, then rename it into place.

    ``atomic_write`` renames only when the block succeeds, so ``target`` is either absent or
    complete and verified: an interrupted or corrupt download never leaves a partial file behind.
    """
    with atomic_write(target) as out, urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
        _copy_at_most(response, out, _max_download_size(checksum))
        if getattr(response, "length", None):  # bytes promised by Content-Length but never sent
            raise OSError(f"incomplete download: the connection closed {response.length} bytes early")
        _read_idx(out, "the downloaded file", "The server sent a damaged or different file.", checksum, True)
    return target


def _max_download_size(checksum: Checksum) -> int | None:
    """The most bytes a gzip of the genuine file can take: its payload stored uncompressed, in
    blocks of 65,535 bytes with 5 bytes of framing each, plus the gzip header (None: unknown)."""
    if checksum.size is None:
        return None
    return checksum.size + 5 * (checksum.size // 65_535 + 1) + 1024


def _copy_at_most(source: BinaryIO, target: BinaryIO, limit: int | None) -> None:
    """Copy ``source`` into ``target`` in chunks, refusing more than ``limit`` bytes (a server that
    sends without end would otherwise fill the disk)."""
    copied = 0
    while chunk := source.read(_CHUNK):
        copied += len(chunk)
        if limit is not None and copied > limit:
            raise ChecksumError(f"the server sent more than {limit:,} bytes, more than the file can take")
        target.write(chunk)
