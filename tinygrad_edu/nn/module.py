"""Module and Parameter: how layers hold their weights and find each other's.

A Module keeps its Parameters, buffers (state that is saved but not trained, such as
BatchNorm's running mean) and sub-Modules in registration order, so ``parameters()`` and
``state_dict()`` list them in the same order every run, with PyTorch's names (``"0.weight"``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from .. import backend
from ..autograd import clear_gradients
from ..tensor import Tensor, _wrap


class Parameter(Tensor):
    """A Tensor that is a model's weight: it requires grad, and Modules register it automatically."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return f"Parameter containing:\n{super().__repr__()}"


class IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model: subclass it, create layers in ``__init__``, write ``forward``."""

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        kind = Parameter if isinstance(value, Parameter) else Module if isinstance(value, Module) else None
        tables = {Parameter: self._parameters, Module: self._modules}
        for table_kind, table in tables.items():
            if name in table and kind is not table_kind and value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to {name!r}, which holds a {table_kind.__name__}: "
                    f"assign an nn.{table_kind.__name__} or None (wrap a tensor in nn.Parameter to train it)"
                )
        if kind is not None:
            for other in (self._parameters, self._buffers, self._modules):
                if other is not tables[kind]:
                    other.pop(name, None)
            tables[kind][name] = value  # an existing name keeps its place in the order
        elif name in self._parameters or name in self._modules:
            (self._parameters if name in self._parameters else self._modules)[name] = None
        elif name in self._buffers:
            self._buffers[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            table.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """Keep ``tensor`` as state of this module: saved in ``state_dict``, moved by ``to``, never trained."""
        object.__setattr__(self, name, tensor)
        self._buffers[name] = tensor

    def register_parameter(self, name: str, parameter: Parameter | None) -> None:
        """Register a parameter (or ``None``, as Linear does for a missing bias)."""
        object.__setattr__(self, name, parameter)
        self._parameters[name] = parameter

    def add_module(self, name: str, module: Module) -> None:
        setattr(self, name, module)

    def register_forward_hook(self, hook: Callable[[Module, tuple, Any], Any]) -> Callable[[], None]:
        """Call ``hook(module, inputs, output)`` after every forward; returns a function that removes it."""
        key = object()
        self._forward_hooks[key] = hook
        return lambda: self._forward_hooks.pop(key, None)

    # ------------------------------------------------------------------ forward
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self._forward_hooks:  # the usual case, kept to one call: this runs for every layer
            return self.forward(*args, **kwargs)
        return self._forward_with_hooks(args, kwargs)

    def _forward_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        """``forward``, then each forward hook (a hook may replace the output)."""
        output = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                result = hook(self, args, output)
                output = output if result is None else result
        return output

    # ------------------------------------------------------------------ traversal
    def named_modules(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and every sub-module, depth first in registration order.

        A module registered twice is listed once, under its first name (as PyTorch); with
        ``remove_duplicate=False`` it is listed under every name, as ``state_dict`` needs.
        """
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child}" if name else child, m) for child, m in module._modules.items() if m is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        return (module for _, module in self.named_modules())

    def named_children(self) -> Iterator[tuple[str, Module]]:
        return ((name, m) for name, m in self._modules.items() if m is not None)

    def children(self) -> Iterator[Module]:
        return (module for _, module in self.named_children())

    def _named_members(self, table: str) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        for prefix, module in self.named_modules():
            for name, member in getattr(module, table).items():
                if member is None or id(member) in seen:
                    continue
                seen.add(id(member))  # a shared weight is listed once, under its first name
                yield (f"{prefix}.{name}" if prefix else name), member

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        return self._named_members("_parameters")  # type: ignore[return-value]

    def parameters(self) -> Iterator[Parameter]:
        """Every parameter of this module and its sub-modules, in registration order."""
        return (p for _, p in self.named_parameters())

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers")

    def buffers(self) -> Iterator[Tensor]:
        return (b for _, b in self.named_buffers())

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every sub-module and then on this one (e.g. to initialise weights)."""
        for module in reversed(list(self.modules())):
            fn(module)
        return self

    # ------------------------------------------------------------------ modes and devices
    def train(self, mode: bool = True) -> Module:
        """Training mode: Dropout drops, BatchNorm uses batch statistics."""
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: Dropout passes through, BatchNorm uses its running statistics."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (``.grad = None``, or zeros with ``set_to_none=False``)."""
        clear_gradients(self.parameters(), set_to_none)

    def to(self, device: str) -> Module:
        """Move every parameter, gradient and buffer to ``device`` in place (objects keep their identity)."""
        device = backend.normalize_device(device)
        for tensor in [*self.parameters(), *self.buffers()]:
            tensor.data = backend.to_device(tensor.data, device)
            if tensor.grad is not None:
                tensor.grad = _wrap(backend.to_device(tensor.grad.data, device))
        return self

    # ------------------------------------------------------------------ state
    def state_dict(self) -> OrderedDict[str, Tensor]:
        """Parameters and buffers by name (``"0.weight"``), as detached Tensors sharing their memory."""
        return OrderedDict((name, tensor.detach()) for name, tensor in self._state_tensors().items())

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values (Tensors or arrays) into this module's parameters and buffers, in place."""
        own = self._state_tensors()
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        if strict and (missing or unexpected):
            raise RuntimeError(
                f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}; "
                "the state_dict must come from a model with the same layers (or pass strict=False)"
            )
        for key, tensor in own.items():
            if key in state_dict:
                _copy_into(key, tensor, state_dict[key])
        return IncompatibleKeys(missing, unexpected)

    def _state_tensors(self) -> OrderedDict[str, Tensor]:
        state: OrderedDict[str, Tensor] = OrderedDict()
        for prefix, module in self.named_modules(remove_duplicate=False):  # a shared layer under each name
            for table in (module._parameters, module._buffers):
                for name, tensor in table.items():
                    if tensor is not None:
                        state[f"{prefix}.{name}" if prefix else name] = tensor
        return state

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The arguments shown inside this module's parentheses in ``repr``."""
        return ""

    def __repr__(self) -> str:
        children = [f"({name}): {module!r}".replace("\n", "\n  ") for name, module in self.named_children()]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = ([self.extra_repr()] if self.extra_repr() else []) + children
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _copy_into(key: str, tensor: Tensor, value: Any) -> None:
    """Copy ``value`` into ``tensor.data`` in place, with a clear error for a shape mismatch."""
    if isinstance(value, Tensor):
        value = value.data
    value = backend.to_device(value if hasattr(value, "shape") else np.asarray(value), tensor.device)
    if tuple(value.shape) != tuple(tensor.shape):
        raise RuntimeError(
            f"load_state_dict: size mismatch for {key}: the checkpoint has shape {tuple(value.shape)}, "
            f"the model has shape {tuple(tensor.shape)}"
        )
    tensor.data[...] = value


class Sequential(Module):
    """Layers applied one after another; they are named ``"0"``, ``"1"``, ... as in PyTorch."""

    def __init__(self, *layers: Module | Mapping[str, Module]) -> None:
        super().__init__()
        named = layers[0].items() if len(layers) == 1 and isinstance(layers[0], Mapping) else enumerate(layers)
        for name, layer in named:
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: layer {name} is a {type(layer).__name__}, not a Module")
            self.add_module(str(name), layer)

    def forward(self, x: Any) -> Any:
        for layer in self._modules.values():
            x = layer(x)
        return x

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):  # the layers keep their names, as in PyTorch: m[1:] starts at "1"
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, layer: Module) -> Sequential:
        self.add_module(str(len(self)), layer)
        return self
