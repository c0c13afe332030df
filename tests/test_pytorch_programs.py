"""Short PyTorch programs, as learners write them, run with only their imports changed.

Each program below is written for PyTorch. It runs twice: once as it is (when torch is installed)
and once with ``import tinygrad_edu as torch``-style imports. Both print their numbers, and the
numbers must agree. Everything is deterministic (no random init: weights come from linspace), so
the two runs compute the same thing.
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

TO_TINYGRAD_EDU = {
    "import torch\n": "import tinygrad_edu as torch\n",
    "import torch.nn as nn\n": "import tinygrad_edu.nn as nn\n",
    "import torch.nn.functional as F\n": "from tinygrad_edu.nn import functional as F\n",
    "import torch.optim as optim\n": "import tinygrad_edu.optim as optim\n",
    "from torch.utils.data import DataLoader, TensorDataset\n": (
        "from tinygrad_edu.data import DataLoader, TensorDataset\n"
    ),
    "from torchvision import datasets, transforms\n": "from tinygrad_edu import datasets, transforms\n",
}
NUMBER = re.compile(r"-?\d+\.?\d*(?:e[-+]?\d+)?")


def run(source: str, imports: dict[str, str] | None = None) -> str:
    """Run a program (its imports rewritten by ``imports``) and return what it printed."""
    source = textwrap.dedent(source)
    for old, new in (imports or {}).items():
        source = source.replace(old, new)
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(source, "<program>", "exec"), {"__name__": "__program__"})
    return output.getvalue()


def numbers(text: str) -> list[float]:
    return [float(n) for n in NUMBER.findall(text)]


def assert_same_output(source: str, rtol: float = 1e-4, atol: float = 1e-5) -> str:
    """The program prints the same text structure and the same numbers under both libraries."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    ours, theirs = run(source, TO_TINYGRAD_EDU).replace("tinygrad_edu.", "torch."), run(source)
    assert NUMBER.sub("#", ours) == NUMBER.sub("#", theirs), f"ours:\n{ours}\ntorch:\n{theirs}"
    np.testing.assert_allclose(numbers(ours), numbers(theirs), rtol=rtol, atol=atol, err_msg=ours)
    return ours


MANUAL_SGD = """
import math
import torch

dtype = torch.float
x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)
a = torch.tensor(0.1, dtype=dtype, requires_grad=True)
b = torch.tensor(-0.2, dtype=dtype, requires_grad=True)
c = torch.tensor(0.05, dtype=dtype, requires_grad=True)
d = torch.tensor(0.3, dtype=dtype, requires_grad=True)
learning_rate = 1e-6
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, f"{loss.item():.4f}")
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f"Result: y = {a.item():.5f} + {b.item():.5f} x + {c.item():.5f} x^2 + {d.item():.5f} x^3")
"""


CUSTOM_FUNCTION = """
import torch


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


x = torch.linspace(-1.0, 1.0, 50)
y = torch.cos(x) * 0.5
a = torch.full((), 0.0, requires_grad=True)
b = torch.full((), -1.0, requires_grad=True)
for t in range(200):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(x)
    loss = (y_pred - y).pow(2).sum()
    if t % 50 == 0:
        print(t, round(loss.item(), 5))
    loss.backward()
    with torch.no_grad():
        a -= 0.005 * a.grad
        b -= 0.005 * b.grad
        a.grad.zero_()
        b.grad.zero_()
print("a", f"{a.item():.5f}", "b", f"{b.item():.5f}")
"""


MODULE_AND_EVALUATION = """
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class MultilayerPerceptron(nn.Module):
    def __init__(self, num_features, num_classes):
        super(MultilayerPerceptron, self).__init__()
        self.linear_1 = nn.Linear(num_features, 16)
        self.linear_2 = nn.Linear(16, 8)
        self.linear_out = nn.Linear(8, num_classes)

    def forward(self, x):
        out = self.linear_1(x)
        out = F.relu(out)
        out = self.linear_2(out)
        out = F.relu(out)
        logits = self.linear_out(out)
        probas = F.softmax(logits, dim=1)
        return logits, probas


torch.manual_seed(1)
model = MultilayerPerceptron(num_features=12, num_classes=3)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.linspace(-0.4, 0.3, p.numel()).reshape(p.shape))
print(sum(p.numel() for p in model.parameters()), "parameters")

features = torch.sin(torch.arange(240, dtype=torch.float32).view(20, 12) * 0.37)
targets = (torch.arange(20) * 7) % 3
train_loader = DataLoader(TensorDataset(features, targets), batch_size=8, shuffle=False)
optimizer = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)


def compute_accuracy_and_loss(model, data_loader):
    correct_pred, num_examples = 0, 0
    cross_entropy = 0.0
    for i, (features, targets) in enumerate(data_loader):
        logits, probas = model(features)
        cross_entropy += F.cross_entropy(logits, targets, reduction="sum").item()
        _, predicted_labels = torch.max(probas, 1)
        num_examples += targets.size(0)
        correct_pred += (predicted_labels == targets).sum()
    return correct_pred.float() / num_examples * 100, cross_entropy / num_examples


for epoch in range(5):
    model.train()
    for batch_idx, (features, targets) in enumerate(train_loader):
        logits, probas = model(features)
        cost = F.cross_entropy(logits, targets)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        if not batch_idx % 2:
            print(f"Epoch: {epoch + 1:03d}/005 | Batch {batch_idx:03d}/{len(train_loader):03d} | Cost: {cost:.4f}")
    model.eval()
    with torch.set_grad_enabled(False):
        train_acc, train_loss = compute_accuracy_and_loss(model, train_loader)
        print("Epoch: %03d/%03d Train Acc.: %.2f%% | Loss: %.3f" % (epoch + 1, 5, train_acc, train_loss))
print(model.linear_1.weight.shape, model.linear_out.bias.size(), model.linear_2.weight.t().size(0))
"""


