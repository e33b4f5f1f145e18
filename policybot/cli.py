"""`policybot`: one entry point for running, building, training and evaluating 政策通."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Dict, List, Optional


def _run(argv: List[str]) -> int:
    from policybot.supervisor import main

    return main(argv)


def _chat(argv: List[str]) -> int:
    from policybot.chat import main

    return main(argv)


def _validate(argv: List[str]) -> int:
    from knowledge.validate import main

    return main(argv)


def _build_index(argv: List[str]) -> int:
    from index_builder.cli import main

    return main(argv)


def _train(argv: List[str]) -> int:
    from policybot.train import main

    return main(argv)


def _eval(argv: List[str]) -> int:
    if argv and argv[0] == "retrieval":
        from knowledge.evaluation import main as retrieval

        return retrieval(argv[1:])
    if argv and argv[0] == "answers":
        from knowledge.answer_eval import main as answers

        return answers(argv[1:])
    if argv and argv[0] == "nlu":
        from policybot.eval_nlu import main as nlu

        return nlu(argv[1:])
    if argv and argv[0] == "nlu-pipeline":
        from policybot.eval_nlu_pipeline import main as pipeline

        return pipeline(argv[1:])
    print("usage: policybot eval {retrieval|answers|nlu|nlu-pipeline} ...", file=sys.stderr)
    return 2


def _eligibility(argv: List[str]) -> int:
    from eligibility.cli import main

    return main(argv)


def _reminders(argv: List[str]) -> int:
    """`policybot reminders run`: subscription reminders, 免申即享 notices and a dispatch pass (JSON summary)."""
    parser = argparse.ArgumentParser(prog="policybot reminders")
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="queue the reminders and notices due (each once), then send the chat messages")
    run.add_argument("--no-dispatch", action="store_true",
                     help="only queue; the running service's scheduler sends (it has Rasa's token)")
    args = parser.parse_args(argv)
    import json

    from eligibility import jobs
    from eligibility.context import Context
    from eligibility.settings import Settings

    ctx = Context(Settings())
    ctx.prepare()
    done = jobs.run_reminders(ctx) if args.no_dispatch else jobs.remind_and_dispatch(ctx)
    print(json.dumps(done, ensure_ascii=False))
    return 0


COMMANDS: Dict[str, tuple[Callable[[List[str]], int], str]] = {
    "run": (_run, "start the eligibility service, action server and Rasa server; Ctrl-C stops all"),
    "chat": (_chat, "chat with the running assistant in this terminal"),
    "validate-knowledge": (_validate, "check every knowledge document against the schema"),
    "build-index": (_build_index, "build (incrementally) the search index from the corpus"),
    "train": (_train, "train the Rasa model if its data or config changed"),
    "eval": (_eval, "evaluate retrieval, displayed answers or NLU"),
    "grants": (lambda a: _eligibility(["grants", *a]), "免申即享: match all profiles and create grants"),
    "jobs": (lambda a: _eligibility(["jobs", *a]), "the daily jobs: 免申即享 grants, reminders, retention"),
    "reminders": (_reminders, "reminders run: subscription reminders and 免申即享 notices (SMS + chat), then send"),
    "outbox": (lambda a: _eligibility(["outbox", *a]), "the latest SMS in the outbox (one-time codes in development)"),
    "eligibility": (_eligibility, "the eligibility service's own commands (serve, seed, grants)"),
}


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        parser = argparse.ArgumentParser(prog="policybot", description="政策通 command line")
        parser.add_argument("command", choices=sorted(COMMANDS))
        print(parser.format_usage().strip())
        for name, (_, help_text) in COMMANDS.items():
            print(f"  {name:<20} {help_text}")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    func, _ = COMMANDS[argv[0]]
    return func(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
