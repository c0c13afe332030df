"""Shared test setup: Hypothesis profiles and the device fixture.

Profiles: ``quick`` (default, for every run and CI) and ``thorough`` (many more examples), picked
with the environment variable ``TINYGRAD_EDU_HYPOTHESIS_PROFILE=thorough``.

The ``device`` fixture runs a test on the CPU and on the GPU; the cuda cases are skipped with the
reason when CuPy or a GPU is missing. ``TINYGRAD_EDU_FAKE_CUPY=1`` runs them on ``fake_cupy``
instead: NumPy dressed as a strict CuPy, which finds NumPy calls on device data and host arrays
mixed into device ops without a GPU (see that module for what it can and cannot check).
``TINYGRAD_EDU_REQUIRE_CUDA=1`` (``make gpu``) turns a cuda skip into a failure.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import fake_cupy
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import tinygrad_edu as tg
from tinygrad_edu import backend

if os.environ.get("TINYGRAD_EDU_FAKE_CUPY") == "1":
    fake_cupy.install()

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much]}
settings.register_profile("quick", max_examples=30, **_COMMON)
settings.register_profile("thorough", max_examples=400, **_COMMON)
settings.load_profile(os.environ.get("TINYGRAD_EDU_HYPOTHESIS_PROFILE", "quick"))


def _cuda_skip_reason() -> str | None:
    try:
        tg.zeros(1, device="cuda")
    except RuntimeError as error:
        return str(error)
    return None


@pytest.fixture(scope="session", params=["cpu", "cuda"])
def device(request: pytest.FixtureRequest) -> str:
    """Run a test on each device; cuda is skipped with the reason when CuPy or a GPU is missing.
    (Session-scoped: it holds no state, and Hypothesis tests may then take it.)"""
    if request.param == "cuda":
        reason = _cuda_skip_reason()
        if reason and os.environ.get("TINYGRAD_EDU_REQUIRE_CUDA") == "1":  # `make gpu`: a skip would hide a failure
            pytest.fail(f"TINYGRAD_EDU_REQUIRE_CUDA=1 but cuda is unavailable: {reason}")
        if reason:
            pytest.skip(f"cuda unavailable: {reason}")
    return request.param


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def no_cupy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Act out a machine without CuPy: ``import cupy`` raises ImportError, and no CuPy is cached."""
    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.setattr(backend, "_cupy", None)


@pytest.fixture
def fake_gpu(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The fake CuPy as "cuda" for this test only (whatever the environment), its counters reset."""
    module = fake_cupy.install() if fake_cupy.is_installed() else fake_cupy._module()
    monkeypatch.setitem(sys.modules, "cupy", module)
    monkeypatch.setattr(backend, "_cupy", None)
    fake_cupy.STATS.clear()
    return module


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how much of the course ran: chapters and code cells executed (tests/test_chapters.py)."""
    chapters = getattr(sys.modules.get("test_chapters"), "CELLS_RUN", {})
    if chapters:
        terminalreporter.write_line(
            f"course: {len(chapters)} chapter runs, {sum(chapters.values())} code cells executed"
        )
