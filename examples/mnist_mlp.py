"""A sigmoid MLP on MNIST digits (or Fashion-MNIST), trained with tg.train.fit and classic log lines.

The recipe: a 784-512-256-10 MLP with Sigmoid activations, SGD with lr 0.01 and momentum 0.5,
batches of 32, 10 epochs, CrossEntropyLoss, and a `Train Epoch: ...` line every 200 batches.
Inputs are standardised with the mean and standard deviation of the training pixels.

Sigmoid was the activation of the first MLPs. Its derivative is at most 0.25, so the gradient
shrinks by at least 4x at each layer it flows back through: with small learning rates a sigmoid
network learns more slowly than a ReLU one (compare examples/fashion_mnist_dnn.py). Momentum
0.5 helps a little by averaging successive steps.

Data: MNIST is loaded with tg.datasets.mnist(), which looks for the four standard files
(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,
t10k-labels-idx1-ubyte.gz) in --data-root, $TINYGRAD_EDU_DATA/mnist, ~/.cache/tinygrad_edu/mnist
and /usr/share/datasets/mnist, and downloads them into the cache when they are missing (unless
--no-download). When they cannot be found or downloaded, the script prints how to get them and
exits with status 2, the conventional "cannot run as asked" status, so a shell script or CI job
that runs it notices instead of silently reporting success. `--dataset fashion-mnist` runs the
same recipe on Fashion-MNIST.

Run: python examples/mnist_mlp.py [--dataset mnist|fashion-mnist] [--epochs 10] [--seed 0]
     python examples/mnist_mlp.py --dataset fashion-mnist --quick    (2 epochs on 10,000 images)
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.cli import non_negative_int, positive_int
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.recipes import normalize_images

LOADERS = {"mnist": tg.datasets.mnist, "fashion-mnist": tg.datasets.fashion_mnist}


def load(name: str, root: str | None, download: bool) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """The dataset's train and test splits, or exit with status 2 and instructions when it is missing."""
    try:
        return LOADERS[name](root=root, download=download)
    except (FileNotFoundError, tg.datasets.DownloadError) as error:
        print(f"Cannot load {name}:\n{error}\n", file=sys.stderr)
        print(
            f"To run this example on {name}, put the four files\n"
            "  train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz\n"
            "  t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz\n"
            f"into a folder and pass it with --data-root FOLDER, or into $TINYGRAD_EDU_DATA/{name}/,\n"
            f"or into {tg.datasets.cache_dir() / name}/; or run with internet access and the files are downloaded.\n"
            "To try the recipe right away on Fashion-MNIST: --dataset fashion-mnist",
            file=sys.stderr,
        )
        sys.exit(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(LOADERS), default="mnist")
    parser.add_argument("--data-root", default=None, help="a folder that holds the four .gz files")
    parser.add_argument("--no-download", action="store_true", help="never try to download missing files")
    parser.add_argument("--epochs", type=positive_int, default=10)
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--quick", action="store_true", help="2 epochs on 10,000 training images")
    args = parser.parse_args()
    tg.manual_seed(args.seed)
    start = time.perf_counter()

    (x_train, y_train), (x_test, y_test) = load(args.dataset, args.data_root, download=not args.no_download)
    if args.quick:
        args.epochs = 2
        x_train, y_train = x_train[:10_000], y_train[:10_000]
    pixels = x_train.astype(np.float32) / 255.0
    mean, std = float(pixels.mean()), float(pixels.std())
    print(
        f"{args.dataset}: {len(x_train):,} training images (pixel mean {mean:.4f}, std {std:.4f}), {len(x_test):,} test"
    )
    # Standardise with the training set's statistics: mean 0 and std 1 after scaling pixels to [0, 1].
    x_train, x_test = normalize_images(x_train, mean, std), normalize_images(x_test, mean, std)

    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 512),
        nn.Sigmoid(),
        nn.Linear(512, 256),
        nn.Sigmoid(),
        nn.Linear(256, 10),
    )
    print(nn.summary(model, (28, 28)))
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=1000)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.5)

    # The test set serves as the per-epoch check here (val_ columns), as in the classic script.
    tg.train.fit(
        model, train_loader, loss_fn, optimizer, args.epochs, val_loader=test_loader, log_interval=200, progress=False
    )
    results = tg.train.evaluate(model, test_loader, loss_fn)
    print(f"Total wall time: {time.perf_counter() - start:.1f}s")
    print(f"Final test accuracy on {args.dataset}: {100 * results['accuracy']:.2f}% (loss {results['loss']:.4f})")


if __name__ == "__main__":
    main()
