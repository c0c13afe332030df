"""Bad input for the command line, and the error each must get (see ``errors``).

The subjects are the options of every ``tinygrad-edu`` command, read from its argparse parser
(``train --epochs``, ``graph --out``), and the options of the gradcheck suite, which parses its
own. Each row runs ``cli.main`` with one bad option and must get argparse's usage error (exit
status 2, one ``error:`` line) before any work starts: the rows replace loading data, drawing
and running the suite with a failure, so an option checked too late fails its row. The rows run
in their empty ``folder``, where the commands' default outputs would go, on the CPU only.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path
from unittest import mock

from ... import cli
from .. import suite
from . import ErrorInput

_WORK = ("tinygrad_edu.recipes.load_classification", "tinygrad_edu.recipes.draw_training_step", suite.__name__ + ".run")


class UsageError(Exception):
    """A command's refusal as a row sees it: ``exit <status>: <what it wrote to stderr>``; its
    ``__cause__`` is the ``SystemExit``."""


class _StartedWorkError(Exception):
    """Raised in place of a command's work: no command catches it, as it does the errors of drawing."""


def _started_work(*args: object, **kwargs: object) -> None:
    raise _StartedWorkError("the command started its work before refusing the bad option")


def _run(argv: list[str], folder: Path) -> None:
    """``cli.main(argv)`` in ``folder`` with its work replaced by a failure; a refusal as ``UsageError``."""
    stderr = io.StringIO()
    with contextlib.ExitStack() as stack:
        for target in _WORK:
            stack.enter_context(mock.patch(target, _started_work))
        stack.enter_context(contextlib.chdir(folder))
        stack.enter_context(contextlib.redirect_stderr(stderr))
        try:
            cli.main(argv)
        except SystemExit as refusal:
            raise UsageError(f"exit {refusal.code}: {stderr.getvalue()}") from refusal


def _row(command: str, flag: str, what: str, values: list[str], message: str, spelled: str = "") -> ErrorInput:
    """``tinygrad-edu <command> <flag> <values>`` (``{folder}`` in a value is the row's folder; the
    flag written as ``spelled`` if given) must exit with status 2 and the usage error
    ``argument <flag>: <message>`` (a regex)."""
    pattern = (
        rf"^exit 2: usage: tinygrad-edu {command} (?s:.*)\ntinygrad-edu {command}: error: argument {flag}: {message}"
    )

    def call(device: str, folder: Path) -> None:
        _run([command, spelled or flag, *(value.format(folder=folder) for value in values)], folder)

    return ErrorInput(f"{command} {flag}", what, call, UsageError, pattern, devices=("cpu",))


def _switch(command: str, flag: str) -> ErrorInput:
    return _row(command, flag, "a value given to a switch", [], "ignored explicit argument 'yes'", f"{flag}=yes")


def _unknown_op(device: str, folder: Path) -> None:
    _run(["gradcheck", "--ops", "nope", "--output-dir", str(folder)], folder)


def _under_a_file(name: str) -> str:
    """A path below a plain file (written by the row's call: see ``_with_file``)."""
    return f"{{folder}}/notes.txt/{name}"


def _with_file(row: ErrorInput) -> ErrorInput:
    """``row`` with a plain file ``notes.txt`` in its folder first."""

    def call(device: str, folder: Path) -> None:
        (folder / "notes.txt").write_text("a file, not a folder")
        row.call(device, folder)

    return ErrorInput(row.subject, row.what, call, row.error, row.match, row.devices)


_POSITIVE_INT, _NON_NEGATIVE_INT = "must be a positive integer, got ", "must be a non-negative integer, got "
_POSITIVE, _SHARE = "must be a positive number, got ", r"must be a number in \[0, 1\), got "


def _train(flag: str, what: str, values: list[str], message: str) -> ErrorInput:
    return _row("train", flag, what, values, message)


def _graph(flag: str, what: str, values: list[str], message: str) -> ErrorInput:
    return _row("graph", flag, what, values, message)


def _gradcheck(flag: str, what: str, values: list[str], message: str) -> ErrorInput:
    return _row("gradcheck", flag, what, values, message)


