"""One-click application: show what is pre-filled (无感申办) and attached (免证办), submit, report
秒批 or review, and tell the status of past applications."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import bundles
from actions.clients import eligibility
from actions.clients.eligibility import EligibilityError
from actions.feedback import rating_buttons
from actions.policy_qa import mentioned_policy
from actions.profile import ensure_profile, profile_or_ask

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
        said = len(dispatcher.messages)
        profile_id, events = await ensure_profile(tracker, dispatcher, resume="action_prepare_application")
        if not profile_id:
            waits = any(e.get("name") == "awaiting" for e in events)  # a code was sent for a typed identifier
            if not waits and len(dispatcher.messages) > said:  # the check failed and said why (service unreachable)
                return events
            if not waits:
                dispatcher.utter_message(text="申报前需要先确认是您本人：请发送企业的统一社会信用代码（个人请发身份证号），"
                                              "我会给数据账户登记的手机发验证码，验证后自动填好表格；也可以说“登录”。")
            return [*events, SlotSet("pending_application", policy_id), SlotSet("resume_action", "action_prepare_application")]
        if str(policy_id).startswith("BUN-"):  # 一件事一次办: the checklist and one guided submission
            return await bundles.prepare(dispatcher, tracker, str(policy_id), events)
        try:
            policy = await eligibility.get_policy(policy_id)
            profile = await eligibility.get_profile(tracker.sender_id)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        fields = profile.get("fields") or {}
        wanted = policy_fields(policy.get("conditions") or [])
        verified = [(n, f) for n, f in fields.items() if n in wanted and isinstance(f, dict)
                    and f.get("provenance") == "verified"]
        shown = [f"· {f.get('label', n)}：{_value(f)}（{f.get('source') or '共享数据'}）" for n, f in verified[:8]]
        licence = "营业执照" if profile.get("kind") == "enterprise" else "居民身份证"
        lines = [f"将为{profile.get('name', '您')}申报《{policy.get('title')}》。"]
        if shown:
            lines += ["以下信息已从数据账户自动填写，无需您再填：", *shown]
        lines.append(f"{licence}等电子证照将按需自动调用，不用另交纸质材料。确认无误即可一键申报。")
        dispatcher.utter_message(text="\n".join(lines), buttons=[{"title": "一键申报", "payload": "/affirm"},
                                                                 {"title": "先不报", "payload": "/deny"}])
        return [*events, SlotSet("pending_application", policy_id), SlotSet("awaiting", "apply_confirm")]


def policy_fields(nodes: List[Any]) -> List[str]:
    """Every profile field a policy's conditions read, in order."""
    found: List[str] = []
    for node in nodes:
        if not isinstance(node, dict):
            continue
        if "field" in node and node["field"] not in found:
            found.append(node["field"])
        for key in ("any", "all"):
            found += [f for f in policy_fields(node.get(key) or []) if f not in found]
        if isinstance(node.get("applies_if"), dict):
            found += [f for f in policy_fields([node["applies_if"]]) if f not in found]
    return found


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
        if str(policy_id).startswith("BUN-"):
            return await bundles.submit(dispatcher, tracker, str(policy_id), str(profile_id))
        key = f"{tracker.sender_id}:{profile_id}:{policy_id}"
        try:
            app = await eligibility.create_application(tracker.sender_id, policy_id, key)
        except EligibilityError as exc:
            existing = exc.details.get("application_id") if exc.code == "application_exists" else None
            if existing:
                # Applied before (another conversation, another channel): say which one, never a second.
                dispatcher.utter_message(
                    text=f"您已经申报过这项政策，申请编号 {existing}，无需重复提交。可以随时问我“申报进度”。",
                    json_message={"type": "application", "id": existing, "status": exc.details.get("status"),
                                  "existing": True})
                return [SlotSet("awaiting", None), SlotSet("pending_application", None),
                        SlotSet("last_application", existing)]
            dispatcher.utter_message(text=exc.message)
            return [SlotSet("awaiting", None)]
        status = app.get("status")
        sms = "，请留意短信通知" if app.get("sms_queued") else ""
        if status == "approved":
            text = f"申报成功，已秒批通过！申请编号 {app['id']}。系统已按共享数据逐条核验全部条件，" \
                   f"资金将按规定拨付{sms}。"
        else:
            try:
                limit = (await eligibility.get_policy(policy_id)).get("time_limit") or "以主管部门最新通知为准"
            except EligibilityError:
                limit = "以主管部门最新通知为准"
            reason = (app.get("rule_trail") or {}).get("reason") if app.get("handling") == "秒批" else None
            why = f"{reason}" if reason else ""
            text = f"申报已提交，申请编号 {app['id']}，目前{STATUS_WORDS.get(str(status), '审核中')}。{why}办理时限：{limit}。" \
                   f"审核结果会发到消息{'和短信' if sms else ''}，也可以随时问我“申报进度”。"
        dispatcher.utter_message(text=text, json_message={"type": "application", "id": app["id"], "status": status,
                                                          "policy_title": app.get("policy_title"),
                                                          "handling": app.get("handling")})
        dispatcher.utter_message(text="请您为本次服务评价：", buttons=rating_buttons())
        return [SlotSet("awaiting", None), SlotSet("pending_application", None), SlotSet("last_application", app["id"])]


class ActionApplicationStatus(Action):
    def name(self) -> str:
        return "action_application_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[EventType]:
        profile_id, events = await profile_or_ask(tracker, dispatcher, resume="action_application_status")
        if not profile_id:
            return events
        try:
            answer = await eligibility.applications(tracker.sender_id)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return events
        apps = answer.get("applications") or []
        if not apps:
            dispatcher.utter_message(text="您目前没有申报记录。需要的话可以说“我能申请哪些补贴”。")
            return events
        lines = ["您的申报记录："]
        for app in apps[:5]:
            lines.append(f"· {app.get('policy_title') or app.get('policy_id')}：{app.get('status_label') or STATUS_WORDS.get(str(app.get('status')), '办理中')}"
                         f"（编号 {app.get('id')}）")
        dispatcher.utter_message(text="\n".join(lines))
        return events
