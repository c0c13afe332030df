"""PyTorch programs run unchanged: the torch namespace (tg.exp, tg.max(x, 1), ...) and the Tensor
methods PyTorch users type give PyTorch's values, dtypes, shapes, named tuples and gradients.

Tests that compare with PyTorch skip without it; the error cases below them need no PyTorch.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch")


def values(*shape: int, seed: int = 0, low: float = -3.0, high: float = 3.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def distinct(*shape: int, seed: int = 0) -> np.ndarray:
    """Shuffled values 0.25 apart: no ties, so every index is defined."""
    return np.random.default_rng(seed).permutation(np.arange(math.prod(shape)) * 0.25 - 2.0).reshape(shape)


def pair(torch: Any, array: np.ndarray, requires_grad: bool = False) -> tuple[tg.Tensor, Any]:
    """The same values as our tensor and as PyTorch's (float64 stays float64, ints stay int64)."""
    return tg.Tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad)


def assert_same(ours: Any, theirs: Any, rtol: float = 1e-6) -> None:
    """Same shape, same dtype and the same values as PyTorch's tensor."""
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).removeprefix("tinygrad_edu.") == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=1e-7)


def assert_same_gradients(fn_ours: Callable, fn_theirs: Callable, array: np.ndarray, torch: Any) -> None:
    """The outputs and the gradients of sum(output * g) for a random g agree with PyTorch's."""
    ours, theirs = pair(torch, array, requires_grad=True)
    out_ours, out_theirs = fn_ours(ours), fn_theirs(theirs)
    assert_same(out_ours, out_theirs)
    g = values(*out_ours.shape, seed=5)
    (out_ours * tg.Tensor(g)).sum().backward()
    (out_theirs * torch.tensor(g)).sum().backward()
    assert_same(ours.grad, theirs.grad)


# ----------------------------------------------------------------------------- elementwise
UNARY = ["sin", "cos", "log10", "log2", "exp2", "square", "rsqrt", "reciprocal", "exp", "log", "sqrt", "abs"]
UNARY += ["tanh", "sigmoid", "relu", "neg"]
POSITIVE_ONLY = {"log10", "log2", "rsqrt", "log", "sqrt", "reciprocal"}


@pytest.mark.parametrize("name", UNARY)
def test_elementwise_function_and_method_match_torch_with_gradients(name: str, torch: Any) -> None:
    array = values(3, 4, low=0.2, high=3.0) if name in POSITIVE_ONLY else values(3, 4)
    assert_same_gradients(lambda x: getattr(tg, name)(x), lambda x: getattr(torch, name)(x), array, torch)
    assert_same_gradients(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), array, torch)


@pytest.mark.parametrize("name", UNARY)
def test_elementwise_dtype_of_integer_input_matches_torch(name: str, torch: Any) -> None:
    """Integer inputs compute as float32 where PyTorch does (sin, log10, ...), and stay integers
    where it does (square, abs, neg, relu)."""
    ours, theirs = pair(torch, np.array([[1, 2], [3, 4]]))
    assert_same(getattr(tg, name)(ours), getattr(torch, name)(theirs))


def test_float32_stays_float32(torch: Any) -> None:
    ours, theirs = pair(torch, values(5).astype(np.float32))
    for name in ["sin", "cos", "exp2", "square"]:
        assert_same(getattr(ours, name)(), getattr(theirs, name)())


