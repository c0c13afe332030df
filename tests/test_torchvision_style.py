"""torchvision-style data: the MNIST and FashionMNIST Datasets, tinygrad_edu.transforms, and both in a DataLoader.

torchvision is not a dependency (nor installed for the tests), so the expected values are those
torchvision documents, worked out by hand: ``ToTensor`` is ``x / 255`` in float32 with the channel
axis first, ``Normalize`` is ``(x - mean) / std`` per channel in the tensor's dtype. Where torch is
installed, the arithmetic is also checked against torch doing what torchvision does.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from test_datasets import gz_files, idx_bytes, make_dataset, payload_checksums

import tinygrad_edu as tg
from tinygrad_edu import transforms
from tinygrad_edu.data import datasets as files
from tinygrad_edu.datasets import MNIST, FashionMNIST

SYSTEM_FASHION = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
MNIST_CLASSES = [f"{i} - {word}" for i, word in enumerate("zero one two three four five six seven eight nine".split())]


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No data variables, a private cache and an empty "system" folder: only what a test writes is found."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TINYGRAD_EDU_DATA", raising=False)
    monkeypatch.delenv("TINYGRAD_EDU_MIRROR", raising=False)
    monkeypatch.setattr(files, "SYSTEM_DIRS", (tmp_path / "system",))
    return tmp_path


@pytest.fixture
def fake(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, np.ndarray]:
    """A tiny fake Fashion-MNIST and MNIST (12 train, 5 test images) whose hashes replace the real ones."""
    arrays = make_dataset(seed=3)
    for name in ("fashion-mnist", "mnist"):
        monkeypatch.setitem(files.CHECKSUMS, name, payload_checksums(arrays))
    return arrays


def _write(folder: Path, contents: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return folder


# ---------------------------------------------------------------------------- the modules
def test_real_module_imports_and_the_old_names_still_work():
    import tinygrad_edu.datasets as module

    assert tg.datasets is module and module.FashionMNIST is FashionMNIST
    assert tg.datasets.fashion_mnist is files.fashion_mnist and tg.datasets.mnist is files.mnist
    assert tg.data.datasets is files and tg.datasets.CHECKSUMS is files.CHECKSUMS  # the rest, read from there
    assert tg.transforms is transforms
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        tg.datasets.nothing  # noqa: B018


# ---------------------------------------------------------------------------- datasets
@pytest.mark.parametrize("layout", ["torchvision", "torchvision_decompressed", "flat"])
def test_fashion_mnist_reads_either_layout(fake, isolated, layout):
    root = isolated / "data"
    if layout == "flat":
        _write(root, gz_files(fake))
    elif layout == "torchvision":
        _write(root / "FashionMNIST" / "raw", gz_files(fake))
    else:  # what torchvision leaves after extracting: the files without .gz
        _write(root / "FashionMNIST" / "raw", {name[:-3]: idx_bytes(array) for name, array in fake.items()})
    train, test = FashionMNIST(str(root)), FashionMNIST(root, train=False)
    assert len(train) == 12 and len(test) == 5
    assert train.data.dtype == np.uint8 and tuple(train.data.shape) == (12, 28, 28)
    assert test.targets.dtype == np.int64 and tuple(test.targets.shape) == (5,)
    np.testing.assert_array_equal(train.data.numpy(), fake["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(test.targets.numpy(), fake["t10k-labels-idx1-ubyte.gz"])
    image, label = test[2]
    assert type(image) is np.ndarray and image.dtype == np.uint8 and image.shape == (28, 28)
    np.testing.assert_array_equal(image, fake["t10k-images-idx3-ubyte.gz"][2])
    assert type(label) is int and label == int(fake["t10k-labels-idx1-ubyte.gz"][2])
    np.testing.assert_array_equal(test[-1][0], fake["t10k-images-idx3-ubyte.gz"][-1])


def test_classes_are_torchvisions(fake, isolated):
    _write(isolated / "d", gz_files(fake))
    fashion, digits = FashionMNIST(isolated / "d", train=False), MNIST(isolated / "d", train=False)
    assert fashion.classes == FASHION_CLASSES and digits.classes == MNIST_CLASSES
    assert fashion.class_to_idx["Ankle boot"] == 9 and digits.class_to_idx["3 - three"] == 3


def test_transforms_and_samples(fake, isolated):
    _write(isolated / "d", gz_files(fake))
    seen = []
    dataset = FashionMNIST(isolated / "d", transform=lambda x: (seen.append(x.shape), x.sum())[1], target_transform=str)
    image_sum, label = dataset[0]
    assert image_sum == fake["train-images-idx3-ubyte.gz"][0].sum() and seen == [(28, 28)]
    assert label == str(fake["train-labels-idx1-ubyte.gz"][0])
    plain = FashionMNIST(isolated / "d")
    image, _ = plain[0]
    image[:] = 0  # the caller owns the sample: the dataset is unchanged
    np.testing.assert_array_equal(plain.data.numpy()[0], fake["train-images-idx3-ubyte.gz"][0])
    with pytest.raises(IndexError, match="index 12 is out of range for 12 samples"):
        plain[12]
    with pytest.raises(TypeError, match="index must be an integer"):
        plain["0"]
    assert [label for _, label in plain] == fake["train-labels-idx1-ubyte.gz"].tolist()  # iteration stops


def test_repr_is_torchvisions(fake, isolated):
    _write(isolated / "d", gz_files(fake))
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    dataset = FashionMNIST(str(isolated / "d"), train=False, transform=transform)
    assert repr(dataset) == (
        "Dataset FashionMNIST\n"
        "    Number of datapoints: 5\n"
        f"    Root location: {isolated / 'd'}\n"
        "    Split: Test\n"
        "    StandardTransform\n"
        "Transform: Compose(\n"
        "               ToTensor()\n"
        "               Normalize(mean=(0.5,), std=(0.5,))\n"
        "           )"
    )
    assert repr(MNIST(isolated / "d")).splitlines()[-1] == "    Split: Train"


def test_missing_files_say_where_and_what_to_do(isolated, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(isolated / "env"))
    with pytest.raises(FileNotFoundError) as info:
        FashionMNIST(isolated / "data", train=False)
    message = str(info.value)
    assert "t10k-images-idx3-ubyte.gz" in message and "train-images" not in message  # only the split asked for
    folders = [line.strip() for line in message.splitlines() if line.startswith("  ")]
    assert folders == [
        str(isolated / "data" / "FashionMNIST" / "raw"),
        str(isolated / "data"),
        str(isolated / "env" / "fashion-mnist"),
        str(isolated / "cache" / "tinygrad_edu" / "fashion-mnist"),
        str(isolated / "system" / "fashion-mnist"),
    ]
    assert "FashionMNIST(root, download=True)" in message and "apt-get install dataset-fashion-mnist" in message


def test_bad_roots_and_transforms_are_refused(isolated):
    (isolated / "a-file").write_text("")
    with pytest.raises(NotADirectoryError, match=r"FashionMNIST: root .*a-file is a file"):
        FashionMNIST(isolated / "a-file")
    with pytest.raises(TypeError, match=r"MNIST: root must be a folder path \(str or pathlib\.Path\) or None, got int"):
        MNIST(3)
    with pytest.raises(TypeError, match=r"FashionMNIST: transform must be a function .*got list"):
        FashionMNIST(isolated, transform=[transforms.ToTensor()])  # a list where Compose(...) was meant
    with pytest.raises(TypeError, match="target_transform must be a function"):
        FashionMNIST(isolated, target_transform=3)
    with pytest.raises(TypeError, match="fashion_mnist: root must be a folder path"):
        tg.datasets.fashion_mnist(root=3)
    with pytest.raises(TypeError, match="mirrors must be a URL or a list of URLs"):
        tg.datasets.fashion_mnist(root=isolated / "empty", mirrors=3)


@pytest.mark.parametrize("index", [1.0, "0", True, None])
def test_sample_indices_must_be_integers(fake, isolated, index):
    _write(isolated / "system" / "fashion-mnist", gz_files(fake))
    with pytest.raises(TypeError, match="FashionMNIST: a sample index must be an integer"):
        FashionMNIST(None)[index]


def test_falls_back_to_the_usual_lookup(fake, isolated):
    _write(isolated / "system" / "fashion-mnist", gz_files(fake))
    np.testing.assert_array_equal(FashionMNIST(isolated / "empty").targets.numpy(), fake["train-labels-idx1-ubyte.gz"])


def test_a_damaged_file_is_refused(fake, isolated):
    contents = gz_files(fake)
    contents["t10k-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(np.zeros(5, np.uint8)))
    _write(isolated / "d" / "MNIST" / "raw", contents)
    with pytest.raises(files.ChecksumError, match="checksum mismatch"):
        MNIST(isolated / "d", train=False)


def test_download_goes_into_the_torchvision_folder(fake, isolated, monkeypatch):
    """download=True uses the library's downloader, into root/<class name>/raw, fetching only the split's files."""
    fetched = []

    def fake_download(file, folder, mirrors, checksum):
        fetched.append(file)
        return _write(folder, {file: gz_files(fake)[file]}) / file

    monkeypatch.setattr(files, "_download", fake_download)
    dataset = FashionMNIST(isolated / "data", train=False, download=True)
    assert fetched == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] and len(dataset) == 5
    assert sorted(p.name for p in (isolated / "data" / "FashionMNIST" / "raw").iterdir()) == sorted(fetched)
    FashionMNIST(isolated / "data", train=False, download=True)
    assert len(fetched) == 2  # found the second time


# ---------------------------------------------------------------------------- transforms
def test_to_tensor_scales_uint8_and_moves_channels():
    grey = np.array([[0, 1, 128], [254, 255, 51]], np.uint8)
    out = transforms.ToTensor()(grey)
    assert out.dtype == np.float32 and tuple(out.shape) == (1, 2, 3) and not out.requires_grad
    expected = np.array([[[0.0, 1 / 255, 128 / 255], [254 / 255, 1.0, 0.2]]], np.float32)  # rounded once to float32
    np.testing.assert_array_equal(out.numpy(), expected)
    colour = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)  # H x W x C
    out = transforms.ToTensor()(colour)
    assert tuple(out.shape) == (3, 2, 4)
    np.testing.assert_array_equal(out.numpy()[1], colour[:, :, 1].astype(np.float32) / np.float32(255))


def test_to_tensor_keeps_other_dtypes_unscaled():
    image = np.linspace(0, 3, 12).reshape(2, 2, 3)  # float64, not in [0, 1]: torchvision leaves it alone
    out = transforms.ToTensor()(image)
    assert out.dtype == np.float64 and tuple(out.shape) == (3, 2, 2)
    np.testing.assert_array_equal(out.numpy(), image.transpose(2, 0, 1))
    assert transforms.ToTensor()(np.ones((2, 2), np.int32)).numpy().tolist() == [[[1, 1], [1, 1]]]


def test_to_tensor_matches_torch_doing_torchvisions_steps():
    torch = pytest.importorskip("torch")
    image = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    theirs = torch.from_numpy(image.transpose(2, 0, 1)).contiguous().to(torch.float32).div(255)
    np.testing.assert_array_equal(transforms.ToTensor()(image).numpy(), theirs.numpy())


def test_normalize_per_channel():
    x = tg.Tensor(np.arange(12, dtype=np.float32).reshape(3, 2, 2) / 10)
    out = transforms.Normalize((0.1, 0.2, 0.3), (0.5, 1.0, 2.0))(x)
    expected = (x.numpy() - np.array([0.1, 0.2, 0.3], np.float32)[:, None, None]) / np.array(
        [0.5, 1.0, 2.0], np.float32
    )[:, None, None]
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), expected)
    batch = tg.Tensor(np.ones((2, 1, 2, 2), np.float32))  # (N, C, H, W) too
    assert transforms.Normalize(0.5, 0.25)(batch).numpy().tolist() == (np.full((2, 1, 2, 2), 2.0)).tolist()
    inplace = tg.Tensor(np.ones((1, 2, 2), np.float32))
    assert transforms.Normalize((0.5,), (0.5,), inplace=True)(inplace) is inplace and inplace.tolist()[0][0] == [1, 1]


def test_normalize_matches_torch_doing_torchvisions_steps():
    torch = pytest.importorskip("torch")
    image = np.random.default_rng(1).random((3, 4, 5), dtype=np.float32)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    theirs = torch.from_numpy(image.copy())
    theirs.sub_(torch.as_tensor(mean, dtype=theirs.dtype).view(-1, 1, 1)).div_(
        torch.as_tensor(std, dtype=theirs.dtype).view(-1, 1, 1)
    )
    np.testing.assert_array_equal(transforms.Normalize(mean, std)(tg.Tensor(image)).numpy(), theirs.numpy())


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: transforms.ToTensor()(tg.ones(2, 2)), TypeError, "already a Tensor"),
        (lambda: transforms.ToTensor()(np.ones((1, 2, 2, 3))), ValueError, r"got shape \(1, 2, 2, 3\)"),
        (lambda: transforms.Normalize(0.5, 0.5)(np.ones((1, 2, 2))), TypeError, r"use ToTensor\(\) first"),
        (lambda: transforms.Normalize(0.5, 0.5)(tg.ones(1, 2, 2, dtype=tg.int64)), TypeError, "float tensor"),
        (lambda: transforms.Normalize(0.5, 0.5)(tg.ones(2, 2)), ValueError, r"\(..., C, H, W\)"),
        (lambda: transforms.Normalize((0.5, 0.5), (1, 1))(tg.ones(3, 2, 2)), ValueError, "has 2 values but"),
        (lambda: transforms.Normalize((0.5,), (0,))(tg.ones(1, 2, 2)), ValueError, "std .* is zero"),
        (lambda: transforms.Lambda(3), TypeError, "expected a function"),
        (lambda: transforms.Compose([transforms.ToTensor(), "flip"]), TypeError, "transform 1 is a str"),
        (lambda: transforms.Compose(transforms.ToTensor()), TypeError, "expected a list of transforms, got ToTensor"),
        (lambda: transforms.Normalize((0.5,), "a"), TypeError, "std must hold numbers, got 'a'"),
        (lambda: transforms.Normalize(None, 1), TypeError, "mean must be a number or a list of numbers"),
        (lambda: transforms.Normalize((), ()), TypeError, "mean must be a number or a list of numbers"),
        (lambda: transforms.ToTensor()(np.zeros((2, 2), np.complex64)), TypeError, "dtype complex64"),
        (lambda: transforms.ToTensor()(np.zeros(4, np.uint8)), ValueError, r"got shape \(4,\)"),
    ],
)
def test_transform_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_lambda_and_reprs():
    flatten = transforms.Lambda(lambda x: x.reshape(-1))
    assert tuple(transforms.Compose([transforms.ToTensor(), flatten])(np.zeros((2, 3), np.uint8)).shape) == (6,)
    assert repr(flatten) == "Lambda()" and repr(transforms.ToTensor()) == "ToTensor()"
    assert repr(transforms.Normalize([0.1, 0.2], [1, 2])) == "Normalize(mean=[0.1, 0.2], std=[1, 2])"
    assert repr(transforms.Compose([flatten])) == "Compose(\n    Lambda()\n)"


# ---------------------------------------------------------------------------- end to end
def _normalized_loader(root: Path, batch_size: int) -> tg.data.DataLoader:
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    return tg.data.DataLoader(FashionMNIST(root, train=False, transform=transform), batch_size=batch_size)


def _by_hand(images: np.ndarray) -> np.ndarray:
    """What torchvision gives: (x / 255 - 0.5) / 0.5, each step in float32, a channel axis of 1."""
    half = np.float32(0.5)
    return ((images.astype(np.float32) / np.float32(255) - half) / half)[:, None]


def test_loader_over_fashion_mnist_gives_torchvisions_batches(fake, isolated):
    _write(isolated / "data" / "FashionMNIST" / "raw", gz_files(fake))
    batches = list(_normalized_loader(isolated / "data", batch_size=2))
    assert [tuple(x.shape) for x, _ in batches] == [(2, 1, 28, 28), (2, 1, 28, 28), (1, 1, 28, 28)]
    images, labels = fake["t10k-images-idx3-ubyte.gz"], fake["t10k-labels-idx1-ubyte.gz"]
    for i, (x, y) in enumerate(batches):
        assert x.dtype == np.float32 and y.dtype == np.int64
        np.testing.assert_array_equal(x.numpy(), _by_hand(images[2 * i : 2 * i + 2]))
        assert y.tolist() == labels[2 * i : 2 * i + 2].tolist()
    assert batches[0][0].numpy().min() >= -1 and batches[0][0].numpy().max() <= 1


@pytest.mark.skipif(not SYSTEM_FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist package")
def test_real_fashion_mnist_test_set(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "SYSTEM_DIRS", (SYSTEM_FASHION.parent,))
    monkeypatch.delenv("TINYGRAD_EDU_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    dataset = FashionMNIST(tmp_path / "data", train=False)
    assert len(dataset) == 10000 and dataset.data.dtype == np.uint8 and tuple(dataset.data.shape) == (10000, 28, 28)
    assert np.bincount(dataset.targets.numpy()).tolist() == [1000] * 10
    assert dataset[0][1] == 9 and dataset.classes[dataset[0][1]] == "Ankle boot"  # the first test image is a boot
    x, y = next(iter(_normalized_loader(tmp_path / "data", batch_size=64)))
    assert tuple(x.shape) == (64, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), _by_hand(dataset.data.numpy()[:64]))
    assert y.tolist() == dataset.targets.numpy()[:64].tolist()
    assert x.numpy().min() == -1.0 and x.numpy().max() == 1.0
    assert len(FashionMNIST(tmp_path / "data")) == 60000
