"""Turn export rows into applicants with typed values, keeping each raw answer for reports."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mentormatch import vocab
from mentormatch.columns import ColumnMap
from mentormatch.errors import ExportError
from mentormatch.load import Table, TableRow, column_letter
from mentormatch.normalise import (
    DateOrder,
    Unreadable,
    clean_text,
    date_order_of,
    key,
    organisation_index,
    parse_band,
    parse_datetime,
    parse_email,
    parse_number,
    parse_organisation,
    parse_years,
    parse_yes_no,
    readable_emails,
    split_multi,
)
from mentormatch.roles import RoleAnswers
from mentormatch.rulefile import Rules


@dataclass
class Applicant:
    """One submission: its spreadsheet row, identity, role and normalised answers."""

    row: int
    source: str
    email: str | None
    name: str
    role: str | None
    values: dict[str, Any] = field(default_factory=dict)
    role_from_file: bool = False
    raw: dict[str, str] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        return self.values.get(name)


Parser = Callable[[object], Any]


def build_applicants(
    table: Table, columns: ColumnMap, rules: Rules, role: str | None = None
) -> list[Applicant]:
    """One applicant per non-blank row; ``role`` is set when the whole file is one role's."""
    parsers = _parsers(rules)
    for name, order in _date_orders(table, columns, rules).items():
        parsers[name] = functools.partial(parse_datetime, order=order)
    role_answers = RoleAnswers(rules.spec)
    source = table.source.name
    applicants = []
    memo: _Memo = {}
    for table_row in table.rows:
        applicant = _build_one(table_row, columns, parsers, source, memo)
        if role is not None:
            applicant.role = role
            applicant.role_from_file = True
        elif rules.spec.role_field is not None:
            applicant.role = role_answers.read(applicant.raw.get(rules.spec.role_field))
        applicants.append(applicant)
    return applicants


# (field, cell type, cell) -> (value, raw text, why unreadable or None), or _BLANK: the same
# answers recur on most rows, so each distinct cell of a field is cleaned and parsed once (the
# type is part of the key because True == 1 == 1.0 would otherwise share an entry).
_Parsed = tuple[Any, str, str | None]
_Memo = dict[tuple[str, type, object], _Parsed]
_BLANK: _Parsed = (None, "", None)


def _parsed(memo: _Memo, name: str, parse: Parser, cell: object) -> _Parsed:
    memo_key = (name, cell.__class__, cell)  # cells are str, numbers, bools, dates and times
    found = memo.get(memo_key)
    if found is None:
        text = clean_text(cell)
        if text is None:
            found = _BLANK
        else:
            try:
                found = (parse(cell), text, None)
            except Unreadable as exc:
                found = (None, text, str(exc))
        memo[memo_key] = found
    return found


def _build_one(
    table_row: TableRow, columns: ColumnMap, parsers: dict[str, Parser], source: str, memo: _Memo
) -> Applicant:
    values: dict[str, Any] = {}
    raw: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    cells = table_row.cells
    for name, indexes in columns.columns.items():
        parse = parsers[name]
        values[name] = None
        errors: list[tuple[str, str]] = []
        for i in indexes:  # first column whose answer reads wins (Forms' Email may be "anonymous")
            cell = cells[i] if i < len(cells) else None
            if cell is None:
                continue
            found = _parsed(memo, name, parse, cell)
            if found is _BLANK:
                continue
            value, text, why = found
            if why is None:
                values[name] = value
                raw[name] = text
                break
            errors.append((text, why))
        else:
            if errors:  # answered, but no answer could be read: keep the first as typed
                raw[name], unreadable[name] = errors[0]
    email = values.get("email")
    name_value = values.get("name")
    return Applicant(
        row=table_row.number,
        source=source,
        email=email if isinstance(email, str) else None,
        name=str(name_value) if name_value else "",
        role=None,
        values=values,
        raw=raw,
        unreadable=unreadable,
    )


