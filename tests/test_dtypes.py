"""Dtypes and numerical stability.

float32 stays float32 through every op family, with Python and NumPy scalars alike; mixed float
dtypes promote as NumPy does and each gradient comes back in its input's dtype; the constructor
and the creation functions pick PyTorch's dtypes; huge logits neither overflow nor warn.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import backend

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)

# One row per op family: a function of one float32 tensor (positive values, shape (2, 3)).
UNARY_FLOAT32_CASES: dict[str, Callable[[tg.Tensor], tg.Tensor]] = {
    "mul_python_float": lambda x: x * 0.5,
    "rmul_python_float": lambda x: 0.5 * x,
    "mul_numpy_float64": lambda x: x * np.float64(0.5),
    "rmul_numpy_float64": lambda x: np.float64(0.5) * x,
    "add_numpy_float64": lambda x: x + np.float64(1.25),
    "sub_python_float": lambda x: x - 1.5,
    "rsub_numpy_float64": lambda x: np.float64(1.5) - x,
    "mul_numpy_int64": lambda x: x * np.int64(3),
    "div_python_int": lambda x: x / 3,
    "div_numpy_float64": lambda x: x / np.float64(3.0),
    "rdiv_python_float": lambda x: 3.0 / x,
    "rpow_python_int": lambda x: 2**x,
    "rpow_numpy_float64": lambda x: np.float64(2.0) ** x,
    "pow_python_int": lambda x: x**2,
    "pow_python_float": lambda x: x**0.5,
    "pow_numpy_float64": lambda x: x ** np.float64(2.0),
    "neg": lambda x: -x,
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "abs": lambda x: x.abs(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: x.leaky_relu(0.1),
    "leaky_relu_numpy_float64": lambda x: x.leaky_relu(np.float64(0.1)),
    "clip": lambda x: x.clip(0.3, 1.2),
    "clip_numpy_float64": lambda x: x.clip(np.float64(0.3), np.float64(1.2)),
    "clip_numpy_float64_min_only": lambda x: x.clip(np.float64(0.3)),
    "sum": lambda x: x.sum(),
    "sum_axis": lambda x: x.sum(axis=1),
    "mean": lambda x: x.mean(),
    "mean_axis": lambda x: x.mean(axis=0, keepdims=True),
    "var": lambda x: x.var(),
    "var_axis": lambda x: x.var(axis=1),
    "max": lambda x: x.amax(axis=1),
    "min": lambda x: x.min(),
    "logsumexp": lambda x: x.logsumexp(axis=1),
    "softmax": lambda x: x.softmax(),
    "log_softmax": lambda x: x.log_softmax(axis=0),
    "maximum_python_float": lambda x: tg.maximum(x, 0.75),
    "minimum_numpy_float64": lambda x: tg.minimum(x, np.float64(0.75)),
    "maximum_numpy_float64_first": lambda x: tg.maximum(np.float64(0.75), x),
    "minimum_python_float_first": lambda x: tg.minimum(0.75, x),
    "minimum_numpy_float64_first": lambda x: tg.minimum(np.float64(0.75), x),
    "where_python_float": lambda x: tg.where(x > 1.0, x, 0.5),
    "reshape": lambda x: x.reshape(3, 2),
    "transpose": lambda x: x.T,
    "getitem": lambda x: x[1, [0, 2]],
    "cat": lambda x: tg.cat([x, x * 2.0], axis=1),
    "stack": lambda x: tg.stack([x, x], axis=0),
    "matmul": lambda x: x @ x.T,
}


def _positive_input(device: str) -> tg.Tensor:
    """A float32 leaf of shape (2, 3) with distinct positive values (fits log, sqrt, max)."""
    return tg.Tensor([[0.25, 0.5, 1.0], [1.5, 2.0, 0.8]], requires_grad=True, device=device)


def _random_like(t: tg.Tensor, seed: int = 0) -> tg.Tensor:
    """A random float32 upstream gradient with ``t``'s shape (not all ones)."""
    values = np.random.default_rng(seed).standard_normal(t.shape).astype(np.float32)
    return tg.Tensor(values, device=t.device)


