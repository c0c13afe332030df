"""Engine checks: the chain rule on shared nodes, deep graphs, graph freeing, grad modes, tg.grad.

Each test states the property it proves. The memory tests count live Tensors with ``gc`` while
the cyclic garbage collector is disabled, so they prove that a graph is freed by reference
counting alone (no reference cycles between nodes and their outputs).
"""

from __future__ import annotations

import contextlib
import gc
import subprocess
import sys
import textwrap
import time
import weakref
from collections.abc import Iterator

import numpy as np
import pytest

import tinygrad_edu as tg

CHAIN_LENGTH = 100_000


# ----------------------------------------------------------------------------- helpers
def _host(t: tg.Tensor) -> np.ndarray:
    """The values of ``t`` as a NumPy array (copied from the GPU if needed)."""
    return t.detach().numpy()


def _live_tensors() -> int:
    """How many Tensor objects (including subclasses such as Parameter) are alive right now."""
    return sum(1 for obj in gc.get_objects() if isinstance(obj, tg.Tensor))


@contextlib.contextmanager
def _cyclic_gc_disabled() -> Iterator[None]:
    """Turn the cyclic garbage collector off, so only reference counting can free objects."""
    gc.collect()  # start from a clean slate: garbage left by earlier tests is not ours
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _small_graph(x: tg.Tensor) -> tg.Tensor:
    """A few ops with a shared node, ending in a scalar."""
    h = x * 2.0
    return ((h.exp() + x).tanh() * h).sum()


# ----------------------------------------------------------------------------- reused nodes and diamonds
def test_x_times_x_gives_two_x(device: str) -> None:
    """A tensor used twice by one op receives both contributions: d(x*x)/dx = 2x."""
    x = tg.Tensor([1.5, -2.0, 3.0], requires_grad=True, device=device)
    (x * x).sum().backward()
    np.testing.assert_array_equal(_host(x.grad), [3.0, -4.0, 6.0])


def test_a_plus_a_twice_gives_four(device: str) -> None:
    """b = a + a; c = b + b reuses a node at two levels: dc/da = 4."""
    a = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, device=device)
    b = a + a
    c = b + b
    c.sum().backward()
    np.testing.assert_array_equal(_host(a.grad), np.full((2, 2), 4.0))


def test_diamond_sums_both_paths(device: str) -> None:
    """a -> (b = 3a, c = a**2) -> d = b * c = 3a**3, so dd/da = 9a**2 through both branches."""
    a = tg.Tensor([1.0, -2.0, 0.5], requires_grad=True, dtype="float64", device=device)
    b = a * 3.0
    c = a**2
    d = b * c
    d.sum().backward()
    np.testing.assert_allclose(_host(a.grad), 9 * np.array([1.0, -2.0, 0.5]) ** 2, rtol=1e-12)


def test_diamond_with_broadcasting(device: str) -> None:
    """A diamond whose branches broadcast differently still sums to the input's shape: d(sum(a*w + a))/da."""
    a = tg.Tensor([[1.0], [2.0]], requires_grad=True, device=device)  # (2, 1)
    w = tg.Tensor([[1.0, 2.0, 3.0]], requires_grad=True, device=device)  # (1, 3)
    out = (a * w + a).sum()
    out.backward()
    assert a.grad.shape == (2, 1) and w.grad.shape == (1, 3)
    np.testing.assert_array_equal(_host(a.grad), [[9.0], [9.0]])  # sum(w) = 6, plus 1 per broadcast column
    np.testing.assert_array_equal(_host(w.grad), [[3.0, 3.0, 3.0]])  # sum(a)