def _date_orders(table: Table, columns: ColumnMap, rules: Rules) -> dict[str, DateOrder]:
    """Each date field's day/month order in this file: the rule file's ``date_order`` when given,
    else what the file's own values show; a file that does not say stops the run."""
    found: dict[str, DateOrder] = {}
    for name, indexes in columns.columns.items():
        if rules.spec.fields[name].type != "datetime":
            continue
        if rules.spec.date_order is not None:
            found[name] = rules.spec.date_order
            continue
        decided: dict[DateOrder, str] = {}
        undecided: list[str] = []
        for i in indexes:
            texts = [
                row.cells[i] for row in table.rows if i < len(row.cells) and isinstance(row.cells[i], str)
            ]
            header = f"'{table.headers[i]}' (column {column_letter(i)})"
            try:
                order = date_order_of(texts)
            except Unreadable as exc:
                raise ExportError(
                    f"{table.source}: in {header}, {exc}", _DATE_HINT.format(rules.path)
                ) from None
            if order is None:
                undecided.append(header)
            elif order != "either":
                decided.setdefault(order, header)
        if len(decided) > 1:
            raise ExportError(
                f"{table.source}: {decided['day-first']} writes dates day first but"
                f" {decided['month-first']} month first",
                _DATE_HINT.format(rules.path),
            )
        if not decided and undecided:
            raise ExportError(
                f"{table.source}: the dates in {undecided[0]} could be day first (UK, 03/04 = 3 April)"
                " or month first (US, 03/04 = 4 March): no date has a day above 12 and the rule file"
                " does not say which",
                _DATE_HINT.format(rules.path),
            )
        found[name] = next(iter(decided), "day-first")
    return found


_DATE_HINT = "add date_order: day-first or date_order: month-first to {}"


def _raw_text(cell: object) -> str:
    text = clean_text(cell)
    return text if text is not None else ""


def _parsers(rules: Rules) -> dict[str, Parser]:
    spec = rules.spec
    orgs = organisation_index(spec.organisations.names) if spec.organisations else {}
    grades = dict(spec.grades)
    by_type: dict[str, Parser] = {
        "text": clean_text,
        "choice": clean_text,
        "multi": split_multi,
        "email": parse_email,
        "emails": _parse_emails,
        "datetime": parse_datetime,
        "band": lambda v: _parse_band(v, grades),
        "years": parse_years,
        "yesno": parse_yes_no,
        "number": parse_number,
        "organisation": _organisation_parser(orgs),
        "place": lambda v: _parse_place(v, spec.places),
    }
    parsers = {name: by_type[f.type] for name, f in spec.fields.items()}
    for name, f in spec.fields.items():
        if f.values and f.type in {"choice", "text"}:
            parsers[name] = _canonical_choice(organisation_index(f.values))
        elif f.values and f.type == "multi":
            parsers[name] = _canonical_multi(organisation_index(f.values))
    return parsers


def _organisation_parser(index: dict[str, str]) -> Parser:
    """An organisation answer as the rule file names it; else, when it is exactly a name, site or
    abbreviation the organisations vocabulary knows (``QEQM``), as that organisation, itself mapped
    onto the rule file's name; else as typed (a looser reading is only used to recognise it)."""
    from mentormatch.vocab import organisations

    vocabulary = organisations()

    def parse(value: object) -> str:
        found = parse_organisation(value, index)
        if found in index.values():
            return found
        term = vocabulary.index.exact(found)
        if term is None:
            return found
        # a former organisation is read as its successor (a CCG as the ICB that replaced it)
        return parse_organisation(term.data.get("successor") or term.name, index)

    return parse


def _canonical_choice(index: dict[str, str]) -> Parser:
    """A choice answer mapped onto the rule file's canonical answer, else kept as typed."""
    return lambda value: parse_organisation(value, index)


def _canonical_multi(index: dict[str, str]) -> Parser:
    def parse(value: object) -> tuple[str, ...]:
        return tuple(dict.fromkeys(parse_organisation(item, index) for item in split_multi(value)))

    return parse


def _parse_emails(value: object) -> tuple[str, ...]:
    found = readable_emails(split_multi(str(value).replace(" ", ";")))
    if not found:
        raise Unreadable(f"'{value}' holds no email address")
    return tuple(found)


def _parse_place(value: object, places: dict[str, tuple[float, float]]) -> str:
    text = clean_text(value)
    if text is None:
        raise Unreadable("no place given")
    for place in places:
        if key(place) == key(text):
            return place
    known = vocab.places().lookup(text)  # another name of a town ("Tunbridge Wells")
    if known is not None and known.name in places:
        return known.name
    raise Unreadable(f"'{text}' is not one of the places in the rule file")


def _parse_band(value: object, grades: dict[str, str]) -> str:
    """A band through the rule file's grades, else every written form the band vocabulary knows
    ("B6", "band five"); a range or a grade without a standard band stays unreadable here (its
    raw answer is kept) and conditions decide it (vocab.check.band_range)."""
    try:
        return parse_band(value, grades)
    except Unreadable:
        reading = vocab.bands().read(str(value))
        if reading is not None and reading.band is not None:
            return reading.band
        raise


def identities(applicants: Iterable[Applicant]) -> dict[str, Applicant]:
    """Email -> applicant, for applicants that have one (later ones win)."""
    return {a.email: a for a in applicants if a.email}
