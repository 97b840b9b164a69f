"""Passwords, hashed with Argon2id by argon2-cffi (never hand-rolled)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crux.records._errors import Invalid

MIN_LENGTH = 10
MAX_LENGTH = 200


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
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: list[str] = []


def waste_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown email takes as long as a wrong password."""
    if not _DUMMY:
        _DUMMY.append(_hasher().hash("not a real password"))
    verify_password(_DUMMY[0], password)
