"""Regression with an MLP: the same network trained with MSE and with MAE on data with outliers.

The data are noisy samples of y = sin(x) (tg.data.regression_1d). A few training targets are
corrupted on purpose: they are pushed up by several units, as a broken sensor or a typo would.
The test set is clean, so it measures how well each model learned the true curve.

The model is a 1-64-64-1 MLP with Tanh hidden layers and NO output activation: a regressor must
be able to output any real number, and a sigmoid or ReLU at the end would clip its range.

Two copies, from the same initial weights, are trained with different losses:

- MSELoss (mean squared error) punishes an error e with e**2 and has gradient 2e: one outlier 4
  units away pulls as hard as 40 points 0.1 away. The fit bends towards the outliers. (MSE's
  best constant prediction is the MEAN, which outliers drag along.)
- L1Loss (mean absolute error) punishes |e| and has gradient sign(e): every point pulls with
  the same strength however far it is, so a few outliers are outvoted. (MAE's best constant
  prediction is the MEDIAN, which a few outliers barely move.)

Training uses tg.train.fit (the losses are the point here, not the loop).

Run: python examples/regression_mlp.py [--epochs 400] [--outliers 8] [--seed 0] [--plot runs/regression_mlp/fits.png]
     python examples/regression_mlp.py --quick    (100 epochs)
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


def make_data(n_train: int, n_test: int, outliers: int) -> tuple[np.ndarray, ...]:
    """Clean sin(x) samples for train and test, then ``outliers`` training targets pushed up by 3 to 5."""
    x, y = tg.data.regression_1d(n_train + n_test, noise=0.1)
    x_train, y_train, x_test, y_test = x[:n_train], y[:n_train].copy(), x[n_train:], y[n_train:]
    # Corrupt a few training points chosen at random (the points are in random order already).
    corrupted = np.arange(outliers)
    y_train[corrupted] += tg.rand(outliers, 1).numpy() * 2.0 + 3.0
    return x_train, y_train, x_test, y_test, corrupted


def make_model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))


def errors(model: nn.Module, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(MSE, MAE) of the model's predictions on x against y."""
    with tg.no_grad():
        prediction = model(tg.Tensor(x))
    return nn.functional.mse_loss(prediction, y).item(), nn.functional.l1_loss(prediction, y).item()


def save_plot(path: Path, data: tuple[np.ndarray, ...], models: dict[str, nn.Module]) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no plot)")
        return
    x_train, y_train, _, _, outlier_index = data
    grid = np.linspace(-3, 3, 300, dtype=np.float32).reshape(-1, 1)
    figure, axis = plt.subplots(figsize=(7, 4.5))
    axis.scatter(x_train[:, 0], y_train[:, 0], s=10, color="grey", label="training data")
    axis.scatter(x_train[outlier_index, 0], y_train[outlier_index, 0], s=30, color="red", label="injected outliers")
    axis.plot(grid[:, 0], np.sin(grid[:, 0]), "k--", linewidth=1, label="true curve sin(x)")
    for name, model in models.items():
        with tg.no_grad():
            axis.plot(grid[:, 0], model(tg.Tensor(grid)).numpy()[:, 0], linewidth=2, label=f"MLP trained with {name}")
    axis.set_xlabel("x")
    axis.set_ylabel("y")
    axis.legend()
    axis.set_title("MSE chases the outliers, MAE ignores them")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"Saved the plot of both fits to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=positive_int, default=400)
    parser.add_argument("--outliers", type=non_negative_int, default=8, help="how many training targets to corrupt")
    parser.add_argument("--lr", type=positive_float, default=0.01)
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--plot", type=Path, default=Path("runs/regression_mlp/fits.png"), help="PNG of the fits")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--quick", action="store_true", help="100 epochs")
    args = parser.parse_args()
    if args.quick:
        args.epochs = 100
    tg.manual_seed(args.seed)
    start = time.perf_counter()

    data = make_data(n_train=200, n_test=200, outliers=args.outliers)
    x_train, y_train, x_test, y_test, _ = data
    print(
        f"{len(x_train)} training points ({args.outliers} of them outliers, pushed up by 3 to 5), "
        f"{len(x_test)} clean test points"
    )

    initial = make_model().state_dict()  # both models start from these same weights
    models: dict[str, nn.Module] = {}
    for name, loss_fn in (("MSE", nn.MSELoss()), ("MAE", nn.L1Loss())):
        model = make_model()
        model.load_state_dict(initial)
        loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
        optimizer = optim.Adam(model.parameters(), lr=args.lr)
        history = tg.train.fit(model, loader, loss_fn, optimizer, args.epochs, metrics=(), verbose=False)
        print(f"trained with {name}: final training loss {history.history['loss'][-1]:.4f}")
        models[name] = model

    print("\n                   |      train (with outliers) |           test (clean)")
    print("  model trained on |        MSE          MAE    |        MSE          MAE")
    for name, model in models.items():
        train_mse, train_mae = errors(model, x_train, y_train)
        test_mse, test_mae = errors(model, x_test, y_test)
        print(f"  {name:>16} | {train_mse:>10.4f}   {train_mae:>10.4f}    | {test_mse:>10.4f}   {test_mae:>10.4f}")
    clean_noise = 0.1**2
    print(f"  (the noise alone gives a test MSE of about {clean_noise:.4f}: that is the best any model can do)")

    (_, mse_test_mae), (_, mae_test_mae) = errors(models["MSE"], x_test, y_test), errors(models["MAE"], x_test, y_test)
    print(
        "\nWhat this shows: the MSE model has the lower TRAINING MSE, because that is what it minimised; to get it,\n"
        "it bent its curve up towards the outliers (squared errors make the far points pull hardest). On the clean\n"
        "test set those bends are pure error. The MAE model gave each outlier only a constant pull (the gradient\n"
        "of |e| is sign(e)), so the many good points outvoted the few bad ones and it stayed close to sin(x):\n"
        f"its test MAE is {mae_test_mae:.4f} against {mse_test_mae:.4f} for the MSE model. Use MAE (or a robust loss\n"
        "such as Huber) when targets may contain outliers; MSE when large errors matter more and the data are clean."
    )
    if not args.no_plot:
        save_plot(args.plot, data, models)
    print(f"Total wall time: {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
