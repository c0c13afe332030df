"""The custom Function API (as in API.md) and the gradient checkers that must catch wrong backwards.

A gradient checker is only trustworthy if it fails on wrong gradients, so most gradcheck tests
here feed it a Function with a deliberately broken backward and check that the failure is caught
and explained (input, element, both values, errors, tolerances).
"""

from __future__ import annotations

import gc
import re
import weakref
from collections.abc import Callable

import numpy as np
import pytest

import tinygrad_edu as tg


# ----------------------------------------------------------------------------- Functions under test
class Square(tg.Function):
    """y = x**2, written exactly as the example in API.md."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x


class SquareMissingTwo(tg.Function):
    """y = x**2 with a WRONG backward: grad * x instead of grad * 2x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x


class SquareSignError(tg.Function):
    """y = x**2 with a WRONG backward: -2x (sign error)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * 2 * x


class SquareConstantBackward(tg.Function):
    """y = x**2 whose backward is right to first order but treats 2x as a constant.

    ``Tensor(2 * x.numpy())`` is cut off from the graph, so the second derivative comes out 0
    instead of 2: gradcheck passes, gradgradcheck must fail.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * tg.Tensor(2 * x.detach().numpy(), device=x.device)


class ExpSavesOutput(tg.Function):
    """y = e**x, saving its own output for backward: dy/dx = y."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Scale(tg.Function):
    """y = x * factor with a non-tensor ``factor``, whose gradient is None."""

    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        return x * factor

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.factor, None


class MulWrongSecond(tg.Function):
    """z = a * b with a WRONG gradient for the second input (b instead of a)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        _, b = ctx.saved_tensors
        return grad * b, grad * b


class SlightlyOff(tg.Function):
    """y = x whose backward is 0.5 % too large (1.005): a small error for tolerance tests."""

    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, grad):
        return grad * 1.005


class RecordingMul(tg.Function):
    """z = a * b that records what ``needs_input_grad`` said and only computes the needed grads."""

    seen: list[tuple[bool, ...]] = []  # noqa: RUF012 - a test probe, reset by each test

    @staticmethod
    def forward(ctx, a, b):
        RecordingMul.seen.append(("forward_grad_enabled", tg.is_grad_enabled()))
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        RecordingMul.seen.append(tuple(ctx.needs_input_grad))
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


def _leaf(values: list | np.ndarray, device: str = "cpu") -> tg.Tensor:
    """A float64 leaf that requires grad (float64: what central differences need)."""
    return tg.Tensor(np.asarray(values, dtype=np.float64), requires_grad=True, device=device)


def _report(error: pytest.ExceptionInfo, element: str) -> dict[str, float]:
    """The numbers a GradcheckError message gives for ``element`` (fails if they are missing)."""
    message = str(error.value)
    match = re.search(
        re.escape(f"element {element}")
        + r"[^;]*?analytical (\S+), numerical (\S+), absolute error (\S+), relative error (\S+)",
        message,
    )
    assert match, f"message lacks element {element} with its values and errors: {message}"
    keys = ("analytical", "numerical", "absolute", "relative")
    return {key: float(value.rstrip(",")) for key, value in zip(keys, match.groups(), strict=True)}


# ----------------------------------------------------------------------------- the Function API
def test_square_forward_backward(device: str) -> None:
    """Square.apply computes x**2, records a Square node, and backward gives 2x."""
    x = _leaf([1.0, -2.0, 3.0], device)
    y = Square.apply(x)
    assert isinstance(y, tg.Tensor) and isinstance(y.grad_fn, Square)
    np.testing.assert_array_equal(y.detach().numpy(), [1.0, 4.0, 9.0])
    y.backward(tg.Tensor(np.array([1.0, 0.5, -1.0]), device=device))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -2.0, -6.0])


def test_custom_function_composes_with_builtin_ops(device: str) -> None:
    """A custom node inside a larger graph, used twice: d/dx sum(3 * Square(x) + Square(x)) = 8x."""
    x = _leaf([0.5, 2.0], device)
    s = Square.apply(x)
    (3.0 * s + Square.apply(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 16.0])


