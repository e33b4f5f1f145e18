"""A digression out of the matching form, end to end over REST with the real Rasa, action and eligibility
servers (issue 14, point 5): the bot answers the other question and asks once whether to go on with the
matching, never the form's question again after every answer; 继续 brings the pending question back."""

from typing import List

import pytest

from actions.matching import CONTINUE_PROMPT
from tests.e2e.conftest import Chat, cited, text_of

pytestmark = pytest.mark.e2e


def asked(replies: List[dict]) -> str:
    """The form's question in a turn: the last line that asks (请问…？)."""
    questions = [line for r in replies for line in (r.get("text") or "").splitlines() if line.startswith("请问")]
    assert questions, replies
    return questions[-1]


def test_a_digression_asks_once_whether_to_go_on_and_continue_brings_the_question_back(chat: Chat) -> None:
    question = asked(chat("我们公司能申请哪些补贴？"))

    first = chat("高新技术企业认定有什么奖励？")
    assert "ENT-056" in cited(first), first  # the other question is answered
    said = text_of(first)
    assert question not in said, first  # not the form's question again
    assert said.count(CONTINUE_PROMPT) == 1, first
    prompt = next(r for r in first if r.get("text") == CONTINUE_PROMPT)
    assert [b["title"] for b in prompt.get("buttons") or []] == ["继续", "不用了"]

    second = chat("创业担保贷款怎么申请？")
    assert cited(second), second
    assert question not in text_of(second) and CONTINUE_PROMPT not in text_of(second), second  # asked once

    back = chat("继续")
    assert asked(back) == question, back
    assert CONTINUE_PROMPT not in text_of(back)


def test_no_thanks_ends_the_matching_politely(chat: Chat) -> None:
    question = asked(chat("我们公司能申请哪些补贴？"))
    first = chat("高新技术企业认定有什么奖励？")
    assert CONTINUE_PROMPT in text_of(first), first
    done = chat("不用了")
    said = text_of(done)
    assert "问题先问到这里" in said and question not in said, done
    after = chat("高新技术企业认定需要什么材料？")
    assert question not in text_of(after) and CONTINUE_PROMPT not in text_of(after), after  # the form is over
