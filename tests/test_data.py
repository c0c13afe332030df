"""Dataset, TensorDataset, Subset, DataLoader, random_split, train_val_split and the toy datasets."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.creation import Generator
from tinygrad_edu.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    collate,
    random_split,
    regression_1d,
    spirals,
    train_val_split,
    two_moons,
    xor,
)


class Numbers(Dataset):
    """Sample i is ``(features, label)`` with every feature equal to i, so a batch shows its indices."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int):
        if not 0 <= index < self.n:
            raise IndexError(index)
        return np.full(3, index, dtype=np.float32), index


class OnlyLength(Dataset):
    """A dataset that is never indexed: enough to count batches without any data."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int):
        raise AssertionError("len(loader) must not read samples")


def epoch_indices(loader: DataLoader) -> list[np.ndarray]:
    """The sample indices of each batch of one epoch (the last field of a sample is its index)."""
    return [(batch[-1] if isinstance(batch, list) else batch).numpy() for batch in loader]


# ---------------------------------------------------------------------------- batch counts
@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last", "expected"),
    [(60000, 32, False, 1875), (60000, 64, True, 937), (60000, 64, False, 938), (10, 3, False, 4), (10, 3, True, 3),
     (10, 10, True, 1), (10, 20, False, 1), (10, 20, True, 0), (0, 4, False, 0), (1, 1, False, 1)],
)  # fmt: skip
def test_len_is_the_number_of_batches(n, batch_size, drop_last, expected):
    assert len(DataLoader(OnlyLength(n), batch_size=batch_size, drop_last=drop_last)) == expected


def test_iterating_yields_len_batches():
    labels = np.zeros(60000, dtype=np.uint8)  # 60 kB stands in for 60,000 images
    for batch_size, drop_last, count, last in [(32, False, 1875, 32), (64, True, 937, 64), (64, False, 938, 32)]:
        batches = list(DataLoader(TensorDataset(labels), batch_size=batch_size, drop_last=drop_last, shuffle=True))
        assert len(batches) == count
        assert batches[-1][0].shape == (last,)


# ---------------------------------------------------------------------------- batch contents
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("make", [lambda n: TensorDataset(np.arange(n)), Numbers])
def test_every_sample_exactly_once(shuffle, make):
    loader = DataLoader(make(103), batch_size=10, shuffle=shuffle)
    batches = epoch_indices(loader)
    assert [len(b) for b in batches] == [10] * 10 + [3]
    seen = np.concatenate(batches)
    np.testing.assert_array_equal(np.sort(seen), np.arange(103))
    assert np.array_equal(seen, np.arange(103)) != shuffle  # in order exactly when not shuffled


@pytest.mark.parametrize("shuffle", [False, True])
def test_drop_last(shuffle):
    batches = epoch_indices(DataLoader(TensorDataset(np.arange(103)), batch_size=10, shuffle=shuffle, drop_last=True))
    assert [len(b) for b in batches] == [10] * 10
    seen = np.concatenate(batches)
    assert len(np.unique(seen)) == 100 and set(seen) <= set(range(103))
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(100))


def test_features_and_labels_stay_paired():
    x = np.arange(50 * 4, dtype=np.float32).reshape(50, 4)
    y = np.arange(50) * 10
    for xb, yb in DataLoader(TensorDataset(x, tg.Tensor(y)), batch_size=7, shuffle=True):
        np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy() / 10 * 4)
    for xb, yb in DataLoader(Numbers(20), batch_size=6, shuffle=True):
        np.testing.assert_array_equal(xb.numpy(), np.repeat(yb.numpy()[:, None], 3, axis=1))


def test_shuffle_reproducible_under_manual_seed_and_new_each_epoch():
    loader = DataLoader(TensorDataset(np.arange(100)), batch_size=16, shuffle=True)
    tg.manual_seed(0)
    first, second = np.concatenate(epoch_indices(loader)), np.concatenate(epoch_indices(loader))
    tg.manual_seed(0)
    again = np.concatenate(epoch_indices(loader))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)  # a new permutation each epoch
    tg.manual_seed(1)
    assert not np.array_equal(first, np.concatenate(epoch_indices(loader)))


def test_loader_created_before_manual_seed_uses_the_new_generator():
    loader = DataLoader(TensorDataset(np.arange(30)), batch_size=30, shuffle=True)
    tg.manual_seed(5)
    order = epoch_indices(loader)[0]
    tg.manual_seed(5)
    np.testing.assert_array_equal(order, np.random.default_rng(5).permutation(30))
    np.testing.assert_array_equal(order, epoch_indices(loader)[0])


# ---------------------------------------------------------------------------- dtypes and copies
def test_tensor_dataset_batches_keep_dtypes():
    x, y = np.zeros((10, 28, 28), np.uint8), np.arange(10, dtype=np.int64)
    xb, yb = next(iter(DataLoader(TensorDataset(x, y, np.ones(10)), batch_size=4)))[:2]
    assert isinstance(xb, tg.Tensor) and xb.dtype == np.uint8 and xb.shape == (4, 28, 28)
    assert yb.dtype == np.int64 and not xb.requires_grad


class Mixed(Dataset):
    def __len__(self) -> int:
        return 5

    def __getitem__(self, i: int):
        return np.ones(2), float(i), i, i % 2 == 0, np.uint8(i), np.zeros((2, 2), np.int32)


def test_collate_dtypes():
    batch = next(iter(DataLoader(Mixed(), batch_size=5)))
    assert isinstance(batch, list) and all(isinstance(t, tg.Tensor) for t in batch)  # a list, as default_collate
    assert [t.dtype for t in batch] == [np.float64, np.float64, np.int64, np.bool_, np.uint8, np.int32]
    assert [t.shape for t in batch] == [(5, 2), (5,), (5,), (5,), (5,), (5, 2, 2)]
    np.testing.assert_array_equal(batch[2].numpy(), np.arange(5))


def test_single_array_samples_give_one_tensor():
    class Plain(Dataset):
        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int):
            return np.full(2, i, np.float32)

    batch = next(iter(DataLoader(Plain(), batch_size=4)))
    assert isinstance(batch, tg.Tensor) and batch.shape == (4, 2)


def test_uncollatable_samples_raise():
    class Nothing(Dataset):
        def __len__(self) -> int:
            return 2

        def __getitem__(self, i: int):
            return None

    with pytest.raises(TypeError, match="cannot batch samples of type NoneType"):
        next(iter(DataLoader(Nothing(), batch_size=2)))


Point = collections.namedtuple("Point", "x y")

# Batches of samples whose default_collate result is known (PyTorch's rules, checked against torch below).
COLLATE_CASES = {
    "ints": [1, 2, 3],
    "floats": [0.5, 1.5],
    "float_then_int": [0.5, 2],
    "int_then_float": [0, 0.5],  # torch.tensor([0, 0.5]): the default float, not a truncated 0
    "bools": [True, False],
    "bool_then_int": [True, 2],
    "numpy_float32_scalars": [np.float32(1.5), np.float32(2.0)],
    "numpy_int_scalars": [np.int32(1), np.int32(2)],
    "int_then_numpy_float64": [1, np.float64(2.5)],
    "uint8_arrays": [np.zeros((2, 2), np.uint8), np.full((2, 2), 255, np.uint8)],
    "float64_arrays": [np.ones(3), np.zeros(3)],
    "tuples": [(np.ones(2, np.float32), 1, 0.25), (np.zeros(2, np.float32), 0, 0.75)],
    "lists": [[1, 2.5], [3, 4.5]],
    "dicts": [{"a": 1, "b": [0.5, np.int64(3)]}, {"a": 2, "b": [1.5, np.int64(4)]}],
    "strings": ["a", "b"],
    "named_tuples": [Point(1, 0.5), Point(2, 1.5)],
}


def _as_torch_input(value, torch):
    """The same sample for torch: our Tensors become torch tensors, everything else is shared."""
    if isinstance(value, tg.Tensor):
        return torch.from_numpy(value.numpy())
    return value


def _assert_collated_like_torch(ours, theirs, torch, where="batch"):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tg.Tensor), f"{where}: {type(ours).__name__}, torch gives a tensor"
        expected = theirs.numpy()
        assert ours.dtype == expected.dtype and ours.shape == expected.shape, f"{where}: {ours!r} vs {theirs!r}"
        np.testing.assert_array_equal(ours.numpy(), expected, err_msg=where)
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and ours.keys() == theirs.keys(), where
        for key in theirs:
            _assert_collated_like_torch(ours[key], theirs[key], torch, f"{where}[{key!r}]")
    elif isinstance(theirs, list | tuple):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), f"{where}: {type(ours)} vs {type(theirs)}"
        for i, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            _assert_collated_like_torch(mine, other, torch, f"{where}[{i}]")
    else:
        assert ours == theirs, where


@pytest.mark.parametrize("name", COLLATE_CASES)
def test_collate_matches_torch_default_collate(name):
    torch = pytest.importorskip("torch")
    samples = COLLATE_CASES[name]
    _assert_collated_like_torch(collate(samples), torch.utils.data.default_collate(samples), torch)


def test_collate_stacks_tensors_like_torch():
    torch = pytest.importorskip("torch")
    samples = [(tg.Tensor([1.0, 2.0]), tg.Tensor(3)), (tg.Tensor([4.0, 5.0]), tg.Tensor(6))]
    theirs = torch.utils.data.default_collate([tuple(_as_torch_input(t, torch) for t in s) for s in samples])
    _assert_collated_like_torch(collate(samples), theirs, torch)


def test_collate_by_hand():
    """The rules without torch: ints int64, Python floats float64, an int first then floats float32."""
    assert collate([1, 2]).dtype == np.int64
    assert collate([0.5, 2]).dtype == np.float64
    int_first = collate([0, 0.5])
    assert int_first.dtype == np.float32 and int_first.tolist() == [0.0, 0.5]
    assert collate(["a", "b"]) == ["a", "b"]
    x, y = collate([(np.ones(2, np.uint8), 3), (np.zeros(2, np.uint8), 4)])
    assert x.dtype == np.uint8 and x.tolist() == [[1, 1], [0, 0]] and y.tolist() == [3, 4]
    batch = collate([{"x": 1.5, "tags": ["p", 1]}, {"x": 2.5, "tags": ["q", 2]}])
    assert batch["x"].tolist() == [1.5, 2.5] and batch["tags"][0] == ["p", "q"] and batch["tags"][1].tolist() == [1, 2]
    assert collate([Point(1, 2), Point(3, 4)]).x.tolist() == [1, 3]


@pytest.mark.parametrize(
    "samples, error, message",
    [
        ([(1, 2), (1, 2), (1,)], ValueError, "same number of fields, but sample 0 has 2 and sample 2 has 1"),
        ([(1, 2), 3], ValueError, "sample 0 has 2 and sample 1 has a int"),
        ([np.zeros(2), np.zeros(2), np.zeros(3)], ValueError, r"sample 0 has shape \(2,\) but sample 2 has \(3,\)"),
        ([tg.zeros(2), tg.zeros(3)], ValueError, r"cannot stack tensors of different shapes: .* sample 1 has \(3,\)"),
        ([tg.zeros(2), np.zeros(2)], TypeError, "sample 0 is a Tensor on cpu but sample 1 is a ndarray"),
        ([1, "a"], TypeError, "sample 0 holds a int here but sample 1 holds 'a' of type str"),
        ([0.5, None], TypeError, "sample 1 holds None of type NoneType"),
        ([0.5, "1"], TypeError, "sample 0 holds a float"),
        ([np.array(["a"])], TypeError, "sample 0 is an array of dtype <U1"),
        ([object()], TypeError, "cannot batch samples of type object"),
        ([], ValueError, "the batch is empty"),
        ([{"a": 1}, {"b": 2}], ValueError, r"sample 0 is a dict with keys \['a'\] but sample 1 has \['b'\]"),
        ([0, 2**70], ValueError, "do not fit in one int64 tensor"),
        ([1 + 2j], TypeError, "cannot batch samples of type complex"),
    ],
)
def test_collate_errors_name_the_problem(samples, error, message):
    with pytest.raises(error, match=message):
        collate(samples)


NUMBERS = [0, 1.5, True, np.int64(2), np.int32(3), np.uint8(4), np.float32(0.5), np.float64(2.5), np.float16(1.0)]


@pytest.mark.parametrize("first", NUMBERS, ids=repr)
@pytest.mark.parametrize("second", NUMBERS, ids=repr)
def test_mixed_numbers_get_torchs_dtype(first, second):
    """Every pair of Python and NumPy numbers: the dtype and values of torch's default_collate."""
    torch = pytest.importorskip("torch")
    _assert_collated_like_torch(collate([first, second]), torch.utils.data.default_collate([first, second]), torch)


