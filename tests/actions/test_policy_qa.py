import asyncio
import socket
import time
from typing import Any, Dict, List, Optional, Tuple

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions import settings as action_settings
from actions.clients import eligibility
from actions.policy_qa import ActionAnswerPolicy, gap_outcome
from eligibility.storage import tables as t
from search.defaults import LOW_CONFIDENCE_SCORE
from search.types import Answer
from tests.actions.conftest import Service, custom, said, slots_set, tracker

ID_NUMBER = "440309194803150023"


def run(t):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswerPolicy().run(dispatcher, t, {}))
    return dispatcher, events


def test_answer_cites_the_document_and_remembers_it() -> None:
    dispatcher, events = run(tracker("高新技术企业认定有什么奖励？"))
    assert "10万元" in said(dispatcher) and "依据：《" in said(dispatcher)
    assert custom(dispatcher)[0]["citations"][0]["doc_id"] == "ENT-056"
    assert slots_set(events) == {"current_policy": "ENT-056"}


def test_follow_up_is_answered_from_the_current_document() -> None:
    dispatcher, _ = run(tracker("那需要什么材料？", slots={"current_policy": "CIT-014"}))
    assert custom(dispatcher)[0]["citations"][0]["doc_id"] == "CIT-014"


def test_a_policy_named_in_the_message_wins_over_the_context() -> None:
    t = tracker("居住证怎么办", slots={"current_policy": "ENT-056"},
                entities=[{"entity": "policy", "value": "CIT-001", "start": 0, "end": 3}])
    dispatcher, events = run(t)
    assert custom(dispatcher)[0]["citations"][0]["doc_id"] == "CIT-001"
    assert slots_set(events)["current_policy"] == "CIT-001"


# ---- the knowledge-gap view: what the search served poorly is reported to the eligibility service ----------

def questions(service: Service, sender: str) -> List[Dict[str, Any]]:
    with service.ctx.db.read() as conn:
        return [dict(r) for r in conn.execute(sa.select(t.question_log).where(
            t.question_log.c.conversation_id == sender).order_by(t.question_log.c.id)).mappings()]


def run_reported(t: Tracker) -> Tuple[CollectingDispatcher, List[Dict[str, Any]], float, float]:
    """Run the action, then wait for the reports it left in the background: (dispatcher, events, seconds
    until the action returned, seconds until the reports were done)."""
    dispatcher = CollectingDispatcher()

    async def go() -> Tuple[List[Dict[str, Any]], float, float]:
        started = time.perf_counter()
        events = await ActionAnswerPolicy().run(dispatcher, t, {})
        answered = time.perf_counter() - started
        await eligibility.flush_question_log()
        return events, answered, time.perf_counter() - started

    events, answered, reported = asyncio.run(go())
    return dispatcher, events, answered, reported


def test_a_curated_answer_is_not_logged_a_passage_or_nothing_is(eligibility_service: Service) -> None:
    dispatcher, *_ = run_reported(tracker("高新技术企业认定有什么奖励？", sender="qa-gaps"))
    assert "10万元" in said(dispatcher)
    assert questions(eligibility_service, "qa-gaps") == []  # the FAQ answered it
    run_reported(tracker("高企认定奖励是多少", sender="qa-gaps"))  # a confident passage answer: not a gap
    run_reported(tracker("我想问下那个补贴怎么搞", sender="qa-gaps"))  # a vague question: a weak guess
    dispatcher, *_ = run_reported(tracker("那需要什么材料？", slots={"current_policy": "CIT-014"}, sender="qa-gaps"))
    assert custom(dispatcher)[0]["citations"][0]["doc_id"] == "CIT-014"  # what the user sees is unchanged
    dispatcher, events, *_ = run_reported(tracker("asdfgh", sender="qa-gaps"))
    assert said(dispatcher) == replies.NOT_FOUND and events == []
    low, follow_up, nothing = questions(eligibility_service, "qa-gaps")
    assert (low["text"], low["outcome"]) == ("我想问下那个补贴怎么搞", "low_confidence") and low["doc_id"]
    assert low["score"] is not None and 0 < low["score"] < LOW_CONFIDENCE_SCORE
    # a follow-up is logged as searched: with the document it was about
    assert follow_up["outcome"] == "low_confidence" and follow_up["text"].endswith("那需要什么材料？")
    assert follow_up["text"] != "那需要什么材料？" and follow_up["doc_id"] == "CIT-014"
    assert (nothing["text"], nothing["outcome"], nothing["doc_id"], nothing["score"]) == ("asdfgh", "not_found", None, None)


