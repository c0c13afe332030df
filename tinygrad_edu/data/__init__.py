"""Data for training: datasets, mini-batch loading, Fashion-MNIST/MNIST files and toy problems."""

from . import datasets
from .loader import DataLoader, Dataset, Subset, TensorDataset, collate, random_split, train_val_split
from .toy import regression_1d, spirals, two_moons, xor

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "collate",
    "datasets",
    "random_split",
    "regression_1d",
    "spirals",
    "train_val_split",
    "two_moons",
    "xor",
]
