import numpy as np

from search.faq import FaqMatcher, bigram_set, dice, without
from search.records import FaqEntry

ENTRIES = [FaqEntry("CIT-102", "人才租房补贴要什么材料？", "身份证、毕业证书和学位证书。"),
           FaqEntry("CIT-102", "硕士租房补贴多少钱？", "硕士每人2.5万元。"),
           FaqEntry("CIT-101", "租房提取公积金要租房合同吗？", "一般不需要。")]


def encode(texts):
    """A stand-in encoder: character counts over a few characters, unit length."""
    keys = "材料钱合同公积金租房补贴要"
    out = np.array([[t.count(k) for k in keys] + [0.01] for t in texts], dtype=np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


MATCHER = FaqMatcher(ENTRIES, encode([e.question for e in ENTRIES]))


def test_same_question_scores_one_and_others_less():
    entry, score = MATCHER.best("人才租房补贴要什么材料？", encode(["人才租房补贴要什么材料？"])[0])
    assert entry is ENTRIES[0] and score > 0.99
    entry, score = MATCHER.best("租房提取公积金要合同吗", encode(["租房提取公积金要合同吗"])[0])
    assert entry.doc_id == "CIT-101" and score < 0.99


def test_allowed_documents_and_implied_names():
    query = "那要什么材料？"
    vector = encode([query])[0]
    plain = MATCHER.best(query, vector, {"CIT-102"})
    implied = MATCHER.best(query, vector, {"CIT-102"}, implied=["人才租房补贴"], encode=encode)
    assert plain[0] is implied[0] is ENTRIES[0] and implied[1] > plain[1]
    assert MATCHER.best(query, vector, {"BUN-999"}) is None


def test_helpers():
    assert without("人才租房补贴要什么材料？", ["人才租房", "人才租房补贴"]) == "要什么材料？"
    assert dice(bigram_set("要什么材料？"), bigram_set("要什么材料")) == 1.0
