"""The torch namespace: module-level functions that call the Tensor methods.

``tg.exp(x)`` is ``x.exp()`` and ``tg.max(x, 1)`` is ``x.max(1)``: each function is one call of
the Tensor method of the same name, so what an op does is written once, in tensor.py, and the
function takes the method's arguments. The functions that take PyTorch's ``out=`` keyword write
their result into that tensor (see ``_into``).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd import is_grad_enabled
from .tensor import Tensor


def _into(out: Tensor | None, result: Any, name: str) -> Any:
    """PyTorch's ``out=``: ``result`` written into ``out`` (cast to its dtype) and ``out`` returned.

    As in PyTorch: an ``out`` of another shape is resized to the result's (with a warning when it
    held values); a result its dtype cannot hold (a float into an integer tensor) is refused, and
    so is ``out=`` where autograd would have to record the op.
    """
    if out is None:
        return result
    if not isinstance(out, Tensor) or not isinstance(result, Tensor):
        raise TypeError(
            f"{name}(): out= takes a Tensor and works where the result is one Tensor, got out of type "
            f"{type(out).__name__} for a result of type {type(result).__name__}"
        )
    if is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic differentiation, but one of "
            "the arguments requires grad; drop out= (y = tg.f(x)), or call it under tg.no_grad()"
        )
    if not np.can_cast(result.dtype, out.dtype, "same_kind"):
        raise RuntimeError(f"{name}(): result type {result.dtype} can't be cast to the out tensor's dtype {out.dtype}")
    if out.device != result.device:
        raise RuntimeError(f"{name}(): the result is on {result.device} but out is on {out.device}")
    if out.shape == result.shape:
        return out.copy_(result)
    if out.numel():
        warnings.warn(
            f"{name}(): out of shape {tuple(out.shape)} was resized to the result's {tuple(result.shape)}; "
            "resize it yourself (or pass an empty tensor) to avoid this warning",
            UserWarning,
            stacklevel=3,
        )
    out.data = result.array.astype(out.dtype)  # a copy: out never shares memory with the result
    return out


def _method(name: str, out: bool = False) -> Callable[..., Any]:
    """``name(input, ...)``: ``input.name(...)``, with PyTorch's ``out=`` keyword if ``out``."""
    method = getattr(Tensor, name)

    def function(input: Tensor, *args: Any, **kwargs: Any) -> Any:  # noqa: A002 - PyTorch's name
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): input must be a Tensor, got {type(input).__name__}; wrap it in tg.Tensor(...)")
        if out:
            return _into(kwargs.pop("out", None), method(input, *args, **kwargs), name)
        return method(input, *args, **kwargs)

    parameters = list(inspect.signature(method).parameters.values())
    parameters[0] = parameters[0].replace(name="input", annotation="Tensor")
    if out:
        parameters.append(inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
    function.__signature__ = inspect.Signature(parameters)  # what help() and editors show
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``{name}(input, ...)`` is ``input.{name}(...)``{' (and takes out=)' if out else ''}.\n\n" + (
        inspect.getdoc(method) or ""
    )
    return function


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A001, A002
    """``input ** exponent``: either may be a number (``tg.pow(2, x)`` is 2**x)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(
            f"pow(): give a Tensor as input or exponent, got {type(input).__name__} and {type(exponent).__name__}"
        )
    return _into(out, input**exponent, "pow")


# arithmetic, elementwise functions and reductions to one tensor take out=
add = _method("add", out=True)
sub = _method("sub", out=True)
mul = _method("mul", out=True)
div = _method("div", out=True)
neg = _method("neg", out=True)
matmul = _method("matmul", out=True)
mm = _method("mm", out=True)
bmm = _method("bmm", out=True)
dot = _method("dot", out=True)
outer = _method("outer", out=True)
exp = _method("exp", out=True)
exp2 = _method("exp2", out=True)
log = _method("log", out=True)
log2 = _method("log2", out=True)
log10 = _method("log10", out=True)
sqrt = _method("sqrt", out=True)
rsqrt = _method("rsqrt", out=True)
square = _method("square", out=True)
reciprocal = _method("reciprocal", out=True)
abs = _method("abs", out=True)  # noqa: A001
sin = _method("sin", out=True)
cos = _method("cos", out=True)
tanh = _method("tanh", out=True)
sigmoid = _method("sigmoid", out=True)
relu = _method("relu")
clamp = _method("clamp", out=True)
clip = _method("clip", out=True)
eq = _method("eq", out=True)
ne = _method("ne", out=True)
lt = _method("lt", out=True)
le = _method("le", out=True)
gt = _method("gt", out=True)
ge = _method("ge", out=True)
sum = _method("sum", out=True)  # noqa: A001
mean = _method("mean", out=True)
std = _method("std", out=True)
var = _method("var", out=True)
norm = _method("norm", out=True)
logsumexp = _method("logsumexp", out=True)
amax = _method("amax", out=True)
amin = _method("amin", out=True)
argmax = _method("argmax", out=True)
argmin = _method("argmin", out=True)
max = _method("max", out=True)  # noqa: A001 - out= for the forms giving one tensor: max(x), max(x, y)
min = _method("min", out=True)  # noqa: A001

# along one axis, sorting and splitting
softmax = _method("softmax")
log_softmax = _method("log_softmax")
sort = _method("sort")
argsort = _method("argsort")
topk = _method("topk")
split = _method("split")
chunk = _method("chunk")

# shape and copies
reshape = _method("reshape")
flatten = _method("flatten")
squeeze = _method("squeeze")
unsqueeze = _method("unsqueeze")
transpose = _method("transpose")
swapaxes = _method("swapaxes")
permute = _method("permute")
t = _method("t")
broadcast_to = _method("broadcast_to")
numel = _method("numel")
clone = _method("clone")
detach = _method("detach")

__all__ = [
    "abs",
    "add",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "argsort",
    "bmm",
    "broadcast_to",
    "chunk",
    "clamp",
    "clip",
    "clone",
    "cos",
    "detach",
    "div",
    "dot",
    "eq",
    "exp",
    "exp2",
    "flatten",
    "ge",
    "gt",
    "le",
    "log",
    "log2",
    "log10",
    "log_softmax",
    "logsumexp",
    "lt",
    "matmul",
    "max",
    "mean",
    "min",
    "mm",
    "mul",
    "ne",
    "neg",
    "norm",
    "numel",
    "outer",
    "permute",
    "pow",
    "reciprocal",
    "relu",
    "reshape",
    "rsqrt",
    "sigmoid",
    "sin",
    "softmax",
    "sort",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "std",
    "sub",
    "sum",
    "swapaxes",
    "t",
    "tanh",
    "topk",
    "transpose",
    "unsqueeze",
    "var",
]
