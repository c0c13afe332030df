"""The chain rule: Function nodes, grad mode, and the backward pass.

A ``Function`` is one node of the computation graph. ``Function.apply`` runs its ``forward`` and,
when an input requires grad, makes the new node the output's ``grad_fn`` and keeps its inputs.
``backpropagate`` is the chain rule: it walks the graph from the outputs to the leaves, each node
after every node that used its output, and hands each node the gradient of its output, which
its ``backward`` turns into gradients of its inputs. ``backward()`` and ``grad()`` are its two
entry points: the first keeps the leaves' gradients in ``.grad``, the second returns those of the
tensors it is asked for.

Design rules that keep this engine correct (and are each tested):
- The graph is walked with an explicit stack, never recursion, so deep graphs work; each node
  carries the number of its creation, and newest-first is an order that puts every user of a
  tensor before the node that made it.
- Gradients live in a dict keyed by node (and leaf) and are dropped as soon as a node is done.
- Broadcasting is undone in ONE place, ``unbroadcast``, never in the ops.
- Nodes reference their inputs, never their outputs (only through a weakref), so a graph
  is freed by reference counting alone as soon as nothing points at it.
"""

from __future__ import annotations

import functools
import itertools
import reprlib
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from . import backend
from .tensor import Tensor, _wrap


# ----------------------------------------------------------------------------- grad mode
class _GradMode(threading.local):
    enabled = True  # class attributes: the defaults seen by every new thread
    inference = False


_grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when new operations are recorded in the graph."""
    return _grad_mode.enabled


class _SetGradMode:
    """Context manager and decorator (``@no_grad`` or ``@no_grad()``) that sets grad mode, restoring it after."""

    enabled: bool

    def __new__(cls, function: Callable | None = None) -> Any:
        self = super().__new__(cls)
        self._previous = []
        return self if function is None else self(function)

    def __init__(self, function: Callable | None = None) -> None:
        pass  # everything is set up in __new__, which also handles the decorator form

    def __enter__(self) -> None:
        self._previous.append(_grad_mode.enabled)
        _grad_mode.enabled = self.enabled

    def __exit__(self, *exc_info: object) -> None:
        _grad_mode.enabled = self._previous.pop()

    def __call__(self, function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return function(*args, **kwargs)

        return wrapper


class no_grad(_SetGradMode):  # noqa: N801 - named as in PyTorch
    """Run without recording the graph: for evaluation and for updating parameters."""

    enabled = False


class enable_grad(_SetGradMode):  # noqa: N801 - named as in PyTorch
    """Record the graph again inside a ``no_grad`` block."""

    enabled = True


class set_grad_enabled:  # noqa: N801 - named as in PyTorch
    """Turn recording on or off, as ``torch.set_grad_enabled(mode)``. Called plainly it sets the mode
    at once and the mode stays set; as ``with set_grad_enabled(mode):`` or as a decorator the mode
    before is restored afterwards (``with set_grad_enabled(is_training):`` in a train/eval loop)."""

    def __init__(self, mode: bool) -> None:
        self.mode, self.previous = bool(mode), _grad_mode.enabled
        _grad_mode.enabled = self.mode

    def __enter__(self) -> None:
        _grad_mode.enabled = self.mode

    def __exit__(self, *exc_info: object) -> None:
        _grad_mode.enabled = self.previous

    def __call__(self, function: Callable) -> Callable:
        _grad_mode.enabled = self.previous  # decorating a function changes nothing until it runs
        mode = self.mode

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return function(*args, **kwargs)

        return wrapper


class inference_mode:  # noqa: N801 - named as in PyTorch
    """``no_grad`` for inference, as ``torch.inference_mode`` (context manager and decorator, with or
    without parentheses). Here it is exactly ``no_grad``: results are ordinary constants, which
    PyTorch would additionally refuse to use in a later backward. ``inference_mode(False)``
    changes nothing. ``is_inference_mode_enabled()`` tells whether one is active."""

    def __new__(cls, mode: bool | Callable = True) -> Any:
        if callable(mode):  # @inference_mode without parentheses
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode, self._previous = bool(mode), []

    def __enter__(self) -> None:
        self._previous.append((_grad_mode.enabled, _grad_mode.inference))
        if self.mode:
            _grad_mode.enabled, _grad_mode.inference = False, True

    def __exit__(self, *exc_info: object) -> None:
        _grad_mode.enabled, _grad_mode.inference = self._previous.pop()

    def __call__(self, function: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return function(*args, **kwargs)

        return wrapper


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return _grad_mode.inference


# ----------------------------------------------------------------------------- Function
class _SavedOutput:
    """Stands in for the output among saved tensors; resolved through a weakref (no cycle)."""


_SAVED_OUTPUT = _SavedOutput()
_sequence = itertools.count()  # numbers the nodes (and in-place writes) in the order they happen


class _Writes:
    latest = -1  # the sequence number of the latest in-place write (see inplace.py)


class Versions:
    """How often a block of memory was written in place, and when last (a sequence number).
    Tensors on the same memory (``t.data``, ``t.detach()``, a view made by reshape or indexing)
    share one."""

    __slots__ = ("count", "last_write")

    def __init__(self) -> None:
        self.count, self.last_write = 0, -1


def versions_of(tensor: Tensor) -> Versions:
    """The counter of ``tensor``'s memory, made on first use (most tensors are never written)."""
    if tensor._versions is None:
        tensor._versions = Versions()
    return tensor._versions


