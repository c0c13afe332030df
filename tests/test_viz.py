"""tg.viz: the DOT text of a graph, and pictures drawn by the real Graphviz dot program.

Rendering tests parse the SVG that dot writes: Graphviz puts each node in ``<g class="node">``,
each edge in ``<g class="edge">`` and each module box in ``<g class="cluster">``. They are
skipped, with the reason, when the graphviz package or the dot program is missing.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import importlib.util
import shutil
import sys
import time
import weakref
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, recipes, viz

SVG = "{http://www.w3.org/2000/svg}"


def _render_skip_reason() -> str | None:
    if importlib.util.find_spec("graphviz") is None:
        return 'the graphviz Python package is missing: pip install "tinygrad_edu[viz]"'
    if shutil.which("dot") is None:
        return "Graphviz's dot program is missing: apt-get install graphviz (or brew install graphviz)"
    return None


needs_dot = pytest.mark.skipif(_render_skip_reason() is not None, reason=str(_render_skip_reason()))
needs_graphviz_package = pytest.mark.skipif(
    importlib.util.find_spec("graphviz") is None, reason="the graphviz Python package is missing"
)


# ----------------------------------------------------------------------------- helpers
def svg_of(tensors: tg.Tensor | list[tg.Tensor], tmp_path: Path, **options: object) -> ET.Element:
    return ET.parse(viz.render(tensors, tmp_path / "graph.svg", **options)).getroot()


def groups(svg: ET.Element, kind: str) -> list[ET.Element]:
    """The ``<g class=kind>`` elements: "node", "edge" or "cluster"."""
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == kind]


def text(group: ET.Element) -> str:
    return " ".join(t.text or "" for t in group.iter(f"{SVG}text"))


def node_texts(svg: ET.Element) -> dict[str, str]:
    """Node id (the <title>) -> all the text drawn in that node."""
    return {g.find(f"{SVG}title").text: text(g) for g in groups(svg, "node")}


def enclosing_boxes(dot: str) -> dict[str, str]:
    """Node id -> the label of the innermost module box it is declared in (from the DOT text)."""
    boxes: list[str] = []
    found = {}
    for line in dot.splitlines():
        line = line.strip()
        if line.startswith("subgraph cluster_"):
            boxes.append("")
        elif line.startswith("label=<"):
            boxes[-1] = line[len("label=<") : line.index(">")]
        elif line == "}" and boxes:
            boxes.pop()
        elif "[label=" in line and boxes:
            found[line.split()[0]] = boxes[-1]
    return found


def diamond() -> tuple[tg.Tensor, tg.Tensor]:
    """x feeds two ops whose results meet again: c = exp(x) * tanh(x)."""
    x = tg.Tensor(np.arange(6.0).reshape(2, 3) / 6, requires_grad=True)
    return x, x.exp() * x.tanh()


def micrograd_expression() -> dict[str, tg.Tensor]:
    a, b = tg.Tensor(2.0, requires_grad=True), tg.Tensor(-3.0, requires_grad=True)
    c, f = tg.Tensor(10.0, requires_grad=True), tg.Tensor(-2.0, requires_grad=True)
    e = a * b
    d = e + c
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "L": d * f}


def mlp_step(record: bool = True) -> tuple[nn.Module, dict[str, tg.Tensor]]:
    """A 4-3-2 MLP's cross-entropy loss on one batch, recorded per module."""
    tg.manual_seed(0)
    model = recipes.build_mlp(4, (3,), 2)
    x, labels = tg.randn(5, 4), tg.Tensor(np.array([0, 1, 1, 0, 1]))
    with viz.record_modules(model) if record else contextlib.nullcontext():
        loss = nn.CrossEntropyLoss()(model(x), labels)
    return model, {"x": x, "labels": labels, "loss": loss}


def chain(ops: int) -> tg.Tensor:
    x = tg.Tensor(0.5, requires_grad=True)
    for _ in range(ops):
        x = x.tanh()
    return x


