"""The chain rule: Function nodes, grad mode, and the backward pass.

A ``Function`` is one node of the computation graph. ``Function.apply`` runs its ``forward``
and, when gradients are being recorded, makes the new node the output's ``grad_fn`` and keeps
the inputs it needs. ``backward`` walks the graph from the output to the leaves in reverse
topological order and calls each node's ``backward`` with the gradient of its output.

Design rules that keep this engine correct (and are each tested):
- The graph is walked with an explicit stack, never recursion, so deep graphs work.
- Gradients live in a dict keyed by node and are dropped as soon as a node is consumed.
- Gradients are reduced back to each input's shape in ONE place, ``_fit_gradient``.
- Nodes reference their inputs, never their outputs (only through a weakref), so a graph
  is freed by reference counting alone as soon as nothing points at it.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from . import backend


# ----------------------------------------------------------------------------- grad mode
class _GradMode(threading.local):
    enabled = True  # class attribute: the default seen by every new thread


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


# ----------------------------------------------------------------------------- module recording
# Set only inside tg.viz.record_modules(): Module.__call__ then enters each forward into this
# recorder, and Function.apply copies its ``path`` (the Modules whose forward is running) onto each
# new node, so a drawing can box each layer's ops. The rest of the time it is None, and training
# pays one test of it per Module call and per recorded node.
module_recorder: Any = None


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
            tensor.grad.data[...] = 0


# ----------------------------------------------------------------------------- Function
class _SavedOutput:
    """Stands in for the output among saved tensors; resolved through a weakref (no cycle)."""


_SAVED_OUTPUT = _SavedOutput()


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
    _released = False
    module_path: tuple[str, ...] = ()  # the Modules whose forward made this node (tg.viz.record_modules)

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
        return tuple(self.output if t is _SAVED_OUTPUT else t for t in self._saved)

    @property
    def output(self) -> Tensor:
        """The Tensor this node produced (held by weakref so the graph has no cycles)."""
        out = None if self._output_ref is None else self._output_ref()
        if out is None:
            raise RuntimeError(f"{type(self).__name__}: its output tensor no longer exists")
        return out

    @property
    def next_functions(self) -> tuple:
        """The ``grad_fn`` of each Tensor input (``None`` for leaves and constants), as PyTorch."""
        return tuple(t.grad_fn if isinstance(t, Tensor) else None for t in (self.inputs or ()))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    # --- recording
    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run ``forward`` and, if any input requires grad, record this node in the graph."""
        ctx = cls()
        mode = _grad_mode
        if not mode.enabled:  # in no_grad, or a plain backward pass: run forward, record nothing
            return _wrap(_as_array(_run_forward(cls, ctx, inputs, params)))
        record = any(isinstance(t, Tensor) and t._requires_grad for t in inputs)
        mode.enabled = False  # forward itself is never recorded
        try:
            result = _run_forward(cls, ctx, inputs, params)
        finally:
            mode.enabled = True
        out = _wrap(_as_array(result))
        if record and out.data.dtype.kind == "f":  # integer and bool results are constants
            out._requires_grad = True
            out._ctx = ctx
            ctx.inputs = inputs
            ctx.needs_input_grad = tuple(isinstance(t, Tensor) and t._requires_grad for t in inputs)
            ctx._output_ref = weakref.ref(out)
            if module_recorder is not None:  # inside tg.viz.record_modules(): note which Modules made it
                ctx.module_path = module_recorder.path
            if ctx._saved and any(t is result for t in ctx._saved):  # forward saved its own output
                ctx._saved = tuple(_SAVED_OUTPUT if t is result else t for t in ctx._saved)
        return out

    def _release(self) -> None:
        """Drop inputs, saved tensors and whatever else forward kept on ``ctx`` (masks, indices)
        after backward, so their memory is freed even while the output tensor lives on."""
        self.__dict__.clear()  # every attribute falls back to its class default (inputs = None, ...)
        self._released = True


