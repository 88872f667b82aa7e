"""Decide who goes forward: identity, deadline, repeated submissions, role, organisation, rules."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from mentormatch import problems as codes
from mentormatch import vocab
from mentormatch.applicants import Applicant
from mentormatch.conditions import HIDDEN, failure
from mentormatch.normalise import email_doubt, identity_email, organisation_index, parse_organisation
from mentormatch.problems import Problem
from mentormatch.rulefile import Rules
from mentormatch.schema import Condition


@dataclass(frozen=True)
class Rejection:
    """An applicant who does not go forward, with every rule they failed (first = main)."""

    applicant: Applicant
    problems: tuple[Problem, ...]

    @property
    def rule(self) -> str:
        """The main rule: the first one failed (a review code only when no rule failed)."""
        failed = [p.rule for p in self.problems if p.rule not in codes.REVIEW]
        return failed[0] if failed else self.problems[0].rule

    @property
    def needs_review(self) -> bool:
        """True when no rule was failed: every problem is an answer the coordinator must review."""
        return all(p.rule in codes.REVIEW for p in self.problems)


@dataclass(frozen=True)
class Checked:
    """The result of checking: who is eligible and who is rejected, together every row read."""

    applicants: tuple[Applicant, ...]
    eligible: tuple[Applicant, ...]
    rejected: tuple[Rejection, ...]

    def eligible_in(self, role: str) -> list[Applicant]:
        return [a for a in self.eligible if a.role == role]

    def rejected_per_rule(self) -> Counter[str]:
        return Counter(r.rule for r in self.rejected)

    @property
    def to_review(self) -> tuple[Rejection, ...]:
        """Applications held for the coordinator's review (no rule failed, an answer unknown)."""
        return tuple(r for r in self.rejected if r.needs_review)

    @property
    def rejected_by_a_rule(self) -> tuple[Rejection, ...]:
        """Applications that failed a rule (``rejected`` less those held for review)."""
        return tuple(r for r in self.rejected if not r.needs_review)


def check_applicants(
    applicants: Sequence[Applicant],
    rules: Rules,
    members: frozenset[str] | None = None,
    late: frozenset[str] = frozenset(),
) -> Checked:
    """Check every applicant; each ends eligible or rejected with the rules it broke.

    ``late``: emails of late applicants the coordinator admitted (`--accept-late`): their
    applications are checked as if they had arrived before the deadline.
    """
    found: dict[int, list[Problem]] = defaultdict(list)
    for applicant in applicants:
        if applicant.email is None:
            found[id(applicant)].append(_email_problem(applicant, rules))
    for applicant, problem in _email_doubts(applicants, rules):
        found[id(applicant)].append(problem)
    for applicant, problem in _submission_problems(applicants, rules, late):
        found[id(applicant)].append(problem)
    eligible, rejected = [], []
    used = {role: _used_fields(rules, role) for role in rules.spec.roles}
    for applicant in applicants:
        problems = found[id(applicant)]
        if not problems:
            problems = _applicant_problems(applicant, rules, members, used)
        if problems:
            rejected.append(Rejection(applicant, tuple(problems)))
        else:
            eligible.append(applicant)
    return Checked(tuple(applicants), tuple(eligible), tuple(rejected))


def _email_problem(applicant: Applicant, rules: Rules) -> Problem:
    seen = applicant.raw.get("email", "")
    return Problem(
        applicant.row,
        _header(rules, "email"),
        seen,
        codes.EMAIL_MISSING,
        "We could not read an email address on this application, so it cannot be identified."
        " Please apply again with your work email.",
    )


def _email_doubts(applicants: Sequence[Applicant], rules: Rules) -> list[tuple[Applicant, Problem]]:
    """Emails mixing scripts or holding look-alike letters: held for review, never a second person."""
    plain = {a.email: a for a in applicants if a.email is not None and email_doubt(a.email) is None}
    out = []
    for applicant in applicants:
        why = email_doubt(applicant.email) if applicant.email is not None else None
        if why is None:
            continue
        twin = plain.get(identity_email(applicant.email or ""))
        same = f" It looks like the address on {_where(twin, applicant)}." if twin is not None else ""
        out.append(
            (
                applicant,
                Problem(
                    applicant.row,
                    _header(rules, "email"),
                    applicant.raw.get("email", applicant.email or ""),
                    codes.EMAIL_NEEDS_REVIEW,
                    f"The email address needs checking by the coordinator: {why}.{same}",
                ),
            )
        )
    return out


