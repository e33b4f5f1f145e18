"""Answer a question about a policy from the knowledge search, with its citation."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.clients import eligibility, knowledge
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
        dispatcher.utter_message(**replies.answer_message(answer))
        top = answer.faq.doc_id if answer.faq else (answer.hits[0].doc_id if answer.hits else None)
        if answer.faq is None and question.strip():  # the knowledge-gap view (fire-and-forget, short timeout)
            await eligibility.log_question(tracker.sender_id, answer.query or question, *gap_outcome(answer))
        return [SlotSet("current_policy", top)] if top else []


def gap_outcome(answer: Answer) -> Tuple[str, Optional[float], Optional[str]]:
    """(outcome, score, document) of an answer without a curated FAQ match: ``not_found`` when the search
    kept no passage (below its min_bm25 / min_dense floors), else ``low_confidence`` — no curated answer
    reached the FAQ threshold (index_builder/config.yml ``faq_threshold``) and a passage was shown."""
    if not answer.hits:
        return "not_found", None, None
    return "low_confidence", answer.hits[0].score, answer.hits[0].doc_id