# ----------------------------------------------------------------------------- max and min
@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize(
    "call",
    [
        lambda f, x: f(x, 1),
        lambda f, x: f(x, dim=0),
        lambda f, x: f(x, -1, keepdim=True),
        lambda f, x: f(x, dim=1, keepdim=True),
    ],
    ids=["positional", "keyword", "keepdim-positional", "keepdim-keyword"],
)
def test_max_min_along_a_dim_return_values_and_indices(name: str, call: Callable, torch: Any) -> None:
    ours, theirs = pair(torch, distinct(3, 4), requires_grad=True)
    for f_ours, f_theirs in [(getattr(tg, name), getattr(torch, name)), (getattr(tg.Tensor, name), None)]:
        result, expected = call(f_ours, ours), call(f_theirs or getattr(torch.Tensor, name), theirs)
        assert isinstance(result, tuple) and len(result) == 2
        assert_same(result.values, expected.values)
        assert_same(result.indices, expected.indices)
        values_, indices = result  # unpacks as a tuple
        assert values_ is result.values and indices is result.indices
        assert type(result).__name__ == name
        assert f"return_types.{name}(values=" in repr(result)
    result.values.sum().backward()
    expected.values.sum().backward()
    assert_same(ours.grad, theirs.grad)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_along_a_dim_give_the_gradient_to_the_index_at_ties(name: str, torch: Any) -> None:
    """Along a dim the gradient goes to the index returned; over everything, ties share it (as torch)."""
    array = np.array([[1.0, 1.0, 0.5], [2.0, 2.0, 2.0]]) * (1 if name == "max" else -1)
    assert_same_gradients(lambda x: getattr(x, name)(1).values, lambda x: getattr(x, name)(1).values, array, torch)
    assert_same_gradients(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), array, torch)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_without_dim_and_with_a_tensor(name: str, torch: Any) -> None:
    (a, ta), (b, tb) = pair(torch, values(3, 4)), pair(torch, values(4, seed=1))
    assert_same(getattr(tg, name)(a), getattr(torch, name)(ta))
    assert_same(getattr(a, name)(), getattr(ta, name)())
    assert_same(getattr(tg, name)(a, b), getattr(torch, name)(ta, tb))  # elementwise maximum / minimum
    assert_same(getattr(a, name)(b), getattr(ta, name)(tb))


def test_max_of_integers_and_of_a_0d_tensor(torch: Any) -> None:
    ours, theirs = pair(torch, np.array([[3, 7, 1], [9, 2, 9]]))
    result, expected = ours.max(1), theirs.max(1)
    assert_same(result.values, expected.values)
    assert_same(result.indices, expected.indices)
    result, expected = tg.Tensor(2.5).max(0), torch.tensor(2.5).max(0)
    assert_same(result.values, expected.values)
    assert_same(result.indices, expected.indices)


@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_amin_reduce_several_dims(name: str, torch: Any) -> None:
    assert_same_gradients(
        lambda x: getattr(tg, name)(x, dim=(0, 2), keepdim=True),
        lambda x: getattr(torch, name)(x, dim=(0, 2), keepdim=True),
        distinct(2, 3, 4),
        torch,
    )


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin_functions(name: str, torch: Any) -> None:
    ours, theirs = pair(torch, distinct(3, 4))
    assert_same(getattr(tg, name)(ours), getattr(torch, name)(theirs))
    assert_same(getattr(tg, name)(ours, dim=1, keepdim=True), getattr(torch, name)(theirs, dim=1, keepdim=True))


# ----------------------------------------------------------------------------- sort, topk, argsort
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_and_argsort_match_torch(dim: int, descending: bool, torch: Any) -> None:
    ours, theirs = pair(torch, distinct(4, 5), requires_grad=True)
    result, expected = tg.sort(ours, dim, descending), torch.sort(theirs, dim, descending)
    assert type(result).__name__ == "sort"
    assert_same(result.values, expected.values)
    assert_same(result.indices, expected.indices)
    assert_same(ours.argsort(dim, descending), theirs.argsort(dim, descending))
    assert_same(tg.argsort(ours, dim=dim, descending=descending), torch.argsort(theirs, dim=dim, descending=descending))
    g = values(4, 5, seed=3)
    (result.values * tg.Tensor(g)).sum().backward()
    (expected.values * torch.tensor(g)).sum().backward()
    assert_same(ours.grad, theirs.grad)


