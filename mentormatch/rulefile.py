"""Load a rule file: safe YAML, then the typed model, then cross-checks, each mistake named by key."""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ValidationError

from mentormatch.errors import RulesError
from mentormatch.normalise import BANDS, Unreadable, canonical_band, parse_years
from mentormatch.schema import STANDARD_FIELDS, Condition, FieldSpec, RuleFile

if TYPE_CHECKING:
    from mentormatch.known import Known

MAX_RULE_BYTES = 2_000_000
MAX_NODES = 100_000  # an alias bomb ("billion laughs") expands far past this
MAX_WEIGHT = 10_000  # score parts are relative; larger weights only risk the solver's precision
MAX_CAPACITY = 100  # places one giver may offer
MAX_DEPTH = 40  # levels of nesting (a condition inside all_of inside not ... adds two each)


@dataclass(frozen=True)
class Rules:
    """A checked rule file with where it came from."""

    spec: RuleFile
    path: Path
    sha256: str
    # key path ("roles.mentee.eligibility.any_of[0].in") -> line number in the file (1 = first)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.path.stem

    @cached_property
    def known(self) -> Known:
        """Each field's known answers (rule file and vocabularies), built on first use."""
        from mentormatch.known import Known

        return Known(self, self.spec)

    def line(self, key_path: str) -> str:
        """``rules/x.yaml line 41`` for a key path, or just the file when the line is not known."""
        number = self.lines.get(key_path)
        return f"{self.path.name} line {number}" if number else self.path.name

    def field(self, name: str) -> FieldSpec:
        return self.spec.fields[name]


def load_rules(path: Path) -> Rules:
    """Read, validate and cross-check a rule file; any mistake is one RulesError naming the key."""
    raw = _read(path)
    data = _parse_yaml(path, raw)
    try:
        spec = RuleFile.model_validate(data)
    except ValidationError as exc:
        raise RulesError(_describe(path, exc)) from None
    for key_path, message in cross_check(spec):
        raise RulesError(f"{path}: {key_path}: {message}")
    return Rules(spec=spec, path=path, sha256=hashlib.sha256(raw).hexdigest(), lines=_lines(raw))


def _lines(raw: bytes) -> dict[str, int]:
    """Key path -> line of every key and list item (for messages that point into the file)."""
    try:
        root = yaml.compose(raw.decode("utf-8-sig"), Loader=_FastLoader or _Loader)
    except yaml.YAMLError:  # pragma: no cover - the file was parsed a moment ago
        return {}
    found: dict[str, int] = {}
    stack: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    while stack:
        node, where = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    path = f"{where}.{key_node.value}" if where else str(key_node.value)
                    found.setdefault(path, key_node.start_mark.line + 1)
                    stack.append((value, path))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                found.setdefault(f"{where}[{i}]", item.start_mark.line + 1)
                stack.append((item, f"{where}[{i}]"))
    return found


def _read(path: Path) -> bytes:
    if not path.exists():
        raise RulesError(
            f"{path}: no such rule file", "check the path; `mentormatch rules list` shows those under rules/"
        )
    if path.is_dir():
        raise RulesError(f"{path}: is a folder, not a rule file")
    raw = path.read_bytes()
    if len(raw) > MAX_RULE_BYTES:
        raise RulesError(f"{path}: is {len(raw):,} bytes; a rule file is a short YAML text")
    return raw


class _DuplicateKey(yaml.MarkedYAMLError):
    """A key given twice in one mapping: YAML forbids it, and PyYAML would keep the last silently."""


