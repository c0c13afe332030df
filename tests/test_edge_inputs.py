"""Edge inputs of ops get PyTorch's values, and bad ones a clear error from the library.

The values are compared with torch 2.13 on the same input: gradients where a formula would give
0 * inf (pow at 0), NaN in a max, tensor bounds of clip, ``dim=()``, zero-size axes; the bad
inputs (sizes that are not integers, ranges that never end, custom Functions returning the
wrong thing) must be refused by the library's own code with a message saying what was wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.testing.errors import raised_by_library

torch = pytest.importorskip("torch")


def _both(fn: Callable[[Any], Any]) -> tuple[Any, Any]:
    """``fn`` with ``lib = tinygrad_edu`` and with ``lib = torch``."""
    return fn(tg), fn(torch)


def _numpy(value: Any) -> np.ndarray:
    return value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)


def _assert_same(ours: Any, theirs: Any) -> None:
    if isinstance(ours, tuple):
        for a, b in zip(ours, theirs, strict=True):
            _assert_same(a, b)
        return
    assert ours is not None and theirs is not None, (ours, theirs)
    np.testing.assert_allclose(_numpy(ours), _numpy(theirs), rtol=1e-6, equal_nan=True)
    assert tuple(ours.shape) == tuple(theirs.shape)


# ----------------------------------------------------------------------------- gradients at the edges
def _pow_gradients(lib: Any, base: list, exponent: list) -> tuple:
    a = lib.tensor(base, dtype=lib.float64, requires_grad=True)
    b = lib.tensor(exponent, dtype=lib.float64, requires_grad=True)
    (a**b).sum().backward()
    return a.grad, b.grad


@pytest.mark.parametrize(
    ("base", "exponent"),
    [([0.0, 2.0], [2.0, 3.0]), ([0.0, 0.0, 1.0], [0.0, 1.0, 0.0]), ([0.0, 3.0], [0.5, 0.0])],
    ids=["a=0,b=2", "a=0,b=0", "a=0,b=1/2"],
)
def test_pow_gradients_at_zero_are_torchs(base: list, exponent: list) -> None:
    """d(a**b)/db at a = 0 is 0 for b >= 0 and d(a**b)/da at b = 0 is 0, not NaN."""
    _assert_same(*_both(lambda lib: _pow_gradients(lib, base, exponent)))


def test_gradient_of_zero_to_the_x_is_zero() -> None:
    def grad(lib: Any) -> Any:
        x = lib.tensor([1.0, 2.0, 0.0], requires_grad=True)
        (0.0**x).sum().backward()
        return x.grad

    _assert_same(*_both(grad))


@pytest.mark.parametrize(
    "reduce",
    [lambda x: x.max(), lambda x: x.min(), lambda x: x.max(1).values.sum(), lambda x: x.max(dim=0)[0].sum()],
    ids=["max()", "min()", "max(dim=1)", "max(dim=0)"],
)
def test_the_gradient_of_a_max_with_nan_goes_to_the_nan(reduce: Callable) -> None:
    """The max of values holding a NaN is NaN; its gradient goes where the NaN is, as torch."""

    def grad(lib: Any) -> Any:
        x = lib.tensor([[1.0, float("nan"), 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        reduce(x).backward()
        return x.grad

    ours, theirs = _both(grad)
    _assert_same(ours, theirs)
    assert not np.isnan(_numpy(ours)).any()


def test_amax_with_nan_gives_the_nan_the_gradient() -> None:
    """torch.amax would put NaN in every gradient of that row; the NaN's position gets it here."""
    x = tg.tensor([[1.0, float("nan"), 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    x.amax(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [0, 0, 1]])


@pytest.mark.parametrize(
    "bounds",
    [{"min": "lo"}, {"max": "hi"}, {"min": "lo", "max": "hi"}, {"min": "lo_vector", "max": "hi"}],
    ids=["min", "max", "both", "vector-min"],
)
def test_clip_with_tensor_bounds_gives_them_gradients(bounds: dict) -> None:
    def grads(lib: Any) -> tuple:
        x = lib.tensor([[1.0, -2.0, 3.0], [0.2, 5.0, -1.0]], requires_grad=True)
        made = {
            "lo": lib.tensor(0.0, requires_grad=True),
            "hi": lib.tensor(2.0, requires_grad=True),
            "lo_vector": lib.tensor([0.5, -3.0, 3.5], requires_grad=True),
        }
        kwargs = {k: made.get(v, v) if isinstance(v, str) else v for k, v in bounds.items()}
        (x.clip(**kwargs) * lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
        return (x.grad, *(made[v].grad for v in bounds.values() if isinstance(v, str)))

    _assert_same(*_both(grads))


# ----------------------------------------------------------------------------- empty dims and empty axes
@pytest.mark.parametrize("method", ["sum", "mean", "amax", "amin"])
@pytest.mark.parametrize("dim", [(), []], ids=["()", "[]"])
def test_an_empty_dim_list_reduces_every_axis(method: str, dim: Any) -> None:
    """PyTorch's meaning (NumPy's axis=() would reduce none)."""
    _assert_same(*_both(lambda lib: getattr(lib.arange(6.0).reshape(2, 3), method)(dim=dim)))


@pytest.mark.parametrize("method", ["softmax", "log_softmax", "logsumexp", "sum", "mean", "var"])
@pytest.mark.parametrize("dim", [0, 1])
def test_reductions_along_and_beside_a_zero_size_axis_are_torchs(method: str, dim: int) -> None:
    """A (0, 3) tensor: softmax gives an empty tensor, logsumexp over the empty axis -inf, sum 0,
    mean and var NaN, as torch."""
    with np.errstate(all="ignore"):
        ours = getattr(tg.zeros(0, 3), method)(dim=dim)
    _assert_same(ours, getattr(torch.zeros(0, 3), method)(dim=dim))


@pytest.mark.parametrize(
    "call",
    [lambda x: x.argmax(dim=0), lambda x: x.amax(dim=0), lambda x: x.max(), lambda x: x.max(0), lambda x: x.argmin()],
    ids=["argmax(dim=0)", "amax(dim=0)", "max()", "max(0)", "argmin()"],
)
def test_the_extreme_of_nothing_is_refused(call: Callable) -> None:
    """torch refuses these too: there is no largest element of a zero-size axis."""
    with pytest.raises(ValueError, match=r"no extreme value.*\(0, 3\)") as caught:
        call(tg.zeros(0, 3))
    assert raised_by_library(caught.value)
    with pytest.raises((RuntimeError, IndexError)):
        call(torch.zeros(0, 3))


def test_the_extreme_beside_a_zero_size_axis_is_empty() -> None:
    _assert_same(*_both(lambda lib: lib.zeros(0, 3).argmax(dim=1)))


# ----------------------------------------------------------------------------- bad sizes and ranges
@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: tg.ones(6).reshape(1.5, 4), TypeError, r"reshape: sizes must be integers, got 1.5"),
        (lambda: tg.ones(6).view(2, -1, -1), ValueError, r"reshape: only one size can be -1"),
        (lambda: tg.randn(2.5), TypeError, r"randn: sizes must be integers, got 2.5"),
        (lambda: tg.rand(2, "3"), TypeError, r"rand: sizes must be integers, got '3'"),
        (lambda: tg.zeros(-1), ValueError, r"zeros: sizes must be >= 0.*\(-1,\)"),
        (lambda: tg.ones(2, -3), ValueError, r"ones: sizes must be >= 0.*\(2, -3\)"),
        (lambda: tg.full((2, -1), 1.0), ValueError, r"full: sizes must be >= 0"),
        (lambda: tg.arange(0, 10, 0), ValueError, r"arange: step must be nonzero"),
        (lambda: tg.arange(0, 10, -1), ValueError, r"arange: step -1 goes away from end 10"),
        (lambda: tg.arange(0, math.inf), ValueError, r"arange: end must be finite"),
        (lambda: tg.arange("10"), TypeError, r"arange: end must be a number, got '10'"),
        (lambda: tg.rand(6, dtype="int64"), TypeError, r"rand: .*float dtype.*int64"),
        (lambda: tg.randn(6, dtype=tg.int64), TypeError, r"randn: .*float dtype.*int64"),
        (lambda: tg.cat([tg.tensor(1.0), tg.tensor(2.0)]), ValueError, r"cat: tensor 0 has no axes.*tg.stack"),
        (lambda: tg.stack([tg.ones(2), tg.ones(2)], dim=3), IndexError, r"stack: axis 3 is out of range"),
        (lambda: tg.ones(2, 3).sum(dim=1.0), TypeError, r"sum: an axis \(dim\) must be an int, got 1.0"),
        (lambda: tg.ones(2, 3).softmax(dim=2), IndexError, r"softmax: axis 2 is out of range.*\(2, 3\)"),
        (lambda: tg.tensor(1.0).size(0), IndexError, r"size: axis 0 is out of range for a tensor of shape \(\)"),
        (lambda: tg.ones(3, 1).expand(2, 4), ValueError, r"expand: cannot expand shape \(3, 1\) to \(2, 4\)"),
        (lambda: tg.ones(2, 3) & tg.ones(2, 3), TypeError, r"& takes bool or integer tensors.*float32"),
    ],
    ids=lambda value: None if callable(value) or isinstance(value, type) else re.sub(r"\W+", " ", value)[:40],
)
def test_bad_sizes_and_arguments_are_refused_clearly(call: Callable, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern) as caught:
        call()
    assert raised_by_library(caught.value)


