"""Drawing the computation graph: DOT text with no dependency, and Graphviz pictures.

``to_dot(loss)`` walks the graph that produced ``loss`` and returns DOT text: a box per tensor
(its name, shape and dtype; optionally its values and gradient, micrograd's ``data | grad``
records), an oval per op (the Function's name), and an arrow from each input to the op that used
it and from each op to its output. ``draw_graph`` returns the same drawing as a
``graphviz.Digraph`` (it shows inline in Jupyter) and ``render`` writes it to an SVG, PNG or PDF
file, which needs Graphviz's ``dot`` program.

Colours tell tensors apart: parameters, inputs (every other leaf, constants included),
intermediates and the outputs being drawn. Run the forward pass inside ``record_modules(model)``
and the drawing can box each module's ops and parameters (``cluster_modules``) or draw one node
per module (``collapse_modules``). The engine keeps no such bookkeeping: ``record_modules`` uses
module hooks (``nn.register_module_forward_pre_hook`` / ``register_module_forward_hook``) and
keeps its own labels, node -> module path, in a weak dictionary (``module_path(node)`` reads one).

A graph can be drawn only while it exists: ``backward()`` frees it (each op drops its inputs).
Draw before ``backward()``, or call ``backward(retain_graph=True)`` to draw gradients after it.
"""

from __future__ import annotations

import contextlib
import html
import os
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import autograd, backend
from .autograd import grad
from .checks import check_size
from .io import write_bytes_atomically
from .nn.module import (
    Module,
    Parameter,
    RemovableHandle,
    register_module_forward_hook,
    register_module_forward_pre_hook,
)
from .tensor import Tensor

__all__ = ["draw_graph", "module_path", "record_modules", "render", "to_dot"]

# Fill colours per kind of node, in the order the legend lists them.
COLORS = {
    "parameter": "#c7e9c0",  # green: weights a model trains
    "input": "#c6dbef",  # blue: every other leaf (data, labels, constants, a requires_grad leaf)
    "intermediate": "#f0f0f0",  # grey: made by an op, used by another
    "output": "#fdd0a2",  # orange: the tensors being drawn
    "op": "#ffffff",  # white ovals: the Functions
    "module": "#dadaeb",  # lavender: a whole module, with collapse_modules=True
}
GRAPH_NAME = "computation_graph"  # the title of the SVG
RANKDIRS = ("LR", "TB", "RL", "BT")
FORMATS = ("svg", "png", "pdf")  # drawn by the dot program
TEXT_FORMATS = ("dot", "gv")  # files that get the DOT text itself
MAX_SHOWN_VALUES = 8  # show_data and show_grads print tensors with at most this many elements
INSTALL_GRAPHVIZ = (
    "install Graphviz: apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS) "
    "or conda install -c conda-forge graphviz"
)


# ----------------------------------------------------------------------------- module names
# Graph node -> the Modules whose forward made it, outermost first, as record_modules labelled it.
# Weak keys: a label never keeps a graph alive, and goes when its node does.
_module_paths: weakref.WeakKeyDictionary[autograd.Function, tuple[str, ...]] = weakref.WeakKeyDictionary()


def module_path(node: autograd.Function) -> tuple[str, ...]:
    """The Modules whose forward made the graph node ``node`` (a ``tensor.grad_fn``), outermost first.

    Labels come from ``record_modules``: ``("Sequential", "0 (Linear)")``; ``()`` for a node made
    outside every module or outside a ``record_modules`` block.
    """
    if not isinstance(node, autograd.Function):
        hint = " (pass tensor.grad_fn)" if isinstance(node, Tensor) else ""
        raise TypeError(f"module_path: expected a graph node, a tensor's grad_fn, got a {type(node).__name__}{hint}")
    return _module_paths.get(node, ())