@pytest.mark.parametrize("descending", [False, True])
def test_sort_is_stable_and_places_nan_as_torch(descending: bool, torch: Any) -> None:
    ours, theirs = pair(torch, np.array([2.0, np.nan, 1.0, 2.0, 1.0, -np.inf]))
    result, expected = ours.sort(descending=descending), theirs.sort(descending=descending, stable=True)
    assert_same(result.values, expected.values)
    assert_same(result.indices, expected.indices)


@pytest.mark.parametrize(("k", "dim", "largest"), [(2, -1, True), (3, 0, False), (1, 1, True), (0, 1, True)])
def test_topk_matches_torch(k: int, dim: int, largest: bool, torch: Any) -> None:
    ours, theirs = pair(torch, distinct(4, 5), requires_grad=True)
    result, expected = tg.topk(ours, k, dim, largest), torch.topk(theirs, k, dim, largest)
    assert type(result).__name__ == "topk"
    assert_same(result.values, expected.values)
    assert_same(result.indices, expected.indices)
    assert_same_gradients(
        lambda x: x.topk(k, dim=dim, largest=largest).values,
        lambda x: x.topk(k, dim=dim, largest=largest).values,
        distinct(4, 5),
        torch,
    )


# ----------------------------------------------------------------------------- std, var, norm, sums
@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.std(x),
        lambda m, x: m.std(x, 1),
        lambda m, x: m.std(x, dim=0, keepdim=True),
        lambda m, x: m.std(x, dim=(0, 1), correction=0),
        lambda m, x: m.std(x, 1, unbiased=False),
        lambda m, x: m.std(x, 1, False, True),
        lambda m, x: m.var(x, dim=1),
        lambda m, x: m.sum(x, 1),
        lambda m, x: m.mean(x, dim=0, keepdim=True),
        lambda m, x: m.logsumexp(x, 1),
    ],
    ids=[
        "std",
        "std-dim",
        "std-keepdim",
        "std-correction-0",
        "std-unbiased-false",
        "std-positional-unbiased",
        "var",
        "sum",
        "mean",
        "logsumexp",
    ],
)
def test_statistics_match_torch(call: Callable, torch: Any) -> None:
    assert_same_gradients(lambda x: call(tg, x), lambda x: call(torch, x), values(3, 4), torch)


@pytest.mark.parametrize(
    ("p", "dim", "keepdim"),
    [
        (2, None, False),
        ("fro", None, False),
        (2, 1, True),
        (1, 0, False),
        (3, (0, 1), False),
        (math.inf, 1, False),
        (-math.inf, 1, False),
        (0.5, 0, False),
    ],
)
def test_norm_matches_torch(p: Any, dim: Any, keepdim: bool, torch: Any) -> None:
    assert_same_gradients(
        lambda x: tg.norm(x, p, dim, keepdim), lambda x: torch.norm(x, p, dim, keepdim), distinct(3, 4) + 0.1, torch
    )
    assert_same_gradients(
        lambda x: x.norm(p=p, dim=dim, keepdim=keepdim),
        lambda x: x.norm(p=p, dim=dim, keepdim=keepdim),
        distinct(3, 4) + 0.1,
        torch,
    )


def test_norm_of_zeros_has_gradient_zero_as_torch(torch: Any) -> None:
    assert_same_gradients(lambda x: x.norm(), lambda x: x.norm(), np.zeros((2, 3)), torch)
    assert_same_gradients(lambda x: x.norm(dim=1), lambda x: x.norm(dim=1), np.array([[0.0, 0.0], [3.0, 4.0]]), torch)


def test_norm_of_integers_is_float32(torch: Any) -> None:
    ours, theirs = pair(torch, np.array([3, 4]))
    assert_same(ours.norm(), theirs.float().norm())
    assert ours.norm().dtype == np.float32


# ----------------------------------------------------------------------------- comparisons
@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_methods_and_functions(name: str, torch: Any) -> None:
    (a, ta), (b, tb) = pair(torch, np.array([[1.0, 2.0, 3.0]])), pair(torch, np.array([[2.0], [3.0]]))
    assert_same(getattr(a, name)(b), getattr(ta, name)(tb))
    assert_same(getattr(tg, name)(a, b), getattr(torch, name)(ta, tb))
    assert_same(getattr(a, name)(2.0), getattr(ta, name)(2.0))


