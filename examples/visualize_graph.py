"""Draw computation graphs: a tiny scalar expression with its values and gradients, and an MLP.

1. micrograd's classic expression L = (a*b + c) * f, drawn before backward (each box shows a
   tensor's value: "data") and after backward (its gradient dL/dtensor too: "data | grad").
   backward() frees the graph unless asked to keep it, so it runs with retain_graph=True.
2. The loss of one training step of the classic 784-1024-128-64-10 MLP, with parameter names
   and one box per module (labelled by tg.viz.record_modules), then collapsed to one node per
   module.

Each drawing is written as SVG and PNG. This needs the graphviz package and Graphviz's dot
program (pip install "tinygrad_edu[viz]"; apt-get install graphviz or brew install graphviz);
without them the DOT text is written instead (.dot files, readable by any Graphviz viewer).

Run: python examples/visualize_graph.py [--out runs/visualize_graph]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, recipes, viz


def save(tensor: tg.Tensor, stem: Path, **options: object) -> list[Path]:
    """Write ``stem``.svg and ``stem``.png, or ``stem``.dot when Graphviz is missing."""
    try:
        return [viz.render(tensor, stem.with_suffix(suffix), **options) for suffix in (".svg", ".png")]
    except (ImportError, RuntimeError) as error:
        print(f"(no picture: {error})")
        return [viz.render(tensor, stem.with_suffix(".dot"), **options)]


def scalar_expression(out: Path) -> list[Path]:
    """L = (a*b + c) * f with data before backward, and data | grad after it."""
    a = tg.Tensor(2.0, requires_grad=True)
    b = tg.Tensor(-3.0, requires_grad=True)
    c = tg.Tensor(10.0, requires_grad=True)
    f = tg.Tensor(-2.0, requires_grad=True)
    e = a * b
    d = e + c
    L = d * f  # noqa: N806 - micrograd's name for the loss
    names = {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "L": L}
    written = save(L, out / "scalar_data", names=names, show_data=True, show_shapes=False)
    L.backward(retain_graph=True)  # keep the graph to draw it again, now with gradients
    written += save(L, out / "scalar_grads", names=names, show_data=True, show_grads=True, show_shapes=False)
    print(f"L = {L.item():g}; dL/da = {a.grad.item():g}, dL/db = {b.grad.item():g}, dL/dc = {c.grad.item():g}")
    return written


def mlp_training_step(out: Path) -> list[Path]:
    """The graph of one batch's loss, one box per module, then one node per module."""
    model = recipes.build_mlp(784, recipes.CLASSIC_HIDDEN, 10)
    x = tg.randn(64, 784)
    labels = tg.Tensor(np.arange(64) % 10)  # class indices (int64)
    with viz.record_modules(model):  # module hooks label each op with the module whose forward made it
        loss = nn.CrossEntropyLoss()(model(x), labels)
    names = {"x": x, "labels": labels, "loss": loss}
    written = save(loss, out / "mlp", model=model, names=names)
    written += save(loss, out / "mlp_modules", model=model, names=names, collapse_modules=True)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/visualize_graph"), help="output folder")
    args = parser.parse_args()
    tg.manual_seed(0)
    written = scalar_expression(args.out) + mlp_training_step(args.out)
    print("wrote", ", ".join(str(path) for path in written))


if __name__ == "__main__":
    main()