def test_an_axis_out_of_range_is_both_index_and_value_error() -> None:
    """IndexError as torch raises, ValueError as NumPy (and earlier versions of the library) do."""
    with pytest.raises(IndexError):
        tg.ones(2).sum(dim=1)
    with pytest.raises(ValueError):
        tg.ones(2).sum(dim=1)
    with pytest.raises(IndexError):
        torch.ones(2).sum(dim=1)


@pytest.mark.parametrize(
    "combine",
    [lambda a, b: a & b, lambda a, b: a | b, lambda a, b: a ^ b, lambda a, b: ~a, lambda a, b: a & True],
    ids=["and", "or", "xor", "not", "and-python-bool"],
)
@pytest.mark.parametrize("dtype", ["bool", "int64"])
def test_logic_operators_are_torchs(combine: Callable, dtype: str) -> None:
    values = ([True, False, True, False], [True, True, False, False])
    if dtype == "int64":
        values = ([6, 3, -2, 0], [3, 5, 7, -1])
    ours = combine(*(tg.tensor(v) for v in values))
    theirs = combine(*(torch.tensor(v) for v in values))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


# ----------------------------------------------------------------------------- custom Functions
def _function(forward: Callable, backward: Callable) -> type:
    return type("Custom", (tg.Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})


def test_backward_may_return_a_list_of_gradients() -> None:
    Product = _function(lambda ctx, a, b: a.array * b.array, lambda ctx, g: [g * 2, g * 3])
    a, b = tg.ones(2, requires_grad=True), tg.ones(2, requires_grad=True)
    Product.apply(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2, 2])
    np.testing.assert_array_equal(b.grad.numpy(), [3, 3])


