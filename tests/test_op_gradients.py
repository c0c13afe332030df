"""Every op's gradient, proved: the table ``tinygrad_edu.testing.OP_SPECS`` drives each test.

For one op f, an input x and an upstream gradient g (what the loss's gradient w.r.t. f's output
would be), backward must give the vector-Jacobian product

    x.grad[k] = sum_i g_i * d f_i / d x_k.

The test computes the same number without any calculus, by central differences:

    x.grad[k] ~ (sum(g * f(x + eps e_k)) - sum(g * f(x - eps e_k))) / (2 eps),

which is accurate to O(eps**2) in float64. Hypothesis draws the shapes, axes, indices and
values (``tests/strategies.py``), and a random g, so every op is checked on broadcasting,
0-d tensors, size-1 dimensions, negative axes and repeated indices, not on one hand-picked example.

Every check runs on each device (the ``device`` fixture): on the GPU the op computes there, its
forward and gradients are compared with the same references, and with the CPU's results for the
same inputs. The central differences themselves are always computed on the CPU: they are the oracle.

Layers and losses are rows too (linear, batch_norm, cross_entropy, ...): every differentiable
argument (a loss's target included, where it has a derivative) is checked the same way, and the
integer class targets, passed as parameters, must come out of backward untouched and gradient-free.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import CASES_BY_KIND, OpCase, op_cases

import tinygrad_edu as tg
from tinygrad_edu import backend, ops
from tinygrad_edu.nn import functional
from tinygrad_edu.testing import OP_SPECS, SPECS_BY_NAME, OpSpec, example_arguments

EPS = 1e-6  # central-difference step, in float64
RTOL, ATOL = 1e-5, 1e-6  # backward vs central differences
FORWARD_RTOL, FORWARD_ATOL = 1e-10, 1e-12  # forward vs NumPy: the same formula up to rounding
DEVICE_RTOL, DEVICE_ATOL = 1e-10, 1e-12  # GPU vs CPU gradients: the same formula, reductions may sum in another order

SMOOTH_SPECS = [spec for spec in OP_SPECS if spec.smooth]
# gradgradcheck builds full Jacobians of the backward pass: a third of the profile's examples
GRADGRAD_EXAMPLES = max(5, settings().max_examples // 3)


def spec_id(spec: OpSpec) -> str:
    return spec.name


# ----------------------------------------------------------------------------- helpers
def as_tensors(
    case: OpCase, arrays: tuple[np.ndarray, ...] | None = None, requires_grad: bool = True, device: str = "cpu"
) -> list:
    """The positional arguments of ``spec.fn``: the where-condition (if any), then float64 inputs."""
    arrays = case.arrays if arrays is None else arrays
    tensors = [tg.Tensor(a, dtype=np.float64, requires_grad=requires_grad, device=device) for a in arrays]
    return tensors if case.condition is None else [tg.Tensor(case.condition, device=device), *tensors]


def params_on(params: dict[str, Any], device: str) -> dict[str, Any]:
    """Keyword arguments with their arrays and tensors (targets, indices) moved to ``device``."""

    def moved(value: Any) -> Any:
        if isinstance(value, tg.Tensor):
            return value.to(device)
        return backend.to_device(value, device) if isinstance(value, np.ndarray) else value

    return {name: moved(value) for name, value in params.items()}


def differentiable(case: OpCase, tensors: list) -> list:
    """The inputs that receive gradients (everything but the where-condition)."""
    return tensors if case.condition is None else tensors[1:]


def evaluate(spec: OpSpec, case: OpCase, arrays: tuple[np.ndarray, ...]) -> np.ndarray:
    """f(arrays) as a NumPy array, without recording a graph."""
    with tg.no_grad():
        return spec.fn(*as_tensors(case, arrays, requires_grad=False), **case.params).numpy()


def central_difference(spec: OpSpec, case: OpCase, position: int, g: np.ndarray, eps: float = EPS) -> np.ndarray:
    """d sum(g * f) / d x for input ``position``, one element at a time, by central differences.

    ``sum(g * (f(x + eps e_k) - f(x - eps e_k)))`` is the difference of the two sums in the
    module docstring, with the subtraction done per output element first: outputs that x_k does
    not touch then cancel exactly instead of adding rounding noise.
    """
    x = case.arrays[position]
    numerical = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        moved = []
        for step in (eps, -eps):
            shifted = x.copy()
            shifted[k] += step
            arrays = (*case.arrays[:position], shifted, *case.arrays[position + 1 :])
            moved.append(evaluate(spec, case, arrays))
        numerical[k] = np.sum(g * (moved[0] - moved[1])) / (2 * eps)
    return numerical


def numpy_reference(spec: OpSpec, case: OpCase, device: str = "cpu") -> np.ndarray:
    """The row's NumPy reference on the case (a row that draws random numbers redraws them on ``device``)."""
    condition = () if case.condition is None else (case.condition,)
    params = {**case.params, "device": device} if spec.draws_random else case.params
    return np.asarray(spec.reference(*condition, *case.arrays, **params))