@contextlib.contextmanager
def record_modules(model: Module | None = None) -> Iterator[None]:
    """Within this block, label each graph node with the Modules whose forward made it.

    Modules of ``model`` are named as in ``model.named_modules()`` (``"0 (Linear)"``; the model
    itself by its class). Any other module is named by its class: ``CrossEntropyLoss``, then
    ``CrossEntropyLoss_1`` for a second one. ``module_path(node)`` reads the labels, and
    ``cluster_modules`` and ``collapse_modules`` draw with them. Recording is process-wide (all
    threads) and stops at the end of the block; in nested blocks the innermost one records.

    It works with two hooks that run for every Module (``nn.register_module_forward_pre_hook``
    and ``nn.register_module_forward_hook``), removed at the end of the block: before a forward,
    the module's name goes on a path of the calls under way; after it, the nodes that call made
    get that path. Those are found by walking back from the output to the call's inputs, through
    nodes no inner module call has labelled yet (inner calls finish first, with longer paths).
    Ops that a module's own hooks make count as its own. The engine and ``Module.__call__`` know
    nothing of this; the labels live in viz, held weakly, so they never keep a graph alive.
    """
    global _recorder
    if model is not None and not isinstance(model, Module):
        raise TypeError(f"record_modules: model must be an nn.Module (or None), got {type(model).__name__}")
    recorder = _ModuleRecorder(model)
    outer, _recorder = _recorder, recorder
    try:
        with (
            register_module_forward_pre_hook(recorder.enter),
            register_module_forward_hook(recorder.leave, with_kwargs=True),
        ):
            yield
    finally:
        recorder.remove_closers()
        _recorder = outer


@dataclass
class _Call:
    """A module call under way: its module, its path, and its arguments as the call got them."""

    module: Module
    path: tuple[str, ...]
    args: tuple


class _ModuleRecorder:
    """Names modules, keeps the calls under way, and labels the nodes each call made."""

    def __init__(self, model: Module | None) -> None:
        self._calls: list[_Call] = []  # outermost first
        # The output node of each finished call -> that call's input tensors: a walk that meets
        # the output of an inner call goes on from its inputs, past the nodes it labelled.
        self._call_inputs: weakref.WeakKeyDictionary[autograd.Function, list[Tensor]] = weakref.WeakKeyDictionary()
        self._closers: dict[int, RemovableHandle] = {}  # id(module) -> the hook that finishes its calls
        self._labels: dict[int, str] = {}  # id(module) -> its label
        self._names: set[str] = set()
        self._named: list[Module] = []  # keeps each named module alive, so no other object reuses its id
        if model is not None:
            self._name_all(model, "")

    def enter(self, module: Module, args: tuple) -> None:
        """Before ``module``'s forward (and its own pre-hooks, which may change ``args``): put it on the path."""
        if _recorder is not self:  # an inner record_modules block records meanwhile
            return
        if id(module) not in self._labels:
            self._name_all(module, self._new_name(module))
        outer = self._calls[-1].path if self._calls else ()
        self._calls.append(_Call(module, (*outer, self._labels[id(module)]), args))
        if module._forward_hooks and id(module) not in self._closers:
            # Its own forward hooks run after leave() and may add ops (output * 2): finish after them.
            self._closers[id(module)] = module.register_forward_hook(self._finish, with_kwargs=True)

    def leave(self, module: Module, args: tuple, kwargs: dict, output: Any) -> None:
        """After ``module``'s forward, before its own forward hooks."""
        if id(module) not in self._closers:
            self._finish(module, args, kwargs, output)

    def _finish(self, module: Module, args: tuple, kwargs: dict, output: Any) -> None:
        """Label the nodes that this call of ``module`` made and take it off the path."""
        if _recorder is not self:
            return
        call = self._pop_call(module)
        if call is not None:  # (None: the call began before this block)
            self._label(_tensors_in(output), [*_tensors_in(call.args), *_tensors_in(kwargs)], call.path)

    def _pop_call(self, module: Module) -> _Call | None:
        """The latest call of ``module``; calls after it that an error ended (caught in a forward) go too."""
        for depth in range(len(self._calls) - 1, -1, -1):
            if self._calls[depth].module is module:
                call = self._calls[depth]
                del self._calls[depth:]
                return call
        return None

    def _label(self, outputs: list[Tensor], inputs: list[Tensor], path: tuple[str, ...]) -> None:
        """Give ``path`` to every unlabelled node between ``outputs`` and ``inputs``.

        An explicit stack (no recursion); each node is visited once: at the output node of an
        inner call the walk goes on from that call's inputs, never through the nodes it labelled.
        A node labelled some other way (before this call) ends the walk there.
        """
        stops = {id(t) for t in inputs}
        made = [t for t in outputs if t._ctx is not None and id(t) not in stops]
        stack = [t._ctx for t in made]
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if node in _module_paths:  # labelled already: an inner call's output (go on from that
                parents = self._call_inputs.get(node, ())  # call's inputs), or made before this call (stop)
            else:
                _module_paths[node] = path
                parents = node.inputs or ()  # (None once backward has freed the node)
            stack += [t._ctx for t in parents if isinstance(t, Tensor) and t._ctx is not None and id(t) not in stops]
        for tensor in made:
            self._call_inputs[tensor._ctx] = inputs

    def remove_closers(self) -> None:
        for handle in self._closers.values():
            handle.remove()

    def _name_all(self, module: Module, prefix: str) -> None:
        for name, submodule in module.named_modules(prefix):
            kind = type(submodule).__name__
            self._labels[id(submodule)] = kind if name in ("", kind) else f"{name} ({kind})"
            self._names.add(name)
            self._named.append(submodule)

    def _new_name(self, module: Module) -> str:
        base = name = type(module).__name__
        count = 0
        while name in self._names:
            count += 1
            name = f"{base}_{count}"
        return name


