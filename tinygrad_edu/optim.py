"""Optimizers: use each parameter's gradient to take one step downhill.

After ``loss.backward()`` every parameter θ holds ``θ.grad`` = g, the direction in which the loss
grows fastest. ``step()`` moves each parameter a little the other way, by a rule that may
remember earlier gradients (momentum, running averages). ``zero_grad()`` clears the gradients
before the next ``backward()``, which would otherwise add to them.

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

The rules are PyTorch's (``torch.optim`` 2.x), written out in each class docstring with
θ the parameter, g its gradient, γ the learning rate, λ the weight decay and t the step count.

A step works on the raw arrays (``p.array``, ``p.grad.array``), never on Tensors: the update is not
part of the computation graph, and it is done in place, so every parameter keeps its identity
(a model still points at it), its dtype and its device.
"""

from __future__ import annotations

import copy
import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from . import backend
from .autograd import clear_gradients, enable_grad, note_write
from .inplace import mark_written
from .tensor import Tensor

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop"]

Array = Any  # a NumPy or CuPy array
Params = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class: parameter groups, per-parameter state, ``zero_grad``, ``step`` and state dicts.

    ``params`` is an iterable of Tensors, or of parameter groups: dicts with a ``"params"`` list
    and any options that override the defaults for that group, as in PyTorch:

        SGD([{"params": body}, {"params": head, "lr": 1e-2}], lr=1e-3, momentum=0.9)

    ``state[i]`` holds what the rule remembers for the i-th parameter, counting through the groups
    in order (the same numbering ``state_dict()`` uses). A subclass writes the rule in ``_update``.
    """

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self._check_options(self.defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[int, dict[str, Any]] = {}
        for group in _as_param_groups(params):
            self.add_param_group(group)

    # ------------------------------------------------------------------ parameters
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters; options it leaves out take the optimizer's defaults."""
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"a parameter group must be a dict with a 'params' key, got {param_group!r}")
        params = _as_param_list(param_group["params"])
        number = len(self.param_groups)
        seen = {id(p) for _, p, _ in self._indexed_params()}
        for i, p in enumerate(params):
            _check_parameter(p, f"parameter {i} of group {number}")
            if id(p) in seen:  # it would be updated twice per step, with two states
                raise ValueError(f"parameter {i} of group {number} appears more than once in this optimizer")
            seen.add(id(p))
        group = {**self.defaults, **param_group, "params": params}
        self._check_options(group)
        self.param_groups.append(group)

    def _indexed_params(self) -> Iterator[tuple[int, Tensor, dict[str, Any]]]:
        """Each parameter with its position across all groups (its key in ``state``) and its group."""
        position = itertools.count()
        for group in self.param_groups:
            for p in group["params"]:
                yield next(position), p, group

    # ------------------------------------------------------------------ the training-loop API
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every gradient: set ``.grad`` to None (default), or fill it with zeros in place."""
        for group in self.param_groups:
            clear_gradients(group["params"], set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient (those whose ``.grad`` is None are skipped).

        ``closure``, if given, recomputes the loss (zero_grad, forward, backward) and returns it;
        it runs first, and ``step`` returns its loss.
        """
        loss = None
        if closure is not None and not callable(closure):
            raise TypeError(
                f"step: closure must be a function that recomputes and returns the loss, got a {type(closure).__name__}"
            )
        if closure is not None:
            with enable_grad():
                loss = closure()
        index, written_at = 0, note_write()  # every parameter is written at this one moment
        for group in self.param_groups:
            # Options as plain Python numbers: a NumPy float64 lr would turn float32 math into float64.
            options = {name: _python_number(value) for name, value in group.items() if name != "params"}
            for p in group["params"]:
                if p.grad is not None:
                    state = self.state.get(index, {})
                    self._update(p.array, _gradient_array(p, index), state, options)
                    mark_written(p, written_at)  # a graph recorded before this step can no longer use p
                    if state:  # a rule that remembers nothing (plain SGD) keeps no entry, as in PyTorch
                        self.state[index] = state
                index += 1
        return loss

    def _update(self, param: Array, grad: Array, state: dict[str, Any], options: dict[str, Any]) -> None:
        """Apply the rule to one parameter: change ``param`` and ``state`` in place; never write to ``grad``."""
        raise NotImplementedError(f"{type(self).__name__} must define _update(param, grad, state, options)")

    def _check_options(self, options: dict[str, Any]) -> None:
        """Raise ValueError for an invalid option (checked for the defaults and for every group)."""

    # ------------------------------------------------------------------ saving and loading
    def state_dict(self) -> dict[str, Any]:
        """A copy of the optimizer's state, in PyTorch's layout.

        ``{"state": {index: {name: array or number}}, "param_groups": [{option: value, ...,
        "params": [index, ...]}]}``. Parameters appear only as indices; their values belong to
        the model's state dict. Everything is copied, so later steps do not change the result.
        """
        groups, start = [], 0
        for group in self.param_groups:
            options = copy.deepcopy({name: value for name, value in group.items() if name != "params"})
            groups.append({**options, "params": list(range(start, start + len(group["params"])))})
            start += len(group["params"])
        state = {index: copy.deepcopy(self.state[index]) for index in sorted(self.state)}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state from ``state_dict()`` of an optimizer over the same parameters.

        Parameters are matched by position, so the groups must have the same sizes; state arrays
        are copied to each parameter's dtype and device. Nothing changes when an error is raised.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(
                f"load_state_dict expects the dict from optimizer.state_dict(), got {_described(state_dict)}"
            )
        if {"state", "param_groups"} - state_dict.keys():
            raise ValueError(
                "load_state_dict expects a dict with keys 'state' and 'param_groups' (from optimizer.state_dict()), "
                f"got {_described(state_dict)}"
            )
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, list | tuple) or not isinstance(saved_state, dict):
            raise ValueError(
                "load_state_dict: 'param_groups' must be a list of dicts and 'state' a dict by parameter index, "
                f"got {type(saved_groups).__name__} and {type(saved_state).__name__}"
            )
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter group(s), "
                f"but this optimizer has {len(self.param_groups)}"
            )
        groups = [
            self._loaded_group(saved_groups[number], group, number) for number, group in enumerate(self.param_groups)
        ]
        # The saved indices list the parameters in group order, as ours do: map each to our position.
        position = {index: i for i, index in enumerate(index for saved in saved_groups for index in saved["params"])}
        params = [p for _, p, _ in self._indexed_params()]
        state = {}
        for index, entries in saved_state.items():
            if index not in position:
                raise ValueError(f"loaded state dict has state for parameter {index!r}, which is in none of its groups")
            if not isinstance(entries, dict):
                raise ValueError(
                    f"loaded state dict has a {type(entries).__name__} as the state of parameter {index!r}, "
                    "expected a dict of named values"
                )
            p = params[position[index]]
            state[position[index]] = {
                name: _loaded_value(value, p, f"state {name!r} of parameter {index!r}")
                for name, value in entries.items()
            }
        self.param_groups = groups
        self.state = dict(sorted(state.items()))

    def _loaded_group(self, saved: dict[str, Any], group: dict[str, Any], number: int) -> dict[str, Any]:
        """This optimizer's group ``number`` with the saved options (checked) and its own parameters."""
        if not isinstance(saved, dict) or "params" not in saved:
            raise ValueError(f"parameter group {number} in the loaded state dict is not a dict with a 'params' list")
        if len(saved["params"]) != len(group["params"]):
            raise ValueError(
                f"parameter group {number} has {len(saved['params'])} parameter(s) in the loaded state dict, "
                f"but {len(group['params'])} in this optimizer"
            )
        missing = sorted(name for name in group if name not in saved)
        if missing:
            raise ValueError(
                f"parameter group {number} in the loaded state dict lacks option(s) {missing}; "
                f"was it saved from another kind of optimizer than {type(self).__name__}?"
            )
        loaded = {
            **copy.deepcopy({name: value for name, value in saved.items() if name != "params"}),
            "params": group["params"],
        }
        self._check_options(loaded)
        return loaded

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for number, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {number}")
            lines += [f"    {name}: {value}" for name, value in sorted(group.items()) if name != "params"]
        return "\n".join([*lines, ")"])


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (μ), dampening (τ) and Nesterov.

    Each step, for every parameter θ with gradient g (b is the momentum buffer):

        g ← -g                    if maximize (climb instead of descend)
        g ← g + λ θ               if λ ≠ 0 (weight decay: the gradient of (λ/2)·‖θ‖²)
        b ← g                     if μ ≠ 0, on the first step: the buffer starts at g, undamped
        b ← μ b + (1 - τ) g       if μ ≠ 0, later steps
        g ← g + μ b               if nesterov, else g ← b (when μ ≠ 0)
        θ ← θ - γ g
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        options = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay}
        super().__init__(params, {**options, "nesterov": nesterov, "maximize": maximize})

    def _check_options(self, options: dict[str, Any]) -> None:
        _check_at_least_zero(self, options, "lr", "momentum", "weight_decay")
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum requires momentum > 0 and dampening = 0, "
                f"got momentum={options['momentum']!r}, dampening={options['dampening']!r}"
            )

    def _update(self, param: Array, grad: Array, state: dict[str, Any], options: dict[str, Any]) -> None:
        momentum, dampening, weight_decay = options["momentum"], options["dampening"], options["weight_decay"]
        if options["maximize"]:
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                # a copy (grad may be p.grad's own array), and an array even when NumPy made grad a scalar
                buffer = state["momentum_buffer"] = backend.get_array_module(param).array(grad, copy=True)
            else:
                buffer *= momentum
                buffer += (1 - dampening) * grad
            grad = grad + momentum * buffer if options["nesterov"] else buffer
        param -= options["lr"] * grad


