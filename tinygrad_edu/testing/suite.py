"""The gradient-check suite: is every op's backward right, and does the checker notice when not?

``tinygrad-edu gradcheck`` (or ``python benchmarks/gradcheck_suite.py``, or ``main(argv)`` here)
runs our gradient checker over every row of the op table (``tinygrad_edu.testing.OP_SPECS``):

- at three sizes: small (a dozen elements), medium (about 10^3) and large (about 10^5);
- in full mode (every Jacobian entry; small and medium only: a 10^5-element input has a
  10^10-entry Jacobian) and in fast mode (one random projection v^T J u; every size);
- in float64 with gradcheck's defaults and in float32 with a larger step and looser tolerances;
- gradgradcheck at the small size, in both modes, for the ops that are twice differentiable.

Each case records pass/fail, the largest absolute and relative errors, and the time. A caller
may pass a ``Comparison``: a second checker that runs on every float64 case with exactly the
inputs, parameters, eps and tolerances ours used (``CaseInputs``) and reports its verdict and time
(``Verdict``), shown beside ours in the report's "torch" columns. ``benchmarks/gradcheck_suite.py``
passes one that runs ``torch.autograd.gradcheck`` (or ``gradgradcheck``) on the same row with
``lib = torch``; this package itself never imports PyTorch.

A checker that passes everything proves nothing, so the suite also plants bugs: three Functions
with a wrong backward (a wrong sign, a missing broadcast reduction, a transposed matmul
gradient) must fail the check in both modes, at every size and in both dtypes. The exit status
is 1 if a float64 case fails or a planted bug is missed, else 0.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import math
import os
import platform
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..autograd import Function
from ..cli import unwritable_folder
from ..gradcheck import check_gradients, check_second_gradients
from ..io import write_bytes_atomically
from ..tensor import Tensor
from .optable import OP_SPECS, SIZES, SPECS_BY_NAME, OpSpec, example_arguments, grid_step

T = TypeVar("T")


# ----------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Tolerances:
    """The step of the central differences and the tolerances: |a - n| <= atol + rtol * |n|."""

    eps: float
    atol: float
    rtol: float


TOLERANCES = {
    # gradcheck's defaults (PyTorch's too): the truncation error eps**2 * f''' / 6 ~ 1e-13 and the
    # rounding error 1e-16 * |f| / eps ~ 1e-10 are far below atol.
    "float64": Tolerances(eps=1e-6, atol=1e-5, rtol=1e-3),
    # float32 keeps 7 digits (unit roundoff 6e-8). The rounding error of a difference quotient is
    # about 6e-8 * |f| / eps: with eps = 1e-3 that is 6e-5 * |f| per Jacobian entry, 2e-3 for a
    # matmul output (a sum of 25 products, |f| ~ 30), while the truncation error eps**2 * f''' / 6
    # stays below 1e-5 on the op domains. atol = rtol = 1e-2 leaves a margin of 5 over that noise
    # (every float32 case still passes with 2e-3; at 1e-3 the medium matmul and linear fail) and
    # still fails any backward that is wrong by more than 1 % (the planted bugs are off by 100 %).
    "float32": Tolerances(eps=1e-3, atol=1e-2, rtol=1e-2),
}
DTYPES = ("float64", "float32")
FULL_SIZES = ("small", "medium")
FULL_MODE_NOTE = (
    "Full mode runs at the small and medium sizes only: at the large size (10^5 elements) the full "
    "Jacobian would have 10^10 entries. Fast mode runs at every size."
)
MODES = ("full", "fast", "gradgrad full", "gradgrad fast")


@dataclass
class Case:
    """One check of one op: what was checked, what it found, and how long it took."""

    op: str
    size: str  # small, medium or large
    elements: int  # elements in the differentiable inputs together
    shapes: str
    dtype: str
    mode: str  # one of MODES
    passed: bool
    max_abs_error: float
    max_rel_error: float
    ms: float
    torch_ms: float | None = None
    torch_passed: bool | None = None
    message: str | None = None  # why the check failed (ours), or what went wrong with PyTorch's

    @property
    def ratio(self) -> float | None:
        """Our time over PyTorch's for the same check (below 1: ours is faster)."""
        return None if self.torch_ms is None else self.ms / self.torch_ms

    def key(self) -> tuple:
        return (self.op.lower(), SIZES.index(self.size), DTYPES.index(self.dtype), MODES.index(self.mode))


