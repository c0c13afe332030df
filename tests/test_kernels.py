"""The fused kernels (``tinygrad_edu.kernels``) compute what their docstrings say, on each device.

Each kernel is checked against the formula written out here with NumPy, in float32 and float64,
with the result's dtype. On the GPU, the kernel must also have been fused: ``FALLBACKS`` stays
empty. The fallback itself (CuPy cannot fuse a formula) is acted out with the fake CuPy, and so
are the launch counts, which are the point of fusing: one kernel per formula.
"""

from __future__ import annotations

import warnings
from typing import Any

import fake_cupy
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import backend, kernels, nn, optim
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
        assert not kernels.FALLBACKS, f"cupy.fuse failed for {kernels.FALLBACKS}"


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_backward_passes_the_gradient_where_x_is_positive(device: str, dtype: Any) -> None:
    rng = np.random.default_rng(0)
    grad, x = rng.standard_normal((2, 3, 5)).astype(dtype), rng.standard_normal((2, 3, 5)).astype(dtype)
    x[0, 0, :2] = 0.0  # the kink: the subgradient there is 0
    out = kernels.relu_backward(*_on(device, grad, x))
    assert out.dtype == dtype and backend.device_of(out) == device
    np.testing.assert_array_equal(backend.as_numpy(out), np.where(x > 0, grad, 0))


ACTIVATION_BACKWARDS = {
    "leaky_relu": (lambda g, x: kernels.leaky_relu_backward(g, x, 0.1), lambda g, x: np.where(x > 0, g, 0.1 * g)),
    "tanh": (kernels.tanh_backward, lambda g, y: g * (1 - y.astype(np.float64) ** 2)),
    "sigmoid": (kernels.sigmoid_backward, lambda g, y: g * y.astype(np.float64) * (1 - y.astype(np.float64))),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATION_BACKWARDS)
