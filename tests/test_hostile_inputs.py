"""Every op and loss on hostile input: the right value, or the library's own error.

Each row of ``tinygrad_edu.testing.OP_SPECS`` runs on what ``strategies.hostile_cases`` draws for
its kind: empty tensors, size-0 and size-1 axes, 0-d tensors, NaN, +-inf, huge, tiny and -0.0
values, float32/float64/int64/bool inputs (mixed, for ops of several inputs), axes out of range,
shapes that do not fit, class indices out of range, unknown reductions. The same row also runs
on PyTorch (``spec.op(torch, ...)``), the oracle, and the outcome must be one of:

- a value: where PyTorch gives one, with its shape, dtype and values (NaN where it has NaN), on
  the inputs' device; and backward with a ones gradient gives PyTorch's gradients;
- a refusal: an exception raised by a ``raise`` statement of the library
  (``testing.errors.raised_by_library``), never one NumPy, CuPy or Python raised inside it.
  Where PyTorch refuses the call, the library must refuse it too.
"""

from __future__ import annotations

import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import OpCase, hostile_cases
from test_op_gradients import params_on, spec_id

import tinygrad_edu as tg
from tinygrad_edu.testing import OP_SPECS, OpSpec, optable
from tinygrad_edu.testing.errors import raised_by_library

torch = pytest.importorskip("torch")

RTOL = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-8}  # PyTorch and NumPy round differently
ROW_FILE = Path(optable.__file__).resolve()


# ----------------------------------------------------------------------------- exclusions
def excluded(spec: OpSpec, case: OpCase, device: str) -> str | None:
    """Why the whole case is left out (None: it is not), naming the behaviour: one the library does
    not match yet (remove the line once it gives PyTorch's outcome), or one where NumPy, PyTorch
    and the library legitimately part ways."""
    (x, *others), params = case.arrays, case.params
    if spec.name in ("matmul", "linear") and _products_overflow(case.arrays[:2]):
        return "matmul of values whose products overflow: the summation order decides between inf and NaN"
    if spec.name in POWERS and _power_out_of_range(x, POWERS[spec.name]):
        return "norm and std of huge or tiny values: |x|**p overflows to inf (or underflows) before the root"
    if spec.name == "bce_with_logits" and np.isinf(x).any():
        return "bce_with_logits at an infinite logit: NaN (inf - inf), PyTorch gives inf or 0"
    if spec.name == "bce_with_logits" and x.dtype != others[0].dtype:
        return "bce_with_logits of float64 input and float32 target: PyTorch's result takes the target's float32"
    if spec.name == "getitem" and _ints_and_arrays_apart(params["index"]):
        return "an index mixing ints and arrays apart: NumPy moves their axes first, PyTorch keeps them in place"
    if spec.draws_random and not np.isfinite(x).all():
        return "dropout of NaN/inf: the NumPy reference writes 0 where PyTorch (as the library) multiplies by 0"
    if (
        spec.kind == "class_loss"
        and device != "cpu"
        and ((params["target"] < 0) | (params["target"] >= x.shape[-1])).any()
    ):
        return "class indices out of range on a GPU give NaN: reading them back to refuse would stall the device"
    if spec.name == "batch_norm" and (
        not all(np.isfinite(a).all() for a in others) or _products_overflow((x, others[0] / 1e-5**0.5))
    ):
        return "batch_norm with huge or infinite weights: PyTorch's fused x * (w / std) + b overflows (inf - inf)"
    return None


def gradient_excluded(spec: OpSpec, case: OpCase) -> str | None:
    """Why the gradients of the case are not compared (its value still is)."""
    if spec.name == "var" and case.params["axis"] == ():
        return "var(dim=()) reduces every axis, but PyTorch's gradient divides by 1 instead of their size"
    if spec.name == "binary_cross_entropy" and (np.minimum(case.arrays[0], 1 - case.arrays[0]) < np.exp(-100)).any():
        return "the target's gradient where log(input) is clamped at -100: PyTorch's uses the log unclamped"
    if any((np.signbit(a) & (a == 0)).any() for a in case.arrays if a.dtype.kind == "f"):
        return "at -0.0 the sign of an infinite gradient depends on how x**-0.5 is computed"
    return None


POWERS = {"norm": 2, "norm_3": 3, "std": 2}  # the rows that take a root of a sum of |x|**p