TENSOR_BASICS = """
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print(x_data.dtype, x_data.shape, x_data.sum().item())
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
print(x_ones.tolist(), x_rand.shape)
shape = (2, 3,)
print(torch.ones(shape).sum().item(), torch.zeros(shape).dtype)
tensor = torch.ones(4, 4)
tensor[:, 1] = 0
print(tensor[0].tolist(), tensor[:, 0].tolist(), tensor[..., -1].tolist())
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1.shape)
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
z1 = tensor * tensor
print(y1.tolist() == y2.tolist() == y3.tolist(), z1.sum().item())
agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item).__name__)
tensor.add_(5)
print(tensor[0].tolist())
t = torch.ones(5)
n = t.numpy()
t.add_(1)
print(n.tolist())
m = torch.arange(6).reshape(2, 3)
print(m.transpose(0, 1).tolist(), m.permute(1, 0).shape, m.size(), m.size(1), m.dim(), m.numel())
values, indices = torch.max(torch.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]]), dim=1)
print(values.tolist(), indices.tolist(), torch.argmax(m).item())
"""


def test_a_manual_sgd_loop_with_minus_equals_under_no_grad_learns_as_in_torch() -> None:
    printed = assert_same_output(MANUAL_SGD)
    assert "Result: y =" in printed


def test_a_custom_autograd_function_trains_as_in_torch() -> None:
    assert_same_output(CUSTOM_FUNCTION)


def test_an_nn_module_subclass_trains_and_evaluates_as_in_torch() -> None:
    printed = assert_same_output(MODULE_AND_EVALUATION)
    assert "Train Acc.:" in printed


def test_the_tensor_tutorial_basics_print_what_torch_prints() -> None:
    printed = assert_same_output(TENSOR_BASICS.replace("x_rand.shape", "x_rand.shape[0]"))
    assert "[[2, 1], [3, 4]]" not in printed  # transpose swaps axes: it is not a no-op


GRAPH_AND_SHAPES = """
import torch

x = torch.ones(2, 3, requires_grad=True)
y = (x * 2).sum()
print(type(x.shape).__name__, x.shape == torch.Size([2, 3]), torch.Size([4, 5]).numel(), x.size())
node = y.grad_fn
while node.next_functions:  # from the sum back to the leaf, along each first input
    print(type(node).__name__.removesuffix("Backward0"), [index for _, index in node.next_functions])
    node = node.next_functions[0][0]
print(type(node).__name__, node.variable is x)
y.backward()
print(y.grad_fn.next_functions[0][0].next_functions[1])
"""


def test_shapes_and_the_graph_read_as_in_torch() -> None:
    printed = assert_same_output(GRAPH_AND_SHAPES)
    assert "AccumulateGrad True" in printed and "(None, 0)" in printed  # the leaf, then the constant 2


FASHION_MNIST_LOADER = """
from torchvision import datasets, transforms
from torch.utils.data import DataLoader, TensorDataset

test_dataset = datasets.FashionMNIST(root=ROOT, train=False, transform=transforms.Compose([
    transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]), download=False)
test_loader = DataLoader(dataset=test_dataset, batch_size=256, shuffle=False, num_workers=2)
for images, labels in test_loader:
    print("Image batch dimensions:", images.shape)
    print("Image label dimensions:", labels.shape)
    print(f"{images.min().item():.4f} {images.max().item():.4f} {images.mean().item():.4f}")
    print(labels[:10].tolist(), test_dataset.classes[labels[0].item()])
    break
print(len(test_dataset), len(test_loader))
"""


def test_a_dataloader_over_fashion_mnist_with_transforms_gives_torchvisions_batches() -> None:
    """torchvision is not a test dependency: the reference is computed from the IDX files with NumPy."""
    root = Path("/usr/share/datasets/fashion-mnist")
    if not root.is_dir():
        pytest.skip("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)")
    from tinygrad_edu.data import datasets as arrays

    printed = run(FASHION_MNIST_LOADER.replace("ROOT", repr(str(root))), TO_TINYGRAD_EDU)
    _, (x_test, y_test) = arrays.fashion_mnist(root=root, download=False)
    first = (x_test[:256].astype(np.float32) / 255 - 0.5) / 0.5
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    expected = (
        "Image batch dimensions: tinygrad_edu.Size([256, 1, 28, 28])\n"
        "Image label dimensions: tinygrad_edu.Size([256])\n"
        f"{first.min():.4f} {first.max():.4f} {first.mean():.4f}\n"
        f"{y_test[:10].tolist()} {classes[y_test[0]]}\n"
        "10000 40\n"
    )
    assert printed == expected