ROWS: tuple[ErrorInput, ...] = (
    _train("--dataset", "a name not among the choices", ["cifar10"], r"invalid choice: 'cifar10' \(choose from"),
    _train("--data-root", "a folder that does not exist", ["{folder}/nowhere"], r".*nowhere is not a folder"),
    _train("--hidden", "a negative width", ["16", "-3"], _POSITIVE_INT + "-3"),
    _train("--hidden", "a zero width", ["0"], _POSITIVE_INT + "0"),
    _train("--activation", "a name not among the choices", ["swish"], r"invalid choice: 'swish'"),
    _train("--dropout", "a probability of 1.5", ["1.5"], _SHARE + "1.5"),
    _train("--dropout", "a negative probability", ["-0.1"], _SHARE + "-0.1"),
    _switch("train", "--batch-norm"),
    _train("--optimizer", "a name not among the choices", ["lbfgs"], r"invalid choice: 'lbfgs'"),
    _train("--lr", "a negative rate", ["-1"], _POSITIVE + "-1"),
    _train("--lr", "NaN", ["nan"], _POSITIVE + "nan"),
    _train("--lr", "infinity", ["inf"], _POSITIVE + "inf"),
    _train("--lr", "no number", ["fast"], _POSITIVE + "fast"),
    _train("--momentum", "a negative momentum", ["-1"], r"must be a non-negative number, got -1"),
    _row("train", "--momentum", "momentum for adam", ["0.9", "--optimizer", "adam"], r"momentum=0.9 applies to sgd"),
    _train("--batch-size", "a batch of 0", ["0"], _POSITIVE_INT + "0"),
    _train("--epochs", "-1 epochs", ["-1"], _POSITIVE_INT + "-1"),
    _train("--epochs", "0 epochs", ["0"], _POSITIVE_INT + "0"),
    _train("--epochs", "a fraction of an epoch", ["1.5"], _POSITIVE_INT + "1.5"),
    _train("--seed", "a negative seed", ["-1"], _NON_NEGATIVE_INT + "-1"),
    _train("--device", "an unknown device", ["tpu"], r"unknown device 'tpu'"),
    _train("--limit", "a negative limit (all but the last samples)", ["-5"], _POSITIVE_INT + "-5"),
    _train("--limit", "a limit of 0", ["0"], _POSITIVE_INT + "0"),
    _train("--val-fraction", "a share of 1.5", ["1.5"], _SHARE + "1.5"),
    _train("--val-fraction", "a negative share", ["-0.5"], _SHARE + "-0.5"),
    _train("--val-fraction", "all of the data", ["1"], _SHARE + "1"),
    _train("--early-stopping", "a negative patience", ["-1"], _NON_NEGATIVE_INT + "-1"),
    _train("--log-interval", "every 0 batches", ["0"], _POSITIVE_INT + "0"),
    _with_file(_train("--out", "a folder below a file", [_under_a_file("run")], r"cannot write files in .*run")),
    _with_file(_train("--out", "a file", ["{folder}/notes.txt"], r"cannot write .* a file, not a folder")),
    _switch("train", "--no-progress"),
    _graph("--hidden", "a negative width", ["-5"], _POSITIVE_INT + "-5"),
    _graph("--hidden", "a zero width", ["0"], _POSITIVE_INT + "0"),
    _graph("--batch-size", "a batch of 0", ["0"], _POSITIVE_INT + "0"),
    _switch("graph", "--collapse"),
    _graph("--out", "an unknown suffix", ["x.bogus"], r"cannot tell the format of x\.bogus"),
    _with_file(_graph("--out", "a file below a file", [_under_a_file("g.svg")], r"cannot write files in .*notes")),
    _switch("gradcheck", "--quick"),
    _with_file(_gradcheck("--output-dir", "a folder below a file", [_under_a_file("r")], r"cannot write files in")),
    _switch("gradcheck", "--no-torch"),
    ErrorInput(
        "gradcheck --ops",
        "an unknown op",
        _unknown_op,
        UsageError,
        r"(?s)^exit 2: usage: tinygrad-edu gradcheck .*error: argument --ops: unknown op\(s\) nope; known: add,",
        ("cpu",),
    ),
)
_EXCLUDED = {"--help"}  # asks for the usage text: it takes no value that could be wrong


def subjects() -> set[str]:
    """Every option of every command (the gradcheck suite's from its own parser), but --help."""
    commands = cli.command_parsers(cli.build_parser())
    commands["gradcheck"] = argparse.ArgumentParser(add_help=True)
    suite.add_arguments(commands["gradcheck"])
    return {
        f"{name} {max(action.option_strings, key=len)}"
        for name, parser in commands.items()
        for action in parser._actions
        if action.option_strings and max(action.option_strings, key=len) not in _EXCLUDED
    }
