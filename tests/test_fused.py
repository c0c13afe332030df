"""The fused gradient kernels (``tinygrad_edu.fused``): opt-in, and equal to each op's own formula.

Each kernel is checked against the formula written out here with NumPy, and each fused gradient
against the op's own backward (the default path), in float32 and float64 on each device. On the
GPU, the kernel must also have been fused: ``FALLBACKS`` stays empty. The fallback itself (CuPy
cannot fuse a formula) is acted out with the fake CuPy, and so are the launch counts, which are
the point of fusing: one kernel per formula.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import fake_cupy
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import autograd, backend, fused, nn, optim
from tinygrad_edu.nn import functional as F

DTYPES = [np.float32, np.float64]


def _on(device: str, *arrays: np.ndarray) -> list[Any]:
    return [backend.to_device(a, device) for a in arrays]


def _tolerance(dtype: Any) -> dict[str, float]:
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}


@pytest.fixture
def device(device: str) -> Any:
    """The device fixture, and afterwards: every kernel the test called on a real GPU was fused."""
    yield device
    if device == "cuda" and not fake_cupy.is_installed():
        assert not fused.FALLBACKS, f"cupy.fuse failed for {fused.FALLBACKS}"


@pytest.fixture
def fusion() -> Iterator[None]:
    """The fused kernels in the backward pass for this test only."""
    fused.enable()
    yield
    fused.disable()


# ----------------------------------------------------------------------------- off by default, and switchable
def test_the_backward_pass_uses_no_fused_kernel_unless_enabled() -> None:
    assert not fused.is_enabled() and autograd.fused_gradients == {}
    fused.enable()
    try:
        assert fused.is_enabled() and autograd.fused_gradients == fused.FUSED_GRADIENTS
    finally:
        fused.disable()
    assert not fused.is_enabled() and autograd.fused_gradients == {}


# ----------------------------------------------------------------------------- each kernel's formula
@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_backward_passes_the_gradient_where_x_is_positive(device: str, dtype: Any) -> None:
    rng = np.random.default_rng(0)
    grad, x = rng.standard_normal((2, 3, 5)).astype(dtype), rng.standard_normal((2, 3, 5)).astype(dtype)
    x[0, 0, :2] = 0.0  # the kink: the subgradient there is 0
    out = fused.relu_backward(*_on(device, grad, x))
    assert out.dtype == dtype and backend.device_of(out) == device
    np.testing.assert_array_equal(backend.as_numpy(out), np.where(x > 0, grad, 0))


ACTIVATION_BACKWARDS = {
    "leaky_relu": (lambda g, x: fused.leaky_relu_backward(g, x, 0.1), lambda g, x: np.where(x > 0, g, 0.1 * g)),
    "tanh": (fused.tanh_backward, lambda g, y: g * (1 - y.astype(np.float64) ** 2)),
    "sigmoid": (fused.sigmoid_backward, lambda g, y: g * y.astype(np.float64) * (1 - y.astype(np.float64))),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATION_BACKWARDS)
def test_activation_backwards_keep_the_gradients_dtype(device: str, dtype: Any, name: str) -> None:
    """leaky_relu (from x), tanh and sigmoid (from their output y): the formula, in the input's dtype."""
    rng = np.random.default_rng(4)
    grad, x = rng.standard_normal((3, 4)).astype(dtype), rng.uniform(-0.9, 0.9, (3, 4)).astype(dtype)
    kernel, expected = ACTIVATION_BACKWARDS[name]
    out = kernel(*_on(device, grad, x))
    assert out.dtype == dtype and backend.device_of(out) == device
    np.testing.assert_allclose(backend.as_numpy(out), expected(grad, x), **_tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("upstream_shape", [(), (5,)], ids=["scalar-loss", "per-sample"])
def test_softmax_cross_entropy_backward_is_softmax_minus_one_hot(
    device: str, dtype: Any, upstream_shape: tuple
) -> None:
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((5, 4)) * 3
    log_probs = (logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))).astype(dtype)
    classes = np.array([3, 0, 3, 1, 2])
    grad = rng.standard_normal(upstream_shape).astype(dtype)
    per_row = grad[..., None] if upstream_shape else grad
    arrays = _on(device, log_probs, classes[:, None], per_row)
    columns = fused.class_columns(backend.array_module(device), 4)
    out = fused.softmax_cross_entropy_backward(arrays[0], arrays[1], columns, arrays[2], 0.2)
    assert out.dtype == dtype and out.shape == (5, 4)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    expected = (softmax - np.eye(4)[classes]) * per_row * 0.2
    np.testing.assert_allclose(backend.as_numpy(out), expected, **_tolerance(dtype))