def note_write(at: int | None = None) -> int:
    """Record an in-place write at sequence number ``at`` (default: now) and return that number."""
    at = next(_sequence) if at is None else at
    _Writes.latest = max(_Writes.latest, at)
    return at


class Function:
    """One operation of the graph: subclass it with ``forward`` and ``backward`` static methods.

    ``forward(ctx, *inputs, **params)`` receives Tensors and returns a Tensor or a backend array;
    it runs with gradient recording off. ``backward(ctx, grad)`` receives the gradient of the
    output (a Tensor) and returns one gradient per positional input of ``forward`` (a Tensor, an
    array or ``None``). The instance itself is ``ctx``: it is the graph node.
    """

    # Defaults as class attributes: a node only stores what differs (creating nodes is the hot path).
    inputs: tuple | None = None  # the positional arguments of forward, kept for backward
    needs_input_grad: tuple[bool, ...] = ()  # which inputs are Tensors that require grad
    _saved: tuple = ()
    _output_ref: weakref.ref | None = None
    _saves_output = False
    _released = False
    _sources: tuple = ()  # after release: where each input's gradient went (see next_functions)
    sequence = -1  # when the node was recorded: 0 for the first, counting up (see _nodes_oldest_first)

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    # --- what forward keeps for backward
    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (usually inputs) for ``backward``; read them back as ``ctx.saved_tensors``."""
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._released:
            raise RuntimeError(_freed_graph_message(self))
        saved = (
            self._saved
            if not self._saves_output
            else tuple(self.output if t is _SAVED_OUTPUT else t for t in self._saved)
        )
        if _Writes.latest > self.sequence:  # something was written in place after this node was recorded
            _check_unmodified(self, saved)
        return saved

    @property
    def output(self) -> Tensor:
        """The Tensor this node produced (held by weakref so the graph has no cycles)."""
        out = None if self._output_ref is None else self._output_ref()
        if out is None:
            raise RuntimeError(f"{type(self).__name__}: its output tensor no longer exists")
        return out

    @property
    def next_functions(self) -> tuple[tuple[Function | AccumulateGrad | None, int], ...]:
        """Where each input's gradient goes next, as PyTorch: a ``(node, 0)`` pair per input of
        ``forward``, the node being the input's ``grad_fn``, an ``AccumulateGrad`` for a leaf that
        requires grad, or ``None`` for a constant. Still there after backward frees the node."""
        sources = self._sources if self._released else map(_gradient_source, self.inputs or ())
        return tuple((_accumulate_grad(s) if isinstance(s, Tensor) else s, 0) for s in sources)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    # --- recording
    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run ``forward``; if grad mode is on and an input requires grad, record the node."""
        ctx = cls()
        if params and _grad_mode.enabled:
            _check_keywords(cls, params)
        needs = tuple([getattr(t, "_requires_grad", False) for t in inputs]) if _grad_mode.enabled else ()
        if True not in needs:  # nothing to record: under no_grad, in a backward pass, or constants only
            return _forward(ctx, inputs, params)
        _grad_mode.enabled = False  # forward itself is never recorded
        try:
            out = _forward(ctx, inputs, params)
        finally:
            _grad_mode.enabled = True
        if out.array.dtype.kind == "f":  # integer and bool results are constants
            ctx._record(out, inputs, needs)
        return out

    def _record(self, out: Tensor, inputs: tuple, needs: tuple[bool, ...]) -> None:
        """Make this node ``out``'s ``grad_fn``, keeping its inputs (and its output, by weakref)."""
        out._requires_grad = True
        out._ctx = self
        self.inputs, self.needs_input_grad = inputs, needs
        self._output_ref = weakref.ref(out)
        self.sequence = next(_sequence)
        for saved in self._saved:
            if (saved.array if isinstance(saved, Tensor) else saved) is out.array:  # forward saved its output:
                self._saved = tuple(_SAVED_OUTPUT if t is saved else t for t in self._saved)  # keep it by weakref
                self._saves_output = True
                break

    def _release(self) -> None:
        """Drop inputs, saved tensors and whatever else forward kept on ``ctx`` (masks, indices)
        after backward, so their memory is freed even while the output tensor lives on. Only the
        edges stay (``next_functions``): input nodes and leaves, whose memory is not the graph's."""
        sources = tuple(map(_gradient_source, self.inputs))
        self.__dict__.clear()  # every attribute falls back to its class default (inputs = None, ...)
        self._released, self._sources = True, sources


