import sys

from .cli import main

if __name__ == "__main__":  # `python -m tinygrad_edu`; importing the module (as docs tools do) runs nothing
    sys.exit(main())
