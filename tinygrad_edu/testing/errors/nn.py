"""Bad input for the library's nn surface, and the error each must get (see ``errors``)."""

from __future__ import annotations

from . import ErrorInput

ROWS: tuple[ErrorInput, ...] = ()


def subjects() -> set[str]:
    """Every subject this table must have at least one row for."""
    return set()
