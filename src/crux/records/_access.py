"""Who is acting: a signed-in user of a clinic, a person through their link, or the system."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Literal

from crux.records._errors import Forbidden

ROLES = ("admin", "practitioner")


@dataclass(frozen=True)
class Actor:
    clinic_id: int
    kind: Literal["user", "link", "system"]
    id: int | None = None
    role: str | None = None  # a user's role
    person_id: uuid.UUID | None = None  # a link's person

    @property
    def label(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"

    def must_be_user(self) -> None:
        if self.kind == "link":
            raise Forbidden("a person's link can only show their plan and log their progress")

    def must_be_admin(self) -> None:
        self.must_be_user()
        if self.kind == "user" and self.role != "admin":
            raise Forbidden("only a clinic's admin may do this")


def new_token() -> str:
    """A bearer token or link: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens are kept only as their SHA-256 (they are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
