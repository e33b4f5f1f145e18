"""deploy/compose.yaml mirrors the production profile (policybot/production.py): the same services, commands,
ports, environment, Rasa endpoints and nginx routing. No container engine runs here, so this is what keeps the
compose file honest when the profile changes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import pytest
import yaml

from policybot import paths, production
from policybot.production import DEFAULT_PORTS, ProductionStack
from policybot.supervisor import Service

DEPLOY = paths.ROOT / "deploy"


@pytest.fixture(scope="module")
def compose() -> Dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture()
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProductionStack:
    """The production profile's services as `make run-prod` builds them, without starting anything."""
    monkeypatch.setattr(production, "_require", lambda binary, package: binary)
    monkeypatch.setattr(ProductionStack, "_postgres",
                        lambda self: Service("postgres", ["postgres", "-c", "max_connections=200"], ""))
    s = ProductionStack(model=tmp_path / "model.tar.gz", base=tmp_path / "prod")
    s.build()
    return s


def _flags(argv: List[str]) -> Dict[str, str]:
    """``--flag value`` and ``--flag=value`` pairs of a command line (value "" for a bare flag)."""
    out: Dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--"):
            if "=" in arg:
                key, value = arg.split("=", 1)
                out[key] = value
            elif i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                out[arg] = argv[i + 1]
                i += 1
            else:
                out[arg] = ""
        i += 1
    return out


def _module(argv: List[str]) -> Tuple[str, ...]:
    i = argv.index("-m")
    return tuple(argv[i + 1:i + 3]) if argv[i + 1] == "rasa" else (argv[i + 1],)


def test_compose_is_yaml_with_every_service_of_the_profile(compose: Dict[str, Any], stack: ProductionStack) -> None:
    names = {s.name for s in stack.all_services()}
    assert names == {"postgres", "redis", "idp", "eligibility", "actions-1", "actions-2", "rasa-1", "rasa-2", "nginx"}
    # plus the one-shot daily jobs the profile runs before its services open
    assert set(compose["services"]) == names | {"jobs"}
    assert compose["services"]["jobs"]["command"] == ["python", "-m", "policybot.cli", "jobs"]


def test_every_python_service_runs_the_same_command_on_the_same_port(compose: Dict[str, Any],
                                                                     stack: ProductionStack) -> None:
    for service in stack.services:
        if service.name == "nginx":
            continue
        ours = compose["services"][service.name]["command"]
        assert ours[:2] == ["python", "-m"], service.name
        assert _module(ours) == _module(service.argv), service.name
        theirs_flags, ours_flags = _flags(service.argv), _flags(ours)
        assert set(ours_flags) == set(theirs_flags), service.name
        assert ours_flags["--port"] == theirs_flags["--port"], service.name
        for flag in ("--workers", "--enable-api"):
            assert ours_flags.get(flag) == theirs_flags.get(flag), (service.name, flag)
        host = ours_flags.get("--host", ours_flags.get("--interface"))
        assert host == "0.0.0.0", service.name  # reachable on the compose network (the profile: the loopback)
        if "--credentials" in theirs_flags:
            assert Path(theirs_flags["--credentials"]) == paths.ROOT / ours_flags["--credentials"]
            assert Path(theirs_flags["--logging-config-file"]) == paths.ROOT / ours_flags["--logging-config-file"]
            assert ours_flags["--auth-token"].startswith("${RASA_TOKEN")
            assert (paths.ROOT / ours_flags["--endpoints"]).exists()
        for name, value in service.extra_env.items():
            env = compose["services"][service.name]["environment"]
            assert name in env, (service.name, name)
            assert Path(env[name]).name == Path(value).name


def test_ports_match_the_profile(compose: Dict[str, Any], stack: ProductionStack) -> None:
    assert stack.rasa_ports == [5006, 5007] and stack.action_ports == [5056, 5057]
    assert compose["services"]["eligibility"]["command"][-3:-2] == [str(DEFAULT_PORTS["eligibility"])]
    assert [p.split(":")[-1] for p in compose["services"]["nginx"]["ports"]] == [str(DEFAULT_PORTS["public"])]
    for name, svc in compose["services"].items():
        if name != "nginx":
            assert "ports" not in svc, f"{name} must stay on the internal network (metrics, no auth)"


def test_environment_names_match_the_profile(compose: Dict[str, Any], stack: ProductionStack,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "environ", {})
    profile = set(stack.environment())
    app = compose["x-app"]["environment"]
    missing = profile - set(app)
    assert not missing, f"compose.yaml lacks {sorted(missing)}"
    assert app["ELIGIBILITY_SERVICE_KEY"].startswith("${POLICYBOT_SERVICE_KEY")  # one key, both names
    assert app["ELIGIBILITY_CHAT_SOCKET_URL"] == ""
    assert app["ELIGIBILITY_RASA_URL"] == f"http://nginx:{DEFAULT_PORTS['public']}"
    assert app["POLICYBOT_ELIGIBILITY_URL"] == f"http://eligibility:{DEFAULT_PORTS['eligibility']}"
    assert app["ELIGIBILITY_DATABASE_URL"].startswith("postgresql://") and "/eligibility" in app["ELIGIBILITY_DATABASE_URL"]
    # every secret comes from deploy/.env, none is written in the file; env.example names them all
    example = {line.split("=", 1)[0] for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines()
               if line and not line.startswith("#")}
    used = set(re.findall(r"\$\{([A-Z_]+)", (DEPLOY / "compose.yaml").read_text(encoding="utf-8")))
    assert used - {"PUBLIC_PORT"} <= example, sorted(used - example)