_recorder: _ModuleRecorder | None = None  # the innermost record_modules block's, while one runs


def _tensors_in(value: Any) -> list[Tensor]:
    """The Tensors in a module's arguments or output, also inside (nested) tuples, lists and dicts."""
    found: list[Tensor] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            found.append(item)
        elif isinstance(item, dict):
            stack += item.values()
        elif isinstance(item, (tuple, list)):
            stack += item
    return found


# ----------------------------------------------------------------------------- public API
def to_dot(
    tensors: Tensor | Sequence[Tensor],
    *,
    rankdir: str = "LR",
    show_shapes: bool = True,
    show_data: bool = False,
    show_grads: bool = False,
    max_nodes: int | None = 500,
    model: Module | None = None,
    names: Mapping[str, Tensor] | None = None,
    cluster_modules: bool = True,
    collapse_modules: bool = False,
    legend: bool = True,
) -> str:
    """DOT text of the graph that computed ``tensors`` (one Tensor or several); needs no Graphviz.

    - ``rankdir``: "LR" (left to right, the default), "TB", "RL" or "BT".
    - ``show_shapes``: each tensor's shape and dtype under its name.
    - ``show_data`` / ``show_grads``: ``data | grad`` cells with the values of tensors of up to
      ``MAX_SHOWN_VALUES`` elements. A leaf shows its ``.grad`` (None before backward). An
      intermediate or output shows the gradient of the outputs (summed) with respect to it,
      computed for the drawing with ``tg.grad`` (only ``.grad`` of leaves is kept), when every
      output has one element. After a backward, this needs ``backward(retain_graph=True)``.
    - ``max_nodes``: a larger drawing raises ValueError saying how large it is (None: no limit).
    - ``model`` names its parameters (``"0.weight"``); ``names`` maps names to any other tensors
      (``{"x": x, "loss": loss}``) and wins over ``model``.
    - ``cluster_modules``: one box per module around its ops and parameters (as recorded by
      ``record_modules``).
    - ``collapse_modules``: one node per innermost module instead of its ops, intermediates and
      parameters, with arrows between modules; it shows the shapes that leave each module.
    - ``legend``: a table of the colours used.

    Raises RuntimeError if ``backward()`` already freed part of the graph.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"to_dot: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if max_nodes is not None:  # None: no limit
        check_size("to_dot", "max_nodes", max_nodes, minimum=1)
    if model is not None and not isinstance(model, Module):
        raise TypeError(f"to_dot: model must be the nn.Module whose parameters to name, got {type(model).__name__}")
    outputs = _as_tensor_list(tensors)
    if max_nodes is not None and not collapse_modules:
        _refuse_far_more_than(outputs, max_nodes)
    drawing = _build(outputs, _tensor_names(model, names), show_shapes, show_data, show_grads)
    shown = _collapse(drawing) if collapse_modules else drawing
    if max_nodes is not None and len(shown.nodes) > max_nodes:
        raise ValueError(_too_large_message(drawing, shown, max_nodes, collapse_modules))
    return f"digraph {GRAPH_NAME} {{\n" + "".join(_statements(shown, rankdir, cluster_modules, legend)) + "}\n"


def draw_graph(tensors: Tensor | Sequence[Tensor], **options: Any) -> Any:
    """The drawing of ``to_dot(tensors, **options)`` as a ``graphviz.Digraph``.

    In Jupyter it shows inline; ``.render("graph", format="svg")`` writes a file (or use
    ``render``, which also checks for the ``dot`` program). Needs the ``graphviz`` package.
    """
    graphviz = _import_graphviz()
    lines = to_dot(tensors, **options).splitlines(keepends=True)
    return graphviz.Digraph(GRAPH_NAME, body=lines[1:-1])  # the statements between "digraph ... {" and "}"


def render(
    tensors: Tensor | Sequence[Tensor],
    path: str | os.PathLike,
    format: str | None = None,  # noqa: A002 - graphviz's name for it
    **options: Any,
) -> Path:
    """Draw the graph of ``tensors`` into ``path`` and return the path; options as ``to_dot``.

    The format comes from the file name (``.svg``, ``.png``, ``.pdf``; ``.dot`` or ``.gv`` for
    the DOT text, which needs no Graphviz) unless ``format`` is given. The file is written
    atomically: an error never leaves a half-written picture.
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"render: path must be a file name such as 'graph.svg', got {path!r}")
    path = Path(path)
    kind = (format or path.suffix.lstrip(".")).lower()
    if kind in TEXT_FORMATS:
        write_bytes_atomically(path, to_dot(tensors, **options).encode())
        return path
    if format is not None and kind not in FORMATS:
        raise ValueError(f"render: unknown format {format!r}: use one of {', '.join((*FORMATS, *TEXT_FORMATS))}")
    if kind not in FORMATS:
        raise ValueError(f"render: cannot tell the format of {str(path)!r}: name it .svg, .png, .pdf or .dot")
    graphviz = _import_graphviz()
    digraph = draw_graph(tensors, **options)
    try:
        picture = digraph.pipe(format=kind)  # runs the dot program directly (never a shell)
    except graphviz.ExecutableNotFound as error:
        raise RuntimeError(
            f"render: cannot draw {path}: Graphviz's dot program was not found on the PATH; "
            f"{INSTALL_GRAPHVIZ}. Meanwhile to_dot() (or a .dot file name) gives the DOT text."
        ) from error
    write_bytes_atomically(path, picture)
    return path


