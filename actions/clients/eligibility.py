"""The eligibility service over HTTP: one async client, JSON in and out, errors as EligibilityError."""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Optional

import httpx

from actions.settings import get_settings

UNAVAILABLE = "抱歉，政策计算服务暂时连不上，请稍后再试，或说“转人工”。"


class EligibilityError(Exception):
    """The service answered with an error (code, Chinese message) or could not be reached."""

    def __init__(self, message: str, code: str = "unavailable", status: int = 0,
                 details: Optional[Dict[str, Any]] = None):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status
        self.details = details or {}


async def request(method: str, path: str, **kwargs: Any) -> Any:
    settings = get_settings()
    try:
        async with httpx.AsyncClient(base_url=settings.eligibility_url, timeout=settings.eligibility_timeout_s) as client:
            resp = await client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise EligibilityError(UNAVAILABLE) from exc
    if resp.status_code >= 400:
        raise _error(resp)
    return resp.json() if resp.content else None


def _error(resp: httpx.Response) -> EligibilityError:
    """The service's error body {"error": {"code", "message", "detail", ...}} as an EligibilityError."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    error = body.get("error", body) if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return EligibilityError(UNAVAILABLE, code="error", status=resp.status_code)
    detail = error.get("detail")
    message = error.get("message") or (detail if isinstance(detail, str) else None) or UNAVAILABLE
    return EligibilityError(message, code=error.get("code") or "error", status=resp.status_code, details=error)


async def get_profile(profile_id: str) -> Dict[str, Any]:
    return await request("GET", f"/profiles/{profile_id}")


async def declare_fields(profile_id: str, fields: Dict[str, Any]) -> Dict[str, Any]:
    return await request("POST", f"/profiles/{profile_id}/fields", json={"fields": fields})


async def match(profile_id: Optional[str], fields: Dict[str, Any], policy_ids: Optional[List[str]] = None,
                audience: Optional[str] = None, category: Optional[str] = None) -> Dict[str, Any]:
    # A verified profile is matched on the data account (what the user declares is stored there);
    # otherwise on the fields told in this conversation.
    body: Dict[str, Any] = {"profile_id": profile_id} if profile_id else {"fields": fields}
    if policy_ids:
        body["policy_ids"] = policy_ids
    if audience:
        body["audience"] = audience
    if category:
        body["category"] = category
    return await request("POST", "/match", json=body)


async def get_policy(policy_id: str) -> Dict[str, Any]:
    return await request("GET", f"/policies/{policy_id}")


async def create_application(profile_id: str, policy_id: str, idempotency_key: str,
                             conversation_id: Optional[str] = None) -> Dict[str, Any]:
    """One click; the same idempotency key always returns the same application."""
    key = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return await request("POST", "/applications", json={"profile_id": profile_id, "policy_id": policy_id,
                                                         "conversation_id": conversation_id[:80] if conversation_id else None},
                         headers={"Idempotency-Key": key})


async def applications(profile_id: str) -> List[Dict[str, Any]]:
    return await request("GET", f"/profiles/{profile_id}/applications")


async def notifications(profile_id: str) -> List[Dict[str, Any]]:
    return await request("GET", f"/profiles/{profile_id}/notifications")


async def calendar(**params: Any) -> Any:
    return await request("GET", "/calendar", params={k: v for k, v in params.items() if v is not None})


async def rate(level: str, reason: Optional[str], conversation_id: str, application_id: Optional[str] = None,
               profile_id: Optional[str] = None) -> Any:
    return await request("POST", "/ratings", json={"level": level, "reason": reason, "conversation_id": conversation_id[:80],
                                                    "application_id": application_id, "profile_id": profile_id})


async def open_ticket(conversation_id: str, summary: str, transcript: List[Dict[str, str]],
                      profile_id: Optional[str] = None, contact: Optional[str] = None) -> Any:
    """A handoff ticket (转人工) with the conversation so far, for the hotline console."""
    return await request("POST", "/tickets", json={
        "conversation_id": conversation_id[:80], "summary": summary[:1000], "profile_id": profile_id,
        "transcript": transcript or [{"role": "user", "text": summary[:4000]}], "contact": contact})


async def update_ticket(ticket_id: str, **changes: Any) -> Any:
    return await request("PATCH", f"/tickets/{ticket_id}", json=changes)


async def subscribe(conversation_id: str, topic: str, profile_id: Optional[str] = None) -> Dict[str, Any]:
    """Reminders for a category, a policy id or "all"; subscribing again answers with ``existing: true``."""
    return await request("POST", "/subscriptions", json={"conversation_id": conversation_id[:80], "topic": topic[:40],
                                                          "profile_id": profile_id})
