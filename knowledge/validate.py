"""`policybot validate-knowledge [DIR]`: list file, field and reason for every error in the documents of DIR
and in their rule files (the folder ``rules`` beside DIR)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from knowledge.corpus import DEFAULT_CORPUS, check_corpus


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot validate-knowledge")
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    docs, errors = check_corpus(args.corpus)
    for err in errors:
        print(err)
    print(f"{len(docs)} valid documents, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
