"""Devices: the same code on the CPU (NumPy) and on an NVIDIA GPU (CuPy), with no hidden copies.

What is proven here:

- Without CuPy, or with CuPy but no usable GPU, asking for ``"cuda"`` raises an error that says
  which of the two is missing and how to fix it, and importing the library (even training on the
  CPU) never imports CuPy. These tests run on every machine: the missing pieces are acted out.
- Mixing devices in one op is an error that names both devices.
- ``.to()``, ``.cuda()``, ``.cpu()`` and ``Module.to()`` move values (gradients flow back across a
  move); ``.numpy()``, ``.item()``, ``.tolist()`` and printing copy to the host explicitly, and
  nothing converts a GPU tensor to NumPy implicitly.
- Optimizer state, DataLoader batches, saved and loaded weights, gradcheck, graph drawings and the
  ``tinygrad-edu train`` command work on the GPU, and every GPU result equals the CPU's for the
  same inputs and seed (to float32 tolerance: a GPU's kernels may round differently).
- A training step never waits for the GPU: it runs under ``cupyx.allow_synchronize(False)``, and
  ``fit`` reads its results a fixed number of times per epoch, however many batches it has.

The cuda cases need CuPy and a GPU, or ``TINYGRAD_EDU_FAKE_CUPY=1`` (``tests/fake_cupy.py``); they
are skipped with the reason otherwise. The tests that read the fake's counters (kernel launches,
host synchronisations, host<->device copies) run on the fake only.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import fake_cupy
import numpy as np
import pytest
from test_function_and_gradcheck import Square, SquareMissingTwo  # the same Functions, planted bug included

import tinygrad_edu as tg
from tinygrad_edu import backend, nn, optim
from tinygrad_edu.cli import main
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.nn import functional as F
from tinygrad_edu.train import fit

ROOT = Path(__file__).resolve().parent.parent
CLOSE = {"rtol": 1e-4, "atol": 1e-5}  # float32 on two devices: the same maths, maybe another rounding
NO_CUPY_FIX = 'pip install "tinygrad_edu[gpu]"'


# ----------------------------------------------------------------------------- helpers
@pytest.fixture(params=["cuda"])
def cuda(request: pytest.FixtureRequest) -> str:
    """``"cuda"``, or skip with the reason when CuPy or a GPU is missing (fail, as conftest's ``device``
    does, under ``TINYGRAD_EDU_REQUIRE_CUDA=1``). The parameter puts ``[cuda]`` in each test's id, so
    ``pytest -k cuda`` (``make test``'s second pass, on the fake CuPy) selects these tests too."""
    try:
        tg.zeros(1, device=request.param)
    except RuntimeError as error:
        if os.environ.get("TINYGRAD_EDU_REQUIRE_CUDA") == "1":
            pytest.fail(f"TINYGRAD_EDU_REQUIRE_CUDA=1 but cuda is unavailable: {error}")
        pytest.skip(f"cuda unavailable: {error}")
    return request.param


@pytest.fixture
def fake(cuda: str) -> str:
    """``"cuda"`` on the fake CuPy, whose counters these tests read; skipped on a real GPU."""
    if not fake_cupy.is_installed():
        pytest.skip("reads the fake CuPy's counters: run with TINYGRAD_EDU_FAKE_CUPY=1")
    return cuda


@contextlib.contextmanager
def counted() -> Iterator[Counter[str]]:
    """What the fake GPU did inside the block: ``launches``, ``syncs``, ``to_host``, ``to_device``."""
    counts: Counter[str] = Counter()
    before = Counter(fake_cupy.STATS)
    try:
        yield counts
    finally:
        counts.update(Counter(fake_cupy.STATS) - before)


def mlp(seed: int = 0, dropout: float = 0.0) -> nn.Sequential:
    """A small classifier with a buffer-holding layer (BatchNorm1d) and, optionally, Dropout."""
    tg.manual_seed(seed)
    layers: list[nn.Module] = [nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(6, 3))


def batch(seed: int = 0, size: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((size, 4)).astype(np.float32), rng.integers(0, 3, size)


def train_steps(model: nn.Module, optimizer: optim.Optimizer, x: tg.Tensor, y: tg.Tensor, steps: int) -> list:
    """``steps`` plain training steps; the loss tensors, unread (reading them would synchronise)."""
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss)
    return losses


def host(value: object) -> np.ndarray:
    return backend.as_numpy(value.array if isinstance(value, tg.Tensor) else value)


OPTIMIZERS: dict[str, Callable[..., optim.Optimizer]] = {
    "SGD momentum": lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
    "SGD nesterov": lambda params: optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "Adam": lambda params: optim.Adam(params, lr=0.01),
    "AdamW amsgrad": lambda params: optim.AdamW(params, lr=0.01, amsgrad=True),
    "RMSprop": lambda params: optim.RMSprop(params, lr=0.01, momentum=0.5, centered=True),
}
STATE_NAMES = {
    "SGD momentum": {"momentum_buffer"},
    "SGD nesterov": {"momentum_buffer"},
    "Adam": {"exp_avg", "exp_avg_sq"},
    "AdamW amsgrad": {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    "RMSprop": {"square_avg", "momentum_buffer", "grad_avg"},
}


# ----------------------------------------------------------------------------- missing CuPy or GPU
@pytest.mark.parametrize(
    "ask",
    [
        lambda: tg.zeros(1, device="cuda"),
        lambda: tg.Tensor([1.0], device="cuda:0"),
        lambda: tg.randn(2, device="cuda"),
        lambda: tg.Tensor([1.0]).cuda(),
        lambda: nn.Linear(2, 2).to("cuda"),
    ],
    ids=["zeros", "Tensor", "randn", "Tensor.cuda", "Module.to"],
)
def test_cuda_without_cupy_names_cupy_and_the_install_command(no_cupy: None, ask: Callable) -> None:
    """Every way of asking for the GPU says that CuPy is missing and how to install it."""
    with pytest.raises(RuntimeError, match=r"CuPy.*not installed") as info:
        ask()
    assert NO_CUPY_FIX in str(info.value)


def no_gpu_message(monkeypatch: pytest.MonkeyPatch, device_count: int | Exception) -> str:
    """The error for ``device="cuda"`` with a CuPy that finds ``device_count`` GPUs (or raises it)."""
    cupy = fake_cupy._module()
    monkeypatch.setattr(cupy.cuda.runtime, "device_count", device_count)  # a shared object: restored after
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setattr(backend, "_cupy", None)
    with pytest.raises(RuntimeError) as info:
        tg.zeros(1, device="cuda")
    return str(info.value)


def test_cuda_with_cupy_but_no_driver_says_the_gpu_is_missing(monkeypatch) -> None:
    """CuPy raises when no driver or GPU answers: the message keeps CuPy's reason, names the GPU as
    the missing piece (not CuPy), and says what to do."""
    message = no_gpu_message(monkeypatch, RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected"))
    assert "CuPy is installed" in message and "no usable NVIDIA GPU" in message
    assert "cudaErrorNoDevice" in message
    assert "nvidia-smi" in message and "device='cpu'" in message
    assert "pip install" not in message  # installing CuPy again would not help


def test_cuda_with_cupy_reporting_zero_gpus_says_so(monkeypatch) -> None:
    message = no_gpu_message(monkeypatch, 0)
    assert "CuPy is installed" in message and "0 GPUs" in message
    assert "device='cpu'" in message and "pip install" not in message


CPU_ONLY_SCRIPT = """
import importlib.abc, json, sys, tempfile

attempts = []

class RecordCupyImports(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("cupy", "cupyx"):
            attempts.append(name)
        return None  # let the import go on (or fail) as it would

sys.meta_path.insert(0, RecordCupyImports())

import numpy as np
import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset

tg.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.1), nn.Linear(4, 2)).to("cpu")
x = np.random.default_rng(0).standard_normal((16, 3)).astype(np.float32)
loader = DataLoader(TensorDataset(x, np.arange(16) % 2), batch_size=4, shuffle=True, device="cpu")
optimizer = optim.Adam(model.parameters())
tg.train.fit(model, loader, nn.CrossEntropyLoss(), optimizer, epochs=1, verbose=False, progress=False)
loss = nn.functional.cross_entropy(model(tg.Tensor(x)), tg.Tensor(np.arange(16) % 2))
loss.backward(retain_graph=True)
text = repr(loss) + tg.viz.to_dot(loss, show_data=True, show_grads=True)
with tempfile.TemporaryDirectory() as folder:
    tg.save(model.state_dict(), folder + "/m.safetensors")
    model.load_state_dict(tg.load(folder + "/m.safetensors", device="cpu"))
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("cupy", "cupyx"))
print(json.dumps({"attempted": attempts, "loaded": loaded}))
"""


def test_importing_and_training_on_the_cpu_never_imports_cupy() -> None:
    """In a fresh interpreter, import the library and train, save, load, print and draw on the CPU:
    nothing even tries to import CuPy (a spy on the import system records every attempt)."""
    env = {k: v for k, v in os.environ.items() if k != "TINYGRAD_EDU_FAKE_CUPY"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-c", CPU_ONLY_SCRIPT], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {"attempted": [], "loaded": []}


# ----------------------------------------------------------------------------- mixing devices
MIXED_OPS: dict[str, Callable[[tg.Tensor, tg.Tensor], tg.Tensor]] = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "matmul": lambda a, b: a @ b,
    "cat": lambda a, b: tg.cat([a, b]),
    "stack": lambda a, b: tg.stack([a, b]),
    "where": lambda a, b: tg.where(a > 0, a, b),
    "where condition": lambda a, b: tg.where(b > 0, a, a),
    "maximum": lambda a, b: tg.maximum(a, b),
}


@pytest.mark.parametrize("first", ["cpu", "cuda"], ids=["cpu with cuda", "cuda with cpu"])
@pytest.mark.parametrize("op", MIXED_OPS.values(), ids=MIXED_OPS.keys())
def test_an_op_on_two_devices_is_an_error_naming_both(cuda: str, op: Callable, first: str) -> None:
    """Whichever operand is on the GPU, the op refuses (no silent copy) and names both devices."""
    a = tg.Tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True, device=first)
    b = tg.Tensor([[0.5, 1.0], [-1.0, 2.0]], device="cpu" if first == "cuda" else cuda)
    with pytest.raises(RuntimeError, match=r"different devices") as info:
        op(a, b)
    assert "cpu" in str(info.value) and "cuda" in str(info.value)


def test_a_numpy_array_operand_of_a_cuda_tensor_is_not_copied_to_the_gpu(cuda: str) -> None:
    """A NumPy array lives on the host: multiplying a GPU tensor by one is a device mix, not a copy."""
    x = tg.Tensor([1.0, 2.0], device=cuda)
    with pytest.raises(RuntimeError, match=r"cpu.*cuda|cuda.*cpu"):
        x * np.array([3.0, 4.0], dtype=np.float32)


def test_a_linear_layer_on_cuda_fed_a_cpu_input_names_both_devices(cuda: str) -> None:
    layer = nn.Linear(3, 2).to(cuda)
    with pytest.raises(RuntimeError, match=r"Linear.*different devices") as info:
        layer(tg.randn(4, 3))
    assert "cpu" in str(info.value) and "cuda" in str(info.value)
    assert ".to('cuda" in str(info.value)  # and says how to fix it


LOSSES = {
    "cross_entropy": (F.cross_entropy, np.array([0, 2, 1])),
    "nll_loss": (lambda x, t: F.nll_loss(x.log_softmax(-1), t), np.array([0, 2, 1])),
    "mse_loss": (F.mse_loss, np.zeros((3, 3), np.float32)),
}


@pytest.mark.parametrize(
    ("loss", "input_device"),
    [
        pytest.param("cross_entropy", "cuda", id="cross_entropy-cpu target"),
        pytest.param("cross_entropy", "cpu", id="cross_entropy-cuda target"),
        pytest.param("nll_loss", "cuda", id="nll_loss-cpu target"),
        pytest.param("nll_loss", "cpu", id="nll_loss-cuda target"),
        pytest.param("mse_loss", "cuda", id="mse_loss-cpu target"),
        pytest.param("mse_loss", "cpu", id="mse_loss-cuda target"),
    ],
)
def test_a_loss_with_its_target_on_the_other_device_names_both(cuda: str, loss: str, input_device: str) -> None:
    function, target = LOSSES[loss]
    logits = tg.Tensor(np.arange(9, dtype=np.float32).reshape(3, 3), requires_grad=True, device=input_device)
    target_device = "cpu" if input_device == "cuda" else cuda
    with pytest.raises(RuntimeError, match=r"different devices") as info:
        function(logits, tg.Tensor(target, device=target_device)).backward()
    assert "cpu" in str(info.value) and "cuda" in str(info.value)


# ----------------------------------------------------------------------------- moving tensors
def test_to_cuda_and_back_keeps_values_dtype_and_shape(cuda: str) -> None:
    """Each spelling of "to the GPU" gives a GPU tensor with the same values; .cpu() brings them back."""
    values = np.array([[1.5, -2.0, 0.0], [3.25, 1e-30, -7.0]], dtype=np.float32)
    t = tg.Tensor(values)
    spellings = [t.to("cuda"), t.cuda(), t.to("cuda:0"), t.to(device="cuda"), tg.Tensor(values, device="cuda")]
    for moved in spellings:
        assert moved.device == "cuda" and backend.is_device_array(moved.array)
        assert moved.dtype == np.float32 and moved.shape == (2, 3)
        back = moved.cpu()
        assert back.device == "cpu" and type(back.array) is np.ndarray
        np.testing.assert_array_equal(back.array, values)
    assert tg.Tensor(spellings[0]).device == "cuda"  # a tensor made from a GPU tensor stays there
    assert tg.Tensor(spellings[0], device="cpu").device == "cpu"


def test_to_with_a_device_and_a_dtype_does_both_and_skips_what_is_already_so(cuda: str) -> None:
    t = tg.Tensor([1.0, 2.5])
    both = t.to("cuda", "float64")
    assert both.device == "cuda" and both.dtype == np.float64
    np.testing.assert_array_equal(both.numpy(), [1.0, 2.5])
    assert t.to("cpu") is t and both.to("cuda") is both and both.cuda() is both  # no copy when already there


@pytest.mark.parametrize("start", ["cpu", "cuda"], ids=["from cpu", "from cuda"])
def test_gradients_flow_back_through_to_onto_the_original_device(cuda: str, start: str) -> None:
    """z = (3 x moved to the other device and back) * x: dz/dx = 6 x, on x's own device."""
    other = "cpu" if start == "cuda" else cuda
    x = tg.Tensor([1.0, -2.0, 0.5], requires_grad=True, device=start)
    moved = x.to(other)
    assert moved.device == other and moved.grad_fn is not None
    z = ((moved * 3).to(start) * x).sum()
    z.backward()
    assert x.grad.device == start
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, -12.0, 3.0])


