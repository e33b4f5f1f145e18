"""The running service: settings, database, the current policy set (swapped whole on reload)."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
import time
from typing import TYPE_CHECKING, Dict, List, Optional

import sqlalchemy as sa

from eligibility.auth.secrets_store import load_or_create
from eligibility.modes import load_modes
from eligibility.profiles import demo, generator
from eligibility.profiles.store import insert_profiles
from eligibility.rules.policies import PolicySet, build_policy_set
from eligibility.settings import Settings
from eligibility.storage import tables as t
from eligibility.storage.db import Database
from eligibility.storage.migrations import migrate

if TYPE_CHECKING:
    from eligibility.auth.oidc import OidcClient
    from eligibility.clients.rasa import ConversationBridge

log = logging.getLogger("eligibility")


class Context:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.db = Database(settings.resolved_database_url())
        self._lock = threading.Lock()
        self._policies: Optional[PolicySet] = None
        self._oidc: Optional[OidcClient] = None
        self._bridge: Optional[ConversationBridge] = None
        self.token_secret = settings.token_secret or load_or_create(settings.secrets_dir / "token-secret")

    @property
    def policies(self) -> PolicySet:
        if self._policies is None:
            self.reload()
        assert self._policies is not None
        return self._policies

    def reload(self) -> PolicySet:
        with self._lock:
            fresh = build_policy_set(self.settings.corpus_dir, load_modes(self.settings.modes_path))
            self._policies = fresh
            # the policy set lives until the next reload: keep the collector from rescanning it (latency)
            gc.collect()
            gc.freeze()
        for w in fresh.warnings:
            log.warning("policy set: %s", w)
        for e in fresh.errors:
            log.warning("corpus: %s", e)
        return fresh

    def today(self) -> dt.date:
        return self.settings.today or dt.date.today()

    def now(self) -> dt.datetime:
        if self.settings.today:
            return dt.datetime.combine(self.settings.today, dt.datetime.utcnow().time())
        return dt.datetime.utcnow()

    def local_now(self) -> dt.datetime:
        """China Standard Time, naive: what staffed hours and "when will a person answer" are read in."""
        if self.settings.local_time:
            return self.settings.local_time
        from eligibility.services.working_time import local

        return local(self.now())

    def oidc(self) -> OidcClient:
        """The relying-party client of 统一身份认证 (the local provider by default; configuration only)."""
        if self._oidc is None:
            from eligibility.auth.oidc import OidcClient, OidcConfig

            s = self.settings
            self._oidc = OidcClient(OidcConfig(issuer=s.oidc_issuer, client_id=s.oidc_client_id,
                                               client_secret=s.oidc_client_secret,
                                               redirect_uri=f"{s.public_url.rstrip('/')}/auth/oidc/callback"))
        return self._oidc

    @property
    def bridge(self) -> ConversationBridge:
        """Rasa's HTTP API: how a person's words and reminders reach a user's conversation."""
        if self._bridge is None:
            from eligibility.clients.rasa import RasaBridge

            s = self.settings
            self._bridge = RasaBridge(s.rasa_url, s.rasa_token, s.rasa_timeout_s)
        return self._bridge

    @bridge.setter
    def bridge(self, value: ConversationBridge) -> None:
        self._bridge = value

    def clock(self) -> dt.datetime:
        """The real time (UTC, aware): token lifetimes are wall-clock time even on a fixed demo date."""
        return dt.datetime.now(dt.timezone.utc)

    def migrate(self) -> List[str]:
        return migrate(self.db)

    def profile_count(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(t.profiles)).scalar() or 0)

    def seed(self, enterprises: Optional[int] = None, citizens: Optional[int] = None,
             seed: Optional[int] = None) -> Dict[str, float]:
        """Insert the demo data account (known profiles + generated ones) in one transaction."""
        n_ent = self.settings.demo_enterprises if enterprises is None else enterprises
        n_cit = self.settings.demo_citizens if citizens is None else citizens
        value = self.settings.seed if seed is None else seed
        start = time.perf_counter()
        day = self.today()
        known = list(demo.persona_rows(self.policies, day))
        known_ids = {r["id"] for r in known}

        def rows():
            yield from known
            yield from (r for r in generator.enterprises(n_ent, value, day) if r["id"] not in known_ids)
            yield from (r for r in generator.citizens(n_cit, value, day) if r["id"] not in known_ids)

        with self.db.write() as conn:
            count = insert_profiles(conn, rows(), self.policies.catalogue)
        return {"profiles": count, "seconds": round(time.perf_counter() - start, 3)}

    def prepare(self) -> None:
        """Migrate, and seed the demo data account if it is empty (and seeding is on)."""
        for step in self.migrate():
            log.info("migration: %s", step)
        if self.settings.seed_demo and self.profile_count() == 0:
            done = self.seed()
            log.info("seeded the demo data account: %s", done)
        from eligibility.services import personal_data, staff

        if self.settings.staff_dev_password:
            made = staff.seed_dev_accounts(self, self.settings.staff_dev_password)
            if made:
                log.warning("created development staff accounts %s (password from ELIGIBILITY_STAFF_DEV_PASSWORD)", made)
        purged = personal_data.purge(self)
        if any(purged.values()):
            log.info("retention: %s", purged)
