"""Autograd in six steps: a graph of scalars, the chain rule by hand, vectors, a custom op, second
derivatives, and gradient descent by hand. Run: python examples/autograd_basics.py
"""

import numpy as np

import tinygrad_edu as tg

# 1. Build a small graph of scalars (the classic micrograd example): L = (a*b + c) * f
a = tg.Tensor(2.0, requires_grad=True)
b = tg.Tensor(-3.0, requires_grad=True)
c = tg.Tensor(10.0, requires_grad=True)
f = tg.Tensor(-2.0, requires_grad=True)
e = a * b  # e = -6
d = e + c  # d = 4
L = d * f  # L = -8
print(
    f"1. L = (a*b + c) * f = {L.item():g}; the node that made L: {L.grad_fn}, "
    f"the nodes of its inputs: {L.grad_fn.next_functions}"
)

# 2. backward() applies the chain rule from L back to every leaf. By hand:
#    dL/df = d = 4;  dL/dd = f = -2;  dL/dc = dL/dd * dd/dc = -2 * 1 = -2
#    dL/da = dL/dd * dd/de * de/da = -2 * 1 * b = 6;  dL/db = -2 * a = -4
L.backward()
by_hand = {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0}
for name, leaf in zip("abcf", (a, b, c, f), strict=True):
    print(f"2. dL/d{name} = {leaf.grad.item():5g}   (by hand: {by_hand[name]:g})")
    assert leaf.grad.item() == by_hand[name]

# 3. The same engine on tensors, with broadcasting: the bias is added to every row, so its
#    gradient is summed over the rows.
x = tg.arange(6.0).reshape(3, 2)
w = tg.Tensor([[1.0], [-1.0]], requires_grad=True)
bias = tg.Tensor([0.5], requires_grad=True)
loss = (x @ w + bias).sigmoid().mean()
loss.backward()
print(f"3. loss {loss.item():.4f}; w.grad {w.grad.tolist()} (shape {w.grad.shape}); bias.grad {bias.grad.tolist()}")


# 4. A custom op, written the way the library's own ops are, and proven by gradcheck.
class Cube(tg.Function):
    """cube: y = x**3; dy/dx = 3 x**2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


class WrongCube(Cube):
    """The same op with a bug in backward (2 instead of 3): gradcheck catches it."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x * x


x = tg.Tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
print(f"4. gradcheck(Cube) = {tg.gradcheck(Cube.apply, (x,))}")
try:
    tg.gradcheck(WrongCube.apply, (x,))
except tg.GradcheckError as error:
    print(f"   gradcheck(WrongCube) fails: {error}")

# 5. Backward is built from differentiable ops, so gradients can be differentiated again.
(dy_dx,) = tg.grad(Cube.apply(x).sum(), x, create_graph=True)  # 3 x**2
(d2y_dx2,) = tg.grad(dy_dx.sum(), x)  # 6 x
print(f"5. d/dx x**3 = {dy_dx.tolist()}, d2/dx2 x**3 = {d2y_dx2.tolist()} (6x = {(6 * x).tolist()})")

# 6. Training is backward() in a loop. Gradient descent by hand, on bare tensors: learn the line
#    y = 2*x1 - x2 + 1 from 32 points. Each step the loss's gradient says which way is uphill for
#    every weight, and the weight takes a small step the other way.
x = tg.Tensor(np.random.default_rng(0).uniform(-1.0, 1.0, size=(32, 2)), dtype=tg.float32)
y = x @ tg.Tensor([[2.0], [-1.0]]) + 1.0
w = tg.zeros(2, 1, requires_grad=True)
bias = tg.zeros(1, requires_grad=True)
lr = 0.1
for step in range(1, 101):
    loss = ((x @ w + bias - y) ** 2).mean()  # forward pass: mean squared error
    w.grad = bias.grad = None  # backward() adds to .grad, so clear the previous step's
    loss.backward()
    with tg.no_grad():  # the update is not part of the graph: it changes w and bias in place
        w -= lr * w.grad
        bias -= lr * bias.grad
    if step == 1 or step % 20 == 0:
        print(f"6. step {step:3d}  loss {loss.item():.6f}")
w1, w2 = w.detach().numpy().ravel()
print(f"   learned y = {w1:.3f}*x1 {w2:+.3f}*x2 {bias.item():+.3f}   (the line: y = 2*x1 - x2 + 1)")
