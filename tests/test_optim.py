"""Optimizer checks: every rule against a hand computation, and the bookkeeping around it.

The references below are written out independently of ``tinygrad_edu.optim``, in plain NumPy
float64, one line per line of the algorithm boxes in PyTorch's documentation of ``torch.optim``
(SGD, Adam, AdamW, RMSprop). Each trajectory test runs 12 steps on three parameters (a matrix,
a vector and a scalar) of an elementwise quadratic with per-step noise, so the gradient depends
on where the parameters are and every step's error would carry into the next.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import backend, optim

STEPS = 12
SHAPES = [(3, 4), (4,), ()]
RTOL = 1e-7  # both sides compute in float64: only rounding may differ


# ----------------------------------------------------------------------------- references (float64 NumPy)
def reference_sgd(
    theta, g, s, t, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False
):
    """SGD's box: g ← -g if maximize; g ← g + λθ; b ← g (t = 1) or μb + (1-τ)g; g ← g + μb or b; θ ← θ - γg."""
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * theta
    if momentum != 0:
        s["b"] = g if t == 1 else momentum * s["b"] + (1 - dampening) * g
        g = g + momentum * s["b"] if nesterov else s["b"]
    return theta - lr * g


def reference_adam(
    theta,
    g,
    s,
    t,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    maximize=False,
    decoupled=False,
):
    """Adam's box (AdamW's when ``decoupled``): moments m, v, bias-corrected m̂, v̂; θ ← θ - γ m̂ / (√v̂ + ε)."""
    beta1, beta2 = betas
    if maximize:
        g = -g
    if weight_decay != 0 and decoupled:
        theta = theta - lr * weight_decay * theta
    elif weight_decay != 0:
        g = g + weight_decay * theta
    s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * g
    s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * g**2
    m_hat = s["m"] / (1 - beta1**t)
    if amsgrad:
        s["v_max"] = np.maximum(s.get("v_max", 0.0), s["v"])
        v_hat = s["v_max"] / (1 - beta2**t)
    else:
        v_hat = s["v"] / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps)


def reference_adamw(
    theta, g, s, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False
):
    """AdamW's box: Adam's, with θ ← θ - γλθ in place of g ← g + λθ (and λ = 1e-2 by default)."""
    return reference_adam(theta, g, s, t, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled=True)


def reference_rmsprop(
    theta, g, s, t, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False
):
    """RMSprop's box: v ← αv + (1-α)g²; ṽ = v (- g_ave² if centered); b ← μb + g/(√ṽ + ε); θ ← θ - γb."""
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * theta
    s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * g**2
    v_tilde = s["v"]
    if centered:
        s["g_ave"] = alpha * s.get("g_ave", 0.0) + (1 - alpha) * g
        v_tilde = v_tilde - s["g_ave"] ** 2
    if momentum > 0:
        s["b"] = momentum * s.get("b", 0.0) + g / (np.sqrt(v_tilde) + eps)
        return theta - lr * s["b"]
    return theta - lr * g / (np.sqrt(v_tilde) + eps)


OPTIMIZERS: dict[str, tuple[type, Callable]] = {
    "SGD": (optim.SGD, reference_sgd),
    "Adam": (optim.Adam, reference_adam),
    "AdamW": (optim.AdamW, reference_adamw),
    "RMSprop": (optim.RMSprop, reference_rmsprop),
}

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.1, "momentum": 0.8, "dampening": 0.2, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "betas": (0.9, 0.9), "amsgrad": True}),  # β₂ = 0.9 lets v fall, so vmax matters
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 1e-3, "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),  # maximize negates g before the decay
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "betas": (0.9, 0.9), "weight_decay": 0.3, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-4, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in options.items())}" for name, options in CASES]