def _unique_keys(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    """A mapping's construction, refusing a key given twice in it."""
    seen: dict[str, int] = {}
    for key_node, _value in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        if key_node.value in seen:
            raise _DuplicateKey(
                problem=f"the key '{key_node.value}' is given twice here (first on line "
                f"{seen[key_node.value] + 1}); only one can count",
                problem_mark=key_node.start_mark,
            )
        seen[key_node.value] = key_node.start_mark.line
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


class _Loader(yaml.SafeLoader):
    """SafeLoader: builds only plain data, so a tag such as !!python/object is refused; a key
    given twice in one mapping is refused too."""

    construct_mapping = _unique_keys


# libyaml's parser (in PyYAML's wheels) with the same constructors reads a rule file about ten
# times faster. A file it refuses is read again by the Python parser, whose message (line, column
# and snippet) is the one shown, so a mistake is reported exactly as before.
_FastLoader: Any = None
if yaml.__with_libyaml__:

    class _CLoader(yaml.CSafeLoader):
        construct_mapping = _unique_keys

    _FastLoader = _CLoader


def _load_yaml(text: str) -> Any:
    if _FastLoader is not None:
        with contextlib.suppress(yaml.YAMLError, RecursionError):
            return yaml.load(text, Loader=_FastLoader)
    return yaml.load(text, Loader=_Loader)


def _parse_yaml(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RulesError(f"{path}: is not UTF-8 text", "save the rule file as UTF-8") from None
    try:
        data = _load_yaml(text)
    except RecursionError:
        raise RulesError(  # the same words as _check_finite's, which sees it where the parser did not
            f"{path}: is nested more than {MAX_DEPTH} levels deep",
            "a rule file needs only a few levels of all_of / any_of / not",
        ) from None
    except yaml.constructor.ConstructorError as exc:
        where = f" (line {exc.problem_mark.line + 1})" if exc.problem_mark else ""
        raise RulesError(
            f"{path}{where}: {exc.problem}",
            "rule files hold plain YAML only; remove the !!tag",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesError(f"{path}:{where}: not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{path}: should be a YAML mapping with keys such as 'programme', 'fields', 'roles'")
    _count_nodes(path, data)
    _check_finite(path, data)
    return data


def _check_finite(path: Path, data: Any) -> None:
    """Refuse .inf and .nan (and numbers too large for a float): no setting can use them; and
    nesting deeper than MAX_DEPTH, which conditions never need and which would exhaust the
    stack when they are checked."""
    stack: list[tuple[Any, list[str]]] = [(data, [])]
    while stack:
        node, loc = stack.pop()
        if len(loc) > MAX_DEPTH:
            raise RulesError(
                f"{path}: {_key_path(loc[:6])}...: nested more than {MAX_DEPTH} levels deep",
                "a rule file needs only a few levels of all_of / any_of / not",
            )
        if isinstance(node, float) and not math.isfinite(node):
            raise RulesError(
                f"{path}: {_key_path(loc)}: {node} is not a usable number", "write an ordinary number"
            )
        if isinstance(node, dict):
            stack.extend((value, [*loc, str(k)]) for k, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, [*loc, str(n)]) for n, value in enumerate(node))


def _count_nodes(path: Path, data: Any) -> None:
    count = 0
    stack = [data]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise RulesError(
                f"{path}: expands to more than {MAX_NODES:,} values (an alias bomb?)",
                "remove the YAML anchors and aliases (& and *)",
            )
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _describe(path: Path, exc: ValidationError) -> str:
    """The first schema error as one line: file, key path, what was expected."""
    errors = exc.errors()
    first = errors[0]
    loc = [str(part) for part in first["loc"]]
    key_path = _key_path(loc[:-1] if first["type"] == "extra_forbidden" else loc)
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if first["type"] == "extra_forbidden":
        bad = loc[-1]
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(bad, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(allowed)}"
        return f"{path}: {key_path}: unknown key '{bad}'{hint}{more}"
    if first["type"] == "missing":
        return f"{path}: {key_path}: this key is required{more}"
    message = first["msg"].removeprefix("Value error, ")
    return f"{path}: {key_path}: {message} (found {_short(first.get('input'))}){more}"


def _key_path(loc: list[str]) -> str:
    out = ""
    for part in loc:
        if part.isdigit():
            out += f"[{part}]"
        elif part in {"Condition", "function-after[_one_kind(), Condition]"}:
            continue
        else:
            out += ("." if out else "") + part.rstrip("_")
    return out or "(top level)"


def _allowed_keys(loc: list[str]) -> list[str]:
    """Keys allowed where an unknown key was found, by walking the model along the path."""
    model: type[BaseModel] | None = RuleFile
    for part in loc:
        if model is None or part.isdigit():
            continue
        field = model.model_fields.get(part) or next(
            (f for f in model.model_fields.values() if f.alias == part), None
        )
        if field is None:
            continue  # a free key such as a field or role name
        model = _inner_model(field.annotation)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- cross-checks: names that must refer to something ------------------------------------------


def all_fields(spec: RuleFile) -> dict[str, str]:
    """Field name -> type, the standard ones included."""
    types: dict[str, str] = dict(STANDARD_FIELDS)
    types.update({name: f.type for name, f in spec.fields.items()})
    return types


def cross_check(spec: RuleFile) -> list[tuple[str, str]]:
    """Every reference in the file points at something defined, with a value of the right kind."""
    problems: list[tuple[str, str]] = []
    types = all_fields(spec)
    for required in ("email", "name"):
        if required not in spec.fields:
            problems.append((f"fields.{required}", "this field is required (the headers of its column)"))
    if spec.role_field is not None and spec.role_field not in spec.fields:
        problems.append(("role_field", f"no field '{spec.role_field}' under 'fields'"))
    for role, role_spec in spec.roles.items():
        if spec.role_field is not None and not role_spec.answers:
            problems.append((f"roles.{role}.answers", "list the answers that mean this role"))
        if role_spec.eligibility is not None:
            problems += _check_condition(role_spec.eligibility, f"roles.{role}.eligibility", types)
    if spec.organisations is not None and spec.organisations.field not in types:
        problems.append(("organisations.field", f"no field '{spec.organisations.field}' under 'fields'"))
    if spec.membership is not None and spec.membership not in types:
        problems.append(("membership", f"no field '{spec.membership}' under 'fields'"))
    for place, (lat, lon) in spec.places.items():
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            problems.append(
                (
                    f"places.{place}",
                    f"{lat:g}, {lon:g} is not a latitude (-90 to 90) and longitude (-180 to 180)",
                )
            )
    if spec.matching is not None:
        problems += _check_matching(spec, types)
    problems += _check_vocabulary_tests(spec)
    return problems


def _check_vocabulary_tests(spec: RuleFile) -> list[tuple[str, str]]:
    """``group`` / ``staff_group`` / ``area`` / ``region`` name groups their field's vocabulary knows."""
    from mentormatch import vocab
    from mentormatch.known import walk

    roots = [(f"roles.{r}.eligibility", s.eligibility) for r, s in spec.roles.items()]
    if spec.matching is not None:
        roots += [(f"matching.score[{i}].when", p.when) for i, p in enumerate(spec.matching.score)]
        if spec.matching.groups is not None:
            roots.append(("matching.groups.prefer", spec.matching.groups.prefer))
    problems: list[tuple[str, str]] = []
    for root, top in roots:
        for where, cond in walk(top, root) if top is not None else []:
            tests = [t for t in ("group", "staff_group", "area", "region") if getattr(cond, t) is not None]
            if not tests or cond.field is None or cond.field not in spec.fields:
                continue
            test, names = tests[0], getattr(cond, tests[0])
            fspec = spec.fields[cond.field]
            which = fspec.vocabulary or {"organisation": "organisation", "band": "band"}.get(fspec.type)
            if fspec.type == "place" and test in {"area", "region"}:
                known = vocab.places().regions
            elif test in {"area", "region"}:
                if fspec.type != "organisation":
                    problems.append(
                        (f"{where}.{test}", f"'{cond.field}' is not an organisation or place field")
                    )
                    continue
                orgs = vocab.organisations()
                known = frozenset(orgs.areas) if test == "area" else orgs.groups - frozenset(orgs.areas)
            elif test == "staff_group" and which != "profession":
                problems.append(
                    (f"{where}.staff_group", f"'{cond.field}' needs 'vocabulary: profession' under fields")
                )
                continue
            elif which is None or which == "place":
                problems.append(
                    (
                        f"{where}.group",
                        f"'{cond.field}' has no vocabulary; add 'vocabulary: ethnicity', 'gender' or"
                        " 'profession' to the field",
                    )
                )
                continue
            else:
                known = vocab.vocabulary(which).groups
            for name in names:
                if test in {"group", "staff_group"} and which is not None and which != "place":
                    try:
                        vocab.vocabulary(which).group(name)
                        continue
                    except KeyError:
                        pass
                elif name in known:
                    continue
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(sorted(known))})"
                problems.append((f"{where}.{test}", f"no {test.replace('_', ' ')} '{name}'{hint}"))
    return problems


