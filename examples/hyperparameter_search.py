"""Random search over hyperparameters: hidden sizes, learning rate and batch size.

Hyperparameters are the choices training does not learn: how big the network is, how large the
steps are, how many samples each step averages over. Random search (Bergstra & Bengio, 2012)
draws each trial's configuration at random and keeps the best. It beats a grid with the same
budget, because a grid tries only a few distinct values of the one hyperparameter that matters
most (usually the learning rate) while random trials each try a new one.

- hidden sizes: one of a few MLP shapes;
- learning rate: LOG-uniform between --lr-min and --lr-max, so 1e-4..1e-3 gets as many trials as
  1e-2..1e-1 (a uniform draw would put 90% of them above 1e-2);
- batch size: one of 32, 64, 128, 256.

Each trial trains briefly with Adam (tg.train.fit) and is scored on a VALIDATION split. The test
set is used once, at the very end, for the winner only: choosing among trials by test accuracy
would make the test accuracy an optimistic, no longer honest estimate.

The search draws configurations from its own NumPy generator (seeded with --seed), and each trial
seeds tg with seed + trial number, so any single trial can be reproduced on its own.

Run: python examples/hyperparameter_search.py [--trials 16] [--epochs 3] [--seed 0]
     python examples/hyperparameter_search.py --quick                (4 trials of 1 epoch on 3,000 images)
     python examples/hyperparameter_search.py --dataset spirals      (also: two-moons)
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.cli import non_negative_int, positive_float, positive_int
from tinygrad_edu.data import DataLoader, TensorDataset, train_val_split
from tinygrad_edu.recipes import build_mlp, load_classification

HIDDEN_CHOICES = ((32,), (128,), (512,), (128, 64), (256, 128), (512, 256), (256, 128, 64))
BATCH_CHOICES = (32, 64, 128, 256)


@dataclass
class Trial:
    number: int
    hidden: tuple[int, ...]
    lr: float
    batch_size: int
    val_accuracy: float = math.nan
    val_loss: float = math.nan
    seconds: float = math.nan


def ranking_key(trial: Trial) -> tuple[float, float]:
    """Higher validation accuracy first; among equal accuracies, lower validation loss."""
    return (-trial.val_accuracy, trial.val_loss)


def sample_config(rng: np.random.Generator, number: int, lr_min: float, lr_max: float) -> Trial:
    """One random configuration; the learning rate is uniform in log space."""
    hidden = HIDDEN_CHOICES[rng.integers(len(HIDDEN_CHOICES))]
    lr = float(10 ** rng.uniform(math.log10(lr_min), math.log10(lr_max)))
    batch_size = int(rng.choice(BATCH_CHOICES))
    return Trial(number, hidden, lr, batch_size)


def run_trial(
    trial: Trial, data: tuple[np.ndarray, ...], classes: int, epochs: int, seed: int
) -> dict[str, np.ndarray]:
    """Train one configuration, fill in its validation scores, and return its weights."""
    x_train, y_train, x_val, y_val = data
    tg.manual_seed(seed + trial.number)  # each trial reproducible on its own
    features = int(np.prod(x_train.shape[1:]))
    model = build_mlp(features, trial.hidden, classes, activation="relu")
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=trial.batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(x_val, y_val), batch_size=1000)
    optimizer = optim.Adam(model.parameters(), lr=trial.lr)
    start = time.perf_counter()
    history = tg.train.fit(
        model, train_loader, nn.CrossEntropyLoss(), optimizer, epochs, val_loader=val_loader, verbose=False
    )
    trial.seconds = time.perf_counter() - start
    trial.val_accuracy = history.history["val_accuracy"][-1]
    trial.val_loss = history.history["val_loss"][-1]
    return {name: np.array(value.numpy()) for name, value in model.state_dict().items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["fashion-mnist", "two-moons", "spirals"], default="fashion-mnist")
    parser.add_argument("--trials", type=positive_int, default=16)
    parser.add_argument(
        "--epochs", type=positive_int, default=None, help="epochs per trial (default 3; 40 on the toy sets)"
    )
    parser.add_argument(
        "--train-size", type=positive_int, default=20_000, help="Fashion-MNIST images used (train + val)"
    )
    parser.add_argument("--lr-min", type=positive_float, default=1e-4)
    parser.add_argument("--lr-max", type=positive_float, default=1e-1)
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--quick", action="store_true", help="4 short trials (1 epoch on 3,000 images)")
    args = parser.parse_args()
    if args.lr_min > args.lr_max:
        parser.error(f"--lr-min {args.lr_min} is above --lr-max {args.lr_max}")
    toy = args.dataset != "fashion-mnist"
    if args.quick:
        args.trials, args.train_size = 4, 3_000
        args.epochs = args.epochs or (10 if toy else 1)
    args.epochs = args.epochs or (40 if toy else 3)  # the toy sets have only 960 training points
    tg.manual_seed(args.seed)
    start = time.perf_counter()

    dataset = load_classification(args.dataset)  # images normalised to [-1, 1]; toy sets split 80/20
    x, y = dataset.x_train, dataset.y_train
    if not toy:
        x, y = x[: args.train_size], y[: args.train_size]
    (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_fraction=0.2)
    data = (x_train, y_train, x_val, y_val)
    print(
        f"{args.dataset}: {len(x_train):,} training, {len(x_val):,} validation, {len(dataset.x_test):,} test samples; "
        f"{args.trials} trials of {args.epochs} epoch(s)"
    )

    rng = np.random.default_rng(args.seed)  # the search's own random numbers
    trials: list[Trial] = []
    best_weights: dict[str, np.ndarray] = {}
    for number in range(1, args.trials + 1):
        trial = sample_config(rng, number, args.lr_min, args.lr_max)
        weights = run_trial(trial, data, dataset.classes, args.epochs, args.seed)
        if not trials or ranking_key(trial) < min(ranking_key(t) for t in trials):
            best_weights = weights  # keep only the best model so far
        trials.append(trial)
        print(
            f"trial {number:>2}: hidden={trial.hidden!s:<16} lr={trial.lr:.2e} batch={trial.batch_size:<3} "
            f"-> val accuracy {100 * trial.val_accuracy:.2f}% ({trial.seconds:.1f}s)"
        )

    ranked = sorted(trials, key=ranking_key)
    print("\nrank | trial | hidden           | lr       | batch | val acc | val loss | seconds")
    for rank, t in enumerate(ranked, start=1):
        print(
            f"{rank:>4} | {t.number:>5} | {t.hidden!s:<16} | {t.lr:.2e} | {t.batch_size:>5} | "
            f"{100 * t.val_accuracy:>6.2f}% | {t.val_loss:>8.4f} | {t.seconds:>7.1f}"
        )

    best = ranked[0]
    model = build_mlp(dataset.features, best.hidden, dataset.classes, activation="relu")
    model.load_state_dict(best_weights)
    test_loader = DataLoader(TensorDataset(dataset.x_test, dataset.y_test), batch_size=1000)
    test = tg.train.evaluate(model, test_loader, nn.CrossEntropyLoss())
    print(f"\nbest configuration: hidden={best.hidden}, lr={best.lr:.2e}, batch={best.batch_size}")
    print(f"its validation accuracy {100 * best.val_accuracy:.2f}%, test accuracy {100 * test['accuracy']:.2f}%")
    print(f"Total wall time: {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