# ----------------------------------------------------------------------------- the table is complete
# A class the rows cannot reach, with the reason and where its gradient is proved instead.
UNREACHABLE_FUNCTIONS = {
    "Cast": "changes the dtype, while every row computes in float64 (test_dtypes.py checks its gradient)",
    "ToDevice": "moves between devices, while every row runs on one (test_devices.py checks its gradient)",
}


def _op_modules() -> list[ModuleType]:
    """The modules that define the library's Functions, and their submodules where one is a package."""
    modules = [ops, functional]
    for package in [m for m in modules if hasattr(m, "__path__")]:
        found = pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
        modules += [importlib.import_module(info.name) for info in found]
    return modules


def library_functions() -> dict[str, type[tg.Function]]:
    """Every Function subclass the library's op modules define, by name."""
    return {
        value.__name__: value
        for module in _op_modules()
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, tg.Function)
        and value is not tg.Function
        and value.__module__.startswith("tinygrad_edu.")
    }


def _graph_node_types(outputs: list[tg.Tensor]) -> set[type]:
    """The types of every node in the graph that made ``outputs``, walked from them to the leaves."""
    types: set[type] = set()
    seen: set[int] = set()
    stack = [out.grad_fn for out in outputs]
    while stack:
        node = stack.pop()
        if not isinstance(node, tg.Function) or id(node) in seen:  # None, or a leaf's AccumulateGrad
            continue
        seen.add(id(node))
        types.add(type(node))
        stack.extend(next_node for next_node, _ in node.next_functions)
    return types


@functools.cache
def functions_reached_by_rows() -> frozenset[type]:
    """The Function types in each row's graph on its small example, and, for the smooth rows (whose
    backward gradgradcheck differentiates), in the graph of their gradients v^T J as well."""
    reached: set[type] = set()
    for spec in OP_SPECS:
        inputs, params = example_arguments(spec, np.random.default_rng(0))
        out = spec.fn(*inputs, **params)
        reached |= _graph_node_types([out])
        if spec.smooth:
            wrt = [x for x in inputs if x.requires_grad]
            v = tg.ones_like(out).requires_grad_()  # as gradgradcheck's v: the gradient is a function of it too
            grads = tg.grad(out, wrt, v, create_graph=True, allow_unused=True)
            reached |= _graph_node_types([g for g in grads if g is not None])
    return frozenset(reached)


@pytest.mark.parametrize("name", sorted(library_functions()))
def test_every_function_is_reached_by_a_row(name: str) -> None:
    """Each Function the library defines is in the graph of at least one row of OP_SPECS, so the
    tests below prove its gradient; a class no row can reach is listed in UNREACHABLE_FUNCTIONS."""
    reached = library_functions()[name] in functions_reached_by_rows()
    if name in UNREACHABLE_FUNCTIONS:
        assert not reached, f"{name} is reached by a row now: remove it from UNREACHABLE_FUNCTIONS"
    else:
        assert reached, f"no row of OP_SPECS reaches {name}: add one to tinygrad_edu/testing/optable.py"


def test_unreachable_functions_exist() -> None:
    """Every name excused from the rows is a Function the library defines (none is left behind)."""
    assert set(UNREACHABLE_FUNCTIONS) <= set(library_functions())


@pytest.mark.parametrize("spec", OP_SPECS, ids=spec_id)
def test_every_spec_can_be_generated_and_has_a_reference(spec: OpSpec) -> None:
    """Each row's kind has a strategy in tests/strategies.py and its op a NumPy reference."""
    assert spec.kind in CASES_BY_KIND, f"{spec.name}: unknown kind {spec.kind!r}"
    assert callable(spec.reference), f"{spec.name}: give its row a NumPy reference"


