"""The accounts the provider knows (loaded from YAML, argon2 hashes only) and password checking."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

NATURAL_PERSON = "natural_person"
LEGAL_PERSON = "legal_person"


@dataclass(frozen=True)
class Account:
    sub: str  # stable and opaque: never the ID number
    subject_type: str  # natural_person | legal_person
    identifier: str  # 居民身份证号 or 统一社会信用代码, as typed on the login page
    name: str  # the person's name, or the company's
    password_hash: str = ""

    def claims(self) -> Dict[str, Any]:
        """The identity claims shared by the ID token and /userinfo."""
        out: Dict[str, Any] = {"sub": self.sub, "name": self.name, "subject_type": self.subject_type}
        out["id_number" if self.subject_type == NATURAL_PERSON else "uscc"] = self.identifier
        return out

    def __repr__(self) -> str:  # keep the ID number and the hash out of tracebacks and logs
        return f"Account(sub={self.sub!r}, subject_type={self.subject_type!r})"


def normalize_identifier(text: str) -> str:
    """Full-width characters folded (Chinese input methods), spaces dropped, letters upper-cased (x → X)."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


class AccountBook:
    def __init__(self, accounts: Dict[str, Account], hasher: Optional[PasswordHasher] = None) -> None:
        self._by_identifier = accounts
        self._by_sub = {a.sub: a for a in accounts.values()}
        self._hasher = hasher or PasswordHasher()
        # Checked when the account does not exist, so both cases cost one argon2 verification.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    @classmethod
    def load(cls, path: Path) -> AccountBook:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        accounts: Dict[str, Account] = {}
        subs = set()
        for i, row in enumerate(data.get("accounts") or []):
            where = f"{path}: account #{i + 1}"
            kind = row.get("subject_type")
            if kind not in (NATURAL_PERSON, LEGAL_PERSON):
                raise ValueError(f"{where}: subject_type must be {NATURAL_PERSON} or {LEGAL_PERSON}")
            field = "id_number" if kind == NATURAL_PERSON else "uscc"
            identifier = normalize_identifier(str(row.get(field) or ""))
            if not identifier:
                raise ValueError(f"{where}: a {kind} account needs {field}")
            pw_hash = str(row.get("password_hash") or "")
            if not pw_hash.startswith("$argon2"):
                raise ValueError(f"{where}: password_hash must be an argon2 hash (never a plain password)")
            sub = str(row.get("sub") or "")
            if not sub or sub in subs or identifier in accounts:
                raise ValueError(f"{where}: sub and {field} must be present and unique")
            subs.add(sub)
            accounts[identifier] = Account(sub=sub, subject_type=kind, identifier=identifier,
                                           name=str(row.get("name") or ""), password_hash=pw_hash)
        return cls(accounts)

    def __len__(self) -> int:
        return len(self._by_identifier)

    def by_sub(self, sub: str) -> Optional[Account]:
        return self._by_sub.get(sub)

    def authenticate(self, identifier: str, password: str) -> Optional[Account]:
        """The account when the password is right; None otherwise, in about the same time either way."""
        account = self._by_identifier.get(normalize_identifier(identifier))
        try:
            self._hasher.verify(account.password_hash if account else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return account
