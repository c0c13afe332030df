"""``nn.summary``: a Keras-style table of a model's layers, output shapes and parameter counts."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..autograd import no_grad
from ..dtypes import check_dtype
from ..tensor import Tensor
from .module import Module

_WIDTHS = (28, 26, 12)  # columns: layer (type), output shape, param #


@dataclass
class Summary:
    """The table ``print(nn.summary(model, (784,)))`` shows, with its numbers as attributes."""

    model_name: str
    rows: list[tuple[str, str, int]] = field(default_factory=list)  # (layer, output shape, params)
    total_params: int = 0
    trainable_params: int = 0

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    def __str__(self) -> str:
        width = sum(_WIDTHS) + 1
        lines = [
            f'Model: "{self.model_name}"',
            "_" * width,
            _row("Layer (type)", "Output Shape", "Param #"),
            "=" * width,
        ]
        lines += [_row(layer, shape, str(count)) for layer, shape, count in self.rows]
        lines += [
            "=" * width,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            "_" * width,
        ]
        return "\n".join(lines)

    __repr__ = __str__


def _row(layer: str, shape: str, count: str) -> str:
    return f" {layer:<{_WIDTHS[0]}}{shape:<{_WIDTHS[1]}}{count:<{_WIDTHS[2]}}".rstrip()


def summary(model: Module, input_shape: Sequence[int], dtype: str = "float32") -> Summary:
    """Run one forward pass on zeros of shape (2, *input_shape) and tabulate every leaf layer.

    ``input_shape`` excludes the batch axis, which the table shows as ``None`` (as Keras does).
    The model is run in eval mode without recording a graph, then put back in its previous mode.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: model must be an nn.Module, got a {type(model).__name__}")
    input_shape = _checked_shape(input_shape)
    dtype = check_dtype(dtype)
    leaves = [(name, m) for name, m in model.named_modules() if not any(True for _ in m.children())]
    shapes: dict[int, str] = {}

    def record(module: Module, inputs: tuple, output: object) -> None:
        if isinstance(output, Tensor):
            shapes[id(module)] = str(("None", *output.shape[1:])).replace("'", "")

    handles = [module.register_forward_hook(record) for _, module in leaves]
    was_training = model.training
    try:
        with no_grad():
            device = next((p.device for p in model.parameters()), "cpu")  # the zeros go where the model is
            model.eval()(Tensor(np.zeros((2, *input_shape), dtype=dtype), device=device))
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()

    result = Summary(type(model).__name__)
    for name, module in leaves:
        count = sum(p.numel() for p in module._parameters.values() if p is not None)
        result.rows.append((f"{name or 'model'} ({type(module).__name__})", shapes.get(id(module), "?"), count))
    params = list(model.parameters())
    result.total_params = sum(p.numel() for p in params)
    result.trainable_params = sum(p.numel() for p in params if p.requires_grad)
    return result


def _checked_shape(input_shape: Sequence[int]) -> tuple[int, ...]:
    """``input_shape`` as a tuple of sizes, or a clear error: an int or anything else is refused."""
    example = f"({input_shape},)" if isinstance(input_shape, numbers.Integral) else "(784,) or (3, 32, 32)"
    if isinstance(input_shape, str) or not isinstance(input_shape, Sequence):
        raise TypeError(
            f"summary: input_shape must be a tuple of sizes without the batch axis, e.g. {example}; "
            f"got a {type(input_shape).__name__} ({input_shape!r})"
        )
    for size in input_shape:
        if not isinstance(size, numbers.Integral) or isinstance(size, bool):
            raise TypeError(f"summary: input_shape must hold integer sizes, got {input_shape!r}")
        if size < 0:
            raise ValueError(f"summary: input_shape sizes must be >= 0, got {input_shape!r}")
    return tuple(int(size) for size in input_shape)
