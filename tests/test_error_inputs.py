"""Every row of the error-input tables: the bad call raises the library's own clear error.

The op table's rows (``OpSpec.errors`` and the ones each kind shares) run on both devices; the
tables for modules, losses, optimizers, data, files, the training loop and the command line run
on the devices each row names. Each table also says which subjects it must cover (every module
class, optimizer, reader, command-line flag...), and a test checks none is missing.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from tinygrad_edu.testing import OP_SPECS, optable
from tinygrad_edu.testing.errors import ErrorInput, check
from tinygrad_edu.testing.errors.ops import op_error_inputs

AREAS = ("nn", "optim", "data", "io", "train", "cli")
TABLES = {area: importlib.import_module(f"tinygrad_edu.testing.errors.{area}") for area in AREAS}
OP_ROWS = [row for spec in OP_SPECS for row in op_error_inputs(spec)]
AREA_ROWS = [row for table in TABLES.values() for row in table.ROWS]


def _params(rows: list[ErrorInput]) -> list:
    return [pytest.param(row, id=row.id) for row in rows]


@pytest.mark.parametrize("row", _params(OP_ROWS))
def test_op_error_input(row: ErrorInput, device: str, tmp_path: Path) -> None:
    _check_on(row, device, tmp_path)


@pytest.mark.parametrize("row", _params(AREA_ROWS))
def test_error_input(row: ErrorInput, device: str, tmp_path: Path) -> None:
    _check_on(row, device, tmp_path)


def _check_on(row: ErrorInput, device: str, tmp_path: Path) -> None:
    if device not in row.devices:
        pytest.skip(f"{row.id} runs on {', '.join(row.devices)} only")
    check(row, device, tmp_path)


def test_every_op_row_has_error_inputs() -> None:
    missing = [spec.name for spec in OP_SPECS if not op_error_inputs(spec)]
    assert not missing, f"op rows without bad inputs: {missing}"


@pytest.mark.parametrize("area", AREAS)
def test_table_covers_every_subject(area: str) -> None:
    table = TABLES[area]
    required = table.subjects()
    assert required, f"the {area} table names no subjects to cover"
    missing = sorted(required - {row.subject for row in table.ROWS})
    assert not missing, f"the {area} table has no bad input for: {missing}"


def test_ids_are_unique() -> None:
    ids = [row.id for row in OP_ROWS + AREA_ROWS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_each_rows_own_bad_inputs_name_a_row() -> None:
    names = {spec.name for spec in OP_SPECS}
    assert set(optable._ERRORS) <= names, sorted(set(optable._ERRORS) - names)
    assert all(row.subject == name for name, rows in optable._ERRORS.items() for row in rows)
