"""Evaluate a rule file's eligibility conditions on one applicant, explaining any failure."""

from __future__ import annotations

from dataclasses import dataclass

from mentormatch import problems as codes
from mentormatch import vocab
from mentormatch.applicants import Applicant
from mentormatch.normalise import BAND_RANK, Years, band_label, canonical_band, parse_years
from mentormatch.rulefile import Rules
from mentormatch.schema import VOCABULARY_TESTS, Condition
from mentormatch.vocab import check as vocab_check

HIDDEN = "(not shown: special category data)"


@dataclass(frozen=True)
class Failure:
    """Why a condition did not hold: rule code, the field(s) read, the value seen, the reason.

    ``unrecognised`` lists (field, answer) pairs that nothing in the rule file or a vocabulary
    knows: when it is not empty the condition is *undecided* (neither met nor failed) and the
    applicant goes to review (``answer-not-recognised`` or ``value-unreadable``), not rejection.
    """

    code: str
    fields: tuple[str, ...]
    reason: str
    unrecognised: tuple[tuple[str, str], ...] = ()

    @property
    def undecided(self) -> bool:
        return bool(self.unrecognised)


def holds(cond: Condition, applicant: Applicant, rules: Rules) -> bool:
    """True when the applicant meets the condition (an undecided condition does not hold)."""
    return failure(cond, applicant, rules) is None


def failure(cond: Condition, applicant: Applicant, rules: Rules) -> Failure | None:
    """None when the condition holds, else why not (the condition's own code and reason win,
    except when the condition is undecided: then the code says the answer needs review)."""
    if not cond.enabled:  # an option the coordinator has not switched on
        return None
    found = _evaluate(cond, applicant, rules)
    if found is None or found.undecided:
        return found
    return Failure(code=cond.code or found.code, fields=found.fields, reason=cond.reason or found.reason)


def _evaluate(cond: Condition, applicant: Applicant, rules: Rules) -> Failure | None:
    if cond.all_of is not None:
        undecided: list[Failure] = []
        for child in cond.all_of:
            found = failure(child, applicant, rules)
            if found is not None and not found.undecided:
                return found  # failed whatever the unknown answers mean
            if found is not None:
                undecided.append(found)
        return _undecided(undecided) if undecided else None
    if cond.any_of is not None:
        failures = []
        for child in cond.any_of:
            found = failure(child, applicant, rules)
            if found is None:
                return None
            failures.append(found)
        unknown = [f for f in failures if f.undecided]
        if unknown:
            return _undecided(unknown)
        fields = tuple(dict.fromkeys(f for fail in failures for f in fail.fields))
        reason = "None of these holds: " + "; ".join(f.reason.rstrip(".") for f in failures) + "."
        return Failure(code=failures[0].code, fields=fields, reason=reason)
    if cond.not_ is not None:
        inner = failure(cond.not_, applicant, rules)
        if inner is None:
            return Failure(
                code="condition-not-met",
                fields=_fields(cond.not_),
                reason="This rule excludes the answer given.",
            )
        return inner if inner.undecided else None
    return _leaf(cond, applicant, rules)


def _undecided(found: list[Failure]) -> Failure:
    """Several undecided conditions as one: every unknown answer, one review code and reason."""
    unknown = tuple(dict.fromkeys(pair for f in found for pair in f.unrecognised))
    fields = tuple(dict.fromkeys(name for name, _answer in unknown))
    code = found[0].code if all(f.code == found[0].code for f in found) else codes.ANSWER_NOT_RECOGNISED
    reasons = list(dict.fromkeys(f.reason for f in found))
    return Failure(code, fields, " ".join(reasons), unknown)


def _fields(cond: Condition) -> tuple[str, ...]:
    if cond.field is not None:
        return (cond.field,)
    children = [*(cond.all_of or []), *(cond.any_of or []), *([cond.not_] if cond.not_ else [])]
    return tuple(dict.fromkeys(f for child in children for f in _fields(child)))