def test_mixed_arrays_and_tensors_promote_as_torch_stacks():
    torch = pytest.importorskip("torch")
    arrays = [np.arange(2, dtype=np.int64), np.full(2, 0.5, np.float32)]
    _assert_collated_like_torch(collate(arrays), torch.utils.data.default_collate(arrays), torch)
    tensors = [tg.tensor([1, 2]), tg.tensor([0.5, 1.5])]
    theirs = torch.utils.data.default_collate([torch.tensor([1, 2]), torch.tensor([0.5, 1.5])])
    _assert_collated_like_torch(collate(tensors), theirs, torch)


def test_float_targets_stay_float_through_a_loader():
    """A dataset of (features, float target) whose first target is 0: the 0.5s must not become 0."""

    class Halves(Dataset):
        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int):
            return np.full(2, i, np.float32), [0, 0.5, 1.5, 2][i]

    torch = pytest.importorskip("torch")
    ours = [y.tolist() for _, y in DataLoader(Halves(), batch_size=2)]
    theirs = [y.tolist() for _, y in torch.utils.data.DataLoader(Halves(), batch_size=2)]
    assert ours == theirs == [[0.0, 0.5], [1.5, 2.0]]


def test_loader_batches_are_lists_for_tensor_datasets_too():
    torch = pytest.importorskip("torch")
    x, y = np.arange(6, dtype=np.float32).reshape(3, 2), np.arange(3)
    ours = next(iter(DataLoader(TensorDataset(x, y), batch_size=2)))
    theirs = next(
        iter(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)), 2))
    )
    _assert_collated_like_torch(ours, theirs, torch)