def __getattr__(name: str) -> Any:
    """``viz.draw_training_step`` still works: it moved to ``tinygrad_edu.recipes``, which builds the
    MLP it draws. Imported on first use, since recipes imports viz."""
    if name == "draw_training_step":
        from .recipes import draw_training_step

        return draw_training_step
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ----------------------------------------------------------------------------- building the drawing
@dataclass
class _Node:
    """One node of a drawing: a tensor, an op or (collapsed) a module."""

    id: str
    kind: str  # a key of COLORS
    text: str  # the HTML-like label's content: escaped text, <TD> cells for tensors
    path: tuple[str, ...] = ()  # the module boxes it is drawn in, outermost first
    summary: str = ""  # a tensor's "shape dtype", shown on its module's node when collapsed


@dataclass
class _Drawing:
    nodes: list[_Node]
    edges: list[tuple[str, str]]


def _as_tensor_list(tensors: Tensor | Sequence[Tensor]) -> list[Tensor]:
    if not isinstance(tensors, Tensor | Sequence):
        raise TypeError(f"to_dot: expected a Tensor or a list of Tensors to draw, got {type(tensors).__name__}")
    outputs = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    for i, tensor in enumerate(outputs):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"to_dot: expected Tensors to draw, but item {i} is a {type(tensor).__name__}")
    if not outputs:
        raise ValueError("to_dot: no tensors to draw")
    return outputs


