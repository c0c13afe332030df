"""Bad input for the library's nn surface, and the error each must get (see ``errors``).

Subjects: every Module class ``tinygrad_edu.nn`` exports (``"nn.Linear"``), every function of
``nn.functional`` (``"F.cross_entropy"``) and ``nn.init`` (``"init.xavier_uniform_"``), the Module
methods that take arguments (``"Module.load_state_dict"``), Sequential's indexing and append,
``nn.summary`` and assigning ``Tensor.grad``. Checks that read values (probabilities in [0, 1],
class indices in range) run on the CPU only, so their rows do too.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from ... import nn
from ...nn import functional as F
from ...nn import init
from ...tensor import Tensor
from . import ErrorInput

CPU = ("cpu",)
# Subjects with no bad input to refuse, as in PyTorch: the reason stands in for a row.
NOTHING_TO_REFUSE = {
    "nn.Identity": "takes and returns anything, its arguments ignored",
    "Module.named_modules": "any prefix makes names",
    "Module.zero_grad": "set_to_none is read as true or false",
}


def _t(device: str, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def _logits(device: str) -> Tensor:
    return _t(device, np.zeros((2, 3), dtype=np.float32))


def _classes(device: str, *labels: int) -> Tensor:
    return _t(device, np.array(labels, dtype=np.int64))


def _probabilities(device: str, *values: float) -> Tensor:
    return _t(device, np.array(values, dtype=np.float32))


def _linear(device: str) -> nn.Linear:
    return nn.Linear(3, 2).to(device)


def _row(subject: str, what: str, call: Any, error: Any, match: str, devices: tuple[str, ...] = ("cpu", "cuda")):
    return ErrorInput(subject, what, lambda device, folder: call(device), error, match, devices)


def _set_grad(tensor: Tensor, grad: Any) -> None:
    tensor.grad = grad


def _assign_cpu_grad_to_device_tensor(device: str) -> None:
    _set_grad(_t(device, [1.0, 2.0], requires_grad=True), _t("cpu", [1.0, 2.0]))


def _module_with(**attributes: Any) -> nn.Module:
    module = nn.Module()
    for name, value in attributes.items():
        setattr(module, name, value)
    return module


def _load(device: str, state: Any, strict: bool = True) -> Any:
    return _linear(device).load_state_dict(state, strict=strict)


def _linear_state(device: str, **changes: Any) -> dict[str, Any]:
    state = dict(_linear(device).state_dict())
    state.update(changes)
    return {key: value for key, value in state.items() if value is not None}


def _sequential() -> nn.Sequential:
    return nn.Sequential(nn.ReLU(), nn.Tanh())


LAYER_ROWS = [
    _row(
        "nn.Linear", "negative out_features", lambda d: nn.Linear(3, -1), ValueError, "out_features must be at least 0"
    ),
    _row("nn.Linear", "float in_features", lambda d: nn.Linear(3.5, 2), TypeError, "in_features must be an integer"),
    _row("nn.Linear", "bool in_features", lambda d: nn.Linear(True, 2), TypeError, "in_features must be an integer"),
    _row(
        "nn.Linear", "int64 input", lambda d: _linear(d)(_t(d, [[1, 2, 3]])), RuntimeError, r"int64.*input\.float\(\)"
    ),
    _row("nn.Linear", "float64 input", lambda d: _linear(d)(_t(d, [[1.0, 2, 3]], "float64")), RuntimeError, "float64"),
    _row(
        "nn.Linear", "NumPy input", lambda d: _linear(d)(np.zeros((1, 3))), TypeError, "Linear: input must be a Tensor"
    ),
    _row(
        "nn.Linear", "4 features for 3", lambda d: _linear(d)(_t(d, np.zeros((1, 4), "f4"))), ValueError, "4 features"
    ),
    _row("nn.ReLU", "NumPy input", lambda d: nn.ReLU()(np.zeros(2)), TypeError, "ReLU: input must be a Tensor"),
    _row(
        "nn.ReLU",
        "inplace given as a string",
        lambda d: nn.ReLU(inplace="yes"),
        TypeError,
        "ReLU: inplace must be True or False, got 'yes'",
    ),
    _row("nn.Sigmoid", "list input", lambda d: nn.Sigmoid()([1.0]), TypeError, "Sigmoid: input must be a Tensor"),
    _row("nn.Tanh", "NumPy input", lambda d: nn.Tanh()(np.zeros(2)), TypeError, "Tanh: input must be a Tensor"),
    _row("nn.LeakyReLU", "str slope", lambda d: nn.LeakyReLU("a"), TypeError, "negative_slope must be a number"),
    _row("nn.Softmax", "float dim", lambda d: nn.Softmax(1.5), TypeError, "dim must be an integer"),
    _row("nn.Softmax", "dim out of range", lambda d: nn.Softmax(5)(_logits(d)), ValueError, "axis 5 is out of range"),
    _row("nn.LogSoftmax", "str dim", lambda d: nn.LogSoftmax("a"), TypeError, "LogSoftmax: dim must be an integer"),
    _row("nn.Flatten", "float start_dim", lambda d: nn.Flatten(1.5), TypeError, "start_dim must be an integer"),
    _row("nn.Flatten", "start after end", lambda d: nn.Flatten(2, 1)(_t(d, np.zeros((2, 3, 4)))), ValueError, "after"),
    _row("nn.Dropout", "p above 1", lambda d: nn.Dropout(p=1.5), ValueError, "between 0 and 1, but got 1.5"),
    _row("nn.Dropout", "NaN p", lambda d: nn.Dropout(p=math.nan), ValueError, "between 0 and 1, but got nan"),
    _row("nn.Dropout", "str p", lambda d: nn.Dropout(p="0.5"), TypeError, "p must be a number"),
    _row("nn.BatchNorm1d", "no features", lambda d: nn.BatchNorm1d(0), ValueError, "num_features must be at least 1"),
    _row(
        "nn.BatchNorm1d", "float features", lambda d: nn.BatchNorm1d(2.5), TypeError, "num_features must be an integer"
    ),
    _row("nn.BatchNorm1d", "negative eps", lambda d: nn.BatchNorm1d(2, eps=-1), ValueError, "eps must be >= 0"),
    _row(
        "nn.BatchNorm1d",
        "momentum 2",
        lambda d: nn.BatchNorm1d(2, momentum=2),
        ValueError,
        r"momentum must be in \[0, 1\]",
    ),
    _row(
        "nn.BatchNorm1d",
        "float64 input",
        lambda d: nn.BatchNorm1d(2).to(d)(_t(d, np.ones((4, 2)))),
        RuntimeError,
        "float64.*float32",
    ),
    _row(
        "nn.BatchNorm1d", "int input", lambda d: nn.BatchNorm1d(2).to(d)(_t(d, [[1, 2], [3, 4]])), RuntimeError, "float"
    ),
    _row(
        "nn.BatchNorm1d", "1-d input", lambda d: nn.BatchNorm1d(2).to(d)(_t(d, [1.0, 2.0])), ValueError, r"got \(2,\)"
    ),
    _row(
        "nn.BatchNorm1d",
        "batch of one",
        lambda d: nn.BatchNorm1d(2).to(d)(_t(d, [[1.0, 2]])),
        ValueError,
        "more than one",
    ),
    _row("nn.Module", "forward not defined", lambda d: nn.Module()(1), NotImplementedError, "must define forward"),
    _row("nn.Sequential", "a number as layer", lambda d: nn.Sequential(1), TypeError, "layer 0 is a int, not a Module"),
    _row(
        "nn.MSELoss", "reduction bogus", lambda d: nn.MSELoss(reduction="bogus"), ValueError, "reduction must be one of"
    ),
    _row("nn.L1Loss", "reduction None", lambda d: nn.L1Loss(reduction=None), ValueError, "reduction must be one of"),
    _row(
        "nn.BCELoss",
        "probability 1.5",
        lambda d: nn.BCELoss()(_probabilities(d, 1.5, 0.5), _probabilities(d, 1, 0)),
        ValueError,
        "all elements of input should be between 0 and 1",
        CPU,
    ),
    _row(
        "nn.BCELoss",
        "target 1.5",
        lambda d: nn.BCELoss()(_probabilities(d, 0.2, 0.5), _probabilities(d, 1.5, 0)),
        ValueError,
        "all elements of target should be between 0 and 1",
        CPU,
    ),
    _row(
        "nn.BCEWithLogitsLoss",
        "int64 target",
        lambda d: nn.BCEWithLogitsLoss()(_probabilities(d, 0.2, 0.5), _classes(d, 1, 0)),
        TypeError,
        r"target must be floating point.*target\.float\(\)",
    ),
    _row(
        "nn.CrossEntropyLoss",
        "class 3 of 3",
        lambda d: nn.CrossEntropyLoss()(_logits(d), _classes(d, 0, 3)),
        IndexError,
        "class 3.*3 classes",
        CPU,
    ),
    _row(
        "nn.NLLLoss",
        "3 targets for 2 rows",
        lambda d: nn.NLLLoss()(_logits(d), _classes(d, 0, 1, 2)),
        ValueError,
        r"input \(2, 3\) and target \(3,\)",
    ),
]

FUNCTIONAL_ROWS = [
    _row("F.relu", "NumPy input", lambda d: F.relu(np.zeros(2)), TypeError, "relu: input must be a Tensor"),
    _row(
        "F.leaky_relu",
        "str slope",
        lambda d: F.leaky_relu(_logits(d), "a"),
        TypeError,
        "negative_slope must be a number",
    ),
    _row("F.sigmoid", "list input", lambda d: F.sigmoid([1.0]), TypeError, "sigmoid: input must be a Tensor"),
    _row("F.tanh", "NumPy input", lambda d: F.tanh(np.zeros(2)), TypeError, "tanh: input must be a Tensor"),
    _row("F.softplus", "NumPy input", lambda d: F.softplus(np.zeros(2)), TypeError, "softplus: input must be a Tensor"),
    _row("F.softmax", "NumPy input", lambda d: F.softmax(np.zeros(2), 0), TypeError, "softmax: input must be a Tensor"),
    _row(
        "F.log_softmax",
        "dim out of range",
        lambda d: F.log_softmax(_logits(d), 2),
        ValueError,
        "axis 2 is out of range",
    ),
    _row("F.dropout", "p 1.5", lambda d: F.dropout(_logits(d), 1.5), ValueError, "between 0 and 1, but got 1.5"),
    _row(
        "F.dropout", "training 'yes'", lambda d: F.dropout(_logits(d), 0.5, "yes"), TypeError, "training must be True"
    ),
    _row("F.dropout", "int64 input", lambda d: F.dropout(_classes(d, 1, 2), 0.5), TypeError, "must be floating point"),
    _row(
        "F.linear",
        "bias of 2 for 3 outputs",
        lambda d: F.linear(_logits(d)[:, :2], _t(d, np.zeros((3, 2), "f4")), _t(d, np.zeros(2, "f4"))),
        ValueError,
        r"bias has shape \(2,\).*needs shape \(3,\)",
    ),
    _row(
        "F.linear",
        "NumPy weight",
        lambda d: F.linear(_logits(d), np.zeros((2, 3))),
        TypeError,
        "weight must be a Tensor",
    ),
    _row(
        "F.batch_norm",
        "weight of 3 for 2 features",
        lambda d: F.batch_norm(_t(d, np.ones((4, 2), "f4")), None, None, _t(d, np.ones(3, "f4")), training=True),
        ValueError,
        r"weight should hold one value per feature, shape \(2,\)",
    ),
    _row(
        "F.mse_loss", "reduction bogus", lambda d: F.mse_loss(_logits(d), _logits(d), "bogus"), ValueError, "reduction"
    ),
    _row(
        "F.mse_loss", "int64 input", lambda d: F.mse_loss(_classes(d, 1), _classes(d, 1)), TypeError, "floating point"
    ),
    _row("F.mse_loss", "NumPy input", lambda d: F.mse_loss(np.zeros(2), _logits(d)), TypeError, "must be a Tensor"),
    _row(
        "F.mse_loss",
        "(N, 1) against (N,)",
        lambda d: F.mse_loss(_logits(d)[:, :1], _logits(d)[:, 0]),
        ValueError,
        "differ",
    ),
    _row("F.l1_loss", "shapes differ", lambda d: F.l1_loss(_logits(d), _logits(d)[0]), ValueError, "differ"),
    _row("F.l1_loss", "int64 input", lambda d: F.l1_loss(_classes(d, 1), _classes(d, 1)), TypeError, "floating point"),
    _row(
        "F.binary_cross_entropy",
        "target 1.5",
        lambda d: F.binary_cross_entropy(_probabilities(d, 0.2, 0.7), _probabilities(d, 1.5, 0)),
        ValueError,
        "all elements of target should be between 0 and 1",
        CPU,
    ),
    _row(
        "F.binary_cross_entropy",
        "target -0.5",
        lambda d: F.binary_cross_entropy(_probabilities(d, 0.2, 0.7), _probabilities(d, -0.5, 0)),
        ValueError,
        "all elements of target should be between 0 and 1",
        CPU,
    ),
    _row(
        "F.binary_cross_entropy",
        "NaN target",
        lambda d: F.binary_cross_entropy(_probabilities(d, 0.2, 0.7), _probabilities(d, math.nan, 0)),
        ValueError,
        "all elements of target should be between 0 and 1",
        CPU,
    ),
    _row(
        "F.binary_cross_entropy",
        "NaN probability",
        lambda d: F.binary_cross_entropy(_probabilities(d, math.nan, 0.5), _probabilities(d, 1, 0)),
        ValueError,
        "all elements of input should be between 0 and 1",
        CPU,
    ),
    _row(
        "F.binary_cross_entropy",
        "probability 1.5",
        lambda d: F.binary_cross_entropy(_probabilities(d, 1.5, 0.5), _probabilities(d, 1, 0)),
        ValueError,
        "all elements of input should be between 0 and 1.*sigmoid",
        CPU,
    ),
    _row(
        "F.binary_cross_entropy",
        "int64 target",
        lambda d: F.binary_cross_entropy(_probabilities(d, 0.2, 0.7), _classes(d, 1, 0)),
        TypeError,
        r"target is tinygrad_edu\.int64 but the input is tinygrad_edu\.float32",
    ),
    _row(
        "F.binary_cross_entropy_with_logits",
        "bool target",
        lambda d: F.binary_cross_entropy_with_logits(_probabilities(d, 0.2), _t(d, [True])),
        TypeError,
        "target must be floating point",
    ),
    _row(
        "F.cross_entropy",
        "class 3 of 3",
        lambda d: F.cross_entropy(_logits(d), _classes(d, 0, 3)),
        IndexError,
        "class 3.*3 classes",
        CPU,
    ),
    _row(
        "F.cross_entropy",
        "negative class",
        lambda d: F.cross_entropy(_logits(d), _classes(d, 0, -1)),
        IndexError,
        "class -1.*3 classes",
        CPU,
    ),
    _row(
        "F.cross_entropy",
        "class -100 (PyTorch's ignore_index)",
        lambda d: F.cross_entropy(_logits(d), _classes(d, 0, -100)),
        IndexError,
        "no ignore_index",
        CPU,
    ),
    _row(
        "F.cross_entropy", "int64 logits", lambda d: F.cross_entropy(_classes(d, 1, 2), 0), TypeError, "floating point"
    ),
    _row(
        "F.cross_entropy", "0-d logits", lambda d: F.cross_entropy(_t(d, 1.0), _classes(d, 0)[0]), ValueError, "input"
    ),
    _row(
        "F.cross_entropy",
        "float target of another shape",
        lambda d: F.cross_entropy(_logits(d), _probabilities(d, 0, 1)),
        TypeError,
        "class indices must be integers",
    ),
    _row(
        "F.cross_entropy",
        "reduction bogus",
        lambda d: F.cross_entropy(_logits(d), _classes(d, 0, 1), "x"),
        ValueError,
        "x",
    ),
    _row(
        "F.nll_loss", "class 3 of 3", lambda d: F.nll_loss(_logits(d), _classes(d, 0, 3)), IndexError, "3 classes", CPU
    ),
    _row(
        "F.nll_loss",
        "float targets",
        lambda d: F.nll_loss(_logits(d), _probabilities(d, 0, 1)),
        TypeError,
        "integer class",
    ),
    _row(
        "F.nll_loss",
        "target on another device",
        lambda d: F.nll_loss(_logits(d), _classes("cpu", 0, 1)),
        RuntimeError,
        "different devices",
        ("cuda",),
    ),
]

INIT_ROWS = [
    _row("init.calculate_gain", "unknown nonlinearity", lambda d: init.calculate_gain("bogus"), ValueError, "unknown"),
    _row("init.calculate_gain", "str slope", lambda d: init.calculate_gain("leaky_relu", "a"), TypeError, "number"),
    _row("init.uniform_", "a above b", lambda d: init.uniform_(_logits(d), 1, 0), ValueError, "a=1 > b=0"),
    _row("init.uniform_", "int64 tensor", lambda d: init.uniform_(_classes(d, 1, 2)), TypeError, "floating point"),
    _row("init.normal_", "negative std", lambda d: init.normal_(_logits(d), 0, -1), ValueError, "std >= 0"),
    _row("init.normal_", "NumPy array", lambda d: init.normal_(np.zeros(2)), TypeError, "tensor must be a Tensor"),
    _row("init.constant_", "str value", lambda d: init.constant_(_logits(d), "a"), TypeError, "value must be a number"),
    _row("init.zeros_", "NumPy array", lambda d: init.zeros_(np.zeros(2)), TypeError, "must be a Tensor"),
    _row("init.ones_", "list", lambda d: init.ones_([1.0]), TypeError, "must be a Tensor"),
    _row("init.xavier_uniform_", "1-d tensor", lambda d: init.xavier_uniform_(_t(d, [1.0])), ValueError, "at least 2"),
    _row("init.xavier_normal_", "0-d tensor", lambda d: init.xavier_normal_(_t(d, 1.0)), ValueError, "at least 2"),
    _row("init.xavier_normal_", "str gain", lambda d: init.xavier_normal_(_logits(d), "a"), TypeError, "gain"),
    _row(
        "init.kaiming_uniform_", "mode bogus", lambda d: init.kaiming_uniform_(_logits(d), mode="x"), ValueError, "mode"
    ),
    _row("init.kaiming_normal_", "1-d tensor", lambda d: init.kaiming_normal_(_t(d, [1.0])), ValueError, "at least 2"),
]

MODULE_ROWS = [
    _row("Module.load_state_dict", "None", lambda d: _load(d, None), TypeError, "expected a dict.*got a NoneType"),
    _row("Module.load_state_dict", "a model", lambda d: _load(d, _linear(d)), TypeError, r"pass model\.state_dict\(\)"),
    _row(
        "Module.load_state_dict", "a missing key", lambda d: _load(d, _linear_state(d, bias=None)), RuntimeError, "bias"
    ),
    _row(
        "Module.load_state_dict",
        "an unexpected key",
        lambda d: _load(d, _linear_state(d, extra=_logits(d))),
        RuntimeError,
        r"unexpected keys \['extra'\]",
    ),
    _row(
        "Module.load_state_dict",
        "shape mismatch with strict=False",
        lambda d: _load(d, _linear_state(d, weight=_t(d, np.zeros((3, 3), "f4"))), strict=False),
        RuntimeError,
        r"size mismatch for weight: the checkpoint has shape \(3, 3\)",
    ),
    _row(
        "Module.load_state_dict",
        "a str value",
        lambda d: _load(d, _linear_state(d, bias="ab")),
        TypeError,
        "value for bias.*expected a Tensor",
    ),
    _row(
        "Module.register_parameter",
        "dotted name",
        lambda d: nn.Module().register_parameter("a.b", nn.Parameter(np.zeros(1))),
        KeyError,
        "contain '.'",
    ),
    _row(
        "Module.register_parameter",
        "a plain Tensor",
        lambda d: nn.Module().register_parameter("w", _logits(d)),
        TypeError,
        "expected an nn.Parameter or None",
    ),
    _row(
        "Module.register_parameter", "int name", lambda d: nn.Module().register_parameter(3, None), TypeError, "string"
    ),
    _row(
        "Module.register_parameter",
        "name of another attribute",
        lambda d: _module_with(foo=3).register_parameter("foo", None),
        KeyError,
        "attribute 'foo' already exists",
    ),
    _row(
        "Module.register_buffer",
        "NumPy array",
        lambda d: nn.Module().register_buffer("b", np.zeros(1)),
        TypeError,
        "expected a Tensor or None",
    ),
    _row("Module.register_buffer", "empty name", lambda d: nn.Module().register_buffer("", None), KeyError, "empty"),
    _row("Module.add_module", "a number", lambda d: nn.Module().add_module("a", 3), TypeError, "expected an nn.Module"),
    _row(
        "Module.add_module",
        "name of a parameter",
        lambda d: _linear(d).add_module("weight", nn.ReLU()),
        KeyError,
        "attribute 'weight' already exists",
    ),
    _row("Module.to", "unknown device", lambda d: _linear(d).to("tpu"), TypeError, "'tpu' is neither a device"),
    _row("Module.to", "integer dtype", lambda d: _linear(d).to("int64"), TypeError, "only floating dtypes"),
    _row("Module.train", "mode 'no'", lambda d: _linear(d).train("no"), ValueError, "True or False"),
    _row("Module.apply", "a number", lambda d: _linear(d).apply(3), TypeError, "fn must be a function"),
    _row("Module.register_forward_hook", "a number", lambda d: _linear(d).register_forward_hook(3), TypeError, "hook"),
    _row(
        "Module.register_forward_pre_hook",
        "None",
        lambda d: _linear(d).register_forward_pre_hook(None),
        TypeError,
        "hook",
    ),
    _row("Module.forward", "not defined", lambda d: nn.Module().forward(1), NotImplementedError, "must define forward"),
    _row(
        "Module.load_state_dict",
        "shape mismatch after a good key",
        lambda d: _load(d, _linear_state(d, bias=_t(d, [1.0, 2.0, 3.0]))),
        RuntimeError,
        "size mismatch for bias",
    ),
    _row(
        "Sequential.__getitem__",
        "index 10 of 2",
        lambda d: _sequential()[10],
        IndexError,
        "10 is out of range.*2 layer",
    ),
    _row("Sequential.__getitem__", "str index", lambda d: _sequential()["a"], TypeError, "integers or slices"),
    _row("Sequential.append", "a number", lambda d: _sequential().append(3), TypeError, "not a Module"),
    _row("nn.summary", "an int shape", lambda d: nn.summary(_linear(d), 3), TypeError, r"e\.g\. \(3,\)"),
    _row("nn.summary", "a float size", lambda d: nn.summary(_linear(d), (3.5,)), TypeError, "integer sizes"),
    _row("nn.summary", "not a model", lambda d: nn.summary(3, (3,)), TypeError, "model must be an nn.Module"),
    _row(
        "Tensor.grad",
        "a NumPy array",
        lambda d: _set_grad(_logits(d), np.zeros((2, 3))),
        TypeError,
        "assigned grad expected to be a Tensor or None",
    ),
    _row(
        "Tensor.grad", "another shape", lambda d: _set_grad(_logits(d), _t(d, np.zeros(3, "f4"))), ValueError, "shape"
    ),
    _row(
        "Tensor.grad",
        "float64 for float32",
        lambda d: _set_grad(_logits(d), _t(d, np.zeros((2, 3)))),
        TypeError,
        "dtype",
    ),
    _row("Tensor.grad", "itself", lambda d: (lambda t: _set_grad(t, t))(_logits(d)), RuntimeError, "its own grad"),
    _row(
        "Tensor.grad",
        "on the CPU for a GPU tensor",
        _assign_cpu_grad_to_device_tensor,
        RuntimeError,
        "on cpu",
        ("cuda",),
    ),
]

ROWS: tuple[ErrorInput, ...] = (*LAYER_ROWS, *FUNCTIONAL_ROWS, *INIT_ROWS, *MODULE_ROWS)


def _public_functions(module: Any) -> list[str]:
    return [
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
    ]


def _module_methods_with_arguments() -> list[str]:
    return [
        name
        for name, value in vars(nn.Module).items()
        if inspect.isfunction(value) and not name.startswith("_") and len(inspect.signature(value).parameters) > 1
    ]


def subjects() -> set[str]:
    """Every subject this table must have at least one row for."""
    modules = {
        f"nn.{name}" for name in nn.__all__ if inspect.isclass(cls := getattr(nn, name)) and issubclass(cls, nn.Module)
    }
    required = (
        modules
        | {f"F.{name}" for name in _public_functions(F)}
        | {f"init.{name}" for name in _public_functions(init)}
        | {f"Module.{name}" for name in _module_methods_with_arguments()}
        | {"Sequential.__getitem__", "Sequential.append", "nn.summary", "Tensor.grad"}
    )
    return required - NOTHING_TO_REFUSE.keys()