def test_reporting_never_breaks_or_holds_up_the_answer(monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    question = f"我身份证{ID_NUMBER}，我想问下那个补贴怎么搞"  # a weak guess: reported
    run(tracker(question, sender="qa-warm"))  # the search's first question loads the index
    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv("POLICYBOT_ELIGIBILITY_URL", f"http://127.0.0.1:{silent.getsockname()[1]}")
        action_settings.get_settings.cache_clear()
        dispatcher, events, answered, reported = run_reported(tracker(question, sender="qa-down"))
    assert len(dispatcher.messages) == 1 and "依据：《" in said(dispatcher) and slots_set(events)["current_policy"]
    assert answered < 0.5 < eligibility.QUESTION_LOG_TIMEOUT_S <= reported < eligibility.QUESTION_LOG_TIMEOUT_S + 1
    warned = [r.getMessage() for r in caplog.records if "question not logged" in r.getMessage()]
    assert warned and ID_NUMBER not in warned[0] and "补贴" not in warned[0]


def test_a_report_the_service_refuses_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def go() -> Optional[bool]:
        task = await eligibility.log_question("qa-refused", "公租房怎么申请", "rated_badly")  # not an outcome
        return await task if task is not None else None

    assert asyncio.run(go()) is False
    assert any("question not logged (rated_badly)" in r.getMessage() for r in caplog.records)
    assert asyncio.run(eligibility.log_question("qa-refused", "   ", "not_found")) is None  # nothing to report


def test_gap_outcome() -> None:
    assert gap_outcome(Answer(query="x", faq=None, hits=[])) == ("not_found", None, None)
    from search.types import Citation, Hit

    def hit(score: float) -> Hit:
        return Hit(chunk_id="c1", doc_id="CIT-001", text="……", score=score,
                   citation=Citation(doc_id="CIT-001", title="t", issuer="i", article="a", source_url="", source_date=""))

    assert gap_outcome(Answer(query="x", faq=None, hits=[hit(1.5)])) == ("low_confidence", 1.5, "CIT-001")
    assert gap_outcome(Answer(query="x", faq=None, hits=[hit(LOW_CONFIDENCE_SCORE + 0.5)])) is None


def test_a_rebuilt_index_is_picked_up_without_a_restart(index_dir) -> None:  # type: ignore[no-untyped-def]
    import os

    from actions.clients import knowledge as knowledge_client

    before = knowledge_client.knowledge_base()
    assert knowledge_client.knowledge_base() is before  # loaded once per process
    manifest = index_dir / "manifest.json"
    stamp = manifest.stat().st_mtime
    os.utime(manifest, (stamp + 10, stamp + 10))  # what a rebuild does last: a new manifest
    try:
        after = knowledge_client.knowledge_base()
        assert after is not before and knowledge_client.ask("居住证第一次怎么申请").hits
    finally:
        os.utime(manifest, (stamp, stamp))


def test_out_of_date_documents_say_so_in_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped corpus on a fixed today (the eligibility service's ELIGIBILITY_TODAY): ENT-045's measure ran to
    2023-06-30, ENT-030 was replaced by ENT-031's 操作规程, 居住证 has no end."""
    monkeypatch.setenv("ELIGIBILITY_TODAY", "2026-12-03")
    action_settings.get_settings.cache_clear()
    expired, _ = run(tracker("开业促销补贴能补多少钱？"))
    assert custom(expired)[0]["citations"][0]["doc_id"] == "ENT-045"
    assert "该政策已于2023年6月30日到期，以主管部门最新通知为准。" in said(expired).split("\n")
    replaced, _ = run(tracker("技改投资补贴能拿多少？"))
    assert custom(replaced)[0]["citations"][0]["doc_id"] == "ENT-030"
    assert "该文件已被《企业技术改造项目扶持计划操作规程》（深工信规〔2024〕12号）替代，请以新文件为准。" in said(replaced)
    current, _ = run(tracker("居住证第一次怎么申请"))
    assert "notice" not in custom(current)[0] and "截止" not in said(current) and "替代" not in said(current)
    monkeypatch.setenv("ELIGIBILITY_TODAY", "2023-06-01")  # before the end: nothing to say
    action_settings.get_settings.cache_clear()
    assert "到期" not in said(run(tracker("开业促销补贴能补多少钱？"))[0])