# ----------------------------------------------------------------------------- drawn by dot
@needs_dot
def test_diamond_has_one_node_per_tensor_and_op_and_one_edge_per_use(tmp_path: Path) -> None:
    x, c = diamond()
    svg = svg_of(c, tmp_path, names={"x": x, "c": c}, legend=False)
    texts = node_texts(svg)
    assert len(texts) == 7  # tensors x, exp(x), tanh(x), c and ops Exp, Tanh, Mul
    assert len(groups(svg, "edge")) == 7  # x->Exp, x->Tanh, Exp->, Tanh->, both into Mul, Mul->c
    assert sorted(t for t in texts.values() if "float" not in t) == ["Exp", "Mul", "Tanh"]
    assert sum("(2, 3) float64" in t for t in texts.values()) == 4
    assert any(t.startswith("x ") for t in texts.values()) and any(t.startswith("c ") for t in texts.values())


@needs_dot
def test_labels_show_parameter_names_shapes_dtypes_and_op_names(tmp_path: Path) -> None:
    model, named = mlp_step()
    texts = " | ".join(node_texts(svg_of(named["loss"], tmp_path, model=model, names=named)).values())
    for expected in ("1.weight (3, 4) float32", "1.bias (3,) float32", "3.weight (2, 3) float32"):
        assert expected in texts
    for expected in ("x (5, 4) float32", "labels (5,) int64", "loss () float32", "Linear", "ReLU", "CrossEntropy"):
        assert expected in texts


@needs_dot
def test_one_box_per_module_holding_its_ops_and_parameters(tmp_path: Path) -> None:
    model, named = mlp_step()
    svg = svg_of(named["loss"], tmp_path, model=model, names=named)
    labels = sorted(text(g) for g in groups(svg, "cluster"))
    assert labels == ["1 (Linear)", "2 (ReLU)", "3 (Linear)", "CrossEntropyLoss", "Sequential"]
    dot = viz.to_dot(named["loss"], model=model, names=named)
    ids = {name: line.split()[0] for line in dot.splitlines() for name in ("1.weight", "3.bias") if name in line}
    boxes = enclosing_boxes(dot)
    assert boxes[ids["1.weight"]] == "1 (Linear)" and boxes[ids["3.bias"]] == "3 (Linear)"
    assert "t0" not in boxes  # the input x is drawn outside every module


@needs_dot
def test_collapse_modules_draws_one_node_per_module(tmp_path: Path) -> None:
    model, named = mlp_step()
    svg = svg_of(named["loss"], tmp_path, model=model, names=named, collapse_modules=True, legend=False)
    texts = sorted(node_texts(svg).values())
    assert len(texts) == 7  # x, labels, 1 (Linear), 2 (ReLU), 3 (Linear), CrossEntropyLoss, loss
    assert "1 (Linear) (5, 3) float32" in texts and "CrossEntropyLoss" in texts
    assert len(groups(svg, "edge")) == 6  # x->1->2->3->loss module, labels->loss module, ->loss
    assert [text(g) for g in groups(svg, "cluster")] == ["Sequential"]
    assert not any("weight" in t for t in texts)


@needs_dot
def test_legend_lists_the_colours_used(tmp_path: Path) -> None:
    model, named = mlp_step()
    with_legend = node_texts(svg_of(named["loss"], tmp_path, model=model, names=named))
    assert with_legend["legend"] == "legend parameter input intermediate output op"
    without = node_texts(svg_of(named["loss"], tmp_path, model=model, names=named, legend=False))
    assert "legend" not in without and len(without) == len(with_legend) - 1