# ----------------------------------------------------------------------------- shape: repeat, split, chunk
@pytest.mark.parametrize(
    ("shape", "sizes"), [((2, 3), (2, 2)), ((3,), (2, 1, 2)), ((2, 1, 3), (1, 4, 1)), ((), (3, 2)), ((2, 3), (1, 1))]
)
def test_repeat_tiles_as_torch(shape: tuple, sizes: tuple, torch: Any) -> None:
    array = values(*shape)
    assert_same_gradients(lambda x: x.repeat(*sizes), lambda x: x.repeat(*sizes), array, torch)
    assert_same_gradients(lambda x: x.repeat(sizes), lambda x: x.repeat(sizes), array, torch)


@pytest.mark.parametrize(
    ("how", "argument", "dim"),
    [
        ("split", 2, 0),
        ("split", 3, 1),
        ("split", [1, 4, 2], 1),
        ("split", 10, 0),
        ("chunk", 3, 1),
        ("chunk", 4, 1),
        ("chunk", 2, 0),
        ("chunk", 5, -1),
        ("split", [0, 3], 0),
    ],
)
def test_split_and_chunk_give_torchs_pieces(how: str, argument: Any, dim: int, torch: Any) -> None:
    """Piece sizes as torch (chunk(7, 4) is 2 + 2 + 2 + 1, chunk(7, 5) is four pieces of 2 and 1),
    and the gradient reaches every piece."""
    ours, theirs = pair(torch, values(3, 7), requires_grad=True)
    pieces, expected = getattr(tg, how)(ours, argument, dim), getattr(torch, how)(theirs, argument, dim)
    assert isinstance(pieces, tuple) and len(pieces) == len(expected)
    for piece, torch_piece in zip(pieces, expected, strict=True):
        assert_same(piece, torch_piece)
    sum((i + 1) * p.sum() for i, p in enumerate(pieces)).backward()
    sum((i + 1) * p.sum() for i, p in enumerate(expected)).backward()
    assert_same(ours.grad, theirs.grad)


# ----------------------------------------------------------------------------- products
@pytest.mark.parametrize(
    ("name", "shapes"),
    [
        ("mm", ((3, 4), (4, 2))),
        ("bmm", ((2, 3, 4), (2, 4, 5))),
        ("dot", ((4,), (4,))),
        ("outer", ((3,), (4,))),
        ("matmul", ((2, 3, 4), (4,))),
    ],
)
def test_products_match_torch_with_gradients(name: str, shapes: tuple, torch: Any) -> None:
    (a, ta), (b, tb) = (pair(torch, values(*s, seed=i), requires_grad=True) for i, s in enumerate(shapes))
    for out, expected in [(getattr(tg, name)(a, b), getattr(torch, name)(ta, tb)), (getattr(a, name)(b), None)]:
        expected = getattr(ta, name)(tb) if expected is None else expected
        assert_same(out, expected)
        out.sum().backward()
        expected.sum().backward()
    assert_same(a.grad, ta.grad)
    assert_same(b.grad, tb.grad)


