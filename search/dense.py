"""Inner-product search over unit vectors with FAISS, optionally restricted to a subset of rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Tuple

import faiss
import numpy as np


def build_faiss(vectors: np.ndarray, factory: str = "Flat", seed: int = 13) -> Tuple[Any, str]:
    """An index made by `factory` over `vectors`; (index, factory actually used).

    An IVF index needs enough vectors to train its lists (about 39 per list): with fewer it falls back to
    exact search rather than train a bad quantiser.
    """
    n, dim = vectors.shape
    used = factory or "Flat"
    if used.upper().startswith("IVF"):
        nlist = int("".join(ch for ch in used.split(",")[0][3:] if ch.isdigit()) or 0)
        if nlist <= 0 or n < 39 * nlist:
            used = "Flat"
    index = faiss.index_factory(dim, used, faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained:
        rng = np.random.default_rng(seed)
        sample = vectors[rng.choice(n, size=min(n, 256 * 39 * 4), replace=False)] if n else vectors
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, used


class DenseIndex:
    def __init__(self, index: Any, nprobe: int = 16, ef_search: int = 64):
        self.index = index
        self.size = int(index.ntotal)
        self.nprobe, self.ef_search = nprobe, ef_search

    @classmethod
    def load(cls, path: Path, nprobe: int = 16, ef_search: int = 64) -> DenseIndex:
        return cls(faiss.read_index(str(path)), nprobe, ef_search)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    def _params(self, allowed: Optional[np.ndarray]) -> Tuple[Any, Any]:
        """Search parameters and the bitmap they point into (which must outlive the search)."""
        sel, bitmap = None, None
        if allowed is not None:
            bitmap = np.packbits(allowed.astype(bool), bitorder="little")
            sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
        return self._with_selector(sel), bitmap

    def _with_selector(self, sel: Any) -> Any:
        kind = type(faiss.downcast_index(self.index)).__name__
        if "IVF" in kind:
            return faiss.SearchParametersIVF(sel=sel, nprobe=self.nprobe)
        if "HNSW" in kind:
            return faiss.SearchParametersHNSW(sel=sel, efSearch=self.ef_search)
        return faiss.SearchParameters(sel=sel) if sel is not None else None

    def search(self, vector: np.ndarray, k: int, allowed: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
        """(row ids, inner products), best first; rows outside `allowed` (a bool mask) are never returned."""
        k = min(k, self.size if allowed is None else int(allowed.sum()))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        params, _bitmap = self._params(allowed)
        scores, ids = self.index.search(query, k, params=params) if params is not None else self.index.search(query, k)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]
