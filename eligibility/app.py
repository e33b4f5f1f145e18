"""The FastAPI application: ``create_app(settings)``; OpenAPI docs at /docs."""

from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from eligibility.api import errors
from eligibility.api import metrics as service_metrics
from eligibility.api.response import BodyLimit, MaskedJSONResponse
from eligibility.api.routes import (
    applications,
    auth,
    bundles,
    calendar,
    console,
    feedback,
    matching,
    policies,
    profiles,
    questions,
    subscriptions,
)
from eligibility.context import Context
from eligibility.jobs import Scheduler
from eligibility.settings import Settings
from policybot.telemetry import configure_events
from privacy.logging import install as install_log_masking

DESCRIPTION = """政策通资格服务：政策规则化、数据账户、三值匹配（符合 / 不符合 / 需补充信息）、一键申请与秒批、
免申即享、政策月历与申报提醒订阅、好差评与工单。错误一律返回 4xx 与 `{"error": {"code", "message", "detail"}}`，
其中 message 为中文。身份证号在所有响应与日志中脱敏。"""


def create_app(settings: Optional[Settings] = None, prepare: bool = True) -> FastAPI:
    settings = settings or Settings()
    install_log_masking()  # personal data masked in every log line
    ctx = Context(settings)
    if prepare:
        ctx.prepare()
    app = FastAPI(title="政策通 · 资格服务", version="1.0", description=DESCRIPTION,
                  default_response_class=MaskedJSONResponse)
    app.state.ctx = ctx
    errors.install(app)
    for module in (policies, matching, profiles, applications, calendar, feedback, subscriptions, auth, bundles,
                   questions, console):
        app.include_router(module.router)
    chat_dir = settings.web_dir / "chat"
    if chat_dir.is_dir():  # the web chat; its page asks here where Rasa's socket.io endpoint is

        @app.get("/chat/config.json", include_in_schema=False)
        def chat_config() -> Dict[str, Any]:
            return {"socket_url": settings.chat_socket_url.rstrip("/"), "socket_path": "/socket.io"}

        app.mount("/chat", StaticFiles(directory=str(chat_dir), html=True), name="chat")
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    service_metrics.install(app, ctx)  # GET /metrics; every request timed and logged (outermost middleware)
    scheduler = Scheduler(ctx, settings.jobs_interval_hours)
    app.add_event_handler("startup", scheduler.start)
    app.add_event_handler("shutdown", scheduler.stop)
    return app


def worker_app() -> FastAPI:
    """The factory uvicorn's worker processes call (the parent has already migrated and seeded)."""
    configure_events("eligibility")  # a worker is a fresh process: its event lines need their handler
    return create_app(Settings(), prepare=False)
