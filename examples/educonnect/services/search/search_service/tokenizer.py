"""Text normalisation shared by indexing and querying."""

from __future__ import annotations

import re
import unicodedata

STOPWORDS = frozenset(
    "a an and are as at be by for from has in is it of on or that the to was were will with".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def stem(word: str) -> str:
    """A deliberately tiny suffix stripper (good enough for course titles)."""
    for suffix in ("ing", "edly", "ed", "ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def tokenize(text: str) -> list[str]:
    return [stem(word) for word in _WORD.findall(normalize(text)) if word not in STOPWORDS]