def test_worker_options_are_accepted_and_loading_is_serial():
    calls = []
    loader = DataLoader(
        Numbers(10),
        batch_size=4,
        num_workers=2,
        pin_memory=True,
        prefetch_factor=2,
        persistent_workers=True,
        worker_init_fn=calls.append,
        timeout=5,
    )
    first = [x.numpy()[:, 0].tolist() for x, _ in loader]
    second = [x.numpy()[:, 0].tolist() for x, _ in loader]
    assert first == second == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert calls == [0]  # persistent workers start once
    DataLoader(Numbers(4), num_workers=1, worker_init_fn=calls.append).__iter__().__next__()
    assert calls == [0, 0]
    list(DataLoader(Numbers(4), worker_init_fn=calls.append))
    assert calls == [0, 0]  # as in PyTorch: no workers, no worker_init_fn


@pytest.mark.parametrize(
    "options, message",
    [
        ({"num_workers": -1}, "num_workers must be a non-negative integer"),
        ({"prefetch_factor": 2}, "prefetch_factor needs num_workers > 0"),
        ({"persistent_workers": True}, "persistent_workers=True needs num_workers > 0"),
        ({"timeout": -1}, "timeout must be a non-negative number"),
        ({"sampler": [0, 1], "shuffle": True}, "sampler is mutually exclusive with shuffle"),
        ({"batch_sampler": [[0, 1]], "batch_size": 2}, "batch_sampler is mutually exclusive"),
    ],
)
def test_loader_option_errors_match_torch(options, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(list(range(4)), **options)
    with pytest.raises(ValueError, match=message):
        DataLoader(Numbers(4), **options)


def test_sampler_and_batch_sampler_choose_the_indices():
    by_sampler = DataLoader(Numbers(10), batch_size=3, sampler=[9, 0, 5, 5, 2])
    assert len(by_sampler) == 2
    assert [x.numpy()[:, 0].tolist() for x, _ in by_sampler] == [[9, 0, 5], [5, 2]]
    by_batches = DataLoader(Numbers(10), batch_sampler=[[3, 1], [7], [0, 8, 2]])
    assert len(by_batches) == 3
    assert [y.tolist() for _, y in by_batches] == [[3, 1], [7], [0, 8, 2]]


def test_collate_fn_receives_the_samples():
    seen = []

    def keep(samples):
        seen.append(samples)
        return len(samples)

    x = np.arange(5, dtype=np.float32)
    assert list(DataLoader(TensorDataset(x), batch_size=2, collate_fn=keep)) == [2, 2, 1]
    assert [[float(t.item()) for (t,) in batch] for batch in seen] == [[0.0, 1.0], [2.0, 3.0], [4.0]]


def test_generator_makes_shuffling_reproducible():
    orders = []
    for _ in range(2):
        g = Generator().manual_seed(7)
        orders.append([y.tolist() for _, y in DataLoader(Numbers(9), batch_size=4, shuffle=True, generator=g)])
    assert orders[0] == orders[1] and sorted(i for batch in orders[0] for i in batch) == list(range(9))
    assert orders[0] != [[0, 1, 2, 3], [4, 5, 6, 7], [8]]
    with pytest.raises(TypeError, match=r"generator must be a tg\.Generator"):
        DataLoader(Numbers(3), generator=np.random.default_rng(0))
    first = [s.indices.tolist() for s in random_split(Numbers(6), [3, 3], generator=Generator().manual_seed(1))]
    again = [s.indices.tolist() for s in random_split(Numbers(6), [3, 3], generator=Generator().manual_seed(1))]
    assert first == again


def test_batches_do_not_alias_the_dataset():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    for shuffle in (False, True):
        xb, *_ = next(iter(DataLoader(TensorDataset(x), batch_size=5, shuffle=shuffle)))
        assert not np.shares_memory(xb.array, x)
    item = TensorDataset(x)[3][0]
    assert not np.shares_memory(item.array, x)
    np.testing.assert_array_equal(item.numpy(), [6, 7])


def test_tensor_dataset_indexing():
    ds = TensorDataset(np.arange(10) * 2, np.arange(10))
    assert len(ds) == 10
    a, b = ds[4]
    assert a.item() == 8 and b.item() == 4
    a, b = ds[[1, 3]]
    assert a.tolist() == [2, 6] and b.tolist() == [1, 3]


def test_tensor_dataset_length_mismatch():
    with pytest.raises(ValueError, match="100, 99"):
        TensorDataset(np.zeros((100, 3)), np.zeros(99))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="first dimension"):
        TensorDataset(np.float32(1.0))


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "4"])
def test_bad_batch_size(batch_size):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(list(range(10)), batch_size=batch_size)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(OnlyLength(10), batch_size=batch_size)


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"drop_last": "yes"}, ValueError, "drop_last must be True or False, got 'yes'"),
        ({"batch_size": None, "drop_last": True}, ValueError, "batch_size=None .* cannot drop_last"),
        ({"sampler": 5}, TypeError, "sampler must be an iterable with a length"),
        ({"batch_sampler": 5}, TypeError, "batch_sampler must be an iterable with a length"),
        ({"collate_fn": 3}, TypeError, "collate_fn must be a function, got int"),
        ({"worker_init_fn": "f"}, TypeError, "worker_init_fn must be a function, got str"),
    ],
)
def test_more_loader_option_errors(options, error, message):
    with pytest.raises(error, match=message):
        DataLoader(Numbers(4), **options)