class Adam(Optimizer):
    """Adam: momentum on g, divided per element by a running root-mean-square of g.

    Each step, for every parameter θ with gradient g (m, v start at 0, t counts this θ's steps):

        g ← -g                          if maximize
        θ ← θ - γ λ θ                   if λ ≠ 0 and decoupled_weight_decay (AdamW)
        g ← g + λ θ                     if λ ≠ 0 otherwise (L2 penalty, as in SGD)
        m ← β₁ m + (1 - β₁) g           running mean of g
        v ← β₂ v + (1 - β₂) g²          running mean of g² (elementwise)
        vmax ← max(vmax, v)             if amsgrad, and vmax replaces v below: steps never grow back
        m̂ = m / (1 - β₁ᵗ),  v̂ = v / (1 - β₂ᵗ)     bias correction: m and v started at 0
        θ ← θ - γ m̂ / (√v̂ + ε)
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        options = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad}
        super().__init__(params, {**options, "maximize": maximize, "decoupled_weight_decay": decoupled_weight_decay})

    def _check_options(self, options: dict[str, Any]) -> None:
        _check_at_least_zero(self, options, "lr", "eps", "weight_decay")
        betas = options["betas"]
        if not (isinstance(betas, tuple | list) and len(betas) == 2):
            raise ValueError(f"{type(self).__name__}: betas must be a pair (beta1, beta2), got betas={betas!r}")
        for i, beta in enumerate(betas):
            if not (isinstance(beta, numbers.Real) and 0 <= beta < 1):
                raise ValueError(f"{type(self).__name__}: invalid betas={betas!r}: betas[{i}] must be in [0, 1)")

    def _update(self, param: Array, grad: Array, state: dict[str, Any], options: dict[str, Any]) -> None:
        xp = backend.get_array_module(param)
        lr, (beta1, beta2), weight_decay = options["lr"], options["betas"], options["weight_decay"]
        if not state:
            state.update(step=0, exp_avg=xp.zeros_like(param), exp_avg_sq=xp.zeros_like(param))
            if options["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param)
        if options["maximize"]:
            grad = -grad
        state["step"] += 1
        if weight_decay != 0 and options["decoupled_weight_decay"]:
            param *= 1 - lr * weight_decay  # shrink θ itself: the decay never enters m and v
        elif weight_decay != 0:
            grad = grad + weight_decay * param
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        if options["amsgrad"]:
            v = xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        bias_correction1 = 1 - beta1 ** state["step"]
        bias_correction2 = 1 - beta2 ** state["step"]
        # √v̂ + ε and γ m̂ computed as PyTorch does: the corrections are numbers, the arrays are divided once.
        param -= (lr / bias_correction1) * m / (xp.sqrt(v) / math.sqrt(bias_correction2) + options["eps"])


class AdamW(Adam):
    """Adam with decoupled weight decay: θ ← θ - γ λ θ, instead of adding λ θ to the gradient.

    The decay then shrinks every weight by the same factor (1 - γ λ), however large its
    gradients are; with L2 in Adam, weights with large gradients would be decayed less.
    Everything else is ``Adam``'s rule. Note the default weight decay: 1e-2.
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True  # an AdamW stays AdamW, even loading Adam's state (as PyTorch)


