"""The gradient-check suite (``benchmarks/gradcheck_suite.py``) in its quick mode, on two ops.

The suite is a benchmark, run by hand, and its timings are never asserted. These tests prove
that it runs, writes the reports the README quotes, passes the float64 cases, and catches every
planted bug in both modes; and that PyTorch's side of the comparison checks the same functions.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import gradcheck_suite
from tinygrad_edu.opspecs import OP_SPECS, example_arguments

CASE_FIELDS = {
    "op", "size", "elements", "shapes", "dtype", "mode", "passed", "max_abs_error", "max_rel_error",
    "ms", "torch_ms", "torch_passed", "message", "ratio",
}  # fmt: skip


def run_quick(tmp_path: Path, *options: str) -> tuple[int, dict]:
    code = gradcheck_suite.main(["--quick", "--ops", "tanh", "add", "--output-dir", str(tmp_path), *options])
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
    assert {m["bug"] for m in mutations} == set(gradcheck_suite.MUTATIONS)
    for bug in gradcheck_suite.MUTATIONS:
        for mode in ("full", "fast"):
            caught = [m["caught"] for m in mutations if m["bug"] == bug and m["mode"] == mode]
            assert caught and all(caught), (bug, mode)
    assert report["summary"]["mutations_caught"] == {"full": "6/6", "fast": "6/6"}
    assert report["summary"]["targets"]["every op passes in float64"] is True
    markdown = (tmp_path / "gradcheck.md").read_text()
    assert "| op | size |" in markdown and "| wrong sign |" in markdown
    assert "ops passing in float64: 2/2" in capsys.readouterr().out


def test_quick_suite_times_pytorch_on_the_same_cases(tmp_path: Path) -> None:
    """With PyTorch installed, each float64 case also has PyTorch's time, verdict and the ratio."""
    pytest.importorskip("torch")
    code, report = run_quick(tmp_path)
    assert code == 0
    for case in report["cases"]:
        compared = case["dtype"] == "float64"
        assert (case["torch_ms"] is not None) == compared, case
        if compared:
            assert case["torch_passed"] is True and case["ratio"] == pytest.approx(case["ms"] / case["torch_ms"])
    assert report["summary"]["torch_ratio_full"]["compared"] == 2


def test_torch_functions_compute_what_each_op_computes() -> None:
    """TORCH_FUNCTIONS has a row for every op, and each row gives our op's values on its example."""
    torch_ops = pytest.importorskip("tinygrad_edu.torch_ops")
    import torch

    assert set(torch_ops.TORCH_FUNCTIONS) == {spec.name for spec in OP_SPECS}
    for spec in OP_SPECS:
        inputs, params = example_arguments(spec, np.random.default_rng(0))
        ours = spec.fn(*inputs, **params).numpy()
        with torch.no_grad():
            theirs = torch_ops.TORCH_FUNCTIONS[spec.name](
                *torch_ops.to_torch(inputs), **{k: torch_ops.to_torch(v) for k, v in params.items()}
            )
        np.testing.assert_allclose(theirs.detach().numpy(), ours, rtol=1e-10, atol=1e-12, err_msg=spec.name)


def test_unknown_op_is_refused_with_the_known_names(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"unknown op\(s\) nope; known: add, sub"):
        gradcheck_suite.main(["--quick", "--ops", "nope", "--output-dir", str(tmp_path)])
