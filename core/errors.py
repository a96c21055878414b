"""Domain errors: raised by the areas' rules (services/) with what the user should read; web/errors.py answers each
with its status and the Swedish error page (or fragment)."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, user_message: str = "") -> None:
        super().__init__(user_message)
        self.user_message = user_message


class NotFound(DomainError):
    """Nothing here for this visitor: the same answer whether it does not exist or is someone else's."""

    status_code = 404


class Unavailable(DomainError):
    """Something the answer needs is out of reach for a moment (the database): come back shortly."""

    status_code = 503


class Refused(DomainError):
    """It exists and the visitor may see it, but not do this (the message says why)."""

    status_code = 403


class TooMany(DomainError):
    """The visitor did this too often in a short while: try again after `retry_after` seconds."""

    status_code = 429

    def __init__(self, user_message: str, retry_after: int) -> None:
        super().__init__(user_message)
        self.retry_after = retry_after
