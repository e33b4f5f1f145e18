"""``python -m actions.server --port 5055``: rasa_sdk's action server, answering only Rasa.

The actions speak to the eligibility service for the conversation a request names, so whoever can call
``/webhook`` could make them act for any bound conversation. The server therefore requires the token Rasa
sends with every call (``action_endpoint: {url, token}`` in endpoints.yml; ``POLICYBOT_ACTION_TOKEN`` here,
generated per start by ``policybot run``), compared in constant time; ``/health`` and ``/metrics``
(Prometheus: ``actions/metrics.py``) stay open. No CORS.

**No action holds the event loop (issue 13).** The actions are ``async`` but the knowledge search inside them
is plain CPU work; run on the server's loop, one long message (20,000 characters took minutes before the
search was made linear) held every other user's turn. Here every action call runs in a worker thread, on that
thread's own event loop (kept from call to call, with the thread's keep-alive connections to the eligibility
service), and the server's loop only reads requests, waits and answers:

- a call still running after ``POLICYBOT_ACTION_TIMEOUT_S`` (default 20 s) is answered with a polite Chinese
  message and no events, so Rasa and the user are never left waiting; the thread finishes on its own;
- background work an action leaves (the knowledge-gap report) is finished on that loop after the answer;
- the user's message is read up to ``MAX_MESSAGE_CHARS`` (the web chat and WeChat channels cut there too;
  Rasa's own REST channel does not), and a search action given more than the search reads
  (``search.base.MAX_QUESTION_CHARS``) says so in its answer;
- a malformed call is a 400 with a code, an action that raises is a polite message logged (masked) with its
  exception, and no answer ever echoes the request (rasa_sdk's own 500 handler returns the whole tracker).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import hmac
import json
import logging
import logging.config
import os
import threading
import time
import zlib
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import yaml
from prometheus_client import REGISTRY
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.request import Request

from actions.clients import eligibility as eligibility_client
from actions.metrics import RunnerCollector, action_label, observe_action
from policybot.telemetry import CONTENT_TYPE, configure_events, exposition
from privacy.logging import install as install_log_masking
from search.base import MAX_QUESTION_CHARS

log = logging.getLogger("actions")
ROOT = Path(__file__).resolve().parent.parent

MAX_MESSAGE_CHARS = 2000  # the channels' own cap (bot/webchat.py, bot/channels/wechat.py)
MAX_BODY_BYTES = 16 * 1024 * 1024  # a tracker of 400 events is well under 1 MB
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_WORKERS = 8
SEARCH_ACTIONS = frozenset({"action_answer_policy", "action_show_bundle"})
TIMED_OUT = "抱歉，这个问题处理时间过长，我先停下了。请换个简短的说法再问一次，或说“转人工”。"
FAILED = "抱歉，刚才处理出了点问题，请稍后再试，或说“转人工”。"
DRAIN_S = 5.0  # how long an action's background tasks may run on after its answer
OPEN_PATHS = ("/health", "/metrics")  # no token: counts and names only (production: monitoring network only)

Result = Dict[str, Any]


def _error(status: int, code: str, message: str, detail: str) -> response.HTTPResponse:
    return response.json({"error": {"code": code, "message": message, "detail": detail}}, status=status)


def polite(text: str) -> Result:
    """An action's answer that changes nothing in the conversation and tells the user one sentence."""
    return {"events": [], "responses": [{"text": text}]}


def long_message_note() -> str:
    # no count: a channel has already cut the message to MAX_MESSAGE_CHARS, whatever the user sent
    return (f"您的消息较长，我先按前 {MAX_QUESTION_CHARS} 字回答。"
            "把问题说得简短一些（例如“高新技术企业认定有什么奖励？”），我能答得更准。")


def cap_message(action_call: Dict[str, Any]) -> int:
    """Cuts the latest user message to ``MAX_MESSAGE_CHARS`` in place; returns its original length."""
    tracker = action_call.get("tracker")
    latest = tracker.get("latest_message") if isinstance(tracker, dict) else None
    text = latest.get("text") if isinstance(latest, dict) else None
    if not isinstance(latest, dict) or not isinstance(text, str):
        return 0
    if len(text) > MAX_MESSAGE_CHARS:
        latest["text"] = text[:MAX_MESSAGE_CHARS]
    return len(text)


