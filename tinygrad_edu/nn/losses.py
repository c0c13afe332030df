"""Loss functions as Modules: ``loss_fn = nn.CrossEntropyLoss(); loss = loss_fn(logits, labels)``."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module


class _Loss(Module):
    """A loss with a ``reduction``: "mean" (default), "sum" or "none" (one loss per element)."""

    function = staticmethod(F.mse_loss)

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in F.REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {F.REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return type(self).function(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error, for regression."""

    function = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """Mean absolute error, for regression that is robust to outliers."""

    function = staticmethod(F.l1_loss)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of raw logits (N, C) and class indices (N,): log-softmax and NLL in one stable op."""

    function = staticmethod(F.cross_entropy)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (e.g. the output of LogSoftmax)."""

    function = staticmethod(F.nll_loss)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (the output of a Sigmoid)."""

    function = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of raw logits: the sigmoid is built in, which makes it stable."""

    function = staticmethod(F.binary_cross_entropy_with_logits)
