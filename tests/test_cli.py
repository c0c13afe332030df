"""The ``tinygrad-edu`` command line, called in-process through ``tinygrad_edu.cli.main``.

The Fashion-MNIST test is an integration test on the real data set: one short epoch of the
classic recipe on 6,000 images must already learn something, and the run must leave its
weights, history, results and curves in the output folder.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import cli, optim, recipes
from tinygrad_edu.cli import main
from tinygrad_edu.data import datasets
from tinygrad_edu.train import evaluate

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LOG_LINE = re.compile(r"Train Epoch: 1 \[(\d+)/6000 \((\d+)%\)\]\tLoss: (\d+\.\d+)")


def has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def can_render_graphs() -> bool:
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return shutil.which("dot") is not None


def output_files() -> set[str]:
    files = {"model.safetensors", "history.json", "results.json"}
    return files | ({"curves.png"} if has_matplotlib() else set()) | ({"graph.svg"} if can_render_graphs() else set())


# ----------------------------------------------------------------------------- Fashion-MNIST
def fashion_mnist_folder() -> Path:
    """The folder with the four Fashion-MNIST files, or skip: this test must never download."""
    folders = datasets.search_dirs("fashion-mnist")
    for folder in folders:
        if all((folder / file).is_file() for file in datasets.FILES):
            return folder
    pytest.skip(
        f"Fashion-MNIST files not found in {', '.join(map(str, folders))}; "
        "install Debian's dataset-fashion-mnist package (as CI does) or set $TINYGRAD_EDU_DATA"
    )


@pytest.fixture(scope="module")
def fashion_run(tmp_path_factory):
    """One epoch on the first 6,000 training images, run once for all the tests below."""
    folder = fashion_mnist_folder()
    out = tmp_path_factory.mktemp("fashion-mnist")
    # A narrower network than the classic 1024-128-64 and momentum, so one quick epoch learns a lot.
    argv = ["train", "--data-root", str(folder), "--limit", "6000", "--epochs", "1", "--batch-size", "64"]
    argv += ["--hidden", "128", "64", "--momentum", "0.9", "--log-interval", "10", "--no-progress", "--out", str(out)]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(argv)
    return SimpleNamespace(code=code, out=out, stdout=stdout.getvalue(), folder=folder)


def test_fashion_mnist_run_succeeds_and_says_what_it_trained_on(fashion_run):
    assert fashion_run.code == 0
    assert "fashion-mnist: 6000 training samples, 10000 test samples" in fashion_run.stdout


def test_fashion_mnist_training_loss_falls_within_the_epoch(fashion_run):
    lines = [LOG_LINE.fullmatch(line) for line in fashion_run.stdout.splitlines() if line.startswith("Train Epoch")]
    # 6000 // 64 = 93 full batches (the last, smaller one is dropped): a line at batches 0, 10, ..., 90.
    assert [int(line[1]) for line in lines] == [640 * k for k in range(10)]
    losses = [float(line[3]) for line in lines]
    assert losses[0] > 1.5  # close to ln(10) = 2.30 when it starts: a guess among 10 classes
    assert losses[-1] < 0.6 * losses[0]


def test_fashion_mnist_test_accuracy_beats_chance_by_far(fashion_run):
    results = json.loads((fashion_run.out / "results.json").read_text())
    assert results["test_accuracy"] > 0.6  # chance is 0.1
    assert results["epochs"] == 1
    assert results["arguments"]["limit"] == 6000
    assert f"test accuracy: {100 * results['test_accuracy']:.2f}%" in fashion_run.stdout


def test_fashion_mnist_run_writes_its_files(fashion_run):
    assert set(os.listdir(fashion_run.out)) == output_files()  # and no temporary files
    history = json.loads((fashion_run.out / "history.json").read_text())
    assert history["epochs"] == [1]
    assert set(history["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    if has_matplotlib():
        assert (fashion_run.out / "curves.png").read_bytes().startswith(PNG_SIGNATURE)


def test_fashion_mnist_saved_weights_are_the_trained_model(fashion_run):
    weights = tg.load(fashion_run.out / "model.safetensors")
    model = recipes.build_mlp(784, [128, 64], 10)  # Flatten, Linear, ReLU, Linear, ReLU, Linear
    # tg.load gives back the state dict in its own order, as torch.load; the names must match.
    assert (
        list(weights) == list(model.state_dict()) == ["1.weight", "1.bias", "3.weight", "3.bias", "5.weight", "5.bias"]
    )
    assert weights["1.weight"].shape == (128, 784)

    model.load_state_dict(weights)
    data = recipes.load_classification("fashion-mnist", root=fashion_run.folder, download=False)
    loader = tg.data.DataLoader(tg.data.TensorDataset(data.x_test, data.y_test), batch_size=1000)
    results = json.loads((fashion_run.out / "results.json").read_text())
    assert evaluate(model, loader, tg.nn.CrossEntropyLoss())["accuracy"] == pytest.approx(results["test_accuracy"])


# ----------------------------------------------------------------------------- toy data sets
def train_toy(tmp_path, *args: str) -> SimpleNamespace:
    """Train on two moons (1,600 training and 400 test points); the results and history it wrote."""
    argv = ["train", "--dataset", "two-moons", "--hidden", "16", "16", "--no-progress", "--out", str(tmp_path), *args]
    assert main(argv) == 0
    return SimpleNamespace(
        results=json.loads((tmp_path / "results.json").read_text()),
        history=json.loads((tmp_path / "history.json").read_text()),
    )


def test_two_moons_run(tmp_path, capsys):
    # Plain SGD with lr 0.1 reaches only about 0.89 in 5 epochs; momentum gets it well past 0.9.
    run = train_toy(tmp_path, "--epochs", "5", "--lr", "0.1", "--momentum", "0.9")

    assert run.results["test_accuracy"] > 0.9
    assert run.history["epochs"] == [1, 2, 3, 4, 5]
    assert set(os.listdir(tmp_path)) == output_files()
    assert "two-moons: 1600 training samples, 400 test samples" in capsys.readouterr().out


def test_optimizer_option_picks_the_optimizer(tmp_path, monkeypatch):
    made = []
    make_optimizer = recipes.make_optimizer

    def recording_make_optimizer(*args, **kwargs):
        made.append(make_optimizer(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(recipes, "make_optimizer", recording_make_optimizer)

    run = train_toy(tmp_path, "--optimizer", "adam", "--lr", "0.01", "--epochs", "5")

    (optimizer,) = made
    assert isinstance(optimizer, optim.Adam)
    assert optimizer.param_groups[0]["lr"] == 0.01
    assert run.results["test_accuracy"] > 0.9


def keras_stop_epoch(val_losses: list[float], patience: int) -> int | None:
    """The epoch at which Keras' EarlyStopping(patience) stops for these val losses (None: never)."""
    best, waited = float("inf"), 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, waited = loss, 0
        else:
            waited += 1
            if waited >= patience:
                return epoch
    return None


