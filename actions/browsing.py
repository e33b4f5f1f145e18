"""政策文件导办 and 补贴事项导办 in a conversation: the list of a policy file's or a category's items (with ✓/✗/？
for a bound user, from one match restricted to those items), and an item opened from its button. What is
listed and how it reads: search/browsing.py. Called from the existing actions (action_start_matching,
action_answer_policy, the not-understood answer), so the Rasa model and domain stay as they are."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import match_view
from actions.clients import eligibility
from actions.clients.eligibility import EligibilityError
from search.browsing import Request, catalogue

# the corpus is read once per process (about 0.7 s): at start-up, not in the first browsing turn
threading.Thread(target=catalogue, name="browsing-catalogue", daemon=True).start()


def _bound(tracker: Tracker) -> bool:
    return bool(tracker.get_slot("profile_id"))


Fit = Dict[str, Dict[str, str]]  # policy id -> its status and handling, from the eligibility service


async def _fit(tracker: Tracker, request: Request) -> tuple[Request, Optional[Fit]]:
    """For a bound user: the category narrowed to the subject's kind (an enterprise sees enterprise items) and
    each listed item's status and handling, from one match restricted to the items (the service matches a
    subject on its own kind's items only). None when unbound or unreachable."""
    if not _bound(tracker) or request.kind not in ("category", "file"):
        return request, None
    try:
        if request.kind == "category" and request.audience is None:
            kind = (await eligibility.get_profile(tracker.sender_id)).get("kind")
            if kind in ("enterprise", "citizen"):
                request = dataclasses.replace(request, audience=kind)
        items = catalogue().items(request)
        if not items:
            return request, None
        match = await eligibility.match(tracker.sender_id, True, {}, policy_ids=[i.doc_id for i in items], shown=0)
    except EligibilityError:
        return request, None  # the list without marks: browsing does not need the service
    return request, {str(r.get("policy_id")): {"status": str(r.get("status")), "handling": str(r.get("handling") or "")}
                     for r in match_view.results(match)}


async def reply_if_browsing(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[EventType]]:
    """Say the list when the latest message asks for a policy file's or a category's items; None (nothing
    said) when it does not."""
    request = catalogue().recognise(tracker.latest_message.get("text") or "")
    if request is None:
        return None
    request, fit = await _fit(tracker, request)
    status = {k: v["status"] for k, v in fit.items()} if fit else None
    handling = {k: v["handling"] for k, v in fit.items()} if fit else None
    reply = catalogue().listing(request, status, handling=handling)
    items = [{"policy_id": i.doc_id, "title": i.title, "benefit": i.benefit,
              "mode": (handling or {}).get(i.doc_id) or i.mode,
              **({"fit": status.get(i.doc_id)} if status else {})} for i in reply.items]
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons,
                             json_message={"type": "browse", "by": request.kind, "key": request.key, "items": items})
    # browsing is not a match: a category named here must not narrow the next "我能申请哪些补贴"
    return [SlotSet("category", None)]


def opened_item(tracker: Tracker, policy_id: Optional[str]) -> Optional[str]:
    """The item an item button opened (its payload: ``/ask_policy{"policy": id}``), else None."""
    text = (tracker.latest_message.get("text") or "").strip()
    if not text.startswith("/") or not policy_id or policy_id not in catalogue().docs:
        return None
    return policy_id


async def show_conditions(dispatcher: CollectingDispatcher, tracker: Tracker, policy_id: str) -> Optional[List[EventType]]:
    """A bound user's item: each condition ✓/✗/？ from a match restricted to it, and 一键申报 when every
    condition is met (免申即享 needs none). None when unbound, or the service cannot say (the caller answers
    from the documents instead)."""
    if not _bound(tracker):
        return None
    try:
        match = await eligibility.match(tracker.sender_id, True, {}, policy_ids=[policy_id], shown=0)
    except EligibilityError:
        return None
    result = next((r for r in match_view.results(match) if r.get("policy_id") == policy_id), None)
    if result is None:
        return None
    status = result.get("status")
    buttons: List[Dict[str, Any]] = []
    if status == "eligible" and result.get("handling") != "免申即享":
        buttons.append({"title": "一键申报", "payload": f'/apply{{"policy": "{policy_id}"}}'})
    if status == "needs_information":
        buttons.append({"title": "补充信息", "payload": "/check_eligibility"})
    buttons.append({"title": "需要什么材料", "payload": "需要什么材料"})
    dispatcher.utter_message(text=match_view.checklist_text(result), buttons=buttons,
                             json_message={"type": "checklist", "item": match_view.card_item(result)})
    return [SlotSet("current_policy", policy_id)]