class AccumulateGrad:
    """The end of a path through the graph: the leaf ``variable`` whose ``.grad`` a backward pass
    adds to. It is what ``next_functions`` shows for a leaf that requires grad, as in PyTorch."""

    next_functions = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def __repr__(self) -> str:
        return f"<AccumulateGrad of a leaf {tuple(self.variable.shape)}>"


_accumulators: weakref.WeakValueDictionary[int, AccumulateGrad] = weakref.WeakValueDictionary()


def _gradient_source(value: Any) -> Function | Tensor | None:
    """Where the gradient of an input of a node goes: its node, the leaf itself, or nowhere."""
    if not isinstance(value, Tensor):
        return None
    return value._ctx or (value if value._requires_grad else None)


def _accumulate_grad(leaf: Tensor) -> AccumulateGrad:
    """The one AccumulateGrad of ``leaf`` while any node shows it (PyTorch gives the same object too)."""
    node = _accumulators.get(id(leaf))
    if node is None or node.variable is not leaf:
        node = _accumulators[id(leaf)] = AccumulateGrad(leaf)
    return node


def _forward(ctx: Function, inputs: tuple, params: dict) -> Tensor:
    """``forward`` of ``ctx``'s op as a new Tensor, with NumPy/CuPy errors rewritten to name the op and
    its operands. A view of an input's memory (NumPy's reshape, transpose and basic indexing return
    views) shares that input's version counter: a write to either is a write to both."""
    try:
        result = type(ctx).forward(ctx, *inputs, **params)
    except (ValueError, TypeError, IndexError) as error:
        raise _operation_error(type(ctx), inputs, error, params) from error
    if type(result) is not np.ndarray and not _is_result(result):
        raise TypeError(
            f"{type(ctx).__name__}.forward returned {type(result).__name__}; return one array or Tensor "
            f"(an op with several results is several Functions, or one whose result you split afterwards)"
        )
    out = _wrap(result.array if isinstance(result, Tensor) else result)
    base = out.array.base
    if base is not None:
        for t in inputs:
            if isinstance(t, Tensor) and (base is t.array or base is t.array.base):
                out._versions = versions_of(t)
                break
    return out


def _check_keywords(cls: type, params: dict) -> None:
    """Only positional inputs get gradients: a tensor that requires grad passed by keyword would
    silently get none."""
    for name, value in params.items():
        if getattr(value, "_requires_grad", False):
            raise TypeError(
                f"{cls.__name__}.apply: the tensor passed as {name}= requires grad, but only inputs passed "
                f"positionally get gradients; pass it positionally and return its gradient from backward"
            )


def _is_result(value: Any) -> bool:
    """What ``forward`` may return: an array of the backend, a NumPy scalar or a Tensor."""
    return isinstance(value, Tensor | np.ndarray | np.generic) or backend.is_device_array(value)


