"""The classic Fashion-MNIST DNN, trained with the training loop written out in full.

The recipe (as in the PyTorch tutorials that report 87.81% test accuracy after 20 epochs):

- images scaled to [0, 1], then normalised with mean 0.5 and std 0.5 (so pixels lie in [-1, 1]);
- a 784-1024-128-64-10 MLP with ReLU between the layers;
- CrossEntropyLoss on the raw logits (softmax and log-likelihood in one stable op);
- plain SGD, lr 0.01, no momentum; batches of 64, reshuffled every epoch, the last partial
  batch dropped (drop_last=True); 20 epochs.

Every mini-batch is one turn of the loop that all of deep learning runs on:

    optimizer.zero_grad()            # forget the previous batch's gradients
    logits = model(images)           # forward pass
    loss = loss_fn(logits, labels)   # how wrong are we?
    loss.backward()                  # backpropagation: d loss / d every weight
    optimizer.step()                 # move every weight a little downhill

The script prints classic batch lines every --log-interval batches, the train accuracy (counted
on the fly during each epoch, while the weights still change) and the test accuracy after each
epoch. It saves the curves (curves.png), the per-epoch history (history.json) and the trained
weights (model.safetensors, read back with tg.load) into --out.

With --device cuda the images, labels and model live on the GPU (CuPy): the same loop, unchanged.
There, the loop's `loss.item()` after every batch makes the CPU wait for the GPU each time, as
it does in PyTorch; the library's `tg.train.fit` keeps its running sums on the GPU instead.

Run: python examples/fashion_mnist_dnn.py                  (20 epochs, 1 to 4 minutes on a CPU)
     python examples/fashion_mnist_dnn.py --quick          (2 epochs on 10,000 training images)
     python examples/fashion_mnist_dnn.py --device cuda    (on an NVIDIA GPU)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.cli import non_negative_int, positive_float, positive_int
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.recipes import normalize_images


def build_model() -> nn.Sequential:
    return nn.Sequential(
        nn.Flatten(),  # (N, 28, 28) -> (N, 784)
        nn.Linear(784, 1024),
        nn.ReLU(),
        nn.Linear(1024, 128),
        nn.ReLU(),
        nn.Linear(128, 64),
        nn.ReLU(),
        nn.Linear(64, 10),  # logits: one score per class, no softmax (the loss applies it)
    )


def train_one_epoch(
    model: nn.Module,
    loader: DataLoader,
    loss_fn: nn.Module,
    optimizer: optim.Optimizer,
    epoch: int,
    log_interval: int,
) -> tuple[float, float]:
    """One pass over the training set; returns (mean loss, accuracy) over its batches."""
    model.train()
    total_samples = len(loader.dataset)
    loss_sum, correct, seen = 0.0, 0, 0
    for batch_index, (images, labels) in enumerate(loader, start=1):
        optimizer.zero_grad()
        logits = model(images)
        loss = loss_fn(logits, labels)
        loss.backward()
        optimizer.step()

        batch_size = len(labels)
        seen += batch_size
        loss_sum += loss.item() * batch_size
        correct += int((logits.argmax(axis=1).numpy() == labels.numpy()).sum())
        if batch_index % log_interval == 0:
            print(
                f"Train Epoch: {epoch} [{seen}/{total_samples} ({100.0 * seen / total_samples:.0f}%)]"
                f"\tLoss: {loss.item():.6f}"
            )
    return loss_sum / seen, correct / seen


def test(model: nn.Module, loader: DataLoader, loss_fn: nn.Module) -> tuple[float, float]:
    """Mean loss and accuracy on a held-out set, in eval mode and without recording a graph."""
    model.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    with tg.no_grad():
        for images, labels in loader:
            logits = model(images)
            loss_sum += loss_fn(logits, labels).item() * len(labels)
            correct += int((logits.argmax(axis=1).numpy() == labels.numpy()).sum())
            seen += len(labels)
    return loss_sum / seen, correct / seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=positive_int, default=20)
    parser.add_argument("--batch-size", type=positive_int, default=64)
    parser.add_argument("--lr", type=positive_float, default=0.01)
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--log-interval", type=positive_int, default=40, help="print a batch line every N batches")
    parser.add_argument("--train-samples", type=positive_int, default=None, help="use only the first N training images")
    parser.add_argument("--quick", action="store_true", help="2 epochs on 10,000 training images")
    parser.add_argument("--out", type=Path, default=Path("runs/fashion_mnist_dnn"), help="output folder")
    parser.add_argument("--device", default="cpu", help="cpu, or cuda for an NVIDIA GPU (needs CuPy)")
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.train_samples = 2, 10_000
    tg.manual_seed(args.seed)
    start = time.perf_counter()

    (x_train, y_train), (x_test, y_test) = tg.datasets.fashion_mnist()
    if args.train_samples:
        x_train, y_train = x_train[: args.train_samples], y_train[: args.train_samples]
    x_train, x_test = normalize_images(x_train, 0.5, 0.5), normalize_images(x_test, 0.5, 0.5)
    print(f"train {x_train.shape}, test {x_test.shape}; pixels now in [{x_train.min():.0f}, {x_train.max():.0f}]")

    # The whole data set moves to the device once; every batch is then cut out of it there.
    train_set = TensorDataset(tg.Tensor(x_train, device=args.device), tg.Tensor(y_train, device=args.device))
    test_set = TensorDataset(tg.Tensor(x_test, device=args.device), tg.Tensor(y_test, device=args.device))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, drop_last=True)
    test_loader = DataLoader(test_set, batch_size=1000)

    model = build_model().to(args.device)
    print(model)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=args.lr)  # no momentum: the plain update w -= lr * grad

    history = tg.train.History()
    for epoch in range(1, args.epochs + 1):
        epoch_start = time.perf_counter()
        train_loss, train_acc = train_one_epoch(model, train_loader, loss_fn, optimizer, epoch, args.log_interval)
        test_loss, test_acc = test(model, test_loader, loss_fn)
        seconds = time.perf_counter() - epoch_start
        history.record(
            epoch, {"loss": train_loss, "accuracy": train_acc, "val_loss": test_loss, "val_accuracy": test_acc}, seconds
        )
        print(
            f"Epoch {epoch}: train loss {train_loss:.4f}, train accuracy {100 * train_acc:.2f}% | "
            f"test loss {test_loss:.4f}, test accuracy {100 * test_acc:.2f}% ({seconds:.1f}s)"
        )

    args.out.mkdir(parents=True, exist_ok=True)
    history.save_json(args.out / "history.json")
    tg.train.plot_history(history, args.out / "curves.png", title="Fashion-MNIST DNN", val_label="test")
    tg.save(model.state_dict(), args.out / "model.safetensors")

    # Check the saved weights: a fresh model loaded from the file gives the same test accuracy.
    reloaded = build_model().to(args.device)
    reloaded.load_state_dict(tg.load(args.out / "model.safetensors"))
    _, reloaded_acc = test(reloaded, test_loader, loss_fn)
    assert np.isclose(reloaded_acc, test_acc), (reloaded_acc, test_acc)

    wall = time.perf_counter() - start
    print(f"Saved curves.png, history.json and model.safetensors in {args.out}/ (reloaded weights: same accuracy)")
    print(f"Total wall time: {wall:.1f}s")
    print(f"Final test accuracy: {100 * test_acc:.2f}% after {args.epochs} epochs (PyTorch reference: 87.81% after 20)")


if __name__ == "__main__":
    main()