# ----------------------------------------------------------------------------- the problem
class Problem:
    """Elementwise quadratics: g_t(θ) = c ⊙ (θ - θ*) + noise_t, for three parameters of different shapes."""

    def __init__(self, seed: int = 0, shapes: list[tuple[int, ...]] = SHAPES) -> None:
        rng = np.random.default_rng(seed)
        self.start = [rng.standard_normal(shape) for shape in shapes]
        self.curvature = [rng.uniform(0.5, 2.0, shape) for shape in shapes]
        self.target = [rng.standard_normal(shape) for shape in shapes]
        self.noise = [[0.3 * rng.standard_normal(shape) for shape in shapes] for _ in range(STEPS)]

    def gradient(self, i: int, theta: np.ndarray, t: int) -> np.ndarray:
        """The gradient of parameter ``i`` at step ``t`` (1-based), evaluated at ``theta``."""
        return self.curvature[i] * (theta - self.target[i]) + self.noise[t - 1][i]

    def params(self, dtype: str = "float64", device: str = "cpu") -> list[tg.Tensor]:
        return [tg.Tensor(theta, dtype=dtype, device=device, requires_grad=True) for theta in self.start]

    def set_grads(self, params: list[tg.Tensor], t: int) -> None:
        """Give every parameter its gradient at its current value, as backward() would."""
        for i, p in enumerate(params):
            grad = self.gradient(i, p.detach().numpy().astype(np.float64), t)
            p.grad = tg.Tensor(grad, dtype=p.dtype, device=p.device)


def _run(opt: optim.Optimizer, params: list[tg.Tensor], problem: Problem, steps: range) -> None:
    for t in steps:
        problem.set_grads(params, t)
        opt.step()


# ----------------------------------------------------------------------------- every rule, every step
@pytest.mark.parametrize(("name", "options"), CASES, ids=CASE_IDS)
def test_every_step_matches_the_hand_computed_rule(name: str, options: dict[str, Any]) -> None:
    """12 steps of each optimizer and option combination equal the algorithm box, step by step."""
    cls, reference = OPTIMIZERS[name]
    problem = Problem()
    params = problem.params()
    opt = cls(params, **options)
    expected = [theta.copy() for theta in problem.start]
    states: list[dict[str, Any]] = [{} for _ in params]
    for t in range(1, STEPS + 1):
        problem.set_grads(params, t)
        grads_before = [p.grad.numpy() for p in params]
        opt.step()
        for i, p in enumerate(params):
            expected[i] = reference(expected[i], problem.gradient(i, expected[i], t), states[i], t, **options)
            np.testing.assert_allclose(
                p.array, expected[i], rtol=RTOL, atol=1e-12, err_msg=f"{name} step {t}, param {i}"
            )
            np.testing.assert_array_equal(p.grad.array, grads_before[i], err_msg="step() must not write to .grad")


def _reference_trajectory(name: str, options: dict[str, Any]) -> list[np.ndarray]:
    reference, problem = OPTIMIZERS[name][1], Problem()
    thetas, states = [theta.copy() for theta in problem.start], [{} for _ in SHAPES]
    for t in range(1, STEPS + 1):
        thetas = [reference(x, problem.gradient(i, x, t), states[i], t, **options) for i, x in enumerate(thetas)]
    return thetas


@pytest.mark.parametrize(("name", "options"), CASES, ids=CASE_IDS)
def test_every_option_of_a_case_changes_its_trajectory(name: str, options: dict[str, Any]) -> None:
    """Guard for the test above: leaving out any one option changes the 12 steps, so no option goes untested."""
    defaults = {k: v.default for k, v in inspect.signature(OPTIMIZERS[name][1]).parameters.items()}
    trajectory = _reference_trajectory(name, options)
    for left_out in [k for k, v in options.items() if v != defaults[k]]:
        other = _reference_trajectory(name, {k: v for k, v in options.items() if k != left_out})
        assert not all(np.allclose(a, b) for a, b in zip(trajectory, other, strict=True)), f"{left_out} has no effect"