def test_gradients_accumulate_across_backward_calls(device: str) -> None:
    """Two backward calls add into .grad, as in PyTorch (the second graph is a fresh one)."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True, device=device)
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(_host(x.grad), [3.0 + 2.0, 3.0 + 4.0])


def test_leaf_gradients_never_share_memory(device: str) -> None:
    """Add hands the same array to both inputs; their .grad (and the seed) must stay independent."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True, device=device)
    w = tg.Tensor([3.0, 4.0], requires_grad=True, device=device)
    seed = tg.Tensor([1.0, 1.0], device=device)
    (x + w).backward(seed)
    x.grad.array[0] = 100.0  # mutate one gradient in place
    seed.array[1] = -5.0
    np.testing.assert_array_equal(_host(w.grad), [1.0, 1.0])
    np.testing.assert_array_equal(_host(x.grad), [100.0, 1.0])


def test_broadcast_gradients_are_writeable_and_independent(device: str) -> None:
    """Gradients that came through broadcasting (read-only views inside the engine) are stored as
    writeable arrays of their own: an in-place update of one .grad changes nothing else."""
    x = tg.Tensor(np.ones((2, 3)), dtype="float32", requires_grad=True, device=device)
    w = tg.Tensor(np.ones(3), dtype="float32", requires_grad=True, device=device)
    (x + w).sum().backward()
    x.grad.array += 1.0
    w.grad.array *= 10.0
    np.testing.assert_array_equal(_host(x.grad), np.full((2, 3), 2.0))
    np.testing.assert_array_equal(_host(w.grad), np.full(3, 20.0))


def test_single_element_outputs_need_no_gradient() -> None:
    """backward() without a gradient works on a 0-d leaf and on a (1, 1) output (one element)."""
    scalar = tg.Tensor(3.0, requires_grad=True)
    scalar.backward()
    assert scalar.grad.item() == 1.0
    x = tg.Tensor([[2.0]], requires_grad=True)
    (x * x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[4.0]])


# ----------------------------------------------------------------------------- deep graphs
def test_100k_op_chain_forward_and_backward_without_recursion() -> None:
    """A 100,000-op chain y = y + x is walked iteratively: no RecursionError, exact gradient, fast."""
    x = tg.Tensor([2.0], requires_grad=True)
    start = time.perf_counter()
    y = x
    for _ in range(CHAIN_LENGTH):
        y = y + x
    y.backward()
    elapsed = time.perf_counter() - start
    assert y.item() == 2.0 * (CHAIN_LENGTH + 1)
    assert x.grad.item() == CHAIN_LENGTH + 1  # exact: a sum of ones in float32 below 2**24
    assert elapsed < 20.0, f"100,000-op chain took {elapsed:.1f}s"


def test_100k_op_unary_chain_backward() -> None:
    """A deep chain of unary ops (y = -y) backpropagates the exact sign: (-1)**100000 = 1."""
    x = tg.Tensor([[1.0, -3.0]], requires_grad=True)
    y = x
    for _ in range(CHAIN_LENGTH):
        y = -y
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0]])