def test_printing_a_cuda_tensor_shows_its_values_and_its_device(cuda: str) -> None:
    t = tg.Tensor([[1.5, -2.0], [0.25, 4.0]], device=cuda)
    expected = repr(t.cpu()).removesuffix(")") + ", device='cuda:0')"  # as PyTorch prints it
    assert repr(t) == str(t) == expected
    assert "1.5" in expected and "0.25" in expected
    leaf = tg.Tensor([1.0], requires_grad=True, device=cuda)
    assert repr(leaf).endswith("device='cuda:0', requires_grad=True)")


def test_numpy_item_and_tolist_copy_values_to_the_host(cuda: str) -> None:
    t = tg.Tensor([[1.5, -2.0]], device=cuda)
    array = t.numpy()
    assert type(array) is np.ndarray and array.dtype == np.float32
    np.testing.assert_array_equal(array, [[1.5, -2.0]])
    array[0, 0] = 99.0  # a copy: the tensor is untouched
    assert t.tolist() == [[1.5, -2.0]] and type(t.tolist()[0][0]) is float
    total = t.sum().item()
    assert type(total) is float and total == -0.5
    assert float(t[0, 1]) == -2.0


def test_a_cuda_tensor_is_never_converted_to_numpy_implicitly(cuda: str) -> None:
    """np.asarray would hide a device-to-host copy: it is refused, pointing at the explicit ways."""
    with pytest.raises(TypeError, match=r"\.numpy\(\)"):
        np.asarray(tg.Tensor([1.0, 2.0], device=cuda))


