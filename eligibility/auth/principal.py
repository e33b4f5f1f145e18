"""Who is calling: a subject (a person or company, after a verified login), the action server acting
for one conversation, or a member of staff with roles. Identification is not authentication: a principal
comes only from a verified token, never from an identifier typed in a request body."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet, Optional

ROLES = ("operator", "reviewer", "admin")  # hotline operator, application reviewer, administrator


@dataclass(frozen=True)
class Principal:
    kind: str  # "subject" | "service" | "staff"
    name: str  # staff username, "actions" for the action server, the subject's masked id
    subject_id: Optional[str] = None  # the verified subject (a binding or a subject token)
    conversation_id: Optional[str] = None
    roles: FrozenSet[str] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    def has_role(self, *roles: str) -> bool:
        return self.is_staff and ("admin" in self.roles or any(r in self.roles for r in roles))

    @property
    def actor(self) -> str:
        """How the audit log and histories name this caller (never a raw ID number)."""
        if self.kind == "staff":
            return f"staff:{self.name}"
        if self.kind == "service":
            return f"service:{self.name}"
        return f"subject:{self.name}"