def _products_overflow(arrays: tuple[np.ndarray, ...]) -> bool:
    """Whether the largest finite values of two float arrays multiply beyond their dtype's range."""
    if any(a.dtype.kind != "f" or not np.isfinite(a).any() for a in arrays):
        return False
    largest = [float(np.abs(a[np.isfinite(a)]).max()) for a in arrays]
    return largest[0] * largest[1] > float(np.finfo(np.result_type(*arrays)).max)


def _power_out_of_range(x: np.ndarray, p: int) -> bool:
    """Whether |x|**p of a finite nonzero element is inf, or subnormal or 0, in x's float dtype."""
    if x.dtype.kind != "f":
        return False
    with np.errstate(all="ignore"):
        powered = np.abs(x) ** p
    finite_nonzero = np.isfinite(x) & (x != 0)
    return bool((finite_nonzero & (np.isinf(powered) | (powered < np.finfo(x.dtype).tiny))).any())


def _ints_and_arrays_apart(index: Any) -> bool:
    """Whether an index tuple has an int and an index array with a slice, None or Ellipsis between."""
    parts = index if isinstance(index, tuple) else (index,)
    advanced = [i for i, part in enumerate(parts) if isinstance(part, int | np.ndarray)]
    has_both = any(isinstance(p, np.ndarray) for p in parts) and any(isinstance(p, int) for p in parts)
    return has_both and advanced[-1] - advanced[0] + 1 > len(advanced)


# ----------------------------------------------------------------------------- running a case
@dataclass
class Outcome:
    """What a call gave: an output and its inputs' gradients, or the error it raised."""

    value: np.ndarray | None = None
    dtype: str = ""
    requires_grad: bool = False
    grads: list[np.ndarray | None] | None = None  # after backward with a ones gradient
    error: BaseException | None = None


def _torch_argument(value: Any) -> Any:
    """An index, target or condition for PyTorch: arrays as tensors, tuples member by member."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, tuple):
        return tuple(_torch_argument(v) for v in value)
    return value


def on_torch(spec: OpSpec, case: OpCase) -> Outcome:
    """The row run by PyTorch, float inputs requiring grad, then backward with ones."""
    inputs = [torch.from_numpy(a.copy()).requires_grad_(a.dtype.kind == "f") for a in case.arrays]
    condition = [] if case.condition is None else [torch.from_numpy(case.condition.copy())]
    params = {name: _torch_argument(value) for name, value in case.params.items()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = spec.op(torch, *condition, *inputs, **params)
            value = out.detach().numpy()  # ones().expand(0, -1) makes a tensor NumPy cannot hold
    except Exception as error:  # PyTorch refusing is an outcome
        return Outcome(error=error)
    outcome = Outcome(value, str(out.dtype).removeprefix("torch."), out.requires_grad)
    if out.requires_grad:
        try:
            out.backward(torch.ones_like(out))
        except RuntimeError:  # e.g. the gradient of a float to a bool power: no gradients to compare
            return outcome
        outcome.grads = [None if x.grad is None else x.grad.numpy() for x in inputs if x.requires_grad]
    return outcome


def on_library(spec: OpSpec, case: OpCase, device: str) -> Outcome:
    """The row run by the library on ``device``, as ``on_torch``; an error it raises must be its own."""
    inputs = [tg.Tensor(a, requires_grad=a.dtype.kind == "f", device=device) for a in case.arrays]
    condition = [] if case.condition is None else [tg.Tensor(case.condition, device=device)]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = spec.fn(*condition, *inputs, **params_on(case.params, device))
            assert isinstance(out, tg.Tensor), f"{spec.name} returned a {type(out).__name__}, not a Tensor"
            assert out.device == device, f"{spec.name}: inputs on {device} gave an output on {out.device}"
            outcome = Outcome(out.detach().numpy(), out.dtype.name, out.requires_grad)
            if out.requires_grad:
                out.backward(tg.ones_like(out))
                outcome.grads = [None if x.grad is None else x.grad.numpy() for x in inputs if x.requires_grad]
    except AssertionError:
        raise
    except Exception as error:  # checked just below
        if not (raised_by_library(error) or _raised_by_row(error)):
            trace = "".join(traceback.format_exception(error))
            raise AssertionError(f"{spec.name}: an error the library did not raise itself:\n{trace}") from error
        return Outcome(error=error)
    return outcome


def _raised_by_row(error: BaseException) -> bool:
    """Whether the row's own code raised ``error`` (``x.shape[axis]`` with an axis out of range):
    then PyTorch meets the same error, and the library was never called."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and Path(frames[-1].filename).resolve() == ROW_FILE


