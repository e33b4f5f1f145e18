"""Secrets this service creates for itself when none is configured: kept in a 0600 file so that every
worker process and every restart signs and verifies with the same key."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_or_create(path: Path, nbytes: int = 32) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker created it first
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value)
    return value
