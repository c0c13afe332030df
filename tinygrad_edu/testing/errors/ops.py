"""Bad inputs for the op table's rows: the ones every op of a kind shares, plus each row's own.

Every row gets at least one: a gradient of the wrong shape handed to ``backward`` of its result.
Each kind adds the mistakes its inputs invite (shapes that do not broadcast, an axis out of range,
a size that is not an integer, class indices out of range, ...); a row adds its own in
``OpSpec.errors`` (``binary_cross_entropy``'s probabilities outside [0, 1], for example).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

import tinygrad_edu as tg

from ..optable import KINDS, OpSpec, example_arguments
from . import ErrorInput

Make = Callable[[str], tuple[tuple, dict]]  # make(device) -> (inputs, params) of the bad call


def op_error_inputs(spec: OpSpec) -> tuple[ErrorInput, ...]:
    """The bad inputs of ``spec``: the wrong gradient shape, those of its kind, then the row's own."""
    by_kind = _BY_KIND[spec.kind](spec) if spec.kind in _BY_KIND else ()
    shared = (_wrong_gradient_shape(spec), *_not_a_tensor(spec), *by_kind)
    return (*shared, *spec.errors)


def bad_call(spec: OpSpec, what: str, make: Make, error: Any, match: str) -> ErrorInput:
    """A row calling ``spec``'s op with the inputs and params ``make(device)`` builds."""

    def call(device: str, folder: Any) -> Any:
        inputs, params = make(device)
        return spec.fn(*inputs, **params)

    return ErrorInput(spec.name, what, call, error, match)


def cpu_only(row: ErrorInput) -> ErrorInput:
    """``row`` checked on the CPU only: on a GPU the op gives NaN instead (reading the values to
    raise would stall the device), which tests/test_edge_inputs.py shows."""
    return replace(row, devices=("cpu",))


def tensor(device: str, shape: tuple[int, ...] = (), dtype: str = "float64", fill: Any = None) -> tg.Tensor:
    """A tensor of ``shape`` on ``device``: ``fill`` (an array or a number) or 0.5, 1.5, 2.5, ..."""
    values = np.arange(int(np.prod(shape))).reshape(shape) + 0.5 if fill is None else np.broadcast_to(fill, shape)
    return tg.tensor(np.asarray(values).astype(dtype), device=device)


def shape_text(*shapes: tuple[int, ...]) -> str:
    """A regex matching the shapes in this order, each as Python prints a tuple."""
    return ".*".join(re.escape(str(tuple(s))) for s in shapes)


# ----------------------------------------------------------------------------- every row
def _wrong_gradient_shape(spec: OpSpec) -> ErrorInput:
    """``backward(gradient)`` with a gradient of another shape than the op's result."""

    def call(device: str, folder: Any) -> Any:
        inputs, params = example_arguments(spec, np.random.default_rng(0))
        moved = [_moved(x, device) for x in inputs]
        out = spec.fn(*moved, **{k: _moved(v, device) for k, v in params.items()})
        return out.backward(tg.ones(*out.shape, 3, dtype=out.dtype, device=device))

    pattern = r"gradient.*shape.*\(.*3,?\).*\(|shape.*\(.*\).*gradient.*shape.*3"
    return ErrorInput(spec.name, "a gradient of the wrong shape in backward", call, RuntimeError, pattern)


def _moved(value: Any, device: str) -> Any:
    """A leaf copy on ``device`` of a Tensor (requiring grad if it did), anything else as it is."""
    if not isinstance(value, tg.Tensor):
        return value
    return tg.tensor(value.detach().numpy(), device=device, requires_grad=value.requires_grad)


def _not_a_tensor(spec: OpSpec) -> tuple[ErrorInput, ...]:
    """For an op the namespace has as a function (``tg.exp``): a Python list instead of a tensor."""
    function = getattr(tg, spec.name, None)
    if spec.kind not in ("unary", "reduce", "axis") or not callable(function) or isinstance(function, type):
        return ()

    def call(device: str, folder: Any) -> Any:
        return function([0.5, 1.5])

    what = f"tg.{spec.name} of a list"
    return (ErrorInput(spec.name, what, call, TypeError, rf"(?i){spec.name}.*Tensor.*list"),)