def _run_forward(cls: type, ctx: Function, inputs: tuple, params: dict) -> Any:
    """``cls.forward``, with NumPy/CuPy errors rewritten to name the op and its operands."""
    try:
        return cls.forward(ctx, *inputs, **params)
    except (ValueError, TypeError, IndexError) as error:
        raise _operation_error(cls, inputs, error) from error


def _as_array(result: Any) -> Any:
    """forward may return a Tensor (custom Functions) or a backend array (the built-in ops)."""
    return result.data if isinstance(result, Tensor) else result


def _operation_error(cls: type, inputs: Sequence, error: Exception) -> Exception:
    """Rewrite a NumPy/CuPy error inside ``forward`` into one that names the op and its operands."""
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    devices = sorted({t.device for t in tensors})
    name = cls.__name__
    if len(devices) > 1:
        described = ", ".join(f"{t.device} {tuple(t.shape)}" for t in tensors)
        return RuntimeError(
            f"{name}: tensors are on different devices ({described}); move them to one device "
            f"with .to('{devices[0]}') or .to('{devices[-1]}') first"
        )
    described = ", ".join(f"shape {tuple(t.shape)} {t.dtype}" for t in tensors)
    message = f"{name}: cannot apply to operands ({described}): {error}"
    try:
        return type(error)(message)
    except TypeError:  # NumPy's own exception classes may need more arguments than a message
        return next(kind(message) for kind in (IndexError, TypeError, ValueError) if isinstance(error, kind))


def _freed_graph_message(ctx: Function) -> str:
    return (
        f"Trying to backward through the graph a second time (node {type(ctx).__name__}): its saved "
        "tensors were freed by the first backward. Pass retain_graph=True to the first backward() "
        "(or tg.grad) if you need to backward through the same graph again."
    )


