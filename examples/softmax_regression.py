"""Softmax regression on Fashion-MNIST: the simplest neural network, trained with tg.train.fit.

The model is Flatten + Linear(784, 10): each class gets a score that is a weighted sum of the
784 pixels plus a bias, and softmax turns the 10 scores into probabilities. There is no hidden
layer, so it is a linear classifier (multinomial logistic regression) with 784*10 + 10 = 7,850
parameters, which nn.summary shows as Keras does.

The setup follows the Keras tutorials: pixels scaled to [0, 1], Adam with lr 1e-3, batches of
32 (Keras' default), 10 epochs, and the last 10% of the training images held out for validation
(what Keras' validation_split=0.1 does). The loss is CrossEntropyLoss on the raw scores, which
applies the softmax itself. The Keras tutorial reports about 83.4% test accuracy for this model.

Here the point is the model, not the loop, so tg.train.fit runs the loop (see
examples/fashion_mnist_dnn.py for the loop written out).

Run: python examples/softmax_regression.py [--epochs 10] [--seed 0]
     python examples/softmax_regression.py --quick    (2 epochs)
"""

from __future__ import annotations

import argparse
import time

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.cli import non_negative_int, positive_float, positive_int
from tinygrad_edu.data import DataLoader, TensorDataset, train_val_split
from tinygrad_edu.recipes import normalize_images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=positive_int, default=10)
    parser.add_argument("--batch-size", type=positive_int, default=32)
    parser.add_argument("--lr", type=positive_float, default=1e-3)
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--quick", action="store_true", help="2 epochs")
    args = parser.parse_args()
    if args.quick:
        args.epochs = 2
    tg.manual_seed(args.seed)
    start = time.perf_counter()

    (x_train, y_train), (x_test, y_test) = tg.datasets.fashion_mnist()
    x_train, x_test = normalize_images(x_train, mean=0.0, std=1.0), normalize_images(x_test, mean=0.0, std=1.0)
    # shuffle=False holds out the LAST 10%, exactly like Keras' validation_split=0.1.
    (x_train, y_train), (x_val, y_val) = train_val_split(x_train, y_train, val_fraction=0.1, shuffle=False)
    print(f"train {len(x_train):,}, validation {len(x_val):,}, test {len(x_test):,} images")

    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    print(nn.summary(model, (28, 28)))

    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(x_val, y_val), batch_size=1000)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=1000)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)

    history = tg.train.fit(model, train_loader, loss_fn, optimizer, args.epochs, val_loader=val_loader)
    test_results = tg.train.evaluate(model, test_loader, loss_fn)

    best = max(history.history["val_accuracy"])
    print(f"best validation accuracy: {100 * best:.2f}%")
    print(f"Test loss {test_results['loss']:.4f}, test accuracy {100 * test_results['accuracy']:.2f}% (Keras: ~83.4%)")
    print(f"Total wall time: {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