def _operation_error(cls: type, inputs: Sequence, error: Exception, params: dict | None = None) -> Exception:
    """Rewrite a NumPy/CuPy error inside ``forward`` into one that names the op, its operands and
    its arguments (``index=1.5``)."""
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    devices = sorted({backend.device_of(t.array) for t in tensors})  # names: device objects have no order
    name = cls.__name__
    if len(devices) > 1:
        described = ", ".join(f"{backend.device_of(t.array)} {tuple(t.shape)}" for t in tensors)
        return RuntimeError(
            f"{name}: tensors are on different devices ({described}); move them to one device "
            f"with .to('{devices[0]}') or .to('{devices[-1]}') first"
        )
    described = ", ".join(f"shape {tuple(t.shape)} {t.dtype}" for t in tensors)
    arguments = "".join(f", {key}={reprlib.repr(value)}" for key, value in (params or {}).items())
    message = f"{name}: cannot apply to operands ({described}{arguments}): {error}"
    try:
        return type(error)(message)
    except TypeError:  # NumPy's own exception classes may need more arguments than a message
        return next(kind(message) for kind in (IndexError, TypeError, ValueError) if isinstance(error, kind))


def _check_unmodified(ctx: Function, saved: tuple) -> None:
    """Refuse to use a saved tensor that was written in place after ``ctx`` was recorded."""
    for position, tensor in enumerate(saved):
        versions = getattr(tensor, "_versions", None)
        if versions is not None and versions.last_write > ctx.sequence:
            raise RuntimeError(
                f"{type(ctx).__name__}: a tensor it saved for the backward pass (saved tensor {position}, "
                f"shape {tuple(tensor.shape)} {tensor.dtype}{', requires_grad' if tensor.requires_grad else ''}) "
                f"was modified in place after the forward pass (it is now at version {versions.count}), "
                "so its gradient would be wrong. Call optimizer.step() and other in-place updates only after "
                "backward(), or use an out-of-place op (or .clone()) before writing to the tensor."
            )


def _freed_graph_message(ctx: Function) -> str:
    return (
        f"Trying to backward through the graph a second time (node {type(ctx).__name__}): its saved "
        "tensors were freed by the first backward. Pass retain_graph=True to the first backward() "
        "(or tg.grad) if you need to backward through the same graph again."
    )


# ----------------------------------------------------------------------------- the backward pass
# Filled by tinygrad_edu.fused.enable(): op -> a fused kernel for its gradient. Empty by default:
# each op's backward then is its one Tensor formula.
fused_gradients: dict[type, Callable[[Function, Tensor], Any]] = {}
Keep = Callable[[Tensor, Tensor], None]  # what a backward pass does with a tensor's complete gradient


def backpropagate(
    roots: Sequence[Tensor], seeds: Sequence[Tensor], keep: Keep, retain_graph: bool, create_graph: bool
) -> None:
    """The chain rule: send ``seeds`` (d root / d root) from ``roots`` back to the leaves. Nodes are taken
    newest first, so each tensor's gradient is complete (summed over every path) when it is taken:
    then it goes to ``keep(tensor, grad)`` (which keeps what its caller wants) and, through the
    node's ``backward``, on to its inputs."""
    grads: dict[Function | Tensor, Tensor] = {}  # the gradient reaching each node's output, and each leaf
    for root, seed in zip(roots, seeds, strict=True):
        _add_gradient(grads, root._ctx or root, seed)
    order, fused = _nodes_oldest_first(roots), ({} if create_graph else fused_gradients)
    previous, _grad_mode.enabled = _grad_mode.enabled, create_graph  # record backward only for higher order
    try:
        while order:  # newest first; popping lets each output be freed as soon as its node is done
            _, node, output = order.pop()
            grad = grads.pop(node, None)
            if grad is None:  # no path from the roots reached it with a gradient
                continue
            keep(output, grad)
            input_grads = _one_per_input(node, fused.get(type(node), type(node).backward)(node, grad))
            for parent, input_grad, needed in zip(node.inputs, input_grads, node.needs_input_grad):  # noqa: B905
                if needed and input_grad is not None:
                    _add_gradient(grads, parent._ctx or parent, unbroadcast(input_grad, parent, node))
            if not retain_graph:
                node._release()
        for leaf, grad in grads.items():  # what is left are the leaves' gradients, complete now
            keep(leaf, grad)
    finally:
        _grad_mode.enabled = previous


def _add_gradient(grads: dict, key: Function | Tensor, grad: Tensor) -> None:
    """A tensor reached along several paths gets the sum of their gradients (out of place)."""
    grads[key] = grad if key not in grads else grads[key] + grad


