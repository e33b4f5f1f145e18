"""Write what Rasa's data and pipeline read from the corpus (jieba dictionary, policy names).

``--train-in-background LOG``: then, when no model of these inputs is here or in the machine's cache, start
`policybot train` in another process (logging to LOG) and return at once. `make test` does this first, so the
model trains while the checks and the tests that need no model run; the tests that need it wait on the training
lock (tests/conftest.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from policybot.train import model_available, prepare_generated, train_in_background


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policybot.prepare_data")
    parser.add_argument("--train-in-background", type=Path, metavar="LOG",
                        help="then start training the model in another process if it is missing")
    args = parser.parse_args(argv)
    prepare_generated()
    if args.train_in_background is not None and not model_available():
        process = train_in_background(args.train_in_background)
        print(f"prepare_data: no trained model for these inputs: training in the background (pid {process.pid}, "
              f"log {args.train_in_background})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
