"""Bad input for the library's optim surface, and the error each must get (see ``errors``).

Subjects: every optimizer class of ``tinygrad_edu.optim`` (``"optim.SGD"``) and the Optimizer
methods that take arguments (``"Optimizer.load_state_dict"``, ``"Optimizer.step"``, ...). The
library has no learning-rate schedulers.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from ... import nn, optim
from ...tensor import Tensor
from . import ErrorInput

# Optimizer methods with nothing to refuse, as in PyTorch: the reason stands in for a row.
NOTHING_TO_REFUSE = {"Optimizer.zero_grad": "set_to_none is read as true or false"}


def _weight(device: str) -> Tensor:
    return Tensor(np.zeros(2, dtype=np.float32), device=device, requires_grad=True)


def _row(subject: str, what: str, call: Any, error: Any, match: str) -> ErrorInput:
    return ErrorInput(subject, what, lambda device, folder: call(device), error, match)


def _sgd(device: str, **options: Any) -> optim.SGD:
    return optim.SGD([_weight(device)], lr=0.1, **options)


def _saved_with(device: str, **group_changes: Any) -> dict[str, Any]:
    """An SGD state dict with its first group's entries changed."""
    state = _sgd(device).state_dict()
    state["param_groups"][0].update(group_changes)
    return state


def _step_after_the_data_changed_shape(device: str) -> None:
    weight = _weight(device)
    opt = optim.SGD([weight], lr=0.1)
    weight.grad = Tensor(np.ones(2, dtype=np.float32), device=device)
    weight.data = Tensor(np.zeros(3, dtype=np.float32), device=device)
    opt.step()


def _optimizer_classes() -> dict[str, type]:
    return {
        name: cls
        for name in optim.__all__
        if inspect.isclass(cls := getattr(optim, name))
        and issubclass(cls, optim.Optimizer)
        and cls is not optim.Optimizer
    }


def _for_each_optimizer(what: str, options: dict[str, Any], error: Any, match: str) -> list[ErrorInput]:
    return [
        _row(f"optim.{name}", what, lambda d, cls=cls: cls([_weight(d)], **options), error, match)
        for name, cls in _optimizer_classes().items()
    ]


