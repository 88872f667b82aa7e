"""A rule file in plain words, for `mentormatch rules show` and for coordinators new to a file."""

from __future__ import annotations

from pathlib import Path

from mentormatch.errors import RulesError
from mentormatch.normalise import band_label, canonical_band
from mentormatch.rulefile import Rules, load_rules
from mentormatch.schema import Condition, MatchingSpec, RangeSpec


def find_rule_files(folder: Path) -> list[Path]:
    """Every rule file (.yaml/.yml) in a folder, by name."""
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def list_rule_files(folder: Path) -> list[tuple[str, str, str]]:
    """(file name, programme name, source) for each rule file; a broken file says why."""
    rows = []
    for path in find_rule_files(folder):
        try:
            rules = load_rules(path)
        except RulesError as exc:
            rows.append((path.name, "(does not load)", exc.message))
            continue
        rows.append((path.name, rules.spec.programme.name, rules.spec.programme.source))
    return rows


def describe_rules(rules: Rules) -> list[str]:
    """The rule file as lines of plain English."""
    spec = rules.spec
    lines = [f"{spec.programme.name}", f"  Source: {spec.programme.source}"]
    if spec.deadline is not None:
        lines.append(f"  Deadline: {spec.deadline.strftime('%H:%M on %d %B %Y')} (UK time)")
    else:
        lines.append("  Deadline: none (applications are open-ended)")
    if spec.role_field is not None:
        lines.append(f"  Roles are read from the answer to '{spec.fields[spec.role_field].headers[0]}';")
        lines.append("  an answer that is not exactly one role's answer is held for review.")
    else:
        lines.append("  Roles come from separate files, one per role.")
    for name, role in spec.roles.items():
        lines.append(f"  {role.label or name}:")
        if role.eligibility is None:
            lines.append("    anyone may apply")
        else:
            lines += [f"    {line}" for line in condition_lines(role.eligibility, rules)]
    if spec.organisations is not None and spec.organisations.only_listed and spec.organisations.names:
        lines.append(f"  Only staff of these {len(spec.organisations.names)} organisations:")
        lines += [f"    - {org}" for org in spec.organisations.names]
    if spec.grades:
        grades = ", ".join(f"{grade} = {band_label(band)}" for grade, band in spec.grades.items())
        lines.append(f"  Grades read as bands: {grades}; any other grade needs review.")
    if spec.places:
        lines.append(f"  Places offered ({len(spec.places)}): {', '.join(spec.places)}")
    if spec.membership is not None:
        lines.append(f"  Members only (the '{spec.membership}' answer, or a --members list).")
    if spec.matching is not None:
        lines += matching_lines(spec.matching, rules)
    special = [n for n, f in spec.fields.items() if f.special_category]
    if special:
        lines.append(
            f"  Special category fields (used for rules only, never written out): {', '.join(special)}"
        )
    return lines


def condition_lines(cond: Condition, rules: Rules, depth: int = 0) -> list[str]:
    """A condition as nested bullet lines."""
    pad = "  " * depth
    if cond.all_of is not None:
        out = [f"{pad}all of:"]
        for child in cond.all_of:
            out += condition_lines(child, rules, depth + 1)
        return out
    if cond.any_of is not None:
        out = [f"{pad}any of:"]
        for child in cond.any_of:
            out += condition_lines(child, rules, depth + 1)
        return out
    if cond.not_ is not None:
        return [f"{pad}not:", *condition_lines(cond.not_, rules, depth + 1)]
    return [f"{pad}- {_leaf_text(cond, rules)}"]


def _leaf_text(cond: Condition, rules: Rules) -> str:
    name = cond.field or ""
    spec = rules.spec.fields.get(name)
    kind = spec.type if spec else "text"
    label = spec.label if spec and spec.label else name.replace("_", " ")

    def show(value: object) -> str:
        return (
            band_label(canonical_band(value))
            if kind == "band"
            else f"{value}{' years' if kind == 'years' else ''}"
        )

    if cond.between is not None:
        low, high = cond.between
        return f"{label} is {show(low)}" if low == high else f"{label} between {show(low)} and {show(high)}"
    if cond.at_least is not None:
        return f"{label} at least {show(cond.at_least)}"
    if cond.at_most is not None:
        return f"{label} at most {show(cond.at_most)}"
    if cond.in_ is not None:
        return f"{label} is one of: {', '.join(cond.in_)}"
    if cond.is_ is not None:
        return f"{label} is '{'yes' if cond.is_ else 'no'}'"
    return f"{label} {'is answered' if cond.answered else 'is left blank'}"


def _range(r: RangeSpec, unit: str) -> str:
    if r.min is not None and r.max is not None:
        return f"{r.min:g} to {r.max:g} {unit}"
    return f"at least {r.min:g} {unit}" if r.min is not None else f"at most {r.max:g} {unit}"


def matching_lines(m: MatchingSpec, rules: Rules) -> list[str]:
    """The matching section in words: hard rules, then what makes a pair good."""
    roles = rules.spec.roles
    giver, receiver = roles[m.giver].label or m.giver, roles[m.receiver].label or m.receiver
    if m.mode == "groups" and m.groups is not None:
        g = m.groups
        lines = [
            f"  Group mentoring: groups of {_range(g.size, receiver.lower() + 's')}"
            f" with {_range(g.leaders, giver.lower() + 's')}.",
            "  Every eligible member is placed when the numbers allow; groups mix"
            f" {' and '.join(f for f in (g.organisation_field, g.profession_field) if f) or 'people'};"
            f" members share goals ('{g.goals_field}') with their leaders.",
        ]
        if g.prefer is not None:
            lines.append(f"  Soft preference (flagged, never a rejection): {g.prefer_label}.")
        return lines
    lines = [f"  Pairs: each {receiver.lower()} with one {giver.lower()}."]
    cap = m.capacity
    lines.append(
        f"  Each {giver.lower()} takes {cap.default} by default"
        + (f", or up to {cap.max} as they answer '{cap.field}'." if cap.field else ".")
    )
    for field in m.different:
        lines.append(f"  Never two people with the same {field.replace('_', ' ')}.")
    if m.band_gap is not None:
        lines.append(
            f"  The {giver.lower()} is {_range(m.band_gap, 'band(s)')} above the {receiver.lower()}."
        )
    if m.distance is not None and m.distance.max is not None:
        lines.append(f"  At most {m.distance.max:g} km apart (places from the rule file's table).")
    if m.never_field is not None:
        lines.append(f"  Never someone named in '{m.never_field}' (a reporting line).")
    if m.must:
        lines.append(f"  {len(m.must)} pair(s) the coordinator fixed in advance.")
    objective = (
        "first as many pairs as possible, then the highest total score"
        if m.objective == "coverage-then-score"
        else f"only pairs scoring at least {m.minimum_score:g}, highest total score"
    )
    lines.append(f"  Objective: {objective}.")
    if m.score:
        lines.append("  Score parts (points):")
        for part in m.score:
            both = " (counted both ways)" if part.both_ways else ""
            lines.append(f"    {part.weight:g} x {part.label or part.part.replace('_', ' ')}{both}")
    return lines
