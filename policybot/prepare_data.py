"""Write what Rasa's data and pipeline read from the corpus (jieba dictionary, policy names)."""

from __future__ import annotations

import sys

from policybot.train import prepare_generated

if __name__ == "__main__":
    prepare_generated()
    sys.exit(0)
