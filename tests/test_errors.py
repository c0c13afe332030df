"""Error messages for bad input: one test per message, checking that it explains the problem.

Each test matches the informative parts of the message (the op's name, both shapes or dtypes,
the hint that fixes it), so a vague message ("operands could not be broadcast") fails.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F


def _shape(shape: tuple[int, ...]) -> str:
    """A regex matching ``shape`` as Python prints a tuple, e.g. ``\\(2, 3\\)``."""
    return re.escape(str(tuple(shape)))


# ----------------------------------------------------------------------------- shapes in ops
@pytest.mark.parametrize(
    ("op", "name"),
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a - b, "sub"),
        (lambda a, b: a * b, "mul"),
        (lambda a, b: a / b, "div"),
    ],
    ids=["add", "sub", "mul", "div"],
)
def test_elementwise_shape_mismatch_names_op_and_both_shapes(
    op: Callable[[tg.Tensor, tg.Tensor], tg.Tensor], name: str, device: str
) -> None:
    """(2, 3) with (4,) cannot broadcast: the error names the op and both shapes."""
    a = tg.Tensor(np.ones((2, 3)), device=device)
    b = tg.Tensor(np.ones(4), device=device)
    pattern = rf"(?i){name}.*{_shape((2, 3))}.*{_shape((4,))}"
    with pytest.raises(ValueError, match=pattern):
        op(a, b)


def test_shape_mismatch_with_grad_tracking_names_shapes(device: str) -> None:
    """The same message when the operands require grad (the op fails before any graph is built)."""
    a = tg.Tensor(np.ones((3, 2)), requires_grad=True, device=device)
    b = tg.Tensor(np.ones((2, 3)), requires_grad=True, device=device)
    with pytest.raises(ValueError, match=rf"(?i)mul.*{_shape((3, 2))}.*{_shape((2, 3))}"):
        a * b


def test_matmul_mismatch_names_both_shapes(device: str) -> None:
    """A (2, 3) @ (4, 2) product names matmul, both shapes and the two inner sizes."""
    a = tg.Tensor(np.ones((2, 3)), device=device)
    b = tg.Tensor(np.ones((4, 2)), device=device)
    with pytest.raises(ValueError, match=rf"(?i)matmul.*{_shape((2, 3))}.*{_shape((4, 2))}") as info:
        a @ b
    assert "3" in str(info.value) and "4" in str(info.value)


def test_matmul_of_bools_is_refused_instead_of_a_logical_any(device: str) -> None:
    """NumPy's bool [T, T] @ [[T], [T]] is [True], not the count 2: PyTorch refuses it, so do we."""
    a, b = tg.ones(2, dtype="bool", device=device), tg.ones(2, 1, dtype="bool", device=device)
    with pytest.raises(TypeError, match=r"matmul: bool tensors cannot be multiplied \(shapes \(2,\) and \(2, 1\)\)"):
        a @ b


def test_matmul_with_scalar_suggests_star(device: str) -> None:
    """A 0-d operand of @ is refused with a hint to use *."""
    with pytest.raises(ValueError, match=r"(?i)matmul.*\*"):
        tg.Tensor(np.ones(3), device=device) @ tg.Tensor(2.0, device=device)


def test_cat_of_mismatched_shapes_names_shapes(device: str) -> None:
    """cat along axis 0 of (2, 3) and (2, 4) fails naming cat and both shapes."""
    a = tg.Tensor(np.ones((2, 3)), device=device)
    b = tg.Tensor(np.ones((2, 4)), device=device)
    with pytest.raises(ValueError, match=rf"(?i)cat.*{_shape((2, 3))}.*{_shape((2, 4))}"):
        tg.cat([a, b], axis=0)


def test_stack_of_mismatched_shapes_names_shapes(device: str) -> None:
    """stack needs equal shapes and says which shapes it got."""
    a = tg.Tensor(np.ones((2, 3)), device=device)
    b = tg.Tensor(np.ones((3, 2)), device=device)
    with pytest.raises(ValueError, match=rf"(?i)stack.*{_shape((2, 3))}.*{_shape((3, 2))}"):
        tg.stack([a, b])


def test_reshape_to_wrong_size_names_shapes(device: str) -> None:
    """Reshaping 6 elements to (4, 2) names reshape and the original shape."""
    with pytest.raises(ValueError, match=rf"(?i)reshape.*{_shape((2, 3))}"):
        tg.Tensor(np.ones((2, 3)), device=device).reshape(4, 2)


@pytest.mark.parametrize(("x", "weight"), [((), (2, 3)), ((0,), ()), ((3,), ())])
def test_linear_of_a_0d_input_or_weight_names_both_shapes(x: tuple, weight: tuple) -> None:
    with pytest.raises(
        ValueError, match=rf"linear: .*at least 1 dimension, got shapes {_shape(x)} and {_shape(weight)}"
    ):
        F.linear(tg.zeros(x), tg.zeros(weight))