def test_early_stopping_holds_out_validation_data_and_stops(tmp_path, capsys):
    run = train_toy(tmp_path, "--early-stopping", "1", "--optimizer", "adam", "--lr", "0.05", "--epochs", "40")

    # Without --val-fraction, 10% of the 1,600 training points become the validation set.
    assert "1440 training samples, 160 validation samples" in capsys.readouterr().out
    epochs, val_losses = run.history["epochs"], run.history["history"]["val_loss"]
    assert len(val_losses) == len(epochs) == run.results["epochs"]
    assert len(epochs) < 40  # this run stops early
    assert run.history["stopped_epoch"] == epochs[-1] == keras_stop_epoch(val_losses, patience=1)
    assert run.history["best_epoch"] == int(np.argmin(val_losses)) + 1  # whose weights were saved


def fails_clearly(capsys, argv: list[str], *phrases: str) -> None:
    """The command fails, with a message that holds every phrase: an exception or argparse's exit 2."""
    try:
        main(argv)
    except SystemExit as stop:
        assert stop.code != 0
        message = capsys.readouterr().err
    except ValueError as error:
        message = str(error)
    else:
        pytest.fail(f"{argv} did not fail")
    for phrase in phrases:
        assert phrase in message


def test_unknown_choices_fail_with_a_clear_message(tmp_path, capsys):
    toy = ["train", "--dataset", "two-moons", "--epochs", "1", "--no-progress", "--out", str(tmp_path)]
    fails_clearly(
        capsys, ["train", "--dataset", "cifar10", "--out", str(tmp_path)], "cifar10", "fashion-mnist", "spirals"
    )
    fails_clearly(capsys, [*toy, "--activation", "swish"], "swish", "relu", "tanh")
    fails_clearly(capsys, [*toy, "--optimizer", "lbfgs"], "lbfgs", "sgd", "adam")
    assert not (tmp_path / "model.safetensors").exists()


