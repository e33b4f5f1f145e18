"""好差评, complaints, 转人工 and what to do when the assistant did not understand."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation, policy_qa
from actions.clients import eligibility, knowledge
from actions.clients.eligibility import EligibilityError
from bot.identity_text import bank_account, one_time_code
from eligibility import ratings
from knowledge.dates import parse_date, say_date

NOT_UNDERSTOOD = "抱歉，我没太明白您的意思。您可以换个说法，或者说“转人工”由工作人员为您解答。"
BUNDLE_LEFT = "好的，先不办。已填的信息都保存在您的数据账户里，随时说“开始办理”或“继续办理”某件事即可接着办。"
APPLY_CANCELLED = "好的，已取消本次申报，您的信息不会提交。需要时随时说“一键申报”。"
HANDOFF_DECLINED = "好的，那您可以换个说法再问我一次，我尽力帮您。"

RATING_BUTTONS = ratings.buttons()

# What an intent is called when the assistant asks "您是想问…"
INTENT_WORDS = {
    "ask_policy": "了解政策内容", "find_policies": "看看能申请哪些政策", "check_eligibility": "查询是否符合条件",
    "apply": "在线申报", "application_status": "查询申报进度", "policy_calendar": "查看申报时间",
    "subscribe": "订阅政策通知", "check_grants": "查询免申即享待遇", "ask_bundle": "了解一件事一次办",
    "inform": "补充您的信息", "rate_service": "评价服务", "complain": "投诉建议", "human_handoff": "转人工服务",
}


def _by_day(iso: Any) -> str:
    """2026-12-04 -> 12月4日前（5个工作日内）: the due date as people say it."""
    day = parse_date(iso)
    # month and day only: a due date is days away
    return f"{say_date(day, today=day)}前（5个工作日内）" if day is not None else "5个工作日内"


def rating_buttons() -> List[Dict[str, str]]:
    return RATING_BUTTONS


class ActionRateService(Action):
    def name(self) -> str:
        return "action_rate_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        # in either script: the model maps a typed 不满意 to 不滿意 (eligibility.ratings.level_of)
        level = ratings.level_of(conversation.entity(tracker, "rating"))
        if level is None:
            dispatcher.utter_message(text="请您为本次服务打个分：", buttons=rating_buttons())
            return []
        try:
            result = await eligibility.rate(level, None, tracker.sender_id, tracker.get_slot("last_application"))
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        ticket = (result or {}).get("ticket") or {}
        if level in ratings.BAD and ticket:
            dispatcher.utter_message(
                text=f"很抱歉这次没让您满意。已为您登记回访，工单号 {ticket['id']}，工作人员会在5个工作日内联系您。"
                     "方便的话，请告诉我哪里不满意，我一并转给负责的同事。")
            return [SlotSet("awaiting", "rating_reason"), SlotSet("last_ticket", ticket["id"])]
        dispatcher.utter_message(text="感谢您的评价，我们会继续努力！")
        return [SlotSet("awaiting", None)]


class ActionRatingReason(Action):
    def name(self) -> str:
        return "action_rating_reason"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        ticket_id = tracker.get_slot("last_ticket")
        reason = tracker.latest_message.get("text") or ""
        if ticket_id:
            try:
                await eligibility.update_ticket(tracker.sender_id, ticket_id, note=f"用户补充的不满意原因：{reason}")
            except EligibilityError as exc:
                dispatcher.utter_message(text=exc.message)
                return [SlotSet("awaiting", None)]
        dispatcher.utter_message(text=f"已记下您的意见，并补充到工单 {ticket_id} 中。给您添麻烦了，我们会尽快整改。")
        return [SlotSet("awaiting", None)]


class ActionComplain(Action):
    def name(self) -> str:
        return "action_complain"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        try:
            ticket = await eligibility.open_ticket(tracker.sender_id,
                                                   "投诉：" + (tracker.latest_message.get("text") or ""),
                                                   conversation.transcript(tracker),
                                                   contact=conversation.entity(tracker, "phone"), kind="complaint")
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message)
            return []
        dispatcher.utter_message(
            text=f"非常抱歉给您带来不便。您的意见已登记，工单号 {ticket['id']}，工作人员会在{_by_day(ticket.get('due_date'))}"
                 "回访处理。")
        return [SlotSet("last_ticket", ticket["id"])]


class ActionHandoff(Action):
    """转人工, Rasa's handoff pattern: while staffed the conversation pauses for the bot and waits in the
    console's queue; an operator's words then arrive here, and handing back resumes the bot. Outside
    staffed hours the user gets a ticket and the time a person will answer, and the bot goes on."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        try:
            topic = knowledge.title_of(tracker.get_slot("current_policy"))
            ticket = await eligibility.open_ticket(tracker.sender_id, conversation.summary(tracker, topic),
                                                   conversation.transcript(tracker),
                                                   contact=conversation.entity(tracker, "phone"),
                                                   channel=tracker.get_latest_input_channel())
        except EligibilityError as exc:
            dispatcher.utter_message(text=exc.message + " 您也可以直接拨打12345热线。")
            return [SlotSet("awaiting", None)]
        card = {"type": "handoff", "ticket_id": ticket["id"], "live": bool(ticket.get("live"))}
        dispatcher.utter_message(text=handoff_text(ticket), json_message=card)
        events: List[Dict[str, Any]] = [SlotSet("awaiting", None), SlotSet("last_ticket", ticket["id"])]
        return events + [ConversationPaused()] if ticket.get("live") else events


