"""Creation functions, dtype objects, grad mode and devices, compared with PyTorch itself.

A PyTorch program that builds tensors, picks dtypes, switches grad mode or names devices must run
here with only its import changed: each test does the same thing in both and compares.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

DTYPE_NAMES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
ALIASES = ["float", "double", "half", "long", "int", "short", "bool"]


def name_of(dtype: object) -> str:
    """``torch.float32`` and ``tinygrad_edu.float32`` both as ``"float32"``."""
    return str(dtype).split(".")[-1]


# ----------------------------------------------------------------------------- dtype objects
@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_objects_print_and_compare_as_torch(name: str) -> None:
    ours, theirs = getattr(tg, name), getattr(torch, name)
    assert repr(ours) == str(ours) == repr(theirs).replace("torch", "tinygrad_edu")
    assert ours.is_floating_point == theirs.is_floating_point
    assert ours.itemsize == theirs.itemsize
    assert ours == np.dtype(name) and ours == name and np.dtype(ours) == np.dtype(name)
    assert hash(ours) == hash(np.dtype(name)) and {np.dtype(name): 1}[ours] == 1
    assert pickle.loads(pickle.dumps(ours)) is ours
    others = [getattr(tg, other) for other in DTYPE_NAMES if other != name]
    assert all(ours != other for other in others)


@pytest.mark.parametrize("alias", ALIASES)
def test_aliases_are_the_same_objects_as_in_torch(alias: str) -> None:
    assert name_of(getattr(tg, alias)) == name_of(getattr(torch, alias))
    assert getattr(tg, alias) is getattr(tg, name_of(getattr(torch, alias)))


def test_numpy_accepts_dtype_objects() -> None:
    assert np.zeros(2, dtype=tg.float16).dtype == np.float16
    assert np.arange(3).astype(tg.float32).dtype == np.float32
    assert tg.float32 == np.float32 and np.float32 == tg.float32 and tg.float32 != np.float64
    assert tg.float64 != None and tg.float32 != "not a dtype"  # noqa: E711 - np.dtype(None) would be float64


@pytest.mark.parametrize(
    "data", [[1, 2], [1.5, 2.0], [True, False], 3, 2.5, np.array([1, 2], dtype=np.int32), np.float64(1.0)]
)
def test_tensor_gives_torchs_dtype(data: object) -> None:
    ours, theirs = tg.tensor(data), torch.tensor(data)
    assert name_of(ours.dtype) == name_of(theirs.dtype)
    assert isinstance(ours.dtype, tg.dtype) and repr(ours.dtype) == repr(theirs.dtype).replace("torch", "tinygrad_edu")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("dtype", ["float16", "float64", "int32", "int64", "bool", "uint8"])
def test_dtype_argument_takes_objects_numpy_dtypes_and_names(dtype: str) -> None:
    theirs = torch.tensor([0, 1, 2], dtype=getattr(torch, dtype))
    for given in (getattr(tg, dtype), np.dtype(dtype), dtype):
        ours = tg.tensor([0, 1, 2], dtype=given)
        assert ours.dtype is getattr(tg, dtype)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_type_names_and_casts_as_torch() -> None:
    for name in DTYPE_NAMES:
        t = tg.zeros(2, dtype=getattr(tg, name))
        assert t.type() == torch.zeros(2, dtype=getattr(torch, name)).type().replace("torch", "tinygrad_edu")
    x, y = tg.tensor([1.7, -2.2]), torch.tensor([1.7, -2.2])
    for target in ("torch.LongTensor", "tinygrad_edu.DoubleTensor"):
        assert name_of(x.type(target).dtype) == name_of(y.type(target.replace("tinygrad_edu", "torch")).dtype)
    assert x.type(tg.int32).tolist() == y.type(torch.int32).tolist() == [1, -2]
    for method in ("half", "int", "bool", "long", "double", "float", "short"):
        assert name_of(getattr(x, method)().dtype) == name_of(getattr(y, method)().dtype)
    assert x.is_floating_point() and not x.long().is_floating_point()
    assert [x.to(d).element_size() for d in (tg.half, tg.float, tg.double, tg.long)] == [
        y.to(d).element_size() for d in (torch.half, torch.float, torch.double, torch.long)
    ]
    with pytest.raises(TypeError, match="FloatTensr"):
        x.type("torch.FloatTensr")


def test_elementwise_ops_still_promote_as_torch() -> None:
    a, b = tg.ones(2, dtype=tg.float32), tg.ones(2, dtype=tg.float64)
    assert name_of((a + b).dtype) == name_of((torch.ones(2) + torch.ones(2, dtype=torch.float64)).dtype)
    assert name_of((tg.tensor([1, 2]) * 0.5).dtype) == name_of((torch.tensor([1, 2]) * 0.5).dtype)


def test_default_dtype_follows_set_default_dtype_as_torch() -> None:
    assert tg.get_default_dtype() is tg.float32
    try:
        tg.set_default_dtype(tg.float64)
        torch.set_default_dtype(torch.float64)
        cases = [
            lambda m: m.tensor([1.5]),
            lambda m: m.zeros(2),
            lambda m: m.randn(2),
            lambda m: m.rand(2),
            lambda m: m.arange(0.0, 1.0, 0.5),
            lambda m: m.linspace(0, 1, 3),
            lambda m: m.tensor([1, 2]) / 2,
            lambda m: m.tensor([1, 2]) * 0.5,
            lambda m: m.full((2,), 1.5),
        ]
        for make in cases:
            assert name_of(make(tg).dtype) == name_of(make(torch).dtype) == "float64"
        assert tg.nn.Linear(2, 3).weight.dtype is tg.float64
    finally:
        tg.set_default_dtype(tg.float32)
        torch.set_default_dtype(torch.float32)
    assert tg.tensor([1.5]).dtype is tg.float32 and tg.get_default_dtype() is tg.float32
    with pytest.raises(TypeError, match=r"float32 and tg\.float64"):
        tg.set_default_dtype(tg.int64)


# ----------------------------------------------------------------------------- creation functions
def test_tensor_is_the_function_and_the_module_still_imports() -> None:
    from tinygrad_edu.tensor import Tensor

    assert callable(tg.tensor) and Tensor is tg.Tensor
    t = tg.tensor([[1.0, 2.0]], requires_grad=True)
    assert t.requires_grad and t.shape == (1, 2)


def test_from_numpy_shares_memory_and_keeps_dtype() -> None:
    for dtype in ("float64", "int32", "uint8", "bool"):
        array = np.zeros(3, dtype=dtype)
        ours, theirs = tg.from_numpy(array), torch.from_numpy(array)
        assert name_of(ours.dtype) == name_of(theirs.dtype)
    array = np.zeros(3)
    t = tg.from_numpy(array)
    array[1] = 5.0
    t[2] = 7.0
    np.testing.assert_array_equal(t.numpy(), [0.0, 5.0, 7.0])
    np.testing.assert_array_equal(array, [0.0, 5.0, 7.0])
    with pytest.raises(TypeError):
        torch.from_numpy(np.zeros(2, dtype=np.complex64).astype(object))
    with pytest.raises(TypeError, match="object is not supported"):
        tg.from_numpy(np.zeros(2, dtype=object))
    with pytest.raises(TypeError, match=r"tg\.tensor"):
        tg.from_numpy([1.0, 2.0])


@pytest.mark.parametrize(("start", "end", "steps"), [(0, 1, 5), (-3.5, 2.0, 8), (2, 2, 1), (0, 10, 0), (5, -5, 11)])
def test_linspace_matches_torch(start: float, end: float, steps: int) -> None:
    ours, theirs = tg.linspace(start, end, steps), torch.linspace(start, end, steps)
    assert ours.shape == tuple(theirs.shape) and name_of(ours.dtype) == name_of(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)
    if all(isinstance(v, int) for v in (start, end)):
        ints = tg.linspace(start, end, steps, dtype=tg.int64).numpy()
        np.testing.assert_array_equal(ints, torch.linspace(start, end, steps, dtype=torch.int64).numpy())


def test_randint_takes_both_torch_signatures() -> None:
    calls = [
        ((10, (3, 4)), {}),
        ((-5, 5, (1000,)), {}),
        ((3,), {"size": (2,)}),
        ((), {"low": 2, "high": 4, "size": (50,)}),
        ((), {"high": 4, "size": (2, 2)}),
    ]
    for args, kwargs in calls:
        ours, theirs = tg.randint(*args, **kwargs), torch.randint(*args, **kwargs)
        assert ours.shape == tuple(theirs.shape) and name_of(ours.dtype) == name_of(theirs.dtype) == "int64"
        low = kwargs.get("low", args[0] if len(args) == 3 else 0)
        high = kwargs.get("high", args[1] if len(args) == 3 else args[0] if args else None)
        assert low <= ours.numpy().min() and ours.numpy().max() < high
    values = tg.randint(-5, 5, (1000,)).numpy()
    assert set(values.tolist()) == set(range(-5, 5))  # every value is reached, the high end never
    assert tg.randint(0, 3, (4,), dtype=tg.float32).dtype is tg.float32
    for bad in [(10, 3), (10,), (0, 10)]:
        with pytest.raises(TypeError):
            torch.randint(*bad)
        with pytest.raises(TypeError, match="size"):
            tg.randint(*bad)
    with pytest.raises(ValueError, match="low must be less than high"):
        tg.randint(5, 5, (2,))


def test_like_functions_keep_shape_dtype_and_device_as_torch() -> None:
    for name in ("zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"):
        ours = getattr(tg, name)(tg.zeros(2, 3, dtype=tg.float64))
        theirs = getattr(torch, name)(torch.zeros(2, 3, dtype=torch.float64))
        assert ours.shape == tuple(theirs.shape) and name_of(ours.dtype) == name_of(theirs.dtype)
        assert ours.device == "cpu"
    filled, expected = tg.full_like(tg.zeros(2, dtype=tg.long), 7.9), torch.full_like(torch.zeros(2).long(), 7.9)
    assert filled.tolist() == expected.tolist() == [7, 7] and filled.dtype is tg.int64
    assert tg.zeros_like(tg.zeros(2), dtype=tg.int32).dtype is tg.int32
    with pytest.raises(RuntimeError):
        torch.randn_like(torch.zeros(2).long())
    with pytest.raises(TypeError, match=r"randn.*float dtype.*int64"):
        tg.randn_like(tg.zeros(2).long())


def test_empty_has_the_shape_and_dtype_of_torchs() -> None:
    for args in [(2, 3), ((4,),), (0,)]:
        ours, theirs = tg.empty(*args), torch.empty(*args)
        assert ours.shape == tuple(theirs.shape) and name_of(ours.dtype) == name_of(theirs.dtype)
        assert (ours.numpy() == 0).all()  # documented: empty memory holds zeros here
    assert tg.empty(2, dtype=tg.int64).dtype is tg.int64


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor"])
def test_legacy_constructors_as_torch(name: str) -> None:
    ours_cls, theirs_cls = getattr(tg, name), getattr(torch, name)
    from_sizes, expected = ours_cls(2, 3), theirs_cls(2, 3)
    assert from_sizes.shape == tuple(expected.shape) and name_of(from_sizes.dtype) == name_of(expected.dtype)
    from_data, expected = ours_cls([1, 0, 2]), theirs_cls([1, 0, 2])
    assert from_data.tolist() == expected.tolist() and name_of(from_data.dtype) == name_of(expected.dtype)
    assert ours_cls().shape == tuple(theirs_cls().shape) == (0,)
    assert isinstance(from_data, ours_cls) and not isinstance(from_data.to(tg.half), ours_cls)
    assert from_data.type() == f"tinygrad_edu.{name}"


# ----------------------------------------------------------------------------- generators
@pytest.mark.parametrize(
    "draw",
    [
        lambda g: tg.randn(3, 2, generator=g),
        lambda g: tg.rand(4, generator=g),
        lambda g: tg.randint(0, 100, (5,), generator=g),
        lambda g: tg.randperm(10, generator=g),
        lambda g: tg.multinomial(tg.tensor([0.1, 0.2, 0.7]), 2, generator=g),
        lambda g: tg.normal(0.0, 2.0, (3,), generator=g),
    ],
)
def test_generators_are_reproducible_and_independent(draw: object) -> None:
    first = draw(tg.Generator().manual_seed(3)).numpy()
    np.testing.assert_array_equal(draw(tg.Generator().manual_seed(3)).numpy(), first)
    g = tg.Generator().manual_seed(3)
    tg.manual_seed(0)
    tg.randn(100)  # the library's own generator moves; g must not
    np.testing.assert_array_equal(draw(g).numpy(), first)
    seeds = [draw(tg.Generator().manual_seed(s)).numpy() for s in range(4, 12)]
    assert any(not np.array_equal(s, first) for s in seeds)


def test_generator_state_round_trips_and_seed_reseeds() -> None:
    g = tg.Generator().manual_seed(5)
    state = g.get_state()
    assert state.dtype is tg.uint8 == torch.Generator().get_state().dtype.__str__().split(".")[-1]
    first = tg.randn(4, generator=g).numpy()
    g.set_state(state)
    np.testing.assert_array_equal(tg.randn(4, generator=g).numpy(), first)
    new_seed = g.seed()
    assert g.initial_seed() == new_seed and new_seed != 5
    saved = tg.get_rng_state()
    draw = tg.rand(3).numpy()
    tg.set_rng_state(saved)
    np.testing.assert_array_equal(tg.rand(3).numpy(), draw)


def test_randperm_is_a_permutation_as_torch() -> None:
    ours, theirs = tg.randperm(20), torch.randperm(20)
    assert sorted(ours.tolist()) == sorted(theirs.tolist()) == list(range(20))
    assert name_of(ours.dtype) == name_of(theirs.dtype)


def test_multinomial_shapes_and_errors_as_torch() -> None:
    probs = [[0.0, 0.5, 0.5, 0.0], [0.2, 0.2, 0.3, 0.3]]
    for args in [(probs, 2, False), (probs, 6, True), ([1.0, 3.0], 5, True)]:
        ours, theirs = (
            tg.multinomial(tg.tensor(args[0]), *args[1:]),
            torch.multinomial(torch.tensor(args[0]), *args[1:]),
        )
        assert ours.shape == tuple(theirs.shape) and name_of(ours.dtype) == name_of(theirs.dtype)
    rows = tg.multinomial(tg.tensor(probs), 2).numpy()
    assert sorted(rows[0].tolist()) == [1, 2]  # zero-weight categories are never drawn
    assert all(len(set(row)) == 2 for row in rows.tolist())  # without replacement: no repeats
    with pytest.raises(RuntimeError):
        torch.multinomial(torch.tensor(probs), 5)  # more samples than categories
    with pytest.raises(ValueError, match="replacement=True"):
        tg.multinomial(tg.tensor(probs), 5)
    with pytest.raises(ValueError, match="replacement=True"):  # PyTorch's CPU kernel does not check this
        tg.multinomial(tg.tensor(probs), 3)
    with pytest.raises(ValueError, match="non-negative"):
        tg.multinomial(tg.tensor([0.5, -0.1]), 1)


def test_multinomial_frequencies_follow_the_weights() -> None:
    weights = np.array([1.0, 2.0, 7.0])
    draws = tg.multinomial(tg.tensor(weights), 20000, replacement=True, generator=tg.Generator().manual_seed(0))
    np.testing.assert_allclose(np.bincount(draws.numpy(), minlength=3) / 20000, weights / 10, atol=0.015)
    first = [tg.multinomial(tg.tensor(weights), 1, generator=tg.Generator().manual_seed(s)).item() for s in range(3000)]
    np.testing.assert_allclose(np.bincount(first, minlength=3) / 3000, weights / 10, atol=0.03)


def test_normal_with_tensors_and_with_numbers() -> None:
    mean, std = tg.tensor([0.0, 10.0, 100.0]), tg.tensor([1.0, 0.0, 1.0])
    ours, theirs = tg.normal(mean, std), torch.normal(torch.tensor([0.0, 10.0, 100.0]), torch.tensor([1.0, 0.0, 1.0]))
    assert ours.shape == tuple(theirs.shape) and name_of(ours.dtype) == name_of(theirs.dtype)
    assert ours[1].item() == 10.0 and abs(ours[2].item() - 100.0) < 6
    assert tg.normal(2.0, 3.0, (4, 5)).shape == tuple(torch.normal(2.0, 3.0, (4, 5)).shape)
    with pytest.raises(ValueError, match="non-negative"):
        tg.normal(mean, -std)


# ----------------------------------------------------------------------------- grad mode
def test_set_grad_enabled_as_a_call_as_a_context_and_as_a_decorator() -> None:
    for lib in (tg, torch):
        x = lib.ones(2, requires_grad=True)
        with lib.set_grad_enabled(False):
            assert not (x * 2).requires_grad
        assert lib.is_grad_enabled()  # restored

        lib.set_grad_enabled(False)  # a plain call: stays set
        assert not lib.is_grad_enabled() and not (x * 2).requires_grad
        lib.set_grad_enabled(True)
        assert lib.is_grad_enabled()

        @lib.set_grad_enabled(False)
        def double(t: object) -> object:
            return t * 2

        assert lib.is_grad_enabled()  # decorating changes nothing until the call
        assert not double(x).requires_grad and lib.is_grad_enabled()
        with lib.no_grad():
            with lib.set_grad_enabled(True):
                assert (x * 2).requires_grad
            assert not lib.is_grad_enabled()


def test_inference_mode_behaves_as_no_grad() -> None:
    for lib in (tg, torch):
        x = lib.ones(2, requires_grad=True)
        with lib.inference_mode():
            assert not (x * 2).requires_grad and lib.is_inference_mode_enabled()
        assert lib.is_grad_enabled() and not lib.is_inference_mode_enabled()
        with lib.inference_mode(False):
            assert (x * 2).requires_grad

        @lib.inference_mode
        def bare(t: object) -> object:
            return t * 2

        @lib.inference_mode()
        def called(t: object) -> object:
            return t * 2

        assert not bare(x).requires_grad and not called(x).requires_grad and lib.is_grad_enabled()


# ----------------------------------------------------------------------------- devices
@pytest.mark.parametrize(
    ("args", "kind", "index"),
    [(("cpu",), "cpu", None), (("cuda",), "cuda", None), (("cuda:0",), "cuda", 0), (("cuda", 0), "cuda", 0)],
)
def test_device_objects_as_torch(args: tuple, kind: str, index: int | None) -> None:
    ours, theirs = tg.device(*args), torch.device(*args)
    assert (ours.type, ours.index) == (theirs.type, theirs.index) == (kind, index)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert ours == tg.device(*args) and hash(ours) == hash(tg.device(*args))
    assert ours == str(theirs) and ours == kind  # names compare equal (the library compares with "cpu")
    assert pickle.loads(pickle.dumps(ours)) == ours
    assert tg.device(ours) == ours


def test_device_objects_differ_as_in_torch() -> None:
    assert (tg.device("cuda") == tg.device("cuda:0")) == (torch.device("cuda") == torch.device("cuda:0"))
    assert tg.device("cpu") != tg.device("cuda") and tg.device("cuda:0") != "cpu"
    with pytest.raises(ValueError, match="unknown device"):
        tg.device("tpu")
    with pytest.raises(ValueError, match="one GPU"):
        tg.device("cuda:1")


def test_tensor_device_is_a_device_that_equals_its_name() -> None:
    t, u = tg.zeros(2), torch.zeros(2)
    assert t.device == tg.device("cpu") and u.device == torch.device("cpu")
    assert str(t.device) == str(u.device) == "cpu" and repr(t.device) == repr(u.device)
    assert t.device == "cpu" and t.device != "cuda"
    cpu = tg.device("cpu")
    for made in (tg.tensor([1.0], device=cpu), tg.zeros(2, device=cpu), tg.randn(2, device=cpu), t.to(cpu)):
        assert made.device == "cpu"
    model = tg.nn.Linear(2, 2).to(cpu)
    assert model.weight.device == cpu
    assert tg.data.DataLoader(tg.data.TensorDataset(tg.zeros(4, 2)), batch_size=2, device=cpu).device == "cpu"


def test_default_device_round_trips() -> None:
    assert repr(tg.get_default_device()) == repr(torch.get_default_device()) == "device(type='cpu')"
    tg.set_default_device("cpu")
    assert tg.get_default_device() == "cpu" and tg.zeros(1).device == "cpu"
    tg.set_default_device(None)
    assert tg.get_default_device() == "cpu"


def test_cuda_and_backends_namespaces_without_a_gpu() -> None:
    import tinygrad_edu.backends.mps
    import tinygrad_edu.cuda

    assert tinygrad_edu.cuda is tg.cuda and tinygrad_edu.backends.mps is tg.backends.mps
    assert tg.cuda.is_available() == (tg.cuda.device_count() > 0)
    assert tg.backends.mps.is_available() is False
    tg.cuda.manual_seed(0)  # harmless without a GPU, as in PyTorch
    tg.cuda.manual_seed_all(0)
    tg.backends.cudnn.deterministic = True  # accepted; no op reads it
