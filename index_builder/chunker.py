"""Chunks that follow a document's own structure and carry its title and heading path.

A YAML document gives one chunk per article (split at sentence ends when long), plus one chunk each for
what people ask about and the articles may not say in one place: summary (概述), conditions (申请条件),
benefit (支持标准), materials (申请材料), how and when to apply (办理方式), members of a bundle (包含事项),
and one per curated FAQ (常见问题). A plain-text document is split by :mod:`index_builder.text_splitter`.
"""

from __future__ import annotations

from typing import Iterable, List, Mapping, Optional, Tuple

from index_builder.sources import Source, plain_title
from index_builder.text_splitter import sentences, split_text
from knowledge.schema import UNKNOWN, AllOf, AnyOf, Document, Leaf
from search.records import Chunk


def condition_texts(nodes: Iterable[object]) -> List[str]:
    out: List[str] = []
    for node in nodes:
        if isinstance(node, Leaf):
            out.append(node.text)
        elif isinstance(node, (AnyOf, AllOf)):
            children = node.any if isinstance(node, AnyOf) else node.all
            joined = ("或" if isinstance(node, AnyOf) else "且").join(condition_texts(children))
            out.append(node.text or f"（{joined}）")
    return out


def _join(parts: Iterable[str], sep: str = "。") -> str:
    """Clauses joined by sep, without doubled punctuation, ending in 。"""
    return sep.join(p.strip().rstrip("。；;") for p in parts if p.strip()) + "。"


def _pieces(text: str, max_chars: int) -> List[str]:
    """An article's text, cut at sentence ends into pieces of at most max_chars when it is longer."""
    if len(text) <= max_chars:
        return [text]
    out: List[str] = []
    cur = ""
    for a, b in sentences(text, 0, len(text)):
        sentence = text[a:b]
        if cur and len(cur) + len(sentence) > max_chars:
            out.append(cur)
            cur = ""
        cur += sentence
    return out + ([cur] if cur else [])


def _sections(doc: Document, titles: Mapping[str, str]) -> List[Tuple[str, str, Tuple[str, ...]]]:
    """(article label, text, tags) in document order."""
    out: List[Tuple[str, str, Tuple[str, ...]]] = [("概述", doc.summary, ())]
    out += [(a.heading, a.text, ()) for a in doc.articles]
    if doc.conditions:
        out.append(("申请条件", _join(condition_texts(doc.conditions), "；"), ()))
    benefit = doc.benefit.text + (f"（{doc.benefit.formula}）" if doc.benefit.formula and
                                   doc.benefit.formula not in doc.benefit.text else "")
    out.append(("支持标准", benefit, ()))
    if doc.materials:
        out.append(("申请材料", "申请材料：" + _join(doc.materials, "；"), ()))
    how = [f"办理方式：{doc.how_to_apply}", f"办理时限：{doc.time_limit}", f"申报时间：{doc.window.text}",
           f"办理模式：{doc.mode}"]
    out.append(("办理方式", _join(h for h in how if not h.endswith(UNKNOWN) or "办理方式" in h), ()))
    if doc.members:
        names = "；".join(titles.get(m, m) for m in doc.members)
        out.append(("包含事项", f"本事项一次办理以下事项：{names}。", ()))
    out += [("常见问题", f"问：{f.q} 答：{f.a}", ("faq",)) for f in doc.faq]
    return out


def chunk_document(doc: Document, max_chars: int = 500, titles: Optional[Mapping[str, str]] = None) -> List[Chunk]:
    names = " ".join(dict.fromkeys(n for n in (doc.short_title, *doc.aliases) if n and n != doc.title))
    chunks: List[Chunk] = []
    for label, text, tags in _sections(doc, titles or {}):
        for piece in _pieces(text.strip(), max_chars):
            chunks.append(Chunk(chunk_id=f"{doc.id}#{len(chunks)}", doc_id=doc.id, title=doc.title,
                                heading=label, article=label, text=piece, tags=tags, names=names))
    return chunks


def chunk_plain(doc_id: str, text: str, max_chars: int = 360) -> List[Chunk]:
    title, body = plain_title(text)
    chunks: List[Chunk] = []
    for n, p in enumerate(split_text(text, max_chars, body)):
        context = p.headings[:-1] if p.own_heading else p.headings
        article = p.headings[-1] if p.headings else f"第{n + 1}段"
        chunks.append(Chunk(chunk_id=f"{doc_id}#{n}", doc_id=doc_id, title=title, heading=" > ".join(context),
                            article=article, text=text[p.start : p.end], start=p.start, end=p.end))
    return chunks


def chunk_source(source: Source, cfg: Mapping[str, int], titles: Optional[Mapping[str, str]] = None) -> List[Chunk]:
    if source.document is not None:
        return chunk_document(source.document, int(cfg.get("article_max_chars", 500)), titles)
    return chunk_plain(source.doc_id, source.text or "", int(cfg.get("max_chars", 360)))
