"""Which role an answer to the role question names: exactly one of a role's answers, or nothing.

An answer is a role's when it equals one of that role's ``answers`` (or its name or label) under
the project's comparison key (case, spacing, punctuation and accents ignored), or when it is one of
them followed by a tail the form adds to explain it: a bracket, a dash, a colon, a comma or a
semicolon and then words that name no other role (``Early career mentoring partner (up to 5 years'
experience)``). Anything else names no single role: an answer that merely starts with a role word
(``Mentor me``, ``Mentoree``, ``Mentorship``), names two roles (``Mentor/Mentee``, ``Mentee or
mentor``, ``Mentee (or mentor)``) or none (``Both``, ``Not sure``). Such an answer is not
recognised and goes to the coordinator's review; it is never guessed into a role and never a
rejection (unless the rule file declares the role field closed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mentormatch.normalise import key
from mentormatch.schema import RuleFile

# Where a form's explanatory tail starts: an opening bracket, or a dash, colon, comma or semicolon
# followed by a space (so "Mentor-led" or "Mentee:s" are not split).
_TAIL = re.compile(r"\s*(?:[(\[{]|[-\u2013\u2014:;,](?=\s))")
_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in (key(part) for part in _WORD.findall(text)) if w)


class RoleAnswers:
    """The answers of every role of one rule file, and the role an answer names (if exactly one)."""

    def __init__(self, spec: RuleFile) -> None:
        self._by_key: dict[str, set[str]] = {}
        self._phrases: dict[tuple[str, ...], set[str]] = {}  # an answer's words -> its role(s)
        for role, role_spec in spec.roles.items():
            for answer in (*role_spec.answers, role, role_spec.label or role):
                if key(answer):
                    self._by_key.setdefault(key(answer), set()).add(role)
                    self._phrases.setdefault(_words(answer), set()).add(role)
        self._longest = max((len(words) for words in self._phrases), default=0)
        self._memo: dict[str, str | None] = {}

    def read(self, raw: str | None) -> str | None:
        """The role the answer names, or None (blank, or not recognised as exactly one role)."""
        if raw is None:
            return None
        if raw in self._memo:
            return self._memo[raw]
        found = self._read(raw)
        if len(self._memo) < 100_000:  # the same few answers recur on most rows
            self._memo[raw] = found
        return found

    def _read(self, raw: str) -> str | None:
        found = set(self._by_key.get(key(raw), set()))
        if not found:
            for head, tail in _splits(raw):
                for role in self._by_key.get(key(head), set()):
                    if not self._names_another(tail, role):
                        found.add(role)
        return found.pop() if len(found) == 1 else None

    def _names_another(self, tail: str, role: str) -> bool:
        """True when the tail names a role other than ``role``: read left to right, longest answer
        first, so "Mentee (I would like a mentor)" names only the mentee role (its answer "I would
        like a mentor") while "Mentee (or mentor)" also names the mentor role."""
        words, i = _words(tail), 0
        while i < len(words):
            for n in range(min(self._longest, len(words) - i), 0, -1):
                roles = self._phrases.get(words[i : i + n])
                if roles is not None:
                    if roles - {role}:
                        return True
                    i += n
                    break
            else:
                i += 1
        return False


def _splits(raw: str) -> Iterator[tuple[str, str]]:
    """(answer, tail) at every place a form's explanatory tail may start."""
    for match in _TAIL.finditer(raw):
        if match.start() > 0:
            yield raw[: match.start()], raw[match.start() :]