# ----------------------------------------------------------------------------- dtype, identity, graph
@pytest.mark.parametrize(
    ("name", "options"),
    [
        (
            "SGD",
            {"lr": np.float64(0.1), "momentum": np.float64(0.9), "weight_decay": np.float64(0.01), "nesterov": True},
        ),
        (
            "Adam",
            {
                "lr": np.float64(0.05),
                "betas": (np.float64(0.9), np.float64(0.99)),
                "weight_decay": 0.1,
                "amsgrad": True,
            },
        ),
        ("AdamW", {"lr": np.float64(0.05), "weight_decay": np.float64(0.1)}),
        ("RMSprop", {"lr": np.float64(0.01), "alpha": np.float64(0.9), "momentum": 0.5, "centered": True}),
    ],
    ids=["SGD", "Adam", "AdamW", "RMSprop"],
)
def test_float32_parameters_stay_float32_and_the_same_objects(name: str, options: dict, device: str) -> None:
    """NumPy float64 hyperparameters must not promote float32 math; the update is in place."""
    cls, reference = OPTIMIZERS[name]
    problem = Problem()
    params = problem.params(dtype="float32", device=device)
    arrays = [p.array for p in params]
    opt = cls(params, **options)
    _run(opt, params, problem, range(1, 4))
    for p, array in zip(params, arrays, strict=True):
        assert p.dtype == np.float32
        assert p.array is array, "step() must update p.array in place, not replace it"
        assert p.grad_fn is None and p.is_leaf, "step() must not build graph nodes"
    for state in opt.state.values():
        for value in state.values():
            if hasattr(value, "dtype"):
                assert value.dtype == np.float32
    # The float32 run follows the float64 rule closely.
    expected, states = [theta.copy() for theta in problem.start], [{} for _ in params]
    for t in range(1, 4):
        for i in range(len(params)):
            expected[i] = reference(expected[i], problem.gradient(i, expected[i], t), states[i], t, **options)
    for p, theta in zip(params, expected, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), theta, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("name", "options"), CASES, ids=CASE_IDS)
def test_step_never_writes_into_grad_even_when_it_is_reused(name: str, options: dict[str, Any]) -> None:
    """Without zero_grad, .grad stays the same array across steps: no state may alias it."""
    params = Problem().params()
    opt = OPTIMIZERS[name][0](params, **options)
    for p in params:
        p.grad = tg.Tensor(np.full(p.shape, 0.5), dtype="float64")
    for _ in range(3):
        opt.step()
    for p in params:
        np.testing.assert_array_equal(p.grad.array, np.full(p.shape, 0.5))


def test_a_float64_grad_is_refused_when_assigned_to_a_float32_parameter() -> None:
    """As PyTorch: the gradient must have the tensor's dtype, so a step can never turn float32 into float64."""
    p = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"float64.*float32"):
        p.grad = tg.Tensor([0.5, 0.5], dtype="float64")
    assert p.grad is None


def test_a_parameter_recast_after_its_grad_was_set_keeps_its_dtype_in_a_step() -> None:
    p = tg.Tensor([1.0, 2.0], requires_grad=True)
    p.grad = tg.Tensor([0.5, 0.5])
    p.data = p.data.double()  # the grad stays float32: the step casts it, never the parameter
    optim.Adam([p], lr=0.1).step()
    assert p.dtype == np.float64


def test_a_grad_of_the_wrong_shape_is_an_error_naming_both_shapes() -> None:
    p = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2,\)"):
        p.grad = tg.Tensor([1.0, 2.0, 3.0])
    p.grad = tg.Tensor([1.0, 2.0])
    p.data = tg.zeros(3)  # replacing the data can still leave a grad of another shape: the step refuses it
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2,\)"):
        optim.SGD([p], lr=0.1).step()


def test_step_after_a_real_backward_equals_the_hand_computation() -> None:
    """loss = Σ (w - c)² gives grad 2(w - c); one SGD step is w - γ·2(w - c)."""
    w = tg.Tensor([1.0, -2.0, 0.5], requires_grad=True)
    c = np.array([0.0, 1.0, 2.0], dtype=np.float32)
    opt = optim.SGD([w], lr=0.1)
    before = w.detach().numpy().copy()  # numpy() shares the tensor's memory, as in PyTorch
    ((w - c) ** 2).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), before - 0.1 * 2 * (before - c), rtol=1e-6)
    assert w.is_leaf and w.requires_grad


