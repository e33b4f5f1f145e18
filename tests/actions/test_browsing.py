"""Browsing in the actions (政策文件导办, 补贴事项导办): the list instead of a matching form, an item opened from
its button, ✓/✗/？ for a bound company from the real eligibility service (tests/actions/conftest.py)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Callable, Dict, List, Tuple

import httpx
import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import settings as action_settings
from actions.applications import ActionPrepareApplication
from actions.clients import knowledge
from actions.feedback import ActionFallback
from actions.matching import ActionStartMatching
from actions.policy_qa import ActionAnswerPolicy
from eligibility.profiles.demo import PERSONAS
from search.browsing import FIT_MARK, Item, catalogue, drill_question
from search.concise import shown
from tests.actions.conftest import custom, said, service_headers, slots_set, tracker
from tests.ports import free_port

HUAXIN = PERSONAS[0].id  # 华芯: meets the 秒批 新纳统 rewards of 深龙华府规〔2021〕4号 on verified data
SHANGMAO = "《深圳市龙华区促进商贸服务业高质量发展若干措施》"
Bind = Callable[[str, str], Dict[str, Any]]



def file_items(title: str) -> List[Item]:
    """A policy file's items as the catalogue holds them (the file must be in the corpus)."""
    found = catalogue().file(title)
    assert found is not None, title
    return list(found.items)