def _leaf(cond: Condition, applicant: Applicant, rules: Rules) -> Failure | None:
    name = cond.field
    assert name is not None
    spec = rules.spec.fields.get(name)
    label = (spec.label if spec and spec.label else name.replace("_", " ")).capitalize()
    kind = spec.type if spec else "text"
    value = applicant.value(name)
    unreadable = _unreadable(name, applicant, rules)
    if cond.answered is not None:
        if (value not in (None, ()) or unreadable is not None) == cond.answered:
            return None
        return Failure(
            f"{_code(name)}-missing" if cond.answered else f"{_code(name)}-answered",
            (name,),
            f"{label} must be {'answered' if cond.answered else 'left blank'}.",
        )
    if any(getattr(cond, test) is not None for test in VOCABULARY_TESTS):
        return _vocabulary(cond, name, label, applicant, rules)
    if kind == "band" and value is None and applicant.raw.get(name) and cond.answered is None:
        decided, found = _band_reading(cond, name, label, applicant)
        if decided:
            return found
    if unreadable is not None:
        return unreadable
    if value is None or value == ():
        why = applicant.unreadable.get(name, "no answer given")
        return Failure(f"{_code(name)}-missing", (name,), f"{label}: {why}.")
    if cond.is_ is not None:
        if bool(value) == cond.is_:
            return None
        return Failure(
            f"{_code(name)}-not-{'yes' if cond.is_ else 'no'}",
            (name,),
            f"{label} must be '{'yes' if cond.is_ else 'no'}'.",
        )
    if cond.in_ is not None:
        answers = value if isinstance(value, tuple) else (value,)
        known = rules.known
        if any(known.accepts(name, str(a), cond.in_) for a in answers):
            return None
        unknown = [str(a) for a in answers if not known.recognised(name, str(a))]
        if unknown and not known.closed(name):
            return Failure(
                codes.ANSWER_NOT_RECOGNISED,
                (name,),
                f"{label}: the answer given is not one the programme's rules recognise, so the"
                " coordinator will review it rather than reject the application.",
                tuple((name, a) for a in unknown),
            )
        return Failure(
            f"{_code(name)}-not-accepted", (name,), f"{label} must be one of: {', '.join(cond.in_)}."
        )
    return _range(cond, name, label, kind, value)


def _vocabulary(cond: Condition, name: str, label: str, applicant: Applicant, rules: Rules) -> Failure | None:
    """``group`` / ``staff_group`` / ``area`` / ``region``: the vocabulary decides yes or no; an
    answer it does not recognise, or one the text leaves open, is undecided (review)."""
    test = next(t for t in VOCABULARY_TESTS if getattr(cond, t) is not None)
    names: list[str] = getattr(cond, test)
    spec = rules.spec.fields[name]
    value = applicant.value(name)
    raw = applicant.raw.get(name, "")
    if value in (None, ()) and not raw:
        if not spec.special_category:
            return Failure(f"{_code(name)}-missing", (name,), f"{label}: no answer given.")
        raw = "Not stated"  # a skipped special category question is read as "prefer not to say"
    which = vocab.field_vocabulary(rules, name)
    if isinstance(value, tuple):
        answers = [str(a) for a in value]
    else:  # the rule file's canonical name first (a local alias: "MFT"), then the answer as typed
        answers = list(dict.fromkeys(str(a) for a in (value, raw) if a))
    found = vocab_check.evaluate(test, names, spec.type, which, answers[:1])
    if found.verdict == "unknown" and len(answers) > 1:
        found = vocab_check.evaluate(test, names, spec.type, which, answers[1:])
    if found.verdict == "yes":
        return None
    shown = ", ".join(n.replace("-", " ") for n in names)
    if found.verdict == "no" or (found.verdict == "unknown" and rules.known.closed(name)):
        return Failure(f"{_code(name)}-not-in-group", (name,), f"{label} must be: {shown}.")
    unknown = tuple((name, a) for a in answers)
    if found.verdict == "ask":
        question = (
            "The answer needs the coordinator's decision (special category data: the answer itself"
            " is listed for the coordinator only)."
            if spec.special_category
            else found.question
        )
        return Failure(
            codes.QUESTION_FOR_COORDINATOR,
            (name,),
            f"{label} ({shown}): {_sentence(question)} The coordinator will decide; the application is"
            " not rejected.",
            unknown,
        )
    return Failure(
        codes.ANSWER_NOT_RECOGNISED,
        (name,),
        f"{label}: the answer given is not one the programme's rules or vocabularies recognise, so the"
        " coordinator will review it rather than reject the application.",
        unknown,
    )