# ----------------------------------------------------------------------------- modules and optimizers
def test_module_to_moves_parameters_buffers_and_gradients_in_place(cuda: str) -> None:
    """The model keeps the very same Parameter and buffer objects (an optimizer made before the move
    still holds them); only their data moves, values unchanged, and back again."""
    model = mlp()
    tensors = dict(model.named_parameters()) | dict(model.named_buffers())
    values = {name: t.detach().numpy() for name, t in tensors.items()}
    model[0].weight.grad = tg.ones(6, 4)
    assert model.to(cuda) is model
    moved = dict(model.named_parameters()) | dict(model.named_buffers())
    assert {"1.running_mean", "1.running_var", "1.num_batches_tracked"} <= moved.keys()
    assert moved.keys() == tensors.keys() and all(moved[name] is tensors[name] for name in tensors)
    for name, t in moved.items():
        assert t.device == "cuda", name
        np.testing.assert_array_equal(t.detach().numpy(), values[name], err_msg=name)
    assert model[0].weight.grad.device == "cuda" and isinstance(model[0].weight, nn.Parameter)
    model.to("cpu")
    assert all(t.device == "cpu" for t in moved.values()) and model[0].weight.grad.device == "cpu"


def test_a_model_on_cuda_computes_what_it_computes_on_the_cpu(cuda: str) -> None:
    """Same weights, same input: equal outputs, gradients and BatchNorm running statistics in
    training mode, then equal outputs in eval mode (running statistics, Dropout passing through)."""
    models = {"cpu": mlp(), "cuda": mlp().to(cuda)}
    x, _ = batch()
    results = {}
    for device, model in models.items():
        train_out = model(tg.Tensor(x, device=device))
        (train_out * train_out).sum().backward()
        evaluating = nn.Sequential(model, nn.Dropout(0.5)).eval()
        eval_out = evaluating(tg.Tensor(x[:3] + 1, device=device))
        results[device] = [train_out, eval_out, *(p.grad for p in model.parameters()), *model.buffers()]
    assert models["cuda"][0].weight.grad.device == "cuda"
    for on_cpu, on_gpu in zip(results["cpu"], results["cuda"], strict=True):
        np.testing.assert_allclose(host(on_gpu), host(on_cpu), **CLOSE)
    assert int(models["cuda"][1].num_batches_tracked.item()) == 1


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_state_lives_on_the_parameters_device(device: str, name: str) -> None:
    model = mlp().to(device)
    optimizer = OPTIMIZERS[name](list(model.parameters()))
    x, y = batch()
    train_steps(model, optimizer, tg.Tensor(x, device=device), tg.Tensor(y, device=device), steps=2)
    assert len(optimizer.state) == len(list(model.parameters()))
    for state in optimizer.state.values():
        arrays = {key: value for key, value in state.items() if hasattr(value, "shape")}
        assert arrays.keys() == STATE_NAMES[name]
        assert {backend.device_of(array) for array in arrays.values()} == {device}