def test_momentum_with_adam_is_refused_instead_of_ignored():
    from tinygrad_edu import recipes

    with pytest.raises(ValueError, match=r"momentum.*sgd and rmsprop"):
        recipes.make_optimizer("adam", [tg.Tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)


# ----------------------------------------------------------------------------- bad options
def refusal(capsys, monkeypatch, argv: list[str]) -> str:
    """What ``main(argv)`` wrote to stderr as it exited with status 2, before loading any data."""
    loaded = []
    monkeypatch.setattr(recipes, "load_classification", lambda *args, **kwargs: loaded.append(args))
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert not loaded
    return capsys.readouterr().err


@pytest.mark.parametrize("limit", ["-5", "0"])
def test_a_limit_below_one_is_refused_instead_of_dropping_the_last_samples(tmp_path, capsys, monkeypatch, limit):
    err = refusal(capsys, monkeypatch, ["train", "--dataset", "two-moons", "--limit", limit, "--out", str(tmp_path)])
    assert err.endswith(f"tinygrad-edu train: error: argument --limit: must be a positive integer, got {limit}\n")


def test_a_bad_option_gets_the_usage_and_one_error_line(tmp_path, capsys, monkeypatch):
    err = refusal(capsys, monkeypatch, ["train", "--epochs", "-1", "--out", str(tmp_path)])
    lines = err.splitlines()
    assert lines[0].startswith("usage: tinygrad-edu train")
    assert [line for line in lines if "error" in line] == [
        "tinygrad-edu train: error: argument --epochs: must be a positive integer, got -1"
    ]
    assert lines[-1].startswith("tinygrad-edu train: error:") and "Traceback" not in err


def test_an_output_folder_that_cannot_be_written_is_refused_before_training(tmp_path, capsys, monkeypatch):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    out = tmp_path / "notes.txt" / "run"
    err = refusal(capsys, monkeypatch, ["train", "--dataset", "two-moons", "--out", str(out)])
    assert f"argument --out: cannot write files in {out}: Not a directory" in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes in read-only folders")
def test_a_read_only_output_folder_is_refused_before_training(tmp_path, capsys, monkeypatch):
    tmp_path.chmod(0o500)
    try:
        err = refusal(capsys, monkeypatch, ["train", "--dataset", "two-moons", "--out", str(tmp_path)])
    finally:
        tmp_path.chmod(0o700)
    assert "argument --out: cannot write files in" in err and "Permission denied" in err


def test_the_output_check_leaves_no_file_behind(tmp_path):
    assert cli.unwritable_folder(tmp_path / "new") is None
    assert list((tmp_path / "new").iterdir()) == []


@pytest.mark.parametrize(
    ("convert", "good", "bad"),
    [
        ("positive_int", {"3": 3}, ["0", "-1", "1.5", "x"]),
        ("non_negative_int", {"0": 0, "7": 7}, ["-1", "2.0"]),
        ("positive_float", {"0.01": 0.01, "1e3": 1000.0}, ["0", "-1", "nan", "inf"]),
        ("non_negative_float", {"0": 0.0, "0.9": 0.9}, ["-0.5", "nan", "-inf"]),
        ("fraction", {"0": 0.0, "0.999": 0.999}, ["1", "1.5", "-0.1", "nan"]),
    ],
)
def test_argument_types(convert, good, bad):
    check = getattr(cli, convert)
    assert {text: check(text) for text in good} == good
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError, match=rf"^must be .*, got {re.escape(text)}$"):
            check(text)