@pytest.mark.parametrize(
    ("forward", "backward", "call", "error", "pattern"),
    [
        (lambda ctx, x: None, lambda ctx, g: g, lambda fn, x: fn.apply(x), TypeError,
         r"Custom.forward returned NoneType; return one array or Tensor"),
        (lambda ctx, x: [x.array], lambda ctx, g: g, lambda fn, x: fn.apply(x), TypeError,
         r"Custom.forward returned list"),
        (lambda ctx, x: x.array * 2, lambda ctx, g: 2.0, lambda fn, x: fn.apply(x).sum().backward(), TypeError,
         r"Custom.backward returned float as a gradient for an input of shape \(2,\)"),
        (lambda ctx, x, scale=2.0: x.array * 2, lambda ctx, g: (g, None),
         lambda fn, x: fn.apply(x, scale=3.0).sum().backward(), RuntimeError,
         r"returned 2 gradient\(s\) but apply was given 1 positional input\(s\).*keyword"),
        (lambda ctx, x, scale: x.array * scale.array, lambda ctx, g: (g, g),
         lambda fn, x: fn.apply(x, scale=tg.ones(2, requires_grad=True)), TypeError,
         r"Custom.apply: the tensor passed as scale= requires grad.*pass it positionally"),
    ],
    ids=["forward-None", "forward-list", "backward-float", "keyword-count", "keyword-tensor"],
)  # fmt: skip
def test_custom_functions_returning_the_wrong_thing(
    forward: Callable, backward: Callable, call: Callable, error: type, pattern: str
) -> None:
    with pytest.raises(error, match=pattern) as caught:
        call(_function(forward, backward), tg.ones(2, requires_grad=True))
    assert raised_by_library(caught.value)