def test_unbatched_loading_as_torch():
    """batch_size=None: one sample per step, its arrays as tensors, as torch's default_convert."""
    torch = pytest.importorskip("torch")
    ours, theirs = DataLoader(Numbers(3), batch_size=None), torch.utils.data.DataLoader(Numbers(3), batch_size=None)
    assert len(ours) == len(theirs) == 3
    for mine, other in zip(ours, theirs, strict=True):
        _assert_collated_like_torch(mine, other, torch)
    shuffled = DataLoader(Numbers(5), batch_size=None, shuffle=True)
    assert sorted(label for _, label in shuffled) == list(range(5))
    assert list(DataLoader(Numbers(2), batch_size=None, collate_fn=lambda sample: sample[1])) == [0, 1]


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"sampler": [0, 4]}, IndexError, "sampler: index 4 is out of range for 4 samples"),
        ({"sampler": [0.5, 1.5]}, TypeError, "sampler: indices must be integers, got float64"),
        ({"batch_sampler": [[0, 1], [2, 9]]}, IndexError, "batch_sampler: index 9 is out of range"),
    ],
)
def test_sampled_indices_are_checked(options, error, message):
    for dataset in (Numbers(4), TensorDataset(np.arange(4))):
        with pytest.raises(error, match=message):
            list(DataLoader(dataset, **options))


