"""Every answer the rules did not foresee, per field, with its count, rows and the rule-file lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from mentormatch.applicants import Applicant
from mentormatch.known import CHOICE_TYPES, conditions, walk
from mentormatch.rulefile import Rules
from mentormatch.schema import VOCABULARY_TESTS

HIDDEN_ANSWER = "(not shown: special category data)"
MAX_ROWS_SHOWN = 50


@dataclass(frozen=True)
class Unrecognised:
    """One answer nothing knows for a field that eligibility reads, and where it was given."""

    field: str
    answer: str
    rows: tuple[tuple[str, int], ...]  # (file name, spreadsheet row)
    special: bool
    lines: tuple[str, ...]  # "rules.yaml line 88 (roles.mentee.eligibility...in)"

    @property
    def count(self) -> int:
        return len(self.rows)


def checked_fields(rules: Rules) -> dict[str, set[str]]:
    """Field -> the roles whose eligibility compares its answers with listed values."""
    spec = rules.spec
    found: dict[str, set[str]] = defaultdict(set)
    for role, role_spec in spec.roles.items():
        if role_spec.eligibility is None:
            continue
        for _where, cond in walk(role_spec.eligibility):
            kind = _type(rules, cond.field) if cond.field else ""
            listed = cond.in_ is not None or any(getattr(cond, t) is not None for t in VOCABULARY_TESTS)
            # a band, a listed-answers test, or any test of a typed answer (years, yes/no, number:
            # an answer given but not readable as its type is held for review, so it is listed too)
            if cond.field and cond.enabled and (kind not in CHOICE_TYPES or listed):
                found[cond.field].add(role)
    orgs = spec.organisations
    if orgs is not None and orgs.only_listed and orgs.names:
        found[orgs.field] |= set(spec.roles)
    return dict(found)


def _band_span(rules: Rules, name: str, raw: str) -> bool:
    """A band answer the band vocabulary reads as a span of bands ("Band 8" is 8a to 8d, "Band
    5/6"): known, so not listed; the check decides it, or asks which band where the span
    straddles a limit. A grade with no standard band ("Registrar") stays listed: the rule file's
    ``grades`` settles it."""
    if _type(rules, name) != "band":
        return False
    from mentormatch import vocab

    reading = vocab.bands().read(raw)
    return reading is not None and reading.low is not None and reading.high is not None


def _type(rules: Rules, name: str) -> str:
    fspec = rules.spec.fields.get(name)
    return fspec.type if fspec is not None else "text"


def role_answers_not_recognised(
    applicants: Sequence[Applicant], rules: Rules
) -> dict[str, list[tuple[str, int]]]:
    """Answer -> rows, for role answers given that name no single role (held for review; a closed
    role field rejects them as role-unknown instead, and a blank answer is role-unknown)."""
    name = rules.spec.role_field
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    if name is None or rules.known.closed(name):
        return found
    for applicant in applicants:
        answer = applicant.raw.get(name, "")
        if applicant.role is None and not applicant.role_from_file and answer:
            found[answer].append((applicant.source, applicant.row))
    return found


def rule_lines(rules: Rules, name: str) -> tuple[str, ...]:
    """Where in the rule file an answer to this field is accepted, rejected or made known."""
    spec = rules.spec
    if name == spec.role_field:  # a role answer becomes known by adding it to a role's answers
        return tuple(f"{rules.line(f'roles.{role}.answers')} (roles.{role}.answers)" for role in spec.roles)
    places: list[str] = ["grades"] if _type(rules, name) == "band" else []
    for where, cond in conditions(spec):
        if cond.field == name and cond.in_ is not None:
            places.append(f"{where}.in")
        elif cond.field == name and any(getattr(cond, t) is not None for t in VOCABULARY_TESTS):
            test = next(t for t in VOCABULARY_TESTS if getattr(cond, t) is not None)
            places.append(f"{where}.{test}")  # a vocabulary group (group, staff_group, area, region)
        elif cond.field == name:
            places.append(where)
    orgs = spec.organisations
    if orgs is not None and orgs.field == name:
        places += ["organisations.names", "organisations.outside"]
    places.append(f"fields.{name}.values" if f"fields.{name}.values" in rules.lines else f"fields.{name}")
    return tuple(f"{rules.line(p)} ({p})" for p in places)


def unrecognised_answers(applicants: Sequence[Applicant], rules: Rules) -> list[Unrecognised]:
    """Every unrecognised answer of every field eligibility reads, most frequent first."""
    known = rules.known
    orgs = rules.spec.organisations
    rows: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for name, roles in checked_fields(rules).items():
        is_org = orgs is not None and name == orgs.field
        verdicts: dict[str, bool] = {}  # answer -> unknown (answers recur on most rows)
        for applicant in applicants:
            if applicant.role not in roles:
                continue
            if _type(rules, name) not in CHOICE_TYPES:  # a grade that is no band, 'a couple of years'
                raw = applicant.raw.get(name, "")
                if name in applicant.unreadable and raw and not _band_span(rules, name, raw):
                    rows[(name, raw)].append((applicant.source, applicant.row))
                continue
            value = applicant.value(name)
            answers = value if isinstance(value, tuple) else (value,)
            for answer in answers:
                if answer is None:
                    continue
                text = str(answer)
                unknown = verdicts.get(text)
                if unknown is None:
                    listed = is_org and orgs is not None and text in orgs.names
                    unknown = verdicts[text] = not listed and not known.recognised(name, text)
                if unknown:
                    rows[(name, text)].append((applicant.source, applicant.row))
    for answer, where in role_answers_not_recognised(applicants, rules).items():
        rows[(rules.spec.role_field or "role", answer)] += where
    found = [
        Unrecognised(
            field=name,
            answer=answer,
            rows=tuple(sorted(where)),
            special=bool(rules.spec.fields.get(name) and rules.spec.fields[name].special_category),
            lines=rule_lines(rules, name),
        )
        for (name, answer), where in rows.items()
    ]
    return sorted(found, key=lambda u: (u.field, -u.count, u.answer))


def rows_text(rows: Sequence[tuple[str, int]], several_files: bool) -> str:
    """``row 4``, ``rows 2, 3``, or ``mentees.xlsx row 4, mentors.xlsx row 9`` (first 50 only)."""
    shown = [f"{source} row {row}" if several_files else str(row) for source, row in rows[:MAX_ROWS_SHOWN]]
    more = f" and {len(rows) - MAX_ROWS_SHOWN} more" if len(rows) > MAX_ROWS_SHOWN else ""
    label = "" if several_files else ("row " if len(rows) == 1 else "rows ")
    return label + ", ".join(shown) + more