@pytest.mark.parametrize("shape", [(0, 0), (2, 0), (3, 0, 2)])
def test_batch_norm_of_an_input_without_features_names_its_shape(shape: tuple) -> None:
    with pytest.raises(
        ValueError, match=rf"batch_norm: expected input \(N, C\) or \(N, C, L\) with C >= 1, got {_shape(shape)}"
    ):
        F.batch_norm(tg.zeros(shape), None, None, training=True)


# ----------------------------------------------------------------------------- requires_grad and dtypes
def test_int_tensor_cannot_require_grad() -> None:
    """An int64 tensor with requires_grad=True: the message names the dtype and suggests float."""
    with pytest.raises(TypeError, match=r"int64") as info:
        tg.Tensor([1, 2, 3], requires_grad=True)
    assert re.search(r"float", str(info.value)), str(info.value)


def test_bool_tensor_cannot_require_grad_in_place() -> None:
    """requires_grad_() on a bool tensor fails the same way, naming bool."""
    with pytest.raises(TypeError, match=r"bool.*float|float.*bool"):
        tg.Tensor([True, False]).requires_grad_()


def test_unknown_dtype_name() -> None:
    """A misspelt dtype name is repeated in the message, with examples of valid names."""
    with pytest.raises(TypeError, match=r"flaot32.*float32"):
        tg.Tensor([1.0], dtype="flaot32")


def test_unsupported_dtype_kind() -> None:
    """A complex dtype is refused with the dtype named."""
    with pytest.raises(TypeError, match=r"complex64"):
        tg.Tensor([1.0], dtype="complex64")


def test_where_with_non_bool_condition() -> None:
    """where needs a bool condition; the message names where, bool, the dtype given and a hint."""
    cond = tg.Tensor([1.0, 0.0])
    with pytest.raises(TypeError, match=r"(?i)where.*bool.*float32"):
        tg.where(cond, tg.Tensor([1.0, 2.0]), 0.0)


# ----------------------------------------------------------------------------- backward
def test_non_scalar_backward_without_gradient_names_shape() -> None:
    """backward() on a (2, 3) output without a gradient names the shape and suggests .sum()."""
    y = tg.Tensor(np.ones((2, 3)), requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match=rf"{_shape((2, 3))}") as info:
        y.backward()
    assert "sum" in str(info.value)


def test_backward_gradient_of_wrong_shape() -> None:
    """A gradient of shape (4,) for an output of shape (3,) names both shapes."""
    y = tg.Tensor(np.ones(3), requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match=rf"{_shape((4,))}.*{_shape((3,))}|{_shape((3,))}.*{_shape((4,))}"):
        y.backward(tg.ones(4))


def test_backward_twice_names_retain_graph() -> None:
    """A second backward through a freed graph tells the user about retain_graph=True."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()


def test_backward_on_tensor_without_grad() -> None:
    """backward() on a constant explains that nothing requires grad."""
    y = tg.Tensor([1.0, 2.0]).sum()
    with pytest.raises(RuntimeError, match=r"(?i)requires?[_ ]grad"):
        y.backward()


def test_backward_on_no_grad_result_mentions_no_grad() -> None:
    """A result computed under no_grad cannot be backpropagated; the message mentions no_grad."""
    x = tg.Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        y = (x * 2.0).sum()
    with pytest.raises(RuntimeError, match=r"no_grad"):
        y.backward()


# ----------------------------------------------------------------------------- custom Functions
class WrongShapeGrad(tg.Function):
    """Doubles its input but returns a gradient of shape (5,) whatever the input's shape."""

    @staticmethod
    def forward(ctx: tg.Function, x: tg.Tensor) -> tg.Tensor:
        return x * 2.0

    @staticmethod
    def backward(ctx: tg.Function, grad: tg.Tensor) -> tg.Tensor:
        return tg.ones(5)


class TooManyGrads(tg.Function):
    """One input, two gradients returned."""

    @staticmethod
    def forward(ctx: tg.Function, x: tg.Tensor) -> tg.Tensor:
        return x * 2.0

    @staticmethod
    def backward(ctx: tg.Function, grad: tg.Tensor) -> tuple[tg.Tensor, tg.Tensor]:
        return grad * 2.0, grad


def test_custom_function_wrong_gradient_shape() -> None:
    """The message names the Function subclass, the returned shape and the input's shape."""
    x = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    y = WrongShapeGrad.apply(x)
    pattern = rf"WrongShapeGrad.*{_shape((5,))}.*{_shape((2, 3))}"
    with pytest.raises(RuntimeError, match=pattern):
        y.sum().backward()
    assert tg.is_grad_enabled()  # the failed backward pass restored the grad mode


