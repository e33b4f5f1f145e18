"""Logging in and out, the one-time code, a person's own data, and the receiving account of a 免申即享
grant: each a thin adapter over the eligibility service's binding and personal-data API."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import match_view
from actions.clients import eligibility
from actions.clients.eligibility import EligibilityError
from actions.profile import bound_events, ensure_profile, profile_or_ask, typed_identifier
from bot.identity_text import bank_account, bank_name, one_time_code

Events = List[Dict[str, Any]]
RESUMABLE = {"action_prepare_application", "action_check_grants", "action_application_status",
             "action_find_policies", "action_my_data"}


def channel_of(tracker: Tracker) -> str:
    name = (tracker.get_latest_input_channel() or "rest").lower()
    return name if name in ("rest", "wechat", "web", "socketio") else "rest"


def _not_waiting(events: Events) -> Events:
    """Stop waiting for what this action asked, unless the events now wait for a code (an identifier
    typed in the same message started a verification)."""
    if any(e.get("name") == "awaiting" for e in events):
        return events
    return [*events, SlotSet("awaiting", None)]


class ActionLogIn(Action):
    def name(self) -> str:
        return "action_log_in"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> Events:
        said = len(dispatcher.messages)
        profile_id, events = await ensure_profile(tracker, dispatcher)
        waits = any(e.get("name") == "awaiting" for e in events)
        if not profile_id and not waits and len(dispatcher.messages) > said:  # the check failed and said why
            return events
        if profile_id:
            name = tracker.get_slot("profile_name") or next(
                (e["value"] for e in events if e.get("name") == "profile_name"), None) or ""
            dispatcher.utter_message(text=f"您已登录（{name} {profile_id}），可以直接办理。要换一个身份，请先说“退出登录”。")
            return events
        if any(e.get("name") == "awaiting" for e in events):  # an identifier in the message: code sent
            return events
        try:
            link = await eligibility.login_link(tracker.sender_id, channel_of(tracker))
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return events
        minutes = int(link["expires_in"]) // 60
        dispatcher.utter_message(
            text=f"请点击链接，用统一身份认证登录（{minutes}分钟内有效）：\n{link['login_url']}\n"
                 "登录后页面会显示6位确认码，请把它发给我。没有账号的话，也可以发送身份证号（企业发统一社会信用代码），"
                 "我给数据账户登记的手机发验证码。",
            json_message={"type": "login", "url": link["login_url"], "expires_in": link["expires_in"]})
        return [*events, SlotSet("awaiting", "otp_code")]


class ActionVerifyCode(Action):
    def name(self) -> str:
        return "action_verify_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> Events:
        text = tracker.latest_message.get("text") or ""
        if typed_identifier(tracker):  # a new number instead of the code: send a code for that one
            resume = tracker.get_slot("resume_action")
            profile_id, sent = await ensure_profile(tracker, dispatcher, resume)
            if profile_id:  # the subject this conversation is already bound to: no code needed
                dispatcher.utter_message(text="您已完成身份验证，无需验证码，可以直接办理。")
                done: Events = [*sent, SlotSet("awaiting", None), SlotSet("resume_action", None)]
                return done + ([FollowupAction(resume)] if resume in RESUMABLE else [])
            return sent
        code = one_time_code(text)
        if code is None:
            dispatcher.utter_message(text="请直接发送短信里的6位数字验证码。没收到的话可以说“重新发送验证码”。")
            return []
        try:
            bound = await eligibility.verify_code(tracker.sender_id, code, channel_of(tracker))
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            if exc.code in ("otp_locked", "otp_expired", "otp_not_requested"):
                return [SlotSet("awaiting", None)]
            return []
        subject = bound.get("subject") or {}
        who = subject.get("name") or ""
        words = "数据账户里已有您的信息，办理时不用再填。" if subject.get("in_data_account") else \
            "数据账户里暂时没有您的信息，办理时需要您补充。"
        resume = tracker.get_slot("resume_action")
        offer, buttons = ("", []) if resume in RESUMABLE else await _offer_to_check(tracker)
        dispatcher.utter_message(text=f"验证成功，{who}您好！{words}说“退出登录”即可解除。{offer}", buttons=buttons)
        events: Events = [SlotSet("awaiting", None), SlotSet("resume_action", None), *bound_events(bound)]
        # what the user asked before verifying runs now; otherwise the turn ends here (the rule that led
        # here no longer matches once `awaiting` is cleared, and a guessed next action would be noise)
        events.append(FollowupAction(resume if resume in RESUMABLE else "action_listen"))
        return events


async def _offer_to_check(tracker: Tracker) -> Tuple[str, List[Dict[str, str]]]:
    """Once bound, with nothing else to resume: what the data account already qualifies for, and the offer
    to check the policies still open, one question at a time, the largest possible benefit first. Nothing
    when the service cannot match now (the verification itself succeeded) or nothing is left open."""
    try:
        match = await eligibility.match(tracker.sender_id, True, tracker.get_slot("declared_fields") or {},
                                        shown=0)
    except EligibilityError:
        return "", []
    pending = match_view.count(match, "needs_information")
    if not pending or match_view.next_question(match) is None:
        return "", []
    eligible = match_view.count(match, "eligible")
    known = f"\n按数据账户的信息，您已符合 {eligible} 项政策；" if eligible else "\n"
    return (f"{known}另有 {pending} 项还差一些信息才能判断。{match_view.next_step_text(match)}",
            [dict(match_view.MORE_BUTTON), dict(match_view.NOT_NOW_BUTTON)])


class ActionLogOut(Action):
    def name(self) -> str:
        return "action_log_out"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> Events:
        try:
            done = await eligibility.unbind(tracker.sender_id)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        text = "已退出登录，本次对话不再代表您办理任何事项。" if done.get("unbound") else "您目前没有登录，无需退出。"
        dispatcher.utter_message(text=text)
        return [SlotSet("profile_id", None), SlotSet("profile_name", None), SlotSet("pending_application", None),
                SlotSet("awaiting", None), SlotSet("resume_action", None)]


class ActionMyData(Action):
    def name(self) -> str:
        return "action_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> Events:
        profile_id, events = await profile_or_ask(tracker, dispatcher, resume="action_my_data")
        if not profile_id:
            return events
        try:
            data = await eligibility.my_data(tracker.sender_id)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return events
        lines = [f"我们保存的与您有关的信息（{data['subject']['id']}）：",
                 f"· 数据账户信息 {len(data.get('data_account') or {})} 项（来自各部门共享数据和您告诉我们的）",
                 f"· 申请 {len(data.get('applications') or [])} 笔，消息 {len(data.get('notifications') or [])} 条",
                 f"· 订阅 {len(data.get('subscriptions') or [])} 个，工单 {len(data.get('tickets') or [])} 张",
                 f"· 对话记录保存 {data['retention']['transcripts_days']} 天后自动清除",
                 "需要删除的话，说“删除我的个人信息”。"]
        dispatcher.utter_message(text="\n".join(lines), json_message={"type": "my_data", "data": data})
        return events


class ActionDeleteMyData(Action):
    """Asks first (awaiting=delete_confirm); deletes on the confirmation."""

    def name(self) -> str:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> Events:
        if tracker.get_slot("awaiting") != "delete_confirm":
            profile_id, events = await profile_or_ask(tracker, dispatcher)
            if not profile_id:
                return _not_waiting(events)
            dispatcher.utter_message(
                text="确认删除吗？将删除您告诉我们的信息、订阅、对话记录，并退出登录；申请和资金发放记录依法需要保存，不会删除。",
                buttons=[{"title": "确认删除", "payload": "/affirm"}, {"title": "先不删", "payload": "/deny"}])
            return [*events, SlotSet("awaiting", "delete_confirm")]
        try:
            done = await eligibility.delete_my_data(tracker.sender_id)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return [SlotSet("awaiting", None)]
        kept = done.get("kept") or {}
        dispatcher.utter_message(
            text="已删除，并已退出登录。" + (f"依法保存的申请 {kept.get('applications', 0)} 笔、资金记录 {kept.get('grants', 0)} 笔不在删除范围。"
                                  if any(kept.values()) else ""))
        return [SlotSet("awaiting", None), SlotSet("profile_id", None), SlotSet("profile_name", None),
                SlotSet("declared_fields", None), SlotSet("pending_application", None)]


class ActionConfirmGrant(Action):
    def name(self) -> str:
        return "action_confirm_grant"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> Events:
        text = tracker.latest_message.get("text") or ""
        account, bank = bank_account(text), bank_name(text)
        if not account or not bank:
            missing = "卡号" if not account else "开户银行"
            hint = "您发的像是证件号码，不是银行卡号。" if not account and typed_identifier(tracker) else ""
            dispatcher.utter_message(text=f"{hint}没有看到{missing}。请按“开户银行 + 卡号”发给我，"
                                          "例如：工商银行 6222 0212 3456 7890 123。")
            return []
        profile_id, events = await profile_or_ask(tracker, dispatcher)
        if not profile_id:
            return _not_waiting(events)
        try:
            notes = await eligibility.notifications(tracker.sender_id)
            waiting = [n["grant"] for n in notes.get("notifications") or []
                       if n.get("grant") and n["grant"].get("status") == "notified"]
            if not waiting:
                dispatcher.utter_message(text="您目前没有待确认收款账户的免申即享资金。")
                return [*events, SlotSet("awaiting", None)]
            grant = waiting[0]
            paid = await eligibility.confirm_grant(tracker.sender_id, grant["id"], bank, account)
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return [*events, SlotSet("awaiting", None)]
        amount = f"{paid['amount_wan'] * 10000:g}元" if isinstance(paid.get("amount_wan"), (int, float)) else "相应资金"
        more = "还有其他待确认的资金，可以再说“查看免申即享”。" if len(waiting) > 1 else ""
        dispatcher.utter_message(
            text=f"已确认收款账户（{paid.get('account')}），“{paid.get('policy_title')}”{amount}已发放"
                 f"（演示环境为模拟拨付）。{'到账短信会发到您在数据账户登记的手机。' if paid.get('sms_queued') else ''}{more}",
            json_message={"type": "grant", "id": paid["id"], "status": paid["status"]})
        return [*events, SlotSet("awaiting", None), FollowupAction("action_listen")]