@dataclass
class Mutation:
    """One planted bug checked in one mode: it must be caught (the check must fail)."""

    bug: str
    description: str
    size: str
    dtype: str
    mode: str
    caught: bool
    max_abs_error: float
    max_rel_error: float
    ms: float
    message: str | None = field(default=None, repr=False)


# ----------------------------------------------------------------------------- a second checker
@dataclass(frozen=True)
class CaseInputs:
    """Exactly what ours checked in one case, for a second checker to check the same."""

    spec: OpSpec
    mode: str  # one of MODES
    inputs: tuple  # spec.fn's positional arguments (Tensors, float64)
    params: dict[str, Any]  # its keyword arguments
    grad_outputs: list[Tensor] | None  # the v of gradgradcheck (None in the first-derivative modes)
    tolerances: Tolerances

    @property
    def fast_mode(self) -> bool:
        return self.mode.endswith("fast")


@dataclass(frozen=True)
class Verdict:
    """What the second checker found on one case: the report's "torch" columns."""

    passed: bool | None  # None: it did not check (``note`` says why)
    ms: float | None  # its best time (``timed``), or None
    note: str | None = None  # added to the case's message in brackets


@dataclass(frozen=True)
class Comparison:
    """A second gradient checker run beside ours on every float64 case.

    ``check`` is called once per case, after ours, and should time its checker with ``timed``
    as ours is timed; ``machine`` goes into the report's machine info (its library's version
    and threads).
    """

    check: Callable[[CaseInputs], Verdict]
    machine: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- timing
def timed(call: Callable[[], T], repeats: int = 3, budget_s: float = 0.05, most: int = 10) -> tuple[T, float]:
    """Run ``call`` and return its result and its best time in ms.

    The call runs ``repeats`` times, and more (up to ``most``) while less than ``budget_s`` has
    passed; the fastest run is kept, as the one least disturbed by the rest of the machine. As in
    ``timeit``, the cyclic garbage collector is off while the calls run.
    """
    collecting = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        best, started = math.inf, time.perf_counter()
        for run in range(1, most + 1):
            start = time.perf_counter()
            result = call()
            best = min(best, time.perf_counter() - start)
            if run >= repeats and time.perf_counter() - started > budget_s:
                break
    finally:
        if collecting:
            gc.enable()
    return result, best * 1000


# ----------------------------------------------------------------------------- the op cases
def _case_inputs(spec: OpSpec, size: str, dtype: str) -> tuple[tuple, dict]:
    """The op's example arguments; float32 cases get the float64 cases' values, rounded."""
    rng = np.random.default_rng(zlib.crc32(f"{spec.name}/{size}".encode()))
    return example_arguments(spec, rng, dtype, size)


def _grad_outputs(spec: OpSpec, inputs: tuple, params: dict) -> list[Tensor]:
    """The random v of gradgradcheck, made here so that PyTorch gets the same one."""
    out = spec.fn(*inputs, **params)
    rng = np.random.default_rng(1)
    return [Tensor(rng.standard_normal(out.shape), dtype=out.dtype, requires_grad=True)]


def check_op(
    spec: OpSpec, sizes: Sequence[str], dtypes: Sequence[str], comparison: Comparison | None = None
) -> list[Case]:
    """Every case of one op: each size and dtype, full mode (small and medium sizes) and fast
    mode, then gradgradcheck at the small size in float64 if the op is smooth."""
    cases = []
    for size in sizes:
        for dtype in dtypes:
            modes = ["full", "fast"] if size in FULL_SIZES else ["fast"]
            if spec.smooth and size == "small" and dtype == "float64":
                modes += ["gradgrad full", "gradgrad fast"]
            for mode in modes:
                cases.append(_check_case(spec, size, dtype, mode, comparison))
    return cases