def _submission_problems(
    applicants: Sequence[Applicant], rules: Rules, late: frozenset[str] = frozenset()
) -> list[tuple[Applicant, Problem]]:
    """Late submissions, and every in-time submission but the latest per person and role.

    The rule for repeated applications: within one export that has a role column, a person's latest
    submission replaces the earlier ones (even when the role changed). Across files, one person
    (the same email) and one role is one applicant: the latest submission wins; when the times are
    equal or unknown, the file given later on the command line wins. A person may hold two roles
    only by applying for both.
    """
    deadline = rules.spec.deadline
    out: list[tuple[Applicant, Problem]] = []
    in_time: list[Applicant] = []
    column = _header(rules, "submitted")
    for applicant in applicants:
        if applicant.email is None or email_doubt(applicant.email) is not None:
            continue
        when = applicant.value("submitted")
        admitted = applicant.email in late
        if deadline is not None and not isinstance(when, datetime) and not admitted:
            seen = applicant.raw.get("submitted", "")
            out.append(
                (
                    applicant,
                    Problem(
                        applicant.row,
                        column,
                        seen,
                        codes.SUBMITTED_UNREADABLE,
                        "We could not read when this application was submitted, so we cannot tell whether"
                        " it arrived before the deadline; the coordinator will check it.",
                    ),
                )
            )
            continue
        if deadline is not None and isinstance(when, datetime) and when > deadline and not admitted:
            out.append(
                (
                    applicant,
                    Problem(
                        applicant.row,
                        column,
                        _time_text(when),
                        codes.AFTER_DEADLINE,
                        f"Applications closed at {_time_text(deadline)} (UK time); this one arrived at"
                        f" {_time_text(when)}.",
                    ),
                )
            )
            continue
        in_time.append(applicant)
    position = {id(a): n for n, a in enumerate(applicants)}  # files in command-line order, then rows

    def latest(people: list[Applicant], key: Callable[[Applicant], str]) -> dict[str, Applicant]:
        """The latest application per key (string keys: 100,000 rows make no tracked objects)."""
        best: dict[str, Applicant] = {}
        for person in people:
            held = best.setdefault(key(person), person)
            if held is not person and (_sort_time(person), position[id(person)]) > (
                _sort_time(held),
                position[id(held)],
            ):
                best[key(person)] = person
        return best

    def same_file(a: Applicant) -> str:
        return f"{a.source}\0{a.email}"

    def same_role(a: Applicant) -> str:
        return f"{a.email}\0{a.role}"

    shared = [a for a in in_time if not a.role_from_file]
    in_file = latest(shared, same_file)
    survivors = [a for a in in_time if a.role_from_file]
    for applicant in shared:
        kept = in_file[same_file(applicant)]
        if kept is applicant:
            survivors.append(applicant)
        else:
            out.append((applicant, _replaced(rules, kept, applicant)))
    per_role = latest(survivors, same_role)
    for applicant in survivors:
        kept = per_role[same_role(applicant)]
        if kept is not applicant:
            out.append((applicant, _replaced(rules, kept, applicant)))
    return out


def _replaced(rules: Rules, latest: Applicant, earlier: Applicant) -> Problem:
    if latest.source == earlier.source:
        why = f"A later application from the same email address ({_where(latest, earlier)})"
        why += " replaces this one."
    else:
        why = (
            f"The same person (same email address) applied for this role in {latest.source} too"
            f" ({_where(latest, earlier)}); one application per person and role counts, the latest"
            " (or, at the same time, the one in the file given last), so that one is used."
        )
    return Problem(earlier.row, _header(rules, "email"), earlier.email or "", codes.DUPLICATE, why)


def _where(latest: Applicant, earlier: Applicant) -> str:
    same_file = latest.source == earlier.source
    return f"row {latest.row}" if same_file else f"row {latest.row} of {latest.source}"


def _sort_time(applicant: Applicant) -> float:
    when = applicant.value("submitted")
    return when.timestamp() if isinstance(when, datetime) else 0.0


def _time_text(when: datetime) -> str:
    return f"{when:%H:%M} on {when.day} {when:%B %Y}"


def _applicant_problems(
    applicant: Applicant, rules: Rules, members: frozenset[str] | None, used: dict[str, set[str]]
) -> list[Problem]:
    spec = rules.spec
    if applicant.role is None or applicant.role not in spec.roles:
        seen = applicant.raw.get(spec.role_field or "", "")
        choices = ", ".join(f"'{r.answers[0] if r.answers else n}'" for n, r in spec.roles.items())
        if seen and spec.role_field is not None and not rules.known.closed(spec.role_field):
            return [
                Problem(
                    applicant.row,
                    _header(rules, spec.role_field),
                    seen,
                    codes.ANSWER_NOT_RECOGNISED,
                    f"The role answer '{seen}' is not one the programme's rules recognise as exactly"
                    f" one role ({choices}), so the coordinator will review it rather than reject the"
                    " application.",
                )
            ]
        return [
            Problem(
                applicant.row,
                _header(rules, spec.role_field or "role"),
                seen,
                codes.ROLE_UNKNOWN,
                f"The application does not say which role is applied for ({choices}).",
            )
        ]
    problems: list[Problem] = []
    organisation = _organisation_problem(applicant, rules)
    if organisation is not None:
        problems.append(organisation)
    problems += _membership_problems(applicant, rules, members)
    for name, field_spec in spec.fields.items():
        if (
            field_spec.type == "band"
            and name in applicant.unreadable
            and name in used[applicant.role]
            and vocab.bands().read(applicant.raw.get(name, "")) is None  # else the conditions decide
        ):
            problems.append(
                Problem(
                    applicant.row,
                    _header(rules, name),
                    applicant.raw.get(name, ""),
                    codes.GRADE_NEEDS_REVIEW,
                    f"The band or grade given ('{applicant.raw.get(name, '')}') needs review by the"
                    " coordinator before the application can go forward.",
                )
            )
    if problems:
        return problems
    eligibility = spec.roles[applicant.role].eligibility
    if eligibility is not None:
        found = failure(eligibility, applicant, rules)
        if found is not None:
            problems.append(
                Problem(
                    applicant.row,
                    " / ".join(_header(rules, f) for f in found.fields),
                    _seen(applicant, rules, found.fields),
                    found.code,
                    found.reason,
                )
            )
    return problems


