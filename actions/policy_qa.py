"""Answer a question about a policy from the knowledge search, with its citation."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.clients import eligibility, knowledge
from actions.settings import get_settings
from knowledge.search_defaults import LOW_CONFIDENCE_SCORE
from knowledge.types import Answer


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
        context = mentioned_policy(tracker) or tracker.get_slot("current_policy")
        answer = knowledge.ask(question, context_doc_id=context)
        dispatcher.utter_message(**replies.answer_message(answer, get_settings().current_date()))
        top = answer.faq.doc_id if answer.faq else (answer.hits[0].doc_id if answer.hits else None)
        gap = gap_outcome(answer) if answer.faq is None and question.strip() else None
        if gap is not None:  # the knowledge-gap view (fire-and-forget, short timeout)
            await eligibility.log_question(tracker.sender_id, answer.query or question, *gap)
        return [SlotSet("current_policy", top)] if top else []


def gap_outcome(answer: Answer) -> Optional[Tuple[str, Optional[float], Optional[str]]]:
    """(outcome, score, document) of an answer without a curated FAQ match that the knowledge-gap view should
    see: ``not_found`` when the search kept no passage (below its min_bm25 / min_dense floors),
    ``low_confidence`` when the best passage scored under LOW_CONFIDENCE_SCORE; None for a confident one."""
    if not answer.hits:
        return "not_found", None, None
    if answer.hits[0].score < LOW_CONFIDENCE_SCORE:
        return "low_confidence", answer.hits[0].score, answer.hits[0].doc_id
    return None
