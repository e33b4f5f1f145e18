"""The knowledge-gap view: what people asked that the assistant answered poorly, grouped, most frequent first,
so staff know which document or FAQ entry to write next.

Three sources within the last N days:
- the question log: questions the action server answered with low confidence (no curated answer reached
  the FAQ threshold, so a passage was shown), found nothing for, or did not understand (``log_question``);
- 转人工 tickets: the user's last question in the ticket's transcript (or its summary);
- conversations rated 不满意 / 非常不满意: the rating (and its reason) is counted on the question the
  conversation asked last before it (from the question log or a ticket's transcript).

One event counts once: a logged question that was then handed off is one question with two outcomes.

Grouping: the questions are normalised (simplified characters, no spaces, punctuation, digits or the masks'
stars), identical ones merged, and the distinct ones clustered by character-bigram TF-IDF cosine with greedy
leader clustering: in order of frequency, a question joins its most similar leader when the
cosine reaches ``THRESHOLD``, else it leads a group of its own (so a group's leader is its most frequent
wording). The IDF is the period's own: words every question shares (怎么, 申请) weigh little.
THRESHOLD 0.4 was chosen on the 425 ask_policy examples of nlu_data/nlu/policy.yml that name exactly one
policy (134 policies), taking "names the same policy" as "the same gap" (B-cubed precision / recall):
0.3 → 0.911 / 0.518, merging questions that share only their aspect (公租房在哪个网站申请 with 在职人才引进
在哪个网站申请); 0.4 → 0.958 / 0.404, the merges left mostly neighbouring topics (居住证签注 / 第一次办居住证);
0.5 → 0.986 / 0.347; 0.6 merges almost nothing (424 groups of 425). Staff read a
group as one gap, so precision was preferred.

Everything stored here is masked before it is written (``privacy.masking.mask_text``) and masked again on
the way out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import numpy as np
import sqlalchemy as sa
from scipy import sparse

from eligibility.context import Context
from eligibility.ratings import BAD as BAD_RATINGS
from eligibility.storage import tables as t
from knowledge.simplified import to_simplified
from privacy.masking import mask_text

OUTCOMES = ("low_confidence", "not_found", "not_understood")  # what the action server reports
SHOWN_OUTCOMES = (*OUTCOMES, "handoff")
MAX_TEXT = 2000
THRESHOLD = 0.4
EXAMPLES = 5
BLOCK = 256  # questions compared with the leaders at once

_NOISE = re.compile(r"[\W_\d]+")  # whitespace, punctuation, digits, the masks' stars
# a message asking for a person (not a question about a policy), or a pleasantry
_HANDOFF_ASK = re.compile(r"人工|真人|客服|坐席|工作人员|专员|负责人|领导|对接人|投诉")
_PLEASANTRIES = {"你好", "您好", "谢谢", "好的", "好", "是", "否", "对", "不是", "嗯", "行", "可以", "没有"}
_ASKED_MARK = "用户最近的问题："


def normalise(text: str) -> str:
    return _NOISE.sub("", to_simplified(text)).lower()


def normalise_all(texts: Sequence[str]) -> List[str]:
    """``normalise`` of each text, converting them to simplified characters in one call (fast)."""
    flat = [" ".join(x.splitlines()) for x in texts]
    converted = to_simplified("\n".join(flat)).split("\n") if flat else []
    if len(converted) != len(flat):  # never expected: the conversion keeps line breaks
        converted = [to_simplified(x) for x in flat]
    return [_NOISE.sub("", x).lower() for x in converted]


# ---- the question log ---------------------------------------------------------------------------------

def log_question(ctx: Context, conversation_id: str, subject_id: Optional[str], text: str, outcome: str,
                 score: Optional[float] = None, doc_id: Optional[str] = None) -> Dict[str, Any]:
    """Record one question the assistant answered poorly (text stored masked)."""
    now = ctx.now()
    with ctx.db.write() as conn:
        res = conn.execute(t.question_log.insert().values(
            conversation_id=conversation_id, profile_id=subject_id, text=mask_text(text.strip()[:MAX_TEXT]),
            outcome=outcome, score=score, doc_id=doc_id, at=now))
    return {"id": int(res.inserted_primary_key[0]), "outcome": outcome, "at": now.isoformat(timespec="seconds")}


# ---- gathering ----------------------------------------------------------------------------------------

@dataclass
class Item:
    """One time someone asked something the assistant served poorly."""

    text: str
    at: dt.datetime
    conversation_id: Optional[str]
    outcomes: Set[str] = field(default_factory=set)
    doc_id: Optional[str] = None
    ratings: List[str] = field(default_factory=list)
    reasons: List[str] = field(default_factory=list)


def asked_in(transcript_json: str, summary: str = "") -> Optional[str]:
    """The user's last question in a ticket: the transcript's last user message that is neither a button's
    payload, a request for a person nor a pleasantry; else the summary's “用户最近的问题：a｜b”."""
    try:
        transcript = json.loads(transcript_json or "[]")
    except ValueError:
        transcript = []
    said = [m.get("text") for m in transcript if isinstance(m, dict) and m.get("role") == "user"]
    if _ASKED_MARK in (summary or ""):
        said += summary.split(_ASKED_MARK, 1)[1].split("｜")
    for text in reversed([s.strip() for s in said if isinstance(s, str)]):
        if text and not text.startswith("/") and _question_like(text):
            return text
    return None