ROWS: tuple[ErrorInput, ...] = (
    *_for_each_optimizer("negative lr", {"lr": -1}, ValueError, "invalid lr=-1"),
    *_for_each_optimizer("NaN lr", {"lr": math.nan}, ValueError, "invalid lr=nan"),
    *_for_each_optimizer("str lr", {"lr": "0.1"}, TypeError, "lr must be a number"),
    *_for_each_optimizer("negative weight_decay", {"weight_decay": -1}, ValueError, "invalid weight_decay=-1"),
    _row("optim.SGD", "negative momentum", lambda d: _sgd(d, momentum=-0.5), ValueError, "invalid momentum=-0.5"),
    _row("optim.SGD", "nesterov without momentum", lambda d: _sgd(d, nesterov=True), ValueError, "momentum > 0"),
    _row(
        "optim.SGD",
        "nesterov with dampening",
        lambda d: _sgd(d, nesterov=True, momentum=0.9, dampening=0.1),
        ValueError,
        "dampening = 0",
    ),
    _row("optim.SGD", "empty parameter list", lambda d: optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    _row("optim.SGD", "a used-up generator", lambda d: optim.SGD(iter([]), lr=0.1), ValueError, "used only once"),
    _row("optim.SGD", "a float as parameter", lambda d: optim.SGD([1.0], lr=0.1), TypeError, "only optimize Tensors"),
    _row("optim.SGD", "a NumPy array as parameter", lambda d: optim.SGD([np.zeros(2)], lr=0.1), TypeError, "Tensors"),
    _row("optim.SGD", "None as params", lambda d: optim.SGD(None, lr=0.1), TypeError, "iterable of Tensors"),
    _row(
        "optim.SGD",
        "a model as params",
        lambda d: optim.SGD(nn.Linear(2, 2), lr=0.1),
        TypeError,
        r"model\.parameters\(\)",
    ),
    _row("optim.SGD", "one Tensor as params", lambda d: optim.SGD(_weight(d), lr=0.1), TypeError, r"wrap it in a list"),
    _row("optim.SGD", "a set of parameters", lambda d: optim.SGD({_weight(d)}, lr=0.1), TypeError, "not a set"),
    _row("optim.SGD", "a non-leaf parameter", lambda d: optim.SGD([_weight(d) * 2], lr=0.1), ValueError, "not a leaf"),
    _row(
        "optim.SGD",
        "a parameter twice",
        lambda d: (lambda w: optim.SGD([w, w], lr=0.1))(_weight(d)),
        ValueError,
        "more than once",
    ),
    _row("optim.SGD", "a group without params", lambda d: optim.SGD([{"lr": 0.1}], lr=0.1), TypeError, "'params' key"),
    _row(
        "optim.SGD",
        "a group with negative lr",
        lambda d: optim.SGD([{"params": [_weight(d)], "lr": -1}]),
        ValueError,
        "lr=-1",
    ),
    _row("optim.Adam", "beta1 of 1", lambda d: optim.Adam([_weight(d)], betas=(1.0, 0.9)), ValueError, r"betas\[0\]"),
    _row("optim.Adam", "one beta", lambda d: optim.Adam([_weight(d)], betas=(0.9,)), ValueError, "a pair"),
    _row("optim.Adam", "negative eps", lambda d: optim.Adam([_weight(d)], eps=-1e-8), ValueError, "invalid eps"),
    _row(
        "optim.AdamW",
        "negative beta2",
        lambda d: optim.AdamW([_weight(d)], betas=(0.9, -0.1)),
        ValueError,
        r"betas\[1\]",
    ),
    _row("optim.AdamW", "negative eps", lambda d: optim.AdamW([_weight(d)], eps=-1), ValueError, "invalid eps=-1"),
    _row(
        "optim.RMSprop",
        "negative alpha",
        lambda d: optim.RMSprop([_weight(d)], alpha=-1),
        ValueError,
        "invalid alpha=-1",
    ),
    _row(
        "optim.RMSprop", "negative momentum", lambda d: optim.RMSprop([_weight(d)], momentum=-1), ValueError, "momentum"
    ),
    _row("optim.RMSprop", "negative eps", lambda d: optim.RMSprop([_weight(d)], eps=-1), ValueError, "invalid eps=-1"),
    _row("Optimizer.load_state_dict", "None", lambda d: _sgd(d).load_state_dict(None), TypeError, "got a NoneType"),
    _row(
        "Optimizer.load_state_dict", "a model", lambda d: _sgd(d).load_state_dict(nn.Linear(2, 2)), TypeError, "a model"
    ),
    _row(
        "Optimizer.load_state_dict",
        "a model's state_dict",
        lambda d: _sgd(d).load_state_dict(nn.Linear(2, 2).state_dict()),
        ValueError,
        r"got a dict with keys \['weight', 'bias'\]",
    ),
    _row(
        "Optimizer.load_state_dict",
        "no parameter groups",
        lambda d: _sgd(d).load_state_dict({"state": {}, "param_groups": []}),
        ValueError,
        r"0 parameter group\(s\), but this optimizer has 1",
    ),
    _row(
        "Optimizer.load_state_dict",
        "a group of another size",
        lambda d: _sgd(d).load_state_dict(_saved_with(d, params=[0, 1])),
        ValueError,
        r"2 parameter\(s\) in the loaded state dict, but 1",
    ),
    _row(
        "Optimizer.load_state_dict",
        "param_groups not a list",
        lambda d: _sgd(d).load_state_dict({"state": {}, "param_groups": 3}),
        ValueError,
        "'param_groups' must be a list",
    ),
    _row(
        "Optimizer.load_state_dict",
        "a state entry that is not a dict",
        lambda d: _sgd(d).load_state_dict({**_saved_with(d), "state": {0: 3}}),
        ValueError,
        "a int as the state of parameter 0",
    ),
    _row(
        "Optimizer.load_state_dict",
        "a saved negative lr",
        lambda d: _sgd(d).load_state_dict(_saved_with(d, lr=-1)),
        ValueError,
        "invalid lr=-1",
    ),
    _row(
        "Optimizer.load_state_dict",
        "Adam's state into SGD",
        lambda d: _sgd(d).load_state_dict(optim.Adam([_weight(d)]).state_dict()),
        ValueError,
        "another kind of optimizer than SGD",
    ),
    _row(
        "Optimizer.step",
        "a closure that is a number",
        lambda d: _sgd(d).step(3),
        TypeError,
        "closure must be a function",
    ),
    _row(
        "Optimizer.step",
        "a grad left of another shape",
        _step_after_the_data_changed_shape,
        ValueError,
        r"\.grad has shape",
    ),
    _row(
        "Optimizer.add_param_group",
        "a list",
        lambda d: _sgd(d).add_param_group([_weight(d)]),
        TypeError,
        "must be a dict",
    ),
    _row(
        "Optimizer.add_param_group",
        "a parameter already in a group",
        lambda d: (lambda opt: opt.add_param_group({"params": opt.param_groups[0]["params"]}))(_sgd(d)),
        ValueError,
        "appears more than once",
    ),
)


def subjects() -> set[str]:
    """Every subject this table must have at least one row for."""
    methods = {
        f"Optimizer.{name}"
        for name, value in vars(optim.Optimizer).items()
        if inspect.isfunction(value) and not name.startswith("_") and len(inspect.signature(value).parameters) > 1
    }
    return ({f"optim.{name}" for name in _optimizer_classes()} | methods) - NOTHING_TO_REFUSE.keys()
