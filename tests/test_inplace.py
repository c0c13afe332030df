"""In-place ops, ``.data`` and version counters: PyTorch's rules, checked against torch where it is installed.

- an in-place op on a leaf that requires grad is refused outside ``no_grad``;
- ``.data`` is a detached Tensor on the same memory: writes through it change the parameter;
- every write counts, and backward refuses a saved tensor written after the forward pass, naming
  the op and the tensor;
- in-place ops on tensors in the graph record a node, so gradients stay right (the Hypothesis proofs
  are the ``add_``, ``sub_``, ``mul_``, ``div_``, ``copy_`` and ``setitem`` rows of the op table).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

IN_PLACE_UPDATES: dict[str, Callable] = {
    "add_": lambda t: t.add_(1.0),
    "sub_": lambda t: t.sub_(1.0, alpha=2),
    "mul_": lambda t: t.mul_(2.0),
    "div_": lambda t: t.div_(2.0),
    "+=": lambda t: t.__iadd__(1.0),
    "-=": lambda t: t.__isub__(1.0),
    "*=": lambda t: t.__imul__(2.0),
    "/=": lambda t: t.__itruediv__(2.0),
    "clamp_": lambda t: t.clamp_(-0.5, 0.5),
    "copy_": lambda t: t.copy_(np.ones(3, dtype=np.float32)),
    "fill_": lambda t: t.fill_(3.0),
    "zero_": lambda t: t.zero_(),
    "normal_": lambda t: t.normal_(0.0, 0.02),
    "uniform_": lambda t: t.uniform_(-1.0, 1.0),
    "setitem": lambda t: t.__setitem__(0, 5.0),
}


@pytest.mark.parametrize("name", IN_PLACE_UPDATES)
def test_an_in_place_op_on_a_leaf_that_requires_grad_is_refused_outside_no_grad(name: str) -> None:
    w = tg.Tensor([0.1, -0.2, 0.3], requires_grad=True)
    before = w.detach().numpy().copy()
    with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad.*in-place.*no_grad"):
        IN_PLACE_UPDATES[name](w)
    np.testing.assert_array_equal(w.detach().numpy(), before)  # nothing was written
    assert w._version == 0
    with tg.no_grad():
        IN_PLACE_UPDATES[name](w)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None and w._version >= 1


@pytest.mark.parametrize("name", IN_PLACE_UPDATES)
def test_torch_refuses_the_same_in_place_ops_on_leaves(name: str) -> None:
    """The rule is PyTorch's: the same calls raise there too."""
    torch = pytest.importorskip("torch")
    w = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
    update = IN_PLACE_UPDATES[name]
    if name == "copy_":
        update = lambda t: t.copy_(torch.ones(3))  # noqa: E731 - torch's copy_ takes tensors only
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        update(w)


def test_manual_sgd_with_minus_equals_under_no_grad_learns_as_torch_does() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype(np.float32), rng.normal(size=(16, 1)).astype(np.float32)
    start = rng.normal(size=(3, 1)).astype(np.float32)
    losses = {}
    for lib in (tg, torch):
        w = lib.tensor(start.copy(), requires_grad=True) if lib is torch else tg.Tensor(start, requires_grad=True)
        inputs = lib.tensor(x) if lib is torch else tg.Tensor(x)
        targets = lib.tensor(y) if lib is torch else tg.Tensor(y)
        history = []
        for _ in range(20):
            loss = ((inputs @ w - targets) ** 2).mean()
            loss.backward()
            with lib.no_grad():
                w -= 0.1 * w.grad
                w.grad.zero_()
            history.append(loss.item())
        losses[lib.__name__] = (history, w.detach().numpy().copy())
    np.testing.assert_allclose(losses["tinygrad_edu"][0], losses["torch"][0], rtol=1e-5)
    np.testing.assert_allclose(losses["tinygrad_edu"][1], losses["torch"][1], rtol=1e-5, atol=1e-6)
    assert losses["tinygrad_edu"][0][-1] < losses["tinygrad_edu"][0][0] / 2  # it learned


