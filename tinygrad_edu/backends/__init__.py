"""``tg.backends``: switches for vendor libraries, with ``torch.backends``' names.

tinygrad_edu computes with NumPy and CuPy only, so ``mps`` is never available and the ``cudnn``
flags are read by no op: setting ``tg.backends.cudnn.deterministic = True`` (as PyTorch tutorials
do for reproducibility) is accepted and changes nothing.
"""

from . import cudnn, mps

__all__ = ["cudnn", "mps"]