@pytest.mark.parametrize("name", ["SGD momentum", "Adam"])
def test_optimizer_state_saved_on_the_cpu_continues_on_the_gpu(cuda: str, name: str) -> None:
    """A CPU optimizer's state_dict loads into an optimizer over GPU parameters: its arrays go to the
    GPU and the next step is the one the CPU would take."""
    x, y = batch()
    cpu_model = mlp()
    cpu_optimizer = OPTIMIZERS[name](list(cpu_model.parameters()))
    train_steps(cpu_model, cpu_optimizer, tg.Tensor(x), tg.Tensor(y), steps=2)
    gpu_model = mlp(seed=1).to(cuda)
    gpu_model.load_state_dict(cpu_model.state_dict())
    gpu_optimizer = OPTIMIZERS[name](list(gpu_model.parameters()))
    gpu_optimizer.load_state_dict(cpu_optimizer.state_dict())
    for state in gpu_optimizer.state.values():
        assert {backend.device_of(v) for v in state.values() if hasattr(v, "shape")} == {"cuda"}
    train_steps(cpu_model, cpu_optimizer, tg.Tensor(x), tg.Tensor(y), steps=1)
    train_steps(gpu_model, gpu_optimizer, tg.Tensor(x, device=cuda), tg.Tensor(y, device=cuda), steps=1)
    for p_cpu, p_gpu in zip(cpu_model.parameters(), gpu_model.parameters(), strict=True):
        np.testing.assert_allclose(p_gpu.detach().numpy(), p_cpu.detach().numpy(), **CLOSE)