def test_deleting_a_100k_chain_without_backward_does_not_crash() -> None:
    """Dropping a deep graph that was never backpropagated frees it without overflowing the C stack.

    Runs in a subprocess, so a segfault in deallocation shows up as a failed test, not a dead run.
    """
    code = textwrap.dedent(
        f"""
        import gc
        import tinygrad_edu as tg
        gc.disable()
        x = tg.Tensor([1.0], requires_grad=True)
        y = x
        for _ in range({CHAIN_LENGTH}):
            y = y * 1.0
        del y
        live = sum(1 for o in gc.get_objects() if isinstance(o, tg.Tensor))
        print("live", live)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"crashed with {result.returncode}: {result.stderr[-2000:]}"
    assert "live 1" in result.stdout, result.stdout  # only x survives, freed by refcounting alone


# ----------------------------------------------------------------------------- graph freeing
def test_backward_frees_intermediates_by_refcounting() -> None:
    """With retain_graph=False, backward releases the graph: only the output and x.grad remain,
    and after ``del`` of the output only x.grad is new; no cyclic GC is involved."""
    x = tg.Tensor(np.linspace(-1, 1, 4), requires_grad=True)
    with _cyclic_gc_disabled():
        before = _live_tensors()
        y = _small_graph(x)
        assert _live_tensors() > before + 3  # the graph holds several intermediate tensors
        y.backward()
        assert _live_tensors() == before + 2  # y itself and x.grad
        del y
        assert _live_tensors() == before + 1  # x.grad


def test_intermediate_tensor_is_freed_after_backward() -> None:
    """A weakref to an intermediate dies as soon as backward has consumed it (with gc disabled)."""
    x = tg.Tensor([0.5, 1.5], requires_grad=True)
    with _cyclic_gc_disabled():
        h = x * 2.0
        ref = weakref.ref(h)
        y = h.exp().sum()
        del h
        assert ref() is not None  # still needed by the graph
        y.backward()
        assert ref() is None


def test_dropped_graph_is_freed_without_gc_collect() -> None:
    """A graph that is built and dropped without backward is freed by reference counting alone."""
    x = tg.Tensor(np.ones(3), requires_grad=True)
    with _cyclic_gc_disabled():
        before = _live_tensors()
        y = _small_graph(x)
        assert _live_tensors() > before
        del y
        assert _live_tensors() == before


def test_retain_graph_keeps_graph_until_output_is_deleted() -> None:
    """retain_graph=True keeps the intermediates alive for another backward; del frees them."""
    x = tg.Tensor(np.ones(3), requires_grad=True)
    with _cyclic_gc_disabled():
        before = _live_tensors()
        y = _small_graph(x)
        y.backward(retain_graph=True)
        assert _live_tensors() > before + 2
        del y
        assert _live_tensors() == before + 1  # x.grad


def test_higher_order_graph_is_freed_by_refcounting() -> None:
    """The graph recorded by create_graph=True is freed once its gradients are dropped."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with _cyclic_gc_disabled():
        before = _live_tensors()
        (g,) = tg.grad((x**3).sum(), x, create_graph=True)
        assert _live_tensors() > before + 2  # g keeps the recorded backward graph alive
        (h,) = tg.grad(g.sum(), x)
        del g, h
        assert _live_tensors() == before


# ----------------------------------------------------------------------------- retain_graph
def test_retain_graph_allows_second_backward_and_accumulates(device: str) -> None:
    """backward(retain_graph=True) then backward() doubles the gradient, as in PyTorch."""
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    y = (x * x * 0.5).sum()
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(_host(x.grad), [1.0, 2.0, 3.0])
    y.backward()
    np.testing.assert_array_equal(_host(x.grad), [2.0, 4.0, 6.0])


def test_second_backward_without_retain_graph_raises(device: str) -> None:
    """Backward through a freed graph raises RuntimeError naming retain_graph, and leaves .grad alone."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True, device=device)
    y = (x.exp() * x).sum()
    y.backward()
    first = _host(x.grad)
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    np.testing.assert_array_equal(_host(x.grad), first)


def test_second_grad_call_without_retain_graph_raises() -> None:
    """tg.grad frees the graph by default too; a second call names retain_graph."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    tg.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph"):
        tg.grad(y, x)


# ----------------------------------------------------------------------------- higher order
def test_second_and_third_derivative_of_cube(device: str) -> None:
    """d/dx x**3 = 3x**2, d2 = 6x, d3 = 6, each obtained by differentiating the previous gradient."""
    values = np.array([-1.5, 0.5, 2.0])
    x = tg.Tensor(values, requires_grad=True, device=device)
    (g1,) = tg.grad((x**3).sum(), x, create_graph=True)
    assert g1.requires_grad and g1.grad_fn is not None
    np.testing.assert_allclose(_host(g1), 3 * values**2, rtol=1e-12)
    (g2,) = tg.grad(g1.sum(), x, create_graph=True)
    np.testing.assert_allclose(_host(g2), 6 * values, rtol=1e-12)
    (g3,) = tg.grad(g2.sum(), x)
    np.testing.assert_allclose(_host(g3), np.full(3, 6.0), rtol=1e-12)