@pytest.mark.parametrize(
    "index, error, message",
    [
        (4, IndexError, "index 4 is out of range for 4 samples"),
        (-5, IndexError, "index -5 is out of range"),
        (1.0, TypeError, "a sample index must be an integer, got 1.0"),
        ("a", TypeError, "got 'a' of type str"),
        (True, TypeError, "got True of type bool"),
        ([0, 7], IndexError, "index 7 is out of range for 4 samples"),
        ([0.5], TypeError, "indices must be integers, got float64"),
    ],
)
def test_dataset_indices_are_checked(index, error, message):
    torch = pytest.importorskip("torch")
    if not isinstance(index, str | bool) and index != [0.5]:  # torch reads those as other kinds of index
        with pytest.raises((IndexError, TypeError, ValueError)):  # and refuses the rest
            torch.utils.data.TensorDataset(torch.arange(4))[index]
    with pytest.raises(error, match=f"TensorDataset: .*{message}"):
        TensorDataset(np.arange(4))[index]
    with pytest.raises(error, match=f"Subset: .*{message}"):
        Subset(Numbers(10), [0, 1, 2, 3])[index]


def test_dataset_indexing_as_torch():
    ds = TensorDataset(np.arange(5) * 10)
    assert ds[-1][0].item() == 40 and ds[np.int64(2)][0].item() == 20 and ds[tg.tensor(3)][0].item() == 30
    assert ds[1:3][0].tolist() == [10, 20] and ds[tg.tensor([0, 4])][0].tolist() == [0, 40]
    assert Subset(ds, [4, 0])[-1][0].item() == 0


