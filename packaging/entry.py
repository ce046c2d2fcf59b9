"""What the binary runs (``make binary``): the one-file entry point in cli.py."""
import sys

import cli

if __name__ == "__main__":
    sys.exit(cli.main())