def _nodes_oldest_first(roots: Sequence[Tensor]) -> list[tuple[int, Function, Tensor]]:
    """(sequence number, node, its output) for every node a gradient from ``roots`` passes through,
    in the order the nodes were made.

    A node's inputs exist before it does, so each node is made after every node it reads from:
    newest first is an order in which every user of a tensor comes before its maker. The nodes
    are found with an explicit stack, never recursion, so any depth works.
    """
    found: dict[int, tuple[int, Function, Tensor]] = {}
    stack = [root for root in roots if root._ctx is not None]
    while stack:
        node = stack.pop()._ctx
        if id(node) in found:
            continue
        if node._released:
            raise RuntimeError(_freed_graph_message(node))
        found[id(node)] = (node.sequence, node, node.output)
        for parent, needed in zip(node.inputs, node.needs_input_grad):  # noqa: B905 (same lengths)
            if needed and parent._ctx is not None:
                stack.append(parent)
    return sorted(found.values())


def _one_per_input(node: Function, input_grads: Any) -> tuple:
    """What ``node.backward`` returned, checked to be one gradient (or None) per input."""
    if type(input_grads) is list:  # one per input, as a tuple would be
        input_grads = tuple(input_grads)
    elif type(input_grads) is not tuple:
        input_grads = (input_grads,)
    if len(input_grads) != len(node.inputs):
        raise RuntimeError(
            f"{type(node).__name__}.backward returned {len(input_grads)} gradient(s) but apply was given "
            f"{len(node.inputs)} positional input(s); return one gradient (or None) per positional input "
            f"(arguments passed by keyword get no gradient)"
        )
    return input_grads


def unbroadcast(grad: Any, tensor: Tensor, node: Function) -> Tensor:
    """Make ``grad`` (returned by ``node.backward``) a gradient for its input ``tensor``: a Tensor
    of its shape, dtype and device.

    This is the one place where broadcasting is undone: an op whose input was broadcast returns
    a gradient of the output's shape, and the axes broadcasting added or stretched are summed here.
    """
    if not isinstance(grad, Tensor):
        if not _is_result(grad):
            raise TypeError(
                f"{type(node).__name__}.backward returned {type(grad).__name__} as a gradient for an input of "
                f"shape {tuple(tensor.shape)}; return a Tensor (or array) of the input's shape, or None"
            )
        grad = _wrap(grad)
    data, target = grad.array, tensor.array
    if data.shape == target.shape and data.dtype == target.dtype and type(data) is type(target):
        return grad  # the common case, checked first
    if type(data) is not type(target):  # a NumPy and a CuPy array: different devices
        raise RuntimeError(
            f"{type(node).__name__}.backward returned a gradient on {grad.device} for an input on "
            f"{tensor.device}; return gradients on the input's device"
        )
    if data.shape != target.shape:
        extra = grad.ndim - tensor.ndim
        stretched = extra >= 0 and all(s in (1, g) for s, g in zip(tensor.shape, grad.shape[extra:], strict=True))
        if not stretched:
            raise RuntimeError(
                f"{type(node).__name__}.backward returned a gradient of shape {tuple(grad.shape)} for an "
                f"input of shape {tuple(tensor.shape)}; each gradient must have its input's shape"
            )
        axes = (*range(extra), *(extra + i for i, s in enumerate(tensor.shape) if s == 1 != grad.shape[extra + i]))
        grad = grad.sum(axis=axes, keepdims=True).reshape(target.shape)
    return grad if grad.array.dtype == target.dtype else grad.to(tensor.dtype)