def test_data_is_a_detached_tensor_on_the_same_memory() -> None:
    p = tg.Tensor([1.0, 2.0], requires_grad=True)
    alias = p.data
    assert isinstance(alias, tg.Tensor) and not alias.requires_grad and alias.grad_fn is None
    assert np.shares_memory(alias.array, p.array)
    p.grad = tg.Tensor([0.5, 1.0])
    p.data += -0.1 * p.grad  # the classic manual update: p itself changes
    np.testing.assert_allclose(p.detach().numpy(), [0.95, 1.9], rtol=1e-6)
    p.data.normal_(0.0, 0.02)  # init through .data, as GPT-style code does
    assert np.abs(p.detach().numpy()).max() < 0.2 and p.requires_grad and p.is_leaf
    p.grad.zero_()
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])


def test_assigning_data_replaces_the_memory() -> None:
    p = tg.Tensor([1.0, 2.0], requires_grad=True)
    p.data = tg.Tensor([3.0, 4.0, 5.0])
    assert p.shape == (3,) and p.requires_grad and p.tolist() == [3.0, 4.0, 5.0]


def test_numpy_shares_memory_on_the_cpu_and_refuses_tensors_that_require_grad() -> None:
    t = tg.zeros(2, 2)
    view = t.numpy()
    t += 1
    np.testing.assert_array_equal(view, np.ones((2, 2)))  # the same memory, as in PyTorch
    view[0, 0] = 7.0
    assert t[0, 0].item() == 7.0
    with pytest.raises(RuntimeError, match=r"requires grad.*detach\(\)\.numpy\(\)"):
        tg.ones(2, requires_grad=True).numpy()


def test_version_counts_each_write_as_torch_does() -> None:
    torch = pytest.importorskip("torch")
    counts = {}
    for lib in (tg, torch):
        t = lib.zeros(3)
        seen = [t._version]
        t.add_(1.0)
        seen.append(t._version)
        t[0] = 2.0
        seen.append(t._version)
        t.zero_()
        seen.append(t._version)
        t.detach().mul_(2.0)  # detach shares the counter
        seen.append(t._version)
        counts[lib.__name__] = seen
    assert counts["tinygrad_edu"] == counts["torch"]


def _model_and_forward() -> tuple[nn.Module, tg.Tensor]:
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    loss = model(tg.randn(5, 3)).sum()
    return model, loss


def test_backward_after_optimizer_step_names_the_op_and_the_tensor() -> None:
    model, loss = _model_and_forward()
    for p in model.parameters():
        p.grad = tg.ones_like(p)
    optim.SGD(model.parameters(), lr=0.1).step()  # changes the weights the forward pass saved
    with pytest.raises(RuntimeError, match=r"Linear: a tensor it saved.*shape \(2, 4\).*modified in place") as info:
        loss.backward()
    assert "optimizer.step()" in str(info.value) and "version" in str(info.value)


def test_backward_after_load_state_dict_is_refused() -> None:
    model, loss = _model_and_forward()
    model.load_state_dict({k: v.detach().numpy() * 0 for k, v in model.state_dict().items()})
    with pytest.raises(RuntimeError, match=r"saved for the backward pass.*modified in place"):
        loss.backward()


def test_backward_after_a_write_through_data_is_refused() -> None:
    model, loss = _model_and_forward()
    model[2].weight.data.mul_(0.5)
    with pytest.raises(RuntimeError, match=r"shape \(2, 4\).*modified in place"):
        loss.backward()


def test_a_write_after_backward_is_fine_and_the_next_forward_uses_the_new_values() -> None:
    model, loss = _model_and_forward()
    loss.backward()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    optimizer.step()
    optimizer.zero_grad()
    model(tg.randn(5, 3)).sum().backward()  # a new graph, recorded after the step: no complaint
    assert all(p.grad is not None for p in model.parameters())


def test_modifying_a_saved_intermediate_is_refused_as_in_torch() -> None:
    torch = pytest.importorskip("torch")
    for lib in (tg, torch):
        a = lib.ones(3, requires_grad=True)
        h = a * 2
        z = (h * h).sum()  # Mul saves h
        h += 1
        with pytest.raises(RuntimeError, match=r"modified by an inplace operation|modified in place"):
            z.backward()


