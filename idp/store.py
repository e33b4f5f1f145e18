"""What the provider remembers between requests, in memory behind one lock: login pages waiting for a
password, authorization codes and access tokens. Codes and tokens are kept by their SHA-256, never in clear."""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple


@dataclass(frozen=True)
class PendingAuthorization:
    """A validated /authorize request waiting for the user's password (the login form carries only its id)."""

    id: str
    client_id: str
    redirect_uri: str
    scope: str
    state: Optional[str]
    nonce: str
    code_challenge: str
    expires_at: float


@dataclass(frozen=True)
class CodeGrant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str
    scope: str
    sub: str
    auth_time: int
    expires_at: float


@dataclass(frozen=True)
class AccessGrant:
    client_id: str
    sub: str
    scope: str
    expires_at: float
    code_hash: str  # the code it came from, so a replayed code revokes it


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class GrantStore:
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._pending: Dict[str, PendingAuthorization] = {}
        self._codes: Dict[str, CodeGrant] = {}
        self._used_codes: Dict[str, float] = {}  # code hash -> when it stops being worth remembering
        self._tokens: Dict[str, AccessGrant] = {}

    def _prune(self, now: float) -> None:
        for table in (self._pending, self._codes, self._tokens):
            for key in [k for k, v in table.items() if v.expires_at <= now]:
                del table[key]
        for key in [k for k, until in self._used_codes.items() if until <= now]:
            del self._used_codes[key]

    # login pages
    def add_pending(self, ttl_s: float, *, client_id: str, redirect_uri: str, scope: str, state: Optional[str],
                    nonce: str, code_challenge: str) -> PendingAuthorization:
        with self._lock:
            now = self._now()
            self._prune(now)
            pending = PendingAuthorization(id=secrets.token_urlsafe(24), client_id=client_id, redirect_uri=redirect_uri,
                                           scope=scope, state=state, nonce=nonce, code_challenge=code_challenge,
                                           expires_at=now + ttl_s)
            self._pending[pending.id] = pending
            return pending

    def get_pending(self, pending_id: str) -> Optional[PendingAuthorization]:
        with self._lock:
            pending = self._pending.get(pending_id)
            if pending is None or pending.expires_at <= self._now():
                return None
            return pending

    def take_pending(self, pending_id: str) -> Optional[PendingAuthorization]:
        """The pending authorization, removed: a login page completes once."""
        with self._lock:
            pending = self._pending.pop(pending_id, None)
            if pending is None or pending.expires_at <= self._now():
                return None
            return pending

    # authorization codes
    def issue_code(self, grant: CodeGrant) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._prune(self._now())
            self._codes[digest(code)] = grant
        return code

    def redeem_code(self, code: str) -> Tuple[Optional[CodeGrant], bool]:
        """(the grant, False) the first time; (None, True) for a code already presented, whose tokens are
        revoked; (None, False) for an unknown or expired code. Any presentation uses the code up."""
        key = digest(code)
        with self._lock:
            now = self._now()
            if key in self._used_codes:
                for token in [t for t, g in self._tokens.items() if g.code_hash == key]:
                    del self._tokens[token]
                return None, True
            grant = self._codes.pop(key, None)
            if grant is None:
                return None, False
            self._used_codes[key] = grant.expires_at + 3600
            if grant.expires_at <= now:
                return None, False
            return grant, False

    # access tokens
    def issue_token(self, grant: AccessGrant) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[digest(token)] = grant
        return token

    def token_grant(self, token: str) -> Optional[AccessGrant]:
        with self._lock:
            grant = self._tokens.get(digest(token))
            if grant is None or grant.expires_at <= self._now():
                return None
            return grant
