"""The provider's settings, in one typed object read from ``IDP_*`` variables."""

from __future__ import annotations

from pathlib import Path
from typing import List

from pydantic import BaseSettings

ROOT = Path(__file__).resolve().parent.parent

# The development client secret; documented in idp/__init__.py. Production never uses this provider.
DEV_CLIENT_SECRET = "zhengcetong-dev-secret"
# Any loopback port, this one callback path: the development set-up of the relying party.
DEV_REDIRECT_URIS = "http://127.0.0.1:*/auth/oidc/callback,http://localhost:*/auth/oidc/callback"


class Settings(BaseSettings):
    issuer: str = "http://127.0.0.1:8300"
    key_path: Path = ROOT / "var" / "idp" / "signing-key.pem"  # RSA 2048 private key, created 0600 if missing
    accounts_path: Path = ROOT / "idp" / "accounts.yaml"
    client_id: str = "zhengcetong"
    client_secret: str = DEV_CLIENT_SECRET
    client_name: str = "政策通"  # shown on the login page
    # Comma-separated. Each entry is an exact URI, or a pattern: ``*`` as the port (any port) and/or a path
    # ending in ``*`` (that path prefix). Patterns never match user info, a query or a fragment.
    redirect_uris: str = DEV_REDIRECT_URIS
    acr: str = "urn:sz:gov:loa:2"
    code_ttl_s: int = 60
    token_ttl_s: int = 600  # access token and ID token
    pending_ttl_s: int = 900  # how long a login page stays usable
    lockout_failures: int = 5
    lockout_window_s: int = 900
    log_level: str = "info"

    class Config:
        env_prefix = "IDP_"

    @property
    def issuer_url(self) -> str:
        return self.issuer.rstrip("/")

    def redirect_uri_list(self) -> List[str]:
        return [u.strip() for u in self.redirect_uris.split(",") if u.strip()]
