"""``policybot eligibility serve|seed|grants run`` (and ``policybot grants run``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from eligibility.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from eligibility.api.metrics import multiprocess_metrics
    from eligibility.app import create_app
    from policybot.telemetry import configure_events

    settings = Settings()
    # ws="none": the websockets package pinned for Rasa is older than uvicorn's websocket support needs
    if args.workers > 1:
        from eligibility.context import Context

        Context(settings).prepare()  # migrate and seed once, before the workers start
        with multiprocess_metrics(args.port, args.workers):  # /metrics adds up every worker's samples
            uvicorn.run("eligibility.app:worker_app", factory=True, host=args.host, port=args.port,
                        workers=args.workers, log_level=settings.log_level, ws="none")
        return 0
    configure_events("eligibility")  # one JSON line per request (POLICYBOT_LOG_FORMAT)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=settings.log_level, ws="none")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from eligibility.context import Context

    ctx = Context(Settings())
    ctx.migrate()
    if ctx.profile_count():
        print(f"the data account already has {ctx.profile_count()} profiles; nothing seeded")
        return 0
    done = ctx.seed(args.enterprises, args.citizens, args.seed)
    print(json.dumps(done, ensure_ascii=False))
    return 0


def _grants(args: argparse.Namespace) -> int:
    from eligibility.context import Context
    from eligibility.services import grants

    ctx = Context(Settings())
    ctx.prepare()
    done = grants.run(ctx, args.period)
    print(json.dumps(done, ensure_ascii=False))
    return 0


def _jobs(args: argparse.Namespace) -> int:
    """The daily jobs: 免申即享 grants, subscription reminders, retention (all idempotent)."""
    from eligibility.context import Context
    from eligibility.jobs import run_all

    ctx = Context(Settings())
    ctx.prepare()
    print(json.dumps(run_all(ctx), ensure_ascii=False))
    return 0


def _staff_add(args: argparse.Namespace) -> int:
    import getpass
    import os

    from eligibility.context import Context
    from eligibility.errors import AppError
    from eligibility.services import staff

    ctx = Context(Settings())
    ctx.migrate()
    password = os.environ.get("ELIGIBILITY_NEW_STAFF_PASSWORD") or getpass.getpass("password: ")
    try:
        print(json.dumps(staff.add(ctx, args.username, args.name or args.username, args.role, password),
                         ensure_ascii=False))
    except AppError as exc:
        print(f"{exc.code}: {exc.detail}", file=sys.stderr)
        return 1
    return 0


def _outbox(args: argparse.Namespace) -> int:
    """The latest messages in the outbox (where SMS wait in the default mode), for development."""
    from eligibility.context import Context
    from eligibility.services import outbox

    for m in reversed(outbox.messages(Context(Settings()), purpose=args.purpose, limit=args.limit)):
        print(f"{m['created_at']}  {m['recipient']}  [{m['purpose']}/{m['status']}]  {m['body']}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot eligibility", description="政策通资格服务")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP service (creates, migrates and seeds the database)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8100)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (SQLite WAL and PostgreSQL both allow it)")
    serve.set_defaults(run=_serve)
    seed = sub.add_parser("seed", help="seed the demo data account")
    seed.add_argument("--enterprises", type=int, default=None)
    seed.add_argument("--citizens", type=int, default=None)
    seed.add_argument("--seed", type=int, default=None)
    seed.set_defaults(run=_seed)
    grants = sub.add_parser("grants", help="免申即享 grants")
    grants_sub = grants.add_subparsers(dest="action", required=True)
    run = grants_sub.add_parser("run", help="match all profiles against the 免申即享 policies; create grants")
    run.add_argument("--period", default=None, help="the grant period (default: this year)")
    run.set_defaults(run=_grants)
    jobs = sub.add_parser("jobs", help="the daily jobs: 免申即享 grants, subscription reminders, retention")
    jobs.set_defaults(run=_jobs)
    staff = sub.add_parser("staff", help="staff accounts")
    staff_sub = staff.add_subparsers(dest="action", required=True)
    add = staff_sub.add_parser("add", help="add a staff account (password asked, or ELIGIBILITY_NEW_STAFF_PASSWORD)")
    add.add_argument("username")
    add.add_argument("--name", default=None)
    add.add_argument("--role", action="append", required=True, choices=["operator", "reviewer", "admin"])
    add.set_defaults(run=_staff_add)
    box = sub.add_parser("outbox", help="print the latest outbox messages (SMS in the default mode)")
    box.add_argument("--purpose", default=None, choices=["otp", "application", "grant", "reminder"])
    box.add_argument("--limit", type=int, default=20)
    box.set_defaults(run=_outbox)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