def tolerances_for(spec: OpSpec, dtype: str, inputs: tuple) -> Tolerances:
    """The dtype's tolerances, with a smaller step for ops that pick one element (``distinct``).

    Their inputs are a grid whose step shrinks as 1/n (3e-5 for 10^5 values over the domain):
    eps stays 10 times below it, so no element can overtake another. Such ops (max, maximum,
    l1_loss) pass their input values through, so a tiny step costs no accuracy.
    """
    tol = TOLERANCES[dtype]
    if not spec.distinct:
        return tol
    largest = max(t.numel() for t in inputs if t.requires_grad)
    return replace(tol, eps=min(tol.eps, grid_step(spec, largest) / 10))


def _check_case(spec: OpSpec, size: str, dtype: str, mode: str, comparison: Comparison | None) -> Case:
    inputs, params = _case_inputs(spec, size, dtype)
    tol = tolerances_for(spec, dtype, inputs)
    fast = mode.endswith("fast")

    def fn(*tensors: Tensor) -> Tensor:
        return spec.fn(*tensors, **params)

    grad_outputs = _grad_outputs(spec, inputs, params) if mode.startswith("gradgrad") else None
    if grad_outputs is None:
        result, ms = timed(lambda: check_gradients(fn, inputs, tol.eps, tol.atol, tol.rtol, fast))
    else:
        result, ms = timed(lambda: check_second_gradients(fn, inputs, grad_outputs, tol.eps, tol.atol, tol.rtol, fast))
    differentiable = [t for t in inputs if t.requires_grad]
    case = Case(
        op=spec.name,
        size=size,
        elements=sum(t.numel() for t in differentiable),
        shapes=" ".join("x".join(map(str, t.shape)) or "()" for t in differentiable),
        dtype=dtype,
        mode=mode,
        passed=result.passed,
        max_abs_error=result.max_abs_error,
        max_rel_error=result.max_rel_error,
        ms=ms,
        message=result.message,
    )
    if comparison is not None and dtype == "float64":
        verdict = comparison.check(CaseInputs(spec, mode, inputs, params, grad_outputs, tol))
        case.torch_passed, case.torch_ms = verdict.passed, verdict.ms
        if verdict.note:
            case.message = (case.message or "") + f" [{verdict.note}]"
    return case


# ----------------------------------------------------------------------------- planted bugs
class TanhWrongSign(Function):
    """tanh with a sign error in backward: grad * (y**2 - 1) instead of grad * (1 - y**2)."""

    @staticmethod
    def forward(ctx: Function, x: Tensor) -> Tensor:
        y = x.tanh()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        (y,) = ctx.saved_tensors
        return grad * (y * y - 1)


class AddWithoutBroadcastSum(Function):
    """a + b, with b (n,) broadcast over the rows of a (m, n), whose backward gives b the gradient
    of one row, grad[0], instead of the sum over all rows.

    The wrong gradient already has b's shape, so the engine's own reduction of broadcast
    gradients (``autograd.unbroadcast``) does not step in: only the values are wrong.
    """

    @staticmethod
    def forward(ctx: Function, a: Tensor, b: Tensor) -> Tensor:
        return a + b

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, Tensor]:
        return grad, grad[0]


class MatmulTransposedGradient(Function):
    """A @ B for square matrices, whose backward for A is grad @ B instead of grad @ B.T:
    the shapes agree (the matrices are square), the values do not."""

    @staticmethod
    def forward(ctx: Function, a: Tensor, b: Tensor) -> Tensor:
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad @ b, a.T @ grad


