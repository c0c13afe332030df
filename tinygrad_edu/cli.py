"""The ``tinygrad-edu`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tinygrad-edu", description="A readable autograd engine for learning.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="train an MLP on XOR and check the gradient of every op")
    demo.add_argument("--hidden", type=int, default=4, help="hidden units (default 4)")
    demo.add_argument("--steps", type=int, default=2000, help="gradient descent steps (default 2000)")
    demo.add_argument("--lr", type=float, default=0.5, help="learning rate (default 0.5)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from .demo import gradcheck_table, train_xor

        train_xor(hidden=args.hidden, steps=args.steps, lr=args.lr, seed=args.seed)
        return 0 if gradcheck_table(seed=args.seed) else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