# ----------------------------------------------------------------------------- float32 preserved
@pytest.mark.parametrize("name", sorted(UNARY_FLOAT32_CASES))
def test_float32_stays_float32_forward_and_backward(name: str, device: str) -> None:
    """The op's output and the gradient it sends back are float32; no scalar promotes to float64."""
    x = _positive_input(device)
    y = UNARY_FLOAT32_CASES[name](x)
    assert y.dtype == F32, f"{name}: forward gave {y.dtype}"
    y.backward(_random_like(y))
    assert x.grad is not None and x.grad.dtype == F32, f"{name}: gradient is {x.grad.dtype}"
    assert x.grad.shape == x.shape


def test_numpy_float64_scalar_does_not_promote_value(device: str) -> None:
    """x * np.float64(0.1) equals the float32 product, not a float64 one rounded later."""
    x = tg.Tensor([1.0, 3.0], device=device)
    y = x * np.float64(0.1)
    assert y.dtype == F32
    np.testing.assert_array_equal(y.numpy(), np.array([1.0, 3.0], np.float32) * np.float32(0.1))


def test_float32_second_derivative_stays_float32() -> None:
    """Higher-order gradients built with create_graph stay float32 too."""
    x = tg.Tensor([0.5, 1.5], requires_grad=True)
    (g,) = tg.grad((x**3 * 0.5).sum(), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x)
    assert g.dtype == F32 and h.dtype == F32
    np.testing.assert_allclose(h.numpy(), 3.0 * np.array([0.5, 1.5]), rtol=1e-6)


# ----------------------------------------------------------------------------- mixed dtypes
MIXED_BINARY_CASES: dict[str, Callable[[tg.Tensor, tg.Tensor], tg.Tensor]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": lambda a, b: tg.maximum(a, b),
    "minimum": lambda a, b: tg.minimum(a, b),
    "where": lambda a, b: tg.where(a > b, a, b),
    "cat": lambda a, b: tg.cat([a, b], axis=0),
}


@pytest.mark.parametrize("name", sorted(MIXED_BINARY_CASES))
@pytest.mark.parametrize("order", ["f32_first", "f64_first"])
def test_float32_with_float64_promotes_and_casts_gradients_back(name: str, order: str, device: str) -> None:
    """float32 op float64 gives float64 (as NumPy), and each input gets its gradient in its own dtype."""
    a = tg.Tensor([[0.5, 1.5, 2.5], [1.0, 0.7, 3.0]], dtype="float32", requires_grad=True, device=device)
    b = tg.Tensor(np.array([[1.25, 0.5, 2.0], [0.4, 1.1, 2.2]]), requires_grad=True, device=device)
    assert a.dtype == F32 and b.dtype == F64
    first, second = (a, b) if order == "f32_first" else (b, a)
    y = MIXED_BINARY_CASES[name](first, second)
    assert y.dtype == F64, f"{name}: {first.dtype} with {second.dtype} gave {y.dtype}"
    y.backward(_random_like(y).to("float64"))
    assert a.grad.dtype == F32 and b.grad.dtype == F64
    assert a.grad.shape == a.shape and b.grad.shape == b.shape


@pytest.mark.parametrize(
    ("left", "right"), [("float32", "float64"), ("float64", "float32"), ("int64", "float32"), ("float32", "int64")]
)
def test_matmul_refuses_mixed_dtypes_as_torch_does(left: str, right: str) -> None:
    """PyTorch refuses float32 @ float64 (and an integer with a float) instead of promoting; so do we,
    naming the op, both dtypes and shapes, and the cast that fixes it."""
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.ones(2, 3, dtype=getattr(torch, left)) @ torch.ones(3, 4, dtype=getattr(torch, right))
    with pytest.raises(RuntimeError) as error:
        tg.ones(2, 3, dtype=left) @ tg.ones(3, 4, dtype=right)
    message = str(error.value)
    assert "matmul" in message and f"tinygrad_edu.{left}" in message and f"tinygrad_edu.{right}" in message
    assert "(2, 3)" in message and "(3, 4)" in message
    cast = {"float32": ".float()", "float64": ".double()"}
    assert f"a{cast[right]}" in message if right in cast else f"b{cast[left]}" in message


