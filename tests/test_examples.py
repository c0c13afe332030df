"""Examples that teach the basics, run as a learner runs them: as scripts, reading what they print."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_example(name: str, *args: str) -> str:
    """Run ``examples/<name>`` with this Python and the checkout on the path; its standard output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_xor_mlp_learns_the_truth_table():
    out = run_example("xor_mlp.py")

    assert "x1 x2 | target |      p | predicted" in out
    rows = re.findall(r"^\s+(\d)\s+(\d) \|\s+(\d) \| (\d\.\d+) \|\s+(\d) \|", out, flags=re.MULTILINE)
    assert [(x1, x2, target) for x1, x2, target, _, _ in rows] == [
        ("0", "0", "0"),
        ("0", "1", "1"),
        ("1", "0", "1"),
        ("1", "1", "0"),
    ]
    for _, _, target, probability, predicted in rows:
        assert predicted == target
        assert abs(float(probability) - int(target)) < 0.1
    losses = [float(loss) for loss in re.findall(r"^epoch\s+\d+  loss (\d+\.\d+)$", out, flags=re.MULTILINE)]
    assert len(losses) > 2 and losses[-1] < losses[0] / 100  # the loss falls as it trains


def test_autograd_basics_descends_to_the_line_by_hand():
    out = run_example("autograd_basics.py")

    losses = [float(loss) for loss in re.findall(r"^6\. step\s+\d+  loss (\d+\.\d+)$", out, flags=re.MULTILINE)]
    assert len(losses) > 2 and losses == sorted(losses, reverse=True) and losses[-1] < 1e-3
    learned = re.search(r"learned y = (-?\d\.\d+)\*x1 ([-+]\d\.\d+)\*x2 ([-+]\d\.\d+)", out)
    assert learned is not None, out
    w1, w2, b = map(float, learned.groups())
    assert abs(w1 - 2) < 0.01 and abs(w2 + 1) < 0.01 and abs(b - 1) < 0.01


def test_examples_refuse_bad_numbers_before_running():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name, flag, value in [("xor_mlp.py", "--epochs", "0"), ("perceptron.py", "--lr", "nan")]:
        completed = subprocess.run(
            [sys.executable, str(ROOT / "examples" / name), flag, value], capture_output=True, text=True, env=env
        )
        assert completed.returncode == 2 and not completed.stdout
        assert completed.stderr.splitlines()[-1].startswith(f"{name}: error: argument {flag}: must be a positive")