def run(action: Action, t: Tracker) -> Tuple[CollectingDispatcher, List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    return dispatcher, asyncio.run(action.run(dispatcher, t, {}))


def browse_card(dispatcher: CollectingDispatcher) -> Dict[str, Any]:
    cards = [c for c in custom(dispatcher) if c.get("type") == "browse"]
    assert len(cards) == 1, dispatcher.messages
    return cards[0]


def buttons(dispatcher: CollectingDispatcher) -> List[Dict[str, str]]:
    return [b for m in dispatcher.messages for b in m.get("buttons") or []]


def service_match(url: str, sender: str, ids: List[str]) -> Dict[str, str]:
    """What the service itself says of these policies for the subject the conversation is bound to."""
    r = httpx.post(f"{url}/match", json={"profile_id": "me", "policy_ids": ids, "view": "compact", "shown": 0},
                   headers=service_headers(sender))
    assert r.status_code == 200, r.text
    return {x["policy_id"]: x["status"] for x in r.json()["results"]}


def service_handling(url: str, policy_id: str) -> str:
    """How the administration runs a policy (秒批, 免申即享, 常规申报): the service's public GET /policies/{id}."""
    r = httpx.get(f"{url}/policies/{policy_id}")
    assert r.status_code == 200, r.text
    handling = r.json()["handling"]
    return str(handling["mode"] if isinstance(handling, dict) else handling)


def test_a_category_is_listed_and_no_form_starts() -> None:
    t = tracker("人才方面有哪些补贴", intent="find_policies", entities=[{"entity": "category", "value": "人才"}],
                slots={"category": "人才"})
    dispatcher, events = run(ActionStartMatching(), t)
    expected = [i.doc_id for i in catalogue().topic_items("人才")]
    assert [i["policy_id"] for i in browse_card(dispatcher)["items"]] == expected
    assert [e["name"] for e in events if e.get("event") == "followup"] == ["action_listen"]
    assert slots_set(events) == {"category": None}  # browsing narrows no later match
    text = said(dispatcher)
    assert "请问" not in text and f"共 {len(expected)} 项" in text
    assert [b["payload"] for b in buttons(dispatcher)] == [f'/ask_policy{{"policy": "{i}"}}' for i in expected]


def test_what_the_user_can_get_still_starts_matching_and_a_policy_question_is_answered() -> None:
    dispatcher, events = run(ActionStartMatching(), tracker("我们公司能申请哪些补贴", intent="find_policies"))
    assert not [c for c in custom(dispatcher) if c.get("type") == "browse"]
    assert slots_set(events)["questions_asked"] == 0
    dispatcher, _ = run(ActionStartMatching(), tracker("专精特新有什么奖励", intent="find_policies"))
    assert not [c for c in custom(dispatcher) if c.get("type") == "browse"]
    assert [c["doc_id"] for p in custom(dispatcher) for c in p.get("citations", [])][:1] == ["ENT-001"]


def test_a_file_read_as_a_question_is_listed_too() -> None:
    dispatcher, _ = run(ActionAnswerPolicy(), tracker("深龙华府规〔2021〕4号里有哪些补贴", intent="ask_policy"))
    card = browse_card(dispatcher)
    assert card["by"] == "file" and card["key"] == SHANGMAO
    assert [i["policy_id"] for i in card["items"]] == [i.doc_id for i in file_items(SHANGMAO)]


def test_a_request_not_understood_is_listed_instead_of_a_guess() -> None:
    dispatcher, _ = run(ActionFallback(), tracker("外贸方面有哪些补贴", intent="nlu_fallback"))
    assert [i["policy_id"] for i in browse_card(dispatcher)["items"]] == \
        [i.doc_id for i in catalogue().topic_items("外贸")][:8]
    assert "不太确定" not in said(dispatcher)


def test_an_item_button_opens_its_cited_conditions_for_an_anonymous_user() -> None:
    item = file_items(SHANGMAO)[0]
    payload = f'/ask_policy{{"policy": "{item.doc_id}"}}'
    t = tracker(payload, intent="ask_policy", entities=[{"entity": "policy", "value": item.doc_id}])
    dispatcher, events = run(ActionAnswerPolicy(), t)
    cited = [c["doc_id"] for p in custom(dispatcher) for c in p.get("citations", [])]
    assert cited == [item.doc_id] and slots_set(events) == {"current_policy": item.doc_id}
    assert {"/check_eligibility", "/apply"} <= {b["payload"] for b in buttons(dispatcher)}


CONDITIONS_ARTICLE = re.compile(r"条件|对象|范围|资格|认定")


def test_every_items_button_answers_with_its_own_conditions() -> None:
    """The search answer an anonymous user gets for each item cites that item, and the article on its conditions
    wherever the document has one."""
    missed = []
    for doc in catalogue().docs.values():
        if doc.kind != "policy":
            continue
        found = shown(knowledge.ask(drill_question(doc), context_doc_id=doc.id))
        assert found is not None and found.citation.doc_id == doc.id, doc.id
        if any(CONDITIONS_ARTICLE.search(a.heading) for a in doc.articles) \
                and not CONDITIONS_ARTICLE.search(found.citation.article or ""):
            missed.append((doc.id, found.citation.article))
    assert not missed, missed


def test_a_bound_company_sees_the_services_fit_for_each_item(bind: Bind, eligibility_url: str) -> None:
    bind("browse-bound", HUAXIN)
    t = tracker("深龙华府规〔2021〕4号有哪些扶持", intent="find_policies", sender="browse-bound",
                slots={"profile_id": HUAXIN})
    dispatcher, _ = run(ActionStartMatching(), t)
    card = browse_card(dispatcher)
    ids = [i["policy_id"] for i in card["items"]]
    expected = service_match(eligibility_url, "browse-bound", ids)
    assert {i["policy_id"]: i["fit"] for i in card["items"]} == expected
    assert "eligible" in expected.values()
    lines = said(dispatcher).splitlines()
    for n, item in enumerate(card["items"], 1):
        assert re.match(rf"{n}\. {FIT_MARK[expected[item['policy_id']]]} ", lines[n]), lines
        # how the administration runs it (the service's configuration), not only what the document says
        assert lines[n].endswith("可秒批") == (service_handling(eligibility_url, item["policy_id"]) == "秒批"), lines[n]


def test_a_bound_company_browsing_a_category_sees_enterprise_items_with_marks(bind: Bind) -> None:
    bind("browse-bound-cat", HUAXIN)
    t = tracker("人才方面有哪些补贴", intent="find_policies", sender="browse-bound-cat", slots={"profile_id": HUAXIN})
    dispatcher, _ = run(ActionStartMatching(), t)
    items = browse_card(dispatcher)["items"]
    expected = [i.doc_id for i in catalogue().topic_items("人才", "enterprise")]
    assert [i["policy_id"] for i in items] == expected and len(expected) < len(catalogue().topic_items("人才"))
    assert all(i["fit"] in FIT_MARK for i in items)


def test_a_bound_company_opens_an_item_its_conditions_marked_and_applies(bind: Bind, eligibility_url: str) -> None:
    bind("browse-open", HUAXIN)
    ids = [i.doc_id for i in file_items(SHANGMAO)]
    eligible = next(i for i, status in service_match(eligibility_url, "browse-open", ids).items() if status == "eligible")
    t = tracker(f'/ask_policy{{"policy": "{eligible}"}}', intent="ask_policy", sender="browse-open",
                entities=[{"entity": "policy", "value": eligible}], slots={"profile_id": HUAXIN})
    dispatcher, events = run(ActionAnswerPolicy(), t)
    checklist = [c for c in custom(dispatcher) if c.get("type") == "checklist"]
    assert checklist and checklist[0]["item"]["policy_id"] == eligible and checklist[0]["item"]["status"] == "eligible"
    assert "✓" in said(dispatcher) and slots_set(events) == {"current_policy": eligible}
    apply = next(b["payload"] for b in buttons(dispatcher) if b["title"] == "一键申报")
    assert json.loads(apply[len("/apply"):]) == {"policy": eligible}
    # the button is the existing one-click application
    t = tracker(apply, intent="apply", sender="browse-open", entities=[{"entity": "policy", "value": eligible}],
                slots={"profile_id": HUAXIN, "current_policy": eligible})
    dispatcher, events = run(ActionPrepareApplication(), t)
    assert "已从数据账户自动填写" in said(dispatcher) and slots_set(events)["pending_application"] == eligible


def test_with_the_service_down_a_bound_user_still_gets_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_ELIGIBILITY_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    action_settings.get_settings.cache_clear()
    t = tracker("人才方面有哪些补贴", intent="find_policies", slots={"profile_id": HUAXIN}, sender="browse-down")
    dispatcher, _ = run(ActionStartMatching(), t)
    items = browse_card(dispatcher)["items"]
    assert [i["policy_id"] for i in items] == [i.doc_id for i in catalogue().topic_items("人才")]
    assert not any(m in said(dispatcher) for m in FIT_MARK.values())
