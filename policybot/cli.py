"""`policybot`: one entry point for running, building, training and evaluating 政策通."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, Dict, List, Optional


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
        from evaluation.retrieval import main as retrieval

        return retrieval(argv[1:])
    if argv and argv[0] == "answers":
        from evaluation.answers import main as answers

        return answers(argv[1:])
    if argv and argv[0] == "nlu":
        from policybot.eval_nlu import main as nlu

        return nlu(argv[1:])
    if argv and argv[0] == "nlu-pipeline":
        from policybot.eval_nlu_pipeline import main as pipeline

        return pipeline(argv[1:])
    if argv and argv[0] == "nlu-cv":
        from policybot.eval_nlu_cv import main as cv

        return cv(argv[1:])
    print("usage: policybot eval {retrieval|answers|nlu|nlu-pipeline|nlu-cv} ...", file=sys.stderr)
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


# ---- `policybot rasa <command> [args]`: Rasa's own CLI with this project's layout ------------------------
# Rasa's defaults are domain.yml, data/, config.yml, credentials.yml, endpoints.yml and models/; here the domain
# is a directory (bot/domain), the training data is nlu_data/ plus what is generated from the corpus
# (var/nlu_generated), endpoints and credentials live in bot/, models in var/models/rasa, and the custom
# actions need the action server (with its token), the eligibility service and the identity provider running.

RASA_DATA = ["nlu_data", "var/nlu_generated"]
RASA_OUT = "var/models/rasa"
RASA_RESULTS = "var/rasa_results"
# a flag and its short form: a default is added only when the user gave neither
_RASA_FLAGS = {"--config": "-c", "--domain": "-d", "--model": "-m", "--nlu": "-u", "--stories": "-s", "--data": None,
               "--out": None, "--endpoints": None, "--credentials": None, "--fixed-model-name": None,
               "--logging-config-file": None, "--interface": "-i", "--port": "-p"}
# what each command is given: training inputs, "model" (the trained model for these inputs), "services"
# (idp, eligibility service, action server started for the command's life, endpoints pointing at them)
_RASA_COMMANDS: Dict[tuple, Dict[str, Any]] = {
    ("train",): {"flags": {"--config": ["config.yml"], "--domain": ["bot/domain"], "--data": RASA_DATA,
                           "--out": [RASA_OUT]}, "fixed_name": True},
    ("train", "nlu"): {"flags": {"--config": ["config.yml"], "--domain": ["bot/domain"], "--nlu": RASA_DATA,
                                 "--out": [RASA_OUT]}},
    ("train", "core"): {"flags": {"--config": ["config.yml"], "--domain": ["bot/domain"], "--stories": ["nlu_data"],
                                  "--out": [RASA_OUT]}},
    ("data", "validate"): {"flags": {"--config": ["config.yml"], "--domain": ["bot/domain"], "--data": RASA_DATA}},
    ("data", "validate", "stories"): {"flags": {"--config": ["config.yml"], "--domain": ["bot/domain"],
                                                "--data": RASA_DATA}},
    ("test",): {"flags": {"--stories": ["tests/stories"], "--nlu": ["eval/nlu"], "--out": [RASA_RESULTS]},
                "model": True},
    ("test", "core"): {"flags": {"--stories": ["tests/stories"], "--out": [RASA_RESULTS]}, "model": True},
    ("test", "nlu"): {"flags": {"--nlu": ["eval/nlu"], "--out": [RASA_RESULTS]}, "model": True},
    ("shell",): {"flags": {"--interface": ["127.0.0.1"], "--logging-config-file": ["privacy/logging.yml"]},
                 "model": True, "services": True, "port": True},
    ("interactive",): {"flags": {"--config": ["config.yml"], "--domain": ["bot/domain"], "--data": RASA_DATA,
                                 "--out": [RASA_OUT], "--logging-config-file": ["privacy/logging.yml"]},
                       "model": True, "services": True, "port": True},
    ("run",): {"flags": {"--interface": ["127.0.0.1"], "--credentials": ["bot/credentials.yml"],
                         "--logging-config-file": ["privacy/logging.yml"]},
               "model": True, "services": True},
}


def rasa_command(args: List[str]) -> tuple:
    """The longest known command at the start of ``args`` (("data", "validate") for data validate --x)."""
    words = []
    for arg in args:
        if arg.startswith("-"):
            break
        words.append(arg)
    for n in range(len(words), 0, -1):
        if tuple(words[:n]) in _RASA_COMMANDS:
            return tuple(words[:n])
    return tuple(words[:1])


def _given(args: List[str], flag: str) -> bool:
    short = _RASA_FLAGS.get(flag)
    return any(a == flag or a.startswith(flag + "=") or (short is not None and a == short) for a in args)


def _custom_inputs(args: List[str]) -> bool:
    """Training inputs or a model name other than the defaults: the model is not the one of `policybot train`."""
    return any(_given(args, f) for f in ("--config", "--domain", "--data", "--fixed-model-name"))


def rasa_argv(args: List[str], model: Optional[str] = None, endpoints: Optional[str] = None,
              fixed_name: Optional[str] = None, port: Optional[int] = None) -> List[str]:
    """``rasa <args>`` with this project's paths filled in where the user gave none (relative to the root).
    ``model``: the model for commands that load one; ``endpoints``: the endpoints file of the services started
    for the command; ``fixed_name``: the name `policybot train` gives a model of the default inputs; ``port``: a
    free port for the server that shell and interactive run (Rasa's 5005 is `policybot run`'s)."""
    command = rasa_command(args)
    spec = _RASA_COMMANDS.get(command, {})
    rest = args[len(command):]
    extra: List[str] = []
    for flag, values in spec.get("flags", {}).items():
        if not _given(rest, flag):
            extra += [flag, *values]
    if spec.get("model") and model and not _given(rest, "--model"):
        extra += ["--model", model]
    if spec.get("services") and endpoints and not _given(rest, "--endpoints"):
        extra += ["--endpoints", endpoints]
    if spec.get("port") and port and not _given(rest, "--port"):
        extra += ["--port", str(port)]
    if spec.get("fixed_name") and fixed_name and not _custom_inputs(rest):
        extra += ["--fixed-model-name", fixed_name]
    return [sys.executable, "-m", "rasa", *command, *extra, *rest]


def _rasa(argv: List[str]) -> int:
    """`policybot rasa <command> [args]`: train, data validate, test, shell, interactive, run."""
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: policybot rasa <command> [rasa's own arguments]\n"
              "  Rasa's CLI from the project root with this project's domain (bot/domain), data (nlu_data, "
              "var/nlu_generated), config, model (var/models/rasa) and, for shell, interactive and run, the "
              "action server, eligibility service and identity provider it needs.\n  commands given defaults: "
              + ", ".join(" ".join(c) for c in _RASA_COMMANDS) + "; others go to rasa unchanged.")
        return 0 if argv else 2
    import os
    import subprocess

    from policybot import paths
    from policybot.train import cache_dir, ensure_model, model_fingerprint, prepare_generated

    command = rasa_command(argv)
    spec = _RASA_COMMANDS.get(command, {})
    rest = argv[len(command):]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    if not spec:
        return subprocess.call([sys.executable, "-m", "rasa", *argv], cwd=paths.ROOT, env=env)
    prepare_generated()  # var/nlu_generated and the jieba dictionary, which the data and the pipeline read
    model = str(ensure_model()) if spec.get("model") and not _given(rest, "--model") else None
    fixed = f"policybot-{model_fingerprint()[:16]}" if spec.get("fixed_name") else None
    if fixed and not _custom_inputs(rest) and not any(a in ("--dry-run", "--force") for a in rest) and \
            any(p.exists() for p in (paths.RASA_MODELS / f"{fixed}.tar.gz", cache_dir() / "rasa-models" / f"{fixed}.tar.gz")):
        # the model of exactly these inputs exists (here or in the shared cache): reuse it, as `policybot train` does
        print(f"rasa train: {ensure_model()} was trained from these inputs already; --force trains again")
        return 0
    if not spec.get("services"):
        return subprocess.call(rasa_argv(argv, model=model, fixed_name=fixed), cwd=paths.ROOT, env=env)
    support = _support_stack(model or "")
    print("rasa: starting the identity provider, the eligibility service and the action server ...", flush=True)
    support.start()
    endpoints = paths.VAR / f"endpoints-{support.ports['actions']}.yml"
    env.update({"POLICYBOT_ACTION_TOKEN": support.action_token, "POLICYBOT_ELIGIBILITY_URL": support.url("eligibility"),
                "ELIGIBILITY_PUBLIC_URL": support.url("eligibility")})
    try:
        return subprocess.call(rasa_argv(argv, model=model, endpoints=str(endpoints), port=_free_port()),
                               cwd=paths.ROOT, env=env)
    except KeyboardInterrupt:
        return 130
    finally:
        support.stop()
        endpoints.unlink(missing_ok=True)  # it holds this run's action server token


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _support_stack(model: str) -> Any:
    """What `policybot run` starts except Rasa itself (free ports, fresh tokens), for a rasa command."""
    from pathlib import Path

    from policybot.supervisor import Stack

    class SupportStack(Stack):
        def build(self) -> None:
            super().build()
            self.services = [s for s in self.services if s.name != "rasa"]

    return SupportStack(model=Path(model), ports={name: _free_port() for name in ("eligibility", "actions", "rasa", "idp")})


COMMANDS: Dict[str, tuple[Callable[[List[str]], int], str]] = {
    "run": (_run, "start the eligibility service, action server and Rasa server; Ctrl-C stops all"),
    "chat": (_chat, "chat with the running assistant in this terminal"),
    "validate-knowledge": (_validate, "check every knowledge document and its rules against the schema"),
    "build-index": (_build_index, "build (incrementally) the search index from the corpus"),
    "train": (_train, "train the Rasa model if its data or config changed"),
    "eval": (_eval, "evaluate retrieval, displayed answers or NLU"),
    "grants": (lambda a: _eligibility(["grants", *a]), "免申即享: match all profiles and create grants"),
    "jobs": (lambda a: _eligibility(["jobs", *a]), "the daily jobs: 免申即享 grants, reminders, retention"),
    "reminders": (_reminders, "reminders run: subscription reminders and 免申即享 notices (SMS + chat), then send"),
    "outbox": (lambda a: _eligibility(["outbox", *a]), "the latest SMS in the outbox (one-time codes in development)"),
    "eligibility": (_eligibility, "the eligibility service's own commands (serve, seed, grants)"),
    "rasa": (_rasa, "rasa train | data validate | test | shell | interactive | run with this project's paths"),
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
