"""The gradient-check suite (``tinygrad_edu.testing.suite``) in its quick mode, on two ops.

The suite is a benchmark, run by hand, and its timings are never asserted. These tests prove
that it runs, writes the reports the README quotes, passes the float64 cases, and catches every
planted bug in both modes; and that PyTorch's side of the comparison (``benchmarks/gradcheck_suite.py``)
checks the same functions.
"""

from __future__ import annotations

import doctest
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import testing
from tinygrad_edu.testing import OP_SPECS, example_arguments, suite

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "gradcheck_suite.py"

CASE_FIELDS = {
    "op", "size", "elements", "shapes", "dtype", "mode", "passed", "max_abs_error", "max_rel_error",
    "ms", "torch_ms", "torch_passed", "message", "ratio",
}  # fmt: skip


def load_benchmark(monkeypatch: pytest.MonkeyPatch) -> Any:
    """benchmarks/gradcheck_suite.py as a module (a script, outside the package)."""
    spec = importlib.util.spec_from_file_location("gradcheck_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "gradcheck_benchmark", module)
    spec.loader.exec_module(module)
    return module


def run_quick(
    tmp_path: Path, *options: str, main: Callable[[list[str]], int] = suite.main, ops: tuple = ("tanh", "add")
) -> tuple[int, dict]:
    code = main(["--quick", "--ops", *ops, "--output-dir", str(tmp_path), *options])
    return code, json.loads((tmp_path / "gradcheck.json").read_text())


def test_quick_suite_passes_float64_and_catches_every_planted_bug(tmp_path: Path, capsys) -> None:
    """Exit status 0; every case has its fields; float64 cases pass; every bug is caught in both modes."""
    code, report = run_quick(tmp_path, "--no-torch")
    assert code == 0
    assert {"command", "machine", "wall_s", "tolerances", "summary", "cases", "mutations"} <= set(report)
    cases = report["cases"]
    assert {c["op"] for c in cases} == {"tanh", "add"}
    assert all(set(c) == CASE_FIELDS for c in cases)
    assert {(c["dtype"], c["mode"]) for c in cases} == {
        ("float64", "full"), ("float64", "fast"), ("float64", "gradgrad full"), ("float64", "gradgrad fast"),
        ("float32", "full"), ("float32", "fast"),
    }  # fmt: skip
    assert all(c["passed"] for c in cases if c["dtype"] == "float64")
    mutations = report["mutations"]
    assert {m["bug"] for m in mutations} == set(suite.MUTATIONS)
    for bug in suite.MUTATIONS:
        for mode in ("full", "fast"):
            caught = [m["caught"] for m in mutations if m["bug"] == bug and m["mode"] == mode]
            assert caught and all(caught), (bug, mode)
    assert report["summary"]["mutations_caught"] == {"full": "6/6", "fast": "6/6"}
    assert report["summary"]["targets"]["every op passes in float64"] is True
    markdown = (tmp_path / "gradcheck.md").read_text()
    assert "| op | size |" in markdown and "| wrong sign |" in markdown
    assert "ops passing in float64: 2/2" in capsys.readouterr().out


def test_quick_suite_times_pytorch_on_the_same_cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With PyTorch installed, each float64 case also has PyTorch's time, verdict and the ratio."""
    pytest.importorskip("torch")
    code, report = run_quick(tmp_path, main=load_benchmark(monkeypatch).main)
    assert code == 0
    for case in report["cases"]:
        compared = case["dtype"] == "float64"
        assert (case["torch_ms"] is not None) == compared, case
        if compared:
            assert case["torch_passed"] is True and case["ratio"] == pytest.approx(case["ms"] / case["torch_ms"])
    assert report["summary"]["torch_ratio_full"]["compared"] == 2


def test_every_row_computes_the_same_in_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row runs with ``lib = torch`` and gives our op's values on its example; a row that
    draws its own random numbers gives a result of the same shape."""
    torch = pytest.importorskip("torch")
    benchmark = load_benchmark(monkeypatch)
    for spec in OP_SPECS:
        inputs, params = example_arguments(spec, np.random.default_rng(0))
        ours = spec.fn(*inputs, **params).detach().numpy()
        torch_inputs, torch_params = benchmark.torch_arguments(inputs, params)
        with torch.no_grad():
            theirs = spec.op(torch, *torch_inputs, **torch_params).numpy()
        if spec.draws_random:
            assert theirs.shape == ours.shape, spec.name
        else:
            np.testing.assert_allclose(theirs, ours, rtol=1e-10, atol=1e-12, err_msg=spec.name)


def test_pytorch_checks_a_row_that_draws_random_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dropout draws another mask in each library: PyTorch's gradcheck still checks its own (its
    verdict and time are in the report) instead of skipping it as computing other values."""
    pytest.importorskip("torch")
    code, report = run_quick(tmp_path, main=load_benchmark(monkeypatch).main, ops=("dropout_fixed_mask",))
    assert code == 0
    compared = [c for c in report["cases"] if c["dtype"] == "float64"]
    assert compared and all(c["torch_passed"] is True and c["torch_ms"] is not None for c in compared), compared


def test_unknown_op_is_refused_with_the_known_names(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        suite.main(["--quick", "--ops", "nope", "--output-dir", str(tmp_path)])
    assert exit_info.value.code == 2  # a usage error, as argparse's own
    assert re.search(r"error: argument --ops: unknown op\(s\) nope; known: add, sub", capsys.readouterr().err)


def test_the_testing_docstring_example_checks_a_users_function() -> None:
    """The example in ``tinygrad_edu.testing``'s docstring (a row for a Function of one's own,
    checked with its example inputs) gives the outputs it shows."""
    results = doctest.testmod(testing)
    assert results.attempted > 0 and results.failed == 0


def test_the_gradient_checker_agrees_with_every_ops_backward(tmp_path: Path, capsys) -> None:
    """`tinygrad-edu gradcheck --quick`: every row of the op table passes gradcheck and gradgradcheck,
    full and fast, in float64, at the small size."""
    code, report = run_quick(tmp_path, "--no-torch", ops=tuple(spec.name for spec in OP_SPECS))
    float64 = [case for case in report["cases"] if case["dtype"] == "float64"]
    assert code == 0, [case["op"] for case in float64 if not case["passed"]]
    assert {case["op"] for case in float64} == {spec.name for spec in OP_SPECS}
    assert all(case["passed"] for case in float64)
    assert "every op passes in float64" in capsys.readouterr().out
