"""nn: how Modules keep their parameters, what each layer and loss computes, init and summary.

Every number is checked against a hand computation in NumPy. When PyTorch is installed, the
layers and losses are also compared with it on the same inputs and weights (the tests at the end
skip cleanly without it: PyTorch is never required).
"""

from __future__ import annotations

import copy
import math
import re
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F


def mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


def names(pairs) -> list[str]:
    return [name for name, _ in pairs]


def normal(*shape: int, seed: int = 0, dtype: str = "float32") -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------------------- registration and names
class Encoder(nn.Module):
    """A model with a sub-Sequential, registered after a layer of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(2, 1)
        self.body = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return self.head(self.body(x))


class Tied(nn.Module):
    """Two layers that share one weight matrix (as tied input and output embeddings do)."""

    def __init__(self) -> None:
        super().__init__()
        self.encode = nn.Linear(3, 3)
        self.decode = nn.Linear(3, 3)
        self.decode.weight = self.encode.weight


def test_sequential_names_parameters_by_position() -> None:
    """ReLU has no parameters but still takes position 1: the second Linear is "2", as in PyTorch."""
    assert names(mlp().named_parameters()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_nested_modules_get_dotted_names_in_registration_order() -> None:
    assert names(Encoder().named_parameters()) == [
        "head.weight",
        "head.bias",
        "body.0.weight",
        "body.0.bias",
        "body.2.weight",
        "body.2.bias",
    ]


def test_shared_parameter_is_listed_once() -> None:
    """An optimizer given a shared weight twice would step it twice."""
    model = Tied()
    params = list(model.parameters())
    assert names(model.named_parameters()) == ["encode.weight", "encode.bias", "decode.bias"]
    assert len({id(p) for p in params}) == len(params) == 3
    assert model.decode.weight is model.encode.weight


def test_reassigning_an_attribute_replaces_its_registration() -> None:
    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(np.zeros(2))
            self.layer = nn.Linear(2, 2)

    model = Model()
    new_scale = nn.Parameter(np.ones(3))
    model.scale = new_scale
    model.layer = nn.ReLU()
    assert list(model.parameters()) == [new_scale]  # the Linear's weight and bias are gone with it
    assert [type(m).__name__ for m in model.children()] == ["ReLU"]


def test_reassigning_keeps_the_name_in_its_place() -> None:
    """As in PyTorch: replacing a parameter does not move it to the end of state_dict."""

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.first = nn.Parameter(np.zeros(2))
            self.second = nn.Parameter(np.zeros(2))
            self.first = nn.Parameter(np.ones(2))

    assert list(Model().state_dict()) == ["first", "second"]


def test_forgetting_super_init_is_a_clear_error() -> None:
    class Forgetful(nn.Module):
        def __init__(self) -> None:
            self.layer = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"Forgetful.*super\(\)\.__init__\(\)"):
        Forgetful()


def test_children_are_direct_submodules_and_modules_are_all_of_them_depth_first() -> None:
    model = Encoder()
    assert [type(m).__name__ for m in model.children()] == ["Linear", "Sequential"]
    assert [type(m).__name__ for m in model.modules()] == [
        "Encoder",
        "Linear",
        "Sequential",
        "Linear",
        "Tanh",
        "Linear",
    ]
    assert next(iter(model.modules())) is model


def test_train_and_eval_reach_every_submodule() -> None:
    model = Encoder()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_clears_every_gradient() -> None:
    model = mlp()
    model(tg.Tensor(normal(5, 4))).sum().backward()
    assert all(p.grad is not None and np.any(p.grad.numpy() != 0) for p in model.parameters())

    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not np.any(p.grad.numpy()) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_to_cpu_keeps_the_same_parameter_objects() -> None:
    """An optimizer created before ``to`` holds these objects, so they must stay the same."""
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    params, buffers = list(model.parameters()), list(model.buffers())
    before = {name: t.numpy().copy() for name, t in model.state_dict().items()}
    assert model.to("cpu") is model
    assert all(a is b for a, b in zip(params, model.parameters(), strict=True))
    assert all(a is b for a, b in zip(buffers, model.buffers(), strict=True))
    for name, tensor in model.state_dict().items():
        np.testing.assert_array_equal(tensor.numpy(), before[name])


# ----------------------------------------------------------------------------- state_dict
def bn_model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 2))


def test_state_dict_keys_in_pytorch_order_with_batchnorm_buffers() -> None:
    assert list(bn_model().state_dict()) == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
        "3.weight",
        "3.bias",
    ]


def test_load_state_dict_round_trip_gives_identical_outputs() -> None:
    tg.manual_seed(0)
    trained = bn_model()
    trained(tg.Tensor(normal(8, 4)))  # one training step moves the running statistics off their defaults
    trained.eval()
    tg.manual_seed(1)
    fresh = bn_model().eval()
    x = tg.Tensor(normal(5, 4, seed=1))
    assert not np.array_equal(fresh(x).detach().numpy(), trained(x).detach().numpy())

    fresh.load_state_dict(trained.state_dict())
    np.testing.assert_array_equal(fresh(x).detach().numpy(), trained(x).detach().numpy())
    assert int(fresh[1].num_batches_tracked.item()) == 1


def test_load_state_dict_accepts_numpy_arrays() -> None:
    model = mlp()
    arrays = {name: np.full(tensor.shape, 0.5, dtype=np.float32) for name, tensor in model.state_dict().items()}
    model.load_state_dict(arrays)
    np.testing.assert_array_equal(model[2].bias.detach().numpy(), [0.5, 0.5])
    # each Linear computes 0.5 * sum(inputs) + 0.5: 0.5 * 4 + 0.5 = 2.5 three times, then 0.5 * 7.5 + 0.5
    np.testing.assert_allclose(model(tg.Tensor(np.ones((1, 4), dtype=np.float32))).detach().numpy(), [[4.25, 4.25]])


def test_load_state_dict_names_a_missing_key() -> None:
    state = mlp().state_dict()
    del state["2.bias"]
    with pytest.raises(RuntimeError, match=r"missing.*2\.bias"):
        mlp().load_state_dict(state)


def test_load_state_dict_names_an_unexpected_key() -> None:
    state = mlp().state_dict()
    state["3.weight"] = np.zeros((2, 2))
    with pytest.raises(RuntimeError, match=r"unexpected.*3\.weight"):
        mlp().load_state_dict(state)


def test_load_state_dict_size_mismatch_names_the_key_and_both_shapes() -> None:
    state = mlp().state_dict()
    state["2.weight"] = np.zeros((5, 3), dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"2\.weight") as error:
        mlp().load_state_dict(state)
    assert "(5, 3)" in str(error.value) and "(2, 3)" in str(error.value)


def test_load_state_dict_not_strict_returns_missing_and_unexpected_keys() -> None:
    model = mlp()
    result = model.load_state_dict({"0.weight": np.zeros((3, 4)), "extra": np.zeros(1)}, strict=False)
    assert list(result.missing_keys) == ["0.bias", "2.weight", "2.bias"]
    assert list(result.unexpected_keys) == ["extra"]
    assert not np.any(model[0].weight.detach().numpy())  # the keys that matched were loaded


def test_repr_looks_like_pytorch() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 2, bias=False)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Flatten(start_dim=1, end_dim=-1)\n"
        "  (1): Linear(in_features=4, out_features=3, bias=True)\n"
        "  (2): ReLU()\n"
        "  (3): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=2, bias=False)\n"
        "  )\n"
        ")"
    )


# ----------------------------------------------------------------------------- Linear
def test_linear_computes_x_times_weight_transposed_plus_bias() -> None:
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    x = normal(2, 5, 4)  # any leading batch axes
    expected = x @ layer.weight.detach().numpy().T + layer.bias.detach().numpy()
    np.testing.assert_allclose(layer(tg.Tensor(x)).detach().numpy(), expected, rtol=1e-6)


def test_linear_default_init_is_uniform_within_one_over_sqrt_in_features() -> None:
    """PyTorch's default: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias. Uniform on [-b, b] has
    standard deviation b/sqrt(3), and its largest values come close to b."""
    tg.manual_seed(0)
    layer = nn.Linear(1024, 256)
    bound = 1 / math.sqrt(1024)
    weight, bias = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    assert np.abs(weight).max() > 0.999 * bound
    assert weight.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)
    assert abs(weight.mean()) < 0.01 * bound


def test_manual_seed_makes_init_reproducible() -> None:
    tg.manual_seed(42)
    first = nn.Linear(5, 4)
    tg.manual_seed(42)
    second = nn.Linear(5, 4)
    third = nn.Linear(5, 4)
    np.testing.assert_array_equal(first.weight.detach().numpy(), second.weight.detach().numpy())
    np.testing.assert_array_equal(first.bias.detach().numpy(), second.bias.detach().numpy())
    assert not np.array_equal(second.weight.detach().numpy(), third.weight.detach().numpy())


@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_linear_refuses_an_input_of_another_dtype_as_torch(dtype: str) -> None:
    """A float64 or integer input to a float32 layer is an error in PyTorch, not a float64 result."""
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.nn.Linear(3, 2)(torch.ones(4, 3, dtype=getattr(torch, dtype)))
    with pytest.raises(RuntimeError, match=rf"linear.*tinygrad_edu\.{dtype}.*\(4, 3\).*input\.float\(\)"):
        nn.Linear(3, 2)(tg.ones(4, 3, dtype=dtype))


def test_linear_in_float64_after_double_keeps_its_parameters_and_gradients() -> None:
    layer = nn.Linear(3, 2)
    weight = layer.weight
    x = tg.Tensor(normal(4, 3, dtype="float64"), requires_grad=True)
    layer(x.float()).sum().backward()
    assert layer.double() is layer and layer.weight is weight  # cast in place, as PyTorch
    assert weight.dtype == tg.float64 and weight.grad.dtype == tg.float64
    y = layer(x)
    assert y.dtype == tg.float64
    y.sum().backward()
    assert x.grad.dtype == tg.float64 and layer.bias.grad.dtype == tg.float64
    assert layer.float().weight.dtype == tg.float32 and layer.half().bias.dtype == tg.float16


@pytest.mark.parametrize("x_shape", [(3,), (0,)])
def test_linear_with_a_1d_weight_gives_torchs_values_and_gradients(x_shape: tuple) -> None:
    torch = pytest.importorskip("torch")
    x, w = np.arange(math.prod(x_shape), dtype=np.float32).reshape(x_shape), np.arange(x_shape[-1], dtype=np.float32)
    ours = [tg.tensor(a, requires_grad=True) for a in (x, w, np.float32(0.5))]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, np.float32(0.5))]
    y, expected = F.linear(*ours), torch.nn.functional.linear(*theirs)
    np.testing.assert_allclose(y.detach().numpy(), expected.detach().numpy())
    y.sum().backward()
    expected.sum().backward()
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())


def test_linear_without_bias() -> None:
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None
    assert names(layer.named_parameters()) == ["weight"]
    x = normal(4, 3)
    np.testing.assert_allclose(layer(tg.Tensor(x)).detach().numpy(), x @ layer.weight.detach().numpy().T, rtol=1e-6)


# ----------------------------------------------------------------------------- Flatten and activations
def test_flatten_keeps_the_batch_axis() -> None:
    x = tg.Tensor(normal(2, 3, 4, 5))
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(start_dim=2)(x).shape == (2, 3, 20)
    np.testing.assert_array_equal(nn.Flatten()(x).numpy(), x.numpy().reshape(2, 60))


ACTIVATIONS = [
    (nn.ReLU(), lambda x: x.relu()),
    (nn.LeakyReLU(0.2), lambda x: x.leaky_relu(0.2)),
    (nn.Sigmoid(), lambda x: x.sigmoid()),
    (nn.Tanh(), lambda x: x.tanh()),
    (nn.Softmax(dim=0), lambda x: x.softmax(0)),
    (nn.LogSoftmax(dim=1), lambda x: x.log_softmax(1)),
    (nn.Identity(), lambda x: x),
]


@pytest.mark.parametrize(("module", "method"), ACTIVATIONS, ids=[type(m).__name__ for m, _ in ACTIVATIONS])
def test_activation_module_equals_its_tensor_method(module: nn.Module, method: Callable) -> None:
    x = tg.Tensor(normal(3, 4))
    np.testing.assert_array_equal(module(x).numpy(), method(x).numpy())
    assert list(module.parameters()) == []


# ----------------------------------------------------------------------------- Dropout
def test_dropout_in_eval_mode_is_the_identity() -> None:
    x = tg.Tensor(normal(10, 10))
    np.testing.assert_array_equal(nn.Dropout(0.5).eval()(x).numpy(), x.numpy())


def test_dropout_zeroes_a_fraction_p_and_scales_the_rest_to_keep_the_mean() -> None:
    tg.manual_seed(0)
    p = 0.25
    y = nn.Dropout(p)(tg.ones(1000, 1000)).numpy()
    kept = y != 0
    np.testing.assert_array_equal(y[kept], np.float32(1 / (1 - p)))  # exactly 1/(1-p), nothing else
    # a million coin flips: the dropped fraction and the mean are within ~7 standard errors
    assert 1 - kept.mean() == pytest.approx(p, abs=0.003)
    assert y.mean() == pytest.approx(1.0, abs=0.004)


def test_dropout_gradient_is_the_same_mask() -> None:
    tg.manual_seed(3)
    x = tg.Tensor(normal(50, 40), requires_grad=True)
    y = nn.Dropout(0.4)(x)
    y.sum().backward()
    mask = y.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-5)


def test_dropout_is_reproducible_with_manual_seed() -> None:
    x = tg.ones(20, 30)
    tg.manual_seed(5)
    first = nn.Dropout(0.5)(x).numpy()
    tg.manual_seed(5)
    second = nn.Dropout(0.5)(x).numpy()
    third = nn.Dropout(0.5)(x).numpy()
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(second, third)


def test_dropout_p_0_keeps_everything_and_p_1_drops_everything() -> None:
    x = tg.Tensor(normal(8, 8), requires_grad=True)
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).detach().numpy(), x.detach().numpy())
    dropped = nn.Dropout(1.0)(x)
    np.testing.assert_array_equal(dropped.detach().numpy(), np.zeros((8, 8)))
    dropped.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy())) and not np.any(x.grad.numpy())


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_a_p_that_is_not_a_probability(p: float) -> None:
    with pytest.raises(ValueError, match=re.escape(str(p))):
        nn.Dropout(p)
    with pytest.raises(ValueError, match=re.escape(str(p))):
        F.dropout(tg.ones(3), p)


@pytest.mark.parametrize(("target", "expected"), [("int64", "float32"), ("float64", "float64")])
def test_mse_loss_of_a_float32_input_and_another_target_dtype_promotes_as_torch(target: str, expected: str) -> None:
    """An int64 target leaves the loss float32 (NumPy alone would make it float64); the gradient stays float32."""
    x = tg.full((2,), 0.5, requires_grad=True)
    loss = F.mse_loss(x, tg.ones(2, dtype=target))
    assert loss.dtype == expected
    loss.backward()
    assert x.grad.dtype == tg.float32


@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_dropout_refuses_integers_instead_of_truncating_the_scaled_values(dtype: str) -> None:
    """1 / (1 - p) scaling cannot be held by integers: PyTorch refuses too (in eval mode it is the identity)."""
    x = tg.ones(4, dtype=dtype)
    with pytest.raises(TypeError, match=rf"dropout: the input must be floating point, got tinygrad_edu.{dtype}"):
        F.dropout(x, 0.3)
    assert F.dropout(x, 0.3, training=False) is x


# ----------------------------------------------------------------------------- BatchNorm1d
def features_of(x: np.ndarray) -> np.ndarray:
    """(C, values) from (N, C) or (N, C, L): each row holds every value of one feature."""
    return np.moveaxis(x, 1, 0).reshape(x.shape[1], -1)


@pytest.mark.parametrize("shape", [(64, 3), (8, 3, 5)], ids=["N,C", "N,C,L"])
def test_batchnorm_training_output_has_zero_mean_and_unit_variance_per_feature(shape: tuple) -> None:
    x = normal(*shape, seed=2) * np.array([2.0, 0.5, 10.0]).reshape(1, 3, *[1] * (len(shape) - 2)) + 3.0
    y = features_of(nn.BatchNorm1d(3)(tg.Tensor(x.astype(np.float32))).detach().numpy())
    np.testing.assert_allclose(y.mean(axis=1), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=1), 1.0, atol=1e-3)  # biased variance, less eps's share


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)], ids=["N,C", "N,C,L"])
def test_batchnorm_running_statistics_use_the_unbiased_variance(shape: tuple) -> None:
    """running = (1 - momentum) * running + momentum * batch statistic, where the variance is the
    unbiased one (divided by n - 1), as PyTorch, although normalising uses the biased one."""
    momentum = 0.3
    bn = nn.BatchNorm1d(3, momentum=momentum)
    batches = [normal(*shape, seed=seed) * 2 + 1 for seed in (1, 2)]
    mean, var = np.zeros(3), np.ones(3)  # the initial running statistics
    for batch in batches:
        bn(tg.Tensor(batch))
        values = features_of(batch)
        mean = (1 - momentum) * mean + momentum * values.mean(axis=1)
        var = (1 - momentum) * var + momentum * values.var(axis=1, ddof=1)
    np.testing.assert_allclose(bn.running_mean.numpy(), mean, rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), var, rtol=1e-5)
    assert int(bn.num_batches_tracked.item()) == 2


def test_batchnorm_eval_uses_the_running_statistics_and_leaves_them_alone() -> None:
    bn = nn.BatchNorm1d(3)
    bn.load_state_dict(
        {
            "weight": np.array([1.0, 2.0, -1.0]),
            "bias": np.array([0.0, 0.5, 1.0]),
            "running_mean": np.array([1.0, -2.0, 0.5]),
            "running_var": np.array([4.0, 0.25, 1.0]),
            "num_batches_tracked": np.array(7),
        }
    )
    bn.eval()
    x = normal(5, 3, seed=4)
    expected = (x - [1.0, -2.0, 0.5]) / np.sqrt(np.array([4.0, 0.25, 1.0]) + 1e-5) * [1.0, 2.0, -1.0] + [0.0, 0.5, 1.0]
    np.testing.assert_allclose(bn(tg.Tensor(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bn.running_mean.numpy(), [1.0, -2.0, 0.5])
    np.testing.assert_array_equal(bn.running_var.numpy(), [4.0, 0.25, 1.0])
    assert int(bn.num_batches_tracked.item()) == 7
    one_sample = bn(tg.Tensor(x[:1]))  # a single sample is fine in eval, where no batch statistics are needed
    np.testing.assert_allclose(one_sample.detach().numpy(), expected[:1], rtol=1e-5, atol=1e-6)


def test_batchnorm_refuses_an_input_of_another_dtype_as_torch() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.nn.BatchNorm1d(3)(torch.ones(5, 3, dtype=torch.float64))
    with pytest.raises(RuntimeError, match=r"batch_norm.*float64.*running_var.*float32.*input\.float\(\)"):
        nn.BatchNorm1d(3)(tg.ones(5, 3, dtype="float64"))
    with pytest.raises(RuntimeError, match=r"batch_norm.*floating point.*int64"):
        nn.BatchNorm1d(3)(tg.ones(5, 3, dtype="int64"))
    bn = nn.BatchNorm1d(3).double()  # the fix the message names, the other way round
    assert bn(tg.ones(5, 3, dtype="float64")).dtype == tg.float64 and bn.running_var.dtype == tg.float64


@pytest.mark.parametrize("shape", [(2, 4), (2, 3, 4, 5), (3,)])
def test_batchnorm_wrong_input_shape_is_an_error_that_shows_both_shapes(shape: tuple) -> None:
    with pytest.raises(ValueError, match=re.escape(str(shape))) as error:
        nn.BatchNorm1d(3)(tg.Tensor(np.zeros(shape)))
    assert "(N, 3)" in str(error.value)


# ----------------------------------------------------------------------------- losses, by hand
LOGITS = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [-1.0, 0.0, 3.0]])
CLASSES = np.array([0, 2, 2])
PREDICTIONS = np.array([[1.0, -2.0], [0.5, 3.0]])
TARGETS = np.array([[1.5, 0.0], [-0.5, 1.0]])
PROBABILITIES = np.array([0.9, 0.2, 0.6, 0.5])
LABELS = np.array([1.0, 0.0, 0.0, 0.7])
SCORES = np.array([2.0, -1.0, 0.0, 4.0])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _log_softmax(x: np.ndarray) -> np.ndarray:
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


# (name, functional, module class, prediction, target, per-element losses computed with NumPy)
LOSS_CASES = [
    ("cross_entropy", F.cross_entropy, nn.CrossEntropyLoss, LOGITS, CLASSES, -_log_softmax(LOGITS)[[0, 1, 2], CLASSES]),
    ("nll_loss", F.nll_loss, nn.NLLLoss, LOGITS, CLASSES, -LOGITS[[0, 1, 2], CLASSES]),
    ("mse_loss", F.mse_loss, nn.MSELoss, PREDICTIONS, TARGETS, (PREDICTIONS - TARGETS) ** 2),
    ("l1_loss", F.l1_loss, nn.L1Loss, PREDICTIONS, TARGETS, np.abs(PREDICTIONS - TARGETS)),
    (
        "binary_cross_entropy",
        F.binary_cross_entropy,
        nn.BCELoss,
        PROBABILITIES,
        LABELS,
        -(LABELS * np.log(PROBABILITIES) + (1 - LABELS) * np.log(1 - PROBABILITIES)),
    ),
    (
        "binary_cross_entropy_with_logits",
        F.binary_cross_entropy_with_logits,
        nn.BCEWithLogitsLoss,
        SCORES,
        LABELS,
        -(LABELS * np.log(_sigmoid(SCORES)) + (1 - LABELS) * np.log(1 - _sigmoid(SCORES))),
    ),
]
REDUCE = {"mean": np.mean, "sum": np.sum, "none": lambda losses: losses}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    ("function", "module", "prediction", "target", "losses"),
    [c[1:] for c in LOSS_CASES],
    ids=[c[0] for c in LOSS_CASES],
)
def test_loss_equals_numpy_for_every_reduction(
    function: Callable, module: type, prediction: np.ndarray, target: np.ndarray, losses: np.ndarray, reduction: str
) -> None:
    expected = REDUCE[reduction](losses)
    from_function = function(tg.Tensor(prediction, dtype="float64"), target, reduction=reduction)
    from_module = module(reduction=reduction)(tg.Tensor(prediction, dtype="float64"), tg.Tensor(target))
    np.testing.assert_allclose(from_function.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(from_module.numpy(), expected, rtol=1e-12)


def test_cross_entropy_with_class_probabilities() -> None:
    """Soft labels (N, C): the loss is -sum_c p_c log softmax(x)_c per sample."""
    probabilities = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    expected = -(probabilities * _log_softmax(LOGITS)).sum(axis=1).mean()
    loss = F.cross_entropy(tg.Tensor(LOGITS, dtype="float64"), tg.Tensor(probabilities, dtype="float64"))
    assert loss.item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.filterwarnings("error")  # an overflow in exp would warn
def test_cross_entropy_is_stable_for_huge_logits() -> None:
    logits = tg.Tensor([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]], requires_grad=True)
    loss = F.cross_entropy(logits, np.array([1, 2]))
    loss.backward()
    # sample 1 puts all probability on class 0: loss 1e4; sample 2 splits it over classes 1 and 2: log 2
    assert loss.item() == pytest.approx((1e4 + math.log(2)) / 2)
    # the gradient is (softmax - one hot) / N
    np.testing.assert_allclose(logits.grad.numpy(), [[0.5, -0.5, 0.0], [0.0, 0.25, -0.25]], atol=1e-7)


def test_bce_with_logits_gradient_at_a_zero_logit_is_sigmoid_minus_target() -> None:
    """A zero-initialised output layer gives logits of exactly 0, where sigmoid(0) - t = 0.5 - t."""
    logits = tg.Tensor([0.0, 0.0], requires_grad=True)
    F.binary_cross_entropy_with_logits(logits, tg.Tensor([0.0, 1.0]), reduction="sum").backward()
    np.testing.assert_allclose(logits.grad.numpy(), [0.5, -0.5])


# ----------------------------------------------------------------------------- losses, errors
def test_cross_entropy_float_class_indices_are_an_error_that_asks_for_integers() -> None:
    """Labels read from a float array, [0., 2., 1.], are neither class indices nor (N, C) probabilities."""
    with pytest.raises((TypeError, ValueError)) as error:
        F.cross_entropy(tg.Tensor(np.zeros((3, 4))), tg.Tensor([0.0, 2.0, 1.0]))
    message = str(error.value)
    assert "(3, 4)" in message and "(3,)" in message
    assert re.search(r"integer|int64", message), f"the message should say class indices are integers: {message}"


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
@pytest.mark.parametrize("bad_class", [4, -1])
def test_target_class_out_of_range_names_the_class_and_the_number_of_classes(loss: Callable, bad_class: int) -> None:
    with pytest.raises(IndexError, match=rf"class {bad_class}\b.*\b4 classes"):
        loss(tg.Tensor(np.zeros((3, 4))), np.array([0, bad_class, 1]))


def test_mse_loss_refuses_to_broadcast_column_against_row() -> None:
    """(N, 1) - (N,) broadcasts to (N, N): every prediction compared with every target, silently."""
    with pytest.raises(ValueError, match="broadcast") as error:
        F.mse_loss(tg.Tensor(np.zeros((3, 1))), tg.Tensor(np.zeros(3)))
    assert "(3, 1)" in str(error.value) and "(3,)" in str(error.value)


@pytest.mark.parametrize("probability", [-0.1, 1.2])
def test_bce_input_outside_0_1_suggests_sigmoid_or_with_logits(probability: float) -> None:
    with pytest.raises(ValueError, match=r"sigmoid.*with_logits|with_logits.*sigmoid"):
        nn.BCELoss()(tg.Tensor([0.5, probability]), tg.Tensor([1.0, 0.0]))


@pytest.mark.parametrize("name", [c[0] for c in LOSS_CASES])
def test_unknown_reduction_is_an_error(name: str) -> None:
    function, module, prediction, target = next(c[1:5] for c in LOSS_CASES if c[0] == name)
    with pytest.raises(ValueError, match="'avg'"):
        function(tg.Tensor(prediction), target, reduction="avg")
    with pytest.raises(ValueError, match="'avg'"):
        module(reduction="avg")


# ----------------------------------------------------------------------------- nn.init
FAN_OUT, FAN_IN = 512, 256  # a (512, 256) weight: 256 inputs and 512 outputs per unit

UNIFORM_INITS = [  # (init, keyword arguments, the bound b of U(-b, b) by its formula)
    (nn.init.xavier_uniform_, {}, math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (nn.init.xavier_uniform_, {"gain": 5 / 3}, 5 / 3 * math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (nn.init.kaiming_uniform_, {}, math.sqrt(3) * math.sqrt(2) / math.sqrt(FAN_IN)),  # leaky_relu gain, slope 0
    (nn.init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(6 / FAN_OUT)),
]
NORMAL_INITS = [  # (init, keyword arguments, the std of N(0, std**2) by its formula)
    (nn.init.xavier_normal_, {}, math.sqrt(2 / (FAN_IN + FAN_OUT))),
    (nn.init.kaiming_normal_, {}, math.sqrt(2 / FAN_IN)),
    (nn.init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2 / FAN_OUT)),
]


@pytest.mark.parametrize(("init", "kwargs", "bound"), UNIFORM_INITS)
def test_uniform_init_fills_the_bound_of_its_formula(init: Callable, kwargs: dict, bound: float) -> None:
    tg.manual_seed(0)
    weight = tg.zeros(FAN_OUT, FAN_IN)
    assert init(weight, **kwargs) is weight
    values = weight.numpy()
    assert np.abs(values).max() <= bound * (1 + 1e-6) and np.abs(values).max() > 0.999 * bound
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


@pytest.mark.parametrize(("init", "kwargs", "std"), NORMAL_INITS)
def test_normal_init_has_the_std_of_its_formula(init: Callable, kwargs: dict, std: float) -> None:
    tg.manual_seed(0)
    values = init(tg.zeros(FAN_OUT, FAN_IN), **kwargs).numpy()
    assert values.std() == pytest.approx(std, rel=0.01)
    assert abs(values.mean()) < 0.01 * std


def test_zeros_and_ones_init() -> None:
    weight = tg.Tensor(normal(3, 4))
    np.testing.assert_array_equal(nn.init.zeros_(weight).numpy(), np.zeros((3, 4)))
    np.testing.assert_array_equal(nn.init.ones_(weight).numpy(), np.ones((3, 4)))


def test_calculate_gain() -> None:
    gain = nn.init.calculate_gain
    assert gain("linear") == gain("sigmoid") == 1.0
    assert gain("tanh") == pytest.approx(5 / 3)
    assert gain("relu") == pytest.approx(math.sqrt(2))
    assert gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / (1 + 0.2**2)))
    with pytest.raises(ValueError, match="'swish'"):
        gain("swish")


# ----------------------------------------------------------------------------- nn.summary
def summary_row(text: str, layer: str) -> str:
    (row,) = [line for line in text.splitlines() if layer in line]
    return row


def test_summary_of_a_flatten_linear_model() -> None:
    text = str(nn.summary(nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), (28, 28)))
    assert "(None, 784)" in summary_row(text, "Flatten")
    assert "(None, 10)" in summary_row(text, "Linear")
    assert re.search(r"\b7,?850\b", summary_row(text, "Linear"))
    assert "Total params: 7,850" in text
    assert "Trainable params: 7,850" in text and "Non-trainable params: 0" in text


def test_summary_of_a_model_with_batchnorm_counts_frozen_params_and_changes_nothing() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    for p in model[0].parameters():
        p.requires_grad = False  # a frozen first layer: 4 * 8 + 8 = 40 parameters
    result = nn.summary(model, (4,))
    text = str(result)
    assert "(None, 8)" in summary_row(text, "BatchNorm1d")
    assert re.search(r"\b16\b", summary_row(text, "BatchNorm1d"))  # weight and bias; buffers are not parameters
    assert (result.total_params, result.trainable_params, result.non_trainable_params) == (74, 34, 40)
    assert "Total params: 74" in text and "Trainable params: 34" in text and "Non-trainable params: 40" in text
    # summary runs one forward pass, but must not train the model's statistics or change its mode
    assert model.training and model[1].training
    np.testing.assert_array_equal(model[1].running_mean.numpy(), np.zeros(8))
    assert int(model[1].num_batches_tracked.item()) == 0


# ----------------------------------------------------------------------------- hooks
class Scale(nn.Module):
    """forward(x, factor=1) = x * factor: works on plain numbers, so hooks are easy to follow."""

    def forward(self, x: float, factor: float = 1.0) -> float:
        return x * factor


def assert_no_global_hooks() -> None:
    assert not nn.module._global_forward_pre_hooks and not nn.module._global_forward_hooks
    assert nn.Module._hooked is False


def test_a_forward_pre_hook_can_replace_the_arguments() -> None:
    layer, x = nn.Linear(2, 1), tg.Tensor([[1.0, 2.0]])
    with layer.register_forward_pre_hook(lambda module, args: args[0] * 0):  # not a tuple: wrapped in one
        out = layer(x)
        assert out.shape == (1, 1) and np.allclose(out.detach().numpy(), layer.bias.detach().numpy())
    with layer.register_forward_pre_hook(lambda module, args: (args[0] * 2,)):
        assert np.allclose(
            layer(x).detach().numpy(),
            (x.detach().numpy() * 2) @ layer.weight.detach().numpy().T + layer.bias.detach().numpy(),
        )
    seen = []
    with layer.register_forward_pre_hook(lambda module, args: seen.append(args)):  # None: arguments kept
        assert np.allclose(
            layer(x).detach().numpy(),
            x.detach().numpy() @ layer.weight.detach().numpy().T + layer.bias.detach().numpy(),
        )
    assert seen == [(x,)]


def test_a_forward_hook_sees_the_arguments_forward_got_and_can_replace_the_output() -> None:
    module, seen = Scale(), []
    module.register_forward_pre_hook(lambda m, args: (args[0] + 1,))
    module.register_forward_hook(lambda m, args, output: seen.append((args, output)))  # None: output kept
    module.register_forward_hook(lambda m, args, kwargs, output: output + kwargs["factor"], with_kwargs=True)
    assert module(2, factor=10) == 40  # (2 + 1) * 10, then + 10
    assert seen == [((3,), 30)]


def hook_calls(library: Any, global_hooks: Any) -> list[str]:
    """Which hooks ran, in order, for Sequential(Identity())(3) in ``library`` (ours or torch.nn), with
    two global pre-hooks, a global forward hook, and a pre-hook and a forward hook of the Identity's
    own (registered forward hook first: the kinds still run in their order)."""
    inner, calls = library.Identity(), []
    outer = library.Sequential(inner)

    def note(name: str) -> Callable:
        return lambda module, *rest: calls.append(f"{name} {type(module).__name__}")

    inner.register_forward_hook(note("own hook"))
    inner.register_forward_pre_hook(note("own pre"))
    with (
        global_hooks.register_module_forward_hook(note("global hook")),
        global_hooks.register_module_forward_pre_hook(note("global pre 1")),
        global_hooks.register_module_forward_pre_hook(note("global pre 2")),
    ):
        assert outer(3) == 3
    return calls


def test_global_hooks_run_for_every_module_before_each_modules_own_in_registration_order() -> None:
    assert hook_calls(nn, nn) == [
        "global pre 1 Sequential",
        "global pre 2 Sequential",
        "global pre 1 Identity",
        "global pre 2 Identity",
        "own pre Identity",
        "global hook Identity",
        "own hook Identity",
        "global hook Sequential",
    ]
    assert_no_global_hooks()


def test_a_handle_removes_its_hook_once_also_as_a_context_manager_and_on_errors() -> None:
    module, calls = Scale(), []
    first = module.register_forward_hook(lambda m, args, output: calls.append("first"))
    second = module.register_forward_hook(lambda m, args, output: calls.append("second"))
    first.remove()
    first.remove()  # again: nothing happens, the other hook stays
    module(1)
    assert calls == ["second"]
    second()  # calling a handle is remove()
    with pytest.raises(RuntimeError), nn.register_module_forward_hook(lambda m, a, o: calls.append("global")):
        module(1)
        raise RuntimeError("an error inside the block")
    module(1)
    assert calls == ["second", "global"]
    assert_no_global_hooks()
    assert "_hooked" not in module.__dict__


def test_without_hooks_a_call_runs_forward_once_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    class Counting(nn.Module):
        calls = 0

        def forward(self, x: float) -> float:
            self.calls += 1
            return x + 1

    module = Counting()
    module.register_forward_hook(lambda m, args, output: None).remove()
    nn.register_module_forward_pre_hook(lambda m, args: None).remove()
    assert_no_global_hooks()

    def no_hooks_expected(*args: object) -> None:
        raise AssertionError("Module.__call__ took the path for hooks without any hook registered")

    monkeypatch.setattr(nn.Module, "_call_with_hooks", no_hooks_expected)
    assert module(1) == 2 and module.calls == 1


def test_a_deep_copy_keeps_its_hooks() -> None:
    module = Scale()
    handle = module.register_forward_hook(lambda m, args, output: output * 2)
    twin = copy.deepcopy(module)
    handle.remove()
    assert module(3) == 3 and twin(3) == 6


def test_a_handle_keeps_no_module_alive_and_a_hook_must_be_callable() -> None:
    module = Scale()
    handle, alive = module.register_forward_pre_hook(lambda m, args: None), weakref.ref(module)
    del module
    assert alive() is None
    handle.remove()  # its module is gone: nothing to do
    assert_no_global_hooks()
    with pytest.raises(TypeError, match=r"a hook must be a function .*got a str"):
        Scale().register_forward_hook("print")


# ----------------------------------------------------------------------------- PyTorch as an oracle
@pytest.fixture
def torch():
    """PyTorch, when installed; the test is skipped otherwise."""
    return pytest.importorskip("torch")


def as_numpy_state(torch_module) -> dict[str, np.ndarray]:
    return {name: value.detach().numpy() for name, value in torch_module.state_dict().items()}


def test_hooks_run_in_the_order_torch_runs_them(torch) -> None:
    assert hook_calls(nn, nn) == hook_calls(torch.nn, torch.nn.modules.module)


def test_linear_matches_torch(torch) -> None:
    theirs = torch.nn.Linear(4, 3)
    ours = nn.Linear(4, 3)
    ours.load_state_dict(as_numpy_state(theirs))
    x = normal(2, 5, 4)
    g = normal(2, 5, 3, seed=1)
    x_theirs = torch.tensor(x, requires_grad=True)
    theirs(x_theirs).backward(torch.tensor(g))
    x_ours = tg.Tensor(x, requires_grad=True)
    out = ours(x_ours)
    out.backward(tg.Tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), theirs(x_theirs).detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)], ids=["N,C", "N,C,L"])
def test_batchnorm_matches_torch_in_training_and_eval(torch, shape: tuple) -> None:
    theirs = torch.nn.BatchNorm1d(3).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([1.5, -0.5, 2.0]))
        theirs.bias.copy_(torch.tensor([0.1, 0.2, -0.3]))
    ours = nn.BatchNorm1d(3).double()
    ours.load_state_dict(as_numpy_state(theirs))
    x = normal(*shape, dtype="float64") * 3 + 1
    g = normal(*shape, seed=1, dtype="float64")

    x_theirs = torch.tensor(x, requires_grad=True)
    y_theirs = theirs(x_theirs)
    y_theirs.backward(torch.tensor(g))
    x_ours = tg.Tensor(x, requires_grad=True)
    y_ours = ours(x_ours)
    y_ours.backward(tg.Tensor(g))

    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-5, atol=1e-5)
    for name, value in as_numpy_state(theirs).items():  # running statistics after the step
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), value, rtol=1e-5, err_msg=name)

    x_eval = normal(*shape, seed=2, dtype="float64")
    expected = theirs.eval()(torch.tensor(x_eval)).detach().numpy()
    np.testing.assert_allclose(ours.eval()(tg.Tensor(x_eval)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


TORCH_LOSSES = [  # (our module, PyTorch's module name, prediction, target: float targets are differentiated)
    (nn.CrossEntropyLoss, "CrossEntropyLoss", LOGITS, CLASSES),
    (nn.CrossEntropyLoss, "CrossEntropyLoss", LOGITS, np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])),
    (nn.NLLLoss, "NLLLoss", _log_softmax(LOGITS), CLASSES),
    (nn.BCELoss, "BCELoss", PROBABILITIES, LABELS),
    (nn.BCEWithLogitsLoss, "BCEWithLogitsLoss", SCORES, LABELS),
    (nn.MSELoss, "MSELoss", PREDICTIONS, TARGETS),
    (nn.L1Loss, "L1Loss", PREDICTIONS, TARGETS),
]
TORCH_LOSS_IDS = ["CrossEntropyLoss", "CrossEntropyLoss-probabilities", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]
TORCH_LOSS_IDS += ["MSELoss", "L1Loss"]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("ours", "name", "prediction", "target"), TORCH_LOSSES, ids=TORCH_LOSS_IDS)
def test_loss_matches_torch(torch, ours: type, name: str, prediction: np.ndarray, target: np.ndarray, reduction: str):
    """The loss and the gradients of input and (float) target, for a random upstream gradient."""
    differentiable_target = target.dtype.kind == "f"
    x_theirs = torch.tensor(prediction, requires_grad=True)
    t_theirs = torch.tensor(target, requires_grad=differentiable_target)
    loss_theirs = getattr(torch.nn, name)(reduction=reduction)(x_theirs, t_theirs)
    g = normal(*loss_theirs.shape, dtype="float64")
    loss_theirs.backward(torch.tensor(g))

    x_ours = tg.Tensor(prediction, requires_grad=True)
    t_ours = tg.Tensor(target, requires_grad=differentiable_target)
    loss_ours = ours(reduction=reduction)(x_ours, t_ours)
    loss_ours.backward(tg.Tensor(g))

    np.testing.assert_allclose(loss_ours.detach().numpy(), loss_theirs.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    if differentiable_target:
        np.testing.assert_allclose(t_ours.grad.numpy(), t_theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- containers as PyTorch
def test_slicing_a_sequential_keeps_the_layer_names():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert list(model[1:].state_dict()) == ["2.weight", "2.bias"]  # as torch: names do not shift


def test_a_layer_registered_twice_is_in_the_state_dict_under_both_names():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, shared)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert len(list(model.parameters())) == 2  # but it is one set of parameters


def test_an_empty_sequential_is_still_a_submodule():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential())
    assert [name for name, _ in model.named_modules()] == ["", "0", "1"]
    model.eval()
    assert model[1].training is False


def test_zero_grad_without_none_cuts_a_create_graph_gradient_off_its_graph():
    layer = nn.Linear(2, 1)
    (layer(tg.Tensor([[1.0, 2.0]])) ** 2).sum().backward(create_graph=True)
    assert layer.weight.grad.grad_fn is not None
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad.grad_fn is None
    np.testing.assert_array_equal(layer.weight.grad.numpy(), 0.0)


# ----------------------------------------------------------------------------- bad input and edge values, as PyTorch
EMPTY_BATCH_LOSSES = {
    "cross_entropy": (lambda lib: lib.zeros(0, 3), lambda lib: lib.zeros(0, dtype=lib.int64)),
    "nll_loss": (lambda lib: lib.zeros(0, 3), lambda lib: lib.zeros(0, dtype=lib.int64)),
    "mse_loss": (lambda lib: lib.zeros(0), lambda lib: lib.zeros(0)),
    "l1_loss": (lambda lib: lib.zeros(0), lambda lib: lib.zeros(0)),
    "binary_cross_entropy": (lambda lib: lib.zeros(0), lambda lib: lib.zeros(0)),
    "binary_cross_entropy_with_logits": (lambda lib: lib.zeros(0), lambda lib: lib.zeros(0)),
}


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", list(EMPTY_BATCH_LOSSES))
def test_the_loss_of_an_empty_batch_is_torchs_and_backward_gives_an_empty_gradient(
    name: str, reduction: str, device: str
) -> None:
    """mean: NaN (0 / 0), sum: 0, as PyTorch; the backward works and gives the empty input its gradient."""
    torch = pytest.importorskip("torch")
    make_input, make_target = EMPTY_BATCH_LOSSES[name]
    expected = getattr(torch.nn.functional, name)(make_input(torch), make_target(torch), reduction=reduction)
    x = make_input(tg).to(device).requires_grad_()
    loss = getattr(F, name)(x, make_target(tg).to(device), reduction=reduction)
    np.testing.assert_equal(float(loss.item()), float(expected))
    assert loss.dtype == tg.float32
    loss.backward()
    assert x.grad is not None and x.grad.shape == x.shape


def test_the_mean_loss_of_an_empty_batch_warns_of_nothing() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(F.l1_loss(tg.zeros(0), tg.zeros(0)).item())


@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss])
def test_a_regression_loss_against_integer_targets_stays_float32_as_torch(loss: Callable) -> None:
    torch = pytest.importorskip("torch")
    prediction, target = np.array([0.2, 0.7], dtype=np.float32), np.array([1, 0])
    expected = getattr(torch.nn.functional, loss.__name__)(torch.tensor(prediction), torch.tensor(target))
    result = loss(tg.Tensor(prediction), tg.Tensor(target))
    assert result.dtype == tg.float32
    np.testing.assert_allclose(result.item(), expected.item(), rtol=1e-6)


@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
@pytest.mark.parametrize("layer", ["Softmax", "LogSoftmax"])
def test_softmax_without_dim_uses_torchs_implicit_axis_and_warns(layer: str, shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    x = normal(*shape)
    with pytest.warns(UserWarning, match="(?i)implicit dimension"):
        expected = getattr(torch.nn, layer)()(torch.tensor(x)).numpy()
    with pytest.warns(UserWarning, match="(?i)implicit dimension"):
        ours = getattr(nn, layer)()(tg.Tensor(x)).numpy()
    with pytest.warns(UserWarning, match="(?i)implicit dimension"):
        functional = getattr(F, layer.lower().replace("logsoftmax", "log_softmax"))(tg.Tensor(x)).numpy()
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(functional, expected, rtol=1e-5, atol=1e-6)


def test_batchnorm_momentum_none_keeps_the_cumulative_average_as_torch() -> None:
    torch = pytest.importorskip("torch")
    batches = [normal(5, 3) + i for i in range(3)]
    ours, theirs = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None)
    for batch in batches:
        ours(tg.Tensor(batch))
        theirs(torch.tensor(batch))
    np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-5)


def test_load_state_dict_changes_nothing_when_a_later_value_is_refused() -> None:
    model = nn.Linear(3, 2)
    before = model.weight.detach().numpy().copy()
    state = {"weight": np.ones((2, 3), dtype=np.float32), "bias": np.ones(3, dtype=np.float32)}
    with pytest.raises(RuntimeError, match="size mismatch for bias"):
        model.load_state_dict(state)
    np.testing.assert_array_equal(model.weight.detach().numpy(), before)


def test_add_module_none_registers_a_placeholder_and_a_module_can_replace_it() -> None:
    model = nn.Module()
    model.add_module("head", None)
    assert "head" in model._modules and model.head is None and list(model.children()) == []
    model.add_module("head", nn.Linear(2, 1))
    assert [name for name, _ in model.named_parameters()] == ["head.weight", "head.bias"]


def test_register_parameter_replaces_a_parameter_of_the_same_name_as_torch() -> None:
    layer = nn.Linear(2, 2)
    layer.register_parameter("bias", nn.Parameter(np.zeros(5, dtype=np.float32)))
    assert layer.bias.shape == (5,) and layer.state_dict()["bias"].shape == (5,)


def test_parameter_without_data_is_empty_and_identity_ignores_its_arguments_as_torch() -> None:
    assert nn.Parameter().shape == (0,) and nn.Parameter().requires_grad
    x = tg.Tensor([1.0])
    assert nn.Identity(54, unused="argument")(x) is x


def test_linear_accepts_numpy_integers_as_sizes() -> None:
    layer = nn.Linear(np.int64(3), np.int32(2))
    assert (layer.in_features, layer.out_features) == (3, 2) and type(layer.in_features) is int


def test_init_of_a_zero_size_weight_leaves_it_empty_without_dividing_by_zero() -> None:
    weight = tg.zeros(0, 0)
    assert nn.init.xavier_uniform_(weight) is weight and nn.init.xavier_normal_(weight).shape == (0, 0)


def test_conv_nonlinearities_have_torchs_gain_of_one() -> None:
    torch = pytest.importorskip("torch")
    for name in ("conv1d", "conv2d", "conv_transpose3d"):
        assert nn.init.calculate_gain(name) == torch.nn.init.calculate_gain(name) == 1


def test_assigned_grad_is_checked_but_backward_and_to_still_set_it(device: str) -> None:
    layer = nn.Linear(3, 2).to(device)
    layer(tg.ones(4, 3, device=device)).sum().backward()
    grad = layer.weight.grad
    layer.to(dtype="float64")  # the grad is recast with the parameter: the setter sees them agree
    assert layer.weight.grad.dtype == tg.float64 and layer.weight.grad is not grad
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor"):
        layer.weight.grad = np.zeros((2, 3))
    assert layer.weight.grad.dtype == tg.float64  # a refused assignment keeps the old gradient


def test_layers_take_torchs_inplace_flag_and_print_as_torch() -> None:
    """``nn.ReLU(inplace=True)`` is common in PyTorch programs: accepted, computed out of place
    (the same values), and printed as torch prints it."""
    torch = pytest.importorskip("torch")
    layers = [("ReLU", (), {"inplace": True}), ("LeakyReLU", (0.1, True), {}), ("Dropout", (0.2,), {"inplace": True})]
    x = np.array([[-1.0, 2.0, -3.0]], dtype=np.float32)
    for name, args, kwargs in layers:
        ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
        assert repr(ours) == repr(theirs)
        ours.eval(), theirs.eval()
        np.testing.assert_allclose(ours(tg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(F.relu(tg.tensor(x), inplace=True).numpy(), [[0.0, 2.0, 0.0]])