def test_custom_function_wrong_number_of_gradients() -> None:
    """The message names the Function subclass and both counts (2 returned, 1 input)."""
    x = tg.Tensor(np.ones(3), requires_grad=True)
    y = TooManyGrads.apply(x)
    with pytest.raises(RuntimeError, match=r"TooManyGrads.*2.*1") as info:
        y.sum().backward()
    assert "input" in str(info.value)


# ----------------------------------------------------------------------------- axes, permutations, item
@pytest.mark.parametrize("method", ["sum", "mean", "max", "min"])
def test_reduction_axis_out_of_range(method: str) -> None:
    """axis=2 on a 2-d tensor names the reduction, the axis, the shape and the valid range."""
    x = tg.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=rf"{method}.*axis 2.*{_shape((2, 3))}") as info:
        getattr(x, method)(axis=2)
    assert "-2 <= axis < 2" in str(info.value)


def test_negative_axis_out_of_range() -> None:
    """axis=-3 on a 2-d tensor is refused too (not silently wrapped)."""
    with pytest.raises(ValueError, match=rf"axis -3.*{_shape((2, 3))}"):
        tg.Tensor(np.ones((2, 3))).sum(axis=-3)


def test_softmax_axis_out_of_range() -> None:
    """softmax along a missing axis names softmax and the shape."""
    with pytest.raises(ValueError, match=rf"softmax.*axis 5.*{_shape((2, 3))}"):
        tg.Tensor(np.ones((2, 3))).softmax(axis=5)


def test_bad_permutation_hints_at_transpose() -> None:
    """permute(0, 1) on a 3-d tensor is not a permutation; the message points to transpose(dim0, dim1)."""
    x = tg.Tensor(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=rf"(?i)permute.*permutation.*{_shape((2, 3, 4))}") as info:
        x.permute(0, 1)
    assert "transpose(dim0, dim1)" in str(info.value)


def test_item_on_multi_element_tensor() -> None:
    """item() on a (2, 3) tensor names item, the shape and a way out."""
    with pytest.raises(ValueError, match=rf"item.*{_shape((2, 3))}") as info:
        tg.Tensor(np.ones((2, 3))).item()
    assert "sum" in str(info.value) or "index" in str(info.value)


def test_index_out_of_range_names_shape() -> None:
    """x[10] on a (3,) tensor names the indexing op and the shape."""
    with pytest.raises(IndexError, match=rf"(?i)getitem.*{_shape((3,))}"):
        tg.Tensor([1.0, 2.0, 3.0])[10]


# ----------------------------------------------------------------------------- devices
@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is installed")
def test_cuda_without_cupy_says_how_to_install() -> None:
    """Asking for cuda without CuPy raises an error with the pip command that installs CuPy."""
    with pytest.raises(RuntimeError, match=r"(?i)cupy") as info:
        tg.Tensor([1.0], device="cuda")
    assert "pip install" in str(info.value)


def test_unknown_device_lists_valid_devices() -> None:
    """An unknown device name is repeated and the valid choices are listed."""
    with pytest.raises(ValueError, match=r"tpu.*cpu.*cuda"):
        tg.Tensor([1.0], device="tpu")


def test_an_array_of_strings_is_refused_with_its_dtype() -> None:
    with pytest.raises(TypeError, match=r"dtype <U1.*numbers"):
        tg.Tensor(np.array(["a", "b"]))


def test_an_unknown_device_name_in_to_says_what_is_accepted() -> None:
    with pytest.raises(TypeError, match=r"unknown device or dtype 'gpu'.*'cpu', 'cuda'"):
        tg.Tensor([1.0]).to("gpu")


# ----------------------------------------------------------------------------- names that moved
@pytest.mark.parametrize("old", sorted(tg.MOVED_MODULES))
def test_importing_a_module_that_moved_says_where_it_went(old: str) -> None:
    """An old import path fails with the new place in the message, not a bare 'No module named'."""
    new_place = tg.MOVED_MODULES[old].split(" ")[0]
    with pytest.raises(ModuleNotFoundError, match=rf"{old} has moved: use {re.escape(new_place)}"):
        importlib.import_module(old)


@pytest.mark.parametrize(
    ("module", "old", "new"),
    [
        (F, "Linear", "tinygrad_edu.ops.Linear"),
        (F, "BatchNormTraining", "tinygrad_edu.ops.BatchNorm"),
        (F, "CrossEntropy", "tinygrad_edu.ops.CrossEntropy"),
        (tg.ops, "Min", "ops.Max with smallest=True"),
        (tg.ops, "Minimum", "ops.Maximum with smallest=True"),
    ],
)
def test_an_op_class_that_moved_says_where_it_went(module: Any, old: str, new: str) -> None:
    with pytest.raises(AttributeError, match=re.escape(new)):
        getattr(module, old)
    with pytest.raises(AttributeError, match="has no attribute 'Nonexistent'"):
        module.Nonexistent  # noqa: B018 - an unknown name is still the usual error