def test_forward_runs_with_grad_recording_off() -> None:
    """forward is called with recording off, so ops inside it build no graph of their own."""
    RecordingMul.seen = []
    a, b = _leaf([1.0]), _leaf([2.0])
    RecordingMul.apply(a, b)
    assert RecordingMul.seen == [("forward_grad_enabled", False)]
    assert tg.is_grad_enabled()


def test_apply_without_grad_inputs_records_nothing() -> None:
    """When no input requires grad the output is a constant (no grad_fn)."""
    y = Square.apply(tg.Tensor([1.0, 2.0]))
    assert y.grad_fn is None and not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), [1.0, 4.0])


def test_apply_under_no_grad_records_nothing() -> None:
    """Under no_grad a custom Function records nothing either."""
    x = _leaf([3.0])
    with tg.no_grad():
        y = Square.apply(x)
    assert y.grad_fn is None and not y.requires_grad


def test_function_saving_its_own_output(device: str) -> None:
    """A Function that saves its output gets that output back in backward: gradient e**x."""
    values = np.array([-1.0, 0.0, 2.0])
    x = _leaf(values, device)
    y = ExpSavesOutput.apply(x)
    assert y.grad_fn.saved_tensors[0] is y  # the saved output is the very tensor apply returned
    y.backward(tg.ones_like(y))
    np.testing.assert_allclose(x.grad.numpy(), np.exp(values), rtol=1e-12)


def test_function_saving_its_output_creates_no_reference_cycle() -> None:
    """Saving the output does not create a cycle: the node dies by refcounting once y is deleted."""
    x = _leaf([1.0, 2.0])
    gc.collect()
    gc.disable()
    try:
        y = ExpSavesOutput.apply(x)
        node = weakref.ref(y.grad_fn)
        output = weakref.ref(y)
        del y
        assert output() is None and node() is None
    finally:
        gc.enable()


