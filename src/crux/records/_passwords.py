"""Passwords, hashed with Argon2id by argon2-cffi (never hand-rolled)."""

from __future__ import annotations

import threading
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crux.records._errors import Invalid

MIN_LENGTH = 10
MAX_LENGTH = 200
# Argon2id takes 64 MiB per check: at most this many at once, so a burst of sign-ins
# cannot exhaust memory (the others wait their turn)
AT_ONCE = 4
_slots = threading.BoundedSemaphore(AT_ONCE)


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def check_strength(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise Invalid(
            f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters, got {len(password)}",
            field="password",
        )


def hash_password(password: str) -> str:
    check_strength(password)
    with _slots:
        return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    with _slots:
        try:
            return _hasher().verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False


@cache
def _dummy() -> str:
    return _hasher().hash("not a real password")


def waste_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown email takes as long as a wrong password."""
    verify_password(_dummy(), password)