def _question_like(text: str) -> bool:
    plain = normalise(text)
    if not plain or plain in _PLEASANTRIES:
        return False
    return not (len(plain) <= 20 and _HANDOFF_ASK.search(plain))


def gather(ctx: Context, days: int) -> Tuple[List[Item], int]:
    """The items of the last ``days`` days, and how many bad ratings had no question to count on."""
    since = ctx.now() - dt.timedelta(days=days)
    q, tk, r = t.question_log, t.tickets, t.ratings
    with ctx.db.read() as conn:
        logged = conn.execute(sa.select(q.c.conversation_id, q.c.text, q.c.outcome, q.c.doc_id, q.c.at)
                              .where(q.c.at >= since).order_by(q.c.at, q.c.id)).all()
        handoffs = conn.execute(sa.select(tk.c.conversation_id, tk.c.transcript_json, tk.c.summary, tk.c.created_at)
                                .where(tk.c.kind == "handoff", tk.c.created_at >= since)
                                .order_by(tk.c.created_at, tk.c.id)).all()
        rated = conn.execute(sa.select(r.c.id, r.c.level, r.c.reason, r.c.conversation_id, r.c.created_at)
                             .where(r.c.level.in_(BAD_RATINGS), r.c.created_at >= since,
                                    r.c.conversation_id.is_not(None)).order_by(r.c.created_at, r.c.id)).all()
        rated_convs = sorted({x.conversation_id for x in rated})
        rated_tickets = conn.execute(sa.select(tk.c.conversation_id, tk.c.rating_id, tk.c.transcript_json,
                                               tk.c.summary, tk.c.created_at)
                                     .where(tk.c.conversation_id.in_(rated_convs), tk.c.transcript_json != "[]")
                                     .order_by(tk.c.created_at, tk.c.id)).all() if rated_convs else []
    items: List[Item] = []
    by_conv: Dict[Optional[str], List[Item]] = {}

    def add(item: Item) -> Item:
        items.append(item)
        by_conv.setdefault(item.conversation_id, []).append(item)
        return item

    for row in logged:
        add(Item(row.text, row.at, row.conversation_id, {row.outcome}, row.doc_id))
    for row in handoffs:
        text = asked_in(row.transcript_json, row.summary)
        if text is None:
            continue
        key = normalise(text)
        same = next((i for i in reversed(by_conv.get(row.conversation_id, [])) if normalise(i.text) == key), None)
        (same or add(Item(text, row.created_at, row.conversation_id))).outcomes.add("handoff")
    unmatched = 0
    for rating in rated:
        earlier = [i for i in by_conv.get(rating.conversation_id, []) if i.at <= rating.created_at]
        target = max(earlier, key=lambda i: i.at) if earlier else None
        if target is None:
            tickets = [x for x in rated_tickets if x.conversation_id == rating.conversation_id]
            own = [x for x in tickets if x.rating_id == rating.id] or tickets
            text = next((a for x in reversed(own) if (a := asked_in(x.transcript_json, x.summary))), None)
            if text is None:
                unmatched += 1
                continue
            target = add(Item(text, rating.created_at, rating.conversation_id))
        target.ratings.append(rating.level)
        if rating.reason:
            target.reasons.append(rating.reason)
    return items, unmatched


# ---- grouping -----------------------------------------------------------------------------------------

def _features(keys: Sequence[str]) -> sparse.csr_matrix:
    """Character-bigram TF-IDF rows (sublinear tf, smoothed idf, L2-normalised); a one-character text is
    its own character."""
    vocab: Dict[str, int] = {}
    indptr, indices, counts = [0], [], []
    for key in keys:
        grams: Dict[str, int] = {}
        for gram in ([key[i:i + 2] for i in range(len(key) - 1)] if len(key) > 1 else [key] if key else []):
            grams[gram] = grams.get(gram, 0) + 1
        for gram, n in grams.items():
            indices.append(vocab.setdefault(gram, len(vocab)))
            counts.append(1.0 + math.log(n))
        indptr.append(len(indices))
    x = sparse.csr_matrix((np.asarray(counts, dtype=np.float32), np.asarray(indices, dtype=np.int64),
                           np.asarray(indptr, dtype=np.int64)), shape=(len(keys), max(1, len(vocab))))
    df = np.bincount(x.indices, minlength=x.shape[1]).astype(np.float32)
    x = x @ sparse.diags(np.log((1 + len(keys)) / (1 + df)) + 1.0)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ x)


