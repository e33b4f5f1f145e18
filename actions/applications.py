"""One-click application: show what is pre-filled (无感申办) and attached (免证办), submit, report
秒批 or review, and tell the status of past applications."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clients import eligibility
from actions.clients.eligibility import EligibilityError
from actions.feedback import rating_buttons
from actions.policy_qa import mentioned_policy
from actions.profile import ensure_profile

STATUS_WORDS = {"submitted": "已提交", "under_review": "审核中", "approved": "已批准", "rejected": "未通过",
                "paid": "已拨付"}


class ActionPrepareApplication(Action):
    def name(self) -> str:
        return "action_prepare_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        policy_id = mentioned_policy(tracker) or tracker.get_slot("pending_application") or tracker.get_slot("current_policy")
        if not policy_id:
            dispatcher.utter_message(text="请问您要申报哪一项政策？可以说政策名称，或先问“我能申请哪些补贴”。")
            return []
        profile_id, events = await ensure_profile(tracker, dispatcher)
        if not profile_id:
            dispatcher.utter_message(text="申报需要先确认身份：请发送企业的统一社会信用代码（个人请发身份证号），"
                                          "我会从数据账户自动填好表格。")
            return [SlotSet("pending_application", policy_id)]
        try:
            policy = await eligibility.get_policy(policy_id)
            profile = await eligibility.get_profile(profile_id)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        fields = profile.get("fields") or {}
        shown = [f"· {f.get('label', name)}：{_value(f)}" for name, f in list(fields.items())[:6] if isinstance(f, dict)]
        licences = profile.get("licences") or []
        lines = [f"将为 {profile.get('name', '您')} 申报《{policy.get('title')}》，以下信息已从数据账户自动填写：", *shown]
        if licences:
            lines.append("电子证照自动调用：" + "、".join(str(x.get("name", x)) if isinstance(x, dict) else str(x)
                                                  for x in licences[:4]))
        lines.append("确认无误即可一键申报。")
        dispatcher.utter_message(text="\n".join(lines), buttons=[{"title": "一键申报", "payload": "/affirm"},
                                                                 {"title": "先不报", "payload": "/deny"}])
        return [*events, SlotSet("pending_application", policy_id), SlotSet("awaiting", "apply_confirm")]


def _value(field: Dict[str, Any]) -> str:
    value = field.get("value")
    if isinstance(value, list):
        return "、".join(map(str, value)) or "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    unit = field.get("unit") or ""
    return f"{value}{unit}"


class ActionSubmitApplication(Action):
    def name(self) -> str:
        return "action_submit_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        policy_id, profile_id = tracker.get_slot("pending_application"), tracker.get_slot("profile_id")
        if not policy_id or not profile_id:
            dispatcher.utter_message(text="请先告诉我要申报的政策。")
            return [SlotSet("awaiting", None)]
        key = f"{tracker.sender_id}:{profile_id}:{policy_id}"
        try:
            app = await eligibility.create_application(profile_id, policy_id, key, tracker.sender_id)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return [SlotSet("awaiting", None)]
        status = app.get("status")
        if status == "approved":
            text = f"申报成功，已秒批通过！审批编号 {app.get('approval_number') or app['id']}，" \
                   f"申请编号 {app['id']}。资金将按规定拨付，请留意短信通知。"
        else:
            limit = app.get("time_limit") or "以主管部门最新通知为准"
            text = f"申报已提交，申请编号 {app['id']}，目前{STATUS_WORDS.get(status, '审核中')}。办理时限：{limit}。" \
                   "有进展会通知您，也可以随时问我“申报进度”。"
        dispatcher.utter_message(text=text, json_message={"type": "application", "id": app["id"], "status": status})
        dispatcher.utter_message(text="请您为本次服务评价：", buttons=rating_buttons())
        return [SlotSet("awaiting", None), SlotSet("pending_application", None), SlotSet("last_application", app["id"])]


class ActionApplicationStatus(Action):
    def name(self) -> str:
        return "action_application_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        profile_id, events = await ensure_profile(tracker, dispatcher)
        if not profile_id:
            dispatcher.utter_message(text="请发送统一社会信用代码或身份证号，我帮您查申报进度。")
            return []
        try:
            apps = await eligibility.applications(profile_id)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        if isinstance(apps, dict):
            apps = apps.get("items") or apps.get("applications") or []
        if not apps:
            dispatcher.utter_message(text="您目前没有申报记录。需要的话可以说“我能申请哪些补贴”。")
            return []
        lines = ["您的申报记录："]
        for app in apps[:5]:
            lines.append(f"· {app.get('policy_title') or app.get('policy_id')}：{STATUS_WORDS.get(app.get('status'), app.get('status'))}"
                         f"（编号 {app.get('id')}）")
        dispatcher.utter_message(text="\n".join(lines))
        return events
