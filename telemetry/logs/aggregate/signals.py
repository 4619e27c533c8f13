"""Cache lookups and error signatures, counted by class with their first evidence."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_EVIDENCE = 5
MAX_CLASSES = 200


@dataclass(slots=True)
class ErrorClass:
    count: int = 0
    evidence: list[str] = field(default_factory=list)
    sample: str = ""


class SignalStats:
    def __init__(self) -> None:
        self.lookups: Counter[str] = Counter()
        self.errors: dict[str, ErrorClass] = {}

    def lookup(self, result: str) -> None:
        self.lookups[result] += 1

    def error(self, kind: str, detail: str, loc: str) -> None:
        entry = self.errors.get(kind)
        if entry is None:
            if len(self.errors) >= MAX_CLASSES:
                kind = "(other)"
                entry = self.errors.get(kind)
            if entry is None:
                entry = self.errors[kind] = ErrorClass(sample=detail[:300])
        entry.count += 1
        if len(entry.evidence) < MAX_EVIDENCE:
            entry.evidence.append(loc)
