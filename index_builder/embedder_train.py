"""Train the default embedding model from the corpus: a sentence-transformers StaticEmbedding.

It is trained as the torch EmbeddingBag (mean) that StaticEmbedding is, and written in the
sentence-transformers directory format (:mod:`index_builder.st_format`), so training never imports
sentence-transformers itself.

The tokenizer comes from the corpus (:mod:`index_builder.embedder_vocab`), the token vectors start
from LSA (:mod:`index_builder.lsa`) and are trained with MultipleNegativesRankingLoss (in-batch
negatives, same-chunk duplicates masked) on pairs from :mod:`index_builder.embedder_pairs`. Seeded and
single-process, so the same corpus and settings give the same model. The result is a plain
sentence-transformers directory; training is skipped when its training-data fingerprint is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from index_builder.embedder_pairs import Pair, make_pairs
from index_builder.embedder_vocab import build_tokenizer, vocabulary
from index_builder.lsa import lsa_vectors
from index_builder.sources import Source
from index_builder.st_format import write_static_model
from index_builder.versions import TRAIN_VERSION
from knowledge.simplified import to_simplified
from search.records import Chunk

STAMP = "training.json"
_UNHASHED = ("model", "train_dir", "threads", "retrain_share")


@dataclass(frozen=True)
class TrainResult:
    path: Path
    fingerprint: str
    trained: bool
    seconds: float
    pairs: int
    vocab: int


def fingerprint(settings: Dict[str, Any], vocab: Sequence[str], texts: Sequence[str], pairs: Sequence[Pair]) -> str:
    h = hashlib.sha256(TRAIN_VERSION.encode())
    h.update(json.dumps({k: v for k, v in settings.items() if k not in _UNHASHED}, sort_keys=True).encode())
    for part in (vocab, texts, [f"{p.query}\t{p.chunk}\t{p.drop}" for p in pairs]):
        h.update(b"\x00".join(s.encode("utf-8") for s in part))
        h.update(b"\x01")
    return h.hexdigest()


def stamp_of(path: Path) -> Optional[Dict[str, Any]]:
    try:
        return json.loads((Path(path) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _embed(bag: Any, tokenizer: Any, texts: List[str]) -> Any:
    """Mean of token vectors per text (what StaticEmbedding computes), as a torch tensor."""
    import torch

    ids = [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
    offsets = torch.tensor(np.cumsum([0] + [len(i) for i in ids[:-1]]), dtype=torch.long)
    return bag(torch.tensor([t for i in ids for t in i], dtype=torch.long), offsets)


def _loss(bag: Any, tokenizer: Any, queries: List[str], positives: List[str], chunk_ids: List[int],
          scale: float) -> Any:
    """MultipleNegativesRankingLoss with in-batch negatives; duplicates of the positive chunk are masked."""
    import torch
    import torch.nn.functional as F

    q = F.normalize(_embed(bag, tokenizer, queries), dim=-1)
    p = F.normalize(_embed(bag, tokenizer, positives), dim=-1)
    sim = q @ p.T * scale
    ids = torch.tensor(chunk_ids)
    same = (ids[None, :] == ids[:, None]) & ~torch.eye(len(ids), dtype=torch.bool)
    return F.cross_entropy(sim.masked_fill(same, -1e4), torch.arange(len(ids)))


def train_static(texts: Sequence[str], vocab: List[str], pairs: Sequence[Pair], settings: Dict[str, Any],
                 progress: bool = True) -> Tuple[Any, np.ndarray]:
    """(tokenizer, trained token vectors); seeded, deterministic on one machine with one thread."""
    import torch
    from tqdm import tqdm

    seed, dim = int(settings.get("seed", 13)), int(settings.get("dim", 256))
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tokenizer = build_tokenizer(vocab)
    # Once, up front: the vocabulary is simplified, and so is what the encoder sees at search time.
    texts = [to_simplified(t) for t in texts]
    pairs = [Pair(to_simplified(p.query), p.chunk, to_simplified(p.drop)) for p in pairs]
    ids = [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
    init = torch.from_numpy(lsa_vectors(ids, len(vocab), dim, seed))
    init[0] = 0.0  # [UNK] stays the zero vector: unknown text adds nothing to a sentence's direction
    bag = torch.nn.EmbeddingBag.from_pretrained(init, freeze=False, mode="mean", padding_idx=0)
    opt = torch.optim.Adam(bag.parameters(), lr=float(settings.get("lr", 0.01)))
    batch, scale = int(settings.get("batch_size", 256)), float(settings.get("scale", 20.0))
    keep = float(settings.get("keep_sentence", 0.1))
    order = list(pairs)
    epochs = int(settings.get("epochs", 3))
    steps = max(1, len(order) // batch) if len(order) >= 2 else 0
    bar = tqdm(total=epochs * steps, desc="train embedder", unit="step", disable=steps == 0 or not progress,
               leave=False, mininterval=1.0)
    for _ in range(epochs if steps else 0):
        rng.shuffle(order)
        for b in range(steps):
            part = order[b * batch : (b + 1) * batch]
            positives = [texts[p.chunk].replace(p.drop, "") if p.drop and rng.random() >= keep else texts[p.chunk]
                         for p in part]
            loss = _loss(bag, tokenizer, [p.query for p in part], positives, [p.chunk for p in part], scale)
            opt.zero_grad()
            loss.backward()
            opt.step()
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    bar.close()
    return tokenizer, bag.weight.detach().numpy().copy()


def save_model(tokenizer: Any, weights: np.ndarray, path: Path, stamp: Dict[str, Any]) -> None:
    """Write the model directory atomically (a temporary sibling renamed into place)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    write_static_model(tmp, tokenizer, weights, stamp)
    (tmp / STAMP).write_text(json.dumps(stamp, ensure_ascii=False, indent=1), encoding="utf-8")
    shutil.rmtree(path, ignore_errors=True)
    tmp.rename(path)