# name -> (what is wrong, the Function, its input shapes per size)
MUTATIONS: dict[str, tuple[str, type[Function], dict[str, tuple[tuple[int, ...], ...]]]] = {
    "wrong sign": (
        "tanh backward: grad * (y**2 - 1) instead of grad * (1 - y**2)",
        TanhWrongSign,
        {"small": ((3, 4),), "medium": ((25, 40),), "large": ((250, 400),)},
    ),
    "missing broadcast reduction": (
        "a + b with b broadcast over rows: b gets grad[0] instead of grad.sum(0)",
        AddWithoutBroadcastSum,
        {"small": ((3, 4), (4,)), "medium": ((24, 40), (40,)), "large": ((249, 400), (400,))},
    ),
    "transposed matmul gradient": (
        "A @ B (square): A gets grad @ B instead of grad @ B.T",
        MatmulTransposedGradient,
        {"small": ((4, 4), (4, 4)), "medium": ((22, 22), (22, 22)), "large": ((224, 224), (224, 224))},
    ),
}


def check_mutations(sizes: Sequence[str], dtypes: Sequence[str]) -> list[Mutation]:
    """Check every planted bug at every size and dtype, in full mode (small and medium) and fast mode."""
    return [
        check_mutation(bug, size, dtype, mode)
        for bug in MUTATIONS
        for size in sizes
        for dtype in dtypes
        for mode in (["full", "fast"] if size in FULL_SIZES else ["fast"])
    ]


def check_mutation(bug: str, size: str, dtype: str, mode: str) -> Mutation:
    """Run the checker on one planted bug; it is caught when the check fails."""
    description, function, shapes = MUTATIONS[bug]
    rng = np.random.default_rng(zlib.crc32(f"{bug}/{size}".encode()))
    inputs = tuple(Tensor(rng.uniform(-2.0, 2.0, shape), dtype=dtype, requires_grad=True) for shape in shapes[size])
    tol = TOLERANCES[dtype]
    result, ms = timed(
        lambda: check_gradients(function.apply, inputs, tol.eps, tol.atol, tol.rtol, mode == "fast"), repeats=1
    )
    return Mutation(
        bug,
        description,
        size,
        dtype,
        mode,
        not result.passed,
        result.max_abs_error,
        result.max_rel_error,
        ms,
        result.message,
    )


# ----------------------------------------------------------------------------- summary
def summarize(cases: list[Case], mutations: list[Mutation]) -> dict[str, Any]:
    """The headline numbers of a run, and whether each target is met."""
    ops = sorted({c.op for c in cases})
    summary: dict[str, Any] = {"ops": len(ops), "cases": len(cases)}
    for dtype in DTYPES:
        failing = sorted({c.op for c in cases if c.dtype == dtype and not c.passed})
        checked = {c.op for c in cases if c.dtype == dtype}
        summary[f"{dtype}_ops_passing"] = len(checked) - len(failing)
        summary[f"{dtype}_ops_failing"] = failing
    summary["mutations_caught"] = {
        mode: f"{sum(m.caught for m in mutations if m.mode == mode)}/{sum(m.mode == mode for m in mutations)}"
        for mode in ("full", "fast")
    }
    summary["mutations_missed"] = [f"{m.bug} ({m.size} {m.dtype} {m.mode})" for m in mutations if not m.caught]

    by_key = {(c.op, c.size, c.dtype, c.mode): c for c in cases}
    speedups = {
        f"{c.op} {c.dtype}": by_key[(c.op, "medium", c.dtype, "full")].ms / c.ms
        for c in cases
        if c.size == "medium" and c.mode == "fast" and (c.op, "medium", c.dtype, "full") in by_key
    }
    if speedups:
        slowest = min(speedups, key=speedups.get)
        summary["fast_vs_full_speedup_medium"] = {
            "median": statistics.median(speedups.values()),
            "min": speedups[slowest],
            "min_case": slowest,
        }
    large = [c for c in cases if c.size == "large" and c.mode == "fast"]
    if large:
        worst = max(large, key=lambda c: c.ms)
        summary["large_fast_max_ms"] = {"ms": worst.ms, "case": f"{worst.op} {worst.dtype}"}
    for mode in MODES:
        ratios = {f"{c.op} {c.size}": c.ratio for c in cases if c.mode == mode and c.ratio is not None}
        if ratios:
            worst_case = max(ratios, key=ratios.get)
            summary[f"torch_ratio_{mode.replace(' ', '_')}"] = {
                "median": statistics.median(ratios.values()),
                "max": ratios[worst_case],
                "max_case": worst_case,
                "slower_than_torch": sum(r > 1 for r in ratios.values()),
                "compared": len(ratios),
            }
    summary["targets"] = _targets(summary)
    return summary


