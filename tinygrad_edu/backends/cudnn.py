"""``torch.backends.cudnn``'s flags. No op reads them: tinygrad_edu does not call cuDNN."""

enabled = True
deterministic = False
benchmark = False


def is_available() -> bool:
    return False
