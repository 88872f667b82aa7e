"""Evaluate a rule file's eligibility conditions on one applicant, explaining any failure."""

from __future__ import annotations

from dataclasses import dataclass

from mentormatch import problems as codes
from mentormatch.applicants import Applicant
from mentormatch.normalise import BAND_RANK, Years, band_label, canonical_band, parse_years
from mentormatch.rulefile import Rules
from mentormatch.schema import Condition

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
    if cond.answered is not None:
        if (value not in (None, ())) == cond.answered:
            return None
        return Failure(
            f"{_code(name)}-missing" if cond.answered else f"{_code(name)}-answered",
            (name,),
            f"{label} must be {'answered' if cond.answered else 'left blank'}.",
        )
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