def test_matmul_of_integers_stays_integer_as_torch() -> None:
    torch = pytest.importorskip("torch")
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    ours, theirs = tg.tensor(a) @ tg.tensor(b), torch.tensor(a) @ torch.tensor(b)
    assert ours.dtype == tg.int64 and str(theirs.dtype) == "torch.int64"
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_mixed_dtype_gradient_values(device: str) -> None:
    """The cast-back gradient carries the right values: d(a*b)/da = b rounded to float32."""
    a = tg.Tensor([2.0, 3.0], requires_grad=True, device=device)
    b = tg.Tensor(np.array([0.1, 0.2]), requires_grad=True, device=device)
    (a * b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.array([0.1, 0.2], dtype=np.float32))
    np.testing.assert_array_equal(b.grad.numpy(), np.array([2.0, 3.0]))


def test_float32_tensor_with_float64_array_promotes(device: str) -> None:
    """A float64 array operand (NumPy's or CuPy's: the tensor's own device) promotes like a float64
    tensor; the gradient stays float32."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x * backend.array_module(device).asarray([0.5, 0.25])
    assert y.dtype == F64
    y.sum().backward()
    assert x.grad.dtype == F32
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0.25])


# ----------------------------------------------------------------------------- construction dtypes
def test_python_floats_default_to_float32() -> None:
    """Tensor([1.0]) and Tensor(2.5) are float32, as in PyTorch."""
    assert tg.Tensor([1.0]).dtype == F32
    assert tg.Tensor(2.5).dtype == F32
    assert tg.Tensor([[1, 2.5]]).dtype == F32


def test_numpy_arrays_keep_their_dtype() -> None:
    """A NumPy float64 array keeps float64 (torch.from_numpy semantics); float32 keeps float32."""
    assert tg.Tensor(np.array([1.0, 2.0])).dtype == F64
    assert tg.Tensor(np.zeros((2, 2), dtype=np.float32)).dtype == F32
    assert tg.Tensor(np.array([1, 2], dtype=np.int32)).dtype == np.int32


def test_ints_and_bools_keep_their_kind() -> None:
    """Python ints give int64 and bools give bool."""
    assert tg.Tensor([1, 2, 3]).dtype == np.int64
    assert tg.Tensor(7).dtype == np.int64
    assert tg.Tensor([True, False]).dtype == np.bool_


def test_dtype_argument_accepts_names_and_numpy_dtypes() -> None:
    """dtype takes NumPy dtypes and their names; tg.float64 etc. are NumPy dtypes."""
    assert tg.Tensor([1, 2], dtype="float64").dtype == F64
    assert tg.Tensor([1.5], dtype=np.float64).dtype == F64
    assert tg.Tensor(np.array([1.0]), dtype=tg.float32).dtype == F32
    assert tg.Tensor([1.7, 2.2], dtype="int64").dtype == np.int64


def test_constructor_copies_numpy_data() -> None:
    """Mutating the source array afterwards does not change the tensor."""
    source = np.array([1.0, 2.0], dtype=np.float32)
    t = tg.Tensor(source)
    source[0] = 99.0
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])


# ----------------------------------------------------------------------------- creation functions
def test_zeros_ones_full(device: str) -> None:
    """zeros/ones take *shape or a tuple and give float32; full follows its fill value's kind."""
    for t, value in [(tg.zeros(2, 3, device=device), 0.0), (tg.ones((2, 3), device=device), 1.0)]:
        assert t.shape == (2, 3) and t.dtype == F32 and t.device == device
        np.testing.assert_array_equal(t.numpy(), np.full((2, 3), value))
    assert tg.zeros(4, dtype="float64", device=device).dtype == F64
    full_float = tg.full((2, 2), 3.5, device=device)
    assert full_float.dtype == F32 and full_float.shape == (2, 2)
    np.testing.assert_array_equal(full_float.numpy(), np.full((2, 2), 3.5))
    assert tg.full((3,), 7, device=device).dtype == np.int64
    assert tg.zeros(3, requires_grad=True, device=device).requires_grad


