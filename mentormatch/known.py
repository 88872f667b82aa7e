"""Which answers a field knows: the rule file's own values plus what a vocabulary recognises.

An answer to a choice, multi-select or organisation field that nothing knows is *not recognised*:
an eligibility condition on it can neither hold nor fail, so the applicant goes to review
(``answer-not-recognised``) instead of being rejected by the condition. A field declared
``closed: "<why>"`` in the rule file rejects unknown answers instead.

How a vocabulary plugs in: ``mentormatch.vocab.recogniser(rules, field)`` returns, for a field of a
rule file, a function saying whether a vocabulary recognises an answer, or None when no vocabulary
covers the field. A field's known answers are the rule file's values for it plus whatever that
function recognises. An answer a vocabulary recognises is also compared with an ``in`` list under
the vocabulary's own name for it (``F`` is ``Woman``; ``Kurdish`` is ``Other ethnic group: Any
other ethnic group``), so recognising an answer never turns it into a rejection the text would not
make.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from mentormatch.normalise import key
from mentormatch.schema import Condition, RuleFile

Recogniser = Callable[[str], bool]

# Field types whose answers are compared with listed values (and so may be unforeseen).
CHOICE_TYPES = frozenset({"choice", "multi", "text", "organisation"})


def vocabulary_recogniser(rules: object, name: str) -> Recogniser | None:
    """The vocabularies' verdict on a field's answers, or None when no vocabulary covers it."""
    from mentormatch.vocab import recogniser

    return recogniser(rules, name)


Namer = Callable[[str], tuple[str, ...]]


def vocabulary_namer(rules: object, name: str) -> Namer | None:
    """The vocabulary's own name for an answer to a field (empty when it does not know it), or
    None when no vocabulary with named terms covers the field."""
    from mentormatch.vocab import field_vocabulary, vocabulary

    which = field_vocabulary(rules, name)
    if which not in {"ethnicity", "gender", "profession", "organisation"}:
        return None
    vocab = vocabulary(which)

    def names(answer: str) -> tuple[str, ...]:
        term = vocab.lookup(answer)
        return (term.name,) if term is not None else ()

    return names


def conditions(spec: RuleFile, *, everywhere: bool = False) -> Iterator[tuple[str, Condition]]:
    """Every eligibility condition (leaves and branches) with its key path in the rule file; with
    ``everywhere``, the score's priority conditions and the groups' preference too."""
    for role, role_spec in spec.roles.items():
        if role_spec.eligibility is not None:
            yield from walk(role_spec.eligibility, f"roles.{role}.eligibility")
    if not everywhere or spec.matching is None:
        return
    for i, part in enumerate(spec.matching.score):
        if part.when is not None:
            yield from walk(part.when, f"matching.score[{i}].when")
    if spec.matching.groups is not None and spec.matching.groups.prefer is not None:
        yield from walk(spec.matching.groups.prefer, "matching.groups.prefer")


def walk(cond: Condition, where: str = "") -> Iterator[tuple[str, Condition]]:
    """A condition and every condition inside it, each with its key path."""
    yield where, cond
    for kind in ("all_of", "any_of"):
        for i, child in enumerate(getattr(cond, kind) or []):
            yield from walk(child, f"{where}.{kind}[{i}]")
    if cond.not_ is not None:
        yield from walk(cond.not_, f"{where}.not")


def rule_file_answers(spec: RuleFile, name: str) -> list[str]:
    """Every answer the rule file names for a field: its values and their other spellings, the
    answers its conditions list, its organisations (organisation field) and role answers."""
    found: list[str] = []
    fspec = spec.fields.get(name)
    if fspec is not None:
        for canonical, aliases in fspec.values.items():
            found += [canonical, *aliases]
    for _where, cond in conditions(spec, everywhere=True):
        if cond.field == name and cond.in_ is not None:
            found += cond.in_
    if spec.organisations is not None and spec.organisations.field == name:
        for canonical, aliases in spec.organisations.names.items():
            found += [canonical, *aliases]
        found += spec.organisations.outside
    if spec.role_field == name:
        for role, role_spec in spec.roles.items():
            found += [role, *role_spec.answers, *([role_spec.label] if role_spec.label else [])]
    return list(dict.fromkeys(found))


def matches(answer: str, accepted: list[str] | tuple[str, ...]) -> bool:
    """An answer matches a listed value when it equals it or starts with it (``Black or Black
    British - African`` matches ``Black``), ignoring case, spacing and punctuation."""
    wanted = key(answer)
    return any(wanted == key(item) or (key(item) and wanted.startswith(key(item))) for item in accepted)


@dataclass
class FieldAnswers:
    """What one field knows: its rule-file answers, a vocabulary (if any), and a memo."""

    listed: tuple[str, ...]
    vocabulary: Recogniser | None
    closed: str | None
    namer: Namer | None = None
    _seen: dict[str, bool] = field(default_factory=dict)

    def names(self, answer: str) -> tuple[str, ...]:
        """The vocabulary's name(s) for an answer, to compare with listed values too."""
        return self.namer(answer) if self.namer is not None else ()

    def recognises(self, answer: str) -> bool:
        found = self._seen.get(answer)
        if found is None:
            found = matches(answer, self.listed) or bool(self.vocabulary and self.vocabulary(answer))
            if len(self._seen) < 100_000:
                self._seen[answer] = found
        return found


class Known:
    """Known answers of every field of one rule file (built once per rule file, memoised)."""

    def __init__(self, rules: object, spec: RuleFile) -> None:
        self._rules = rules
        self._spec = spec
        self._fields: dict[str, FieldAnswers] = {}

    def answers(self, name: str) -> FieldAnswers:
        found = self._fields.get(name)
        if found is None:
            fspec = self._spec.fields.get(name)
            found = FieldAnswers(
                listed=tuple(rule_file_answers(self._spec, name)),
                vocabulary=vocabulary_recogniser(self._rules, name),
                closed=fspec.closed if fspec is not None else None,
                namer=vocabulary_namer(self._rules, name),
            )
            self._fields[name] = found
        return found

    def recognised(self, name: str, answer: str) -> bool:
        """True when the rule file or a vocabulary knows this answer for the field."""
        return self.answers(name).recognises(answer)

    def accepts(self, name: str, answer: str, accepted: list[str]) -> bool:
        """True when the answer, or the vocabulary's name for it, is one of the accepted values."""
        if matches(answer, accepted):
            return True
        return any(matches(n, accepted) for n in self.answers(name).names(answer))

    def closed(self, name: str) -> bool:
        """True when the rule file declares the field closed: unknown answers are rejected."""
        return self.answers(name).closed is not None