# What an answer of each type must read as, for the coordinator's question.
_READ_AS = {
    "years": "a length of experience in years",
    "yesno": "yes or no",
    "number": "a number",
    "datetime": "a date",
    "band": "a band",
    "email": "an email address",
}


def _unreadable(name: str, applicant: Applicant, rules: Rules) -> Failure | None:
    """An answer given but not readable as its field's type (``a couple of years``, ``Not sure
    yet`` to a yes/no question): undecided (review, ``value-unreadable``), never a rejection,
    unless the rule file declares the field closed. None when the answer was read or is blank."""
    raw = applicant.raw.get(name, "")
    if name not in applicant.unreadable or not raw.strip() or rules.known.closed(name):
        return None
    spec = rules.spec.fields.get(name)
    kind = spec.type if spec else "text"
    label = (spec.label if spec and spec.label else name.replace("_", " ")).capitalize()
    shown = "the answer given" if spec is not None and spec.special_category else f"'{raw}'"
    return Failure(
        codes.VALUE_UNREADABLE,
        (name,),
        f"{label}: {shown} could not be read as {_READ_AS.get(kind, 'an answer the rules can check')}."
        " The coordinator will decide what it means and whether it meets the programme's rule; the"
        " application is held for review, not rejected.",
        ((name, raw),),
    )


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "?", "!", ")")) else text + "."


def _band_reading(
    cond: Condition, name: str, label: str, applicant: Applicant
) -> tuple[bool, Failure | None]:
    """A band range test on an answer that is not one band ("Band 8", "Band 5/6", "Consultant"):
    decided when every band it can mean falls on one side, else a question. (False, None) when the
    band vocabulary does not read it either (the usual unreadable handling applies)."""
    if cond.between is None and cond.at_least is None and cond.at_most is None:
        return False, None
    low, high = cond.between if cond.between is not None else (cond.at_least, cond.at_most)
    raw = applicant.raw[name]
    found = vocab_check.band_range(
        raw,
        canonical_band(low) if low is not None else None,
        canonical_band(high) if high is not None else None,
    )
    if found.verdict == "unknown":
        return False, None
    if found.verdict == "yes":
        return True, None
    limits = _limits(
        band_label(canonical_band(low)) if low is not None else None,
        band_label(canonical_band(high)) if high is not None else None,
    )
    if found.verdict == "no":
        return True, Failure("band-out-of-range", (name,), f"{label} must be {limits} (found {raw}).")
    return True, Failure(
        codes.QUESTION_FOR_COORDINATOR,
        (name,),
        f"{label}: {_sentence(found.question)} The coordinator will decide; the application is not rejected.",
        ((name, raw),),
    )


def _range(cond: Condition, name: str, label: str, kind: str, value: object) -> Failure | None:
    low, high = cond.between if cond.between is not None else (cond.at_least, cond.at_most)
    if kind == "band":
        assert isinstance(value, str)
        rank = BAND_RANK[value]
        ok = (low is None or rank >= BAND_RANK[canonical_band(low)]) and (
            high is None or rank <= BAND_RANK[canonical_band(high)]
        )
        if ok:  # most applicants pass: skip building the message
            return None
        shown = band_label(value)
        limits = _limits(
            band_label(canonical_band(low)) if low is not None else None,
            band_label(canonical_band(high)) if high is not None else None,
        )
        code = "band-out-of-range"
    elif kind == "years":
        assert isinstance(value, Years)
        lo = None if low is None else parse_years(low).low
        hi = None if high is None else parse_years(high).high
        ok = (lo is None or value.low >= lo) and (hi is None or value.high <= hi)
        shown = str(value)
        limits = _limits(
            f"{lo:g} years" if lo is not None else None, f"{hi:g} years" if hi is not None else None
        )
        code = f"{_code(name)}-out-of-range"
    else:
        number = float(value)  # type: ignore[arg-type]
        ok = (low is None or number >= float(low)) and (high is None or number <= float(high))
        shown = f"{number:g}"
        limits = _limits(str(low) if low is not None else None, str(high) if high is not None else None)
        code = f"{_code(name)}-out-of-range"
    if ok:
        return None
    return Failure(code, (name,), f"{label} must be {limits} (found {shown}).")


def _limits(low: str | None, high: str | None) -> str:
    if low is not None and high is not None:
        return low if low == high else f"between {low} and {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _code(name: str) -> str:
    return name.replace("_", "-").lower()