def first_action_of_turn(action_call: Dict[str, Any]) -> bool:
    """True when no action has run since the latest user message (so a note is said once per turn)."""
    events = (action_call.get("tracker") or {}).get("events") or []
    for event in reversed(events if isinstance(events, list) else []):
        kind = event.get("event") if isinstance(event, dict) else None
        if kind == "user":
            return True
        if kind == "action" and event.get("name") not in (None, "action_listen"):
            return False
    return True


class ActionRunner:
    """Runs action calls off the server's event loop: each in a pool thread, on that thread's own loop."""

    def __init__(self, executor: ActionExecutor, workers: int = DEFAULT_WORKERS, timeout_s: float = DEFAULT_TIMEOUT_S):
        self.executor, self.timeout_s = executor, timeout_s
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="action")
        self.running = 0
        self._lock = threading.Lock()
        self._local = threading.local()

    def _loop(self) -> asyncio.AbstractEventLoop:
        """This pool thread's event loop, made on its first call and kept: the eligibility client's connections
        live on it (``actions.clients.eligibility.keep_connections``), reused by the thread's next calls."""
        loop: Optional[asyncio.AbstractEventLoop] = getattr(self._local, "loop", None)
        if loop is None or loop.is_closed():
            loop = self._local.loop = asyncio.new_event_loop()
            eligibility_client.keep_connections(loop)
        return loop

    def _run(self, action_call: Dict[str, Any], answer: Callable[[concurrent.futures.Future, Any, bool], None],
             future: concurrent.futures.Future) -> None:
        with self._lock:
            self.running += 1
        loop = self._loop()
        try:
            try:
                result = loop.run_until_complete(self.executor.run(action_call))
                answer(future, result, False)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                answer(future, exc, True)
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            if pending:  # fire-and-forget work (the question log): let it finish, briefly
                loop.run_until_complete(asyncio.wait(pending, timeout=DRAIN_S))
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        finally:
            with self._lock:
                self.running -= 1

    async def run(self, action_call: Dict[str, Any]) -> Tuple[str, Any]:
        """("ok", result), ("timeout", None) or ("error", exception)."""
        loop = asyncio.get_running_loop()
        future: concurrent.futures.Future = concurrent.futures.Future()

        def answer(fut: concurrent.futures.Future, value: Any, failed: bool) -> None:
            try:
                if failed:
                    fut.set_exception(value)
                else:
                    fut.set_result(value)
            except concurrent.futures.InvalidStateError:  # timed out and cancelled meanwhile
                pass

        self.pool.submit(self._run, action_call, answer, future)
        try:
            return "ok", await asyncio.wait_for(asyncio.wrap_future(future, loop=loop), self.timeout_s)
        except asyncio.TimeoutError:
            return "timeout", None
        except (ActionExecutionRejection, ActionNotFoundException):
            raise
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            return "error", exc

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def _action_call(request: Request) -> Optional[Dict[str, Any]]:
    body = request.body or b""
    try:
        if request.headers.get("Content-Encoding") == "deflate":
            body = zlib.decompressobj().decompress(body, MAX_BODY_BYTES)
        call = json.loads(body)
    except (ValueError, RecursionError, zlib.error):  # RecursionError: [[[[… nested past Python's limit
        return None
    if not isinstance(call, dict) or not isinstance(call.get("next_action"), str):
        return None
    tracker = call.get("tracker")
    if not isinstance(tracker, dict) or not isinstance(tracker.get("sender_id"), str):
        return None
    if not isinstance(call.get("domain", {}), dict) or not isinstance(tracker.get("events", []), list):
        return None
    return call