def leaders(keys: Sequence[str], threshold: float = THRESHOLD) -> List[int]:
    """Greedy leader clustering in the given order: for each key, the index of its group's leader."""
    x = _features(keys)
    n = len(keys)
    leader_of = list(range(n))
    made: List[int] = []
    for start in range(0, n, BLOCK):
        end = min(n, start + BLOCK)
        block = x[start:end]
        before = (block @ x[made].T).toarray() if made else np.zeros((end - start, 0), dtype=np.float32)
        inside = (block @ block.T).toarray()
        new: List[int] = []
        for i in range(end - start):
            best, arg = -1.0, -1
            if before.shape[1]:
                j = int(before[i].argmax())
                best, arg = float(before[i, j]), made[j]
            if new:
                sims = inside[i, new]
                k = int(sims.argmax())
                if sims[k] > best:
                    best, arg = float(sims[k]), start + new[k]
            if best >= threshold:
                leader_of[start + i] = arg
            else:
                new.append(i)
        made += [start + i for i in new]
    return leader_of


def _top(counter: Counter, n: int, exclude: Iterable[str] = ()) -> List[str]:
    skip = set(exclude)
    return [k for k, _ in counter.most_common() if k not in skip][:n]


def group(items: List[Item], limit: int, threshold: float = THRESHOLD) -> List[Dict[str, Any]]:
    """Groups of similar questions, most frequent first (then the most rated, then the most recent)."""
    by_key: Dict[str, List[Item]] = {}
    for item, key in zip(items, normalise_all([i.text for i in items])):
        by_key.setdefault(key or item.text.strip(), []).append(item)
    last = {k: max(i.at for i in its) for k, its in by_key.items()}
    keys = sorted(by_key, key=lambda k: (-len(by_key[k]), -last[k].timestamp(), k))
    members: Dict[int, List[str]] = {}
    for idx, leader in enumerate(leaders(keys, threshold)):
        members.setdefault(leader, []).append(keys[idx])
    ranked = sorted(members.items(), reverse=True, key=lambda m: (
        sum(len(by_key[k]) for k in m[1]), sum(len(i.ratings) for k in m[1] for i in by_key[k]),
        max(last[k] for k in m[1])))
    return [_view(by_key, keys[leader], [i for k in ks for i in by_key[k]]) for leader, ks in ranked[:limit]]


def _view(by_key: Dict[str, List[Item]], leader: str, its: List[Item]) -> Dict[str, Any]:
    question = Counter(i.text for i in by_key[leader]).most_common(1)[0][0]
    outcomes = Counter(o for i in its for o in i.outcomes)
    ratings = Counter(r for i in its for r in i.ratings)
    return {
        "question": mask_text(question), "count": len(its),
        "outcomes": {o: outcomes.get(o, 0) for o in SHOWN_OUTCOMES},
        "ratings": {r: ratings.get(r, 0) for r in BAD_RATINGS},
        "examples": [mask_text(e) for e in _top(Counter(i.text for i in its), EXAMPLES, exclude=[question])],
        "reasons": [mask_text(e) for e in _top(Counter(x for i in its for x in i.reasons), EXAMPLES)],
        "doc_ids": _top(Counter(i.doc_id for i in its if i.doc_id), EXAMPLES),
        "last_seen": max(i.at for i in its).isoformat(timespec="seconds"),
    }


def report(ctx: Context, days: int = 30, limit: int = 50) -> Dict[str, Any]:
    items, unmatched = gather(ctx, days)
    groups = group(items, limit)
    return {"days": days, "total_questions": len(items), "ratings_without_question": unmatched, "groups": groups}


CSV_COLUMNS = ("问题", "次数", "低置信度", "未找到", "未理解", "转人工", *BAD_RATINGS, "最近一次", "相关文档",
               "其他问法", "差评原因")


def to_csv(rep: Dict[str, Any]) -> str:
    """One row per group; UTF-8 with a byte-order mark added by the caller so Excel reads the Chinese."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for g in rep["groups"]:
        o, r = g["outcomes"], g["ratings"]
        writer.writerow([_cell(g["question"]), g["count"], o["low_confidence"], o["not_found"], o["not_understood"],
                         o["handoff"], *(r[level] for level in BAD_RATINGS), g["last_seen"], " ".join(g["doc_ids"]),
                         _cell("｜".join(g["examples"])), _cell("｜".join(g["reasons"]))])
    return buf.getvalue()


def _cell(text: str) -> str:
    """Masked, and never read by a spreadsheet as a formula (=, +, -, @ at the start)."""
    text = mask_text(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