def _targets(summary: dict[str, Any]) -> dict[str, bool | None]:
    """The suite's targets, each True (met), False (missed) or None (not measured in this run)."""
    speedup = summary.get("fast_vs_full_speedup_medium")
    large = summary.get("large_fast_max_ms")
    torch_full = summary.get("torch_ratio_full")
    return {
        "every op passes in float64": not summary["float64_ops_failing"],
        "every planted bug caught in both modes": not summary["mutations_missed"],
        "fast mode >= 10x faster than full on medium cases": None if speedup is None else speedup["min"] >= 10,
        "every large case < 1 s in fast mode": None if large is None else large["ms"] < 1000,
        "full mode no slower than PyTorch's": None if torch_full is None else torch_full["max"] <= 1,
    }


# ----------------------------------------------------------------------------- reports
COLUMNS = (
    "op",
    "size",
    "elements",
    "dtype",
    "mode",
    "pass",
    "max abs err",
    "max rel err",
    "ms",
    "torch ms",
    "ours/torch",
)


def _row(case: Case) -> list[str]:
    torch_ms = "" if case.torch_ms is None else f"{case.torch_ms:.2f}"
    if case.torch_passed is False:
        torch_ms += " (torch FAIL)"
    return [
        case.op,
        case.size,
        f"{case.elements:,}",
        case.dtype,
        case.mode,
        "ok" if case.passed else "FAIL",
        f"{case.max_abs_error:.1e}",
        f"{case.max_rel_error:.1e}",
        f"{case.ms:.2f}",
        torch_ms,
        "" if case.ratio is None else f"{case.ratio:.2f}",
    ]


