"""Every operation the engine differentiates: one Function class each, forward and backward side by side.

Read them in this order:

- ``arithmetic.py``: ``+ - * / **`` and ``@``, elementwise maximum/minimum, ``where``;
- ``elementwise.py``: ``exp``, ``log`` (and base 2 and 10), ``sqrt``, ``sin``, ``cos``, ``abs``, the activations,
  ``clip``, copies, casts and moves;
- ``reductions.py``: ``sum``, ``var``, ``norm``, ``logsumexp``, ``amax``/``amin``, ``softmax``, ``log_softmax``;
- ``shape.py``: reshape, permute, expand, indexing and ``cat``;
- ``nn.py``: the fused layer and loss ops: linear, batch norm, cross-entropy, NLL, MSE, BCE.

``forward`` computes on backend arrays (``x.array``) with the array module of its inputs, so the
same code runs on NumPy and CuPy. ``backward`` is written with Tensor operations, so when the
backward pass is itself recorded (``create_graph=True``) higher derivatives come for free.

Each docstring states the local derivative. Gradients are returned in the OUTPUT's shape when an
input was broadcast: the engine (``autograd.unbroadcast``) sums them back to the input's shape.
"""

from .arithmetic import Add, Div, MatMul, Maximum, Mul, Neg, Pow, Sub, Where
from .elementwise import (
    Abs,
    Cast,
    Clip,
    Clone,
    Cos,
    Exp,
    Exp2,
    LeakyReLU,
    Log,
    Log2,
    Log10,
    ReLU,
    Sigmoid,
    Sin,
    Softplus,
    Sqrt,
    Tanh,
    ToDevice,
)
from .nn import BatchNorm, BinaryCrossEntropy, CrossEntropy, Linear, MeanSquaredError, NegativeLogLikelihood
from .reductions import LogSoftmax, LogSumExp, Max, Norm, Softmax, Std, Sum, Var
from .shape import Cat, Expand, GetItem, Reshape, ScatterAdd, SetItem, Transpose


def __getattr__(name: str) -> object:
    """Min and Minimum are Max and Maximum with ``smallest=True``: their old names say so."""
    largest = {"Min": "Max", "Minimum": "Maximum"}
    if name in largest:
        raise AttributeError(f"ops.{name} is ops.{largest[name]} with smallest=True")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Abs",
    "Add",
    "BatchNorm",
    "BinaryCrossEntropy",
    "Cast",
    "Cat",
    "Clip",
    "Clone",
    "Cos",
    "CrossEntropy",
    "Div",
    "Exp",
    "Exp2",
    "Expand",
    "GetItem",
    "LeakyReLU",
    "Linear",
    "Log",
    "Log2",
    "Log10",
    "LogSoftmax",
    "LogSumExp",
    "MatMul",
    "Max",
    "Maximum",
    "MeanSquaredError",
    "Mul",
    "Neg",
    "NegativeLogLikelihood",
    "Norm",
    "Pow",
    "ReLU",
    "Reshape",
    "ScatterAdd",
    "SetItem",
    "Sigmoid",
    "Sin",
    "Softmax",
    "Softplus",
    "Sqrt",
    "Std",
    "Sub",
    "Sum",
    "Tanh",
    "ToDevice",
    "Transpose",
    "Var",
    "Where",
]