@pytest.mark.parametrize(
    "indices, error, message",
    [([0, 10], IndexError, "index 10 is out of range for 10"), ([0.5], TypeError, "indices must be integers")],
)
def test_subset_indices_are_checked_when_made(indices, error, message):
    with pytest.raises(error, match=f"Subset: indices: {message}"):
        Subset(Numbers(10), indices)
    with pytest.raises(TypeError, match="Subset: expected a dataset with a length"):
        Subset(iter([1, 2]), [0])


def test_loader_needs_a_dataset():
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(42)
    with pytest.raises(ValueError, match="unknown device"):
        DataLoader(OnlyLength(3), device="tpu")


def test_dataset_is_abstract():
    with pytest.raises(TypeError):
        Dataset()


def test_loader_moves_batches_to_device(device):
    x, y = np.arange(12, dtype=np.float32).reshape(6, 2), np.arange(6)
    for dataset in (TensorDataset(x, y), Numbers(6)):
        for xb, yb in DataLoader(dataset, batch_size=4, device=device):
            assert xb.device == yb.device == device
    batches = list(DataLoader(TensorDataset(tg.Tensor(x, device=device), y), batch_size=4))
    assert batches[0][0].device == device  # gathered where the data lives
    np.testing.assert_array_equal(batches[1][0].numpy(), x[4:])


