"""Bad inputs for the op table's rows: the ones every op of a kind shares, plus each row's own."""

from __future__ import annotations

from ..optable import OpSpec
from . import ErrorInput


def op_error_inputs(spec: OpSpec) -> tuple[ErrorInput, ...]:
    """The bad inputs of ``spec``: those of its kind, then the row's own (``spec.errors``)."""
    return tuple(getattr(spec, "errors", ()))