# ----------------------------------------------------------------------------- per kind
def _binary(spec: OpSpec) -> tuple[ErrorInput, ...]:
    shapes = ((2, 3), (4,))
    rows = [
        bad_call(
            spec,
            "shapes that do not broadcast",
            lambda d: ((tensor(d, shapes[0]), tensor(d, shapes[1])), {}),
            ValueError,
            shape_text(*shapes),
        )
    ]
    if spec.name.endswith("_"):  # in place: the result must keep the target's shape

        def call(device: str, folder: Any) -> Any:
            return getattr(tensor(device, (3,)), spec.name)(tensor(device, (2, 3)))

        what = "a write that would change the target's shape"
        rows.append(ErrorInput(spec.name, what, call, RuntimeError, r"\(2, 3\).*\(3,\)"))
    return tuple(rows)


def _reduce(spec: OpSpec) -> tuple[ErrorInput, ...]:
    x = (2, 3)
    return (
        bad_call(spec, "an axis out of range", lambda d: ((tensor(d, x),), {"axis": 2}), IndexError, r"2.*\(2, 3\)"),
        bad_call(spec, "the same axis twice", lambda d: ((tensor(d, x),), {"axis": (0, -2)}), ValueError, r"twice"),
        bad_call(spec, "an axis that is a float", lambda d: ((tensor(d, x),), {"axis": 1.0}), TypeError, r"1\.0"),
    )


def _axis(spec: OpSpec) -> tuple[ErrorInput, ...]:
    x = (2, 3)
    return (
        bad_call(spec, "an axis out of range", lambda d: ((tensor(d, x),), {"axis": -3}), IndexError, r"-3.*\(2, 3\)"),
        bad_call(spec, "an axis that is a float", lambda d: ((tensor(d, x),), {"axis": 0.5}), TypeError, r"0\.5"),
    )


def _matmul(spec: OpSpec) -> tuple[ErrorInput, ...]:
    return (
        bad_call(
            spec,
            "inner sizes that differ",
            lambda d: ((tensor(d, (2, 3)), tensor(d, (4, 2))), {}),
            ValueError,
            r"\(2, 3\).*\(4, 2\).*3.*4",
        ),
        bad_call(spec, "a 0-d operand", lambda d: ((tensor(d, ()), tensor(d, (2,))), {}), ValueError, r"use \*"),
    )


def _reshape(spec: OpSpec) -> tuple[ErrorInput, ...]:
    x = (2, 3)
    return (
        bad_call(spec, "another number of elements", lambda d: ((tensor(d, x),), {"shape": (4,)}), ValueError, r"6"),
        bad_call(spec, "two -1 sizes", lambda d: ((tensor(d, x),), {"shape": (-1, -1)}), ValueError, r"one.*-1"),
        bad_call(spec, "a float size", lambda d: ((tensor(d, x),), {"shape": (1.5, 4)}), TypeError, r"integer.*1\.5"),
        bad_call(spec, "a size below -1", lambda d: ((tensor(d, x),), {"shape": (-2, -3)}), ValueError, r"-2"),
    )


def _transpose(spec: OpSpec) -> tuple[ErrorInput, ...]:
    x = (2, 3, 4)
    return (
        bad_call(spec, "an axis named twice", lambda d: ((tensor(d, x),), {"axes": (0, 0, 1)}), ValueError,
                 r"\(0, 0, 1\).*permutation"),
        bad_call(spec, "too few axes", lambda d: ((tensor(d, x),), {"axes": (1, 0)}), ValueError, r"\(1, 0\)"),
    )  # fmt: skip


def _expand(spec: OpSpec) -> tuple[ErrorInput, ...]:
    return (
        bad_call(spec, "a size that is neither 1 nor the target", lambda d: ((tensor(d, (3, 1)),), {"shape": (2, 4)}),
                 ValueError, r"\(3, 1\).*\(2, 4\)"),
        bad_call(spec, "fewer axes than the tensor", lambda d: ((tensor(d, (2, 3)),), {"shape": (3,)}), ValueError,
                 r"\(2, 3\).*\(3,\)"),
    )  # fmt: skip


def _getitem(spec: OpSpec) -> tuple[ErrorInput, ...]:
    def indexed_by(index: Any) -> Make:
        return lambda d: ((tensor(d, (2, 3)),), {"index": index})

    return (
        bad_call(spec, "an index out of range", indexed_by(5), IndexError, r"\(2, 3\).*index=5"),
        bad_call(spec, "a float index", indexed_by(1.5), IndexError, r"\(2, 3\).*index=1\.5"),
        bad_call(spec, "too many indices", indexed_by((0, 0, 0)), IndexError, r"\(2, 3\).*index=\(0, 0, 0\)"),
    )


