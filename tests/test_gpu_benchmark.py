"""``benchmarks/gpu_train.py`` runs to the end, on the fake CuPy: time on a GPU is scarce, so a
crash there must be caught here first. Its correctness check is a real one: tinygrad_edu (with and
without the fused kernels) and the hand-written CuPy floor (and PyTorch, where CUDA is there) must
leave the same weights."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import tinygrad_edu as tg

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "gpu_train.py"


def _load_benchmark(monkeypatch: pytest.MonkeyPatch) -> Any:
    spec = importlib.util.spec_from_file_location("gpu_train", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "gpu_train", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_without_cuda_the_benchmark_exits_2_with_the_reason(
    no_cupy: None, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    assert _load_benchmark(monkeypatch).main(["--quick"]) == 2
    assert "CuPy" in capsys.readouterr().err


def test_a_quick_run_on_the_fake_gpu_checks_and_times_every_implementation(
    fake_gpu: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    results_file = tmp_path / "results.json"
    code = _load_benchmark(monkeypatch).main(["--quick", "--workloads", "classic-64,tiny", "--json", str(results_file)])
    output = capsys.readouterr().out
    assert code == 0, output
    results = json.loads(results_file.read_text())["results"]
    assert [r["workload"] for r in results] == ["classic-64", "tiny"]
    for result in results:
        assert result["check"]["ok"], result["check"]
        assert not result["errors"], result["errors"]
        assert {"tinygrad_edu", "tinygrad_edu fused", "CuPy floor"} <= set(result["median_ms"]), result["median_ms"]
    assert not tg.fused.is_enabled(), "the benchmark must leave the fused kernels off, the library's default"
    assert "| classic-64: 784-1024-128-64-10, batch 64 |" in output and "| tiny: 2-16-16-2, batch 32 |" in output
