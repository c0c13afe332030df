"""Bad input and the error it must get: one record (``ErrorInput``) and one check for every table.

The op table lists bad inputs next to each op (``optable.OpSpec.errors``, plus the ones every op
of a kind shares, ``errors.ops``); the modules here hold tables of the same form for the rest of
the surface: ``nn`` (modules, losses, initialisers), ``optim``, ``data``, ``io``, ``train``
(the loop, callbacks, plots and graph drawing) and ``cli``. ``tests/test_error_inputs.py`` runs
every row on every device it names.

A row passes when its call raises ``error`` with a message that ``re.search``-matches ``match``,
and the exception was raised by the library's own code (``raised_by_library``): a message from
NumPy, or a ``TypeError``/``AttributeError`` that Python raised inside the library, fails.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # the tinygrad_edu folder
_TABLES_DIR = Path(__file__).resolve().parent
DEVICES = ("cpu", "cuda")


@dataclass(frozen=True)
class ErrorInput:
    """One bad call and the error it must get.

    ``subject`` is what is called (an op row's name, ``"nn.Linear"``, ``"optim.SGD"``,
    ``"read_idx"``, ``"train --epochs"``): the tables are checked to name every subject of their
    area. ``what`` says what is wrong with the input (it becomes the test id). ``call(device,
    folder)`` makes the call, with ``folder`` an empty temporary folder for files.
    """

    subject: str
    what: str
    call: Callable[[str, Path], Any]
    error: type[BaseException] | tuple[type[BaseException], ...]
    match: str
    devices: tuple[str, ...] = DEVICES

    @property
    def id(self) -> str:
        return f"{self.subject}: {self.what}"


def raised_by_library(error: BaseException) -> bool:
    """Whether ``error`` came from a ``raise`` statement in the library's own code (not from NumPy,
    CuPy or Python itself failing inside the library, and not from the table's own call)."""
    if isinstance(error, SystemExit) or isinstance(error.__cause__, SystemExit):  # the command line's way of
        return True  # refusing (argparse's exit code 2), as is or as a table reports it (errors.cli.UsageError)
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return False
    innermost = frames[-1]
    where = Path(innermost.filename).resolve()
    if PACKAGE_DIR not in where.parents or _TABLES_DIR in where.parents or where.parent == _TABLES_DIR:
        return False
    return (innermost.line or "").lstrip().startswith("raise")


def check(row: ErrorInput, device: str, folder: Path) -> BaseException:
    """Run ``row`` and return the error it raised; raise ``AssertionError`` saying what went wrong
    if it raised nothing, another error, a message that does not match, or an error from outside
    the library."""
    try:
        result = row.call(device, folder)
    except row.error as error:
        message = str(error)
        if not re.search(row.match, message):
            raise AssertionError(
                f"{row.id}: the {type(error).__name__} message does not match {row.match!r}:\n{message}"
            ) from error
        if not raised_by_library(error):
            raise AssertionError(f"{row.id}: the error was not raised by the library's own code") from error
        return error
    except BaseException as error:  # any other error is the wrong one
        raise AssertionError(f"{row.id}: expected {row.error}, got {type(error).__name__}: {error}") from error
    raise AssertionError(f"{row.id}: expected {row.error}, but the call returned {result!r}")
