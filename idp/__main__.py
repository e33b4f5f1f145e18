"""``python -m idp --host 127.0.0.1 --port 8300``: the development identity provider under uvicorn."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import List, Optional

import uvicorn

from idp.app import create_app
from idp.settings import DEV_CLIENT_SECRET, Settings
from policybot.telemetry import configure_events
from privacy.logging import install as install_log_masking

log = logging.getLogger("idp")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m idp", description="统一身份认证（开发环境）")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8300)
    args = parser.parse_args(argv)
    settings = Settings()
    if "issuer" not in settings.__fields_set__:  # IDP_ISSUER not set: the address we listen on
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        settings = Settings(issuer=f"http://{host}:{args.port}")
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_masking()  # the access log holds query strings: whatever a caller typed (issue 13)
    configure_events("idp")  # one JSON line per request (POLICYBOT_LOG_FORMAT)
    if settings.client_secret == DEV_CLIENT_SECRET:
        log.warning("using the development client secret: this provider is for development only")
    # ws="none": the websockets package Rasa pins is older than uvicorn's auto-detected implementation wants.
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=settings.log_level, ws="none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