# ----------------------------------------------------------------------------- the rest of the namespace
@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.reshape(x, (4, 3)),
        lambda m, x: m.flatten(x),
        lambda m, x: m.squeeze(m.unsqueeze(x, 1), 1),
        lambda m, x: m.transpose(x, 0, 1),
        lambda m, x: m.swapaxes(x, 0, 1),
        lambda m, x: m.permute(x, (1, 0)),
        lambda m, x: m.t(x),
        lambda m, x: m.softmax(x, 1),
        lambda m, x: m.log_softmax(x, dim=0),
        lambda m, x: m.clamp(x, min=-1.0, max=1.0),
        lambda m, x: m.clip(x, -0.5),
        lambda m, x: m.add(x, x, alpha=2),
        lambda m, x: m.sub(x, 1.5),
        lambda m, x: m.mul(x, x),
        lambda m, x: m.div(x, 4.0),
        lambda m, x: m.pow(x, 2),
        lambda m, x: m.pow(2.0, x),
        lambda m, x: m.broadcast_to(x[:1], (3, 4)),
        lambda m, x: m.clone(x),
    ],
    ids=[
        "reshape",
        "flatten",
        "squeeze-unsqueeze",
        "transpose",
        "swapaxes",
        "permute",
        "t",
        "softmax",
        "log_softmax",
        "clamp",
        "clip",
        "add-alpha",
        "sub",
        "mul",
        "div",
        "pow",
        "pow-number-base",
        "broadcast_to",
        "clone",
    ],
)
def test_namespace_functions_match_torch(call: Callable, torch: Any) -> None:
    assert_same_gradients(lambda x: call(tg, x), lambda x: call(torch, x), values(3, 4), torch)


def test_numel_and_detach(torch: Any) -> None:
    ours, theirs = pair(torch, values(2, 3), requires_grad=True)
    assert tg.numel(ours) == torch.numel(theirs) == 6
    assert tg.detach(ours).requires_grad is False


def test_every_exported_function_has_the_methods_signature() -> None:
    """help(tg.sum) shows the method's parameters, ``input`` first (and ``out`` where it is taken)."""
    import inspect

    assert list(inspect.signature(tg.sum).parameters) == ["input", "axis", "keepdims", "dim", "keepdim", "out"]
    assert list(inspect.signature(tg.softmax).parameters) == ["input", "axis", "dim"]
    assert all(name in tg.__all__ and callable(getattr(tg, name)) for name in tg.functions.__all__)


# ----------------------------------------------------------------------------- __format__ and __index__
def test_format_of_a_0d_tensor_formats_its_number(torch: Any) -> None:
    ours, theirs = tg.Tensor(0.123456), torch.tensor(0.123456)
    for spec in [".4f", ".2e", "", "8.3f"]:
        assert format(ours, spec) == format(theirs, spec)
    assert f"{tg.Tensor(7):>4d}" == f"{torch.tensor(7):>4d}" == "   7"


def test_format_of_other_tensors_without_spec_is_the_repr() -> None:
    x = tg.Tensor([1.0, 2.0])
    assert f"{x}" == repr(x)


def test_index_makes_integer_tensors_usable_as_python_indices(torch: Any) -> None:
    items = ["a", "b", "c", "d"]
    assert items[tg.Tensor(2)] == items[torch.tensor(2)] == "c"
    assert list(range(tg.Tensor([3]))) == list(range(torch.tensor([3]))) == [0, 1, 2]
    assert [10, 20][tg.Tensor(True)] == 20


# ----------------------------------------------------------------------------- out=
@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("add", (1.0,)),
        ("sub", (2.0,)),
        ("mul", (3.0,)),
        ("div", (2.0,)),
        ("exp", ()),
        ("log", ()),
        ("sqrt", ()),
        ("abs", ()),
        ("tanh", ()),
        ("sigmoid", ()),
        ("clamp", (0.5, 1.0)),
        ("pow", (2,)),
        ("sum", (1,)),
        ("mean", (0,)),
    ],
)
def test_out_writes_the_result_into_the_given_tensor(name: str, arguments: tuple, torch: Any) -> None:
    ours, theirs = pair(torch, values(3, 4, low=0.1))
    expected = getattr(torch, name)(theirs, *arguments)
    out = tg.zeros(*expected.shape, dtype="float64")
    result = getattr(tg, name)(ours, *arguments, out=out)
    assert result is out
    assert_same(out, expected)


def test_out_of_matmul_and_of_the_value_forms_of_max(torch: Any) -> None:
    (a, ta), (b, tb) = pair(torch, values(3, 4)), pair(torch, values(4, 2, seed=1))
    out = tg.zeros(3, 2, dtype="float64")
    assert tg.matmul(a, b, out=out) is out
    assert_same(out, torch.matmul(ta, tb))
    out = tg.zeros((), dtype="float64")
    tg.max(a, out=out)
    assert_same(out, torch.max(ta))
    out = tg.zeros(3, 4, dtype="float64")
    tg.min(a, a * 2, out=out)
    assert_same(out, torch.min(ta, ta * 2))