def test_backward_create_graph_makes_grad_differentiable(device: str) -> None:
    """backward(create_graph=True) stores a differentiable .grad; its derivative is x**3's 6x."""
    values = np.array([1.0, -2.0])
    x = tg.Tensor(values, requires_grad=True, device=device)
    (x**3).sum().backward(create_graph=True)
    assert x.grad.grad_fn is not None
    (second,) = tg.grad(x.grad.sum(), x)
    np.testing.assert_allclose(_host(second), 6 * values, rtol=1e-12)


def test_tanh_second_derivative_matches_closed_form(device: str) -> None:
    """tanh'' = -2 tanh (1 - tanh**2)."""
    values = np.array([-2.0, -0.3, 0.0, 0.7, 1.9])
    x = tg.Tensor(values, requires_grad=True, device=device)
    (first,) = tg.grad(x.tanh().sum(), x, create_graph=True)
    (second,) = tg.grad(first.sum(), x)
    t = np.tanh(values)
    np.testing.assert_allclose(_host(first), 1 - t**2, rtol=1e-12)
    np.testing.assert_allclose(_host(second), -2 * t * (1 - t**2), rtol=1e-10, atol=1e-15)


def test_hessian_vector_product_matches_hand_computed_hessian(device: str) -> None:
    """f(x) = sum_ij x_i**2 x_j = (sum x**2)(sum x); H_kl = 2 δ_kl sum(x) + 2 x_k + 2 x_l; check H @ v."""
    values = np.array([0.5, -1.0, 2.0, 1.5])
    v = np.array([1.0, -2.0, 0.5, 3.0])
    x = tg.Tensor(values, requires_grad=True, device=device)
    f = ((x * x).reshape(-1, 1) * x.reshape(1, -1)).sum()
    (g,) = tg.grad(f, x, create_graph=True)
    np.testing.assert_allclose(_host(g), 2 * values * values.sum() + (values**2).sum(), rtol=1e-12)
    (hv,) = tg.grad(g, x, grad_outputs=tg.Tensor(v, device=device))
    hessian = 2 * np.eye(4) * values.sum() + 2 * values[:, None] + 2 * values[None, :]
    np.testing.assert_allclose(_host(hv), hessian @ v, rtol=1e-12)


# ----------------------------------------------------------------------------- tg.grad
def test_grad_returns_tuple_and_leaves_dot_grad_untouched(device: str) -> None:
    """tg.grad returns a tuple of gradients, one per input, and does not write .grad."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True, device=device)
    w = tg.Tensor([3.0, -1.0], requires_grad=True, device=device)
    result = tg.grad((x * w).sum(), [x, w])
    assert isinstance(result, tuple) and len(result) == 2
    np.testing.assert_array_equal(_host(result[0]), [3.0, -1.0])
    np.testing.assert_array_equal(_host(result[1]), [1.0, 2.0])
    assert x.grad is None and w.grad is None
    assert not result[0].requires_grad  # without create_graph the result is a constant


def test_grad_for_a_single_input_is_a_one_tuple() -> None:
    """A single Tensor as inputs still gives a tuple (of length 1)."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    result = tg.grad((x * x).sum(), x)
    assert isinstance(result, tuple) and len(result) == 1
    np.testing.assert_array_equal(result[0].numpy(), [2.0, 4.0])


def test_grad_with_respect_to_non_leaf(device: str) -> None:
    """Gradients with respect to an intermediate tensor: z = y**2 with y = 2x gives dz/dy = 2y."""
    x = tg.Tensor([1.0, -3.0], requires_grad=True, device=device)
    y = x * 2.0
    z = (y**2).sum()
    (gy,) = tg.grad(z, y)
    np.testing.assert_array_equal(_host(gy), [4.0, -12.0])
    assert x.grad is None and y.grad is None