def test_rasa_endpoints_match_the_profile(stack: ProductionStack) -> None:
    theirs = yaml.safe_load((stack.base / "endpoints.yml").read_text(encoding="utf-8"))
    ours = yaml.safe_load((DEPLOY / "endpoints.yml").read_text(encoding="utf-8"))
    assert set(ours) == set(theirs)
    for store in ("tracker_store", "lock_store"):
        for key, value in theirs[store].items():
            if key not in ("url", "port"):
                assert ours[store][key] == value, (store, key)
    assert ours["tracker_store"]["password"] == "${POSTGRES_PASSWORD}"
    assert ours["lock_store"]["password"] == "${REDIS_PASSWORD}"
    assert ours["action_endpoint"]["url"] == f"http://nginx:{DEFAULT_PORTS['actions_lb']}/webhook"
    assert theirs["action_endpoint"]["url"].endswith(f":{DEFAULT_PORTS['actions_lb']}/webhook")
    assert ours["action_endpoint"]["token"] == "${POLICYBOT_ACTION_TOKEN}"


def test_infrastructure_flags_match_the_profile(compose: Dict[str, Any], stack: ProductionStack) -> None:
    redis = stack.service("redis").argv
    ours = compose["services"]["redis"]["command"]
    for flag in ("--save", "--appendonly", "--protected-mode"):
        assert ours[ours.index(flag) + 1] == redis[redis.index(flag) + 1], flag
    assert "max_connections=200" in compose["services"]["postgres"]["command"]
    assert "CREATE DATABASE rasa" in (DEPLOY / "postgres-init.sql").read_text(encoding="utf-8")
    assert compose["services"]["postgres"]["environment"]["POSTGRES_DB"] == "eligibility"


def _nginx_shape(text: str) -> Dict[str, Any]:
    upstreams = {}
    for name, body in re.findall(r"upstream (\w+) \{([^}]*)\}", text):
        upstreams[name] = {"servers": len(re.findall(r"server ", body)), "backup": body.count("backup"),
                           "ip_hash": "ip_hash" in body, "keepalive": re.findall(r"keepalive (\d+)", body),
                           "max_fails": body.count("max_fails=1 fail_timeout=5s")}
    locations = re.findall(r"location ([^{]+)\{([^}]*)\}", text)
    return {"upstreams": upstreams,
            "locations": sorted((where.strip(), " ".join(body.split())) for where, body in locations),
            "directives": sorted(set(re.findall(
                r"(proxy_read_timeout \S+;|proxy_next_upstream [^;]+;|client_max_body_size \S+;|"
                r"proxy_http_version \S+;|worker_connections \d+;|access_log off;)", text))),
            "listen": len(re.findall(r"listen ", text))}


def test_nginx_routes_as_the_profile(stack: ProductionStack) -> None:
    theirs = _nginx_shape((stack.base / "nginx" / "nginx.conf").read_text(encoding="utf-8"))
    ours = _nginx_shape((DEPLOY / "nginx.conf").read_text(encoding="utf-8"))
    assert ours == theirs
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert f"listen {DEFAULT_PORTS['public']};" in text and f"listen {DEFAULT_PORTS['actions_lb']};" in text
    for name, port in (("rasa-1", 5006), ("rasa-2", 5007), ("actions-1", 5056), ("actions-2", 5057),
                       ("eligibility", DEFAULT_PORTS["eligibility"])):
        assert f"server {name}:{port}" in text


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (requirements/apt.txt)")
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    hosts: Set[str] = {"rasa-1", "rasa-2", "actions-1", "actions-2", "eligibility"}
    for host in hosts:  # the compose network's names do not resolve here
        text = text.replace(f"server {host}:", "server 127.0.0.1:")
    text = text.replace("pid /tmp/nginx.pid;", f"pid {tmp_path}/nginx.pid;")
    conf = tmp_path / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_dockerfile_installs_the_lock_and_builds_what_the_services_read() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    python = (paths.ROOT / ".python-version").read_text(encoding="utf-8").strip()
    assert f"FROM python:{python}-" in text
    assert "pip install -r requirements/lock.txt" in text
    assert "policybot.cli build-index" in text and "policybot.cli train" in text
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert ".venv" in ignore and "var" in ignore and "deploy/.env" in ignore
