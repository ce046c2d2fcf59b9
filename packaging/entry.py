"""What the binary runs (``make binary``): the one-file entry point in single_binary.py."""
import sys

import single_binary

if __name__ == "__main__":
    sys.exit(single_binary.main())
