"""The ``tinygrad-edu`` command line: ``train`` an MLP, or run the XOR + gradient-check ``demo``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import backend, recipes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinygrad-edu", description="A readable autograd engine for learning.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser(
        "train",
        help="train an MLP (default: the classic Fashion-MNIST recipe)",
        description="Train an MLP classifier. Defaults reproduce the classic Fashion-MNIST DNN: "
        "784-1024-128-64-10 with ReLU, SGD lr=0.01, batch 64 (shuffled, drop_last), 20 epochs, cross-entropy.",
    )
    train.add_argument("--dataset", default="fashion-mnist", choices=recipes.DATASETS)
    train.add_argument(
        "--data-root", default=None, help="folder with the IDX .gz files (default: search, then download)"
    )
    train.add_argument("--hidden", type=int, nargs="*", default=list(recipes.CLASSIC_HIDDEN), help="hidden sizes")
    train.add_argument("--activation", default="relu", choices=sorted(recipes.ACTIVATIONS))
    train.add_argument("--dropout", type=float, default=0.0, help="dropout after each hidden layer")
    train.add_argument("--batch-norm", action="store_true", help="BatchNorm1d after each hidden Linear")
    train.add_argument("--optimizer", default="sgd", choices=sorted(recipes.OPTIMIZERS))
    train.add_argument("--lr", type=float, default=0.01, help="learning rate")
    train.add_argument("--momentum", type=float, default=0.0, help="momentum (sgd, rmsprop)")
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--epochs", type=int, default=20)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--device", default="cpu", help="cpu or cuda")
    train.add_argument("--limit", type=int, default=None, help="train on the first N training samples only")
    train.add_argument("--val-fraction", type=float, default=0.0, help="hold out this share of training data")
    train.add_argument(
        "--early-stopping",
        type=int,
        default=None,
        metavar="PATIENCE",
        help="stop after PATIENCE epochs without improvement of val_loss (holds out 10%% if --val-fraction is 0)",
    )
    train.add_argument("--log-interval", type=int, default=None, help="print a line every N batches")
    train.add_argument("--out", default=None, help="output folder (default: runs/<dataset>)")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")

    graph = commands.add_parser(
        "graph",
        help="draw the graph of one training step's loss for an MLP",
        description="Draw the computation graph of one training step (forward pass and cross-entropy loss) of an "
        "MLP, with parameter names and one box per module. The format follows the file name: .svg, .png, .pdf, "
        "or .dot (DOT text, needs no Graphviz).",
    )
    graph.add_argument("--hidden", type=int, nargs="*", default=list(recipes.CLASSIC_HIDDEN), help="hidden sizes")
    graph.add_argument("--batch-size", type=int, default=64)
    graph.add_argument("--collapse", action="store_true", help="one node per module instead of its ops")
    graph.add_argument("--out", default="runs/graph/mlp_graph.svg", help="output file (.svg, .png, .pdf or .dot)")

    commands.add_parser(  # listed here for --help; main() hands its options to the suite itself
        "gradcheck",
        add_help=False,
        help="check every op's gradient (full and fast mode, float64 and float32, planted bugs, vs PyTorch)",
    )

    demo = commands.add_parser("demo", help="train an MLP on XOR and check the gradient of every op")
    demo.add_argument("--hidden", type=int, default=4, help="hidden units (default 4)")
    demo.add_argument("--steps", type=int, default=2000, help="gradient descent steps (default 2000)")
    demo.add_argument("--lr", type=float, default=0.5, help="learning rate (default 0.5)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["gradcheck"]:  # the suite parses its own options (argparse cannot pass them through)
        from .testing.suite import main as gradcheck_suite

        return gradcheck_suite(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from .demo import gradcheck_table, train_xor

        train_xor(hidden=args.hidden, steps=args.steps, lr=args.lr, seed=args.seed)
        return 0 if gradcheck_table(seed=args.seed) else 1
    if args.command == "graph":
        return graph(args)
    return train(args)


def graph(args: argparse.Namespace) -> int:
    """Draw one training step of an MLP to a file."""
    from .viz import draw_training_step

    try:
        path = draw_training_step(args.out, args.hidden, batch_size=args.batch_size, collapse_modules=args.collapse)
    except (ImportError, RuntimeError, ValueError) as error:  # no graphviz, no dot, or too many layers to draw
        print(f"tinygrad-edu graph: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def train(args: argparse.Namespace) -> int:
    """Train, evaluate on the test set, and write weights, history and curves to the output folder."""
    import numpy as np

    import tinygrad_edu as tg

    from . import nn
    from .data import DataLoader, TensorDataset, train_val_split
    from .io import write_bytes_atomically
    from .train import EarlyStopping, evaluate, fit, plot_history

    try:
        backend.array_module(args.device)  # a missing CuPy or GPU is reported now, before loading data
    except (RuntimeError, ValueError) as error:
        print(f"tinygrad-edu train: {error}", file=sys.stderr)
        return 2
    tg.manual_seed(args.seed)
    data = recipes.load_classification(args.dataset, root=args.data_root)
    x_train, y_train = data.x_train[: args.limit], data.y_train[: args.limit]
    val_fraction = args.val_fraction or (0.1 if args.early_stopping is not None else 0.0)
    if val_fraction:
        (x_train, y_train), (x_val, y_val) = train_val_split(x_train, y_train, val_fraction=val_fraction)
    else:  # the classic recipe reports the test set after every epoch
        x_val, y_val = data.x_test, data.y_test
    print(
        f"{data.name}: {len(x_train)} training samples, {len(x_val)} {'validation' if val_fraction else 'test'} "
        f"samples for per-epoch evaluation, {len(data.x_test)} test samples, {data.classes} classes"
    )

    def loader(x: np.ndarray, y: np.ndarray, training: bool) -> DataLoader:
        # The data goes to the device once, here; each batch is then gathered there, never copied over.
        dataset = TensorDataset(tg.Tensor(x, device=args.device), tg.Tensor(y, device=args.device))
        return DataLoader(dataset, args.batch_size, shuffle=training, drop_last=training)

    model = recipes.build_mlp(data.features, args.hidden, data.classes, args.activation, args.dropout, args.batch_norm)
    model.to(args.device)
    print(model)
    print(nn.summary(model, data.input_shape))
    optimizer = recipes.make_optimizer(args.optimizer, model.parameters(), args.lr, args.momentum)
    loss_fn = nn.CrossEntropyLoss()
    callbacks = (
        [EarlyStopping("val_loss", args.early_stopping, restore_best_weights=True)]
        if args.early_stopping is not None
        else []
    )

    start = time.perf_counter()
    history = fit(
        model,
        loader(x_train, y_train, True),
        loss_fn,
        optimizer,
        args.epochs,
        val_loader=loader(x_val, y_val, False),
        callbacks=callbacks,
        log_interval=args.log_interval,
        progress=False if args.no_progress else "auto",
    )
    seconds = time.perf_counter() - start
    test = evaluate(model, loader(data.x_test, data.y_test, False), loss_fn)
    print(
        f"test accuracy: {100 * test['accuracy']:.2f}%  test loss: {test['loss']:.4f}  "
        f"({len(history.epochs)} epochs in {seconds:.1f} s)"
    )

    out = Path(args.out or Path("runs") / args.dataset)
    tg.save(model.state_dict(), out / "model.safetensors", metadata={"hidden": json.dumps(args.hidden)})
    history.save_json(out / "history.json")
    results = {
        "test_accuracy": test["accuracy"],
        "test_loss": test["loss"],
        "train_seconds": seconds,
        "epochs": len(history.epochs),
        "arguments": vars(args),
    }
    write_bytes_atomically(out / "results.json", json.dumps(results, indent=2).encode())
    try:
        title = f"{data.name}: MLP {'-'.join(map(str, args.hidden))}"
        plot_history(history, out / "curves.png", title=title, val_label="validation" if val_fraction else "test")
    except ImportError as error:
        print(f"(no curves.png: {error})")
    from .viz import draw_training_step

    try:  # the graph of one training step of this model's architecture, next to the other outputs
        draw_training_step(
            out / "graph.svg",
            args.hidden,
            in_features=data.features,
            classes=data.classes,
            batch_size=args.batch_size,
            activation=args.activation,
            dropout=args.dropout,
            batch_norm=args.batch_norm,
        )
    except (ImportError, RuntimeError, ValueError) as error:  # no graphviz, no dot, or too big to draw
        print(f"(no graph.svg: {error})")
    written = sorted(path.name for path in out.iterdir() if not path.name.startswith("."))
    print(f"wrote {', '.join(written)} in {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
