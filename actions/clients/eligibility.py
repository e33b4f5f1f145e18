"""The eligibility service over HTTP: one async client, JSON in and out, errors as EligibilityError.

Connections: a call made on an event loop registered with ``keep_connections`` (the action server's worker
loops, which live as long as their thread) goes through one client kept for that loop, so its connections to
the service are reused (keep-alive) instead of a client built and a TCP connection opened and closed per call.
Anywhere else (tests, scripts: ``asyncio.run`` per call) each call still has a client of its own. Same
requests, headers, timeouts and errors either way.

Every call presents the action server's own service token; calls made for a conversation also name it
(``X-Conversation-Id``), and the service then acts for the subject that conversation is bound to — the
alias ``me`` — never for an identifier the user merely typed."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import logging
import math
import ssl
import sys
import weakref
from functools import lru_cache
from typing import Any, Dict, List, Optional, Set, Tuple

import httpx

from actions.settings import get_settings
from eligibility.auth.tokens import service_token
from privacy.masking import mask_text

# httpcore asks "asyncio or trio?" with ``import sniffio`` inside every lock and event it makes, several per
# request; sniffio is not installed here, so each of those imports searched every sys.path entry again and failed
# (43 µs a time, a third of the action server's busy samples under load). Recorded as absent, the same import
# fails at once with the same ImportError and httpcore takes the same branch (asyncio).
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

UNAVAILABLE = "抱歉，政策计算服务暂时连不上，请稍后再试，或说“转人工”。"
ME = "me"


class EligibilityError(Exception):
    """The service answered with an error (code, Chinese message) or could not be reached."""

    def __init__(self, message: str, code: str = "unavailable", status: int = 0,
                 details: Optional[Dict[str, Any]] = None):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status
        self.details = details or {}


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One TLS context (certificates verified as httpx does by default) for every call: httpx builds a new
    one for each client, about 20 ms of every call to the service."""
    return httpx.create_ssl_context()


# an idle kept connection is dropped after this long: under uvicorn's keep-alive (5 s), so the service never
# closes a connection just as a call reuses it
KEEPALIVE_S = 2.0
ClientKey = Tuple[str, float]
_kept: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Dict[ClientKey, httpx.AsyncClient]] = \
    weakref.WeakKeyDictionary()


def keep_connections(loop: asyncio.AbstractEventLoop) -> None:
    """Calls made on ``loop`` share one client (and its keep-alive connections) for as long as the loop lives.
    For long-lived loops only (``close_connections`` on it before closing it)."""
    _kept.setdefault(loop, {})


async def close_connections() -> None:
    """Close the clients kept for the running loop (its connections)."""
    for client in list(_kept.pop(asyncio.get_running_loop(), {}).values()):
        await client.aclose()


def _kept_client(base_url: str, timeout: float) -> Optional[httpx.AsyncClient]:
    clients = _kept.get(asyncio.get_running_loop())
    if clients is None:
        return None
    client = clients.get((base_url, timeout))
    if client is None or client.is_closed:
        client = clients[(base_url, timeout)] = httpx.AsyncClient(
            base_url=base_url, timeout=timeout, verify=_tls(), limits=httpx.Limits(keepalive_expiry=KEEPALIVE_S))
    return client


async def request(method: str, path: str, conversation_id: Optional[str] = None, **kwargs: Any) -> Any:
    settings = get_settings()
    headers = dict(kwargs.pop("headers", None) or {})
    if settings.service_key:
        headers["Authorization"] = f"Bearer {service_token(settings.service_key)}"
    if conversation_id:
        headers["X-Conversation-Id"] = conversation_id[:80]
    try:
        kept = _kept_client(settings.eligibility_url, settings.eligibility_timeout_s)
        if kept is not None:
            resp = await kept.request(method, path, headers=headers, **kwargs)
        else:
            async with httpx.AsyncClient(base_url=settings.eligibility_url, timeout=settings.eligibility_timeout_s,
                                         verify=_tls()) as client:
                resp = await client.request(method, path, headers=headers, **kwargs)
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


