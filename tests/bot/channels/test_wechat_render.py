"""Buttons as numbered options, and long answers split within WeChat's limit, never inside a sentence or a
citation line."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.wechat_render import (
    OPTIONS_HEADER,
    Option,
    OptionMemory,
    render_turn,
    sentences,
    split_text,
    utf8_len,
)

CITATION = "依据：《某区促进科技创新若干措施（2024年修订）》第五条（区科技局，信息日期 2024-03-01）"


def test_buttons_become_numbered_options_across_a_turn() -> None:
    text, options = render_turn([
        {"text": "答案。", "buttons": [{"title": "需要什么材料", "payload": "需要什么材料"},
                                    {"title": "一键申报", "payload": "/apply"}]},
        {"custom": {"citations": []}},
        {"text": "请您为本次服务评价：", "buttons": [{"title": "满意", "payload": '/rate_service{"rating": "满意"}'}]},
    ])
    assert options == [Option(1, "需要什么材料", "需要什么材料"), Option(2, "一键申报", "/apply"),
                       Option(3, "满意", '/rate_service{"rating": "满意"}')]
    assert text == (f"答案。\n\n{OPTIONS_HEADER}\n1. 需要什么材料\n2. 一键申报\n\n请您为本次服务评价：\n\n"
                    f"{OPTIONS_HEADER}\n3. 满意")


def test_a_number_or_the_words_pick_an_option() -> None:
    memory = OptionMemory()
    memory.remember("u", [Option(1, "需要什么材料", "需要什么材料"), Option(2, "我能申请吗", "/check_eligibility"),
                          Option(3, "一键申报", "/apply")])
    for typed in ("2", "２", " 2 ", "2.", "2、", "（2）", "第2个", "选2"):
        picked = memory.resolve("u", typed)
        assert picked is not None and picked.payload == "/check_eligibility", typed
    assert memory.resolve("u", "一键申报").payload == "/apply"  # type: ignore[union-attr]
    assert memory.resolve("u", "一键申报！").payload == "/apply"  # type: ignore[union-attr]
    assert memory.resolve("u", "4") is None  # no such option: the text goes to the bot as typed
    assert memory.resolve("u", "我想一键申报高企") is None  # not the option's words
    assert memory.resolve("someone else", "1") is None
    memory.remember("u", [])  # the next turn had no buttons: a number is a number again
    assert memory.resolve("u", "1") is None


def test_short_text_is_one_message() -> None:
    assert split_text(f"高新技术企业认定后奖励30万元。\n{CITATION}") == [f"高新技术企业认定后奖励30万元。\n{CITATION}"]
    assert split_text("   ") == []


def test_long_answers_split_at_sentence_ends_and_keep_citations_whole() -> None:
    paragraph = "".join(f"第{i}项：符合条件的企业可以申请补贴，具体金额按规定核定。" for i in range(40))
    text = f"{paragraph}\n{CITATION}\n{paragraph}\n{CITATION}"
    chunks = split_text(text, 2048)
    assert len(chunks) >= 3
    assert all(utf8_len(c) <= 2048 for c in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")
    for chunk in chunks:
        assert chunk.endswith(("。", "）")), chunk[-20:]  # a sentence end or the citation's end
        assert CITATION in chunk or "依据：" not in chunk  # a citation is never cut


def test_brackets_protect_their_content_from_sentence_cuts() -> None:
    assert sentences("见《关于调整标准的通知！》。下一句。") == ["见《关于调整标准的通知！》。", "下一句。"]
    assert sentences("甲。乙？丙！") == ["甲。", "乙？", "丙！"]


def test_one_sentence_longer_than_the_limit_is_cut_at_commas() -> None:
    sentence = "，".join(["符合条件的企业可以申请"] * 20) + "。"
    chunks = split_text(sentence, 200)
    assert all(utf8_len(c) <= 200 for c in chunks)
    assert all(c.endswith(("，", "。")) for c in chunks)
    assert "".join(chunks) == sentence


SENTENCE = st.builds(lambda body, end: body + end,
                     st.text(alphabet="政策企业补贴申请条件材料abc123，、 ", min_size=1, max_size=120),
                     st.sampled_from(["。", "！", "？", "；", "\n"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(SENTENCE, st.just(CITATION + "\n")), min_size=1, max_size=60),
       st.integers(min_value=300, max_value=2048))
def test_split_never_exceeds_the_limit_nor_loses_text(parts: list, limit: int) -> None:
    text = "".join(parts)
    chunks = split_text(text, limit)
    assert all(utf8_len(c) <= limit for c in chunks)
    squash = re.compile(r"\s+")
    assert squash.sub("", "".join(chunks)) == squash.sub("", text)
    for chunk in chunks:  # every citation that starts in a chunk ends in it
        assert chunk.count("依据：《") == chunk.count("信息日期 2024-03-01）")
