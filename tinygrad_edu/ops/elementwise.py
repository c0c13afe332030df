"""Elementwise functions: exp, log, their base-2 and base-10 forms, sqrt, abs, sin, cos, the activations and
clip; copies, casts and moves between devices."""

from __future__ import annotations

import math

from ..autograd import Function
from ..backend import get_array_module, to_device


class Exp(Function):
    """exp: y = e**x; dy/dx = y."""

    @staticmethod
    def forward(ctx, x):
        return get_array_module(x.array).exp(x.array)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output


class Log(Function):
    """log: y = ln(x); dy/dx = 1 / x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x.array).log(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Exp2(Function):
    """exp2: y = 2**x; dy/dx = y ln 2."""

    @staticmethod
    def forward(ctx, x):
        return get_array_module(x.array).exp2(x.array)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output * math.log(2)


class Log2(Function):
    """log2: y = log2(x); dy/dx = 1 / (x ln 2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x.array).log2(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(2))


class Log10(Function):
    """log10: y = log10(x); dy/dx = 1 / (x ln 10)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x.array).log10(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(10))


class Sqrt(Function):
    """sqrt: y = x**0.5; dy/dx = 1 / (2 y)."""

    @staticmethod
    def forward(ctx, x):
        return get_array_module(x.array).sqrt(x.array)

    @staticmethod
    def backward(ctx, grad):
        return grad / (2 * ctx.output)


class Abs(Function):
    """abs: y = |x|; dy/dx = sign(x), with the subgradient 0 at x = 0 (as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x.array).abs(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * get_array_module(x.array).sign(x.array)


class Sin(Function):
    """sin: y = sin(x); dy/dx = cos(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x.array).sin(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.cos()


class Cos(Function):
    """cos: y = cos(x); dy/dx = -sin(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x.array).cos(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * x.sin()


class Tanh(Function):
    """tanh: y = tanh(x); dy/dx = 1 - y**2."""

    @staticmethod
    def forward(ctx, x):
        return get_array_module(x.array).tanh(x.array)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return grad * (1 - y * y)


class Sigmoid(Function):
    """sigmoid: y = 1 / (1 + e**-x); dy/dx = y (1 - y). Computed from e = e**-|x|, which never
    overflows: y = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x.array)
        e = xp.exp(-xp.abs(x.array))
        return xp.where(x.array >= 0, 1 / (1 + e), e / (1 + e))

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return grad * y * (1 - y)


class Softplus(Function):
    """softplus: y = log(1 + e**x); dy/dx = sigmoid(x). A smooth ReLU, computed as logaddexp(0, x): no overflow."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x.array).logaddexp(0, x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sigmoid()


class ReLU(Function):
    """relu: y = max(x, 0); dy/dx = 1 for x > 0, else 0 (subgradient 0 at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x.array).maximum(x.array, 0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x.array > 0)


class LeakyReLU(Function):
    """leaky_relu: y = x for x > 0, else slope * x; dy/dx = 1 for x > 0, else slope (slope at 0)."""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return get_array_module(x.array).where(x.array > 0, x.array, x.array * slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * get_array_module(x.array).where(x.array > 0, 1, ctx.slope).astype(grad.dtype)


class Clip(Function):
    """clip: y = min(max(x, lo), hi), so y = hi wherever lo > hi; dy/dx = 1 where lo <= x <= hi,
    dy/dlo = 1 where x < lo <= hi, dy/dhi = 1 where x > hi or lo > hi, else 0 (as torch.clamp; the
    bounds are tensors of any broadcastable shape)."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        return get_array_module(x.array).clip(x.array, lo.array, hi.array)

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = (t.array for t in ctx.saved_tensors)
        _, need_lo, need_hi = ctx.needs_input_grad
        to_x = grad * ((x >= lo) & (x <= hi))
        to_lo = grad * ((x < lo) & (lo <= hi)) if need_lo else None
        return to_x, to_lo, (grad * ((x > hi) | (lo > hi)) if need_hi else None)


class Clone(Function):
    """clone: y = a copy of x in new memory; dy/dx = 1."""

    @staticmethod
    def forward(ctx, x):
        return x.array.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class Cast(Function):
    """cast: y = x as another dtype; dy/dx = 1 (the engine casts the gradient back to x's dtype)."""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.array.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad


class ToDevice(Function):
    """to(device): copy between host and GPU memory; dL/dx is dL/dy copied back to x's device."""

    @staticmethod
    def forward(ctx, x, device):
        ctx.source = x.device
        return to_device(x.array, device)

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.source)