def build(token: Optional[str], workers: Optional[int] = None, timeout_s: Optional[float] = None,
          executor: Optional[ActionExecutor] = None) -> Sanic:
    app = Sanic("actions", configure_logging=False)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    if executor is None:
        executor = ActionExecutor()
        executor.register_package("actions")
    runner = ActionRunner(executor, workers or int(os.environ.get("POLICYBOT_ACTION_WORKERS", DEFAULT_WORKERS)),
                          timeout_s or float(os.environ.get("POLICYBOT_ACTION_TIMEOUT_S", DEFAULT_TIMEOUT_S)))
    app.ctx.runner = runner

    @app.middleware("request")
    async def _authorise(request: Request) -> Optional[response.HTTPResponse]:
        if request.path in OPEN_PATHS or not token:
            return None
        given = request.args.get("token") or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return _error(401, "invalid_token", "未授权的调用。", "the action server answers Rasa only (token)")
        return None

    @app.get("/health")
    async def health(_: Request) -> response.HTTPResponse:
        return response.json({"status": "ok", "running_actions": runner.running})

    running = RunnerCollector(runner)

    @app.get("/metrics")
    async def metrics(_: Request) -> response.HTTPResponse:
        return response.raw(exposition(REGISTRY, running), content_type=CONTENT_TYPE,
                            headers={"Cache-Control": "no-store"})

    @app.get("/actions")
    async def actions(_: Request) -> response.HTTPResponse:
        return response.json([{"name": name} for name in executor.actions])

    @app.post("/webhook")
    async def webhook(request: Request) -> response.HTTPResponse:
        call = _action_call(request)
        if call is None:
            return _error(400, "invalid_action_call", "请求格式不正确。",
                          "expected a JSON object with next_action (string) and tracker (object)")
        name = call["next_action"]
        length = cap_message(call)
        started, label, sender = time.perf_counter(), action_label(name, executor.actions), call["tracker"]["sender_id"]

        def done(status: str, result: Optional[Result] = None) -> None:  # metrics and the action's log line
            observe_action(label, sender, status, time.perf_counter() - started, result)

        try:
            outcome, value = await runner.run(call)
        except ActionExecutionRejection as exc:
            done("rejected")
            return response.json({"error": exc.message, "action_name": exc.action_name}, status=400)
        except ActionNotFoundException as exc:
            done("not_found")
            return response.json({"error": exc.message, "action_name": exc.action_name}, status=404)
        if outcome == "timeout":
            done("timeout")
            log.warning("action %s still running after %.0f s: answered with an apology", name, runner.timeout_s)
            return response.json(polite(TIMED_OUT))
        if outcome == "error":
            done("error")
            log.error("action %s failed: %s", name, type(value).__name__, exc_info=value)
            return response.json(polite(FAILED))
        result: Result = value if isinstance(value, dict) else {"events": [], "responses": []}
        if name in SEARCH_ACTIONS and length > MAX_QUESTION_CHARS and first_action_of_turn(call):
            result = {**result, "responses": [{"text": long_message_note()}, *(result.get("responses") or [])]}
        done("ok", result)
        return response.json(result)

    @app.exception(Exception)
    async def _failed(request: Request, exc: Exception) -> response.HTTPResponse:
        status = int(getattr(exc, "status_code", 500) or 500)
        if status == 413:
            return _error(413, "body_too_large", "请求内容过大。", f"bodies over {MAX_BODY_BYTES} bytes are refused")
        if status < 500:
            return _error(status, "bad_request", "请求无效。", type(exc).__name__)
        log.error("action server error on %s: %s", request.path, type(exc).__name__, exc_info=exc)
        return _error(500, "internal_error", "服务内部错误。", "see the action server's log")

    async def _stop(*_: Any) -> None:
        runner.shutdown()

    app.register_listener(_stop, "after_server_stop")

    return app


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    with open(ROOT / "privacy" / "logging.yml", encoding="utf-8") as f:
        logging.config.dictConfig(yaml.safe_load(f))  # personal data masked in every line
    install_log_masking()
    configure_events("actions")  # one JSON line per action call (POLICYBOT_LOG_FORMAT)
    token = os.environ.get("POLICYBOT_ACTION_TOKEN")
    if not token:
        log.warning("POLICYBOT_ACTION_TOKEN is not set: the action server answers anyone who can reach it")
    from actions.clients.knowledge import knowledge_base

    try:  # the index and jieba now, not in the first user's turn (and not twice, in two threads at once)
        knowledge_base()
    except Exception as exc:  # noqa: BLE001 - a missing index is reported by the first question instead
        log.warning("knowledge search not loaded at start: %s", type(exc).__name__)
    build(token).run(args.host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