def _check_condition(cond: Condition, where: str, types: dict[str, str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for kind in ("all_of", "any_of"):
        for i, child in enumerate(getattr(cond, kind) or []):
            problems += _check_condition(child, f"{where}.{kind}[{i}]", types)
    if cond.not_ is not None:
        problems += _check_condition(cond.not_, f"{where}.not", types)
    if cond.field is None:
        return problems
    if cond.field not in types:
        close = difflib.get_close_matches(cond.field, list(types), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return [*problems, (f"{where}.field", f"no field '{cond.field}' under 'fields'{hint}")]
    kind = types[cond.field]
    values = [v for v in (*(cond.between or ()), cond.at_least, cond.at_most) if v is not None]
    if cond.between is not None or cond.at_least is not None or cond.at_most is not None:
        if kind not in {"band", "years", "number"}:
            problems.append((where, f"'{cond.field}' is a {kind} field; ranges need band, years or number"))
        for value in values:
            try:
                if kind == "band":
                    canonical_band(value)
                elif kind in {"years", "number"}:
                    parse_years(value) if kind == "years" else float(value)
            except (Unreadable, ValueError):
                expected = f"one of {', '.join(BANDS)}" if kind == "band" else "a number"
                problems.append((where, f"'{value}' is not a valid {kind} ({expected})"))
        if cond.between is not None and not problems:
            low, high = (_rank(kind, v) for v in cond.between)
            if low > high:
                problems.append((f"{where}.between", f"min {cond.between[0]} is above max {cond.between[1]}"))
    if cond.is_ is not None and kind != "yesno":
        problems.append((where, f"'is' needs a yes/no field; '{cond.field}' is {kind}"))
    return problems


def _rank(kind: str, value: Any) -> float:
    if kind == "band":
        return float(BANDS.index(canonical_band(value)))
    return float(value)


def _check_matching(spec: RuleFile, types: dict[str, str]) -> list[tuple[str, str]]:
    m = spec.matching
    assert m is not None
    problems: list[tuple[str, str]] = []
    for side in ("receiver", "giver"):
        role = getattr(m, side)
        if role not in spec.roles:
            problems.append((f"matching.{side}", f"no role '{role}' under 'roles' ({', '.join(spec.roles)})"))
    if m.receiver == m.giver:
        problems.append(
            ("matching.giver", f"is the same role as matching.receiver ('{m.giver}'); name two roles")
        )
    if m.capacity.max > MAX_CAPACITY:
        problems.append(
            (
                "matching.capacity.max",
                f"{m.capacity.max} is more than anyone can take (at most {MAX_CAPACITY})",
            )
        )
    if m.capacity.default > m.capacity.max:
        problems.append(
            (
                "matching.capacity.default",
                f"{m.capacity.default} is above matching.capacity.max ({m.capacity.max})",
            )
        )
    if m.capacity.field is not None and types.get(m.capacity.field, "number") != "number":
        problems.append(("matching.capacity.field", f"'{m.capacity.field}' should be a number field"))
    if m.never_field is not None and types.get(m.never_field, "email") not in {"email", "emails"}:
        problems.append(("matching.never_field", f"'{m.never_field}' should be an email (or emails) field"))
    names = [("matching.capacity.field", m.capacity.field), ("matching.never_field", m.never_field)]
    names += [(f"matching.different[{i}]", name) for i, name in enumerate(m.different)]
    if m.band_gap is not None:
        names.append(("matching.band_field", m.band_field))
    if m.distance is not None:
        names.append(("matching.place_field", m.place_field))
        if not spec.places:
            problems.append(("places", "a distance rule needs the places table (place: [lat, lon])"))
    for i, part in enumerate(m.score):
        where = f"matching.score[{i}]"
        if part.weight > MAX_WEIGHT:
            problems.append(
                (
                    f"{where}.weight",
                    f"{part.weight:g} is too large: weights are relative, at most {MAX_WEIGHT:,}",
                )
            )
        if part.falloff < 0:
            problems.append((f"{where}.falloff", f"{part.falloff:g} is below 0"))
        names += [(f"{where}.field", part.field), (f"{where}.offer_field", part.offer_field)]
        if part.part in {"goals", "same", "different"} and part.field is None:
            problems.append((f"{where}.field", f"a '{part.part}' part needs 'field'"))
        if part.part == "priority":
            if part.role not in spec.roles or part.when is None:
                problems.append((where, "a 'priority' part needs 'role' (a role name) and 'when'"))
            elif part.when is not None:
                problems += _check_condition(part.when, f"{where}.when", types)
        if part.part == "band_gap" and part.best is None:
            problems.append((f"{where}.best", "a 'band_gap' part needs 'best' (steps above)"))
    if m.mode == "groups":
        if m.groups is None:
            problems.append(("matching.groups", "group mentoring needs a 'groups' section (size, leaders)"))
        else:
            g = m.groups
            names += [
                ("matching.groups.goals_field", g.goals_field),
                ("matching.groups.offer_field", g.offer_field),
                ("matching.groups.organisation_field", g.organisation_field),
                ("matching.groups.profession_field", g.profession_field),
            ]
            if g.prefer is not None:
                problems += _check_condition(g.prefer, "matching.groups.prefer", types)
    for where, name in names:
        if name is not None and name not in types:
            problems.append((where, f"no field '{name}' under 'fields'"))
    return problems