def test_in_place_ops_in_the_graph_give_torchs_gradients() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x0, b0, c0 = (rng.normal(size=s).astype(np.float64) for s in ((4, 3), (3,), (4, 3)))
    results = {}
    for lib in (tg, torch):
        x, b, c = (lib.tensor(v, requires_grad=True) for v in (x0, b0, c0))
        y = x * 2
        y += b
        y *= c
        y -= x
        y /= 3.0
        y[0] = x[1] ** 2  # a recorded setitem: row 0 now depends on x[1] only
        y[:, 1] = b.sum()
        y.clamp_(-1.0, 1.0)
        (y * y).sum().backward()
        results[lib.__name__] = [t.grad.detach().numpy().copy() for t in (x, b, c)] + [y.detach().numpy().copy()]
    for ours, theirs in zip(results["tinygrad_edu"], results["torch"], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_setitem_into_a_plain_tensor_records_the_value_gradient() -> None:
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = tg.zeros(2, 3)
    out[1] = x * x
    assert out.grad_fn is not None
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_setitem_takes_masks_index_tensors_and_broadcasts_as_torch() -> None:
    torch = pytest.importorskip("torch")
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    outs = {}
    for lib in (tg, torch):
        t = lib.tensor(values.copy())
        t[t > 8] = -1.0
        t[lib.tensor([0, 2])] = lib.tensor([10.0, 20.0, 30.0, 40.0])
        t[1, 1:3] = 0.5
        ints = lib.zeros(3, dtype=lib.int64)
        ints[0] = 2.7  # floats written into integers truncate, as in PyTorch
        outs[lib.__name__] = (t.numpy().copy(), ints.numpy().copy())
    np.testing.assert_array_equal(outs["tinygrad_edu"][0], outs["torch"][0])
    np.testing.assert_array_equal(outs["tinygrad_edu"][1], outs["torch"][1])


def test_an_in_place_result_that_does_not_fit_is_refused() -> None:
    with pytest.raises(RuntimeError, match=r"add_: the result has shape \(2, 3\).*shape \(3,\)"):
        tg.zeros(3).add_(tg.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"float32.*int64 tensor.*\.float\(\)"):
        tg.zeros(3, dtype="int64").add_(0.5)
    t = tg.zeros(3, dtype="int64")
    t += 2  # integers stay integers
    assert t.tolist() == [2, 2, 2] and t.dtype == np.int64


def test_scatter_builds_one_hot_rows_as_torch() -> None:
    torch = pytest.importorskip("torch")
    labels = np.array([2, 0, 3])
    ours = tg.zeros(3, 4).scatter_(1, tg.Tensor(labels).unsqueeze(1), 1.0)
    theirs = torch.zeros(3, 4).scatter_(1, torch.tensor(labels).unsqueeze(1), 1.0)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    src = np.arange(6, dtype=np.float32).reshape(2, 3) + 1
    index = np.array([[0, 1, 2], [2, 0, 1]])
    ours = tg.zeros(3, 3).scatter_(0, tg.Tensor(index), tg.Tensor(src))
    theirs = torch.zeros(3, 3).scatter_(0, torch.tensor(index), torch.tensor(src))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_scatter_into_a_tensor_in_the_graph_is_a_clear_error() -> None:
    y = tg.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"scatter_.*graph.*no_grad"):
        y.scatter_(1, tg.Tensor([[0], [1]]), 0.0)


def test_fill_and_copy_in_the_graph_send_zero_to_the_old_values() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    source = tg.Tensor([3.0], requires_grad=True)
    y = x * 3
    y.copy_(source)  # broadcast into y's shape
    (y * tg.Tensor([1.0, 2.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(source.grad.numpy(), [3.0])


def test_a_write_into_a_view_counts_for_the_tensor_it_views() -> None:
    """reshape and indexing return views of the same memory: a write to one is a write to both."""
    x = tg.Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    w = tg.Tensor([1.0, 1.0], requires_grad=True)
    loss = (x.reshape(2, 2) * w).sum()  # Mul saves the view
    with tg.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match=r"Mul: a tensor it saved.*shape \(2, 2\)"):
        loss.backward()
    row = tg.zeros(2, 3)[0]
    base_free = tg.zeros(2, 3)
    view = base_free[1]
    view.fill_(2.0)
    assert base_free._version == 1 and base_free.tolist() == [[0.0] * 3, [2.0] * 3] and row._version == 0


def test_writing_into_a_view_inside_the_graph_is_a_clear_error() -> None:
    y = tg.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"view of another tensor's memory.*clone"):
        y[0].mul_(3.0)
    buffer = tg.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"view of another tensor's memory"):
        buffer[1].add_(tg.ones(3, requires_grad=True))
