import json

from index_builder.chunker import chunk_plain
from index_builder.sources import plain_title
from index_builder.text_splitter import heading_label, split_text
from tests.knowledge.helpers import PLAIN

NOTICE = json.loads((PLAIN / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[0])["text"]


def test_plain_title_is_the_first_line():
    title, body = plain_title(NOTICE)
    assert title == "关于支持企业复工复产的若干措施"
    assert NOTICE[body:].startswith("各区人民政府")


def test_heading_label_stops_at_the_first_break():
    text = "一、降低用电成本 （一）电费优惠。自2月1日起"
    assert heading_label(text, 0) == "一、降低用电成本"
    assert heading_label(text, text.index("（一）")) == "（一）电费优惠"


def test_passages_respect_headings_spans_and_length():
    _, body = plain_title(NOTICE)
    passages = split_text(NOTICE, max_chars=60, offset=body)
    assert all(p.end - p.start <= 60 for p in passages)
    texts = [NOTICE[p.start : p.end] for p in passages]
    assert all(t == t.strip() and t for t in texts)
    # every heading of the notice starts a passage, and its path is recorded
    starts = {NOTICE[p.start : p.start + 3]: p for p in passages}
    assert "（一）" in starts and "（二）" in starts
    assert starts["（二）"].headings == ("二、降低用电成本", "（二）缓缴电费")
    assert starts["（二）"].own_heading
    # spans cover the body in order without overlap
    assert all(a.end <= b.start for a, b in zip(passages, passages[1:]))


def test_long_sentence_free_text_is_cut_hard():
    text = "标题 " + "很长的内容没有句号" * 50
    passages = split_text(text, max_chars=100, offset=3)
    assert len(passages) >= 4 and all(p.end - p.start <= 100 for p in passages)


def test_chunk_plain_carries_title_heading_and_article():
    chunks = chunk_plain("d1", NOTICE, max_chars=60)
    assert all(c.title == "关于支持企业复工复产的若干措施" for c in chunks)
    assert all(NOTICE[c.start : c.end] == c.text for c in chunks)
    second = next(c for c in chunks if c.text.startswith("（二）"))
    assert second.article == "（二）缓缴电费"
    assert second.heading == "二、降低用电成本"  # its own heading is in its text already
    assert second.indexed_text().startswith("关于支持企业复工复产的若干措施 二、降低用电成本 （二）")
    assert [c.chunk_id for c in chunks] == [f"d1#{i}" for i in range(len(chunks))]