def test_grad_allow_unused() -> None:
    """An input that does not reach the output is an error, or None with allow_unused=True."""
    x = tg.Tensor([1.0], requires_grad=True)
    unused = tg.Tensor([5.0], requires_grad=True)
    y = (x * 3.0).sum()
    with pytest.raises(RuntimeError, match="allow_unused"):
        tg.grad(y, [x, unused], retain_graph=True)
    gx, gu = tg.grad(y, [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_array_equal(gx.numpy(), [3.0])


def test_grad_outputs_weight_each_output(device: str) -> None:
    """grad_outputs is the vector of a vector-Jacobian product: d(sum w * y)/dx with y = x**2."""
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    y = x**2
    w = tg.Tensor([1.0, -1.0, 0.5], device=device)
    (gx,) = tg.grad(y, x, grad_outputs=w)
    np.testing.assert_array_equal(_host(gx), [2.0, -4.0, 3.0])


def test_grad_of_several_outputs_sums_them(device: str) -> None:
    """tg.grad of a list of outputs sums their (weighted) contributions."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True, device=device)
    (gx,) = tg.grad([(x * 3.0).sum(), (x * x).sum()], x)
    np.testing.assert_array_equal(_host(gx), [3.0 + 2.0, 3.0 + 4.0])


# ----------------------------------------------------------------------------- grad modes
def test_no_grad_records_nothing(device: str) -> None:
    """Under no_grad the result of an op on a requires-grad tensor has no grad_fn and no grad."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True, device=device)
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = (x * 2.0).exp().sum()
    assert tg.is_grad_enabled()
    assert y.requires_grad is False and y.grad_fn is None
    with pytest.raises(RuntimeError):
        y.backward()


def test_no_grad_as_decorator() -> None:
    """@tg.no_grad() turns recording off only while the function runs."""

    @tg.no_grad()
    def evaluate(t: tg.Tensor) -> tg.Tensor:
        assert not tg.is_grad_enabled()
        return t * 2.0

    x = tg.Tensor([1.0], requires_grad=True)
    y = evaluate(x)
    assert y.grad_fn is None and not y.requires_grad
    assert tg.is_grad_enabled()
    assert (x * 2.0).requires_grad  # recording is back on


def test_no_grad_and_enable_grad_as_bare_decorators() -> None:
    """As in PyTorch >= 2.1, @tg.no_grad and @tg.enable_grad also work without parentheses."""

    @tg.no_grad
    def evaluate(t: tg.Tensor) -> tg.Tensor:
        return t * 2.0

    @tg.enable_grad
    def train_step(t: tg.Tensor) -> tg.Tensor:
        return t * 3.0

    x = tg.Tensor([1.0], requires_grad=True)
    assert evaluate(x).grad_fn is None
    with tg.no_grad():
        assert train_step(x).grad_fn is not None
    np.testing.assert_array_equal(evaluate(x).numpy(), [2.0])
    assert tg.is_grad_enabled()


def test_no_grad_restores_state_after_exception() -> None:
    """An exception inside no_grad (block or decorated function) does not leave recording off."""
    with pytest.raises(ValueError, match="boom"), tg.no_grad():
        raise ValueError("boom")
    assert tg.is_grad_enabled()

    @tg.no_grad()
    def failing() -> None:
        raise KeyError("inside")

    with pytest.raises(KeyError):
        failing()
    assert tg.is_grad_enabled()


def test_enable_grad_inside_no_grad() -> None:
    """enable_grad re-enables recording inside no_grad, and no_grad is back in force after it."""
    x = tg.Tensor([2.0], requires_grad=True)
    with tg.no_grad():
        with tg.enable_grad():
            assert tg.is_grad_enabled()
            y = x * x
        assert not tg.is_grad_enabled()
        z = x * x
    assert y.grad_fn is not None and z.grad_fn is None
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0])


def test_nested_no_grad_restores_outer_state() -> None:
    """Nested no_grad blocks restore the state of the enclosing block, not unconditionally True."""
    with tg.no_grad():
        with tg.no_grad():
            pass
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


