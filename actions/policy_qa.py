"""Answer a question about a policy from the knowledge search, with its citation."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import browsing, replies
from actions.clients import eligibility, knowledge
from actions.settings import get_settings
from search.browsing import catalogue, drill_question
from search.defaults import LOW_CONFIDENCE_SCORE
from search.types import Answer


def mentioned_policy(tracker: Tracker) -> Optional[str]:
    """A document id named in the latest message (entity `policy` resolved by synonyms)."""
    for value in tracker.get_latest_entity_values("policy"):
        if isinstance(value, str) and value[:4] in ("ENT-", "CIT-", "BUN-"):
            return value
    return None


class ActionAnswerPolicy(Action):
    def name(self) -> str:
        return "action_answer_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        question = tracker.latest_message.get("text") or ""
        opened = browsing.opened_item(tracker, mentioned_policy(tracker))
        if opened:  # an item's button in a browsing list: its conditions (✓/✗/？ for a bound user)
            checked = await browsing.show_conditions(dispatcher, tracker, opened)
            if checked is not None:
                return checked
            return await answer(dispatcher, tracker,
                                knowledge.ask(drill_question(catalogue().docs[opened]), context_doc_id=opened))
        browsed = await browsing.reply_if_browsing(dispatcher, tracker)  # "X里有哪些补贴" read as a question
        if browsed is not None:
            return browsed
        context = mentioned_policy(tracker) or tracker.get_slot("current_policy")
        return await answer(dispatcher, tracker, knowledge.ask(question, context_doc_id=context))


async def answer(dispatcher: CollectingDispatcher, tracker: Tracker, found: Answer) -> List[Dict[str, Any]]:
    """Say ``found`` with its citation, log a weak answer for the knowledge-gap view, keep the document."""
    question = tracker.latest_message.get("text") or ""
    dispatcher.utter_message(**replies.answer_message(found, get_settings().current_date()))
    top = found.faq.doc_id if found.faq else (found.hits[0].doc_id if found.hits else None)
    gap = gap_outcome(found) if found.faq is None and question.strip() else None
    if gap is not None:  # the knowledge-gap view (fire-and-forget, short timeout)
        await eligibility.log_question(tracker.sender_id, found.query or question, *gap)
    return [SlotSet("current_policy", top)] if top else []


def confident(found: Answer) -> bool:
    """A curated FAQ matched, or the best passage scored at least LOW_CONFIDENCE_SCORE."""
    return found.faq is not None or (bool(found.hits) and found.hits[0].score >= LOW_CONFIDENCE_SCORE)


async def answer_if_confident(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[str, Any]]]:
    """A question is never lost (issue 14): whatever intent won, a message that the search answers with
    confidence gets that cited answer. None (nothing said) when the search is not confident, the message is a
    button payload or the user is in the middle of something (a form, or a question the assistant asked)."""
    text = (tracker.latest_message.get("text") or "").strip()
    if not text or text.startswith("/") or tracker.active_loop_name or tracker.get_slot("awaiting"):
        return None
    browsed = await browsing.reply_if_browsing(dispatcher, tracker)  # a request for a file's or category's items
    if browsed is not None:
        return browsed
    found = knowledge.ask(text, context_doc_id=mentioned_policy(tracker) or tracker.get_slot("current_policy"))
    if not confident(found):
        return None
    return await answer(dispatcher, tracker, found)


def gap_outcome(answer: Answer) -> Optional[Tuple[str, Optional[float], Optional[str]]]:
    """(outcome, score, document) of an answer without a curated FAQ match that the knowledge-gap view should
    see: ``not_found`` when the search kept no passage (below its min_bm25 / min_dense floors),
    ``low_confidence`` when the best passage scored under LOW_CONFIDENCE_SCORE; None for a confident one."""
    if not answer.hits:
        return "not_found", None, None
    if answer.hits[0].score < LOW_CONFIDENCE_SCORE:
        return "low_confidence", answer.hits[0].score, answer.hits[0].doc_id
    return None