def _organisation_problem(applicant: Applicant, rules: Rules) -> Problem | None:
    """The problem with an organisation outside a closed list: an unknown name goes to review,
    a known one outside the programme is rejected."""
    orgs = rules.spec.organisations
    if orgs is None or not orgs.only_listed or not orgs.names:
        return None
    org = applicant.value(orgs.field)
    if org in orgs.names:
        return None
    if org is not None and not _known_elsewhere(rules, orgs.field, org):
        code = codes.ANSWER_NOT_RECOGNISED
        message = (
            "The organisation given is not one the programme's rules recognise, so the"
            " coordinator will review it rather than reject the application."
        )
    else:
        code = codes.ORGANISATION_NOT_IN_PROGRAMME
        message = "This programme is open to staff of " + _joined(list(orgs.names)) + " only."
    return Problem(
        applicant.row, _header(rules, orgs.field), applicant.raw.get(orgs.field, ""), code, message
    )


def _known_elsewhere(rules: Rules, field: str, answer: object) -> bool:
    """An organisation outside the programme that the rule file (``organisations.outside``) or a
    vocabulary knows, so a rejection is sure; or any unknown one when the field is closed."""
    known = rules.known
    orgs = rules.spec.organisations
    if orgs is None:
        return False
    outside = organisation_index({name: [] for name in orgs.outside})
    if known.closed(field) or parse_organisation(answer, outside) in orgs.outside:
        return True
    named = known.answers(field).names(str(answer))  # the vocabulary's organisation, if any
    inside = organisation_index(orgs.names)
    return bool(named) and all(parse_organisation(n, inside) not in orgs.names for n in named)


def _membership_problems(applicant: Applicant, rules: Rules, members: frozenset[str] | None) -> list[Problem]:
    """Members only: the coordinator's list decides when given, else the yes/no answer."""
    spec = rules.spec
    if members is not None:
        if applicant.email in members:
            return []
        return [
            Problem(
                applicant.row,
                _header(rules, "email"),
                applicant.email or "",
                codes.NOT_A_MEMBER,
                "This programme is for network members, and this email is not on the membership list."
                " If you have joined recently, please tell the coordinator.",
            )
        ]
    if spec.membership is None or applicant.value(spec.membership) is True:
        return []
    raw = applicant.raw.get(spec.membership, "")
    if spec.membership in applicant.unreadable and raw.strip() and not rules.known.closed(spec.membership):
        return [
            Problem(
                applicant.row,
                _header(rules, spec.membership),
                raw,
                codes.VALUE_UNREADABLE,
                f"Network membership: '{raw}' could not be read as yes or no. The coordinator will"
                " check whether this person is a member; the application is held for review, not"
                " rejected.",
            )
        ]
    return [
        Problem(
            applicant.row,
            _header(rules, spec.membership),
            applicant.raw.get(spec.membership, "(blank)"),
            codes.NOT_A_MEMBER,
            "This programme is for network members only; please join the network and apply again.",
        )
    ]


def _used_fields(rules: Rules, role: str) -> set[str]:
    """Fields a role's eligibility reads, and the band field when matching compares bands."""
    spec = rules.spec
    used = _fields_used(spec.roles[role].eligibility)
    if spec.matching is not None and (
        spec.matching.band_gap is not None or any(p.part == "band_gap" for p in spec.matching.score)
    ):
        used.add(spec.matching.band_field)
    return used


def _fields_used(cond: Condition | None) -> set[str]:
    if cond is None or not cond.enabled:  # an option switched off reads nothing
        return set()
    found = {cond.field} if cond.field else set()
    for child in (*(cond.all_of or ()), *(cond.any_of or ()), *([cond.not_] if cond.not_ else [])):
        found |= _fields_used(child)
    return found


def _seen(applicant: Applicant, rules: Rules, fields: tuple[str, ...]) -> str:
    parts = []
    for name in fields:
        spec = rules.spec.fields.get(name)
        if spec is not None and spec.special_category:
            parts.append(HIDDEN)
        else:
            parts.append(applicant.raw.get(name, "(blank)"))
    unique = list(dict.fromkeys(parts))
    return "; ".join(unique)


def _header(rules: Rules, field: str) -> str:
    spec = rules.spec.fields.get(field)
    return spec.headers[0] if spec else field


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
