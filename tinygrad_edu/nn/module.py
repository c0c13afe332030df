"""Module and Parameter: how layers hold their weights and find each other's.

A Module keeps its Parameters, buffers (state that is saved but not trained, such as
BatchNorm's running mean) and sub-Modules in registration order, so ``parameters()`` and
``state_dict()`` list them in the same order every run, with PyTorch's names (``"0.weight"``).

Hooks, with PyTorch's names, let code watch or change every call of a module without editing its
``forward``: a forward pre-hook sees (and may replace) the arguments, a forward hook sees (and may
replace) the output. ``register_module_forward_pre_hook`` and ``register_module_forward_hook``
add hooks that run for every Module; ``nn.summary`` and ``tg.viz.record_modules`` use them.
"""

from __future__ import annotations

import itertools
import numbers
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from .. import backend
from ..autograd import clear_gradients
from ..dtypes import check_dtype, default_float
from ..inplace import mark_written
from ..tensor import Tensor, _wrap

PreHook = Callable[["Module", tuple], Any]  # hook(module, args) -> None or new args
ForwardHook = Callable[..., Any]  # hook(module, args, output), or (module, args, kwargs, output) -> None or new output


class Parameter(Tensor):
    """A Tensor that is a model's weight: it requires grad, and Modules register it automatically."""

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        # Without data, an empty float tensor, as PyTorch's nn.Parameter()
        super().__init__(np.empty(0, dtype=default_float()) if data is None else data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return f"Parameter containing:\n{super().__repr__()}"


# ----------------------------------------------------------------------------- hooks
# The hooks that run for every Module (before each module's own): handle id -> hook, in registration order.
_global_forward_pre_hooks: dict[int, PreHook] = {}
_global_forward_hooks: dict[int, ForwardHook] = {}
_hooks_lock = threading.Lock()  # a hook table and the flag that tells Module.__call__ of it change together


class RemovableHandle:
    """What each ``register_*hook`` returns, as ``torch.utils.hooks.RemovableHandle``.

    ``handle.remove()`` takes the hook away (calling it again does nothing), and ``with handle:``
    removes it at the end of the block, even on an error. Calling the handle, ``handle()``, is an
    alias of ``remove()`` (earlier versions returned a plain function that removed the hook).
    """

    _ids = itertools.count()

    def __init__(self, hooks: dict[int, Any], module: Module | None) -> None:
        self.id = next(RemovableHandle._ids)
        self._hooks: dict[int, Any] | None = hooks  # the table holding the hook; None once removed
        # The module whose table it is (None for a global hook), held weakly: a handle kept
        # somewhere must not keep a model alive.
        self._module = None if module is None else weakref.ref(module)

    def remove(self) -> None:
        with _hooks_lock:
            if self._hooks is None:
                return
            self._hooks.pop(self.id, None)
            # A module gone meanwhile reads as None: recomputing the global flag is then harmless.
            _update_hooked_flag(None if self._module is None else self._module())
            self._hooks = self._module = None

    __call__ = remove

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *error: object) -> None:
        self.remove()


def _add_hook(hooks: dict[int, Any], hook: Callable, module: Module | None) -> RemovableHandle:
    """Put ``hook`` last in ``hooks`` (``module``'s table, or a global one) and return its handle."""
    if not callable(hook):
        raise TypeError(f"a hook must be a function (or another callable), got a {type(hook).__name__}")
    with _hooks_lock:
        handle = RemovableHandle(hooks, module)
        hooks[handle.id] = hook
        _update_hooked_flag(module)
    return handle


def _update_hooked_flag(module: Module | None) -> None:
    """Keep ``_hooked``, which ``Module.__call__`` checks, true exactly where hooks may run.

    A module with hooks of its own has ``_hooked = True`` in its ``__dict__`` (a copy made with
    ``copy.deepcopy`` keeps it, with the hooks); any other module reads the class attribute,
    true while global hooks exist.
    """
    if module is None:
        Module._hooked = bool(_global_forward_pre_hooks or _global_forward_hooks)
    elif module._forward_pre_hooks or module._forward_hooks:
        module.__dict__["_hooked"] = True
    else:
        module.__dict__.pop("_hooked", None)


def _with_kwargs_form(hook: ForwardHook, with_kwargs: bool) -> ForwardHook:
    """Forward hooks are kept as hook(module, args, kwargs, output): a plain one is wrapped to that."""
    if with_kwargs or not callable(hook):  # (_add_hook rejects what is not callable)
        return hook
    return lambda module, args, kwargs, output: hook(module, args, output)