# ----------------------------------------------------------------------------- determinism
def test_identical_runs_give_bitwise_identical_gradients(device: str) -> None:
    """Two identical runs of a small graph give exactly the same gradient bits."""
    rng = np.random.default_rng(7)
    xv, wv = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((3, 5)).astype(np.float32)

    def run() -> tuple[np.ndarray, np.ndarray]:
        x = tg.Tensor(xv, requires_grad=True, device=device)
        w = tg.Tensor(wv, requires_grad=True, device=device)
        h = (x @ w).tanh()
        loss = (h.log_softmax(axis=1) * h).mean() + (x * x).sum()
        loss.backward()
        return _host(x.grad), _host(w.grad)

    (gx1, gw1), (gx2, gw2) = run(), run()
    assert gx1.tobytes() == gx2.tobytes() and gw1.tobytes() == gw2.tobytes()
    assert np.any(gx1 != 0) and np.any(gw1 != 0)


# ----------------------------------------------------------------------------- leaves, detach, flags
def test_detach_cuts_the_graph(device: str) -> None:
    """x * x.detach() has gradient x (not 2x): the detached factor is a constant."""
    x = tg.Tensor([1.0, -2.0], requires_grad=True, device=device)
    d = x.detach()
    assert d.requires_grad is False and d.grad_fn is None and d.is_leaf
    np.testing.assert_array_equal(_host(d), _host(x))
    (x * d).sum().backward()
    np.testing.assert_array_equal(_host(x.grad), [1.0, -2.0])


def test_detach_of_non_leaf_has_no_grad_fn() -> None:
    """Detaching an intermediate gives a leaf constant with the same values."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    d = y.detach()
    assert y.grad_fn is not None and d.grad_fn is None and not d.requires_grad
    np.testing.assert_array_equal(d.detach().numpy(), y.detach().numpy())


def test_requires_grad_in_place() -> None:
    """requires_grad_() sets the flag on a leaf and returns the same tensor; gradients then flow."""
    x = tg.Tensor([1.0, 2.0])
    assert x.requires_grad is False
    assert x.requires_grad_() is x
    assert x.requires_grad is True
    (x * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])
    x.requires_grad_(False)
    assert x.requires_grad is False


def test_requires_grad_cannot_be_turned_off_on_non_leaf() -> None:
    """A non-leaf's requires_grad is decided by the graph; turning it off points to detach()."""
    y = tg.Tensor([1.0], requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)


def test_leaf_and_non_leaf(device: str) -> None:
    """Leaves have no grad_fn; results of recorded ops have one (named after the op) and no .grad."""
    x = tg.Tensor([1.0, 2.0], requires_grad=True, device=device)
    c = tg.Tensor([3.0, 4.0], device=device)
    y = x * c
    assert x.is_leaf and x.grad_fn is None
    assert c.is_leaf and c.grad_fn is None
    assert not y.is_leaf and y.requires_grad
    assert isinstance(y.grad_fn, tg.Function) and type(y.grad_fn).__name__ == "Mul"
    constant = c * 2.0
    assert constant.is_leaf and constant.grad_fn is None and not constant.requires_grad
    y.sum().backward()
    assert y.grad is None  # non-leaf gradients are not stored, as PyTorch without retain_grad
    assert c.grad is None
    np.testing.assert_array_equal(_host(x.grad), [3.0, 4.0])


def test_comparisons_return_bool_tensors_without_grad(device: str) -> None:
    """< <= > >= == != give bool tensors that are not part of the graph."""
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    other = tg.Tensor([2.0, 2.0, 2.0], device=device)
    expected = {
        "lt": (x < other, [True, False, False]),
        "le": (x <= other, [True, True, False]),
        "gt": (x > 2.0, [False, False, True]),
        "ge": (x >= 2.0, [False, True, True]),
        "eq": (x == other, [False, True, False]),
        "ne": (x != 2.0, [True, False, True]),
    }
    for name, (result, values) in expected.items():
        assert isinstance(result, tg.Tensor), name
        assert result.dtype == np.bool_, name
        assert result.requires_grad is False and result.grad_fn is None, name
        np.testing.assert_array_equal(_host(result), values, err_msg=name)