def test_activation_backwards_keep_the_gradients_dtype(device: str, dtype: Any, name: str) -> None:
    """leaky_relu (from x), tanh and sigmoid (from their output y): the formula, in the input's dtype."""
    rng = np.random.default_rng(4)
    grad, x = rng.standard_normal((3, 4)).astype(dtype), rng.uniform(-0.9, 0.9, (3, 4)).astype(dtype)
    fused, expected = ACTIVATION_BACKWARDS[name]
    out = fused(*_on(device, grad, x))
    assert out.dtype == dtype and backend.device_of(out) == device
    np.testing.assert_allclose(backend.as_numpy(out), expected(grad, x), **_tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_sum_exp_is_the_log_of_softmaxs_denominator(device: str, dtype: Any) -> None:
    shifted = np.random.default_rng(1).standard_normal((4, 7)).astype(dtype)
    out = kernels.log_sum_exp(*_on(device, shifted))
    assert out.shape == (4, 1) and out.dtype == dtype
    expected = np.log(np.exp(shifted.astype(np.float64)).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(backend.as_numpy(out), expected, **_tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("upstream_shape", [(), (5,)], ids=["scalar-loss", "per-sample"])
def test_softmax_cross_entropy_backward_is_softmax_minus_one_hot(
    device: str, dtype: Any, upstream_shape: tuple
) -> None:
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((5, 4)) * 3
    shifted = (logits - logits.max(axis=-1, keepdims=True)).astype(dtype)
    log_normalizer = np.log(np.exp(shifted.astype(np.float64)).sum(axis=-1, keepdims=True)).astype(dtype)
    classes = np.array([3, 0, 3, 1, 2])
    grad = rng.standard_normal(upstream_shape).astype(dtype)
    per_row = grad[..., None] if upstream_shape else grad
    arrays = _on(device, shifted, log_normalizer, classes[:, None], per_row)
    columns = kernels.class_columns(backend.array_module(device), 4)
    out = kernels.softmax_cross_entropy_backward(*arrays[:3], columns, arrays[3], 0.2)
    assert out.dtype == dtype and out.shape == (5, 4)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    expected = (softmax - np.eye(4)[classes]) * per_row * 0.2
    np.testing.assert_allclose(backend.as_numpy(out), expected, **_tolerance(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_optimizer_kernels_update_in_place(device: str, dtype: Any) -> None:
    """descend, momentum_update, adam_moments and adam_descend change their first arrays in place
    (same objects, same dtype) by exactly the rule in their docstrings."""
    rng = np.random.default_rng(3)
    param, grad, buffer, m, v = (rng.standard_normal(6).astype(dtype) for _ in range(5))
    v = np.abs(v)
    on_device = _on(device, *(a.copy() for a in (param, grad, buffer, m, v)))
    d_param, d_grad, d_buffer, d_m, d_v = on_device

    kernels.momentum_update(d_buffer, d_grad, 0.9, 0.75)
    buffer_expected = 0.9 * buffer.astype(np.float64) + 0.75 * grad
    kernels.descend(d_param, d_buffer, 0.1)
    param_expected = param - 0.1 * buffer_expected
    kernels.adam_moments(d_m, d_v, d_grad, 0.8, 0.99)
    m_expected, v_expected = 0.8 * m + 0.2 * grad.astype(np.float64), 0.99 * v + 0.01 * grad.astype(np.float64) ** 2
    kernels.adam_descend(d_param, d_m, d_v, 0.05, 0.5, 1e-8)
    param_expected = param_expected - 0.05 * m_expected / (np.sqrt(v_expected) / 0.5 + 1e-8)

    for array, expected in zip(
        (d_param, d_buffer, d_m, d_v), (param_expected, buffer_expected, m_expected, v_expected), strict=True
    ):
        assert array.dtype == dtype
        np.testing.assert_allclose(backend.as_numpy(array), expected, **_tolerance(dtype))
    assert [a is b for a, b in zip(on_device, (d_param, d_grad, d_buffer, d_m, d_v), strict=True)] == [True] * 5


# ----------------------------------------------------------------------------- the fake GPU: fallback and launches
def test_a_formula_cupy_cannot_fuse_runs_unfused_with_one_warning(
    fake_gpu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**options: Any) -> Any:
        raise NotImplementedError("this formula uses something cupy.fuse does not support")

    monkeypatch.setattr(fake_gpu, "fuse", refuse)
    monkeypatch.setattr(kernels, "FALLBACKS", {})

    @kernels.kernel
    def double(xp: Any, x: Any) -> Any:
        return x * 2

    x = fake_gpu.asarray(np.arange(3.0))
    with pytest.warns(RuntimeWarning, match="double runs unfused.*does not support"):
        out = double(x)
    np.testing.assert_array_equal(out.get(), [0.0, 2.0, 4.0])
    assert "does not support" in kernels.FALLBACKS["double"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second call is silent
        np.testing.assert_array_equal(double(x).get(), [0.0, 2.0, 4.0])


def test_a_bad_argument_is_raised_not_taken_for_a_fusion_failure(
    fake_gpu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kernels, "FALLBACKS", {})
    a, b = fake_gpu.asarray(np.ones(3)), fake_gpu.asarray(np.ones(4))
    with pytest.raises(ValueError, match="broadcast"):
        kernels.relu_backward(a, b)
    assert kernels.FALLBACKS == {}


def _mlp() -> nn.Module:
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)).to("cuda")


@pytest.mark.parametrize(
    ("make_optimizer", "launches_per_parameter"),
    [
        (lambda params: optim.SGD(params, lr=0.1), 1),
        (lambda params: optim.SGD(params, lr=0.1, momentum=0.9), 2),
        (lambda params: optim.Adam(params, lr=0.01), 2),
    ],
    ids=["sgd", "sgd-momentum", "adam"],
)
def test_optimizer_steps_launch_one_or_two_kernels_per_parameter(
    fake_gpu: Any, make_optimizer: Any, launches_per_parameter: int
) -> None:
    """Unfused, Adam's step is about a dozen launches per parameter; fused it is two."""
    model = _mlp()
    opt = make_optimizer(model.parameters())
    x, y = tg.randn(5, 8, device="cuda"), tg.Tensor([0, 3, 1, 1, 2], device="cuda")
    for _ in range(2):  # the first step creates the state (momentum buffers, moments)
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        fake_cupy.STATS.clear()
        opt.step()
    assert fake_cupy.STATS["launches"] == launches_per_parameter * len(list(model.parameters()))


def test_relu_and_cross_entropy_backward_are_one_launch_each(fake_gpu: Any) -> None:
    """Unfused, ReLU's backward was three launches (compare, cast, multiply) and cross-entropy's
    about a dozen (a one-hot matrix, softmax again, subtract, scale)."""
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