def test_step_runs_the_closure_and_returns_its_loss() -> None:
    w = tg.Tensor([3.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure() -> tg.Tensor:
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with tg.no_grad():  # the closure records its graph even when called under no_grad
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(9.0)
    assert w.item() == pytest.approx(3.0 - 0.25 * 6.0)


def test_adam_minimizes_a_quadratic() -> None:
    w = tg.Tensor(np.zeros(5), requires_grad=True)
    target = np.arange(5.0, dtype=np.float32)
    opt = optim.Adam([w], lr=0.1)
    for _ in range(300):
        opt.zero_grad()
        ((w - target) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(w.detach().numpy(), target, atol=1e-2)


# ----------------------------------------------------------------------------- grads that are None, zero_grad
def test_parameters_without_grad_are_skipped_and_start_their_own_step_count() -> None:
    """A parameter whose .grad is None is left alone and gets no state; its Adam steps count from 1 later."""
    problem = Problem()
    a, b, c = problem.params()
    opt = optim.Adam([a, b, c], lr=0.05)
    start_b = b.detach().numpy().copy()
    expected_a, state_a = problem.start[0].copy(), {}
    expected_b, state_b = problem.start[1].copy(), {}
    for t in range(1, 7):
        a.grad = tg.Tensor(problem.gradient(0, a.detach().numpy(), t), dtype="float64")
        if t > 3:
            b.grad = tg.Tensor(problem.gradient(1, b.detach().numpy(), t), dtype="float64")
        opt.step()
        expected_a = reference_adam(expected_a, problem.gradient(0, expected_a, t), state_a, t, lr=0.05)
        np.testing.assert_allclose(a.array, expected_a, rtol=RTOL)
        if t <= 3:
            np.testing.assert_array_equal(b.array, start_b)
            assert 1 not in opt.state
        else:
            expected_b = reference_adam(expected_b, problem.gradient(1, expected_b, t), state_b, t - 3, lr=0.05)
            np.testing.assert_allclose(b.array, expected_b, rtol=RTOL)
    np.testing.assert_array_equal(c.array, problem.start[2])
    assert sorted(opt.state) == [0, 1]
    assert opt.state[0]["step"] == 6 and opt.state[1]["step"] == 3


def test_zero_grad_sets_grads_to_none_by_default() -> None:
    params = Problem().params()
    opt = optim.SGD(params, lr=0.1)
    for p in params:
        (p * 2.0).sum().backward()
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_zero_grad_without_set_to_none_zeros_the_same_arrays_in_place() -> None:
    params = Problem().params()
    opt = optim.SGD(params[:2], lr=0.1)
    for p in params[:2]:
        (p * 2.0).sum().backward()
    grads = [(p.grad, p.grad.array) for p in params[:2]]
    opt.zero_grad(set_to_none=False)
    for p, (grad, array) in zip(params[:2], grads, strict=True):
        assert p.grad is grad and p.grad.array is array
        np.testing.assert_array_equal(array, np.zeros_like(array))
    assert params[2].grad is None  # not in this optimizer: untouched


def test_zero_grad_in_place_cuts_a_create_graph_gradient_off_its_graph() -> None:
    p = tg.Tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward(create_graph=True)
    assert p.grad.grad_fn is not None
    optim.SGD([p]).zero_grad(set_to_none=False)
    assert p.grad.grad_fn is None
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])


# ----------------------------------------------------------------------------- parameter groups
def test_param_groups_take_their_own_options_and_the_defaults_for_the_rest() -> None:
    problem = Problem()
    a, b, c = problem.params()
    opt = optim.SGD([{"params": [a, b]}, {"params": c, "lr": 0.01, "nesterov": True}], lr=0.1, momentum=0.9)
    assert [group["lr"] for group in opt.param_groups] == [0.1, 0.01]
    assert [group["momentum"] for group in opt.param_groups] == [0.9, 0.9]
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is c
    lrs = [(0.1, False), (0.1, False), (0.01, True)]
    expected, states = [theta.copy() for theta in problem.start], [{}, {}, {}]
    for t in range(1, STEPS + 1):
        problem.set_grads([a, b, c], t)
        opt.step()
        for i, (p, (lr, nesterov)) in enumerate(zip([a, b, c], lrs, strict=True)):
            expected[i] = reference_sgd(
                expected[i], problem.gradient(i, expected[i], t), states[i], t, lr=lr, momentum=0.9, nesterov=nesterov
            )
            np.testing.assert_allclose(p.array, expected[i], rtol=RTOL, atol=1e-12)


def test_add_param_group_numbers_new_parameters_after_the_old_ones() -> None:
    a, b, c = Problem().params()
    opt = optim.Adam([a, b], lr=0.1)
    opt.add_param_group({"params": [c], "lr": 0.5})
    for p in (a, b, c):
        p.grad = tg.Tensor(np.ones(p.shape), dtype="float64")
    opt.step()
    assert list(opt.state) == [0, 1, 2]
    assert opt.state_dict()["param_groups"][1]["params"] == [2]
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [a]})


def test_changing_lr_in_a_group_takes_effect_on_the_next_step() -> None:
    p = tg.Tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = tg.Tensor([1.0])
    opt.param_groups[0]["lr"] = np.float64(0.5)  # as a learning-rate schedule would
    opt.step()
    assert p.item() == pytest.approx(0.5) and p.dtype == np.float32