def test_arange(device: str) -> None:
    """arange gives int64 for integer arguments and float32 for float arguments."""
    ints = tg.arange(5, device=device)
    assert ints.dtype == np.int64
    np.testing.assert_array_equal(ints.numpy(), [0, 1, 2, 3, 4])
    stepped = tg.arange(2, 11, 3, device=device)
    np.testing.assert_array_equal(stepped.numpy(), [2, 5, 8])
    floats = tg.arange(0, 1, 0.25, device=device)
    assert floats.dtype == F32
    np.testing.assert_array_equal(floats.numpy(), [0.0, 0.25, 0.5, 0.75])


def test_eye(device: str) -> None:
    """eye(n) is the float32 identity; eye(n, m) is rectangular."""
    identity = tg.eye(3, device=device)
    assert identity.dtype == F32
    np.testing.assert_array_equal(identity.numpy(), np.eye(3))
    assert tg.eye(2, 4, device=device).shape == (2, 4)


def test_randn_and_rand(device: str) -> None:
    """randn/rand are float32 by default; rand lies in [0, 1); randn has mean ~0 and std ~1."""
    tg.manual_seed(0)
    normal = tg.randn(20_000, device=device)
    uniform = tg.rand(4, 5, device=device)
    assert normal.dtype == F32 and normal.shape == (20_000,)
    assert uniform.dtype == F32 and uniform.shape == (4, 5)
    assert abs(float(normal.numpy().mean())) < 0.05 and abs(float(normal.numpy().std()) - 1) < 0.05
    values = uniform.numpy()
    assert values.min() >= 0.0 and values.max() < 1.0
    assert tg.randn(2, 2, dtype="float64", device=device).dtype == F64


def test_zeros_like_ones_like(device: str) -> None:
    """*_like copy the shape, dtype and device of their argument."""
    source64 = tg.Tensor(np.ones((2, 5)), device=device)
    source_int = tg.Tensor([[1, 2, 3]], device=device)
    z, o = tg.zeros_like(source64), tg.ones_like(source_int)
    assert z.shape == (2, 5) and z.dtype == F64 and z.device == device
    assert o.shape == (1, 3) and o.dtype == np.int64
    np.testing.assert_array_equal(z.numpy(), np.zeros((2, 5)))
    np.testing.assert_array_equal(o.numpy(), np.ones((1, 3)))


def test_manual_seed_reproducibility() -> None:
    """The same seed gives the same randn/rand stream; another seed gives different numbers."""
    tg.manual_seed(123)
    first = (tg.randn(3, 4).numpy(), tg.rand(5).numpy())
    tg.manual_seed(123)
    second = (tg.randn(3, 4).numpy(), tg.rand(5).numpy())
    tg.manual_seed(124)
    other = tg.randn(3, 4).numpy()
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], other)


# ----------------------------------------------------------------------------- numerical stability
HUGE = [1e4, -1e4, 0.0, 5.0, -3.0, 1e4 - 1]


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softmax", "log_softmax"])
def test_huge_inputs_give_finite_values_and_gradients_without_warnings(name: str, device: str) -> None:
    """|x| up to 1e4 in float32: finite outputs and gradients, no NaN, no RuntimeWarning (overflow)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = tg.Tensor(HUGE, requires_grad=True, device=device)
        y = getattr(x, name)()
        y.backward(_random_like(y, seed=3))
        values, grads = y.detach().numpy(), x.grad.numpy()
    assert y.dtype == F32 and x.grad.dtype == F32
    assert np.all(np.isfinite(values)), f"{name}: {values}"
    assert np.all(np.isfinite(grads)), f"{name} gradient: {grads}"


def test_huge_inputs_along_an_axis(device: str) -> None:
    """Rows of huge logits of both signs: softmax rows sum to 1 and log_softmax stays finite."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = tg.Tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4 + 2]], requires_grad=True, device=device)
        p = x.softmax(axis=1)
        logp = x.log_softmax(axis=1)
        (p.sum() + logp.sum()).backward()
    np.testing.assert_allclose(p.detach().numpy().sum(axis=1), [1.0, 1.0], rtol=1e-6)
    assert np.all(np.isfinite(logp.detach().numpy())) and np.all(np.isfinite(x.grad.numpy()))