# ----------------------------------------------------------------------------- fused gradient == the op's formula
FUSED_OPS: dict[str, Callable[[tg.Tensor], tg.Tensor]] = {
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: x.leaky_relu(0.1),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "cross_entropy-mean": lambda x: F.cross_entropy(x, tg.Tensor([3, 0, 3, 1, 2], device=x.device)),
    "cross_entropy-sum": lambda x: F.cross_entropy(x, tg.Tensor([3, 0, 3, 1, 2], device=x.device), reduction="sum"),
    "cross_entropy-none": lambda x: F.cross_entropy(x, tg.Tensor([3, 0, 3, 1, 2], device=x.device), reduction="none"),
}


def _gradient(op: Callable[[tg.Tensor], tg.Tensor], values: np.ndarray, upstream_seed: int, device: str) -> np.ndarray:
    x = tg.Tensor(values, requires_grad=True, device=device)
    out = op(x)
    upstream = np.random.default_rng(upstream_seed).standard_normal(out.shape).astype(values.dtype)
    out.backward(tg.Tensor(upstream, device=device))
    return x.grad.numpy()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", FUSED_OPS)
def test_each_fused_gradient_equals_the_ops_own_formula(device: str, dtype: Any, name: str) -> None:
    """The table covers the ops it names, and with fusion on each gives the gradient the op's
    own backward gives with fusion off, for the same inputs and upstream gradient."""
    values = (np.random.default_rng(5).standard_normal((5, 4)) * 2).astype(dtype)
    values[0, :2] = 0.0  # the kink of relu and leaky_relu
    op = FUSED_OPS[name]
    formula = _gradient(op, values, 6, device)
    fused.enable()
    try:
        kernel = _gradient(op, values, 6, device)
    finally:
        fused.disable()
    np.testing.assert_allclose(kernel, formula, **_tolerance(dtype))


def test_the_table_names_the_ops_these_tests_cover() -> None:
    covered = {tg.ops.ReLU, tg.ops.LeakyReLU, tg.ops.Tanh, tg.ops.Sigmoid, tg.ops.CrossEntropy}
    assert set(fused.FUSED_GRADIENTS) == covered


@pytest.mark.usefixtures("fusion")
@pytest.mark.parametrize("name", FUSED_OPS)
def test_second_derivatives_use_the_ops_formulas_even_with_fusion_on(device: str, name: str) -> None:
    x = tg.Tensor(
        np.random.default_rng(8).uniform(0.2, 2.0, (5, 4)), dtype="float64", requires_grad=True, device=device
    )
    assert tg.gradgradcheck(FUSED_OPS[name], (x,))