def test_integer_tensors_are_constants(device: str) -> None:
    """Integer ops work, keep their kind and record nothing; an int times a float leaf sends grad to the float."""
    a = tg.Tensor([1, 2, 3], device=device)
    b = tg.Tensor([4, 5, 6], device=device)
    cases = [
        (a + b, [5, 7, 9], np.int64),
        (a * b, [4, 10, 18], np.int64),
        (b - a, [3, 3, 3], np.int64),
        (a * 2, [2, 4, 6], np.int64),
        (-a, [-1, -2, -3], np.int64),
        (a**2, [1, 4, 9], np.int64),
        (a.sum(), 6, np.int64),
        (a @ b, 32, np.int64),
        (a[1:], [2, 3], np.int64),
        (a / 2, [0.5, 1.0, 1.5], np.float32),  # true division gives float32, as PyTorch
    ]
    for result, values, dtype in cases:
        assert result.dtype == dtype
        assert result.grad_fn is None and not result.requires_grad
        np.testing.assert_array_equal(_host(result), values)
    x = tg.Tensor([0.5, 1.0, 1.5], requires_grad=True, device=device)
    y = a * x
    assert y.dtype == np.float32 and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_array_equal(_host(x.grad), [1.0, 2.0, 3.0])
    assert a.grad is None


def test_grad_of_the_same_input_listed_twice_fills_both_places() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    first, second = tg.grad((x * x).sum(), [x, x])
    np.testing.assert_array_equal(first.numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(second.numpy(), [2.0, 4.0])


def test_next_functions_are_pytorchs_edges_and_outlive_backward() -> None:
    """``(node, 0)`` per input: the input's grad_fn, one AccumulateGrad per leaf that requires grad
    (the same object from every node), None for constants; backward frees the node, not its edges."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    c = tg.tensor([3.0, 4.0])
    product = x * c
    total = (product + x).sum()
    add = total.grad_fn.next_functions[0][0]
    (mul, mul_index), (accumulate, index) = add.next_functions
    assert (type(mul).__name__, mul_index, index) == ("Mul", 0, 0) and mul is product.grad_fn
    assert type(accumulate).__name__ == "AccumulateGrad" and accumulate.variable is x
    assert accumulate.next_functions == ()
    assert mul.next_functions == ((accumulate, 0), (None, 0))  # the same AccumulateGrad, then the constant
    edges = [add.next_functions, mul.next_functions]
    total.backward()
    assert mul._released and mul.inputs is None
    assert [add.next_functions, mul.next_functions] == edges
    assert (x * 2.0).grad_fn.next_functions == ((accumulate, 0), (None, 0))  # a number is a constant input


def test_second_derivatives_through_leaf_gradients_that_had_to_be_copied() -> None:
    """cat gives both inputs slices of one gradient, so one of them is copied into its .grad;
    with create_graph=True that copy must stay in the graph, or the second derivative is lost."""
    a = tg.Tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    b = tg.Tensor([3.0, 4.0], dtype="float64", requires_grad=True)
    (tg.cat([a, b]) ** 3).sum().backward(create_graph=True)
    grad_a, grad_b = a.grad, b.grad  # 3a^2 and 3b^2
    a.grad = b.grad = None
    ((grad_a * grad_a).sum() + (grad_b * grad_b).sum()).backward()
    np.testing.assert_allclose(a.grad.numpy(), 36 * np.array([1.0, 8.0]))  # d/da 9a^4 = 36a^3
    np.testing.assert_allclose(b.grad.numpy(), 36 * np.array([27.0, 64.0]))


def test_clone_copies_memory_and_passes_gradients_through() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert not np.shares_memory(x.array, y.array)
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_backward_frees_what_forward_kept_on_the_node_even_while_the_output_lives() -> None:
    """Masks and indices that ops keep on ctx (not only saved tensors) are dropped after backward."""
    x = tg.Tensor([1.0, -2.0], requires_grad=True)
    out = tg.where(x > 0, x, x * 2)
    out.sum().backward()
    node = out.grad_fn
    assert node._released and node.inputs is None
    assert "cond" not in vars(node)
