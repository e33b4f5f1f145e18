"""The registered client: its credentials (checked in constant time) and its redirect URIs."""

from __future__ import annotations

import base64
import hmac
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple
from urllib.parse import unquote_plus, urlsplit

_PATTERN = re.compile(r"^(?P<scheme>https?)://(?P<host>[^/:?#@\[\]]+)(?::(?P<port>\d+|\*))?(?P<path>/[^?#]*)?$")


@dataclass(frozen=True)
class RedirectPattern:
    """An exact URI, or scheme://host[:port|:*][/path[*]]: ``*`` as the port is any port, a trailing ``*`` on
    the path a path prefix. A pattern matches no user info, query or fragment, and no ``..`` segment."""

    raw: str

    def __post_init__(self) -> None:
        if "*" in self.raw and not _PATTERN.match(self.raw):
            raise ValueError(f"redirect URI pattern {self.raw!r} is not scheme://host[:port|:*][/path[*]]")
        if "*" in self.raw.split("://", 1)[-1].split("/", 1)[0].replace(":*", ""):
            raise ValueError(f"redirect URI pattern {self.raw!r}: a host cannot be a wildcard")

    def matches(self, uri: str) -> bool:
        if "*" not in self.raw:
            return hmac.compare_digest(self.raw.encode(), uri.encode())
        m = _PATTERN.match(self.raw)
        assert m is not None
        try:
            parts = urlsplit(uri)
            port = parts.port
        except ValueError:
            return False
        if (parts.username is not None or parts.password is not None or parts.query or parts.fragment
                or "#" in uri or "?" in uri or "\\" in uri or any(ord(c) <= 32 for c in uri)):
            return False
        if parts.scheme != m["scheme"] or (parts.hostname or "") != m["host"].lower():
            return False
        if parts.netloc.lower() != (m["host"].lower() + (f":{port}" if port is not None else "")):
            return False  # anything odd in the authority part
        want_port = m["port"]
        if want_port == "*":
            if port is None:
                return False
        elif (want_port is None and port is not None) or (want_port is not None and port != int(want_port)):
            return False
        path = parts.path
        if ".." in path.split("/") or "%" in path:
            return False
        want_path = m["path"]
        if want_path is None:  # "scheme://host:*" is a prefix: any port, any path; else only the root
            return want_port == "*" or path in ("", "/")
        if want_path.endswith("*"):
            return path.startswith(want_path[:-1])
        return path == want_path


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    name: str
    redirect_patterns: Tuple[RedirectPattern, ...]

    @classmethod
    def create(cls, client_id: str, client_secret: str, name: str, redirect_uris: List[str]) -> Client:
        if not redirect_uris:
            raise ValueError("the client needs at least one redirect URI")
        return cls(client_id, client_secret, name, tuple(RedirectPattern(u) for u in redirect_uris))

    def allows_redirect(self, uri: str) -> bool:
        return bool(uri) and any(p.matches(uri) for p in self.redirect_patterns)

    def is_id(self, client_id: str) -> bool:
        return hmac.compare_digest(client_id.encode(), self.client_id.encode())

    def authenticates(self, client_id: str, client_secret: str) -> bool:
        id_ok = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        secret_ok = hmac.compare_digest(client_secret.encode(), self.client_secret.encode())
        return id_ok and secret_ok


def parse_basic(header: str) -> Optional[Tuple[str, str]]:
    """(client_id, client_secret) from an HTTP Basic header, each form-urlencoded first (RFC 6749 §2.3.1)."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(user), unquote_plus(password)
