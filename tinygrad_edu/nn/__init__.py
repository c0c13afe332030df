"""Neural-network building blocks: Module, layers, losses, functional, init, summary."""

from . import functional, init
from .layers import BatchNorm1d, Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import (
    Module,
    Parameter,
    RemovableHandle,
    Sequential,
    register_module_forward_hook,
    register_module_forward_pre_hook,
)
from .summary import Summary, summary

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Identity",
    "L1Loss",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "RemovableHandle",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Summary",
    "Tanh",
    "functional",
    "init",
    "register_module_forward_hook",
    "register_module_forward_pre_hook",
    "summary",
]