def register_module_forward_pre_hook(hook: PreHook) -> RemovableHandle:
    """Call ``hook(module, args)`` before the forward of every Module, before each module's own pre-hooks.

    As ``Module.register_forward_pre_hook``, a result other than None replaces the positional
    arguments. Returns a handle whose ``remove()`` ends it.
    """
    return _add_hook(_global_forward_pre_hooks, hook, None)


def register_module_forward_hook(hook: ForwardHook, *, with_kwargs: bool = False) -> RemovableHandle:
    """Call ``hook(module, args, output)`` after the forward of every Module, before each module's own hooks.

    As ``Module.register_forward_hook``: ``with_kwargs=True`` calls ``hook(module, args, kwargs,
    output)``, and a result other than None replaces the output. Returns a handle whose
    ``remove()`` ends it.
    """
    return _add_hook(_global_forward_hooks, _with_kwargs_form(hook, with_kwargs), None)


class IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model: subclass it, create layers in ``__init__``, write ``forward``."""

    _hooked = False  # whether __call__ has hooks to run (see _update_hooked_flag)

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
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
        self._check_new_member("buffer", name, tensor, Tensor, self._buffers)
        object.__setattr__(self, name, tensor)
        self._buffers[name] = tensor

    def register_parameter(self, name: str, parameter: Parameter | None) -> None:
        """Register a parameter (or ``None``, as Linear does for a missing bias)."""
        self._check_new_member("parameter", name, parameter, Parameter, self._parameters)
        object.__setattr__(self, name, parameter)
        self._parameters[name] = parameter

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or ``None``, a placeholder) as the sub-module ``name``."""
        self._check_new_member("module", name, module, Module, self._modules)
        object.__setattr__(self, name, module)
        self._modules[name] = module

    def _check_new_member(self, kind: str, name: Any, value: Any, expected: type, table: dict) -> None:
        """Refuse, as PyTorch, a name that is not a string, is empty, has a dot (state_dict keys use
        dots), or is another attribute of this module; and a value that is not ``expected`` or None."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before registering a {kind}")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got a {type(name).__name__} ({name!r})")
        if not name or "." in name:
            raise KeyError(f"{kind} name can't be empty or contain '.', got {name!r}")
        if hasattr(self, name) and name not in table:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}; choose another {kind} name")
        if value is not None and not isinstance(value, expected):
            raise TypeError(
                f"cannot register a {type(value).__name__} as {kind} {name!r}: expected "
                + {Parameter: "an nn.Parameter", Module: "an nn.Module"}.get(expected, "a Tensor")
                + " or None"
                + (" (wrap a tensor in nn.Parameter to train it)" if expected is Parameter else "")
            )

    # ------------------------------------------------------------------ hooks
    def register_forward_pre_hook(self, hook: PreHook) -> RemovableHandle:
        """Call ``hook(module, args)`` before every forward of this module; returns the hook's handle.

        A result other than None replaces the positional arguments (a non-tuple ``r`` becomes ``(r,)``).
        """
        return _add_hook(self._forward_pre_hooks, hook, self)

    def register_forward_hook(self, hook: ForwardHook, *, with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every forward of this module; returns the hook's handle.

        ``with_kwargs=True`` calls ``hook(module, args, kwargs, output)``. A result other than None
        replaces the output.
        """
        return _add_hook(self._forward_hooks, _with_kwargs_form(hook, with_kwargs), self)

    # ------------------------------------------------------------------ forward
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self._hooked:  # no hook to run, the usual case: one check, as this runs for every layer
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        """Pre-hooks (each may replace the arguments), forward, then forward hooks (each may replace
        the output); the global hooks before this module's own, each kind in registration order."""
        for pre_hook in (*_global_forward_pre_hooks.values(), *self._forward_pre_hooks.values()):
            result = pre_hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in (*_global_forward_hooks.values(), *self._forward_hooks.values()):
            result = hook(self, args, kwargs, output)
            if result is not None:
                output = result
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
        if not callable(fn):
            raise TypeError(f"apply: fn must be a function taking a module, got a {type(fn).__name__}")
        for module in reversed(list(self.modules())):
            fn(module)
        return self

    # ------------------------------------------------------------------ modes and devices
    def train(self, mode: bool = True) -> Module:
        """Training mode: Dropout drops, BatchNorm uses batch statistics."""
        if not isinstance(mode, bool | np.bool_):
            raise ValueError(f"training mode is expected to be True or False, got {mode!r}")
        mode = bool(mode)
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: Dropout passes through, BatchNorm uses its running statistics."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter (``.grad = None``, or zeros with ``set_to_none=False``)."""
        clear_gradients(self.parameters(), set_to_none)

    def to(self, *args: Any, device: Any = None, dtype: Any = None) -> Module:
        """Move every parameter, gradient and buffer to a device and/or cast the floating ones to a
        float dtype, in place (objects keep their identity), as PyTorch: ``model.to("cuda")``,
        ``model.to(tg.float64)``, ``model.to("cuda", tg.float16)``."""
        for arg in args:
            if backend.names_device(arg):
                device = arg
            elif isinstance(arg, str) and not _names_dtype(arg):
                raise TypeError(f"Module.to: {arg!r} is neither a device ('cpu', 'cuda') nor a dtype ('float64', ...)")
            else:
                dtype = arg
        device = None if device is None else backend.normalize_device(device)
        dtype = None if dtype is None else check_dtype(dtype)
        if dtype is not None and dtype.kind != "f":
            raise TypeError(f"Module.to: only floating dtypes can be given, got {dtype}; use e.g. tg.float64")
        for tensor in [*self.parameters(), *self.buffers()]:
            tensor.data = _moved(tensor.array, device, dtype)
            if tensor.grad is not None:
                tensor.grad = _wrap(_moved(tensor.grad.array, device, dtype))
        return self

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32 in place; return this module."""
        return self.to(dtype=np.float32)

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64 in place; return this module."""
        return self.to(dtype=np.float64)

    def half(self) -> Module:
        """Cast floating parameters and buffers to float16 in place; return this module."""
        return self.to(dtype=np.float16)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> OrderedDict[str, Tensor]:
        """Parameters and buffers by name (``"0.weight"``), as detached Tensors sharing their memory."""
        return OrderedDict((name, tensor.detach()) for name, tensor in self._state_tensors().items())

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values (Tensors or arrays) into this module's parameters and buffers, in place.

        Every value is checked before any is copied: on an error the module is unchanged.
        """
        if not isinstance(state_dict, Mapping):
            hint = "; pass model.state_dict()" if isinstance(state_dict, Module) else ""
            raise TypeError(
                f"load_state_dict: expected a dict of tensors by name (from state_dict()), "
                f"got a {type(state_dict).__name__}{hint}"
            )
        own = self._state_tensors()
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        if strict and (missing or unexpected):
            raise RuntimeError(
                f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}; "
                "the state_dict must come from a model with the same layers (or pass strict=False)"
            )
        values = {key: _loaded_array(key, tensor, state_dict[key]) for key, tensor in own.items() if key in state_dict}
        for key, value in values.items():
            own[key].array[...] = value
            mark_written(own[key])
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


def _moved(array: Any, device: str | None, dtype: np.dtype | None) -> Any:
    """``array`` on ``device`` and, when it is floating, cast to ``dtype`` (integer buffers such as
    a step count keep their dtype, as in PyTorch); the same array when nothing changes."""
    if dtype is not None and array.dtype.kind == "f" and array.dtype != dtype:
        array = array.astype(dtype)
    return array if device is None else backend.to_device(array, device)


def _names_dtype(name: str) -> bool:
    try:
        check_dtype(name)
    except TypeError:
        return False
    return True


def _loaded_array(key: str, tensor: Tensor, value: Any) -> Any:
    """``value`` (a Tensor, an array or nested lists of numbers) as an array on ``tensor``'s device,
    with a clear error for anything else or a shape mismatch."""
    if isinstance(value, Tensor):
        value = value.array
    if not hasattr(value, "shape"):
        value = np.asarray(value)
    if getattr(value, "dtype", None) is None or value.dtype.kind not in "biuf":
        raise TypeError(
            f"load_state_dict: the value for {key} is a {type(value).__name__}"
            + (f" of {value.dtype}" if getattr(value, "dtype", None) is not None else "")
            + ", expected a Tensor or an array of numbers"
        )
    if tuple(value.shape) != tuple(tensor.shape):
        raise RuntimeError(
            f"load_state_dict: size mismatch for {key}: the checkpoint has shape {tuple(value.shape)}, "
            f"the model has shape {tuple(tensor.shape)}"
        )
    return backend.to_device(value, tensor.device)


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
        if not isinstance(index, numbers.Integral) or isinstance(index, bool):
            raise TypeError(f"Sequential indices must be integers or slices, got a {type(index).__name__} ({index!r})")
        if not -len(self) <= index < len(self):
            raise IndexError(f"Sequential index {index} is out of range: it has {len(self)} layer(s)")
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, layer: Module) -> Sequential:
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential.append: the layer is a {type(layer).__name__}, not a Module")
        self.add_module(str(len(self)), layer)
        return self
