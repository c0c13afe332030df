"""Gradient checks of every op (full and fast mode, float64 and float32) against planted bugs and PyTorch.

The suite itself lives in the package (``tinygrad_edu/gradcheck_suite.py``) so that
``tinygrad-edu gradcheck`` runs the same code. Run with NumPy's own BLAS kernel choice:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/gradcheck_suite.py [--quick]
"""

import sys

from tinygrad_edu.gradcheck_suite import main

if __name__ == "__main__":
    sys.exit(main())
