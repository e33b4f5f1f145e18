"""The RS256 signing key: RSA 2048, kept as PEM on disk (0600) so a restart keeps the key and its kid."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Any, Dict

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

log = logging.getLogger("idp")


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def rfc7638_thumbprint(n: str, e: str) -> str:
    """The JWK thumbprint (RFC 7638) of an RSA public key: SHA-256 over the required members, sorted, no spaces."""
    canonical = json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


class SigningKey:
    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        if private_key.key_size < 2048:
            raise ValueError(f"the signing key has {private_key.key_size} bits; at least 2048 are required")
        self._private = private_key
        numbers = private_key.public_key().public_numbers()
        self._n = _b64url_uint(numbers.n)
        self._e = _b64url_uint(numbers.e)
        self.kid = rfc7638_thumbprint(self._n, self._e)

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        """Read the PEM at ``path``; when there is none, generate a key and write it there with mode 0600."""
        path = Path(path)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            # Write a private temp file, then link it into place: another process starting at the same time
            # either wins (we read its key) or loses; nobody ever reads half a file.
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(pem)
                try:
                    os.link(tmp, path)
                    log.info("created a new signing key at %s", path)
                except FileExistsError:
                    pass
            finally:
                tmp.unlink(missing_ok=True)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("signing key %s is readable by others (mode %o); it should be 0600", path, mode)
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not hold an RSA private key")
        return cls(loaded)

    def public_jwk(self) -> Dict[str, str]:
        return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid, "n": self._n, "e": self._e}

    def sign(self, claims: Dict[str, Any]) -> str:
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})
