"""Tools for testing gradients: the op table every check reads, and the gradient-check suite.

``OP_SPECS`` has one row (``OpSpec``) per differentiable op of the library: the op, its NumPy
reference, how its inputs are shaped and where their values may lie (see ``optable``). The tests
(``tests/test_op_gradients.py``), ``tinygrad-edu gradcheck`` (``testing.suite``) and the PyTorch
comparison in ``benchmarks/gradcheck_suite.py`` all read these rows, so adding an op to the library
is three things: its Function, its Tensor method, and one row in ``optable.OP_SPECS``.

To check a Function of your own, describe it with a row and hand the row's example inputs to
``gradcheck`` (and, if it is twice differentiable, ``gradgradcheck``):

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> from tinygrad_edu.testing import OpSpec, example_arguments
>>> class Cube(tg.Function):
...     '''y = x**3; dy/dx = 3 x**2.'''
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x.array**3
...     @staticmethod
...     def backward(ctx, grad):
...         (x,) = ctx.saved_tensors
...         return grad * 3 * x * x
>>> spec = OpSpec("cube", lambda lib, x: Cube.apply(x), lambda x: x**3, "unary")
>>> inputs, params = example_arguments(spec, np.random.default_rng(0))  # float64, in spec.domain
>>> out = spec.fn(*inputs, **params)
>>> bool(np.allclose(out.detach().numpy(), spec.reference(*(x.detach().numpy() for x in inputs), **params)))
True
>>> tg.gradcheck(lambda *xs: spec.fn(*xs, **params), inputs)
True
>>> tg.gradgradcheck(lambda *xs: spec.fn(*xs, **params), inputs)
True

``op`` takes the library module first (``lambda lib, x: ...``): the library's own rows are written
against the PyTorch-compatible API, so the same row runs with ``lib = torch``; a row for your own
Function may ignore ``lib``, as above. ``kind`` says which example inputs to make (one of
``KINDS``, described in ``optable``'s docstring); ``domain``, ``kinks`` and ``distinct`` keep the
values where the derivative exists.

These names used to live in ``tinygrad_edu.opspecs`` (the table), ``tinygrad_edu.torch_ops``
(the table again, for PyTorch: now each row's ``op`` with ``lib = torch``) and
``tinygrad_edu.gradcheck_suite`` (now ``tinygrad_edu.testing.suite``).
"""

from .optable import KINDS, OP_SPECS, SIZES, SPECS_BY_NAME, Domain, OpSpec, example_arguments, grid_step, sample_values

__all__ = [
    "KINDS",
    "OP_SPECS",
    "SIZES",
    "SPECS_BY_NAME",
    "Domain",
    "OpSpec",
    "example_arguments",
    "grid_step",
    "sample_values",
]