def test_a_value_from_the_cpu_is_copied_into_a_slice_on_any_device(device: str) -> None:
    """``x[0] = cpu_tensor`` on a GPU tensor copies the values over, as torch does for a slice."""
    x = tg.zeros(2, 3, device=device)
    x[0] = tg.tensor([1.0, 2.0, 3.0])
    assert x.device.type == device
    np.testing.assert_array_equal(x.cpu().numpy(), [[1, 2, 3], [0, 0, 0]])


def test_binary_cross_entropy_with_hard_labels_has_the_right_input_gradient() -> None:
    """Targets of exactly 0 and 1 (a step outside [0, 1] is refused, so only the input is varied)."""
    target = tg.tensor([[0.0, 1.0, 1.0], [0.0, 0.5, 1.0]], dtype=tg.float64)
    p = tg.tensor([[0.1, 0.7, 0.95], [0.4, 0.5, 0.2]], dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(lambda q: tg.nn.functional.binary_cross_entropy(q, target), (p,))


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("target", [[0, 3], [-1, 0]], ids=["too-large", "negative"])
def test_a_class_out_of_range_is_refused_on_the_cpu_and_nan_on_a_gpu(loss: str, target: list, device: str) -> None:
    """On a GPU the range is not read back (that would stall it): the loss is NaN instead of a
    number picked from another class."""
    logits = tg.tensor([[0.1, 0.5, 0.2], [1.0, -1.0, 0.0]], device=device)
    labels = tg.tensor(target, device=device)
    if device == "cpu":
        with pytest.raises(IndexError, match=rf"class {max(target) if max(target) > 2 else min(target)}"):
            getattr(tg.nn.functional, loss)(logits, labels)
        return
    per_sample = getattr(tg.nn.functional, loss)(logits, labels, reduction="none").cpu().numpy()
    assert np.isnan(per_sample).tolist() == [t not in (0, 1, 2) for t in target]
    assert np.isnan(getattr(tg.nn.functional, loss)(logits, labels).item())


def test_seeds_are_taken_as_torch_takes_them() -> None:
    """Negative seeds wrap to 64 bits (-1 is 2**64 - 1); non-integers and seeds past 64 bits are refused."""
    tg.manual_seed(-1)
    wrapped = tg.rand(3).numpy()
    tg.manual_seed(2**64 - 1)
    np.testing.assert_array_equal(tg.rand(3).numpy(), wrapped)
    with pytest.raises(TypeError, match=r"manual_seed: the seed must be an integer, got 1.5"):
        tg.manual_seed(1.5)
    with pytest.raises(ValueError, match=r"between -2\*\*63 and 2\*\*64 - 1"):
        tg.manual_seed(2**64)
    with pytest.raises(TypeError, match=r"the seed must be an integer"):
        tg.Generator().manual_seed("7")


@pytest.mark.parametrize(
    "reduce",
    [lambda x: x.std(1), lambda x: x.std(1, correction=0), lambda x: x.norm(dim=1), lambda x: x.norm(3, dim=1),
     lambda x: x.norm(1.5, dim=1)],
    ids=["std", "std-population", "norm", "norm-3", "norm-1.5"],
)  # fmt: skip
def test_std_and_norms_of_equal_or_zero_values_have_torchs_gradient(reduce: Callable) -> None:
    """Where the result is 0 the gradient is 0, as torch's (sqrt's own derivative would give 0 * inf)."""

    def grad(lib: Any) -> Any:
        x = lib.tensor([[0.0, 0.0, 0.0], [2.0, 2.0, 2.0], [1.0, -2.0, 4.0]], dtype=lib.float64, requires_grad=True)
        reduce(x).sum().backward()
        return x.grad

    ours, theirs = _both(grad)
    _assert_same(ours, theirs)
    assert np.isfinite(_numpy(ours)).all()
