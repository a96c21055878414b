"""Text matching that ignores case and diacritics, the way Swedish readers expect ('ANDRING' finds 'Ändring')."""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """Case- and diacritic-insensitive form for matching: 'Ändring' and 'ANDRING' both become 'andring'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