def test_sigmoid_and_tanh_saturate_exactly(device: str) -> None:
    """sigmoid(±1e4) is 1 and 0, tanh(±1e4) is ±1, with zero gradient."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = tg.Tensor([1e4, -1e4], requires_grad=True, device=device)
        s = x.sigmoid()
        t = x.tanh()
        (s.sum() + t.sum()).backward()
    np.testing.assert_array_equal(s.detach().numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(t.detach().numpy(), [1.0, -1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_log_softmax_of_huge_logit_is_exact(device: str) -> None:
    """log_softmax([1e4, 0]) = [0, -1e4] (no inf - inf, no log(0))."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = tg.Tensor([1e4, 0.0], device=device).log_softmax().numpy()
    np.testing.assert_allclose(out, [0.0, -1e4], rtol=1e-7, atol=1e-6)


def test_logsumexp_is_finite_for_huge_values(device: str) -> None:
    """logsumexp factors out the max: [1e4, 1e4] gives 1e4 + log 2; [-1e4, -1e4] gives -1e4 + log 2."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = tg.Tensor([[1e4, 1e4], [-1e4, -1e4]], requires_grad=True, device=device)
        out = x.logsumexp(axis=1)
        out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), [1e4 + np.log(2), -1e4 + np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 2), 0.5), rtol=1e-6)


def test_exp_of_very_negative_is_zero_with_zero_gradient(device: str) -> None:
    """exp(-1e4) underflows quietly to 0, and its gradient is exactly 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = tg.Tensor([-1e4, 0.0], requires_grad=True, device=device)
        y = x.exp()
        y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0])