def test_a_row_of_an_unknown_kind_is_refused_with_the_known_kinds() -> None:
    with pytest.raises(ValueError, match=r"OpSpec 'cube': unknown kind 'unery'; use one of unary, binary, reduce"):
        OpSpec("cube", lambda lib, x: x**3, lambda x: x**3, "unery")


# ----------------------------------------------------------------------------- forward
def check_forward(spec: OpSpec, case: OpCase, device: str = "cpu") -> None:
    """The output has NumPy's shape (broadcasting, reduced axes, matmul batches, advanced
    indexing), float64 stays float64, the values equal NumPy's, and it lives on the inputs' device."""
    out = spec.fn(*as_tensors(case, requires_grad=False, device=device), **params_on(case.params, device))
    expected = numpy_reference(spec, case, device)
    assert out.shape == expected.shape, f"{spec.name}: shape {out.shape}, NumPy gives {expected.shape}"
    assert out.dtype == np.float64, f"{spec.name}: float64 inputs gave a {out.dtype} output"
    assert out.device == device, f"{spec.name}: inputs on {device} gave an output on {out.device}"
    np.testing.assert_allclose(out.numpy(), expected, rtol=FORWARD_RTOL, atol=FORWARD_ATOL, err_msg=spec.name)


@pytest.mark.parametrize("spec", OP_SPECS, ids=spec_id)
@given(data=st.data())
def test_forward_matches_numpy(spec: OpSpec, data: st.DataObject, device: str) -> None:
    """Every op, on the inputs Hypothesis draws for its kind, passes ``check_forward``."""
    check_forward(spec, data.draw(op_cases(spec), label="case"), device)


# ----------------------------------------------------------------------------- first derivatives
def backward_of(spec: OpSpec, case: OpCase, g: np.ndarray, device: str) -> tuple[list, tg.Tensor]:
    """Run spec.fn on ``device`` and backward with upstream gradient g: (all argument tensors, g as a tensor)."""
    tensors = as_tensors(case, device=device)
    out = spec.fn(*tensors, **params_on(case.params, device))
    upstream = tg.Tensor(g, dtype=np.float64, device=device)
    out.backward(upstream)
    return tensors, upstream


def check_gradient(spec: OpSpec, case: OpCase, seed: int, device: str = "cpu") -> None:
    """backward(g) gives each input the vector-Jacobian product g^T J, of the input's shape,
    dtype and device, in memory of its own, without changing the inputs (or g) along the way. On
    the GPU the gradients also equal the CPU's for the same inputs."""
    originals = [a.copy() for a in case.arrays]
    constants = {name: np.array(v) for name, v in case.params.items() if isinstance(v, np.ndarray | tg.Tensor)}
    with tg.no_grad():
        out_shape = spec.fn(*as_tensors(case, requires_grad=False), **case.params).shape
    g = np.random.default_rng(seed).standard_normal(out_shape)  # random, so no error can hide behind ones
    tensors, upstream = backward_of(spec, case, g, device)
    inputs = differentiable(case, tensors)

    # the forward and backward passes read the inputs and g but never write them
    for x, original in zip(inputs, originals, strict=True):
        np.testing.assert_array_equal(x.detach().numpy(), original, err_msg=f"{spec.name} changed an input")
    np.testing.assert_array_equal(upstream.numpy(), g, err_msg=f"{spec.name} changed the upstream gradient")
    for name, original in constants.items():  # class targets, index arrays: data, not variables
        np.testing.assert_array_equal(np.asarray(case.params[name]), original, err_msg=f"{spec.name} changed {name}")
        if isinstance(case.params[name], tg.Tensor):
            assert case.params[name].grad is None, f"{spec.name}: the constant {name} received a gradient"

    on_cpu = differentiable(case, backward_of(spec, case, g, "cpu")[0]) if device != "cpu" else inputs
    grads = []
    for position, x in enumerate(inputs):
        assert x.grad is not None, f"{spec.name}: input {position} got no gradient"
        assert x.grad.shape == x.shape, f"{spec.name}: grad shape {x.grad.shape} for input {position} of {x.shape}"
        assert x.grad.dtype == x.dtype, f"{spec.name}: grad dtype {x.grad.dtype} for a {x.dtype} input {position}"
        assert x.grad.device == device, f"{spec.name}: grad of input {position} on {x.grad.device}, not {device}"
        numerical = central_difference(spec, case, position, g)
        message = f"{spec.name}: gradient of input {position}"
        np.testing.assert_allclose(x.grad.numpy(), numerical, rtol=RTOL, atol=ATOL, err_msg=message)
        np.testing.assert_allclose(
            x.grad.numpy(), on_cpu[position].grad.numpy(), rtol=DEVICE_RTOL, atol=DEVICE_ATOL, err_msg=message
        )
        grads.append(x.grad.array)

    # each .grad owns its memory: updating one parameter in place must not change another's
    # gradient, an input's values, or the caller's g
    for i, grad in enumerate(grads):
        for j, other in enumerate(grads[i + 1 :], start=i + 1):
            assert not np.shares_memory(grad, other), f"{spec.name}: inputs {i} and {j} share one .grad array"
        for j, x in enumerate(tensors):
            assert not np.shares_memory(grad, x.array), f"{spec.name}: grad of input {i} shares memory with input {j}"
        assert not np.shares_memory(grad, upstream.array), f"{spec.name}: grad of input {i} is the upstream gradient"