def _join(spec: OpSpec) -> tuple[ErrorInput, ...]:
    rows = [
        bad_call(spec, "tensors of different shapes", lambda d: ((tensor(d, (2, 3)), tensor(d, (2, 4))), {"axis": 0}),
                 ValueError, shape_text((2, 3), (2, 4))),
        bad_call(spec, "an axis out of range", lambda d: ((tensor(d, (2,)), tensor(d, (2,))), {"axis": 3}),
                 IndexError, r"3"),
        bad_call(spec, "no tensors", lambda d: ((), {"axis": 0}), ValueError, r"non-empty"),
    ]  # fmt: skip
    if spec.name == "cat":
        rows.append(bad_call(spec, "0-d tensors", lambda d: ((tensor(d), tensor(d)), {}), ValueError, r"0-d.*stack"))
    return tuple(rows)


def _where(spec: OpSpec) -> tuple[ErrorInput, ...]:
    return (
        bad_call(spec, "a float condition", lambda d: ((tensor(d, (3,)), tensor(d, (3,)), tensor(d, (3,))), {}),
                 TypeError, r"bool.*float64"),
        bad_call(spec, "shapes that do not broadcast",
                 lambda d: ((tensor(d, (3,), "bool"), tensor(d, (2, 3)), tensor(d, (4,))), {}), ValueError,
                 r"\(2, 3\).*\(4,\)"),
    )  # fmt: skip


def _linear(spec: OpSpec) -> tuple[ErrorInput, ...]:
    return (
        bad_call(spec, "in-features that differ from the weight's",
                 lambda d: ((tensor(d, (2, 3)), tensor(d, (4, 5)), tensor(d, (4,))), {}), ValueError,
                 r"3 features.*\(4, 5\) expects 5"),
        bad_call(spec, "a bias of the wrong size",
                 lambda d: ((tensor(d, (2, 3)), tensor(d, (4, 3)), tensor(d, (5,))), {}), ValueError, r"\(5,\).*4"),
    )  # fmt: skip


def _class_loss(spec: OpSpec) -> tuple[ErrorInput, ...]:
    def logits_and(target: Any, reduction: str = "mean") -> Make:
        return lambda d: ((tensor(d, (2, 3)),), {"target": tg.tensor(target, device=d), "reduction": reduction})

    return (
        cpu_only(bad_call(spec, "a class index too large", logits_and([0, 3]), IndexError, r"class 3.*3 classes")),
        cpu_only(bad_call(spec, "a negative class index", logits_and([-1, 0]), IndexError, r"class -1")),
        bad_call(spec, "float targets", logits_and([0.0, 1.0]), TypeError, r"(?i)int.*float"),
        bad_call(spec, "one target per sample, too few", logits_and([0]), ValueError, r"2.*1|\(2, 3\).*\(1,\)"),
        bad_call(spec, "an unknown reduction", logits_and([0, 1], "average"), ValueError, r"mean.*sum.*none.*average"),
    )


def _pair_loss(spec: OpSpec) -> tuple[ErrorInput, ...]:
    return (
        bad_call(spec, "input and target of different shapes",
                 lambda d: ((tensor(d, (2, 3), fill=0.5), tensor(d, (3, 2), fill=0.5)), {}), ValueError,
                 shape_text((2, 3), (3, 2))),
        bad_call(spec, "an unknown reduction",
                 lambda d: ((tensor(d, (3,), fill=0.5), tensor(d, (3,), fill=0.5)), {"reduction": "avg"}), ValueError,
                 r"mean.*sum.*none.*avg"),
    )  # fmt: skip


def _batchnorm(spec: OpSpec) -> tuple[ErrorInput, ...]:
    return (
        bad_call(spec, "one sample per channel in training",
                 lambda d: ((tensor(d, (1, 3)), tensor(d, (3,)), tensor(d, (3,))), {}), ValueError,
                 r"(?i)more than one.*\(1, 3\)"),
        bad_call(spec, "a weight for another number of channels",
                 lambda d: ((tensor(d, (4, 3)), tensor(d, (2,)), tensor(d, (2,))), {}), ValueError,
                 r"\(2,\).*3|3.*\(2,\)"),
    )  # fmt: skip


# The bad inputs of each kind are the function named after it: a new kind must get one (the
# unary ops' only shared bad input is the wrong gradient shape, plus tg.<name> of a list).
_BY_KIND: dict[str, Callable[[OpSpec], tuple[ErrorInput, ...]]] = {
    kind: globals()[f"_{kind}"] for kind in KINDS if kind != "unary"
}