def _tensor_names(model: Module | None, names: Mapping[str, Tensor] | None) -> dict[int, str]:
    """id(tensor) -> name: the model's parameters and buffers, then the names given (which win)."""
    found: dict[int, str] = {}
    if model is not None:
        for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
            found[id(tensor)] = name
    if names is not None and not isinstance(names, Mapping):
        raise TypeError(f"to_dot: names must be a dict of name -> Tensor, such as {{'loss': loss}}, got {names!r}")
    for name, tensor in (names or {}).items():
        if not isinstance(tensor, Tensor):
            raise TypeError(f"to_dot: names[{name!r}] is a {type(tensor).__name__}, not a Tensor")
        found[id(tensor)] = name
    return found


def _graph_tensors(outputs: list[Tensor]) -> list[Tensor]:
    """Every tensor the outputs were computed from (constants too), each after its inputs.

    Found with an explicit stack and a visited set, never recursion, so it is linear in the size of
    the graph at any depth: a tensor is pushed once to visit it and once more (marked done) to emit
    it after its inputs.
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(output, False) for output in reversed(outputs)]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)
        elif id(tensor) not in visited:
            visited.add(id(tensor))
            stack.append((tensor, True))
            stack.extend((parent, False) for parent in _tensor_inputs(tensor) if id(parent) not in visited)
    return order


def _tensor_inputs(tensor: Tensor) -> list[Tensor]:
    """The tensors ``tensor`` was computed from (reversed: the stack then visits them in order)."""
    return [] if tensor._ctx is None else list(reversed(_op_inputs(tensor._ctx)))


def _op_inputs(ctx: autograd.Function) -> list[Tensor]:
    """The Tensor inputs of an op (non-Tensor arguments, such as a reduction's name, are not drawn)."""
    if ctx._released:
        raise RuntimeError(
            f"to_dot: backward() already freed this graph (its {type(ctx).__name__} op no longer holds its "
            "inputs), so it cannot be drawn. Draw it before calling backward(), or call "
            "backward(retain_graph=True) to keep it (then show_grads=True draws the gradients)."
        )
    return [t for t in ctx.inputs if isinstance(t, Tensor)]


def _build(
    outputs: list[Tensor], names: dict[int, str], show_shapes: bool, show_data: bool, show_grads: bool
) -> _Drawing:
    """A node per tensor and per op, and the arrows input -> op -> output."""
    tensors = _graph_tensors(outputs)
    ids = {id(t): f"t{i}" for i, t in enumerate(tensors)}
    output_ids = {id(t) for t in outputs}
    gradients = _output_gradients(outputs, tensors) if show_grads else {}
    nodes: list[_Node] = []
    edges: list[tuple[str, str]] = []
    consumers: dict[int, list[tuple[str, ...]]] = {}  # id(tensor) -> the module paths of the ops using it
    leaves: list[tuple[_Node, Tensor]] = []
    ops = 0
    for tensor in tensors:  # each tensor comes after its inputs
        ctx = tensor._ctx
        kind = _kind(tensor, id(tensor) in output_ids)
        cells = _tensor_cells(tensor, names.get(id(tensor)), show_shapes, show_data, show_grads, gradients)
        node = _Node(ids[id(tensor)], kind, cells, summary=_shape_text(tensor))
        if ctx is None:
            leaves.append((node, tensor))
        else:
            path = _module_paths.get(ctx, ())
            op = _Node(f"f{ops}", "op", _escape(type(ctx).__name__), path)
            nodes.append(op)
            ops += 1
            for parent in _op_inputs(ctx):
                edges.append((ids[id(parent)], op.id))
                consumers.setdefault(id(parent), []).append(path)
            edges.append((op.id, node.id))
            node.path = path  # an op's output is drawn in the op's module
        nodes.append(node)
    for node, tensor in leaves:  # parameters and constants (BatchNorm's eps) go in the module using them
        if (node.kind == "parameter" or _is_constant(tensor, names.get(id(tensor)))) and id(tensor) in consumers:
            node.path = _common_path(consumers[id(tensor)])
    return _Drawing(nodes, edges)


def _kind(tensor: Tensor, is_output: bool) -> str:
    if is_output:
        return "output"
    if tensor._ctx is not None:
        return "intermediate"
    if isinstance(tensor, Parameter):
        return "parameter"
    return "input"


def _is_constant(tensor: Tensor, name: str | None) -> bool:
    """An unnamed one-element leaf that needs no gradient, such as the 2 of ``x * 2``."""
    return name is None and tensor._ctx is None and not tensor.requires_grad and tensor.numel() == 1


def _tensor_cells(
    tensor: Tensor,
    name: str | None,
    show_shapes: bool,
    show_data: bool,
    show_grads: bool,
    gradients: dict[int, Any],
) -> str:
    """The cells of a tensor's record: name, shape and dtype | data | grad."""
    if _is_constant(tensor, name):
        name = _values(tensor.array)  # its value is its name
    title = [f"<B>{_escape(name)}</B>"] if name else []
    if show_shapes:
        title.append(_escape(_shape_text(tensor)))
    cells = ["<BR/>".join(title) or " "]
    if show_data:
        cells.append("data " + _escape(_values(tensor.array)))
    if show_grads:
        if tensor._ctx is None:
            gradient = "None" if tensor.grad is None else _values(tensor.grad.array)
        else:
            gradient = _values(gradients[id(tensor)].array) if id(tensor) in gradients else "?"
        cells.append("grad " + _escape(gradient))
    return "".join(f"<TD>{cell}</TD>" for cell in cells)


def _output_gradients(outputs: list[Tensor], tensors: list[Tensor]) -> dict[int, Tensor]:
    """d(sum of outputs)/d(tensor) for every non-leaf tensor, when every output has one element.

    The engine keeps ``.grad`` only on leaves (as PyTorch does), so the drawing computes the
    others with ``tg.grad``, keeping the graph (and leaving every ``.grad`` as it is).
    """
    made = [t for t in tensors if t._ctx is not None]
    if not made or any(t.numel() != 1 or not t.requires_grad for t in outputs):
        return {}
    found = grad(outputs, made, retain_graph=True, allow_unused=True)
    return {id(t): g for t, g in zip(made, found, strict=True) if g is not None}


def _common_path(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The longest module path that starts every one of ``paths``."""
    common = paths[0]
    for path in paths[1:]:
        length = 0
        while length < min(len(common), len(path)) and common[length] == path[length]:
            length += 1
        common = common[:length]
    return common


def _collapse(drawing: _Drawing) -> _Drawing:
    """One node per innermost module in place of the nodes drawn in it; arrows now join modules.

    Nodes outside every module stay, and so do the outputs. A module's node lists the shapes of
    its tensors that are used outside it.
    """
    nodes: list[_Node] = []
    modules: dict[tuple[str, ...], _Node] = {}
    owner: dict[str, str] = {}  # node id -> the id of the node it is drawn as
    for node in drawing.nodes:
        if not node.path or node.kind == "output":  # outputs stand outside the modules
            nodes.append(_Node(node.id, node.kind, node.text, (), node.summary))
            owner[node.id] = node.id
            continue
        if node.path not in modules:
            modules[node.path] = _Node(f"m{len(modules)}", "module", _escape(node.path[-1]), node.path[:-1])
            nodes.append(modules[node.path])
        owner[node.id] = modules[node.path].id
    by_id = {node.id: node for node in drawing.nodes}
    leaving: dict[str, list[str]] = {}  # module node id -> the shapes of its tensors used outside it
    edges: dict[tuple[str, str], None] = {}  # an ordered set
    for source, target in drawing.edges:
        edge = (owner[source], owner[target])
        if edge[0] == edge[1]:
            continue
        edges[edge] = None
        shape = by_id[source].summary  # empty for ops
        if edge[0] != source and shape and shape not in leaving.setdefault(edge[0], []):
            leaving[edge[0]].append(shape)
    for node in modules.values():
        node.text += "".join(f"<BR/>{_escape(shape)}" for shape in leaving.get(node.id, []))
    return _Drawing(nodes, list(edges))


def _refuse_far_more_than(outputs: list[Tensor], max_nodes: int) -> None:
    """Count the drawing's nodes (a tensor, and the op that made it) only up to 20 times
    ``max_nodes``, so a huge graph is refused at once instead of after it was laid out in full (a
    graph below that is laid out, and a refusal then gives its exact size)."""
    limit = 20 * max_nodes
    count, seen, stack = 0, set(), list(outputs)
    while stack and count <= limit:
        tensor = stack.pop()
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        count += 1 if tensor._ctx is None else 2
        stack.extend(_tensor_inputs(tensor))
    if count > limit:
        raise ValueError(
            f"to_dot: the drawing would have more than {limit:,} nodes (counting stopped there), far more than "
            f"max_nodes={max_nodes:,}; "
            "Graphviz gets slow and the picture unreadable past a few hundred nodes. Run the forward pass "
            "inside tg.viz.record_modules(model) and pass collapse_modules=True for one node per module, "
            "draw a smaller part of the graph, or pass a larger max_nodes (None for no limit)."
        )


def _too_large_message(drawing: _Drawing, shown: _Drawing, max_nodes: int, collapsed: bool) -> str:
    ops = sum(node.kind == "op" for node in drawing.nodes)
    message = (
        f"to_dot: the drawing would have {len(shown.nodes):,} nodes, more than max_nodes={max_nodes:,} "
        f"(the graph has {len(drawing.nodes) - ops:,} tensors and {ops:,} ops); Graphviz gets slow and "
        "the picture unreadable past a few hundred nodes. "
    )
    if collapsed:
        return message + "Pass a larger max_nodes (None for no limit), or draw a smaller part of the model."
    if any(node.path for node in drawing.nodes):
        return message + (
            f"Pass collapse_modules=True for one node per module ({len(_collapse(drawing).nodes):,} nodes), "
            "or a larger max_nodes (None for no limit)."
        )
    return message + (
        "Run the forward pass inside tg.viz.record_modules(model) and pass collapse_modules=True for one "
        "node per module, or pass a larger max_nodes (None for no limit)."
    )


# ----------------------------------------------------------------------------- DOT text
def _statements(drawing: _Drawing, rankdir: str, cluster_modules: bool, legend: bool) -> list[str]:
    """The lines between ``digraph ... {`` and ``}``: settings, nodes (boxed per module), arrows, legend."""
    font = 'fontname="Helvetica,Arial,sans-serif" fontsize=10'
    lines = [
        f"\tgraph [rankdir={rankdir} {font} nodesep=0.2 ranksep=0.3]\n",
        f"\tnode [{font} margin=0.05 height=0.3]\n",
        '\tedge [color="#555555" arrowsize=0.6]\n',
    ]
    members: dict[tuple[str, ...], list[_Node]] = {}  # module path -> the nodes drawn directly in it
    inner: dict[tuple[str, ...], list[tuple[str, ...]]] = {}  # module path -> the boxes directly in it
    boxes: set[tuple[str, ...]] = set()
    for node in drawing.nodes:
        path = node.path if cluster_modules else ()
        members.setdefault(path, []).append(node)
        for depth in range(len(path), 0, -1):  # list the box in its enclosing box, and so on outwards
            if path[:depth] in boxes:
                break
            boxes.add(path[:depth])
            inner.setdefault(path[: depth - 1], []).append(path[:depth])
    lines += _box_statements((), members, inner, count=iter(range(len(drawing.nodes))))
    lines += [f"\t{source} -> {target}\n" for source, target in drawing.edges]
    if legend:
        kinds = {node.kind for node in drawing.nodes}
        rows = "".join(f'<TR><TD BGCOLOR="{COLORS[kind]}">{kind}</TD></TR>' for kind in COLORS if kind in kinds)
        table = f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2"><TR><TD BORDER="0">legend</TD></TR>{rows}</TABLE>'
        lines.append(f"\tlegend [label=<{table}> shape=plain]\n")
    return lines


def _box_statements(
    path: tuple[str, ...],
    members: dict[tuple[str, ...], list[_Node]],
    inner: dict[tuple[str, ...], list[tuple[str, ...]]],
    count: Iterator[int],
) -> list[str]:
    """The nodes of one module's box, then its inner boxes (recursion only as deep as modules nest)."""
    indent = "\t" * (len(path) + 1)
    lines = [indent + _node_statement(node) for node in members.get(path, [])]
    for box in inner.get(path, []):
        lines.append(f"{indent}subgraph cluster_{next(count)} {{\n")
        lines.append(f'{indent}\tlabel=<{_escape(box[-1])}> style=rounded color="#999999" labeljust=l\n')
        lines += _box_statements(box, members, inner, count)
        lines.append(indent + "}\n")
    return lines


def _node_statement(node: _Node) -> str:
    color = COLORS[node.kind]
    if node.kind == "op":
        return f'{node.id} [label=<{node.text}> shape=ellipse style=filled fillcolor="{color}"]\n'
    if node.kind == "module":
        return f'{node.id} [label=<{node.text}> shape=box style="rounded,filled" fillcolor="{color}"]\n'
    table = f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" BGCOLOR="{color}"><TR>{node.text}</TR></TABLE>'
    return f"{node.id} [label=<{table}> shape=plain]\n"


def _escape(text: str) -> str:
    """Text for an HTML-like label: &, < and > escaped, line breaks as <BR/>, and other control
    characters (which Graphviz refuses) written out as Python would, e.g. ``\\x1b``."""
    return "<BR/>".join(html.escape(_printable(line), quote=False) for line in text.split("\n"))


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _shape_text(tensor: Tensor) -> str:
    return f"{tuple(tensor.shape)} {tensor.dtype.name}"


def _values(array: Any) -> str:
    """Up to MAX_SHOWN_VALUES values, 4 significant digits each; else how many there are."""
    values = backend.as_numpy(array)
    if values.size > MAX_SHOWN_VALUES:
        return f"({values.size:,} values)"
    text = np.array2string(values, separator=", ", formatter={"float_kind": lambda v: f"{v:.4g}"})
    return "\n".join(line.strip() for line in text.split("\n"))


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            'draw_graph and render need the graphviz Python package: pip install "tinygrad_edu[viz]" '
            f"(or pip install graphviz), and Graphviz's dot program: {INSTALL_GRAPHVIZ}. "
            "to_dot() needs neither."
        ) from error
    return graphviz