# ----------------------------------------------------------------------------- backward
def topological_order(roots: Iterable[Tensor], parents_of: Callable[[Tensor], Iterable[Tensor]]) -> list[Tensor]:
    """Every tensor reachable from ``roots`` through ``parents_of``, each after all of its parents.

    Found with an explicit stack, never recursion, so any depth works: a tensor is pushed once to
    visit it and once more (marked done) to emit it after its inputs. ``backward`` walks the
    inputs that need a gradient; ``tg.viz`` walks every input, to draw it.
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False) for root in roots]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        stack.extend((parent, False) for parent in parents_of(tensor) if id(parent) not in visited)
    return order


def _inputs_needing_grad(tensor: Tensor) -> list[Tensor]:
    """The inputs of the node that made ``tensor`` that a gradient must reach (none for a leaf)."""
    ctx = tensor._ctx
    if ctx is None:
        return []
    if ctx._released:
        raise RuntimeError(_freed_graph_message(ctx))
    return [parent for parent, needed in zip(ctx.inputs, ctx.needs_input_grad) if needed]  # noqa: B905


def _fit_gradient(grad: Any, tensor: Tensor, ctx: Function) -> Tensor:
    """Make ``grad`` a gradient for ``tensor``: a Tensor of its shape, dtype and device.

    This is the one place where broadcasting is undone: an op whose input was broadcast
    returns a gradient of the output's shape, and the broadcast axes are summed here.
    """
    if type(grad) is not Tensor and not isinstance(grad, Tensor):
        grad = _wrap(grad)
    if type(grad.data) is not type(tensor.data):  # a NumPy and a CuPy array: different devices
        raise RuntimeError(
            f"{type(ctx).__name__}.backward returned a gradient on {grad.device} for an input on "
            f"{tensor.device}; return gradients on the input's device"
        )
    if grad.data.shape != tensor.data.shape:
        grad = _sum_to_shape(grad, tensor.shape, ctx)
    if grad.data.dtype != tensor.data.dtype:
        grad = grad.to(tensor.dtype)
    return grad


def _sum_to_shape(grad: Tensor, shape: tuple, ctx: Function) -> Tensor:
    """Sum a broadcast gradient over the axes broadcasting added or stretched."""
    extra = grad.ndim - len(shape)
    stretched = extra >= 0 and all(s == 1 or s == g for s, g in zip(shape, grad.shape[extra:], strict=True))
    if not stretched:
        raise RuntimeError(
            f"{type(ctx).__name__}.backward returned a gradient of shape {tuple(grad.shape)} for an "
            f"input of shape {tuple(shape)}; each gradient must have its input's shape"
        )
    axes = tuple(range(extra)) + tuple(extra + i for i, s in enumerate(shape) if s == 1 and grad.shape[extra + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


class _LeafGradients:
    """Stores gradients into leaves' ``.grad``, copying only when memory would be shared."""

    def __init__(self, shared: Iterable[Any] = ()) -> None:
        self._owners = {id(backend.owner(array)) for array in shared}

    def accumulate(self, leaf: Tensor, grad: Tensor, create_graph: bool) -> None:
        if not create_graph and grad._ctx is not None:
            grad = grad.detach()
        if leaf.grad is not None:
            leaf.grad = leaf.grad + grad if create_graph else _wrap(leaf.grad.data + grad.data)
            return
        array = grad.data
        memory = id(array if array.base is None else backend.owner(array))
        if memory in self._owners or not backend.is_writeable(array):
            grad = grad.clone()  # never let two .grad share memory (a recorded copy under create_graph)
        else:
            self._owners.add(memory)
        leaf.grad = grad


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
) -> list[Tensor | None] | None:
    """Backpropagate ``root_grads`` from ``roots``.

    With ``inputs=None`` the gradients are accumulated into the leaves' ``.grad`` (``backward``);
    otherwise the gradients of ``inputs`` are returned and no ``.grad`` is touched (``tg.grad``).
    """
    order = topological_order(roots, _inputs_needing_grad)
    grads: dict[int, Tensor] = {}
    for root, grad in zip(roots, root_grads, strict=True):
        grads[id(root)] = grad if id(root) not in grads else grads[id(root)] + grad
    wanted: dict[int, list[int]] | None = None  # input tensor -> its positions in ``inputs``
    if inputs is not None:
        wanted = {}
        for position, t in enumerate(inputs):
            wanted.setdefault(id(t), []).append(position)
    found: list[Tensor | None] = [] if inputs is None else [None] * len(inputs)
    leaves = _LeafGradients(shared=[g.data for g in root_grads])
    previous = _grad_mode.enabled
    _grad_mode.enabled = create_graph  # record the backward pass itself only for higher order
    try:
        while order:  # outputs first; popping lets each tensor be freed as soon as it is done
            tensor = order.pop()
            grad = grads.pop(id(tensor), None)
            ctx = tensor._ctx
            if wanted is not None and id(tensor) in wanted:
                for position in wanted[id(tensor)]:
                    found[position] = grad
            if grad is None:
                continue
            if ctx is None:
                if wanted is None:
                    leaves.accumulate(tensor, grad, create_graph)
                continue
            _backward_node(ctx, grad, grads)
            if not retain_graph:
                ctx._release()
    finally:
        _grad_mode.enabled = previous
    return None if inputs is None else found


def _backward_node(ctx: Function, grad: Tensor, grads: dict[int, Tensor]) -> None:
    """Apply the chain rule at one node: pass its output gradient on to its inputs."""
    input_grads = type(ctx).backward(ctx, grad)
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    if len(input_grads) != len(ctx.inputs):
        raise RuntimeError(
            f"{type(ctx).__name__}.backward returned {len(input_grads)} gradient(s) but forward "
            f"had {len(ctx.inputs)} input(s); return one gradient (or None) per input"
        )
    for tensor, input_grad, needed in zip(ctx.inputs, input_grads, ctx.needs_input_grad):  # noqa: B905 (same lengths)
        if needed and input_grad is not None:
            input_grad = _fit_gradient(input_grad, tensor, ctx)
            key = id(tensor)  # a tensor reached along several paths sums their gradients (out of place)
            grads[key] = input_grad if key not in grads else grads[key] + input_grad


# Imported last: tensor.py builds on Function, and the engine above needs Tensor at run time.
from .tensor import Tensor, _wrap  # noqa: E402
