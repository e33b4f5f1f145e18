"""`policybot run`: build what is stale, start the three services, wait until healthy, stop on Ctrl-C.

The same :class:`Stack` starts the services in the end-to-end tests, so the tests run the assistant
exactly as a user does.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

from policybot import paths


@dataclass
class Service:
    name: str
    argv: List[str]
    health_url: str
    extra_env: Dict[str, str] = field(default_factory=dict)
    check: Optional[Callable[[], bool]] = None  # health of a service that speaks no HTTP (PostgreSQL, Redis)
    process: Optional[subprocess.Popen] = None
    log: Optional[Path] = None
    env: Dict[str, str] = field(default_factory=dict)
    restarts: int = 0

    def start(self, env: Dict[str, str]) -> None:
        paths.LOGS.mkdir(parents=True, exist_ok=True)
        self.log = paths.LOGS / f"{self.name}.log"
        self.env = env
        out = open(self.log, "a" if self.restarts else "w")  # noqa: SIM115 - the child owns it for its whole life
        self.process = subprocess.Popen(self.argv, cwd=paths.ROOT, env={**env, **self.extra_env}, stdout=out,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def restart(self) -> None:
        self.restarts += 1
        self.start(self.env)

    def healthy(self) -> bool:
        if self.check is not None:
            return self.check()
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    def stop(self, timeout: float = 15) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@dataclass
class Stack:
    model: Path
    host: str = "127.0.0.1"
    ports: Dict[str, int] = field(default_factory=lambda: {"eligibility": 8100, "actions": 5055, "rasa": 5005,
                                                            "idp": 8300})
    env: Dict[str, str] = field(default_factory=dict)
    services: List[Service] = field(default_factory=list)
    # fresh secrets for every start: the action server's credential at the eligibility service, and the
    # token of Rasa's HTTP API (the REST and socket.io channels need none; conversation histories do)
    service_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # Rasa -> action server

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.ports[name]}"

    def build(self) -> None:
        py = sys.executable
        endpoints = paths.VAR / f"endpoints-{self.ports['actions']}.yml"
        endpoints.parent.mkdir(parents=True, exist_ok=True)
        endpoints.write_text(f'action_endpoint:\n  url: "{self.url("actions")}/webhook"\n  token: "{self.action_token}"\n'
                             "tracker_store:\n  type: bot.tracker_store.MaskingTrackerStore\n", encoding="utf-8")
        endpoints.chmod(0o600)
        self.services = [
            Service("idp", [py, "-m", "idp", "--host", self.host, "--port", str(self.ports["idp"])],
                    f"{self.url('idp')}/.well-known/openid-configuration"),
            Service("eligibility", [py, "-m", "eligibility", "--host", self.host, "--port", str(self.ports["eligibility"])],
                    f"{self.url('eligibility')}/health"),
            Service("actions", [py, "-m", "actions.server", "--host", self.host, "--port", str(self.ports["actions"])],
                    f"{self.url('actions')}/health"),
            Service("rasa", [py, "-m", "rasa", "run", "--model", str(self.model), "--enable-api",
                             "--interface", self.host, "--port", str(self.ports["rasa"]),
                             "--endpoints", str(endpoints), "--credentials", str(paths.CREDENTIALS),
                             f"--auth-token={self.rasa_token}",  # a token may start with "-"
                             "--logging-config-file", str(paths.ROOT / "privacy" / "logging.yml")],
                    f"{self.url('rasa')}/"),  # / is open; /status needs the API token
        ]

    def start(self, timeout: float = 240) -> float:
        """Start all services; return seconds until all are healthy. Raises if one dies or times out."""
        self.build()
        env = {**os.environ, "POLICYBOT_ELIGIBILITY_URL": self.url("eligibility"), "HF_HUB_OFFLINE": "1",
               "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1",
               "POLICYBOT_SERVICE_KEY": self.service_key, "ELIGIBILITY_SERVICE_KEY": self.service_key,
               "POLICYBOT_ACTION_TOKEN": self.action_token,
               "ELIGIBILITY_PUBLIC_URL": self.url("eligibility"), "ELIGIBILITY_OIDC_ISSUER": self.url("idp"),
               "IDP_ISSUER": self.url("idp"), "ELIGIBILITY_CHAT_SOCKET_URL": self.url("rasa"),
               # the console writes operators' replies and reminders into conversations through Rasa's API
               "ELIGIBILITY_RASA_URL": self.url("rasa"), "ELIGIBILITY_RASA_TOKEN": self.rasa_token, **self.env}
        start = time.time()
        # The nightly 免申即享 batch, run once before the service opens (idempotent; seeds an empty account).
        subprocess.run([sys.executable, "-m", "policybot.cli", "jobs"], cwd=paths.ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        start_and_wait(self.services, env, start, timeout, self.stop)
        return time.time() - start

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()


def start_and_wait(services: List[Service], env: Dict[str, str], start: float, timeout: float,
                   stop: Callable[[], None]) -> None:
    """Start ``services`` and wait until each is healthy; on a crash or the time-out, ``stop`` and raise."""
    for service in services:
        service.start(env)
    waiting = list(services)
    while waiting:
        for service in list(waiting):
            assert service.process is not None
            if service.process.poll() is not None:
                stop()
                tail = service.log.read_text(errors="replace")[-3000:] if service.log else ""
                raise RuntimeError(f"{service.name} exited with {service.process.returncode}:\n{tail}")
            if service.healthy():
                waiting.remove(service)
        if time.time() - start > timeout:
            stop()
            raise TimeoutError(f"not healthy after {timeout:.0f} s: {[s.name for s in waiting]}")
        time.sleep(0.5)


def prepare() -> Path:
    """Build the index if the corpus changed and train the model if its inputs changed."""
    from index_builder.cli import main as build_index
    from policybot.train import ensure_model

    if build_index([]) != 0:
        raise SystemExit("the knowledge index could not be built (see the errors above)")
    return ensure_model()


MAX_RESTARTS = 5  # per service and run: a service that keeps crashing stops the whole stack


def watch(services: Callable[[], List[Service]], stop: Callable[[], None], restart: bool = True) -> int:
    """Wait for Ctrl-C; a service that stops unexpectedly is restarted (and said so), up to MAX_RESTARTS."""
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    before = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        while not stopping:
            for service in services():
                if service.process is None or service.process.poll() is None:
                    continue
                exit_code = service.process.returncode
                if restart and service.restarts < MAX_RESTARTS:
                    print(f"{service.name} stopped unexpectedly (exit {exit_code}); restarting it "
                          f"({service.restarts + 1} of {MAX_RESTARTS}); see {service.log}", file=sys.stderr, flush=True)
                    service.restart()
                else:
                    print(f"{service.name} stopped unexpectedly (exit {exit_code}) {service.restarts} times; "
                          f"stopping everything; see {service.log}", file=sys.stderr, flush=True)
                    stopping, code = True, 1
            time.sleep(0.5)
    finally:
        print("stopping…", flush=True)
        stop()
        print("stopped.")
        for sig, handler in before.items():
            signal.signal(sig, handler)
    return code


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot run")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--production", action="store_true",
                        help="the production profile: PostgreSQL, Redis, nginx, 2 Rasa and 2 action servers")
    args = parser.parse_args(argv)
    if args.production:
        from policybot import production

        return production.main()
    began = time.time()
    model = prepare()
    stack = Stack(model=model, host=args.host)
    print("starting 统一身份认证 (development, 8300), the eligibility service (8100), the action server (5055) "
          "and Rasa (5005)…", flush=True)
    try:
        took = stack.start()
    except (RuntimeError, TimeoutError) as exc:
        print(f"could not start: {exc}", file=sys.stderr)
        return 1
    print(f"all four services healthy in {took:.0f} s ({time.time() - began:.0f} s from the command)")
    print(f"  web chat:         {stack.url('eligibility')}/chat/")
    print("  chat here:        make chat   (or: .venv/bin/policybot chat)")
    print(f"  REST:             POST {stack.url('rasa')}/webhooks/rest/webhook  {{\"sender\": \"me\", \"message\": \"你好\"}}")
    print("  log in:           say 登录 and open the link (development accounts: idp/accounts.yaml), or type an ID")
    print("                    number and read the code with `policybot outbox` (SMS stay in the outbox here)")
    print(f"  API docs:         {stack.url('eligibility')}/docs")
    print(f"  Rasa HTTP API:    token {stack.rasa_token} (this run only)")
    print(f"  logs:             {paths.LOGS}/   — Ctrl-C stops all four")
    return watch(lambda: stack.services, stack.stop)