@pytest.mark.parametrize("name", ["SGD momentum", "Adam", "RMSprop"])
def test_training_steps_on_cuda_follow_the_cpu_trajectory(cuda: str, name: str) -> None:
    """Five steps (forward, cross-entropy, backward, step) from the same seed on each device: the same
    losses, the same parameters and running statistics at the end."""
    x, y = batch()
    runs = {}
    for device in ("cpu", cuda):
        model = mlp().to(device)
        optimizer = OPTIMIZERS[name](list(model.parameters()))
        losses = train_steps(model, optimizer, tg.Tensor(x, device=device), tg.Tensor(y, device=device), steps=5)
        runs[device] = (model, [loss.item() for loss in losses])
    (cpu_model, cpu_losses), (gpu_model, gpu_losses) = runs["cpu"], runs[cuda]
    np.testing.assert_allclose(gpu_losses, cpu_losses, **CLOSE)
    assert cpu_losses[-1] < cpu_losses[0]  # the steps did train
    for (key, on_cpu), (_, on_gpu) in zip(cpu_model.state_dict().items(), gpu_model.state_dict().items(), strict=True):
        assert on_gpu.device == "cuda", key
        np.testing.assert_allclose(on_gpu.numpy(), on_cpu.numpy(), err_msg=key, **CLOSE)


# ----------------------------------------------------------------------------- no waiting for the GPU
@pytest.mark.parametrize("name", ["SGD momentum", "Adam"])
def test_a_training_step_never_waits_for_the_gpu(cuda: str, name: str) -> None:
    """Forward (with Dropout and BatchNorm), loss, backward and step run while synchronising is
    forbidden; reading the loss inside the same block is refused, so the guard is real."""
    cupyx = pytest.importorskip("cupyx")
    model = mlp(dropout=0.25).to(cuda)
    optimizer = OPTIMIZERS[name](list(model.parameters()))
    x, y = batch()
    x, y = tg.Tensor(x, device=cuda), tg.Tensor(y, device=cuda)
    with cupyx.allow_synchronize(False):
        losses = train_steps(model, optimizer, x, y, steps=3)
        with pytest.raises(cupyx.DeviceSynchronized):
            losses[-1].item()
    assert np.isfinite(losses[-1].item())  # allowed again after the block


@pytest.mark.parametrize("name", ["SGD momentum", "Adam", "RMSprop"])
def test_a_training_step_copies_nothing_between_host_and_gpu(fake: str, name: str) -> None:
    model = mlp(dropout=0.25).to(fake)
    optimizer = OPTIMIZERS[name](list(model.parameters()))
    x, y = batch()
    x, y = tg.Tensor(x, device=fake), tg.Tensor(y, device=fake)
    train_steps(model, optimizer, x, y, steps=1)  # the first step makes the optimizer's state
    with counted() as counts:
        train_steps(model, optimizer, x, y, steps=2)
    assert counts["to_host"] == counts["to_device"] == counts["syncs"] == 0
    assert counts["launches"] > 50  # the counter does see the step's work


GPU_OPS: dict[str, Callable[[tg.Tensor, tg.Tensor, tg.Tensor], tg.Tensor]] = {
    "numbers": lambda x, i, y: ((x * 2.0 + 1) / 3 - 0.5) ** 2 + (1 - x) * 2,
    "reductions": lambda x, i, y: x.sum(dim=0) + x.mean() + x.amax(dim=1, keepdim=True) + x.var(),
    "activations": lambda x, i, y: x.relu() + x.sigmoid() + x.tanh() + x.leaky_relu(0.1) + x.softplus(),
    "softmax": lambda x, i, y: x.softmax(-1) * x.log_softmax(-1) + x.logsumexp(dim=1, keepdim=True),
    "bounds": lambda x, i, y: tg.where(x > 0, x, 0.0) + tg.maximum(x, 0.5) + x.clip(-1.0, 1.0),
    "shapes": lambda x, i, y: tg.cat([x, x.T @ x[:4]]) + x[1:2, :] + x[i].sum(),
    "losses": lambda x, i, y: F.cross_entropy(x, y) + F.mse_loss(x, x.detach() * 0.5) + F.l1_loss(x, x.detach()),
}


