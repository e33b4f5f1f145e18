"""`policybot run --production` (`make run-prod`): the production profile on this machine, from Debian packages.

    nginx :8080 ─┬─ /webhooks/, /conversations/ ─→ Rasa ×2 (round robin; a dead one is skipped)
                 ├─ /socket.io/ ──────────────────→ Rasa ×2 (sticky per client address)
                 └─ everything else ──────────────→ the eligibility service (2 workers)
    Rasa ×2 ─→ nginx :5060 ─→ action servers ×2      tracker store: PostgreSQL (masked rows)
                                                      lock store: Redis
    eligibility service ─→ PostgreSQL                统一身份认证: the local provider (idp/)

State lives in var/prod/ (the PostgreSQL cluster, Redis' working directory, nginx's configuration and temp
files), so a restart keeps every conversation, application, rating, ticket and outbox message. The default
`make run` stays embedded and light (SQLite, one process each, in-memory tracker store)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from policybot import paths
from policybot.supervisor import Service, Stack, start_and_wait

NGINX = """worker_processes 1;
pid {base}/nginx.pid;
error_log {base}/error.log warn;
events {{ worker_connections 2048; }}
http {{
  access_log off;  # URLs can carry a conversation id; nothing personal is logged here
  client_body_temp_path {base}/tmp/body;
  proxy_temp_path {base}/tmp/proxy;
  fastcgi_temp_path {base}/tmp/fastcgi;
  uwsgi_temp_path {base}/tmp/uwsgi;
  scgi_temp_path {base}/tmp/scgi;
  client_max_body_size 1m;
  proxy_http_version 1.1;
  proxy_set_header Host $http_host;
  proxy_set_header X-Forwarded-For $remote_addr;
  proxy_set_header X-Forwarded-Proto $scheme;
  proxy_read_timeout 90s;
  # a request is passed to the other server only when this one could not be reached (no message twice)
  proxy_next_upstream error timeout;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  upstream rasa {{ {rasa} keepalive 32; }}
  upstream rasa_sticky {{ ip_hash; {rasa} }}
  upstream wechat {{ {wechat} }}
  upstream actions {{ {actions} keepalive 32; }}
  upstream eligibility {{ server 127.0.0.1:{eligibility}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{public};
    # metrics are for the monitoring network, which scrapes each process on its own port (README: Metrics and logs)
    location = /metrics {{ return 404; }}
    location /webhooks/metrics {{ return 404; }}
    location /webhooks/ {{
      client_max_body_size 64k;  # a chat message; WeChat's XML bodies are far smaller
      proxy_set_header Connection "";
      proxy_pass http://rasa;
    }}
    # WeChat's retries of one message must meet the replica that runs it (its dedup is per process)
    location /webhooks/wechat/ {{ client_max_body_size 64k; proxy_pass http://wechat; }}
    location /socket.io/ {{
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_pass http://rasa_sticky;
    }}
    location /conversations/ {{ proxy_set_header Connection ""; proxy_pass http://rasa; }}
    location / {{ proxy_set_header Connection ""; proxy_pass http://eligibility; }}
  }}
  server {{
    listen 127.0.0.1:{actions_lb};
    location / {{ proxy_set_header Connection ""; proxy_pass http://actions; }}
  }}
}}
"""

DEFAULT_PORTS = {"public": 8080, "eligibility": 8110, "idp": 8300, "actions_lb": 5060, "postgres": 55432,
                 "redis": 56379}


def _pg_bin(name: str) -> str:
    from eligibility.storage.pgtemp import pg_bindir

    return str(pg_bindir() / name)


def _as_postgres(cmd: List[str]) -> List[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _require(binary: str, package: str) -> str:
    found = shutil.which(binary) or next((p for p in (f"/usr/sbin/{binary}", f"/usr/bin/{binary}")
                                          if Path(p).exists()), None)
    if not found:
        raise RuntimeError(f"{binary} is not installed: apt-get install -y {package} (requirements/apt.txt lists it)")
    return found


@dataclass
class ProductionStack:
    """The production profile; ``replicas`` Rasa servers and as many action servers."""

    model: Path
    base: Path = paths.VAR / "prod"
    replicas: int = 2
    ports: Dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    rasa_ports: List[int] = field(default_factory=lambda: [5006, 5007])
    action_ports: List[int] = field(default_factory=lambda: [5056, 5057])
    env: Dict[str, str] = field(default_factory=dict)
    infra: List[Service] = field(default_factory=list)
    services: List[Service] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.secrets = Stack(model=self.model)  # the per-run service key, Rasa token and action token

    def url(self, name: str = "public") -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports['postgres']}/eligibility"

    # ---- PostgreSQL and Redis ---------------------------------------------------------------------------

    def _postgres(self) -> Service:
        data = self.base / "pgdata"
        if not (data / "PG_VERSION").exists():
            self.base.mkdir(parents=True, exist_ok=True)
            data.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(data, "postgres", "postgres")
            subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                         "-E", "UTF8", "--locale=C"]), check=True, capture_output=True)
        sockets = self.base / "pgsock"
        sockets.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(sockets, "postgres", "postgres")
        port = self.ports["postgres"]
        argv = _as_postgres([_pg_bin("postgres"), "-D", str(data), "-p", str(port), "-k", str(sockets),
                             "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"])
        return Service("postgres", argv, "", check=lambda: self._pg_ready())

    def _pg_ready(self) -> bool:
        import sqlalchemy as sa

        engine = sa.create_engine(f"postgresql://postgres@127.0.0.1:{self.ports['postgres']}/postgres",
                                  isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                have = set(conn.execute(sa.text("SELECT datname FROM pg_database")).scalars())
                for db in ("eligibility", "rasa"):
                    if db not in have:
                        conn.execute(sa.text(f'CREATE DATABASE "{db}"'))
            return True
        except sa.exc.OperationalError:
            return False
        finally:
            engine.dispose()

    def _redis(self) -> Service:
        workdir = self.base / "redis"
        workdir.mkdir(parents=True, exist_ok=True)
        argv = [_require("redis-server", "redis-server"), "--port", str(self.ports["redis"]), "--bind", "127.0.0.1",
                "--dir", str(workdir), "--save", "", "--appendonly", "no", "--protected-mode", "yes"]
        return Service("redis", argv, "", check=lambda: self._redis_ready())

    def _redis_ready(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.ports["redis"], socket_timeout=1).ping())
        except redis.RedisError:
            return False

    # ---- the services ---------------------------------------------------------------------------------

    def _nginx(self) -> Service:
        root = self.base / "nginx"
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (root / "tmp" / name).mkdir(parents=True, exist_ok=True)
        for path in (root / "tmp", *(root / "tmp").iterdir()):
            os.chmod(path, 0o777)
        conf = root / "nginx.conf"

        def servers(ports: List[int]) -> str:
            return " ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)

        conf.write_text(NGINX.format(
            base=root, public=self.ports["public"], actions_lb=self.ports["actions_lb"],
            eligibility=self.ports["eligibility"], rasa=servers(self.rasa_ports), actions=servers(self.action_ports),
            wechat=" ".join([f"server 127.0.0.1:{self.rasa_ports[0]} max_fails=1 fail_timeout=5s;",
                             *(f"server 127.0.0.1:{p} backup;" for p in self.rasa_ports[1:])])), encoding="utf-8")
        argv = [_require("nginx", "nginx"), "-p", str(root), "-c", str(conf), "-e", str(root / "error.log"),
                "-g", "daemon off;" + (" user root;" if os.geteuid() == 0 else "")]
        return Service("nginx", argv, f"{self.url()}/health")

    def _endpoints(self) -> Path:
        s = self.secrets
        path = self.base / "endpoints.yml"
        path.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.ports["actions_lb"]}/webhook"\n'
            f'  token: "{s.action_token}"\n'
            "tracker_store:\n  type: bot.tracker_store.MaskingSQLTrackerStore\n  dialect: postgresql\n"
            f"  url: 127.0.0.1\n  port: {self.ports['postgres']}\n  db: rasa\n  username: postgres\n"
            f"lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: {self.ports['redis']}\n  db: 0\n"
            "  key_prefix: policybot\n", encoding="utf-8")
        path.chmod(0o600)
        return path

    def build(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        py, s = sys.executable, self.secrets
        self.infra = [self._postgres(), self._redis()]
        endpoints = self._endpoints()
        services = [
            Service("idp", [py, "-m", "idp", "--host", "127.0.0.1", "--port", str(self.ports["idp"])],
                    f"{self.url('idp')}/.well-known/openid-configuration"),
            Service("eligibility", [py, "-m", "eligibility", "--host", "127.0.0.1", "--port",
                                    str(self.ports["eligibility"]), "--workers", "2"],
                    f"{self.url('eligibility')}/health"),
        ]
        for i, port in enumerate(self.action_ports, 1):
            services.append(Service(f"actions-{i}", [py, "-m", "actions.server", "--host", "127.0.0.1", "--port",
                                                     str(port)], f"http://127.0.0.1:{port}/health"))
        for i, port in enumerate(self.rasa_ports, 1):
            services.append(Service(
                f"rasa-{i}", [py, "-m", "rasa", "run", "--model", str(self.model), "--enable-api", "--interface",
                              "127.0.0.1", "--port", str(port), "--endpoints", str(endpoints), "--credentials",
                              str(paths.CREDENTIALS), f"--auth-token={s.rasa_token}",
                              "--logging-config-file", str(paths.ROOT / "privacy" / "logging.yml")],
                f"http://127.0.0.1:{port}/",
                # the WeChat channel's outbox file is per process (its dedup too: nginx keeps WeChat on one replica)
                # Rasa's own pool defaults (50 + 100 overflow per process) would outgrow max_connections=200
                extra_env={"WECHAT_OUTBOX_PATH": str(self.base / f"wechat-outbox-{i}.sqlite3"),
                           "SQL_POOL_SIZE": "10", "SQL_MAX_OVERFLOW": "20"}))
        services.append(self._nginx())
        self.services = services

    def environment(self) -> Dict[str, str]:
        s = self.secrets
        public = self.url()
        return {**os.environ, "HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1",
                "POLICYBOT_ELIGIBILITY_URL": self.url("eligibility"), "POLICYBOT_SERVICE_KEY": s.service_key,
                "ELIGIBILITY_SERVICE_KEY": s.service_key, "POLICYBOT_ACTION_TOKEN": s.action_token,
                "ELIGIBILITY_DATABASE_URL": self.database_url, "ELIGIBILITY_PUBLIC_URL": public,
                "ELIGIBILITY_OIDC_ISSUER": self.url("idp"), "IDP_ISSUER": self.url("idp"),
                "ELIGIBILITY_CHAT_SOCKET_URL": "",  # the page's own origin: nginx passes /socket.io/ to Rasa
                "ELIGIBILITY_RASA_URL": public, "ELIGIBILITY_RASA_TOKEN": s.rasa_token, **self.env}

    def start(self, timeout: float = 420) -> float:
        """Start PostgreSQL and Redis, then every service; return seconds until all are healthy."""
        busy = [name for name, port in self.ports.items() if _port_open(port)] + \
            [str(p) for p in self.rasa_ports + self.action_ports if _port_open(p)]
        if busy:
            raise RuntimeError(f"ports already in use: {busy} (another run of the production profile?)")
        self.build()
        env = self.environment()
        start = time.time()
        start_and_wait(self.infra, env, start, timeout, self.stop)
        subprocess.run([sys.executable, "-m", "policybot.cli", "jobs"], cwd=paths.ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        start_and_wait(self.services, env, start, timeout, self.stop)
        return time.time() - start

    def all_services(self) -> List[Service]:
        return self.infra + self.services

    def service(self, name: str) -> Service:
        return next(s for s in self.all_services() if s.name == name)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()
        for service in reversed(self.infra):
            service.stop(timeout=30)


def main(stack: Optional[ProductionStack] = None) -> int:
    from policybot.supervisor import prepare, watch

    stack = stack or ProductionStack(model=prepare())
    print("starting the production profile: PostgreSQL, Redis, 2 Rasa servers, 2 action servers, the eligibility "
          "service (2 workers), 统一身份认证 (development) and nginx…", flush=True)
    try:
        took = stack.start()
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as exc:
        print(f"could not start: {exc}", file=sys.stderr)
        return 1
    print(f"all healthy in {took:.0f} s")
    print(f"  web chat:         {stack.url()}/chat/")
    print(f"  12345 console:    {stack.url()}/console/")
    print(f"  REST:             POST {stack.url()}/webhooks/rest/webhook")
    print(f"  state:            {stack.base}/ (PostgreSQL, Redis, nginx)   logs: {paths.LOGS}/")
    return watch(stack.all_services, stack.stop, restart=True)