# ----------------------------------------------------------------------------- comparing
def assert_same_values(name: str, ours: np.ndarray, expected: np.ndarray, case: OpCase) -> None:
    """Equal shapes and values, NaN where PyTorch has NaN, +-inf where it has +-inf. Floats may
    differ by rounding, scaled by the largest finite input squared (a sum or a product of them)."""
    assert ours.shape == expected.shape, f"{name}: shape {ours.shape}, PyTorch gives {expected.shape}"
    if ours.dtype.kind != "f":
        np.testing.assert_array_equal(ours, expected, err_msg=name)
        return
    finite = [np.abs(a[np.isfinite(a)].astype(np.float64)) for a in case.arrays]
    scale = max([1.0, *(float(a.max()) for a in finite if a.size)])
    rtol = max(RTOL.get(a.dtype, 1e-4) for a in (ours, *case.arrays))  # as precise as the least precise input
    atol = rtol * min(scale**2, np.finfo(np.float64).max)
    np.testing.assert_allclose(ours, expected, rtol=rtol, atol=atol, equal_nan=True, err_msg=name)


def on_numpy(spec: OpSpec, case: OpCase, device: str, in_float64: bool = False) -> Outcome:
    """The row's NumPy reference (a row that draws random numbers redraws them on ``device``);
    ``in_float64``: on the inputs as float64, the value the op stands for whatever their dtype."""
    condition = () if case.condition is None else (case.condition,)
    params = {**case.params, "device": device} if spec.draws_random else case.params
    arrays = [a.astype(np.float64) for a in case.arrays] if in_float64 else case.arrays
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = np.asarray(spec.reference(*condition, *arrays, **params))
    except Exception as error:  # NumPy refusing is an outcome
        return Outcome(error=error)
    return Outcome(value, value.dtype.name)


def check_outcome(spec: OpSpec, case: OpCase, ours: Outcome, expected: Outcome, device: str) -> None:
    """``ours`` is PyTorch's outcome ``expected``, or a refusal by the library. Where PyTorch
    refuses a call that NumPy computes (the mean of integers, a negative slice step), the
    library may compute it too, if it gives NumPy's value for the inputs as float64 (the library
    computes integers as floats where only floats make sense)."""
    if ours.error is not None:
        return  # refused by the library's own code (on_library checked that)
    if expected.error is not None:
        reference = on_numpy(spec, case, device, in_float64=True)
        assert reference.error is None, (
            f"{spec.name}: PyTorch refuses ({type(expected.error).__name__}: {expected.error}) and so does "
            f"NumPy ({type(reference.error).__name__}: {reference.error}), but the library returned "
            f"{ours.value!r} ({ours.dtype})"
        )
        assert_same_values(f"{spec.name} (as NumPy: PyTorch refuses)", ours.value, reference.value, case)
        return
    if ours.value.size == 0 and ours.value.dtype.kind == "f" and expected.value.dtype.kind != "f":
        return  # PyTorch skips its dtype check on an empty tensor: softmax of an empty int64 one is int64
    assert ours.dtype == expected.dtype, f"{spec.name}: dtype {ours.dtype}, PyTorch gives {expected.dtype}"
    if spec.draws_random:  # PyTorch draws other random numbers: the values are NumPy's, from the same seed
        assert_same_values(spec.name, ours.value, on_numpy(spec, case, device).value, case)
        return
    assert_same_values(spec.name, ours.value, expected.value, case)
    assert ours.requires_grad == expected.requires_grad, f"{spec.name}: requires_grad {ours.requires_grad}"
    if expected.grads is None or not all(np.isfinite(a).all() for a in case.arrays) or gradient_excluded(spec, case):
        return  # at NaN and +-inf each library picks its own subgradient (relu's 1, abs's 0): not compared
    for position, (grad, torch_grad) in enumerate(zip(ours.grads, expected.grads, strict=True)):
        message = f"{spec.name}: gradient of input {position}"
        if torch_grad is None:  # not reached from the output: no gradient, or zeros
            assert grad is None or not grad.any(), f"{message}: {grad}, PyTorch gives none"
        else:
            assert grad is not None, f"{message}: none, PyTorch gives {torch_grad}"
            assert_same_values(message, grad, torch_grad, case)


@pytest.mark.parametrize("spec", OP_SPECS, ids=spec_id)
@given(data=st.data())
def test_hostile_inputs(spec: OpSpec, data: st.DataObject, device: str) -> None:
    """Every row on hostile input gives PyTorch's value and gradients, or the library's own error."""
    case = data.draw(hostile_cases(spec), label="case")
    assume(excluded(spec, case, device) is None)
    check_outcome(spec, case, on_library(spec, case, device), on_torch(spec, case), device)