@pytest.mark.parametrize("spec", OP_SPECS, ids=spec_id)
@given(data=st.data())
def test_gradient_matches_central_differences(spec: OpSpec, data: st.DataObject, device: str) -> None:
    """Every op, on the inputs Hypothesis draws for its kind, passes ``check_gradient``."""
    case = data.draw(op_cases(spec), label="case")
    check_gradient(spec, case, data.draw(st.integers(0, 2**32 - 1), label="upstream gradient seed"), device)


def _values(*shape: int, low: float = -3.0, high: float = 3.0, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def _distinct(*shape: int) -> np.ndarray:
    """Values 0.1 apart in a shuffled order: no ties for max and min."""
    values = np.linspace(-2.0, 2.0, int(np.prod(shape))) + 0.05
    return np.random.default_rng(1).permutation(values).reshape(shape)


# The cases that are easy to get wrong, spelled out so they run on every test run whatever
# Hypothesis draws: (op name, case), with a test id that says what is special.
NAMED_CASES = [
    pytest.param("matmul", OpCase((_values(2, 1, 3, 4), _values(5, 4, 2, seed=1))), id="matmul-batch-broadcast"),
    pytest.param("matmul", OpCase((_values(4), _values(4, seed=1))), id="matmul-vector-vector"),
    pytest.param("matmul", OpCase((_values(3), _values(2, 3, 4, seed=1))), id="matmul-vector-batch"),
    pytest.param("matmul", OpCase((_values(2, 3, 4), _values(4, seed=1))), id="matmul-batch-vector"),
    pytest.param("add", OpCase((_values(3, 1), _values(2, 1, 4, seed=1))), id="add-broadcast-both"),
    pytest.param("div", OpCase((_values(2, 3), np.array(1.5))), id="div-0d-denominator"),
    pytest.param("sum", OpCase((_values(2, 3, 4),), {"axis": (-1, 0), "keepdims": True}), id="sum-negative-tuple-axis"),
    pytest.param("mean", OpCase((_values(2, 3),), {"axis": (), "keepdims": False}), id="mean-empty-axis-tuple"),
    pytest.param("max", OpCase((_distinct(3, 4),), {"axis": -2, "keepdims": False}), id="max-over-axis"),
    pytest.param("min", OpCase((_distinct(2, 3),), {"axis": None, "keepdims": True}), id="min-all"),
    pytest.param("maximum", OpCase((_distinct(3, 1), _distinct(4) + 0.02)), id="maximum-broadcast"),
    pytest.param("softmax", OpCase((_values(3, 4),), {"axis": 0}), id="softmax-first-axis"),
    pytest.param(
        "getitem", OpCase((_values(4, 3),), {"index": np.array([0, 2, 0, -1, 2, 0])}), id="getitem-repeated-indices"
    ),
    pytest.param(
        "getitem",
        OpCase((_values(4, 3),), {"index": (np.array([[0, 0], [3, 0]]), slice(None, None, -2))}),
        id="getitem-2d-index-array-and-slice",
    ),
    pytest.param("getitem", OpCase((_values(3, 2),), {"index": _values(3, 2) > 0}), id="getitem-bool-mask"),
    pytest.param(
        "getitem", OpCase((_values(2, 3, 4),), {"index": (Ellipsis, None, -1)}), id="getitem-ellipsis-newaxis-int"
    ),
    pytest.param("getitem", OpCase((_values(4),), {"index": slice(3, 1)}), id="getitem-empty-slice"),
    pytest.param("reshape", OpCase((_values(2, 6),), {"shape": (3, -1, 2)}), id="reshape-infer"),
    pytest.param("transpose", OpCase((_values(2, 3, 4),), {"axes": (-1, 0, 1)}), id="transpose-negative-axes"),
    pytest.param("expand", OpCase((_values(3, 1),), {"shape": (2, 3, 4)}), id="expand-new-and-stretched"),
    pytest.param("expand", OpCase((_values(1, 3),), {"shape": (2, 4, -1)}), id="expand-keep-with-minus-one"),
    pytest.param(
        "cat",
        OpCase((_values(2, 1), _values(2, 3, seed=1), _values(2, 2, seed=2)), {"axis": -1}),
        id="cat-unequal-sizes",
    ),
    pytest.param("stack", OpCase((_values(2, 3), _values(2, 3, seed=1)), {"axis": 2}), id="stack-new-last-axis"),
    pytest.param("stack", OpCase((np.array(1.0), np.array(2.0), np.array(3.0)), {"axis": -1}), id="stack-0d"),
    pytest.param(
        "where",
        OpCase((_values(1, 4), _values(3, 1, seed=1)), condition=np.array([[True], [False], [True]])),
        id="where-broadcast",
    ),
    pytest.param(
        "linear", OpCase((_values(2, 3, 4), _values(5, 4, seed=1), _values(5, seed=2))), id="linear-batch-of-batches"
    ),
    pytest.param("linear", OpCase((_values(4), _values(2, 4, seed=1), _values(2, seed=2))), id="linear-one-sample"),
    pytest.param("batch_norm", OpCase((_values(2, 3), _values(3, seed=1), _values(3, seed=2))), id="batch_norm-n-2"),
    pytest.param(
        "batch_norm", OpCase((_values(2, 3, 4), _values(3, seed=1), _values(3, seed=2))), id="batch_norm-n-c-l"
    ),
    pytest.param(
        "cross_entropy",
        OpCase((_values(5),), {"target": np.array(3), "reduction": "mean"}),
        id="cross_entropy-one-sample-0d-target",
    ),
    pytest.param(
        "cross_entropy",
        OpCase((_values(4, 3),), {"target": tg.Tensor([2, 2, 0, 2]), "reduction": "none"}),
        id="cross_entropy-tensor-target-repeated-class",
    ),
    pytest.param(
        "nll_loss", OpCase((_values(3, 4),), {"target": np.array([3, 0, 3]), "reduction": "sum"}), id="nll_loss-sum"
    ),
    pytest.param(
        "binary_cross_entropy",
        OpCase(
            (_values(2, 3, low=0.05, high=0.95), np.array([[0.001, 0.999, 0.999], [0.001, 0.5, 0.999]])),
            {"reduction": "mean"},
        ),
        id="binary_cross_entropy-near-hard-labels",  # a target of exactly 0 or 1: test_edge_inputs
    ),
    # the gradient is sigmoid(0) - t at a logit of exactly 0 (a zero-initialised layer gives it),
    # where a stable formula built from max(z, 0) and |z| has kinks that must cancel
    pytest.param(
        "bce_with_logits",
        OpCase((np.array([0.0, 0.0, 2.5, -1.0]), np.array([0.0, 1.0, 0.5, 0.3])), {"reduction": "sum"}),
        id="bce_with_logits-zero-logits",
    ),
]


@pytest.mark.parametrize(("name", "case"), NAMED_CASES)
def test_gradient_on_named_cases(name: str, case: OpCase, device: str) -> None:
    """The same checks on hand-written cases: batched matmul with broadcast batches, repeated
    indices, negative axes, new axes, unequal cat sizes, empty selections."""
    check_forward(SPECS_BY_NAME[name], case, device)
    check_gradient(SPECS_BY_NAME[name], case, seed=0, device=device)


# ----------------------------------------------------------------------------- second derivatives
@pytest.mark.parametrize("spec", SMOOTH_SPECS, ids=spec_id)
@settings(max_examples=GRADGRAD_EXAMPLES)
@given(data=st.data())
def test_second_derivatives(spec: OpSpec, data: st.DataObject, device: str) -> None:
    """Each smooth op's backward is itself differentiable and right: gradgradcheck compares the
    derivative of v^T J (recorded with create_graph=True) with central differences."""
    case = data.draw(op_cases(spec, max_dims=2, max_side=3), label="case")
    params = params_on(case.params, device)
    assert tg.gradgradcheck(lambda *xs: spec.fn(*xs, **params), as_tensors(case, device=device))


FIXED_SHAPES = {
    "unary": [(2, 3)],
    "binary": [(2, 3), (3,)],
    "matmul": [(2, 3), (3, 2)],
    "axis": [(2, 3)],
    "linear": [(2, 3), (4, 3), (4,)],
    "batchnorm": [(3, 2, 2), (2,), (2,)],
    "class_loss": [(3, 4)],
    "pair_loss": [(2, 3), (2, 3)],
}
FIXED_PARAMS: dict[str, dict[str, Any]] = {
    "axis": {"axis": -1},
    "class_loss": {"target": np.array([0, 3, 3]), "reduction": "mean"},
    "pair_loss": {"reduction": "sum"},
}


def _fixed_inputs(spec: OpSpec, device: str) -> tuple[list, dict[str, Any]]:
    """Small hand-picked inputs inside the spec's domain: (2, 3) tensors, broadcast for binary
    ops, a (2, 3) @ (3, 2) product for matmul, the last axis for softmax, an (N, C, L) batch norm,
    a loss with a repeated class."""
    rng = np.random.default_rng(7)
    shapes, params = FIXED_SHAPES[spec.kind], FIXED_PARAMS.get(spec.kind, {})
    inputs = [
        tg.Tensor(rng.uniform(*spec.domain_of(i), size=shape), dtype=np.float64, requires_grad=True, device=device)
        for i, shape in enumerate(shapes)
    ]
    return inputs, params_on(params, device)


SECOND_DERIVATIVE_OPS = (
    "tanh sigmoid exp log mul div matmul softmax "
    "linear batch_norm dropout_fixed_mask cross_entropy nll_loss mse_loss binary_cross_entropy bce_with_logits"
).split()


@pytest.mark.parametrize("name", SECOND_DERIVATIVE_OPS)
def test_second_derivatives_of_named_ops(name: str, device: str) -> None:
    """The smooth elementwise ops, matmul and softmax, and the smooth layers and losses, with fixed inputs
    (no Hypothesis): gradgradcheck in float64 passes."""
    spec = SPECS_BY_NAME[name]
    inputs, params = _fixed_inputs(spec, device)
    assert tg.gradgradcheck(lambda *xs: spec.fn(*xs, **params), inputs)


# ----------------------------------------------------------------------------- kinks and ties
# The property tests keep values away from kinks and ties, where the derivative does not exist.
# There the engine picks PyTorch's subgradients; these fixed cases pin them down.
KINK_CASES = [
    ("relu_at_0_is_0", lambda x: x.relu(), [0.0, -1.0, 2.0], [0.0, 0.0, 1.0]),
    ("abs_at_0_is_0", lambda x: x.abs(), [0.0, -2.0, 3.0], [0.0, -1.0, 1.0]),
    ("leaky_relu_at_0_is_slope", lambda x: x.leaky_relu(0.1), [0.0, -1.0, 1.0], [0.1, 0.1, 1.0]),
    ("clip_at_bounds_passes", lambda x: x.clip(-1.0, 1.0), [-1.0, 1.0, 2.0, -2.0, 0.5], [1.0, 1.0, 0.0, 0.0, 1.0]),
    ("max_ties_share", lambda x: x.max(), [3.0, 3.0, 1.0], [0.5, 0.5, 0.0]),
    ("amin_ties_share", lambda x: x.amin(axis=0), [[1.0, 2.0], [1.0, 0.0]], [[0.5, 0.0], [0.5, 1.0]]),
    ("maximum_ties_half", lambda x: tg.maximum(x, 1.0), [1.0, 2.0, 0.0], [0.5, 1.0, 0.0]),
    ("minimum_ties_half", lambda x: tg.minimum(x, 1.0), [1.0, 2.0, 0.0], [0.5, 0.0, 1.0]),
]


@pytest.mark.parametrize(("fn", "values", "expected"), [c[1:] for c in KINK_CASES], ids=[c[0] for c in KINK_CASES])
def test_subgradients_at_kinks_and_ties(fn: Callable, values: list, expected: list, device: str) -> None:
    """At a kink or a tie the gradient is PyTorch's choice of subgradient, summing to 1 over ties."""
    x = tg.Tensor(values, dtype="float64", requires_grad=True, device=device)
    fn(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.array(expected))