@pytest.mark.parametrize("op", GPU_OPS.values(), ids=GPU_OPS.keys())
def test_ops_on_gpu_tensors_copy_nothing_and_never_wait(fake: str, op: Callable) -> None:
    """Numbers meet GPU tensors on the GPU; reductions stay GPU arrays; forward and backward alike."""
    x = tg.Tensor(np.random.default_rng(0).standard_normal((4, 4)), dtype="float32", requires_grad=True, device=fake)
    index, target = tg.Tensor([0, 2, 2], device=fake), tg.Tensor([0, 3, 1, 2], device=fake)
    with counted() as counts:
        op(x, index, target).sum().backward()
    assert counts["to_host"] == counts["to_device"] == counts["syncs"] == 0
    assert x.grad is not None and x.grad.device == "cuda"


@pytest.mark.parametrize("where", [None, 0, "cuda", "cuda:0", tg.device("cuda")], ids=repr)
def test_cuda_synchronize_waits_and_leaves_the_results_alone(cuda: str, where: object) -> None:
    """``tg.cuda.synchronize`` takes every name of the one GPU, as ``torch.cuda.synchronize`` does."""
    a = tg.Tensor(np.arange(6, dtype=np.float32).reshape(2, 3), device=cuda)
    product = a @ a.T  # queued; synchronize waits for it
    assert tg.cuda.synchronize(where) is None
    np.testing.assert_array_equal(product.cpu().numpy(), [[5.0, 14.0], [14.0, 50.0]])


def test_cuda_synchronize_is_one_wait_for_the_device(fake: str) -> None:
    """On the fake, a device synchronisation is counted: synchronize is exactly one, and it is
    refused where waiting is forbidden, like any other wait for the GPU."""
    cupyx = pytest.importorskip("cupyx")
    x = tg.randn(8, 8, device=fake)
    with counted() as counts:
        x @ x
        tg.cuda.synchronize()
    assert counts["syncs"] == 1 and counts["to_host"] == 0
    with cupyx.allow_synchronize(False), pytest.raises(cupyx.DeviceSynchronized):
        tg.cuda.synchronize()


def test_cuda_synchronize_without_cupy_says_cuda_is_unavailable(no_cupy: None) -> None:
    """As in PyTorch without CUDA, there is no GPU to wait for: an error, saying why and what to install."""
    with pytest.raises(RuntimeError, match=r"synchronize: CUDA is not available") as info:
        tg.cuda.synchronize()
    assert "CuPy" in str(info.value) and NO_CUPY_FIX in str(info.value)


def test_cuda_synchronize_with_cupy_but_no_gpu_says_cuda_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    cupy = fake_cupy._module()
    monkeypatch.setattr(cupy.cuda.runtime, "device_count", 0)
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setattr(backend, "_cupy", None)
    with pytest.raises(RuntimeError, match=r"CUDA is not available.*0 GPUs"):
        tg.cuda.synchronize()


@pytest.mark.parametrize("where", ["cpu", tg.device("cpu"), 1, "cuda:1"], ids=repr)
def test_cuda_synchronize_refuses_other_devices(where: object) -> None:
    """Only the GPU has kernels to wait for (PyTorch: "Expected a cuda device"); tinygrad_edu uses one GPU."""
    with pytest.raises(ValueError, match=r"expected a cuda device|runs on one GPU"):
        tg.cuda.synchronize(where)


def fit_counts(batches: int, log_interval: int | None = None) -> Counter[str]:
    """What fit does on the (fake) GPU over 2 epochs of ``batches`` batches of 8, without logging."""
    x, y = batch(size=8 * batches)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).to("cuda")
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, device="cuda")
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    with counted() as counts, contextlib.redirect_stdout(io.StringIO()):
        fit(
            model, loader, nn.CrossEntropyLoss(), optimizer, 2, verbose=False, progress=False, log_interval=log_interval
        )
    return counts


def test_fit_on_cuda_synchronises_per_epoch_not_per_batch(fake: str) -> None:
    few, many = fit_counts(4), fit_counts(16)
    assert many["syncs"] == few["syncs"] <= 2 * 3  # a few reads per epoch (loss, accuracy), not one per batch
    assert many["to_host"] == few["to_host"]
    assert many["to_device"] <= 2 * 16 * 2  # the only copies to the GPU: each batch's inputs and targets
    # The count can grow: a log line per batch reads that batch's loss, and waits for the GPU each time.
    assert fit_counts(16, log_interval=1)["syncs"] == many["syncs"] + 2 * 16


def test_fit_on_cuda_gives_the_cpu_history(cuda: str) -> None:
    """The whole loop (shuffled DataLoader moving batches to the device, fit, validation) from the same
    seed: the same losses and accuracies per epoch on both devices."""
    x, y = batch(size=48)
    histories = {}
    for device in ("cpu", cuda):
        model = mlp().to(device)
        loader = DataLoader(TensorDataset(x[:40], y[:40]), batch_size=8, shuffle=True, device=device)
        val = DataLoader(TensorDataset(x[40:], y[40:]), batch_size=8, device=device)
        optimizer = optim.Adam(model.parameters(), lr=0.01)
        history = fit(model, loader, nn.CrossEntropyLoss(), optimizer, 3, val, verbose=False, progress=False)
        histories[device] = history.history
    assert histories[cuda].keys() == histories["cpu"].keys() == {"loss", "accuracy", "val_loss", "val_accuracy"}
    for key, values in histories["cpu"].items():
        np.testing.assert_allclose(histories[cuda][key], values, err_msg=key, **CLOSE)


