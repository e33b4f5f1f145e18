"""Content fingerprints: rebuild or retrain only when what goes in has changed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable


def files_under(paths: Iterable[Path], suffixes: tuple[str, ...] = ()) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file() and (not suffixes or p.suffix in suffixes))
    return sorted(set(found))


def fingerprint(paths: Iterable[Path], root: Path, extra: str = "", suffixes: tuple[str, ...] = ()) -> str:
    digest = hashlib.sha256(extra.encode())
    for path in files_under(paths, suffixes):
        rel = path.relative_to(root) if path.is_relative_to(root) else path
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