def handoff_text(ticket: Dict[str, Any]) -> str:
    if ticket.get("live"):
        ahead = int(ticket.get("position") or 0)
        queue = f"前面还有{ahead}位在等候，" if ahead else ""
        return (f"好的，正在为您转接人工客服（工单号 {ticket['id']}）。我已把刚才的对话整理给工作人员，您不用再重复说明。"
                f"{queue}请稍候，工作人员接入后会直接在这里回复您。")
    return (f"现在是非工作时间（人工服务时间：{ticket.get('staffed_hours') or '工作日'}）。已为您登记工单 {ticket['id']}，"
            f"工作人员会在{ticket.get('answer_from') or '下一个工作日'}后处理，并在这里回复您；也可以拨打12345热线并报上工单号。"
            "在此之前，您有其他问题也可以继续问我。")


class ActionFallback(Action):
    """Not understood: offer the two likeliest meanings as buttons; after two in a row, offer a person."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        # A core fallback after this turn's own answer (the dialogue policies found no next step once an
        # action had replied and cleared what it was waiting for): nothing more to say.
        if conversation.answered_this_turn(tracker):
            return []
        # the code or the account the assistant is waiting for, read by the model as something else
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("awaiting") == "otp_code" and one_time_code(text):
            return [FollowupAction("action_verify_code")]
        if tracker.get_slot("awaiting") == "grant_account" and bank_account(text):
            return [FollowupAction("action_confirm_grant")]
        if tracker.get_slot("awaiting") == "bundle_field":  # the answer to a bundle's question
            return [FollowupAction("action_prepare_application")]
        answered = await policy_qa.answer_if_confident(dispatcher, tracker)  # a question is never lost
        if answered is not None:
            return answered
        if text.strip() and not text.startswith("/"):  # the knowledge-gap view (fire-and-forget)
            await eligibility.log_question(tracker.sender_id, text, "not_understood")
        count = conversation.fallbacks_in_a_row(tracker)
        if count >= 2:
            dispatcher.utter_message(text="抱歉，我还是没能理解您的问题。要不要为您转人工服务？",
                                     buttons=[{"title": "转人工", "payload": "/affirm"},
                                              {"title": "不用了", "payload": "/deny"}])
            return [SlotSet("awaiting", "handoff_offer")]
        candidates = [r["name"] for r in conversation.intent_ranking(tracker)
                      if r.get("name") in INTENT_WORDS][:2]
        if candidates:
            dispatcher.utter_message(
                text="抱歉，我不太确定您的意思。您是想：",
                buttons=[{"title": INTENT_WORDS[name], "payload": f"/{name}"} for name in candidates]
                + [{"title": "都不是", "payload": "/human_handoff"}])
        else:
            dispatcher.utter_message(text=NOT_UNDERSTOOD)
        return []


class ActionDecline(Action):
    """The user said no to what the assistant offered: cancel that, nothing else."""

    def name(self) -> str:
        return "action_decline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        awaiting = tracker.get_slot("awaiting")
        if awaiting == "apply_confirm":
            bundle = str(tracker.get_slot("pending_application") or "").startswith("BUN-")
            dispatcher.utter_message(text=BUNDLE_LEFT if bundle else APPLY_CANCELLED)
            return [SlotSet("awaiting", None), SlotSet("pending_application", None)]
        if awaiting == "delete_confirm":
            dispatcher.utter_message(text="好的，不删除，您的信息保持不变。")
            return [SlotSet("awaiting", None)]
        if awaiting == "grant_account":
            # nothing is confirmed and nothing is paid; the grant keeps waiting in the service
            dispatcher.utter_message(text="好的，暂不确认收款账户，资金不会发放，这笔待遇会一直为您保留。"
                                          "需要时说“查看免申即享”即可继续确认。")
            return [SlotSet("awaiting", None)]
        if awaiting in ("bundle_start", "bundle_field"):
            dispatcher.utter_message(text=BUNDLE_LEFT)
            return [SlotSet("awaiting", None), SlotSet("pending_application", None)]
        dispatcher.utter_message(text=HANDOFF_DECLINED)
        return [SlotSet("awaiting", None)]