# ---------------------------------------------------------------------------- splitting
def test_random_split_counts():
    parts = random_split(Numbers(100), [70, 30])
    assert [len(p) for p in parts] == [70, 30] and all(isinstance(p, Subset) for p in parts)
    everything = np.concatenate([p.indices for p in parts])
    np.testing.assert_array_equal(np.sort(everything), np.arange(100))
    x, label = parts[1][0]
    assert label == parts[1].indices[0] and x[0] == label


def test_random_split_fractions():
    assert [len(p) for p in random_split(Numbers(10), [0.8, 0.2])] == [8, 2]
    assert [len(p) for p in random_split(Numbers(10), [0.33, 0.33, 0.34])] == [4, 3, 3]  # leftover handed out
    assert [len(p) for p in random_split(Numbers(7), [0.5, 0.5])] == [4, 3]


def test_random_split_reproducible():
    tg.manual_seed(3)
    a = random_split(Numbers(50), [25, 25])[0].indices
    tg.manual_seed(3)
    np.testing.assert_array_equal(a, random_split(Numbers(50), [25, 25])[0].indices)
    assert not np.array_equal(np.sort(a), a)  # really shuffled


@pytest.mark.parametrize("lengths", [[60, 30], [0.5, 0.6], [-1, 101], [1.5, -0.5], [float("nan"), 1], []])
def test_random_split_bad_lengths(lengths):
    with pytest.raises(ValueError, match="random_split"):
        random_split(Numbers(100), lengths)


@pytest.mark.parametrize("lengths", ["ab", 5, [1, "a"], [None]])
def test_random_split_lengths_must_be_numbers(lengths):
    with pytest.raises(TypeError, match="random_split: lengths must be a list of sample counts or fractions"):
        random_split(Numbers(100), lengths)
    with pytest.raises(TypeError, match="random_split: expected a dataset with a length"):
        random_split(5, [1])


def test_loader_over_subsets():
    train, val = random_split(TensorDataset(np.arange(40), np.arange(40) * 2), [30, 10])
    seen = []
    for a, b in DataLoader(train, batch_size=8, shuffle=True):
        np.testing.assert_array_equal(b.numpy(), a.numpy() * 2)
        seen.extend(a.tolist())
    assert sorted(seen) == sorted(train.indices.tolist())
    (a,) = epoch_indices(DataLoader(Subset(Numbers(40), val.indices), batch_size=10))
    np.testing.assert_array_equal(a, val.indices)


def test_train_val_split():
    x, y = np.arange(100).reshape(50, 2), np.arange(50)
    tg.manual_seed(0)
    (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_fraction=0.2)
    assert x_train.shape == (40, 2) and x_val.shape == (10, 2) and y_val.shape == (10,)
    np.testing.assert_array_equal(x_train[:, 0] // 2, y_train)  # pairs kept together
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_val])), np.arange(50))
    tg.manual_seed(0)
    np.testing.assert_array_equal(train_val_split(x, y, val_fraction=0.2)[1][1], y_val)
    (_, y_train), (_, y_val) = train_val_split(tg.Tensor(x), y, val_fraction=0.1, shuffle=False)
    np.testing.assert_array_equal(y_val, np.arange(45, 50))  # the last samples, as Keras does
    assert isinstance(y_train, np.ndarray)


