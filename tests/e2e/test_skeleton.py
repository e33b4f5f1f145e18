"""Three Chinese questions over REST, each answered with a citation of the right document."""

import json
import urllib.request

import pytest

from tests.e2e.conftest import Chat, cited, text_of

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("question", "doc_id", "must_say"),
    [
        ("高新技术企业认定有什么奖励？", "ENT-056", "10万元"),
        ("居住证第一次怎么申请", "CIT-001", "居住证"),
        ("公积金租房提取需要什么条件", "CIT-014", "租房"),
    ],
)
def test_question_is_answered_with_a_citation(chat: Chat, question: str, doc_id: str, must_say: str) -> None:
    replies = chat(question)
    assert doc_id in cited(replies), replies
    text = text_of(replies)
    assert must_say in text
    assert "依据：《" in text


def test_eligibility_service_serves_the_same_document(stack) -> None:  # type: ignore[no-untyped-def]
    with urllib.request.urlopen(f"{stack.url('eligibility')}/policies/ENT-056", timeout=10) as resp:
        doc = json.loads(resp.read())
    assert doc["id"] == "ENT-056" and "高新技术企业" in doc["title"]


def test_greeting_and_out_of_scope(chat: Chat) -> None:
    assert "政策通" in text_of(chat("你好"))
    assert "帮不上" in text_of(chat("帮我点一份外卖"))
