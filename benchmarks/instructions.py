"""Machine instructions per training step of the tiny MLP, counted by valgrind (callgrind).

Wall-clock times move between runs on a shared machine; instruction counts do not (the same
program, inputs and environment give the same count). So this counts what one step of
``train_mlp.py``'s tiny workload executes, for the hand-written NumPy step and tinygrad_edu (and
tinygrad_edu at git revisions, with ``--baseline``): each runs once with a few steps and once
with many more, under ``valgrind --tool=callgrind``, and the difference divided by the extra
steps is the count per step (startup and imports cancel out). Needs valgrind
(``apt-get install valgrind``); takes about half a minute per implementation.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/instructions.py [--baseline REV ...]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FEW, MANY = 50, 250


def run_steps(which: str, steps: int) -> None:
    """Warm up on 50 batches, then run ``steps`` steps of the tiny workload (inside valgrind)."""
    sys.path.insert(0, str(HERE))
    import train_mlp

    workload = train_mlp.WORKLOADS["tiny"]
    if which == "numpy":
        step = train_mlp.numpy_step_factory(workload)
    elif which == "tinygrad_edu":
        step = train_mlp.tinygrad_step_factory(workload)
    else:
        step = train_mlp.baseline_step_factory(train_mlp.import_at_revision(which))(workload)
    data = train_mlp.batches(workload, 50)
    for x, y in data:
        step(x, y)
    for i in range(steps):
        step(*data[i % len(data)])


def instructions(which: str, steps: int) -> int:
    """Instructions of a whole run of ``run_steps(which, steps)``, as callgrind counts them."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out",
            sys.executable, __file__, "--run", which, str(steps),
        ]  # fmt: skip
        environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}  # one thread: the count is repeatable
        result = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", nargs="*", default=[], metavar="REV", help="also count tinygrad_edu at REV")
    parser.add_argument("--run", nargs=2, metavar=("WHICH", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_steps(args.run[0], int(args.run[1]))
        return
    floor = None
    for which in ["numpy", "tinygrad_edu", *args.baseline]:
        per_step = (instructions(which, MANY) - instructions(which, FEW)) / (MANY - FEW)
        floor = floor or per_step
        print(f"{which:<24}{per_step:12,.0f} instructions per tiny step ({per_step / floor:.2f}x)", flush=True)


if __name__ == "__main__":
    main()