def document_keys(chunks: Sequence[Chunk]) -> Dict[str, str]:
    """A hash of each document's indexed text: what the model was trained on, document by document."""
    texts: Dict[str, List[str]] = {}
    for c in chunks:
        texts.setdefault(c.doc_id, []).append(c.indexed_text())
    return {d: hashlib.sha256("\x00".join(t).encode("utf-8")).hexdigest() for d, t in texts.items()}


def changed_share(before: Dict[str, str], now: Dict[str, str]) -> float:
    """Share of documents added, removed or edited between two sets of document keys."""
    changed = sum(1 for d, k in now.items() if before.get(d) != k) + sum(1 for d in before if d not in now)
    return changed / max(len(now), len(before), 1)


def _hashed(settings: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in settings.items() if k not in _UNHASHED}


def ensure_model(path: Path, chunks: Sequence[Chunk], words: Sequence[List[str]], sources: Sequence[Source],
                 settings: Dict[str, Any], log: Callable[[str], None] = print, progress: bool = True,
                 retrain: bool = False) -> TrainResult:
    """Train into `path` unless the model there can serve this corpus.

    The model there serves when it was trained on exactly this data with these settings, or — unless
    `retrain` — when it was trained with these settings and at most `retrain_share` of the documents
    changed since: the model stays fixed, so an incremental build re-embeds only the changed documents
    (their new words reach the dense side at the next retraining; BM25 has them at once).
    """
    import torch

    start = time.time()
    texts = [c.indexed_text() for c in chunks]
    keys = document_keys(chunks)
    old = stamp_of(path)
    usable = old is not None and (Path(path) / "modules.json").is_file() and old.get("version") == TRAIN_VERSION \
        and old.get("settings") == _hashed(settings)
    if usable and old is not None and not retrain:
        share = changed_share(old.get("doc_keys") or {}, keys)
        limit = float(settings.get("retrain_share", 0.2))
        if share <= limit:
            if share > 0:
                log(f"embedding model kept: {share:.0%} of the documents changed since it was trained "
                    f"(retrained above {limit:.0%}, or with --retrain)")
            return TrainResult(Path(path), str(old["fingerprint"]), False, time.time() - start,
                               int(old.get("pairs", 0)), int(old.get("vocab", 0)))
    vocab = vocabulary(words, texts, int(settings.get("min_word_count", 2)))
    pairs = make_pairs(chunks, sources, int(settings.get("seed", 13)), int(settings.get("max_pairs", 60000)),
                       ask_rate=float(settings.get("ask_rate", 0.0)))
    fp = fingerprint(settings, vocab, texts, pairs)
    if old and old.get("fingerprint") == fp and (Path(path) / "modules.json").is_file():
        return TrainResult(Path(path), fp, False, time.time() - start, len(pairs), len(vocab))
    log(f"training the embedding model: {len(pairs)} pairs, vocabulary {len(vocab)}")
    threads = torch.get_num_threads()
    torch.set_num_threads(int(settings.get("threads", 2)))
    try:
        tokenizer, weights = train_static(texts, vocab, pairs, settings, progress)
    finally:
        torch.set_num_threads(threads)
    seconds = time.time() - start
    save_model(tokenizer, weights, path, {"fingerprint": fp, "version": TRAIN_VERSION, "pairs": len(pairs), "vocab": len(vocab),
                              "chunks": len(texts), "seconds": round(seconds, 1), "settings": _hashed(settings),
                              "doc_keys": keys})
    return TrainResult(Path(path), fp, True, time.time() - start, len(pairs), len(vocab))


def vectors_equal(a: Path, b: Path) -> bool:
    """True when two trained model directories hold identical weights (determinism checks)."""
    from safetensors.numpy import load_file

    wa = load_file(str(next(Path(a).rglob("model.safetensors"))))
    wb = load_file(str(next(Path(b).rglob("model.safetensors"))))
    return wa.keys() == wb.keys() and all(np.array_equal(wa[k], wb[k]) for k in wa)