# ----------------------------------------------------------------------------- data
def test_a_cuda_loader_yields_the_cpu_loaders_batches(cuda: str) -> None:
    """Under one seed the shuffled batches are the same samples on both devices, dtypes kept."""
    x, y = np.arange(30, dtype=np.float32).reshape(10, 3), np.arange(10)

    def batches(device: str | None) -> list:
        tg.manual_seed(5)
        return list(DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, device=device))

    on_cpu, on_gpu = batches(None), batches(cuda)
    assert len(on_cpu) == len(on_gpu) == 3
    assert sorted(np.concatenate([yb.numpy() for _, yb in on_cpu]).tolist()) == list(range(10))
    assert np.concatenate([yb.numpy() for _, yb in on_cpu]).tolist() != list(range(10))  # shuffled
    for (xc, yc), (xg, yg) in zip(on_cpu, on_gpu, strict=True):
        assert (xc.device, yc.device, xg.device, yg.device) == ("cpu", "cpu", "cuda", "cuda")
        assert (xg.dtype, yg.dtype) == (np.float32, np.int64)
        np.testing.assert_array_equal(xg.numpy(), xc.numpy())
        np.testing.assert_array_equal(yg.numpy(), yc.numpy())


def test_a_dataset_of_cuda_tensors_gathers_its_batches_on_the_gpu(cuda: str) -> None:
    """A TensorDataset over GPU tensors gives GPU batches (no device= needed), the samples a CPU
    dataset gives under the same seed."""
    x, y = np.arange(30, dtype=np.float32).reshape(10, 3), np.arange(10)
    dataset = TensorDataset(tg.Tensor(x, device=cuda), tg.Tensor(y, device=cuda))
    tg.manual_seed(2)
    on_cpu = list(DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True))
    tg.manual_seed(2)
    on_gpu = list(DataLoader(dataset, batch_size=4, shuffle=True))
    assert len(on_gpu) == len(on_cpu) == 3
    for (xc, yc), (xg, yg) in zip(on_cpu, on_gpu, strict=True):
        assert xg.device == yg.device == "cuda"
        np.testing.assert_array_equal(xg.numpy(), xc.numpy())
        np.testing.assert_array_equal(yg.numpy(), yc.numpy())
    sample_x, sample_y = dataset[3]
    assert sample_x.device == "cuda" and sample_x.tolist() == [9.0, 10.0, 11.0] and sample_y.item() == 3


def test_gathering_batches_of_gpu_data_copies_only_the_order_to_the_gpu(fake: str) -> None:
    x, y = np.arange(60, dtype=np.float32).reshape(20, 3), np.arange(20)
    loader = DataLoader(TensorDataset(tg.Tensor(x, device=fake), tg.Tensor(y, device=fake)), 4, shuffle=True)
    with counted() as counts:
        batches = list(loader)
    assert len(batches) == 5
    assert counts["to_host"] == counts["syncs"] == 0
    assert counts["to_device"] == 1  # the epoch's shuffled order, once: each batch is a slice of it


# ----------------------------------------------------------------------------- saving and loading
def test_weights_saved_from_the_gpu_load_on_the_cpu_and_on_the_gpu(cuda: str, tmp_path: Path) -> None:
    model = mlp().to(cuda)
    model(tg.Tensor(batch()[0], device=cuda))  # a training-mode forward: running statistics change
    expected = {name: t.numpy() for name, t in model.state_dict().items()}
    tg.save(model.state_dict(), tmp_path / "gpu.safetensors")

    on_cpu = tg.load(tmp_path / "gpu.safetensors", map_location="cpu")
    on_gpu = tg.load(tmp_path / "gpu.safetensors")  # as torch.load: back to the device they were saved from
    assert list(on_cpu) == list(on_gpu) == list(expected)
    for name, values in expected.items():
        assert isinstance(on_cpu[name], tg.Tensor) and on_cpu[name].device == "cpu"
        assert on_cpu[name].dtype == values.dtype
        np.testing.assert_array_equal(on_cpu[name].numpy(), values, err_msg=name)
        assert on_gpu[name].device == "cuda"
        np.testing.assert_array_equal(on_gpu[name].cpu().numpy(), values, err_msg=name)

    fresh = mlp(seed=1).to(cuda)
    fresh.load_state_dict(on_gpu)
    x = tg.Tensor(batch(1)[0], device=cuda)
    np.testing.assert_allclose(fresh.eval()(x).detach().numpy(), model.eval()(x).detach().numpy(), **CLOSE)


