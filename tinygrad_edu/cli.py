"""The ``tinygrad-edu`` command line: ``train`` an MLP, draw the ``graph`` of its training step, or
``gradcheck`` every op."""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import numpy as np

import tinygrad_edu as tg

from . import backend, nn, recipes, viz
from .data import DataLoader, TensorDataset, train_val_split
from .io import write_bytes_atomically
from .train import EarlyStopping, History, evaluate, fit, plot_history

_Number = TypeVar("_Number", int, float)
GRAPH_SUFFIXES = (*viz.FORMATS, *viz.TEXT_FORMATS)  # what viz.render can write


# ----------------------------------------------------------------------------- argument types
def _number(text: str, convert: Callable[[str], _Number], accept: Callable[[_Number], bool], what: str) -> _Number:
    """``text`` converted, if it is a number that ``accept``s; else argparse's usage error saying ``what``."""
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not accept(value):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text}")
    return value


def positive_int(text: str) -> int:
    """An argparse ``type=``: an integer >= 1 (epochs, batch sizes, layer widths, sample counts)."""
    return _number(text, int, lambda value: value > 0, "a positive integer")


def non_negative_int(text: str) -> int:
    """An argparse ``type=``: an integer >= 0 (seeds, patience)."""
    return _number(text, int, lambda value: value >= 0, "a non-negative integer")


def positive_float(text: str) -> float:
    """An argparse ``type=``: a finite number > 0 (learning rates)."""
    return _number(text, float, lambda value: math.isfinite(value) and value > 0, "a positive number")


def non_negative_float(text: str) -> float:
    """An argparse ``type=``: a finite number >= 0 (momentum)."""
    return _number(text, float, lambda value: math.isfinite(value) and value >= 0, "a non-negative number")


def fraction(text: str) -> float:
    """An argparse ``type=``: a share in [0, 1) (dropout, the share held out for validation)."""
    return _number(text, float, lambda value: 0 <= value < 1, "a number in [0, 1)")


