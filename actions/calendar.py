"""政策月历 (what opens this month, what is open now, what closes soon) and subscriptions."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation
from actions.clients import eligibility
from actions.clients.eligibility import EligibilityError
from actions.policy_qa import mentioned_policy

SOON = ("截止", "快到期", "快结束", "最后", "来不及", "赶紧")


def _items(answer: Any) -> List[Dict[str, Any]]:
    """The windows in a calendar answer (month: opening + open_during; open now; closing soon)."""
    if not isinstance(answer, dict):
        return []
    seen, out = set(), []
    for key in ("opening", "open_during", "open", "closing"):
        for item in answer.get(key) or []:
            if item.get("policy_id") not in seen:
                seen.add(item.get("policy_id"))
                out.append(item)
    return out


def _line(item: Dict[str, Any]) -> str:
    window = item.get("window") or {}
    start, end = window.get("start") or "", window.get("end") or ""
    span = f"{start} 至 {end}" if start and end else (window.get("text") or "常年受理")
    left = f"，还剩 {item['days_left']} 天" if item.get("days_left") is not None else ""
    return f"· {item.get('title') or item.get('policy_id')}：{span}{left}"


class ActionCalendar(Action):
    def name(self) -> str:
        return "action_calendar"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        month = conversation.entity(tracker, "date")
        try:
            if any(w in text for w in SOON):
                items, head = _items(await eligibility.calendar(closing_within_days=30)), "30天内截止的申报："
            elif month and isinstance(month, str) and len(month) == 7:
                items, head = _items(await eligibility.calendar(month=month)), f"{month} 可申报的事项："
            else:
                items, head = _items(await eligibility.calendar(open_now="true")), "目前正在受理的申报："
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        if not items:
            dispatcher.utter_message(text="这段时间暂无已公布的申报窗口，具体以主管部门最新通知为准。"
                                          "可以说“订阅”，验证身份后，开始申报或截止前7天会短信提醒您。")
            return []
        dispatcher.utter_message(text="\n".join([head, *(_line(i) for i in items[:8])]),
                                 buttons=[{"title": "订阅申报提醒", "payload": "/subscribe"}],
                                 json_message={"type": "calendar", "month": month if isinstance(month, str)
                                               and len(month) == 7 else None})
        return []


class ActionSubscribe(Action):
    def name(self) -> str:
        return "action_subscribe"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        # a policy named now, else a category, else the policy being discussed, else everything
        topic = str(mentioned_policy(tracker) or conversation.entity(tracker, "category")
                    or tracker.get_slot("current_policy") or "all")
        try:
            sub = await eligibility.subscribe(tracker.sender_id, topic)
        except EligibilityError as exc:
            dispatcher.utter_message(text=_subscribe_failed(exc, topic))
            return []
        label = sub.get("label") or f"「{topic}」"
        head = f"您已订阅过{label}的申报提醒，无需重复订阅。" if sub.get("existing") else f"已为您订阅{label}的申报提醒。"
        if tracker.get_slot("profile_id"):
            tail = "开始申报或截止前7天，会短信通知您在数据账户登记的手机。"
        else:
            tail = "提醒会以短信发到数据账户登记的手机，需要您先验证身份：说“登录”即可。"
        dispatcher.utter_message(text=head + tail)
        return []


def _subscribe_failed(exc: EligibilityError, topic: str) -> str:
    if exc.code == "unknown_topic":
        return f"抱歉，暂时没有「{topic}」相关的政策可以订阅。您可以说“订阅人才政策”这样的类别，或说“订阅全部政策”。"
    if exc.code == "unavailable":
        return exc.message
    return "抱歉，订阅暂时没有成功，请您稍后再试，或说“转人工”。"