def test_log_of_large_value_is_finite(device: str) -> None:
    """log(1e4) and its gradient 1e-4 are finite in float32."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = tg.Tensor([1e4, 1.0], requires_grad=True, device=device)
        y = x.log()
        y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), [np.log(1e4), 0.0], rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [1e-4, 1.0], rtol=1e-6)


# ----------------------------------------------------------------------------- integers meeting floats (as PyTorch)
@pytest.mark.parametrize("float_dtype", ["float32", "float64"])
def test_an_integer_tensor_takes_the_float_tensors_dtype_in_either_order(float_dtype: str) -> None:
    floats, ints = tg.Tensor([1.5, 2.5], dtype=float_dtype), tg.Tensor([1, 2])
    for result in (floats + ints, ints + floats, floats * ints, tg.maximum(ints, floats)):
        assert result.dtype == np.dtype(float_dtype)


# Ops of two tensors, written once for tinygrad_edu and torch (``lib``).
PROMOTING_OPS = {
    "add": lambda lib, a, b: a + b,
    "div": lambda lib, a, b: a / b,
    "mul": lambda lib, a, b: a * b,
    "pow": lambda lib, a, b: a**b,
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "where": lambda lib, a, b: lib.where(a == a, a, b),
}
# (first dtype and shape, second dtype and shape): a 0-d tensor of the same kind acts as a number
PROMOTING_OPERANDS = [
    (("float32", (3,)), ("float64", ())),
    (("float64", ()), ("float32", (2, 3))),
    (("int64", (3,)), ("float64", ())),  # a 0-d float of a higher kind does count
    (("bool", (3,)), ("int64", ())),
    (("int32", (3,)), ("int64", ())),
    (("float32", ()), ("float64", ())),  # two 0-d tensors: the wider one
]


@pytest.mark.parametrize("name", sorted(PROMOTING_OPS))
@pytest.mark.parametrize(("first", "second"), PROMOTING_OPERANDS, ids=lambda o: f"{o[0]}{list(o[1])}")
def test_a_0d_tensor_promotes_as_in_torch(name: str, first: tuple, second: tuple, device: str) -> None:
    torch = pytest.importorskip("torch")
    ours = PROMOTING_OPS[name](tg, *(tg.ones(shape, dtype=dtype, device=device) for dtype, shape in (first, second)))
    theirs = PROMOTING_OPS[name](torch, *(torch.ones(shape, dtype=getattr(torch, d)) for d, shape in (first, second)))
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")


@pytest.mark.parametrize("join", ["cat", "stack"])
@pytest.mark.parametrize("dtypes", [("float32", "int64"), ("bool", "float32", "int64"), ("int64", "float64")])
def test_cat_and_stack_promote_mixed_dtypes_as_torch(join: str, dtypes: tuple, device: str) -> None:
    """float32 joined with int64 is float32 (NumPy would give float64); the gradient comes back float32."""
    torch = pytest.importorskip("torch")
    tensors = [tg.ones(2, dtype=dtype, device=device, requires_grad=dtype.startswith("float")) for dtype in dtypes]
    ours = getattr(tg, join)(tensors)
    theirs = getattr(torch, join)([torch.ones(2, dtype=getattr(torch, dtype)) for dtype in dtypes])
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    ours.sum().backward()
    assert [t.grad.dtype for t in tensors if t.requires_grad] == [t.dtype for t in tensors if t.requires_grad]


@pytest.mark.parametrize("op", ["square", "cube", "pow 2.0", "rpow"])
def test_powers_of_bools_are_numbers_as_torch(op: str, device: str) -> None:
    """True**3 is 1 as int64 (not True), True.square() too; a float exponent gives float32."""
    torch = pytest.importorskip("torch")
    ops = {"square": lambda x: x.square(), "cube": lambda x: x**3, "pow 2.0": lambda x: x**2.0, "rpow": lambda x: 2**x}
    ours, theirs = ops[op](tg.tensor([True, False], device=device)), ops[op](torch.tensor([True, False]))
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_the_exponents_gradient_of_an_integer_base_is_computed_in_the_exponents_float64() -> None:
    exponent = tg.tensor([0.5, 2.0], dtype="float64", requires_grad=True)
    (tg.tensor([3, 5]) ** exponent).sum().backward()
    np.testing.assert_allclose(
        exponent.grad.numpy(), np.array([3, 5]) ** np.array([0.5, 2.0]) * np.log([3, 5]), rtol=1e-15
    )


def test_integer_scalars_too_big_for_uint8_promote_instead_of_wrapping_or_failing() -> None:
    pixels = tg.Tensor(np.array([10, 200], dtype=np.uint8))
    np.testing.assert_allclose((pixels / 256).numpy(), [10 / 256, 200 / 256], rtol=1e-6)
    assert (pixels / 256).dtype == np.float32
    np.testing.assert_array_equal((pixels + 300).numpy(), [310, 500])
    np.testing.assert_array_equal((pixels > 100).numpy(), [False, True])


def test_logsumexp_of_a_row_of_minus_infinity_is_minus_infinity() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = tg.Tensor([[-np.inf, -np.inf], [0.0, 1.0]]).logsumexp(axis=1).numpy()
    assert result[0] == -np.inf
    np.testing.assert_allclose(result[1], np.log(1 + np.e), rtol=1e-6)


def test_var_and_logsumexp_accept_pytorchs_dim_and_keepdim() -> None:
    x = tg.Tensor([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]])
    np.testing.assert_allclose(x.var(dim=1, keepdim=True).numpy(), x.var(axis=1, keepdims=True).numpy())
    np.testing.assert_allclose(x.logsumexp(dim=0).numpy(), x.logsumexp(axis=0).numpy())
    assert x.var(dim=1, keepdim=True).shape == (2, 1)