class RMSprop(Optimizer):
    """RMSprop: divide g per element by a running root-mean-square of g.

    Each step, for every parameter θ with gradient g (v, ḡ, b start at 0; α is the smoothing):

        g ← -g                          if maximize
        g ← g + λ θ                     if λ ≠ 0 (weight decay)
        v ← α v + (1 - α) g²            running mean of g²
        ḡ ← α ḡ + (1 - α) g             if centered: running mean of g ...
        s = √(v - ḡ²) + ε               ... to divide by a running standard deviation
        s = √v + ε                      otherwise (ε is added after the square root)
        b ← μ b + g / s;  θ ← θ - γ b   if momentum μ > 0
        θ ← θ - γ g / s                 otherwise
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        options = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay, "momentum": momentum}
        super().__init__(params, {**options, "centered": centered, "maximize": maximize})

    def _check_options(self, options: dict[str, Any]) -> None:
        _check_at_least_zero(self, options, "lr", "eps", "momentum", "weight_decay", "alpha")

    def _update(self, param: Array, grad: Array, state: dict[str, Any], options: dict[str, Any]) -> None:
        xp = backend.get_array_module(param)
        alpha, momentum, weight_decay = options["alpha"], options["momentum"], options["weight_decay"]
        if not state:
            state.update(step=0, square_avg=xp.zeros_like(param))
            if momentum > 0:
                state["momentum_buffer"] = xp.zeros_like(param)
            if options["centered"]:
                state["grad_avg"] = xp.zeros_like(param)
        if options["maximize"]:
            grad = -grad
        state["step"] += 1
        if weight_decay != 0:
            grad = grad + weight_decay * param
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if options["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            scale = xp.sqrt(square_avg - grad_avg * grad_avg) + options["eps"]
        else:
            scale = xp.sqrt(square_avg) + options["eps"]
        if momentum > 0:
            buffer = state["momentum_buffer"]
            buffer *= momentum
            buffer += grad / scale
            param -= options["lr"] * buffer
        else:
            param -= options["lr"] * grad / scale


# ---------------------------------------------------------------------------- helpers
def _as_param_groups(params: Params) -> list[dict[str, Any]]:
    """The parameter groups described by ``params``: Tensors make one group, dicts are groups."""
    if isinstance(params, Tensor | dict):
        raise TypeError(
            f"params must be an iterable of Tensors or of parameter-group dicts, got a {type(params).__name__}; "
            "wrap it in a list: [params]"
        )
    items = _as_param_list(params)
    if not items:
        raise ValueError(
            "optimizer got an empty parameter list (does the model have parameters? "
            "a model.parameters() generator can be used only once)"
        )
    if all(isinstance(item, dict) for item in items):
        return items
    if any(isinstance(item, dict) for item in items):
        raise TypeError("params mixes Tensors and parameter-group dicts; use one or the other")
    return [{"params": items}]


def _as_param_list(params: Any) -> list[Any]:
    """``params`` as a list, refusing sets: their order, hence the state numbering, changes between runs."""
    if isinstance(params, Tensor):
        return [params]
    if isinstance(params, set | frozenset):
        raise TypeError("optimizer parameters must be in an ordered collection such as a list, not a set")
    if not isinstance(params, Iterable):
        raise TypeError(
            f"optimizer parameters must be an iterable of Tensors (e.g. model.parameters()), got {_described(params)}"
        )
    return list(params)


def _described(value: Any) -> str:
    """``value`` for an error message: its type, with the keys of a dict and a hint for a model."""
    if callable(getattr(value, "parameters", None)):  # a Module
        return f"a {type(value).__name__} (a model: pass model.parameters(), or optimizer.state_dict())"
    if isinstance(value, dict):
        keys = [str(key) for key in itertools.islice(value, 4)]
        return f"a dict with keys {keys}" + (" ..." if len(value) > 4 else "")
    return f"a {type(value).__name__}"


def _check_parameter(p: Any, where: str) -> None:
    if not isinstance(p, Tensor):
        raise TypeError(f"optimizer can only optimize Tensors, but {where} is a {type(p).__name__}")
    if not p.is_leaf:
        raise ValueError(
            f"{where} (shape {tuple(p.shape)}) is not a leaf tensor: it was computed by {type(p.grad_fn).__name__}; "
            "optimize the tensors it was computed from, or use t.detach().requires_grad_()"
        )


def _check_at_least_zero(optimizer: Optimizer, options: dict[str, Any], *names: str) -> None:
    for name in names:
        value = options[name]
        if not isinstance(value, numbers.Real):
            raise TypeError(f"{type(optimizer).__name__}: {name} must be a number, got {name}={value!r}")
        if not value >= 0:  # written with `not` so that NaN is rejected too
            raise ValueError(f"{type(optimizer).__name__}: invalid {name}={value!r}: it must be >= 0")


def _gradient_array(p: Tensor, index: int) -> Array:
    """The array of ``p.grad``, in ``p``'s dtype (a .grad set by hand may differ)."""
    grad = p.grad.array
    if grad.shape != p.array.shape:
        raise ValueError(f"parameter {index} has shape {tuple(p.shape)}, but its .grad has shape {tuple(grad.shape)}")
    return grad if grad.dtype == p.array.dtype else grad.astype(p.array.dtype)


def _python_number(value: Any) -> Any:
    """NumPy scalars (also inside tuples such as betas) as Python numbers; anything else unchanged."""
    if type(value) in (float, int, bool):  # the usual case
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_python_number(item) for item in value)
    return value


def _loaded_value(value: Any, p: Tensor, what: str) -> Any:
    """A state value for ``p`` from a state dict: arrays copied to p's dtype and device, numbers kept."""
    if isinstance(value, Tensor):
        value = value.array
    if not (isinstance(value, np.ndarray) or backend.is_device_array(value)):
        return value  # a number, such as the step count
    if value.shape != p.shape:
        raise ValueError(
            f"{what} has shape {tuple(value.shape)} in the loaded state dict, "
            f"but the parameter has shape {tuple(p.shape)}"
        )
    xp = backend.get_array_module(p.array)
    return xp.array(backend.to_device(value, p.device), dtype=p.dtype)  # xp.array copies: no aliasing