def text_table(cases: list[Case]) -> str:
    """The cases as an aligned text table, sorted by op, then size, dtype and mode."""
    rows = [list(COLUMNS)] + [_row(c) for c in sorted(cases, key=Case.key)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(
            cell.ljust(w) if i < 6 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def markdown_table(cases: list[Case]) -> str:
    """The cases as a Markdown table, sorted as ``text_table``."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    lines += ["| " + " | ".join(_row(c)) + " |" for c in sorted(cases, key=Case.key)]
    return "\n".join(lines)


def op_table(cases: list[Case]) -> str:
    """One Markdown row per op: cases passed per dtype, and the float64 times that the targets are about."""
    by_key = {(c.op, c.size, c.dtype, c.mode): c for c in cases}
    lines = [
        "| op | float64 passed | float32 passed | full, medium (ms) | PyTorch full (ms) | ours/PyTorch "
        "| fast, medium (ms) | fast vs full | fast, large (ms) |",
        "|" + " --- |" * 9,
    ]
    for op in sorted({c.op for c in cases}, key=str.lower):
        passed = []
        for dtype in DTYPES:
            mine = [c for c in cases if c.op == op and c.dtype == dtype]
            passed.append(f"{sum(c.passed for c in mine)}/{len(mine)}")
        full, fast = by_key.get((op, "medium", "float64", "full")), by_key.get((op, "medium", "float64", "fast"))
        large = by_key.get((op, "large", "float64", "fast"))
        cells = [
            op,
            *passed,
            "" if full is None else f"{full.ms:.1f}",
            "" if full is None or full.torch_ms is None else f"{full.torch_ms:.1f}",
            "" if full is None or full.ratio is None else f"{full.ratio:.2f}",
            "" if fast is None else f"{fast.ms:.2f}",
            "" if full is None or fast is None else f"{full.ms / fast.ms:.0f}x",
            "" if large is None else f"{large.ms:.2f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def mutation_table(mutations: list[Mutation]) -> str:
    lines = ["| planted bug | size | dtype | mode | caught | max abs err | ms |", "|" + " --- |" * 7]
    for m in mutations:
        caught = "yes" if m.caught else "**MISSED**"
        lines.append(f"| {m.bug} | {m.size} | {m.dtype} | {m.mode} | {caught} | {m.max_abs_error:.1e} | {m.ms:.1f} |")
    return "\n".join(lines)


def summary_lines(summary: dict[str, Any], wall_s: float) -> list[str]:
    """The summary in words, one finding per line."""
    lines = [
        f"ops passing in float64: {summary['float64_ops_passing']}/{summary['ops']}"
        + (f" (failing: {', '.join(summary['float64_ops_failing'])})" if summary["float64_ops_failing"] else ""),
        f"ops passing in float32: {summary['float32_ops_passing']}/{summary['ops']}"
        + (f" (failing: {', '.join(summary['float32_ops_failing'])})" if summary["float32_ops_failing"] else ""),
        "planted bugs caught: "
        + ", ".join(f"{mode} mode {count}" for mode, count in summary["mutations_caught"].items())
        + (f" (missed: {'; '.join(summary['mutations_missed'])})" if summary["mutations_missed"] else ""),
    ]
    if "fast_vs_full_speedup_medium" in summary:
        s = summary["fast_vs_full_speedup_medium"]
        lines.append(
            f"fast vs full mode on medium cases: median {s['median']:.0f}x faster, "
            f"min {s['min']:.0f}x ({s['min_case']})"
        )
    if "large_fast_max_ms" in summary:
        s = summary["large_fast_max_ms"]
        lines.append(f"slowest large case in fast mode: {s['ms']:.1f} ms ({s['case']})")
    for mode in MODES:
        s = summary.get(f"torch_ratio_{mode.replace(' ', '_')}")
        if s:
            lines.append(
                f"ours/PyTorch time, {mode}: median {s['median']:.2f}, max {s['max']:.2f} ({s['max_case']}); "
                f"slower than PyTorch in {s['slower_than_torch']} of {s['compared']} cases"
            )
    lines.append(f"wall time: {wall_s:.1f} s")
    for target, met in summary["targets"].items():
        lines.append(f"target {'met' if met else 'not measured' if met is None else 'NOT MET'}: {target}")
    return lines


def machine_info() -> dict[str, Any]:
    """What the timings depend on: the CPU, its cores, and the versions and threads of each library."""
    info = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "platform": platform.platform(),
    }
    try:  # read from the installed package's metadata: PyTorch is compared by the caller, never imported here
        info["torch"] = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        info["torch"] = None
    return info


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (pip install threadpoolctl to show it)"
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return ", ".join(f"{p['internal_api']} {p.get('architecture')} x{p['num_threads']}" for p in pools) or "none"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_reports(
    out: Path, cases: list[Case], mutations: list[Mutation], summary: dict, machine: dict, command: str, wall_s: float
) -> None:
    """gradcheck.json (everything) and gradcheck.md (summary and tables), each written atomically."""
    payload = {
        "command": command,
        "machine": machine,
        "wall_s": wall_s,
        "tolerances": {dtype: asdict(t) for dtype, t in TOLERANCES.items()},
        "summary": summary,
        "cases": [asdict(c) | {"ratio": c.ratio} for c in sorted(cases, key=Case.key)],
        "mutations": [asdict(m) for m in mutations],
    }
    write_bytes_atomically(out / "gradcheck.json", json.dumps(_finite(payload), indent=2).encode())
    tolerances = ", ".join(f"{d}: eps={t.eps:g}, atol={t.atol:g}, rtol={t.rtol:g}" for d, t in TOLERANCES.items())
    text = "\n\n".join(
        [
            "# Gradient-check suite",
            f"Command: `{command}`",
            f"Machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}, "
            f"NumPy {machine['numpy']} (BLAS: {machine['blas']}), PyTorch {machine['torch'] or 'not installed'}"
            + ("" if machine["compared_with_torch"] else " (not compared)"),
            f"Tolerances: {tolerances}. {FULL_MODE_NOTE}",
            "\n".join(f"- {line}" for line in summary_lines(summary, wall_s)),
            "## Planted bugs",
            mutation_table(mutations),
            "## Per op (float64 times)",
            op_table(cases),
            "## Every case",
            markdown_table(cases),
        ]
    )
    write_bytes_atomically(out / "gradcheck.md", (text + "\n").encode())


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


# ----------------------------------------------------------------------------- command line
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The suite's options (shared by the benchmark script and ``tinygrad-edu gradcheck``)."""
    parser.add_argument("--quick", action="store_true", help="small size only (a few seconds)")
    parser.add_argument("--output-dir", default="benchmarks/results/", help="where gradcheck.json and .md go")
    parser.add_argument("--ops", nargs="+", metavar="OP", help="check only these ops (names from the op table)")
    parser.add_argument(
        "--no-torch",
        action="store_true",
        help="do not compare with torch.autograd.gradcheck (only benchmarks/gradcheck_suite.py compares)",
    )


def selected_specs(args: argparse.Namespace) -> list[OpSpec]:
    """The rows ``--ops`` names (every row without it); ``main`` has refused unknown names."""
    return [s for s in OP_SPECS if not args.ops or s.name in args.ops]


def _unknown_ops(args: argparse.Namespace) -> str | None:
    unknown = sorted(set(args.ops or ()) - set(SPECS_BY_NAME))
    return f"unknown op(s) {', '.join(unknown)}; known: {', '.join(SPECS_BY_NAME)}" if unknown else None


def run(
    args: argparse.Namespace,
    command: str = "python benchmarks/gradcheck_suite.py",
    comparison: Comparison | None = None,
) -> int:
    """Run the suite as ``args`` asks, with ``comparison`` beside ours if given; print the table and
    summary, write the reports; return 1 if a float64 case fails or a planted bug is missed, else 0."""
    specs = selected_specs(args)
    sizes = ("small",) if args.quick else SIZES
    gc.collect()
    gc.freeze()  # the objects alive now (PyTorch has many) need not be traversed by each collection
    try:
        started = time.perf_counter()
        cases = [case for spec in specs for case in check_op(spec, sizes, DTYPES, comparison)]
        mutations = check_mutations(sizes, DTYPES)
        wall_s = time.perf_counter() - started
    finally:
        gc.unfreeze()
    summary = summarize(cases, mutations)
    compared = {} if comparison is None else comparison.machine
    machine = machine_info() | compared | {"compared_with_torch": comparison is not None}
    print(FULL_MODE_NOTE)
    print(text_table(cases))
    print()
    print(mutation_table(mutations))
    print()
    print("\n".join(summary_lines(summary, wall_s)))
    write_reports(Path(args.output_dir), cases, mutations, summary, machine, command, wall_s)
    print(f"wrote {Path(args.output_dir) / 'gradcheck.json'} and gradcheck.md")
    return 1 if summary["float64_ops_failing"] or summary["mutations_missed"] else 0


def main(
    argv: Sequence[str] | None = None,
    compare_with: Callable[[argparse.Namespace], Comparison | None] | None = None,
    prog: str | None = None,
) -> int:
    """The suite as a script: parse ``argv`` (default ``sys.argv[1:]``), run, return the exit status.

    ``compare_with`` receives the parsed options and returns the ``Comparison`` to run beside ours,
    or None for ours alone (``benchmarks/gradcheck_suite.py`` passes its PyTorch comparison here).
    ``prog`` names the command in usage and error lines (default: the script's name).
    """
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = " ".join(["python benchmarks/gradcheck_suite.py", *arguments])
    args = parser.parse_args(arguments)
    problem = unwritable_folder(args.output_dir)  # refused now, not after the whole suite has run
    if problem:
        parser.error(f"argument --output-dir: {problem}")
    unknown = _unknown_ops(args)  # refused before a comparison spends time setting itself up
    if unknown:
        parser.error(f"argument --ops: {unknown}")
    return run(args, command, None if compare_with is None else compare_with(args))
