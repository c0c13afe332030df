"""tinygrad_edu: a small, readable autograd engine on NumPy (and CuPy) for learning deep learning."""

import importlib.abc
import sys

import numpy as np

# tensor first: it defines Tensor, then imports autograd and ops, which build on it (see its docstring).
from .tensor import Tensor, cat, maximum, minimum, stack, where  # isort: skip
from .autograd import Function, enable_grad, grad, is_grad_enabled, no_grad  # isort: skip
from . import functions, return_types  # isort: skip
from .functions import *  # noqa: F403  (the torch namespace: tg.exp(x), tg.max(x, 1), ...)  # isort: skip
from .creation import (
    arange,
    eye,
    full,
    manual_seed,
    ones,
    ones_like,
    rand,
    randn,
    zeros,
    zeros_like,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .io import load, save

from . import nn  # isort: skip  (nn builds on everything above)
from . import data, optim, train  # isort: skip
from . import viz  # isort: skip  (viz draws with nn)
from .data import datasets  # isort: skip
from . import fused  # isort: skip

float16, float32, float64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")
int32, int64, uint8, bool_ = np.dtype("int32"), np.dtype("int64"), np.dtype("uint8"), np.dtype("bool")

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

__all__ = [
    "Function",
    "GradcheckError",
    "Tensor",
    "arange",
    "cat",
    "data",
    "datasets",
    "enable_grad",
    "eye",
    "full",
    "fused",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "load",
    "manual_seed",
    "maximum",
    "minimum",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "return_types",
    "rand",
    "randn",
    "save",
    "stack",
    "train",
    "viz",
    "where",
    "zeros",
    "zeros_like",
    *functions.__all__,
]
