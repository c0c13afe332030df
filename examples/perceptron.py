"""Rosenblatt's perceptron: one threshold logic unit learns AND and OR, and cannot learn XOR.

A threshold logic unit (TLU) computes a weighted sum of its inputs plus a bias and passes it
through the Heaviside step function:

    z = w1*x1 + w2*x2 + b,        y = step(z) = 1 if z >= 0 else 0

Its decision boundary, z = 0, is a straight line in the (x1, x2) plane: the unit answers 1 on one
side of the line and 0 on the other.

The perceptron learning rule (Rosenblatt, 1958) trains it one sample at a time:

    w <- w + lr * (target - prediction) * x,      b <- b + lr * (target - prediction)

A correct prediction changes nothing; a wrong one moves the line towards the misclassified point.
No autograd is needed, and none could help: the step function is flat everywhere except at 0,
so its derivative is 0 wherever it exists, and gradient descent through it would never move the
weights. The perceptron rule sidesteps that by using the error (target - prediction) directly.

The perceptron convergence theorem says the rule finds a separating line after finitely many
mistakes whenever one exists. For AND and OR one does; for XOR none does, so the rule keeps
going round in circles until it gives up after --max-epochs.

Run: python examples/perceptron.py [--lr 0.1] [--max-epochs 100] [--seed 0]
"""

from __future__ import annotations

import argparse

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.cli import non_negative_int, positive_float, positive_int

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
GATES = {
    "AND": np.array([0, 0, 0, 1], dtype=np.float32),
    "OR": np.array([0, 1, 1, 1], dtype=np.float32),
    "XOR": np.array([0, 1, 1, 0], dtype=np.float32),
}


def step(z: np.ndarray) -> np.ndarray:
    """Heaviside step: 1 where z >= 0, else 0."""
    return (z >= 0).astype(np.float32)


def predict(w: np.ndarray, b: float, x: np.ndarray) -> np.ndarray:
    """The TLU's output for every row of x."""
    return step(x @ w + b)


def train_perceptron(
    x: np.ndarray, targets: np.ndarray, lr: float, max_epochs: int
) -> tuple[np.ndarray, float, int | None, list[int]]:
    """Run the perceptron rule; return (w, b, epoch of convergence or None, mistakes per epoch)."""
    # Small random starting weights (tg.randn follows tg.manual_seed), then plain NumPy from here on.
    w = tg.randn(2).numpy() * 0.1
    b = 0.0
    mistakes_per_epoch = []
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for xi, target in zip(x, targets, strict=True):
            prediction = float(step(xi @ w + b))
            error = target - prediction  # 0 when right, +1 or -1 when wrong
            if error != 0:
                w = w + lr * error * xi  # move the line towards the misclassified point
                b = b + lr * error
                mistakes += 1
        mistakes_per_epoch.append(mistakes)
        if mistakes == 0:  # a whole epoch without a mistake: every point is on its correct side
            return w, b, epoch, mistakes_per_epoch
    return w, b, None, mistakes_per_epoch


def decision_line(w: np.ndarray, b: float) -> str:
    """The boundary w1*x1 + w2*x2 + b = 0, solved for x2 where possible."""
    if abs(w[1]) > 1e-12:
        return f"x2 = {-w[0] / w[1]:+.3f} * x1 {-b / w[1]:+.3f}"
    if abs(w[0]) > 1e-12:
        return f"x1 = {-b / w[0]:+.3f}"
    return "no line (both weights are zero)"


def print_truth_table(w: np.ndarray, b: float, targets: np.ndarray) -> None:
    print("    x1 x2 | z = w.x + b | output | target")
    for xi, target in zip(INPUTS, targets, strict=True):
        z = float(xi @ w + b)
        output = int(step(np.float32(z)))
        mark = "" if output == target else "   <- wrong"
        print(f"    {int(xi[0]):>2} {int(xi[1]):>2} | {z:>+11.3f} | {output:>6} | {int(target):>6}{mark}")


def explain_xor() -> None:
    """Why no single line separates XOR: the four inequalities contradict each other."""
    print(
        "Why XOR cannot be learned by one threshold unit (output 1 exactly when w1*x1 + w2*x2 + b >= 0):\n"
        "  (0,0) -> 0 needs   b < 0                 (1)\n"
        "  (0,1) -> 1 needs   w2 + b >= 0           (2)\n"
        "  (1,0) -> 1 needs   w1 + b >= 0           (3)\n"
        "  (1,1) -> 0 needs   w1 + w2 + b < 0       (4)\n"
        "  Adding (2) and (3): w1 + w2 + 2b >= 0, so w1 + w2 + b >= -b, and -b > 0 by (1).\n"
        "  So w1 + w2 + b > 0, which contradicts (4). No weights satisfy all four: XOR is not\n"
        "  linearly separable, and the perceptron rule can only cycle, never converge.\n"
        "  The fix is a hidden layer (see examples/xor_mlp.py): two lines, combined by a second unit."
    )


def best_random_line(targets: np.ndarray, trials: int) -> int:
    """Most points any of ``trials`` random lines classifies correctly (an empirical check)."""
    weights = tg.randn(trials, 2).numpy()
    biases = tg.randn(trials).numpy()
    outputs = step(INPUTS @ weights.T + biases)  # (4 points, trials lines)
    correct = (outputs == targets[:, None]).sum(axis=0)
    return int(correct.max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=positive_float, default=0.1, help="learning rate of the perceptron rule")
    parser.add_argument("--max-epochs", type=positive_int, default=100, help="give up after this many epochs")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    args = parser.parse_args()
    tg.manual_seed(args.seed)

    for gate, targets in GATES.items():
        print(f"=== {gate} ===")
        w, b, converged_at, mistakes = train_perceptron(INPUTS, targets, args.lr, args.max_epochs)
        if converged_at is not None:
            print(f"converged after {converged_at} epoch(s) (mistakes per epoch: {mistakes})")
        else:
            print(f"did NOT converge in {args.max_epochs} epochs; mistakes in the last 10 epochs: {mistakes[-10:]}")
        print(f"weights w = [{w[0]:+.3f}, {w[1]:+.3f}], bias b = {b:+.3f}; decision line: {decision_line(w, b)}")
        print_truth_table(w, b, targets)
        wrong = int((predict(w, b, INPUTS) != targets).sum())
        print(f"misclassified points: {wrong} of 4\n")

    explain_xor()
    trials = 100_000
    print(
        f"\nEmpirical check: of {trials:,} random lines, the best classifies "
        f"{best_random_line(GATES['XOR'], trials)} of the 4 XOR points correctly "
        f"(AND: {best_random_line(GATES['AND'], trials)} of 4, OR: {best_random_line(GATES['OR'], trials)} of 4)."
    )


if __name__ == "__main__":
    main()
