"""Random tokens for cookies (sessions, BankID orders, anonymous drafts) and the hash under which the database keeps
them, so a copy of the database opens nothing."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