def test_out_of_another_shape_is_resized_with_a_warning_as_torch(torch: Any) -> None:
    ours, theirs = pair(torch, values(2, 3))
    out, torch_out = tg.zeros(5, dtype="float64"), torch.zeros(5, dtype=torch.float64)
    with pytest.warns(UserWarning, match=r"resized"):
        tg.exp(ours, out=out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.exp(theirs, out=torch_out)
    assert_same(out, torch_out)
    empty = tg.zeros(0, dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty out is resized silently
        tg.exp(ours, out=empty)
    assert_same(empty, torch_out)
    assert not np.shares_memory(empty.numpy(), out.numpy())


def test_out_casts_to_its_dtype_where_torch_does(torch: Any) -> None:
    ours, theirs = pair(torch, np.array([1, 2, 3]))
    out, torch_out = tg.zeros(3, dtype="float32"), torch.zeros(3)
    tg.add(ours, 1, out=out)
    torch.add(theirs, 1, out=torch_out)
    assert_same(out, torch_out)


# ----------------------------------------------------------------------------- errors (no PyTorch needed)
def test_max_over_several_dims_names_amax() -> None:
    x = tg.Tensor(distinct(2, 3))
    with pytest.raises(TypeError, match=r"max\(dim\) takes one axis, got \(0, 1\); use amax\(dim=\(0, 1\)\)"):
        x.max(dim=(0, 1))
    with pytest.raises(TypeError, match=r"keepdim needs a dim"):
        x.min(keepdim=True)


def test_indices_are_int64_and_carry_no_gradient() -> None:
    x = tg.Tensor(distinct(3, 4), requires_grad=True)
    for result in [x.max(1), x.min(0), x.sort(), x.topk(2)]:
        assert result.indices.dtype == np.int64 and not result.indices.requires_grad
        assert result.values.requires_grad


def test_products_refuse_other_ranks() -> None:
    a3, a2, a1 = tg.zeros(2, 3, 4), tg.zeros(3, 4), tg.zeros(4)
    with pytest.raises(ValueError, match=r"mm: expects 2-D tensors, got \(2, 3, 4\) and \(3, 4\); use matmul"):
        tg.mm(a3, a2)
    with pytest.raises(ValueError, match=r"bmm: expects 3-D tensors"):
        a2.bmm(a2)
    with pytest.raises(ValueError, match=r"bmm: batch sizes differ: shapes \(2, 3, 4\) and \(3, 4, 2\)"):
        a3.bmm(tg.zeros(3, 4, 2))
    with pytest.raises(ValueError, match=r"dot: expects 1-D tensors, got \(3, 4\) and \(4,\)"):
        tg.dot(a2, a1)
    with pytest.raises(ValueError, match=r"matmul: shapes \(4,\) and \(3,\) are not aligned"):
        a1.dot(tg.zeros(3))


def test_topk_split_chunk_repeat_refuse_bad_sizes() -> None:
    x = tg.zeros(3, 4)
    with pytest.raises(ValueError, match=r"topk: k=5 is out of range for dim -1 of length 4"):
        x.topk(5)
    with pytest.raises(ValueError, match=r"split: sections \[1, 2\] must be non-negative and add up to 4"):
        x.split([1, 2], dim=1)
    with pytest.raises(ValueError, match=r"split: split_size must be positive, got 0"):
        x.split(0)
    with pytest.raises(ValueError, match=r"chunk: chunks must be positive, got 0"):
        x.chunk(0)
    with pytest.raises(ValueError, match=r"repeat: give at least one size per axis: 1 sizes for shape \(3, 4\)"):
        x.repeat(2)


@pytest.mark.parametrize("cut", [lambda t: t.split(2), lambda t: t.chunk(3), lambda t: t.split([1], dim=-1)])
def test_split_and_chunk_refuse_a_0d_tensor(cut: Any) -> None:
    """A 0-d tensor has no axis to cut (PyTorch: "split expects at least a 1-dimensional tensor")."""
    with pytest.raises(ValueError, match=r"(split|chunk): expects a tensor of at least 1 dimension, got a 0-d"):
        cut(tg.tensor(1.0))


def test_comparison_methods_refuse_what_cannot_be_compared() -> None:
    with pytest.raises(TypeError, match=r"eq: cannot compare a tensor with str"):
        tg.zeros(2).eq("a")


def test_norm_refuses_an_unknown_p() -> None:
    with pytest.raises(ValueError, match=r"norm: p must be a number, inf, -inf or 'fro', got 'nuc'"):
        tg.zeros(2, 2).norm("nuc")


def test_std_refuses_unbiased_with_correction() -> None:
    with pytest.raises(TypeError, match=r"std: give either unbiased or correction, not both"):
        tg.zeros(3).std(unbiased=True, correction=0)


def test_format_spec_on_a_tensor_with_axes_is_refused() -> None:
    with pytest.raises(TypeError, match=r"format spec '.4f' applies to 0-d tensors .* shape \(1,\); format t.item\(\)"):
        f"{tg.Tensor([0.5]):.4f}"


@pytest.mark.parametrize("value", [2.0, [1, 2]])
def test_index_refuses_floats_and_several_elements(value: Any) -> None:
    with pytest.raises(TypeError, match=r"only one-element integer tensors can be used as an index"):
        [1, 2, 3][tg.Tensor(value)]


def test_functions_refuse_a_non_tensor_input() -> None:
    with pytest.raises(TypeError, match=r"exp\(\): input must be a Tensor, got float; wrap it in tg.Tensor"):
        tg.exp(2.0)
    with pytest.raises(TypeError, match=r"pow\(\): give a Tensor as input or exponent, got int and int"):
        tg.pow(2, 3)


def test_out_refuses_what_torch_refuses() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"exp\(\): functions with out=... arguments don't support automatic"):
        tg.exp(x, out=tg.zeros(2))
    with tg.no_grad():
        assert tg.exp(x, out=tg.zeros(2)).tolist() == pytest.approx([math.e, math.e**2])
    with pytest.raises(
        RuntimeError,
        match=r"add\(\): result type tinygrad_edu\.float32 can't be cast to the out tensor's dtype tinygrad_edu\.int64",
    ):
        tg.add(tg.Tensor([1.5]), 1, out=tg.Tensor([0]))
    with pytest.raises(TypeError, match=r"max\(\): out= takes a Tensor and works where the result is one Tensor"):
        tg.max(tg.zeros(2, 2), 1, out=tg.zeros(2))


def test_remainder_and_floor_division_match_torch_and_refuse_gradients() -> None:
    torch = pytest.importorskip("torch")
    values = np.array([-7, -3, 0, 4, 9])
    for ours, theirs in (
        (tg.tensor(values) % 3, torch.tensor(values) % 3),
        (tg.tensor(values) // 4, torch.tensor(values) // 4),
        (10 % tg.tensor([3, 4]), 10 % torch.tensor([3, 4])),
        (tg.tensor([-2.5, 7.5]) % 2.0, torch.tensor([-2.5, 7.5]) % 2.0),
    ):
        assert_same(ours, theirs)
    with pytest.raises(RuntimeError, match=r"% has no gradient.*no_grad"):
        tg.ones(2, requires_grad=True) % 2


def test_var_takes_torchs_positional_order() -> None:
    """``x.var(0, True)`` is (dim, unbiased) as in PyTorch: it must not keep the dimension."""
    torch = pytest.importorskip("torch")
    values = np.arange(12.0).reshape(3, 4) ** 1.5
    for args in ((0, True), (1, False), (1, True, True)):
        assert_same(tg.tensor(values).var(*args), torch.tensor(values).var(*args), rtol=1e-12)