@pytest.mark.parametrize(("n", "fraction"), [(10, 0.0), (10, 1.0), (10, 0.01), (10, 0.99)])
def test_train_val_split_errors(n, fraction):
    with pytest.raises(ValueError, match="train_val_split"):
        train_val_split(np.zeros(n), np.zeros(n), val_fraction=fraction)
    with pytest.raises(ValueError, match="10 samples but y has 9"):
        train_val_split(np.zeros(10), np.zeros(9))


# ---------------------------------------------------------------------------- toy datasets
def test_xor():
    x, y = xor()
    assert x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(y, np.logical_xor(x[:, 0], x[:, 1]))


@pytest.mark.parametrize(
    ("make", "n", "classes"),
    [(lambda: two_moons(201), 201, 2), (lambda: spirals(300, 3), 300, 3), (lambda: spirals(101, 2, 0.0), 101, 2)],
)
def test_classification_toys_shapes_and_balance(make, n, classes):
    tg.manual_seed(0)
    x, y = make()
    assert x.shape == (n, 2) and x.dtype == np.float32 and y.shape == (n,) and y.dtype == np.int64
    for part in (y, y[: n // 2], y[n // 2 :]):  # balanced overall and in any slice
        counts = np.bincount(part, minlength=classes)
        assert len(counts) == classes and counts.max() - counts.min() <= 1
    tg.manual_seed(0)
    x2, y2 = make()
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(make()[0], x)  # a new draw without reseeding


def test_two_moons_shape_without_noise():
    x, y = two_moons(400, noise=0.0)
    upper, lower = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, rtol=1e-5)
    assert (upper[:, 1] >= 0).all() and (lower[:, 1] <= 0.5).all()


def test_spiral_arms_are_rotated_copies():
    x, y = spirals(600, n_classes=3, noise=0.0)
    radius, angle = np.hypot(*x.T), np.arctan2(x[:, 1], x[:, 0])
    assert radius.max() <= 1.0
    # Without noise each point sits at angle 3*pi*r + 2*pi*k/3 (mod 2*pi).
    expected = 3 * np.pi * radius + 2 * np.pi * y / 3
    np.testing.assert_allclose(np.cos(angle - expected), 1.0, atol=1e-4)


def test_regression_1d():
    tg.manual_seed(0)
    x, y = regression_1d(500, noise=0.1)
    assert x.shape == y.shape == (500, 1) and x.dtype == y.dtype == np.float32
    assert x.min() >= -3 and x.max() <= 3
    assert 0.08 < np.std(y - np.sin(x)) < 0.12
    tg.manual_seed(0)
    np.testing.assert_array_equal(regression_1d(500, noise=0.1)[1], y)


@pytest.mark.parametrize(
    "call", [lambda: two_moons(1), lambda: spirals(10, n_classes=0), lambda: regression_1d(10, noise=-1)]
)
def test_toy_argument_errors(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: two_moons("a"), ValueError, "n_samples must be an integer of at least 2, got 'a'"),
        (lambda: two_moons(10.0), ValueError, "got 10.0"),
        (lambda: two_moons(True), ValueError, "got True"),
        (lambda: spirals(10, n_classes=2.5), ValueError, "n_classes must be a positive integer, got 2.5"),
        (lambda: two_moons(10, noise="a"), TypeError, "noise must be a finite number"),
        (lambda: regression_1d(10, noise=float("nan")), TypeError, "noise must be a finite number .*nan"),
    ],
)
def test_toy_argument_errors_say_what_is_wrong(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    "x, y, fraction, error, message",
    [
        (np.zeros(10), np.zeros(10), "a", TypeError, "val_fraction must be a number between 0 and 1, got 'a'"),
        (np.zeros(10), np.zeros(10), True, TypeError, "val_fraction must be a number"),
        (np.zeros(()), np.zeros(()), 0.5, ValueError, "need a first dimension"),
    ],
)
def test_train_val_split_argument_types(x, y, fraction, error, message):
    with pytest.raises(error, match=message):
        train_val_split(x, y, val_fraction=fraction)
