"""``python -m eligibility --host 127.0.0.1 --port 8100``."""

from __future__ import annotations

import sys

from eligibility.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
