"""Machine instructions per training step of an MLP, counted by valgrind (callgrind).

Wall-clock times move between runs on a shared machine; instruction counts do not (the same
program, inputs and environment give the same count). So this counts what one step of a
``train_mlp.py`` workload (tiny by default) executes, for the hand-written NumPy step and tinygrad_edu (and
tinygrad_edu at git revisions, with ``--baseline``): each runs once with a few steps and once
with many more, under ``valgrind --tool=callgrind``, and the difference divided by the extra
steps is the count per step (startup and imports cancel out). Needs valgrind
(``apt-get install valgrind``); takes about half a minute per implementation.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/instructions.py [--workload classic] \
        [--baseline REV ...]
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
STEPS = {"tiny": (50, 250), "classic": (5, 25)}  # a few steps, and many more


def run_steps(which: str, workload_name: str, steps: int) -> None:
    """Warm up on 8 batches, then run ``steps`` steps of the workload (inside valgrind)."""
    sys.path.insert(0, str(HERE))
    import train_mlp

    workload = train_mlp.WORKLOADS[workload_name]
    if which == "numpy":
        step = train_mlp.numpy_step_factory(workload)
    elif which == "tinygrad_edu":
        step = train_mlp.tinygrad_step_factory(workload)
    else:
        step = train_mlp.baseline_step_factory(train_mlp.import_at_revision(which))(workload)
    data = train_mlp.batches(workload, 8)
    for x, y in data:
        step(x, y)
    for i in range(steps):
        step(*data[i % len(data)])


def instructions(which: str, workload: str, steps: int) -> int:
    """Instructions of a whole run of ``run_steps(which, workload, steps)``, as callgrind counts them."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out",
            sys.executable, __file__, "--run", which, workload, str(steps),
        ]  # fmt: skip
        environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}  # one thread: the count is repeatable
        result = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", nargs="*", default=[], metavar="REV", help="also count tinygrad_edu at REV")
    parser.add_argument("--workload", default="tiny", choices=sorted(STEPS))
    parser.add_argument("--run", nargs=3, metavar=("WHICH", "WORKLOAD", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_steps(args.run[0], args.run[1], int(args.run[2]))
        return
    few, many = STEPS[args.workload]
    floor = None
    for which in ["numpy", "tinygrad_edu", *args.baseline]:
        per_step = (instructions(which, args.workload, many) - instructions(which, args.workload, few)) / (many - few)
        floor = floor or per_step
        ratio = per_step / floor
        print(f"{which:<24}{per_step:14,.0f} instructions per {args.workload} step ({ratio:.3f}x)", flush=True)


if __name__ == "__main__":
    main()
