"""Arithmetic: ``+ - * / **`` and ``@``, elementwise maximum and minimum, and ``where``, with broadcasting."""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import where


class Add(Function):
    """add: z = a + b; dz/da = 1, dz/db = 1."""

    @staticmethod
    def forward(ctx, a, b):
        return a.array + b.array

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """sub: z = a - b; dz/da = 1, dz/db = -1."""

    @staticmethod
    def forward(ctx, a, b):
        return a.array - b.array

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Neg(Function):
    """neg: z = -x; dz/dx = -1."""

    @staticmethod
    def forward(ctx, x):
        return -x.array

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Mul(Function):
    """mul: z = a * b; dz/da = b, dz/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.array * b.array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    """div: z = a / b; dz/da = 1 / b, dz/db = -a / b**2."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.array / b.array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_over_b = grad / b
        return (grad_over_b if need_a else None), (-grad_over_b * a / b if need_b else None)


class Pow(Function):
    """pow: z = a ** b; dz/da = b * a**(b - 1), dz/db = z * log(a).

    At a = 0, where the formulas would give 0 * inf = NaN, the values are torch's: dz/da = 0 where
    also b = 0 (z = 1 whatever a is), and dz/db = 0 where b >= 0 (z stays 0 or 1 as b moves)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        cube = type(b.array) is np.ndarray and b.array.ndim == 0 and b.array == 3  # NumPy's pow is slow for x**3:
        cube = cube and a.array.dtype == b.array.dtype  # (bool ** 3 is int64, not bool * bool * bool)
        return a.array * a.array * a.array if cube else a.array**b.array  # multiplying is 50 times faster

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        at_zero = a == 0
        with np.errstate(divide="ignore", invalid="ignore"):  # 0**-1 and log(0) at a = 0 are replaced by where
            grad_a = where(at_zero & (b == 0), 0.0, grad * b * a ** (b - 1)) if need_a else None
            log_a = a.to(grad.dtype).log()  # an integer base's log in the output's precision, not float32
            grad_b = where(at_zero & (b >= 0), 0.0, grad * ctx.output * log_a) if need_b else None
        return grad_a, grad_b


class MatMul(Function):
    """matmul of matrices or batches of them: Z = A @ B; dL/dA = dL/dZ @ B^T, dL/dB = A^T @ dL/dZ.
    (``Tensor.__matmul__`` makes vectors matrices first, so both operands have rows and columns.)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.array @ b.array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad @ b.mT if need_a else None), (a.mT @ grad if need_b else None)


class Maximum(Function):
    """maximum (minimum if smallest): dz/da = 1 where a wins, 0 where b does, 1/2 at ties; dz/db = 1 - dz/da."""

    @staticmethod
    def forward(ctx, a, b, smallest=False):
        xp, a_wins = get_array_module(a.array), (a.array < b.array if smallest else a.array > b.array)
        ctx.share_a = a_wins + 0.5 * (a.array == b.array)
        return xp.minimum(a.array, b.array) if smallest else xp.maximum(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        share_a = ctx.share_a.astype(grad.dtype)
        return grad * share_a, grad * (1 - share_a)


class Where(Function):
    """where: z = a where cond else b; dz/da = cond, dz/db = not cond (cond gets no gradient)."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        return get_array_module(a.array).where(cond.array, a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        _, need_a, need_b = ctx.needs_input_grad
        return None, (where(ctx.cond, grad, 0) if need_a else None), (where(ctx.cond, 0, grad) if need_b else None)
