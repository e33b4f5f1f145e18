"""统一身份认证（开发环境）: a local OpenID Connect provider for development and tests.

It speaks what the relying party (``eligibility/auth/oidc.py``) speaks to the government's real provider:
the authorization code flow with PKCE (S256), RS256 ID tokens signed with a persisted RSA 2048 key published
at ``/jwks.json``, client authentication by ``client_secret_basic`` or ``client_secret_post``.

Run: ``python -m idp --host 127.0.0.1 --port 8300``. Settings are ``IDP_*`` variables (``idp/settings.py``).

Development credentials (never used outside development):
- every demo account in ``idp/accounts.yaml`` has the password ``Demo@2026``;
- the client is ``zhengcetong`` with the secret ``zhengcetong-dev-secret``; any
  ``http://127.0.0.1:<port>/auth/oidc/callback`` or ``http://localhost:<port>/auth/oidc/callback`` is accepted.
"""
