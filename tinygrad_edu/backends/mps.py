"""Apple's Metal backend (``torch.backends.mps``): tinygrad_edu has none."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
