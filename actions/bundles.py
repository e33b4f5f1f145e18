"""一件事一次办: a life event's items as one checklist, then one guided submission.

"开始办理" (or the button) after a bundle was shown: the checklist for the bound user's own data account
(✓ what it already settles, the electronic licences fetched instead of paper), one plain question at a
time for what is still needed (each answer stored in the data account), then one pre-filled form and one
confirmation that applies for every ready item at once. The state lives in the eligibility service (per
subject and bundle), so saying "开始办理" again later, in any conversation, resumes where it was.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.clients import eligibility, knowledge
from actions.clients.eligibility import EligibilityError
from actions.feedback import BUNDLE_LEFT

Events = List[Dict[str, Any]]
LEAVE = re.compile(r"先不办|不办了|以后再办|下次再办|暂不办理|先不弄|算了")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
STATE_MARK = {"ready": "✓", "applied": "✓", "needs_information": "？", "no_application": "★",
              "other_audience": "·", "not_eligible": "✗", "window_closed": "✗"}


class ActionShowBundle(Action):
    def name(self) -> str:
        return "action_show_bundle"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        answer = knowledge.ask(tracker.latest_message.get("text") or "", filters={"kind": "bundle"})
        hits = [h for h in answer.hits if h.doc_id.startswith("BUN-")]
        if not hits:
            dispatcher.utter_message(text="抱歉，暂时没有找到对应的“一件事一次办”。您可以说说具体要办什么事。")
            return []
        bundle_id = hits[0].doc_id
        try:
            bundle = await eligibility.get_policy(bundle_id)
            members = [await eligibility.get_policy(m) for m in bundle.get("members", [])]
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        lines = [f"“{bundle.get('title')}”可以一次办好，按顺序是："]
        lines += [f"{i}. {m.get('title')}" for i, m in enumerate(members, 1)]
        lines.append("一张表、一次提交，材料能调用电子证照的不用再交。")
        progress = await _progress(tracker, bundle_id) if tracker.get_slot("profile_id") else None
        lines.append(progress or "说“开始办理”即可开始。")
        dispatcher.utter_message(text="\n".join(lines) + "\n" + replies.citation_line(hits[0].citation),
                                 buttons=[{"title": "开始办理", "payload": "/apply"}],
                                 json_message={"type": "bundle", "id": bundle_id, "members": bundle.get("members", []),
                                               "citations": [replies.citation_payload(hits[0].citation)]})
        if tracker.get_slot("awaiting") == "otp_code":  # a code is on its way: keep waiting for it
            return [SlotSet("current_policy", bundle_id)]
        return [SlotSet("current_policy", bundle_id), SlotSet("awaiting", "bundle_start")]


async def _progress(tracker: Tracker, bundle_id: str) -> Optional[str]:
    """Where a bound user left this bundle, in one line (None when nothing was started)."""
    try:
        checklist = await eligibility.bundle_checklist(tracker.sender_id, bundle_id)
    except EligibilityError:
        return None
    sub = checklist.get("submission")
    if sub:
        return f"您上次已提交：{sub['summary']}。说“开始办理”可查看各项进度或继续办理。"
    return None


def _answer(question: Dict[str, Any], tracker: Tracker) -> Any:
    """The value a message gives for the asked field: a button's payload, 是/否 by intent, a number, text."""
    text = (tracker.latest_message.get("text") or "").strip()
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if text.startswith("/"):
        brace = text.find("{")
        if brace > 0:
            try:
                value = json.loads(text[brace:]).get("answer")
                if value is not None:
                    return value
            except (ValueError, AttributeError):
                pass
        intent = text[1:brace if brace > 0 else None]
    kind = question.get("type")
    if kind == "bool":
        if intent == "affirm":
            return True
        if intent == "deny":
            return False
        return text
    if kind in ("int", "number"):
        found = NUMBER.search(text)
        return found.group(0) if found else text
    if kind == "list":
        return [p for p in re.split(r"[、,，;；和 ]+", text) if p]
    return text


def _buttons(question: Dict[str, Any]) -> List[Dict[str, str]]:
    if question.get("type") == "bool":
        options = [{"title": "是", "payload": "/affirm"}, {"title": "否", "payload": "/deny"}]
    else:
        options = [{"title": e, "payload": "/inform" + json.dumps({"answer": e}, ensure_ascii=False)}
                   for e in (question.get("examples") or [])[:4]]
    return options + [{"title": "先不办", "payload": "先不办"}]


def _item_line(item: Dict[str, Any]) -> str:
    mark = STATE_MARK.get(item["state"], "·")
    line = f"{mark} {item['short_title']}"
    if item["state"] == "ready":
        settled = "；".join(s["text"] for s in item.get("settled") or [])
        line += "：条件已由数据账户核验满足" + (f"（{settled}）" if settled and len(settled) <= 60 else "")
    elif item["state"] == "needs_information":
        line += f"：还需补充 {len(item.get('missing') or [])} 项信息"
    elif item["state"] == "applied":
        line += f"：已申请（{item.get('status_label')}，编号 {item.get('application_id')}）"
    elif item["state"] == "no_application":
        grant = item.get("grant")
        line += "：免申即享，无需申请" + (f"（{grant['status_label']}）" if grant else "")
    elif item["state"] == "other_audience":
        line += f"：{item.get('note')}"
    elif item["state"] == "not_eligible":
        line += "：暂不符合（" + "；".join(item.get("not_met") or [])[:60] + "）"
    else:
        line += "：当前不在申报期"
    covered = [c["licence"] for c in item.get("licences") or []]
    if covered:
        line += f"；免证办：调用电子{'、'.join(dict.fromkeys(covered))}"
    return line


