"""Early stopping: watch a big model overfit a small dataset, stop it, and restore its best epoch.

A 784-1024-1024-10 ReLU MLP has about 1.9 million weights. Trained on only 1,000 Fashion-MNIST
images it can memorise them: the training loss keeps falling towards 0, while the loss on held-out
validation images falls for a few epochs and then climbs again, as the model fits the noise of
its 1,000 images rather than what clothes look like. It is trained with Adam (lr 3e-4) on
batches of 32, and validated on 2,000 other training images after every epoch.

tg.train.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True) watches the
validation loss after every epoch. When it has not improved for 3 epochs in a row it stops the
training, and it loads back the weights it saved at the best epoch. The script then evaluates the
restored model again to show that its validation loss is exactly the best epoch's.

Run: python examples/early_stopping.py [--train-size 1000] [--patience 3] [--seed 0]
     python examples/early_stopping.py --quick    (500 training images)
"""

from __future__ import annotations

import argparse
import time

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.cli import non_negative_int, positive_float, positive_int
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.recipes import normalize_images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--train-size", type=positive_int, default=1000, help="training images (few, so that it overfits)"
    )
    parser.add_argument("--val-size", type=positive_int, default=2000, help="validation images")
    parser.add_argument("--max-epochs", type=positive_int, default=50)
    parser.add_argument("--patience", type=non_negative_int, default=3)
    parser.add_argument("--lr", type=positive_float, default=3e-4, help="Adam learning rate")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--quick", action="store_true", help="500 training images")
    args = parser.parse_args()
    if args.quick:
        args.train_size = 500
    tg.manual_seed(args.seed)
    start = time.perf_counter()

    (x_all, y_all), _ = tg.datasets.fashion_mnist()
    # The first train-size + val-size training images, shuffled and cut into training and validation sets.
    n = args.train_size + args.val_size
    (x_train, y_train), (x_val, y_val) = tg.data.train_val_split(
        normalize_images(x_all[:n]), y_all[:n], val_fraction=args.val_size / n
    )
    print(f"{len(x_train):,} training images, {len(x_val):,} validation images")

    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 1024),
        nn.ReLU(),
        nn.Linear(1024, 1024),
        nn.ReLU(),
        nn.Linear(1024, 10),
    )
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters for {len(x_train):,} images")
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    val_loader = DataLoader(TensorDataset(x_val, y_val), batch_size=1000)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    stopper = tg.train.EarlyStopping(monitor="val_loss", patience=args.patience, restore_best_weights=True)

    history = tg.train.fit(
        model, train_loader, loss_fn, optimizer, args.max_epochs, val_loader=val_loader, callbacks=[stopper]
    )

    print("\nepoch | train loss | val loss | train acc | val acc")
    for i, epoch in enumerate(history.epochs):
        h = history.history
        mark = "  <- best (lowest val loss)" if epoch == history.best_epoch else ""
        print(
            f"{epoch:>5} | {h['loss'][i]:>10.4f} | {h['val_loss'][i]:>8.4f} | "
            f"{100 * h['accuracy'][i]:>8.2f}% | {100 * h['val_accuracy'][i]:>6.2f}%{mark}"
        )
    if history.stopped_epoch is None:
        print(f"\nbest epoch: {history.best_epoch}; did not stop early (ran all {args.max_epochs} epochs)")
    else:
        print(
            f"\nbest epoch: {history.best_epoch}; stopped after epoch: {history.stopped_epoch} "
            f"({history.stopped_epoch - history.best_epoch} epochs without improvement, patience={args.patience})"
        )
    best = history.best_epoch - 1  # list index of the best epoch
    h = history.history
    print(
        f"After the best epoch the training loss went on falling ({h['loss'][best]:.4f} -> {h['loss'][-1]:.4f}) "
        f"while the validation loss rose ({h['val_loss'][best]:.4f} -> {h['val_loss'][-1]:.4f}):\n"
        "the model was memorising its training images (overfitting), not getting better at new ones."
    )

    best_val_loss = h["val_loss"][best]
    restored = tg.train.evaluate(model, val_loader, loss_fn)
    last_val_loss = h["val_loss"][-1]
    print(f"\nvalidation loss at the best epoch ({history.best_epoch}):  {best_val_loss:.8f}")
    print(f"validation loss at the last epoch ({history.epochs[-1]}):  {last_val_loss:.8f}")
    print(f"validation loss of the restored model, evaluated again: {restored['loss']:.8f}")
    same = abs(restored["loss"] - best_val_loss) <= 1e-6 * best_val_loss
    print("restore_best_weights worked: the model is the best epoch's" if same else "MISMATCH: restore did not work")
    print(f"Total wall time: {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
