"""Versions of what the index builder produces: bump one when its output changes for the same input."""

BUILD_VERSION = "3"  # index files (chunking, tokens, file layout)
TRAIN_VERSION = "static-mnrl-4"  # the trained embedding model
