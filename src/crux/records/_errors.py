"""What can go wrong with a record, each naming the field or the thing at fault."""

from __future__ import annotations


class RecordsError(Exception):
    """Base of the records' errors; ``field`` names what is at fault when one is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(RecordsError):
    """No such record for this user (another clinic's record is "not found" too, so its
    existence is never revealed)."""


class Forbidden(RecordsError):
    """The user's role may not do this."""


class Conflict(RecordsError):
    """The record changed since it was read, or an id is already taken."""


class Stale(Conflict):
    """The record changed since the version the change was made against."""


class Invalid(RecordsError):
    """A value the record does not take."""


class Unauthorised(RecordsError):
    """Wrong email or password, or a token or link that is unknown, expired or revoked."""