# ----------------------------------------------------------------------------- state_dict
ROUND_TRIP = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.2}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
]


def _two_groups(cls: type, params: list[tg.Tensor], options: dict[str, Any]) -> optim.Optimizer:
    return cls([{"params": params[:2]}, {"params": params[2:], "lr": options["lr"] / 2}], **options)


@pytest.mark.parametrize(("name", "options"), ROUND_TRIP, ids=[name for name, _ in ROUND_TRIP])
def test_a_loaded_state_dict_continues_the_same_trajectory(name: str, options: dict, device: str) -> None:
    cls = OPTIMIZERS[name][0]
    problem = Problem()
    params = problem.params(device=device)
    opt = _two_groups(cls, params, options)
    _run(opt, params, problem, range(1, 6))
    saved = opt.state_dict()
    snapshot = copy.deepcopy(saved)

    clones = [tg.Tensor(p.array, requires_grad=True) for p in params]
    restored = cls([{"params": clones[:2]}, {"params": clones[2:]}])  # default options, replaced by the load
    restored.load_state_dict(saved)
    assert [{k: v for k, v in g.items() if k != "params"} for g in restored.param_groups] == [
        {k: v for k, v in g.items() if k != "params"} for g in opt.param_groups
    ]
    for t in range(6, STEPS + 1):
        problem.set_grads(params, t)
        problem.set_grads(clones, t)
        opt.step()
        restored.step()
        for p, clone in zip(params, clones, strict=True):
            np.testing.assert_array_equal(clone.detach().numpy(), p.detach().numpy(), err_msg=f"step {t}")
    _assert_same_state_dict(saved, snapshot)  # later steps did not write into the saved arrays


def _assert_same_state_dict(a: dict, b: dict) -> None:
    assert a["param_groups"] == b["param_groups"]
    assert a["state"].keys() == b["state"].keys()
    for index in a["state"]:
        assert a["state"][index].keys() == b["state"][index].keys()
        for name, value in a["state"][index].items():
            np.testing.assert_array_equal(_host(value), _host(b["state"][index][name]))


def _host(value: Any) -> Any:
    """A state value on the host: arrays as NumPy arrays, numbers unchanged."""
    return value if isinstance(value, int | float) else backend.as_numpy(value)


def test_state_dict_layout_is_pytorchs() -> None:
    params = Problem().params()
    opt = _two_groups(optim.Adam, params, {"lr": 0.1, "amsgrad": True})
    _run(opt, params, Problem(), range(1, 3))
    saved = opt.state_dict()
    assert list(saved) == ["state", "param_groups"]
    assert list(saved["state"]) == [0, 1, 2]
    assert sorted(saved["state"][0]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    assert saved["state"][0]["step"] == 2
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [2]]
    assert saved["param_groups"][1]["lr"] == 0.05 and saved["param_groups"][0]["betas"] == (0.9, 0.999)


def test_load_state_dict_replaces_all_state() -> None:
    params = Problem().params()
    opt = optim.RMSprop(params, momentum=0.9)
    _run(opt, params, Problem(), range(1, 3))
    opt.load_state_dict(optim.RMSprop(Problem().params(), momentum=0.9).state_dict())  # one that never stepped
    assert opt.state == {}


def test_adamw_stays_adamw_when_loading_adams_state() -> None:
    adam = _stepped_adam([(2,)])
    adamw = optim.AdamW([tg.Tensor([1.0, 1.0], requires_grad=True)])
    adamw.load_state_dict(adam.state_dict())
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True


def test_state_dict_and_load_copy_the_arrays() -> None:
    params = Problem().params()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    _run(opt, params, Problem(), range(1, 3))
    saved = opt.state_dict()
    assert saved["state"][0]["momentum_buffer"] is not opt.state[0]["momentum_buffer"]
    other = optim.SGD([tg.Tensor(p.array, requires_grad=True) for p in params], lr=0.1, momentum=0.9)
    other.load_state_dict(saved)
    before = other.state[0]["momentum_buffer"].copy()
    saved["state"][0]["momentum_buffer"][...] = 123.0
    np.testing.assert_array_equal(other.state[0]["momentum_buffer"], before)