def test_non_tensor_argument_gets_none_gradient(device: str) -> None:
    """A Python number among forward's arguments needs no gradient; backward returns None for it."""
    x = _leaf([1.0, -2.0], device)
    y = Scale.apply(x, 3.0)
    assert y.grad_fn.needs_input_grad == (True, False)
    np.testing.assert_array_equal(y.detach().numpy(), [3.0, -6.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


@pytest.mark.parametrize("which", ["first", "second", "both"])
def test_needs_input_grad(which: str) -> None:
    """ctx.needs_input_grad tells backward which inputs require grad; unneeded ones get no .grad."""
    RecordingMul.seen = []
    a = tg.Tensor(np.array([2.0]), requires_grad=which in ("first", "both"))
    b = tg.Tensor(np.array([5.0]), requires_grad=which in ("second", "both"))
    RecordingMul.apply(a, b).sum().backward()
    expected = (which in ("first", "both"), which in ("second", "both"))
    assert RecordingMul.seen[-1] == expected
    assert (a.grad is not None) == expected[0] and (b.grad is not None) == expected[1]
    if expected[0]:
        np.testing.assert_array_equal(a.grad.numpy(), [5.0])
    if expected[1]:
        np.testing.assert_array_equal(b.grad.numpy(), [2.0])


# ----------------------------------------------------------------------------- gradcheck passes
@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_passes_for_correct_function(fast_mode: bool) -> None:
    """A correct custom Function passes gradcheck in both modes (returns True)."""
    x = _leaf([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])
    assert tg.gradcheck(Square.apply, (x,), fast_mode=fast_mode) is True
    assert tg.gradcheck(ExpSavesOutput.apply, (x,), fast_mode=fast_mode) is True


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_passes_for_builtin_composite(fast_mode: bool) -> None:
    """Several inputs and built-in ops: (x @ w).tanh() * b passes."""
    rng = np.random.default_rng(0)
    x, w, b = _leaf(rng.standard_normal((2, 3))), _leaf(rng.standard_normal((3, 4))), _leaf(rng.standard_normal(4))
    assert tg.gradcheck(lambda x, w, b: (x @ w).tanh() * b, (x, w, b), fast_mode=fast_mode) is True


def test_gradcheck_accepts_a_single_tensor_and_non_tensor_arguments() -> None:
    """inputs may be one Tensor, or a tuple that includes non-tensor arguments."""
    x = _leaf([1.0, 2.0])
    assert tg.gradcheck(Square.apply, x) is True
    assert tg.gradcheck(Scale.apply, (x, 2.5)) is True


# ----------------------------------------------------------------------------- gradcheck catches wrong backwards
@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_catches_missing_factor_and_explains(fast_mode: bool) -> None:
    """backward = grad * x instead of 2x: GradcheckError naming input 0, the worst element (2,),
    analytical 3 vs numerical 6, absolute error 3, relative error 0.5, and the tolerances."""
    x = _leaf([0.5, -1.0, 3.0])
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(SquareMissingTwo.apply, (x,), fast_mode=fast_mode)
    message = str(info.value)
    assert "input 0" in message
    report = _report(info, "(2,)")
    assert report["analytical"] == pytest.approx(3.0, rel=1e-6)
    assert report["numerical"] == pytest.approx(6.0, rel=1e-6)
    assert report["absolute"] == pytest.approx(3.0, rel=1e-2)
    assert report["relative"] == pytest.approx(0.5, rel=1e-2)
    assert "atol=1e-05" in message and "rtol=0.001" in message


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_catches_sign_error(fast_mode: bool) -> None:
    """A sign error is caught; the worst element of a 2-d input is reported as a 2-d index."""
    x = _leaf([[0.5, 1.0], [3.0, -1.0]])
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(SquareSignError.apply, (x,), fast_mode=fast_mode)
    assert "input 0" in str(info.value)
    report = _report(info, "(1, 0)")
    assert report["analytical"] == pytest.approx(-6.0, rel=1e-6)
    assert report["numerical"] == pytest.approx(6.0, rel=1e-6)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_names_the_wrong_input(fast_mode: bool) -> None:
    """Only the second input's gradient is wrong: the message names input 1, not input 0."""
    a, b = _leaf([1.0, 2.0]), _leaf([3.0, -4.0])
    with pytest.raises(tg.GradcheckError, match=r"input 1\b"):
        tg.gradcheck(MulWrongSecond.apply, (a, b), fast_mode=fast_mode)


def test_gradcheck_only_checks_inputs_that_require_grad() -> None:
    """The wrong gradient of input 1 is not checked when input 1 does not require grad."""
    a = _leaf([1.0, 2.0])
    b = tg.Tensor(np.array([3.0, -4.0]))
    assert tg.gradcheck(MulWrongSecond.apply, (a, b)) is True


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_raise_exception_false_returns_false(fast_mode: bool) -> None:
    """With raise_exception=False a failure is reported as False instead of an exception."""
    x = _leaf([0.5, 2.0])
    assert tg.gradcheck(SquareMissingTwo.apply, (x,), raise_exception=False, fast_mode=fast_mode) is False
    assert tg.gradcheck(Square.apply, (x,), raise_exception=False, fast_mode=fast_mode) is True


def test_gradcheck_error_is_an_exception_type() -> None:
    """tg.GradcheckError is an Exception subclass users can catch (a RuntimeError, as in PyTorch)."""
    assert issubclass(tg.GradcheckError, RuntimeError)


def test_gradcheck_float32_failure_hints_at_float64() -> None:
    """A failure on float32 inputs says that central differences need float64 inputs."""
    x = tg.Tensor([0.5, 2.0], requires_grad=True)  # float32
    with pytest.raises(tg.GradcheckError, match=r"float32") as info:
        tg.gradcheck(SquareMissingTwo.apply, (x,))
    assert "float64" in str(info.value)


def test_gradcheck_tolerances_are_used() -> None:
    """A 0.5 % error in the gradient fails with the default rtol=1e-3 and passes with rtol=1e-2."""
    x = _leaf([1.0, 2.0])
    with pytest.raises(tg.GradcheckError, match=r"rtol=0\.001"):
        tg.gradcheck(SlightlyOff.apply, (x,))
    assert tg.gradcheck(SlightlyOff.apply, (x,), rtol=1e-2) is True


def test_fast_mode_uses_fewer_function_evaluations() -> None:
    """fast_mode checks a random projection: far fewer calls of fn than the full Jacobian."""
    calls = {"count": 0}

    def counted(x: tg.Tensor) -> tg.Tensor:
        calls["count"] += 1
        return (x * x).sum(axis=0)

    x = _leaf(np.linspace(-1, 1, 40).reshape(20, 2))
    assert tg.gradcheck(counted, (x,))
    full = calls["count"]
    calls["count"] = 0
    assert tg.gradcheck(counted, (x,), fast_mode=True)
    assert calls["count"] < full / 5, (calls["count"], full)


# ----------------------------------------------------------------------------- multiple outputs, no mutation
@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_multi_output_function(fast_mode: bool) -> None:
    """fn may return a tuple of Tensors: a correct pair passes."""
    x = _leaf([0.5, -1.0, 2.0])
    assert tg.gradcheck(lambda x: (x * 2.0, Square.apply(x).exp()), (x,), fast_mode=fast_mode) is True


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_multi_output_catches_wrong_output(fast_mode: bool) -> None:
    """A wrong gradient in the second output of a tuple is caught; the full check names output 1."""
    x = _leaf([0.5, -1.0, 2.0])
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda x: (x * 2.0, SquareMissingTwo.apply(x)), (x,), fast_mode=fast_mode)
    assert "output 1" in str(info.value)


@pytest.mark.parametrize("check", ["pass", "fail"])
def test_gradcheck_does_not_mutate_inputs(check: str) -> None:
    """Values, dtype, requires_grad and .grad of the inputs are unchanged, whether the check passes or not."""
    a, b = _leaf([[0.5, -1.0], [2.0, 1.5]]), _leaf([0.25, 4.0])
    before = [t.detach().numpy().tobytes() for t in (a, b)]
    fn = (lambda a, b: a * b) if check == "pass" else MulWrongSecond.apply
    result = tg.gradcheck(fn, (a, b), raise_exception=False)
    assert result is (check == "pass")
    tg.gradcheck(fn, (a, b), raise_exception=False, fast_mode=True)
    assert [t.detach().numpy().tobytes() for t in (a, b)] == before
    for t in (a, b):
        assert t.dtype == np.float64 and t.requires_grad and t.grad is None and t.is_leaf


# ----------------------------------------------------------------------------- gradgradcheck
@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradgradcheck_passes_for_differentiable_backward(fast_mode: bool) -> None:
    """Square's backward is made of Tensor ops, so its own derivative is right."""
    x = _leaf([0.5, -1.5, 2.0])
    assert tg.gradgradcheck(Square.apply, (x,), fast_mode=fast_mode) is True
    assert tg.gradgradcheck(ExpSavesOutput.apply, (x,), fast_mode=fast_mode) is True


def test_constant_backward_passes_first_order_gradcheck() -> None:
    """The first derivative of SquareConstantBackward is right: gradcheck cannot tell."""
    x = _leaf([0.5, -1.5, 2.0])
    assert tg.gradcheck(SquareConstantBackward.apply, (x,)) is True


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradgradcheck_catches_non_differentiable_backward(fast_mode: bool) -> None:
    """A backward that uses a constant copy of 2x has a zero second derivative: gradgradcheck fails."""
    x = _leaf([0.5, -1.5, 2.0])
    with pytest.raises(tg.GradcheckError, match=r"input 0"):
        tg.gradgradcheck(SquareConstantBackward.apply, (x,), fast_mode=fast_mode)
    assert tg.gradgradcheck(SquareConstantBackward.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_passes_for_builtin_ops() -> None:
    """Second derivatives of a composite of built-in smooth ops are right."""
    x, w = _leaf([[0.5, -1.0], [0.2, 0.7]]), _leaf([1.5, -0.5])
    fn: Callable[[tg.Tensor, tg.Tensor], tg.Tensor] = lambda x, w: ((x * w).tanh() * x).sum(axis=1)  # noqa: E731
    assert tg.gradgradcheck(fn, (x, w)) is True