# ---- identity: binding this conversation to a verified subject ------------------------------------

async def binding(conversation_id: str) -> Dict[str, Any]:
    return await request("GET", "/auth/binding", conversation_id)


async def send_code(conversation_id: str, subject_id: str) -> Dict[str, Any]:
    return await request("POST", "/auth/otp", conversation_id, json={"subject_id": subject_id})


async def verify_code(conversation_id: str, code: str, channel: str = "rest") -> Dict[str, Any]:
    return await request("POST", "/auth/otp/verify", conversation_id, json={"code": code, "channel": channel})


async def login_link(conversation_id: str, channel: str = "rest") -> Dict[str, Any]:
    return await request("POST", "/auth/login", conversation_id, json={"channel": channel})


async def unbind(conversation_id: str) -> Dict[str, Any]:
    return await request("DELETE", "/auth/binding", conversation_id)


async def my_data(conversation_id: str) -> Dict[str, Any]:
    return await request("GET", "/me/data", conversation_id)


async def delete_my_data(conversation_id: str) -> Dict[str, Any]:
    return await request("DELETE", "/me/data", conversation_id)


# ---- the bound subject's data ("me") ----------------------------------------------------------------

async def get_profile(conversation_id: str) -> Dict[str, Any]:
    return await request("GET", f"/profiles/{ME}", conversation_id)


async def declare_fields(conversation_id: str, fields: Dict[str, Any]) -> Dict[str, Any]:
    return await request("POST", f"/profiles/{ME}/fields", conversation_id,
                         json={"fields": fields, "conversation_id": conversation_id[:80]})


def match_body(bound: bool, fields: Dict[str, Any], policy_ids: Optional[List[str]] = None,
               audience: Optional[str] = None, category: Optional[str] = None, shown: int = 5) -> Dict[str, Any]:
    """The body of POST /match for a conversation turn: the compact view (the next question, every eligible
    policy in brief, the conditions of the ``shown`` best ones and of a few still open), never every
    policy's checklist. A bound conversation is matched on the data account (what the user declares is
    stored there); otherwise on the fields told in this conversation."""
    body: Dict[str, Any] = {"profile_id": ME} if bound else {"fields": fields}
    body.update({"view": "compact", "shown": shown})
    if policy_ids:
        body["policy_ids"] = policy_ids
    if audience:
        body["audience"] = audience
    if category:
        body["category"] = category
    return body


async def match(conversation_id: str, bound: bool, fields: Dict[str, Any], policy_ids: Optional[List[str]] = None,
                audience: Optional[str] = None, category: Optional[str] = None, shown: int = 5) -> Dict[str, Any]:
    body = match_body(bound, fields, policy_ids, audience, category, shown)
    return await request("POST", "/match", conversation_id if bound else None, json=body)


async def get_policy(policy_id: str) -> Dict[str, Any]:
    return await request("GET", f"/policies/{policy_id}")


async def create_application(conversation_id: str, policy_id: str, idempotency_key: str) -> Dict[str, Any]:
    """One click; the same idempotency key always returns the same application."""
    key = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return await request("POST", "/applications", conversation_id,
                         json={"profile_id": ME, "policy_id": policy_id, "conversation_id": conversation_id[:80]},
                         headers={"Idempotency-Key": key})


async def applications(conversation_id: str) -> Dict[str, Any]:
    return await request("GET", f"/profiles/{ME}/applications", conversation_id)


async def notifications(conversation_id: str) -> Dict[str, Any]:
    return await request("GET", f"/profiles/{ME}/notifications", conversation_id)


async def confirm_grant(conversation_id: str, grant_id: int, bank: str, account_number: str) -> Dict[str, Any]:
    return await request("POST", f"/grants/{grant_id}/confirm", conversation_id,
                         json={"profile_id": ME, "bank": bank, "account_number": account_number})