def unwritable_folder(folder: str | Path) -> str | None:
    """Why files cannot be written in ``folder`` (created if missing), or None if they can: checked
    before any work, so that a run does not fail at its very end."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):  # removed as it closes
            pass
    except FileExistsError:
        return f"cannot write files in {folder}: it is a file, not a folder"
    except OSError as error:
        return f"cannot write files in {folder}: {error.strerror or error}"
    return None


# ----------------------------------------------------------------------------- the parser
def build_parser() -> argparse.ArgumentParser:
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
    train.add_argument(
        "--hidden", type=positive_int, nargs="*", default=list(recipes.CLASSIC_HIDDEN), help="hidden sizes"
    )
    train.add_argument("--activation", default="relu", choices=sorted(recipes.ACTIVATIONS))
    train.add_argument("--dropout", type=fraction, default=0.0, help="dropout after each hidden layer")
    train.add_argument("--batch-norm", action="store_true", help="BatchNorm1d after each hidden Linear")
    train.add_argument("--optimizer", default="sgd", choices=sorted(recipes.OPTIMIZERS))
    train.add_argument("--lr", type=positive_float, default=0.01, help="learning rate")
    train.add_argument("--momentum", type=non_negative_float, default=0.0, help="momentum (sgd, rmsprop)")
    train.add_argument("--batch-size", type=positive_int, default=64)
    train.add_argument("--epochs", type=positive_int, default=20)
    train.add_argument("--seed", type=non_negative_int, default=0)
    train.add_argument("--device", default="cpu", help="cpu or cuda")
    train.add_argument("--limit", type=positive_int, default=None, help="train on the first N training samples only")
    train.add_argument("--val-fraction", type=fraction, default=0.0, help="hold out this share of training data")
    train.add_argument(
        "--early-stopping",
        type=non_negative_int,
        default=None,
        metavar="PATIENCE",
        help="stop after PATIENCE epochs without improvement of val_loss (holds out 10%% if --val-fraction is 0)",
    )
    train.add_argument("--log-interval", type=positive_int, default=None, help="print a line every N batches")
    train.add_argument("--out", default=None, help="output folder (default: runs/<dataset>)")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")

    graph = commands.add_parser(
        "graph",
        help="draw the graph of one training step's loss for an MLP",
        description="Draw the computation graph of one training step (forward pass and cross-entropy loss) of an "
        "MLP, with parameter names and one box per module. The format follows the file name: .svg, .png, .pdf, "
        "or .dot (DOT text, needs no Graphviz).",
    )
    graph.add_argument(
        "--hidden", type=positive_int, nargs="*", default=list(recipes.CLASSIC_HIDDEN), help="hidden sizes"
    )
    graph.add_argument("--batch-size", type=positive_int, default=64)
    graph.add_argument("--collapse", action="store_true", help="one node per module instead of its ops")
    graph.add_argument("--out", default="runs/graph/mlp_graph.svg", help="output file (.svg, .png, .pdf or .dot)")

    commands.add_parser(  # listed here for --help; main() hands its options to the suite itself
        "gradcheck",
        add_help=False,
        help="check every op's gradient (full and fast mode, float64 and float32, planted bugs, vs PyTorch)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["gradcheck"]:  # the suite parses its own options (argparse cannot pass them through)
        from .testing.suite import main as gradcheck_suite

        return gradcheck_suite(argv[1:], prog="tinygrad-edu gradcheck")
    parser = build_parser()
    args = parser.parse_args(argv)
    commands = command_parsers(parser)
    if args.command == "graph":
        _check_graph(commands["graph"], args)
        return graph(args)
    _check_train(commands["train"], args)
    return train(args)


def command_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each command's own parser, by name: its errors start with ``tinygrad-edu <command>: error:``."""
    (commands,) = (action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    return dict(commands.choices)


def _check_train(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse what the argument types cannot see alone, before any data is loaded."""
    if args.data_root is not None and not Path(args.data_root).expanduser().is_dir():
        parser.error(f"argument --data-root: {args.data_root} is not a folder; give the folder with the IDX .gz files")
    try:
        recipes.check_momentum(args.optimizer, args.momentum)
    except ValueError as error:
        parser.error(f"argument --momentum: {error}")
    try:
        backend.array_module(args.device)  # an unknown device, or a missing CuPy or GPU
    except (RuntimeError, ValueError) as error:
        parser.error(f"argument --device: {error}")
    problem = unwritable_folder(_out_folder(args))
    if problem:
        parser.error(f"argument --out: {problem}")


def _check_graph(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    out = Path(args.out)
    if out.suffix.lstrip(".").lower() not in GRAPH_SUFFIXES:
        parser.error(f"argument --out: cannot tell the format of {args.out}: name it .svg, .png, .pdf or .dot")
    problem = unwritable_folder(out.parent)
    if problem:
        parser.error(f"argument --out: {problem}")


def _out_folder(args: argparse.Namespace) -> Path:
    return Path(args.out or Path("runs") / args.dataset)


def graph(args: argparse.Namespace) -> int:
    """Draw one training step of an MLP to a file."""
    try:
        path = recipes.draw_training_step(
            args.out, args.hidden, batch_size=args.batch_size, collapse_modules=args.collapse
        )
    except (ImportError, RuntimeError, ValueError) as error:  # no graphviz, no dot, or too many layers to draw
        print(f"tinygrad-edu graph: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def train(args: argparse.Namespace) -> int:
    """Train, evaluate on the test set, and write weights, history and curves to the output folder."""
    tg.manual_seed(args.seed)
    data = recipes.load_classification(args.dataset, root=args.data_root)
    split = _split(data, args.limit, _held_out_fraction(args))
    _describe(data, split)
    train_loader = _loader(split.x_train, split.y_train, args, training=True)
    val_loader = _loader(split.x_val, split.y_val, args, training=False)
    test_loader = _loader(data.x_test, data.y_test, args, training=False)
    model = _build_model(data, args)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    history = _fit(model, train_loader, val_loader, loss_fn, args)
    seconds = time.perf_counter() - start
    results = _results(evaluate(model, test_loader, loss_fn), history, seconds, args)
    _report(results)
    out = _out_folder(args)
    _save(out, model, args.hidden, history, results)
    _plot_curves(out / "curves.png", history, data, args.hidden, split.val_label)
    _draw_graph(out / "graph.svg", data, args)
    _list_outputs(out)
    return 0


class _Split(NamedTuple):
    """The samples to train on, and those evaluated after every epoch (held out, or the test set)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    val_label: str  # "validation" or "test"


def _held_out_fraction(args: argparse.Namespace) -> float:
    """The share of training data held out for validation: early stopping needs some (10% by default)."""
    return args.val_fraction or (0.1 if args.early_stopping is not None else 0.0)


def _split(data: recipes.ClassificationData, limit: int | None, val_fraction: float) -> _Split:
    """The first ``limit`` training samples, less ``val_fraction`` of them held out for validation."""
    x_train, y_train = data.x_train[:limit], data.y_train[:limit]
    if not val_fraction:  # the classic recipe reports the test set after every epoch
        return _Split(x_train, y_train, data.x_test, data.y_test, "test")
    (x_train, y_train), (x_val, y_val) = train_val_split(x_train, y_train, val_fraction=val_fraction)
    return _Split(x_train, y_train, x_val, y_val, "validation")


def _describe(data: recipes.ClassificationData, split: _Split) -> None:
    print(
        f"{data.name}: {len(split.x_train)} training samples, {len(split.x_val)} {split.val_label} "
        f"samples for per-epoch evaluation, {len(data.x_test)} test samples, {data.classes} classes"
    )


def _loader(x: np.ndarray, y: np.ndarray, args: argparse.Namespace, training: bool) -> DataLoader:
    """Batches of ``args.batch_size``; training batches are shuffled and a last short one is dropped."""
    # The data goes to the device once, here; each batch is then gathered there, never copied over.
    dataset = TensorDataset(tg.Tensor(x, device=args.device), tg.Tensor(y, device=args.device))
    return DataLoader(dataset, args.batch_size, shuffle=training, drop_last=training)


def _build_model(data: recipes.ClassificationData, args: argparse.Namespace) -> nn.Module:
    """The MLP the options describe, on the device; print it and its summary."""
    model = recipes.build_mlp(data.features, args.hidden, data.classes, args.activation, args.dropout, args.batch_norm)
    model.to(args.device)
    print(model)
    print(nn.summary(model, data.input_shape))
    return model


def _fit(
    model: nn.Module, train_loader: DataLoader, val_loader: DataLoader, loss_fn: nn.Module, args: argparse.Namespace
) -> History:
    """Train for ``args.epochs`` epochs with the chosen optimizer, stopping early if asked to."""
    optimizer = recipes.make_optimizer(args.optimizer, model.parameters(), args.lr, args.momentum)
    early_stopping = args.early_stopping is not None
    callbacks = [EarlyStopping("val_loss", args.early_stopping, restore_best_weights=True)] if early_stopping else []
    return fit(
        model,
        train_loader,
        loss_fn,
        optimizer,
        args.epochs,
        val_loader=val_loader,
        callbacks=callbacks,
        log_interval=args.log_interval,
        progress=False if args.no_progress else "auto",
    )


def _results(test: dict[str, float], history: History, seconds: float, args: argparse.Namespace) -> dict[str, Any]:
    """What results.json records: the test results, the training time and the options of the run."""
    return {
        "test_accuracy": test["accuracy"],
        "test_loss": test["loss"],
        "train_seconds": seconds,
        "epochs": len(history.epochs),
        "arguments": vars(args),
    }


def _report(results: dict[str, Any]) -> None:
    print(
        f"test accuracy: {100 * results['test_accuracy']:.2f}%  test loss: {results['test_loss']:.4f}  "
        f"({results['epochs']} epochs in {results['train_seconds']:.1f} s)"
    )


def _save(out: Path, model: nn.Module, hidden: list[int], history: History, results: dict[str, Any]) -> None:
    """The weights (with the hidden sizes that rebuild the model), the history and the results."""
    tg.save(model.state_dict(), out / "model.safetensors", metadata={"hidden": json.dumps(hidden)})
    history.save_json(out / "history.json")
    write_bytes_atomically(out / "results.json", json.dumps(results, indent=2).encode())


def _plot_curves(
    path: Path, history: History, data: recipes.ClassificationData, hidden: list[int], val_label: str
) -> None:
    """The loss and accuracy curves, if matplotlib is installed."""
    try:
        title = f"{data.name}: MLP {'-'.join(map(str, hidden))}"
        plot_history(history, path, title=title, val_label=val_label)
    except ImportError as error:
        print(f"(no {path.name}: {error})")


def _draw_graph(path: Path, data: recipes.ClassificationData, args: argparse.Namespace) -> None:
    """The graph of one training step of this model's architecture, if Graphviz can draw it."""
    try:
        recipes.draw_training_step(
            path,
            args.hidden,
            in_features=data.features,
            classes=data.classes,
            batch_size=args.batch_size,
            activation=args.activation,
            dropout=args.dropout,
            batch_norm=args.batch_norm,
        )
    except (ImportError, RuntimeError, ValueError) as error:  # no graphviz, no dot, or too big to draw
        print(f"(no {path.name}: {error})")


def _list_outputs(out: Path) -> None:
    written = sorted(path.name for path in out.iterdir() if not path.name.startswith("."))
    print(f"wrote {', '.join(written)} in {out}/")


if __name__ == "__main__":
    sys.exit(main())
