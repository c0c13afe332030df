"""tinygrad_edu: a small, readable autograd engine on NumPy (and CuPy) for learning deep learning."""

import importlib.abc
import sys

# tensor first: it defines Tensor, then imports autograd and ops, which build on it (see its docstring).
from .tensor import Size, Tensor, cat, maximum, minimum, stack, where  # isort: skip
from .autograd import (  # isort: skip
    Function,
    enable_grad,
    grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import device, get_default_device, set_default_device

from . import functions, return_types  # isort: skip
from .functions import *  # noqa: F403  (the torch namespace: tg.exp(x), tg.max(x, 1), ...)  # isort: skip
from .creation import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    Generator,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_rng_state,
    linspace,
    manual_seed,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    set_rng_state,
    tensor,  # the function: the module tinygrad_edu.tensor stays importable by its full name
    zeros,
    zeros_like,
)
from .dtypes import DType as dtype  # noqa: N813 - torch.dtype is the class of the dtypes
from .dtypes import as_dtype, get_default_dtype, set_default_dtype
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .io import load, save

from . import nn  # isort: skip  (nn builds on everything above)
from . import data, optim, train  # isort: skip
from . import viz  # isort: skip  (viz draws with nn)
from . import datasets  # isort: skip  (torchvision-style datasets and the array loaders)
from . import fused  # isort: skip
from . import backends, cuda  # isort: skip

# The dtype objects and PyTorch's aliases for them (tg.float is float32, tg.long is int64, ...).
float16, float32, float64 = (as_dtype(name) for name in ("float16", "float32", "float64"))
int8, int16, int32, int64 = (as_dtype(name) for name in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (as_dtype(name) for name in ("uint8", "uint16", "uint32", "uint64"))
half, float, double = float16, float32, float64  # noqa: A001 - PyTorch's names
short, int, long = int16, int32, int64  # noqa: A001
bool = bool_ = as_dtype("bool")  # noqa: A001

__version__ = "0.1.0"

# Modules that moved, and where their contents went: importing one says so.
MOVED_MODULES = {
    "tinygrad_edu.kernels": "tinygrad_edu.fused (the fused gradient kernels, opt-in: tinygrad_edu.fused.enable())",
    "tinygrad_edu.opspecs": "tinygrad_edu.testing (OP_SPECS, OpSpec, example_arguments)",
    "tinygrad_edu.gradcheck_suite": "tinygrad_edu.testing.suite (or the command tinygrad-edu gradcheck)",
    "tinygrad_edu.torch_ops": "benchmarks/gradcheck_suite.py: the package itself never imports torch",
    "tinygrad_edu.files": "tinygrad_edu.io (atomic_write, atomic_path, write_bytes_atomically)",
    "tinygrad_edu.demo": "examples/xor_mlp.py and the command tinygrad-edu gradcheck",
}


class _MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Asked last, for modules no other finder has: turns an old module name into a clear error."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname in MOVED_MODULES:
            raise ModuleNotFoundError(f"{fullname} has moved: use {MOVED_MODULES[fullname]}", name=fullname)


if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModuleFinder())

# The dtype objects (tg.float32, tg.float, tg.bool, ...) are left out: a star import would shadow float, int, bool.
__all__ = [
    "BoolTensor",
    "ByteTensor",
    "CharTensor",
    "DoubleTensor",
    "FloatTensor",
    "Function",
    "Generator",
    "GradcheckError",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "ShortTensor",
    "Size",
    "Tensor",
    "arange",
    "backends",
    "cat",
    "cuda",
    "data",
    "datasets",
    "device",
    "dtype",
    "empty",
    "empty_like",
    "enable_grad",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "fused",
    "get_default_device",
    "get_default_dtype",
    "get_rng_state",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "linspace",
    "load",
    "manual_seed",
    "maximum",
    "minimum",
    "multinomial",
    "nn",
    "no_grad",
    "normal",
    "ones",
    "ones_like",
    "optim",
    "return_types",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "save",
    "set_default_device",
    "set_default_dtype",
    "set_grad_enabled",
    "set_rng_state",
    "stack",
    "tensor",
    "train",
    "viz",
    "where",
    "zeros",
    "zeros_like",
    *functions.__all__,
]