def test_load_casts_state_to_the_parameters_dtype() -> None:
    params64 = Problem().params()
    opt64 = optim.RMSprop(params64, momentum=0.9)
    _run(opt64, params64, Problem(), range(1, 3))
    params32 = Problem().params(dtype="float32")
    opt32 = optim.RMSprop(params32, momentum=0.9)
    opt32.load_state_dict(opt64.state_dict())
    assert opt32.state[0]["square_avg"].dtype == np.float32
    assert opt32.state[0]["step"] == 2


def _stepped_adam(shapes: list[tuple[int, ...]], groups: int = 1) -> optim.Adam:
    params = [tg.Tensor(np.ones(shape), requires_grad=True) for shape in shapes]
    if groups == 1:
        opt = optim.Adam(params)
    else:
        opt = optim.Adam([{"params": params[:1]}, {"params": params[1:]}])
    for p in params:
        p.grad = tg.Tensor(np.ones(p.shape))
    opt.step()
    return opt


@pytest.mark.parametrize(
    ("saved", "target", "match"),
    [
        (
            lambda: _stepped_adam([(3,), (2,)], groups=2),
            lambda: _stepped_adam([(3,), (2,)]),
            r"2 parameter group\(s\).* 1",
        ),
        (lambda: _stepped_adam([(3,), (2,)]), lambda: _stepped_adam([(3,)]), r"group 0 has 2 parameter\(s\).* but 1"),
        (
            lambda: _stepped_adam([(3,)]),
            lambda: _stepped_adam([(4,)]),
            r"'exp_avg' of parameter 0 has shape \(3,\).*\(4,\)",
        ),
        (
            lambda: optim.SGD([tg.Tensor([1.0], requires_grad=True)], lr=0.1),
            lambda: _stepped_adam([(1,)]),
            r"lacks option\(s\) \['amsgrad', 'betas'",
        ),
    ],
    ids=["number-of-groups", "number-of-params", "shape", "another-optimizer"],
)
def test_load_state_dict_errors_say_what_does_not_match(saved: Callable, target: Callable, match: str) -> None:
    source, opt = saved(), target()
    before = opt.state_dict()
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(source.state_dict())
    _assert_same_state_dict(opt.state_dict(), before)  # a failed load changes nothing


def test_load_state_dict_rejects_something_that_is_not_a_state_dict() -> None:
    opt = _stepped_adam([(2,)])
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"exp_avg": np.zeros(2)})
    broken = opt.state_dict()
    broken["state"][5] = broken["state"].pop(0)
    with pytest.raises(ValueError, match="parameter 5, which is in none of its groups"):
        opt.load_state_dict(broken)


# ----------------------------------------------------------------------------- validation
def _param() -> list[tg.Tensor]:
    return [tg.Tensor([1.0], requires_grad=True)]


