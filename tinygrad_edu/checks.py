"""Checks of arguments that many functions share: each returns the value, or raises the error
naming the function (or layer) and the argument, a TypeError for the wrong kind of value and a
ValueError for one out of range."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def check_size(owner: str, name: str, value: Any, minimum: int = 0) -> int:
    """``value`` as an int if it is an integer >= ``minimum`` (a size such as ``in_features``); else a
    TypeError (not an integer: 3.5, "3", True) or a ValueError (too small), naming the layer and argument."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool | np.bool_):
        raise TypeError(f"{owner}: {name} must be an integer, got a {type(value).__name__} ({value!r})")
    if value < minimum:
        raise ValueError(f"{owner}: {name} must be at least {minimum}, got {value}")
    return int(value)


def check_dim(owner: str, name: str, value: Any) -> int:
    """An axis argument: any integer (negative counts from the end); range is checked on the input."""
    return check_size(owner, name, value, minimum=-(2**63))


def check_number(owner: str, name: str, value: Any, minimum: float | None = None, maximum: float | None = None) -> Any:
    """A real number (not a bool), optionally within [minimum, maximum]; NaN is refused when bounded."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
        raise TypeError(f"{owner}: {name} must be a number, got a {type(value).__name__} ({value!r})")
    low = -math.inf if minimum is None else minimum
    high = math.inf if maximum is None else maximum
    if (minimum is not None or maximum is not None) and not low <= value <= high:  # NaN fails too
        bounds = f">= {low}" if maximum is None else f"in [{low}, {high}]"
        raise ValueError(f"{owner}: {name} must be {bounds}, got {value}")
    return value


def check_flag(owner: str, name: str, value: Any) -> bool:
    """True or False (a NumPy bool too); anything else, even 0 or "yes", is a TypeError."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)
