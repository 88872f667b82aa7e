"""A rule file in plain words, for `mentormatch rules show` and for coordinators new to a file."""

from __future__ import annotations

from pathlib import Path

from mentormatch.errors import RulesError
from mentormatch.normalise import band_label, canonical_band
from mentormatch.rulefile import Rules, load_rules
from mentormatch.schema import VOCABULARY_TESTS, Condition, MatchingSpec, RangeSpec


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
    # a switched-off option always holds (conditions.py): shown, but marked as not applied
    off = "" if cond.enabled else f" {NOT_APPLIED}"
    if cond.all_of is not None:
        out = [f"{pad}all of:{off}"]
        for child in cond.all_of:
            out += condition_lines(child, rules, depth + 1)
        return out
    if cond.any_of is not None:
        out = [f"{pad}any of:{off}"]
        for child in cond.any_of:
            out += condition_lines(child, rules, depth + 1)
        return out
    if cond.not_ is not None:
        return [f"{pad}not:{off}", *condition_lines(cond.not_, rules, depth + 1)]
    return [f"{pad}- {NOT_APPLIED + ' ' if off else ''}{_leaf_text(cond, rules)}"]  # seen first


NOT_APPLIED = "(not applied: enabled: false)"

# What the groups a rule may name mean (the vocabularies' data files, mentormatch/vocab/*.yaml,
# document them); a group not listed here is shown by its name.
GROUP_MEANINGS: dict[str, dict[str, str]] = {
    "ethnicity": {
        "white": "White, every White category",
        "white-british": "White British",
        "white-minority": "White other than White British: Irish, Gypsy or Irish Traveller, Roma, any other",
        "ethnic-minority": "Black, Asian, Mixed or other ethnic group, not White: the NHS 'BME',"
        " with Gypsy, Irish Traveller and Roma answers held for the coordinator",
        "asian": "Asian or Asian British",
        "black": "Black, Black British, Caribbean or African",
        "mixed": "Mixed or multiple ethnic groups",
        "other": "other ethnic group",
        "not-stated": "not stated or prefer not to say",
    },
    "gender": {"other": "a gender of their own description", "not-stated": "not stated or prefer not to say"},
    "profession": {
        "nursing": "nursing, registered nurses",
        "allied-health": "the 14 allied health professions",
        "administration": "administrative and clerical roles",
        "admin-and-clerical": "the whole Administrative and Clerical staff group",
        "hr": "HR, human resources and people practice in every specialism",
        "medical-and-dental": "medical and dental, doctors and dentists",
    },
    "band": {
        "consultant": "a consultant grade",
        "medical-grade": "a medical grade",
        "very-senior-manager": "a very senior manager at board level",
        "senior-manager": "a senior manager below board",
    },
}


def _plain(name: str) -> str:
    """A group, area or region id in words: ``west-midlands`` -> ``West Midlands``."""
    small = {"and", "the", "of", "on", "upon", "under", "in"}
    parts = name.replace("_", "-").split("-")
    return " ".join(w if w in small else w.capitalize() for w in parts)


def _vocabulary_text(cond: Condition, test: str, label: str, rules: Rules) -> str:
    """A ``group`` / ``staff_group`` / ``area`` / ``region`` test in words."""
    from mentormatch import vocab

    names: list[str] = getattr(cond, test)
    if test in {"area", "region"}:
        kind = "area" if test == "area" else "region"
        areas = vocab.organisations().areas
        shown = [areas[n]["name"] if test == "area" and n in areas else _plain(n) for n in names]
        where = f"the {shown[0]} {kind}" if len(shown) == 1 else f"one of these {kind}s: {', '.join(shown)}"
        return f"{label} is in {where}"
    which = vocab.field_vocabulary(rules, cond.field or "")
    meanings = GROUP_MEANINGS.get(which or "", {})
    shown = []
    for name in names:
        try:
            group = vocab.vocabulary(which).group(name) if which else name
        except KeyError:
            group = name
        shown.append(f"{meanings[group]} ({group})" if group in meanings else group)
    noun = "staff group" if test == "staff_group" else "group"
    if len(shown) == 1:
        return f"{label} is in the {noun}: {shown[0]}"
    return f"{label} is in one of the {noun}s: {'; '.join(shown)}"


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
    if cond.answered is not None:
        return f"{label} {'is answered' if cond.answered else 'is left blank'}"
    test = next(t for t in VOCABULARY_TESTS if getattr(cond, t) is not None)
    return _vocabulary_text(cond, test, label, rules)


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
            lines.append(f"  Soft preference (flagged, never a rejection): {g.prefer_label}, meaning")
            lines += [f"    {line}" for line in condition_lines(g.prefer, rules)]
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
            if part.when is not None:
                who = roles[part.role].label or part.role if part.role in roles else "the person"
                lines.append(f"      when the {who.lower()} meets:")
                lines += [f"        {line}" for line in condition_lines(part.when, rules)]
    return lines