def test_a_state_dict_moves_between_gpu_and_cpu_models(cuda: str) -> None:
    """A GPU model's state_dict loads into a CPU model and the reverse; each model's tensors stay
    on its own device, and both then compute the same outputs."""
    gpu_model = mlp().to(cuda)
    gpu_model(tg.Tensor(batch()[0], device=cuda))
    cpu_model = mlp(seed=3)
    cpu_model.load_state_dict(gpu_model.state_dict())
    assert {t.device.type for t in cpu_model.state_dict().values()} == {"cpu"}
    x = batch(1)[0]
    np.testing.assert_allclose(
        gpu_model.eval()(tg.Tensor(x, device=cuda)).detach().numpy(),
        cpu_model.eval()(tg.Tensor(x)).detach().numpy(),
        **CLOSE,
    )
    other_gpu_model = mlp(seed=4).to(cuda)
    other_gpu_model.load_state_dict(cpu_model.state_dict())
    assert {t.device.type for t in other_gpu_model.state_dict().values()} == {"cuda"}
    for (key, a), (_, b) in zip(other_gpu_model.state_dict().items(), gpu_model.state_dict().items(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=key)


# ----------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("fast_mode", [False, True], ids=["full", "fast"])
def test_gradcheck_on_gpu_tensors_passes_correct_gradients_and_catches_a_wrong_one(cuda: str, fast_mode: bool) -> None:
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.standard_normal((2, 3)), dtype="float64", requires_grad=True, device=cuda)
    w = tg.Tensor(rng.standard_normal((3, 2)), dtype="float64", requires_grad=True, device=cuda)
    assert tg.gradcheck(lambda a, b: (a @ b).tanh() * Square.apply(a).sum(), (x, w), fast_mode=fast_mode)
    assert tg.gradgradcheck(lambda a, b: (a @ b).sigmoid(), (x, w))
    assert not tg.gradcheck(SquareMissingTwo.apply, (x,), raise_exception=False, fast_mode=fast_mode)
    with pytest.raises(tg.GradcheckError, match=r"mismatch.*input 0"):
        tg.gradcheck(SquareMissingTwo.apply, (x,), fast_mode=fast_mode)
    assert x.device == w.device == "cuda" and x.grad is None  # the inputs were left as they were


# ----------------------------------------------------------------------------- drawing graphs
def test_the_graph_of_a_gpu_computation_draws_as_on_the_cpu(cuda: str) -> None:
    """micrograd's L = (a * b + c) * f: exact in float32 on any device, so the drawings with data and
    gradients are the same text."""

    def drawing(device: str) -> str:
        a, b, c, f = (tg.Tensor(v, requires_grad=True, device=device) for v in (2.0, -3.0, 10.0, -2.0))
        e = a * b
        d = e + c
        loss = d * f
        loss.backward(retain_graph=True)
        names = {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "L": loss}
        return tg.viz.to_dot(loss, names=names, show_data=True, show_grads=True)

    on_cpu, on_gpu = drawing("cpu"), drawing(cuda)
    assert on_gpu == on_cpu
    assert "data -8" in on_cpu and "grad 6" in on_cpu  # L's value, and dL/da


def test_the_graph_of_a_model_on_the_gpu_draws_as_on_the_cpu(cuda: str) -> None:
    """Parameter names, module boxes, shapes and dtypes: the same drawing for a model on either device."""

    def drawing(device: str) -> str:
        model = mlp().to(device)
        x = tg.Tensor(batch()[0], device=device)
        with tg.viz.record_modules(model):
            loss = F.cross_entropy(model(x), tg.Tensor(batch()[1], device=device))
        return tg.viz.to_dot(loss, model=model, names={"x": x, "loss": loss})

    on_cpu, on_gpu = drawing("cpu"), drawing(cuda)
    assert on_gpu == on_cpu
    assert "0.weight" in on_cpu and "(8, 4) float32" in on_cpu


# ----------------------------------------------------------------------------- the command line
def train_command(device: str, out: Path) -> list[str]:
    """Two quick epochs on two moons (1,600 training points)."""
    options = "--dataset two-moons --hidden 8 --epochs 2 --lr 0.1 --momentum 0.9 --no-progress"
    return ["train", *options.split(), "--device", device, "--out", str(out)]


def test_train_command_on_cuda_gives_the_cpu_results(cuda: str, tmp_path: Path) -> None:
    """``tinygrad-edu train --device cuda`` on two moons: the results and weights of ``--device cpu``."""
    runs = {}
    for device in ("cpu", cuda):
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(train_command(device, tmp_path / device)) == 0
        results = json.loads((tmp_path / device / "results.json").read_text())
        runs[device] = (results, tg.load(tmp_path / device / "model.safetensors", map_location="cpu"))
    (cpu_results, cpu_weights), (gpu_results, gpu_weights) = runs["cpu"], runs[cuda]
    assert gpu_results["arguments"]["device"] == "cuda"
    assert gpu_results["test_accuracy"] == pytest.approx(cpu_results["test_accuracy"], abs=1 / 400)
    assert gpu_results["test_loss"] == pytest.approx(cpu_results["test_loss"], rel=1e-4)
    assert gpu_weights.keys() == cpu_weights.keys()
    for name, values in cpu_weights.items():
        np.testing.assert_allclose(gpu_weights[name], values, err_msg=name, **CLOSE)


def test_train_command_on_cuda_without_cupy_fails_with_the_message_not_a_traceback(
    no_cupy: None, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    try:
        code = main(train_command("cuda", tmp_path))
    except SystemExit as stop:
        code = stop.code
    assert code not in (0, None)
    error = capsys.readouterr().err
    assert "CuPy" in error and NO_CUPY_FIX in error
    assert not (tmp_path / "model.safetensors").exists()
