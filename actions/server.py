"""``python -m actions.server --port 5055``: rasa_sdk's action server, answering only Rasa.

The actions speak to the eligibility service for the conversation a request names, so whoever can call
``/webhook`` could make them act for any bound conversation. The server therefore requires the token Rasa
sends with every call (``action_endpoint: {url, token}`` in endpoints.yml; ``POLICYBOT_ACTION_TOKEN`` here,
generated per start by ``policybot run``), compared in constant time; ``/health`` stays open. No CORS."""

from __future__ import annotations

import argparse
import hmac
import logging
import logging.config
import os
from pathlib import Path
from typing import List, Optional

import yaml
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

from privacy.logging import install as install_log_masking

log = logging.getLogger("actions")
ROOT = Path(__file__).resolve().parent.parent


def build(token: Optional[str]) -> Sanic:
    app = create_app("actions", cors_origins=None)

    @app.middleware("request")
    async def _authorise(request: Request) -> Optional[response.HTTPResponse]:
        if request.path == "/health" or not token:
            return None
        given = request.args.get("token") or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": {"code": "invalid_token", "message": "未授权的调用。",
                                            "detail": "the action server answers Rasa only (token)"}}, status=401)
        return None

    return app


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    with open(ROOT / "privacy" / "logging.yml", encoding="utf-8") as f:
        logging.config.dictConfig(yaml.safe_load(f))  # personal data masked in every line
    install_log_masking()
    token = os.environ.get("POLICYBOT_ACTION_TOKEN")
    if not token:
        log.warning("POLICYBOT_ACTION_TOKEN is not set: the action server answers anyone who can reach it")
    build(token).run(args.host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