async def calendar(**params: Any) -> Any:
    return await request("GET", "/calendar", params={k: v for k, v in params.items() if v is not None})


async def rate(level: str, reason: Optional[str], conversation_id: str, application_id: Optional[str] = None) -> Any:
    return await request("POST", "/ratings", conversation_id,
                         json={"level": level, "reason": reason, "conversation_id": conversation_id[:80],
                               "application_id": application_id})


async def open_ticket(conversation_id: str, summary: str, transcript: List[Dict[str, str]],
                      contact: Optional[str] = None, kind: str = "handoff", channel: Optional[str] = None) -> Any:
    """A handoff ticket (转人工: ``live`` when staffed) or a complaint with the conversation so far."""
    return await request("POST", "/tickets", conversation_id, json={
        "conversation_id": conversation_id[:80], "summary": summary[:1000], "kind": kind,
        "transcript": transcript or [{"role": "user", "text": summary[:4000]}], "contact": contact,
        "channel": channel})


async def update_ticket(conversation_id: str, ticket_id: str, **changes: Any) -> Any:
    return await request("PATCH", f"/tickets/{ticket_id}", conversation_id, json=changes)


async def subscribe(conversation_id: str, topic: str) -> Dict[str, Any]:
    """Reminders for a category, a policy id or "all"; subscribing again answers with ``existing: true``."""
    return await request("POST", "/subscriptions", conversation_id,
                         json={"conversation_id": conversation_id[:80], "topic": topic[:40]})


async def bundle_checklist(conversation_id: str, bundle_id: str) -> Dict[str, Any]:
    """一件事一次办: what the bound subject's data account settles per item, what is still needed."""
    return await request("GET", f"/bundles/{bundle_id}/checklist", conversation_id)


async def submit_bundle(conversation_id: str, bundle_id: str, idempotency_key: str) -> Dict[str, Any]:
    """One confirmation: every ready item applied for at once; the same key returns the same set."""
    key = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return await request("POST", f"/bundles/{bundle_id}/applications", conversation_id,
                         json={"profile_id": ME}, headers={"Idempotency-Key": key})


QUESTION_LOG_TIMEOUT_S = 0.8  # a report still unanswered by then is dropped (and logged)
_question_reports: Set[asyncio.Task[bool]] = set()  # strong references until each report is done


async def log_question(sender_id: str, text: str, outcome: str, score: Optional[float] = None,
                       doc_id: Optional[str] = None) -> Optional[asyncio.Task[bool]]:
    """Report a question answered with low confidence (``low_confidence``), not answered (``not_found``) or
    not understood (``not_understood``) for the knowledge-gap view. Fire-and-forget: it returns at once and
    the report goes in the background with a short timeout; a failure is logged (masked, without the
    question) and never raised. Returns the report's task (True when the service took it), for tests."""
    body: Dict[str, Any] = {"text": (text or "").strip()[:2000], "outcome": outcome}
    if score is not None and math.isfinite(score):
        body["score"] = round(float(score), 4)
    if doc_id:
        body["doc_id"] = doc_id[:40]
    if not body["text"]:
        return None
    task = asyncio.get_running_loop().create_task(_report_question(sender_id, body))
    _question_reports.add(task)
    task.add_done_callback(_question_reports.discard)
    return task


async def _report_question(sender_id: str, body: Dict[str, Any]) -> bool:
    try:
        await request("POST", "/questions", sender_id, json=body, timeout=QUESTION_LOG_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - whatever happened, the user's turn is not concerned
        logging.getLogger("actions.eligibility").warning(
            "question not logged (%s): %s", body["outcome"], mask_text(f"{type(exc).__name__}: {exc}")[:200])
        return False
    return True


async def flush_question_log() -> None:
    """Wait for the reports still under way (tests; a shutdown that wants them sent)."""
    if _question_reports:
        await asyncio.gather(*list(_question_reports))
