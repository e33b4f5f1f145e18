"""Which embedding model an index uses: a configured local directory (drop-in) or the trained default."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional

from index_builder.embedder_train import stamp_of


def dir_fingerprint(path: Path) -> str:
    """Cheap identity of a model directory: file names, sizes and modification times."""
    h = hashlib.sha256()
    for p in sorted(Path(path).rglob("*")):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.relative_to(path)}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def model_fingerprint(path: Path) -> Optional[str]:
    """The training fingerprint of a trained model, else the directory fingerprint; None if absent."""
    path = Path(path)
    if not (path / "modules.json").is_file():
        return None
    stamp = stamp_of(path)
    if stamp and stamp.get("fingerprint"):
        return str(stamp["fingerprint"])
    return dir_fingerprint(path)