def _status_text(sub: Dict[str, Any]) -> str:
    lines = [f"“{sub['title']}”办理进度：{sub['summary']}。"]
    lines += [f"{'✓' if i['done'] else '·'} {i['title']}：{i['status_label']}"
              + (f"（编号 {i['application_id']}）" if i.get("application_id") else "") for i in sub["items"]]
    return "\n".join(lines)


async def prepare(dispatcher: CollectingDispatcher, tracker: Tracker, bundle_id: str, events: Events) -> Events:
    """The checklist, the next question, or the one pre-filled form to confirm. Ends the turn."""
    listen = FollowupAction("action_listen")
    text = tracker.latest_message.get("text") or ""
    asking = tracker.get_slot("awaiting") == "bundle_field" and tracker.get_slot("pending_application") == bundle_id
    if asking and LEAVE.search(text):
        dispatcher.utter_message(text=BUNDLE_LEFT)
        return [*events, SlotSet("awaiting", None), SlotSet("pending_application", None), listen]
    try:
        checklist = await eligibility.bundle_checklist(tracker.sender_id, bundle_id)
        question = checklist.get("next_question")
        if asking and question:
            try:
                await eligibility.declare_fields(tracker.sender_id, {question["field"]: _answer(question, tracker)})
            except EligibilityError as exc:
                if exc.status != 422:
                    raise
                dispatcher.utter_message(text=f"{exc.message}\n{question['question']}", buttons=_buttons(question))
                return [*events, SlotSet("pending_application", bundle_id), SlotSet("awaiting", "bundle_field"), listen]
            checklist = await eligibility.bundle_checklist(tracker.sender_id, bundle_id)
    except EligibilityError as exc:
        dispatcher.utter_message(text=exc.message)
        return [*events, SlotSet("awaiting", None), listen]
    question = checklist.get("next_question")
    lines: List[str] = []
    if not asking:
        lines.append(f"“{checklist['title']}”办理清单（{checklist['profile_id']}）：")
        lines += [_item_line(i) for i in checklist["items"]]
        if checklist.get("licences"):
            lines.append("电子证照自动调用，不用交纸质材料：" + "、".join(lic["type"] for lic in checklist["licences"]) + "。")
    if question:
        left = len(checklist.get("questions") or [])
        lines.append(f"还需要您补充 {left} 项信息，一次问一项（说“先不办”可随时离开，下次接着办）：" if not asking
                     else f"已记下。还差 {left} 项：")
        lines.append(question["question"])
        dispatcher.utter_message(text="\n".join(lines), buttons=_buttons(question),
                                 json_message={"type": "bundle_question", "bundle_id": bundle_id,
                                               "field": question["field"], "left": left})
        return [*events, SlotSet("pending_application", bundle_id), SlotSet("awaiting", "bundle_field"), listen]
    if checklist.get("can_submit"):
        form = checklist["form"]
        if asking:
            lines.append("信息已补齐。")
        ready = [i["short_title"] for i in checklist["items"] if i["state"] == "ready"]
        lines.append(f"合并为一张表：共 {form['total']} 项，已预填 {form['prefilled']} 项（数据账户核验或您已告知）。")
        lines.append(f"确认后将一次提交 {len(ready)} 项：{'、'.join(ready)}。")
        dispatcher.utter_message(text="\n".join(lines),
                                 buttons=[{"title": "确认提交", "payload": "/affirm"}, {"title": "先不办", "payload": "/deny"}],
                                 json_message={"type": "bundle_form", "bundle_id": bundle_id, "form": form,
                                               "items": checklist["items"]})
        return [*events, SlotSet("pending_application", bundle_id), SlotSet("awaiting", "apply_confirm"), listen]
    sub = checklist.get("submission")
    if sub:
        lines.append(_status_text(sub))
    else:
        lines.append("这件事中目前没有可以由您一并提交的事项，其余事项请按上面的说明办理。")
    dispatcher.utter_message(text="\n".join(lines))
    return [*events, SlotSet("awaiting", None), SlotSet("pending_application", None), listen]


async def submit(dispatcher: CollectingDispatcher, tracker: Tracker, bundle_id: str, profile_id: str) -> Events:
    """The one confirmation: every ready item applied for, status per item and for the whole."""
    try:
        sub = await eligibility.submit_bundle(tracker.sender_id, bundle_id, f"{tracker.sender_id}:{profile_id}:{bundle_id}")
    except EligibilityError as exc:
        dispatcher.utter_message(text=exc.message)
        return [SlotSet("awaiting", None), SlotSet("pending_application", None), FollowupAction("action_listen")]
    sms = "和短信" if sub.get("sms_queued") else ""
    dispatcher.utter_message(text="已一次提交。" + _status_text(sub) + f"\n审核结果会发到消息{sms}，也可以随时问我“申报进度”。",
                             json_message={"type": "bundle_submission", "id": sub["id"], "summary": sub["summary"],
                                           "items": sub["items"]})
    return [SlotSet("awaiting", None), SlotSet("pending_application", None), SlotSet("last_application", sub["id"]),
            FollowupAction("action_listen")]
