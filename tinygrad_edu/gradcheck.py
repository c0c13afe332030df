"""Gradient checking: compare backward() with central differences.

The numerical derivative of f at x along direction d is (f(x + eps d) - f(x - eps d)) / (2 eps),
accurate to O(eps**2). ``gradcheck`` builds the whole Jacobian both ways and compares every
element (d = one element at a time). ``fast_mode`` compares one random projection v^T J u per
input instead (one backward pass and two forward passes per input), and on a mismatch falls
back to the full comparison to report the worst element (when the Jacobian is small enough to
build). In fast mode u has unit length and the step along it is eps * sqrt(n), so each of the
input's n elements moves by about eps, as in full mode (PyTorch steps by eps along u, so the
elements of a 10^5-element input move by only eps / 300).

Use float64 inputs: in float32, eps = 1e-6 is below the precision of most values and the
differences are noise. Each difference is divided by the step actually taken (x + eps rounded
to the input's dtype), which keeps float32 checks with a larger eps (1e-3) accurate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .autograd import enable_grad, grad, no_grad
from .backend import as_numpy, get_array_module
from .tensor import Tensor, _wrap

# Fast mode explains a failure with the full Jacobian's worst element only up to this many
# Jacobian entries (about 2,000 x 2,000): beyond it, the full check would take minutes.
FULL_JACOBIAN_LIMIT = 4_000_000


class GradcheckError(RuntimeError):
    """Raised by gradcheck when an analytical gradient disagrees with the numerical one."""


@dataclass
class _Mismatch:
    """The worst disagreement found: enough to explain it in one message."""

    input_index: int
    input_element: tuple
    output_index: int
    output_element: tuple | None
    analytical: float
    numerical: float
    dtype: np.dtype
    what: str = "Jacobian"

    def describe(self, atol: float, rtol: float) -> str:
        error = abs(self.analytical - self.numerical)
        relative = error / abs(self.numerical) if self.numerical else float("inf")
        where = f"input {self.input_index}, element {self.input_element}"
        if self.output_element is not None:
            where += f", output {self.output_index} element {self.output_element}"
        message = (
            f"{self.what} mismatch for {where}: analytical {self.analytical:.10g}, numerical "
            f"{self.numerical:.10g}, absolute error {error:.3g}, relative error {relative:.3g} "
            f"(tolerance atol={atol:g}, rtol={rtol:g}: |analytical - numerical| must be <= atol + rtol * |numerical|)"
        )
        if self.dtype != np.float64:
            message += (
                f". Input {self.input_index} is {self.dtype}: central differences need float64 inputs "
                "(tg.Tensor(..., dtype='float64')), or a larger eps and looser tolerances"
            )
        return message


@dataclass
class GradcheckResult:
    """What one gradient check found: pass/fail, the largest errors, and an explanation on failure."""

    passed: bool
    max_abs_error: float  # largest |analytical - numerical| over the compared values
    max_rel_error: float  # largest |analytical - numerical| / |numerical| where |numerical| > atol
    message: str | None = None


def check_gradients(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
) -> GradcheckResult:
    """Run the comparison behind ``gradcheck`` and return its findings instead of raising."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; create the inputs with requires_grad=True")
    if not fast_mode:
        return _full_check(fn, inputs, checked, eps, atol, rtol)
    result = _fast_check(fn, inputs, checked, eps, atol, rtol)
    if result.passed:
        return result
    entries = _jacobian_entries(fn, inputs, checked)
    if entries > FULL_JACOBIAN_LIMIT:  # too large to build: report the projection alone
        result.message = (
            f"fast mode: {result.message}; the full Jacobian ({entries:,} entries) is too large to search "
            "for the worst element: check the function on smaller inputs to find it"
        )
        return result
    full = _full_check(fn, inputs, checked, eps, atol, rtol)  # explain the failure with the worst element
    result.message = f"fast mode: {result.message}" + ("" if full.passed else f"; full Jacobian: {full.message}")
    return result


def gradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
) -> bool:
    """True when backward() of ``fn`` at ``inputs`` agrees with central differences.

    ``inputs`` is a Tensor or a tuple of arguments; the Tensors with ``requires_grad=True`` are
    checked. ``fn`` returns a Tensor or a tuple of Tensors. On a mismatch raises ``GradcheckError``
    naming the input, the worst element, both values and the error (or returns False when
    ``raise_exception=False``).
    """
    return _passed(check_gradients(fn, inputs, eps, atol, rtol, fast_mode), raise_exception)


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    grad_outputs: Sequence[Tensor] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
) -> bool:
    """Check second derivatives: gradcheck of the map (inputs, v) -> v^T J(inputs).

    The first derivatives are computed with ``tg.grad(..., create_graph=True)``, so this checks
    that each op's backward is itself correctly differentiable. ``grad_outputs`` (v) are random
    when not given.
    """
    return _passed(check_second_gradients(fn, inputs, grad_outputs, eps, atol, rtol, fast_mode), raise_exception)


def check_second_gradients(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    grad_outputs: Sequence[Tensor] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
) -> GradcheckResult:
    """Run the comparison behind ``gradgradcheck`` and return its findings instead of raising."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    outputs = _as_outputs(fn(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [
            Tensor(rng.standard_normal(out.shape), dtype=out.dtype, device=out.device, requires_grad=True)
            for out in outputs
        ]
    count = len(inputs)

    def first_derivatives(*arguments: Any) -> tuple[Tensor, ...]:
        xs, vs = arguments[:count], arguments[count:]
        with enable_grad():
            outs = _as_outputs(fn(*xs))
            wrt = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
            pairs = [(o, v) for o, v in zip(outs, vs, strict=True) if o.requires_grad]
            found = grad([o for o, _ in pairs], wrt, [v for _, v in pairs], create_graph=True, allow_unused=True)
        return tuple(_zeros_like(x) if g is None else g for g, x in zip(found, wrt, strict=True))

    return check_gradients(first_derivatives, (*inputs, *grad_outputs), eps, atol, rtol, fast_mode)


def _passed(result: GradcheckResult, raise_exception: bool) -> bool:
    """The verdict of ``gradcheck`` and ``gradgradcheck``: raise on a failure, or return it."""
    if not result.passed and raise_exception:
        raise GradcheckError(result.message)
    return result.passed


# ----------------------------------------------------------------------------- the two checks
def _full_check(
    fn: Callable, inputs: tuple, checked: list[int], eps: float, atol: float, rtol: float
) -> GradcheckResult:
    """Compare the full Jacobian, element by element; describe the worst element if any fails."""
    outputs = _as_outputs(fn(*inputs))
    analytical = _analytical_jacobians(outputs, [inputs[i] for i in checked])
    errors = _Errors(atol, rtol)
    for position, i in enumerate(checked):
        numerical = _numerical_jacobian(fn, inputs, i, eps)
        for o, (num, ana) in enumerate(zip(numerical, analytical[position], strict=True)):
            if not (np.all(np.isfinite(ana)) and np.all(np.isfinite(num))):
                return GradcheckResult(False, float("nan"), float("nan"), _non_finite_message(i, o, ana, num))
            worst = errors.add(ana, num)
            if worst is not None:
                out_flat, in_flat = np.unravel_index(worst, num.shape)
                errors.worst = _Mismatch(
                    input_index=i,
                    input_element=_element(inputs[i].shape, in_flat),
                    output_index=o,
                    output_element=_element(outputs[o].shape, out_flat),
                    analytical=float(ana[out_flat, in_flat]),
                    numerical=float(num[out_flat, in_flat]),
                    dtype=inputs[i].dtype,
                )
    return errors.result()


def _fast_check(
    fn: Callable, inputs: tuple, checked: list[int], eps: float, atol: float, rtol: float
) -> GradcheckResult:
    """Compare v^T J u for random u (per input) and v (per output): one backward pass in all.

    u and v are uniform in [-1, 1] (any continuous distribution centred on 0 will do: a wrong
    Jacobian then almost surely changes v^T J u), u scaled to unit length.
    """
    rng = np.random.default_rng(0)
    outputs = _as_outputs(fn(*inputs))
    weights = [rng.uniform(-1.0, 1.0, out.shape) for out in outputs]
    differentiable = [(o, w) for o, w in zip(outputs, weights, strict=True) if o.requires_grad]
    vjps = grad(
        [o for o, _ in differentiable],
        [inputs[i] for i in checked],
        [Tensor(w, dtype=o.dtype, device=o.device) for o, w in differentiable],
        retain_graph=True,
        allow_unused=True,
    )
    errors = _Errors(atol, rtol)
    for i, vjp in zip(checked, vjps, strict=True):
        direction = rng.uniform(-1.0, 1.0, inputs[i].shape)
        direction /= np.linalg.norm(direction) or 1.0
        step = eps * np.sqrt(inputs[i].numel())  # each element moves by about eps, as in full mode
        above, below = _perturbed(inputs, i, step * direction), _perturbed(inputs, i, -step * direction)
        plus, minus = _evaluate(fn, above), _evaluate(fn, below)
        numerical = sum(float(np.vdot(w, p - m)) for w, p, m in zip(weights, plus, minus, strict=True)) / (2 * step)
        # the move actually made (2 step u, once x +- step u are rounded to the input's dtype)
        moved = _as_float64(above[i].array) - _as_float64(below[i].array)
        if not moved.any():  # eps is below the dtype's resolution: nothing moved, and the check must not pass
            moved = 2 * step * direction
        analytical = 0.0 if vjp is None else float(np.vdot(_as_float64(vjp.array), moved)) / (2 * step)
        if not (np.isfinite(analytical) and np.isfinite(numerical)):
            message = f"non-finite projected gradient for input {i}: analytical {analytical}, numerical {numerical}"
            return GradcheckResult(False, float("nan"), float("nan"), message)
        if errors.add(np.array(analytical), np.array(numerical)) is not None:
            what = "projected Jacobian (v^T J u)"
            errors.worst = _Mismatch(i, (), 0, None, analytical, numerical, inputs[i].dtype, what=what)
    return errors.result()


class _Errors:
    """Running maxima of the absolute and relative errors, and the worst failing element."""

    def __init__(self, atol: float, rtol: float) -> None:
        self.atol, self.rtol = atol, rtol
        self.max_abs = self.max_rel = 0.0
        self.worst_ratio = 1.0  # error / tolerance of the worst element; above 1 means it fails
        self.worst: _Mismatch | None = None

    def add(self, analytical: np.ndarray, numerical: np.ndarray) -> int | None:
        """Record one comparison; return the flat index of a new worst failing element, if any."""
        if analytical.size == 0:
            return None
        error = np.abs(analytical - numerical)
        self.max_abs = max(self.max_abs, float(error.max()))
        large = np.abs(numerical) > self.atol
        if large.any():
            self.max_rel = max(self.max_rel, float((error[large] / np.abs(numerical[large])).max()))
        ratio = error / (self.atol + self.rtol * np.abs(numerical))
        if ratio.max() <= self.worst_ratio:
            return None
        self.worst_ratio = float(ratio.max())
        return int(ratio.argmax())

    def result(self) -> GradcheckResult:
        message = None if self.worst is None else self.worst.describe(self.atol, self.rtol)
        return GradcheckResult(self.worst is None, self.max_abs, self.max_rel, message)


# ----------------------------------------------------------------------------- Jacobians
def _analytical_jacobians(outputs: list[Tensor], wrt: list[Tensor]) -> list[list[np.ndarray]]:
    """jacobians[input][output] of shape (output.size, input.size): row k is d output[k] / d input.

    Reverse mode gives one row per backward pass, so there is one pass per output element, all
    through the one graph the caller built (``retain_graph=True``). The one-hot seed is a single
    buffer whose 1 moves along, instead of a new array per row.
    """
    jacobians = [[np.zeros((out.numel(), x.numel())) for out in outputs] for x in wrt]
    for o, out in enumerate(outputs):
        if not out.requires_grad:
            continue  # a constant output: its Jacobian is zero
        seed = get_array_module(out.array).zeros(out.shape, dtype=out.dtype)
        one_hot = seed.reshape(-1)  # a view of seed: writing one_hot[k] writes the seed
        seed_tensor = _wrap(seed)
        for k in range(out.numel()):
            one_hot[k] = 1
            grads = grad(out, wrt, seed_tensor, retain_graph=True, allow_unused=True)
            for position, g in enumerate(grads):
                if g is not None:  # copied out before the seed changes (g may be the seed itself)
                    jacobians[position][o][k] = as_numpy(g.array).reshape(-1)
            one_hot[k] = 0
    return jacobians


def _numerical_jacobian(fn: Callable, inputs: tuple, i: int, eps: float) -> list[np.ndarray]:
    """d outputs / d inputs[i] by central differences, one column per element of the input.

    Input ``i`` is replaced by a working copy whose elements are moved one at a time, in place,
    and put back, so nothing is allocated per element but the function's own work. Each column
    is divided by the step actually taken (x + eps and x - eps rounded to the input's dtype).
    """
    x = inputs[i]
    work = x.array.copy()
    arguments = (*inputs[:i], _wrap(work).requires_grad_(x.requires_grad), *inputs[i + 1 :])
    flat = work.reshape(-1)  # a view of the working copy (a fresh copy is contiguous)
    sizes = [out.size for out in _evaluate(fn, inputs)]
    plus = [np.empty((flat.size, size)) for size in sizes]  # row k: each output at x + eps e_k
    minus = [np.empty((flat.size, size)) for size in sizes]  # row k: each output at x - eps e_k
    steps = np.empty((flat.size, 1))
    with no_grad():
        for k in range(flat.size):
            value = flat[k]
            flat[k] = value + eps
            _store_row(fn(*arguments), plus, k)
            high = float(flat[k])
            flat[k] = value - eps
            _store_row(fn(*arguments), minus, k)
            steps[k] = (high - float(flat[k])) or 2 * eps  # 0 if eps is below the dtype's resolution here
            flat[k] = value
    return [((p - m) / steps).T for p, m in zip(plus, minus, strict=True)]


def _store_row(result: Any, rows: list[np.ndarray], k: int) -> None:
    """Copy each output of one evaluation into row ``k`` of its matrix (before the input moves again)."""
    for row, out in zip(rows, _as_outputs(result), strict=True):
        row[k] = as_numpy(out.array).reshape(-1)


def _perturbed(inputs: tuple, i: int, step: np.ndarray) -> tuple:
    """A copy of ``inputs`` where input ``i`` is moved by ``step`` (the original is not touched)."""
    x = inputs[i]
    moved = x.array + get_array_module(x.array).asarray(step, dtype=x.dtype)
    return (*inputs[:i], _wrap(moved).requires_grad_(x.requires_grad), *inputs[i + 1 :])


def _as_float64(array: Any) -> np.ndarray:
    """A NumPy float64 view or copy of a backend array, for sums that must not round in float32."""
    return as_numpy(array).astype(np.float64, copy=False)


def _jacobian_entries(fn: Callable, inputs: tuple, checked: list[int]) -> int:
    """How many entries the full Jacobians of ``fn`` with respect to the checked inputs have."""
    return sum(inputs[i].numel() for i in checked) * sum(out.size for out in _evaluate(fn, inputs))


def _evaluate(fn: Callable, inputs: tuple) -> list[np.ndarray]:
    with no_grad():
        return [as_numpy(out.array).astype(np.float64) for out in _as_outputs(fn(*inputs))]


# ----------------------------------------------------------------------------- small helpers
def _as_outputs(result: Any) -> list[Tensor]:
    outputs = [result] if isinstance(result, Tensor) else list(result)
    for out in outputs:
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: the function must return Tensors, got {type(out).__name__}")
    return outputs


def _element(shape: tuple, flat_index: int) -> tuple:
    return tuple(int(i) for i in np.unravel_index(flat_index, shape)) if shape else ()


def _zeros_like(x: Tensor) -> Tensor:
    return _wrap(get_array_module(x.array).zeros(x.shape, dtype=x.dtype))


def _non_finite_message(i: int, o: int, analytical: np.ndarray, numerical: np.ndarray) -> str:
    return (
        f"non-finite Jacobian for input {i}, output {o}: analytical has "
        f"{int(np.sum(~np.isfinite(analytical)))} and numerical {int(np.sum(~np.isfinite(numerical)))} "
        "NaN/inf entries; check the function's domain (e.g. log or sqrt of values <= 0)"
    )