# ----------------------------------------------------------------------------- the fake GPU: fallback and launches
def test_a_formula_cupy_cannot_fuse_runs_unfused_with_one_warning(
    fake_gpu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**options: Any) -> Any:
        raise NotImplementedError("this formula uses something cupy.fuse does not support")

    monkeypatch.setattr(fake_gpu, "fuse", refuse)
    monkeypatch.setattr(fused, "FALLBACKS", {})

    @fused.kernel
    def double(xp: Any, x: Any) -> Any:
        return x * 2

    x = fake_gpu.asarray(np.arange(3.0))
    with pytest.warns(RuntimeWarning, match="double runs unfused.*does not support"):
        out = double(x)
    np.testing.assert_array_equal(out.get(), [0.0, 2.0, 4.0])
    assert "does not support" in fused.FALLBACKS["double"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second call is silent
        np.testing.assert_array_equal(double(x).get(), [0.0, 2.0, 4.0])


def test_a_bad_argument_is_raised_not_taken_for_a_fusion_failure(
    fake_gpu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fused, "FALLBACKS", {})
    a, b = fake_gpu.asarray(np.ones(3)), fake_gpu.asarray(np.ones(4))
    with pytest.raises(ValueError, match="broadcast"):
        fused.relu_backward(a, b)
    assert fused.FALLBACKS == {}


def _mlp() -> nn.Module:
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)).to("cuda")


@pytest.mark.parametrize(
    ("make_optimizer", "launches_per_parameter"),
    [
        (lambda params: optim.SGD(params, lr=0.1), 2),
        (lambda params: optim.SGD(params, lr=0.1, momentum=0.9), 5),
        (lambda params: optim.Adam(params, lr=0.01), 13),
    ],
    ids=["sgd", "sgd-momentum", "adam"],
)
def test_optimizer_steps_launch_one_kernel_per_array_operation_of_their_rule(
    fake_gpu: Any, make_optimizer: Any, launches_per_parameter: int
) -> None:
    """The rules are written out in ``step`` (optim.py), one launch per array operation:
    SGD ``θ -= γ g`` is 2 (a product, a subtraction in place); with momentum ``b *= μ; b += (1 - τ) g``
    adds 3; Adam's two running averages are 7 and its step 6."""
    model = _mlp()
    opt = make_optimizer(model.parameters())
    x, y = tg.randn(5, 8, device="cuda"), tg.Tensor([0, 3, 1, 1, 2], device="cuda")
    for _ in range(2):  # the first step creates the state (momentum buffers, moments)
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        fake_cupy.STATS.clear()
        opt.step()
    assert fake_cupy.STATS["launches"] == launches_per_parameter * len(list(model.parameters()))
    assert fake_cupy.STATS["to_device"] == fake_cupy.STATS["to_host"] == fake_cupy.STATS["syncs"] == 0


@pytest.mark.usefixtures("fusion")
def test_relu_and_cross_entropy_backward_are_one_launch_each(fake_gpu: Any) -> None:
    """Unfused, ReLU's backward is two launches (compare, multiply) and cross-entropy's about a
    dozen (a one-hot matrix, softmax again, subtract, scale)."""
    x = tg.randn(5, 8, device="cuda", requires_grad=True)
    upstream = tg.ones(5, 8, device="cuda")
    y = x.relu()
    fake_cupy.STATS.clear()
    y.backward(upstream)
    assert fake_cupy.STATS["launches"] == 1

    target = tg.Tensor([0, 3, 1, 1, 2], device="cuda")
    for _ in range(2):  # the first call also makes the column numbers 0..3, kept for later calls
        logits = tg.randn(5, 4, device="cuda", requires_grad=True)
        loss = F.cross_entropy(logits, target)
        fake_cupy.STATS.clear()
        loss.backward()
    assert fake_cupy.STATS["launches"] == 2  # the 1.0 that starts backward, and the fused kernel
    assert fake_cupy.STATS["to_device"] == fake_cupy.STATS["to_host"] == fake_cupy.STATS["syncs"] == 0


def test_without_fusion_the_same_backward_launches_more(fake_gpu: Any) -> None:
    x = tg.randn(5, 8, device="cuda", requires_grad=True)
    y = x.relu()
    fake_cupy.STATS.clear()
    y.backward(tg.ones(5, 8, device="cuda"))
    assert fake_cupy.STATS["launches"] > 1