@pytest.mark.parametrize(
    ("cls", "options", "match"),
    [
        (optim.SGD, {"lr": -0.1}, r"lr=-0\.1"),
        (optim.SGD, {"lr": float("nan")}, r"lr=nan"),
        (optim.SGD, {"momentum": -0.5}, r"momentum=-0\.5"),
        (optim.SGD, {"weight_decay": -1e-4}, r"weight_decay=-0\.0001"),
        (optim.SGD, {"nesterov": True}, r"Nesterov.*momentum=0"),
        (optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, r"Nesterov.*dampening=0\.1"),
        (optim.Adam, {"lr": -1.0}, r"lr=-1\.0"),
        (optim.Adam, {"eps": -1e-8}, r"eps=-1e-08"),
        (optim.Adam, {"betas": (1.0, 0.999)}, r"betas=\(1\.0, 0\.999\).*betas\[0\]"),
        (optim.Adam, {"betas": (0.9, -0.1)}, r"betas\[1\] must be in \[0, 1\)"),
        (optim.Adam, {"betas": (0.9,)}, r"pair"),
        (optim.Adam, {"weight_decay": -0.1}, r"weight_decay=-0\.1"),
        (optim.AdamW, {"betas": (0.9, 1.0)}, r"AdamW.*betas\[1\]"),
        (optim.RMSprop, {"lr": -0.01}, r"lr=-0\.01"),
        (optim.RMSprop, {"alpha": -0.5}, r"alpha=-0\.5"),
        (optim.RMSprop, {"eps": -1.0}, r"eps=-1\.0"),
        (optim.RMSprop, {"momentum": -0.9}, r"momentum=-0\.9"),
        (optim.RMSprop, {"weight_decay": -0.1}, r"weight_decay=-0\.1"),
    ],
)
def test_invalid_options_are_errors_naming_the_option_and_value(cls: type, options: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        cls(_param(), **options)


def test_invalid_options_in_a_param_group_are_errors_too() -> None:
    with pytest.raises(ValueError, match=r"lr=-1"):
        optim.SGD([{"params": _param(), "lr": -1}], lr=0.1)
    with pytest.raises(TypeError, match=r"lr must be a number.*'0\.1'"):
        optim.Adam(_param(), lr="0.1")


def test_default_learning_rates_are_pytorchs() -> None:
    assert optim.SGD(_param()).defaults["lr"] == 1e-3
    assert optim.Adam(_param()).defaults["lr"] == 1e-3
    assert optim.AdamW(_param()).defaults["weight_decay"] == 1e-2
    assert optim.RMSprop(_param()).defaults["lr"] == 1e-2


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        (lambda: [], ValueError, "empty parameter list"),
        (lambda: iter([]), ValueError, "empty parameter list"),
        (lambda: [np.ones(2)], TypeError, "can only optimize Tensors.*parameter 0 of group 0 is a ndarray"),
        (lambda: tg.Tensor([1.0], requires_grad=True), TypeError, "wrap it in a list"),
        (lambda: {tg.Tensor([1.0], requires_grad=True)}, TypeError, "not a set"),
        (lambda: [tg.Tensor([1.0], requires_grad=True) * 2.0], ValueError, "not a leaf"),
        (lambda: [{"params": _param()}, *_param()], TypeError, "mixes Tensors and parameter-group dicts"),
        (lambda: [{"lr": 0.1}], TypeError, "'params' key"),
        (lambda: 2 * _param(), ValueError, "parameter 1 of group 0 appears more than once"),
    ],
    ids=[
        "empty",
        "used-generator",
        "ndarray",
        "bare-tensor",
        "set",
        "non-leaf",
        "mixed",
        "no-params",
        "twice",
    ],
)
def test_bad_parameters_are_clear_errors(params: Callable, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        optim.SGD(params(), lr=0.1)


def test_repr_lists_each_group_options() -> None:
    text = repr(optim.SGD(_param(), lr=0.1, momentum=0.9))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1\n" in text and "momentum: 0.9" in text


# ----------------------------------------------------------------------------- PyTorch as an extra oracle
@pytest.mark.parametrize(("name", "options"), CASES, ids=CASE_IDS)
def test_matches_torch_optim(name: str, options: dict[str, Any]) -> None:
    """12 steps on the same start and gradients give the same parameters and state as torch.optim."""
    torch = pytest.importorskip("torch")
    problem = Problem()
    ours = problem.params()
    theirs = [torch.tensor(theta, dtype=torch.float64, requires_grad=True) for theta in problem.start]
    opt = OPTIMIZERS[name][0](ours, **options)
    torch_opt = getattr(torch.optim, name)(theirs, **options)
    for t in range(1, STEPS + 1):
        problem.set_grads(ours, t)
        for i, p in enumerate(theirs):
            p.grad = torch.tensor(problem.gradient(i, p.detach().numpy(), t), dtype=torch.float64)
        opt.step()
        torch_opt.step()
        for p, q in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(p.array, q.detach().numpy(), rtol=1e-10, atol=1e-14, err_msg=f"step {t}")
    torch_state = torch_opt.state_dict()
    ours_state = opt.state_dict()
    assert ours_state["state"].keys() == torch_state["state"].keys()
    for index, state in ours_state["state"].items():
        assert state.keys() == torch_state["state"][index].keys()
        for key, value in state.items():
            np.testing.assert_allclose(value, np.asarray(torch_state["state"][index][key]), rtol=1e-10, atol=1e-14)
    for group, torch_group in zip(ours_state["param_groups"], torch_state["param_groups"], strict=True):
        assert group == {key: torch_group[key] for key in group}


def test_a_frozen_parameter_is_accepted_and_left_alone() -> None:
    """As in PyTorch, a parameter with requires_grad=False may be passed (e.g. a frozen layer): it never
    gets a gradient, so step() leaves it unchanged while it updates the others."""
    frozen, trained = tg.Tensor([1.0, 2.0]), tg.Tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.SGD([frozen, trained], lr=0.5)
    (trained * trained).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(frozen.numpy(), [1.0, 2.0])
    np.testing.assert_allclose(trained.detach().numpy(), [0.0, 0.0])
