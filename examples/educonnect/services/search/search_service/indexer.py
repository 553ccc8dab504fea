"""In-memory inverted index with TF-IDF ranking."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from search_service.tokenizer import tokenize


@dataclass(frozen=True)
class Hit:
    doc_id: str
    score: float


class SearchIndex:
    def __init__(self, title_boost: float = 2.0):
        self._postings: dict[str, dict[str, int]] = defaultdict(dict)
        self._lengths: dict[str, int] = {}
        self._title_boost = title_boost

    def __len__(self) -> int:
        return len(self._lengths)

    def add(self, doc_id: str, title: str, body: str) -> None:
        if doc_id in self._lengths:
            self.remove(doc_id)
        counts = Counter(tokenize(body))
        for term in tokenize(title):
            counts[term] += int(self._title_boost)
        for term, count in counts.items():
            self._postings[term][doc_id] = count
        self._lengths[doc_id] = max(1, sum(counts.values()))

    def remove(self, doc_id: str) -> bool:
        if doc_id not in self._lengths:
            return False
        for term in list(self._postings):
            self._postings[term].pop(doc_id, None)
            if not self._postings[term]:
                del self._postings[term]
        del self._lengths[doc_id]
        return True

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        terms = tokenize(query)
        if not terms or not self._lengths:
            return []
        total = len(self._lengths)
        scores: dict[str, float] = defaultdict(float)
        for term in terms:
            postings = self._postings.get(term, {})
            if not postings:
                continue
            idf = math.log(1 + total / len(postings))
            for doc_id, count in postings.items():
                scores[doc_id] += (count / self._lengths[doc_id]) * idf
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [Hit(doc_id, round(score, 6)) for doc_id, score in ranked[:limit]]

    def suggest(self, prefix: str, limit: int = 5) -> list[str]:
        """Most frequent indexed terms starting with ``prefix``."""
        stemmed = tokenize(prefix)
        if not stemmed:
            return []
        head = stemmed[-1]
        matches = [(term, len(docs)) for term, docs in self._postings.items() if term.startswith(head)]
        return [term for term, _ in sorted(matches, key=lambda m: (-m[1], m[0]))[:limit]]