# ----------------------------------------------------------------------------- entry points
def backward(
    tensor: Tensor, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
) -> None:
    """``tensor.backward()``: accumulate d(tensor)/d(leaf) * ``gradient`` into each leaf's ``.grad``."""
    if not tensor.requires_grad:
        raise RuntimeError(
            f"backward(): this tensor (shape {tuple(tensor.shape)}) does not require grad and has no grad_fn: "
            "none of the tensors it was computed from has requires_grad=True, or it was computed "
            "under no_grad()"
        )
    seed = _initial_gradient(tensor, gradient, "backward()")
    accumulate = _LeafGradients(seed.array, create_graph).accumulate
    retain = create_graph if retain_graph is None else retain_graph
    backpropagate([tensor], [seed], accumulate, retain_graph=retain, create_graph=create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned instead of stored in ``.grad``.

    ``grad_outputs`` weights each output (like ``backward``'s ``gradient``). With
    ``create_graph=True`` the returned gradients are differentiable again (higher order).
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, tensor in enumerate([*outputs, *inputs]):
        if not isinstance(tensor, Tensor) or not tensor.requires_grad:
            kind = "output" if i < len(outputs) else "input"
            raise RuntimeError(f"grad: {kind} {i if i < len(outputs) else i - len(outputs)} does not require grad")
    seeds = [_initial_gradient(out, g, "grad()") for out, g in zip(outputs, grad_outputs, strict=True)]
    found: dict[int, Tensor] = {}
    retain = create_graph if retain_graph is None else retain_graph
    wanted = {id(t) for t in inputs}

    def keep_wanted(tensor: Tensor, gradient: Tensor) -> None:
        if id(tensor) in wanted:
            found[id(tensor)] = gradient

    backpropagate(outputs, seeds, keep_wanted, retain, create_graph)
    for i, tensor in enumerate(inputs):
        if id(tensor) not in found and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {tuple(tensor.shape)}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
    gradients = [found.get(id(tensor)) for tensor in inputs]
    return tuple(g if create_graph or g is None else g.detach() for g in gradients)


def _initial_gradient(output: Tensor, gradient: Any, where: str) -> Tensor:
    """The gradient that starts a backward pass: 1 for a one-element output, else user-given."""
    if gradient is None:
        if output.numel() != 1:
            raise RuntimeError(
                f"{where}: the gradient can be omitted only for a one-element output, but the output has shape "
                f"{tuple(output.shape)}; "
                f"reduce it first (e.g. .sum() or .mean()) or pass a gradient of shape {tuple(output.shape)}"
            )
        return _wrap(backend.get_array_module(output.array).ones(output.array.shape, dtype=output.array.dtype))
    if not isinstance(gradient, Tensor):
        gradient = Tensor(gradient, dtype=output.array.dtype, device=output.device)
    if gradient.shape != output.shape:
        raise RuntimeError(
            f"{where}: the gradient has shape {tuple(gradient.shape)} but the output has shape "
            f"{tuple(output.shape)}; they must match"
        )
    if gradient.device != output.device:
        raise RuntimeError(f"{where}: the gradient is on {gradient.device} but the output is on {output.device}")
    return gradient if gradient.array.dtype == output.array.dtype else gradient.to(output.array.dtype)


class _LeafGradients:
    """Adds gradients into leaves' ``.grad``, copying only where memory would otherwise be shared
    (with the seed, with another leaf's gradient, or a read-only broadcast view)."""

    def __init__(self, seed: Any, create_graph: bool) -> None:
        self._owners = {id(backend.owner(seed))}
        self._create_graph = create_graph

    def accumulate(self, leaf: Tensor, grad: Tensor) -> None:
        if leaf._ctx is not None:  # not a leaf: its gradient is passed on, not kept
            return
        if not self._create_graph and grad._ctx is not None:
            grad = grad.detach()
        # ``_grad``, not the checking ``grad`` setter: unbroadcast gave this gradient the leaf's shape,
        # dtype and device already, and this runs for every parameter on every backward.
        if leaf._grad is not None:
            leaf._grad = leaf._grad + grad if self._create_graph else _wrap(leaf._grad.array + grad.array)
            return
        array = grad.array
        memory = id(array if array.base is None else backend.owner(array))
        if memory in self._owners or not backend.is_writeable(array):
            grad = grad.clone()  # never let two .grad share memory (a recorded copy under create_graph)
        else:
            self._owners.add(memory)
        leaf._grad = grad


def clear_gradients(tensors: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Forget accumulated gradients before the next backward: ``.grad = None``, or zeros in place.

    A gradient made with ``create_graph=True`` is part of a graph: it is cut off first, so zeroing
    it never writes into a node that another computation still uses.
    """
    for tensor in tensors:
        if set_to_none:
            tensor.grad = None
        elif tensor.grad is not None:
            if tensor.grad.grad_fn is not None:
                tensor.grad = tensor.grad.detach()
            with no_grad():  # a gradient kept with create_graph=True is written as a plain array
                tensor.grad.zero_()