@needs_dot
def test_data_and_gradient_records_before_and_after_backward(tmp_path: Path) -> None:
    named = micrograd_expression()
    options = {"names": named, "show_data": True, "show_shapes": False, "legend": False}
    before = sorted(t for t in node_texts(svg_of(named["L"], tmp_path, **options)).values() if "data" in t)
    assert before == ["L data -8", "a data 2", "b data -3", "c data 10", "d data 4", "e data -6", "f data -2"]
    named["L"].backward(retain_graph=True)
    after = node_texts(svg_of(named["L"], tmp_path, show_grads=True, **options)).values()
    expected = {"a": 6, "b": -4, "c": -2, "f": 4, "e": -2, "d": -2, "L": 1}  # micrograd's picture
    assert sorted(t for t in after if "grad" in t) == sorted(
        f"{name} data {named[name].item():g} grad {g}" for name, g in expected.items()
    )
    assert named["a"].grad.item() == 6 and named["e"].grad is None  # drawing left every .grad alone


@needs_dot
def test_render_picks_the_format_from_the_file_name(tmp_path: Path) -> None:
    _, c = diamond()
    assert viz.render(c, tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    assert viz.render(c, tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")
    assert viz.render(c, tmp_path / "g.dot").read_text() == viz.to_dot(c)
    assert viz.render(c, tmp_path / "g.out", format="svg").read_text().lstrip().startswith("<?xml")
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf or \.dot"):
        viz.render(c, tmp_path / "g.jpeg2000")


@needs_dot
def test_labels_are_escaped(tmp_path: Path) -> None:
    x, c = diamond()
    name = 'a<b> & "c" {d|e}'
    dot = viz.to_dot(c, names={name: x})
    assert 'a&lt;b&gt; &amp; "c" {d|e}' in dot
    assert any(t.startswith(name) for t in node_texts(svg_of(c, tmp_path, names={name: x})).values())


@needs_dot
def test_draw_training_step_writes_the_mlp_graph(tmp_path: Path) -> None:
    path = viz.draw_training_step(tmp_path / "step.svg", hidden=(8,), batch_size=4)
    svg = ET.parse(path).getroot()
    texts = " | ".join(node_texts(svg).values())
    assert "1.weight (8, 784) float32" in texts and "x (4, 784) float32" in texts and "loss () float32" in texts
    assert len(groups(svg, "cluster")) == 5  # Sequential, 1 (Linear), 2 (ReLU), 3 (Linear), CrossEntropyLoss
    collapsed = viz.draw_training_step(tmp_path / "step.png", hidden=(8, 4), collapse_modules=True)
    assert collapsed.read_bytes().startswith(b"\x89PNG")


@needs_graphviz_package
def test_a_missing_dot_program_raises_with_install_hints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, c = diamond()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no dot to be found
    with pytest.raises(RuntimeError, match="dot program was not found") as raised:
        viz.render(c, tmp_path / "graph.svg")
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install"):
        assert hint in str(raised.value)
    assert not any(tmp_path.iterdir())  # nothing half-written
    assert viz.render(c, tmp_path / "graph.dot").exists()  # DOT text needs no Graphviz
    assert viz.draw_graph(c).source == viz.to_dot(c)


# ----------------------------------------------------------------------------- DOT text
def test_to_dot_works_without_the_graphviz_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now raises ImportError
    _, c = diamond()
    assert viz.to_dot(c).startswith("digraph computation_graph {")
    with pytest.raises(ImportError, match=r'pip install "tinygrad_edu\[viz\]"'):
        viz.draw_graph(c)


@needs_graphviz_package
def test_draw_graph_returns_a_digraph_of_the_same_dot_text() -> None:
    import graphviz

    model, named = mlp_step()
    digraph = viz.draw_graph(named["loss"], model=model, rankdir="TB")
    assert isinstance(digraph, graphviz.Digraph)
    assert digraph.source == viz.to_dot(named["loss"], model=model, rankdir="TB")


def test_dot_text_is_the_same_on_every_run() -> None:
    first_model, first = mlp_step()
    second_model, second = mlp_step()
    for options in ({}, {"collapse_modules": True}, {"show_data": True, "show_grads": True}):
        assert viz.to_dot(first["loss"], model=first_model, **options) == viz.to_dot(
            second["loss"], model=second_model, **options
        )


def test_several_outputs_are_drawn_together() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    shared = x * 2
    first, second = shared.sum(), shared.exp()
    dot = viz.to_dot([first, second], legend=False)
    assert dot.count("[label=") == 8  # x, 2, Mul, shared, Sum, first, Exp, second
    assert dot.count("->") == 7
    assert dot.count('BGCOLOR="#fdd0a2"') == 2  # both drawn as outputs


def test_a_graph_freed_by_backward_cannot_be_drawn() -> None:
    named = micrograd_expression()
    named["L"].backward()
    with pytest.raises(RuntimeError, match=r"backward\(\) already freed .*retain_graph=True"):
        viz.to_dot(named["L"])


def test_gradients_of_intermediates_need_one_element_outputs() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    dot = viz.to_dot(y, show_grads=True, names={"x": x, "y": y})
    assert "grad None" in dot and "grad ?" in dot  # no .grad yet; a vector output has no single gradient


def test_max_nodes_refuses_a_large_graph_with_the_numbers() -> None:
    with pytest.raises(ValueError, match=r"1,201 nodes, more than max_nodes=500 \(.*601 tensors and 600 ops") as raised:
        viz.to_dot(chain(600))
    assert "record_modules" in str(raised.value) and "max_nodes" in str(raised.value)
    model = nn.Sequential(*[nn.Tanh() for _ in range(300)])
    with viz.record_modules(model):
        y = model(tg.Tensor(0.5, requires_grad=True))
    with pytest.raises(ValueError, match=r"collapse_modules=True for one node per module \(302 nodes\)"):
        viz.to_dot(y)
    assert viz.to_dot(y, collapse_modules=True).count("[label=") == 303  # 300 modules, x, y, legend


def test_dot_of_a_20000_op_chain_takes_linear_time() -> None:
    def seconds(ops: int) -> float:
        y = chain(ops)
        # Without the cyclic garbage collector: its full passes walk every object the test session
        # holds, more of them the more this test allocates, which is not to_dot's own time.
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            dot = viz.to_dot(y, max_nodes=None)
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        assert dot.count("->") == 2 * ops
        return elapsed

    # Four times the ops: about four times the time if linear, sixteen if quadratic. The bound sits
    # between the two, with room for a busy machine (the minimum of three runs of each).
    small, large = min(seconds(5_000) for _ in range(3)), min(seconds(20_000) for _ in range(3))
    assert small < 5.0
    assert large < 8 * small + 0.05


def test_rankdir_is_checked() -> None:
    _, c = diamond()
    assert "rankdir=TB" in viz.to_dot(c, rankdir="TB")
    with pytest.raises(ValueError, match="rankdir must be one of"):
        viz.to_dot(c, rankdir="sideways")
    with pytest.raises(TypeError, match="item 0 is a ndarray"):
        viz.to_dot([np.zeros(2)])


# ----------------------------------------------------------------------------- recording modules
def test_record_modules_names_unknown_modules_by_class_and_stops_after_the_block() -> None:
    model, loss_a, loss_b = nn.Sequential(nn.Linear(2, 2)), nn.MSELoss(), nn.MSELoss()
    x, y = tg.ones(3, 2), tg.zeros(3, 2)
    with viz.record_modules():
        out = model(x)
        first, second = loss_a(out, y), loss_b(out, y)
        again = loss_a(out, y)
    assert viz.module_path(out.grad_fn) == ("Sequential", "Sequential.0 (Linear)")
    assert viz.module_path(first.grad_fn)[-1] == viz.module_path(again.grad_fn)[-1] == "MSELoss"
    assert viz.module_path(second.grad_fn)[-1] == "MSELoss_1 (MSELoss)"
    assert viz._recorder is None and viz.module_path(model(x).grad_fn) == ()


def test_record_modules_ends_on_errors_and_keeps_forward_hooks_working() -> None:
    model = nn.Sequential(nn.Linear(2, 2))
    model[0].register_forward_hook(lambda module, inputs, output: output * 2)
    with pytest.raises(ValueError), viz.record_modules(model):
        model(tg.ones(1, 3))  # wrong number of features
    assert viz._recorder is None
    with viz.record_modules(model):
        out = model(tg.ones(1, 2))
    assert type(out.grad_fn).__name__ == "Mul" and viz.module_path(out.grad_fn) == ("Sequential", "0 (Linear)")


class Block(nn.Module):
    """Ops of its own before and after a Linear, and a keyword argument: exp -> Linear -> * 2 + tanh(shift)."""

    def __init__(self) -> None:
        super().__init__()
        self.inner = nn.Linear(2, 2)

    def forward(self, x: tg.Tensor, *, shift: tg.Tensor) -> tg.Tensor:
        return self.inner(x.exp()) * 2 + shift.tanh()


class Chain(nn.Module):
    """``ops`` tanh ops in one forward."""

    def __init__(self, ops: int) -> None:
        super().__init__()
        self.ops = ops

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        for _ in range(self.ops):
            x = x.tanh()
        return x


def op_paths(tensor: tg.Tensor) -> list[tuple[str, tuple[str, ...]]]:
    """(op name, module path) of every node in the graph of ``tensor``, sorted (walked with a stack)."""
    found, stack, seen = [], [tensor.grad_fn], set()
    while stack:
        node = stack.pop()
        if not isinstance(node, tg.Function) or id(node) in seen:  # None, or a leaf's AccumulateGrad
            continue
        seen.add(id(node))
        found.append((type(node).__name__, viz.module_path(node)))
        stack += [next_node for next_node, _ in node.next_functions]
    return sorted(found)


def test_nested_modules_label_their_own_ops_and_stop_at_their_inputs() -> None:
    model = Block()
    x = tg.ones(3, 2, requires_grad=True)
    shift = tg.ones(3, 2, requires_grad=True) * 3  # made outside every module, passed by keyword
    with viz.record_modules(model):
        out = model(x, shift=shift)
    assert op_paths(out) == [
        ("Add", ("Block",)),
        ("Exp", ("Block",)),  # made by Block before it called its Linear
        ("Linear", ("Block", "inner (Linear)")),
        ("Mul", ()),  # shift: the walk stops at the call's inputs, keyword ones too
        ("Mul", ("Block",)),
        ("Tanh", ("Block",)),
    ]


def test_a_module_called_twice_labels_each_call_and_the_op_between_goes_to_its_caller() -> None:
    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(2, 2)

        def forward(self, x: tg.Tensor) -> tg.Tensor:
            return self.layer(self.layer(x) * 3)

    model = Twice()
    with viz.record_modules(model):
        out = model(tg.ones(1, 2))
    assert op_paths(out) == [("Linear", ("Twice", "layer (Linear)"))] * 2 + [("Mul", ("Twice",))]


def test_a_layer_shared_by_two_places_is_named_by_its_first_name() -> None:
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    with viz.record_modules(model):
        out = model(tg.ones(1, 2))
    assert op_paths(out) == [("Linear", ("Sequential", "0 (Linear)"))] * 2 + [("Tanh", ("Sequential", "1 (Tanh)"))]


def test_ops_made_by_a_modules_own_pre_hook_belong_to_that_module() -> None:
    model = nn.Sequential(nn.Linear(2, 2))
    with model[0].register_forward_pre_hook(lambda module, args: args[0] * 2):
        with viz.record_modules(model):
            out = model(tg.ones(1, 2, requires_grad=True))
    assert op_paths(out) == [("Linear", ("Sequential", "0 (Linear)")), ("Mul", ("Sequential", "0 (Linear)"))]


def test_nested_record_modules_blocks_the_innermost_one_records() -> None:
    model, x = nn.Sequential(nn.Tanh()), tg.ones(2, requires_grad=True)
    with viz.record_modules(model):
        before = model(x)
        with viz.record_modules():  # no model: modules are named by class
            inside = model(x)
        after = model(x)
    assert viz.module_path(before.grad_fn) == viz.module_path(after.grad_fn) == ("Sequential", "0 (Tanh)")
    assert viz.module_path(inside.grad_fn) == ("Sequential", "Sequential.0 (Tanh)")


def test_record_modules_removes_its_hooks_even_on_errors() -> None:
    model = nn.Sequential(nn.Linear(2, 2))
    model[0].register_forward_hook(lambda module, inputs, output: None)
    with pytest.raises(ValueError), viz.record_modules(model):
        model(tg.ones(1, 3))  # wrong number of features
    assert not nn.module._global_forward_pre_hooks and not nn.module._global_forward_hooks
    assert nn.Module._hooked is False and not model.__dict__.get("_hooked")
    assert len(model[0]._forward_hooks) == 1  # the module's own hook, not the one record_modules added


def test_labels_keep_no_graph_alive() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    with viz.record_modules(model):
        out = model(tg.ones(1, 2))
    node = weakref.ref(out.grad_fn)
    assert viz.module_path(node()) == ("Sequential", "1 (Tanh)")
    del out
    assert node() is None  # freed at once: no cycle, no strong reference in viz


def test_module_path_wants_a_graph_node() -> None:
    with pytest.raises(TypeError, match=r"got a Tensor \(pass tensor.grad_fn\)"):
        viz.module_path(tg.ones(2))


def test_a_20000_op_graph_is_labelled_without_recursion_in_linear_time() -> None:
    """Half the ops in one module's forward (one long walk), half as 10,000 modules (10,000 walks that
    the Sequential's walk jumps over). A recursive walk would pass Python's limit of 1,000 frames."""

    def record(ops: int) -> tuple[tg.Tensor, float]:
        model = nn.Sequential(Chain(ops // 2), *[nn.Tanh() for _ in range(ops // 2)])
        x = tg.Tensor(0.5, requires_grad=True)
        gc.collect()
        gc.disable()  # as in test_dot_of_a_20000_op_chain_takes_linear_time
        try:
            start = time.perf_counter()
            with viz.record_modules(model):
                y = model(x)
            return y, time.perf_counter() - start
        finally:
            gc.enable()

    y, _ = record(20_000)
    paths = collections.Counter(path for _, path in op_paths(y))
    assert paths[("Sequential", "0 (Chain)")] == 10_000
    assert paths[("Sequential", "10000 (Tanh)")] == paths[("Sequential", "1 (Tanh)")] == 1
    assert len(paths) == 10_001 and sum(paths.values()) == 20_000
    small = min(record(5_000)[1] for _ in range(3))
    large = min(record(20_000)[1] for _ in range(3))
    assert large < 8 * small + 0.05  # about 4 times if linear, 16 if quadratic


def test_a_huge_graph_is_refused_before_it_is_laid_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting stops at 20 * max_nodes: a 100,000-op chain is refused without building its drawing."""
    y = chain(100_000)
    monkeypatch.setattr(viz, "_build", lambda *args: pytest.fail("the drawing was built before refusing"))
    with pytest.raises(ValueError, match=r"more than 10,000 nodes \(counting stopped there\).*max_nodes=500"):
        viz.to_dot(y)


@needs_dot
def test_names_with_control_characters_are_drawn_escaped(tmp_path: Path) -> None:
    """Graphviz refuses control characters in a label: they are written out as Python would."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    dot = viz.to_dot(y, names={"x\x1b[31m\x00": x})
    assert "x\\x1b[31m\\x00" in dot and "\x1b" not in dot
    svg = viz.render(y, tmp_path / "graph.svg", names={"x\x1b[31m\x00": x}).read_text()
    assert "x\\x1b[31m\\x00" in svg
