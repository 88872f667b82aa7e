"""Find each rule-file field's column in an export by header text, whatever the column order."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from mentormatch.errors import ExportError
from mentormatch.load import Table, column_letter
from mentormatch.normalise import key
from mentormatch.rulefile import Rules


@dataclass(frozen=True)
class ColumnMap:
    """Field name -> the indexes of its columns, in the rule file's header order."""

    columns: dict[str, tuple[int, ...]]
    headers: tuple[str, ...]
    unmapped: tuple[str, ...] = ()  # optional fields with no column in this export

    def header(self, field: str) -> str:
        """The header text of the field's first column (for messages), or the field name."""
        found = self.columns.get(field)
        return self.headers[found[0]] if found else field


def resolve_columns(table: Table, rules: Rules) -> ColumnMap:
    """Match every field to columns: same header text ignoring case, spacing and punctuation,
    else a header that starts with the expected text (``Goals (select all that apply)``)."""
    keys = [key(h) for h in table.headers]
    columns: dict[str, tuple[int, ...]] = {}
    missing: list[str] = []
    unmapped: list[str] = []
    for name, spec in rules.spec.fields.items():
        found: list[int] = []
        for header in spec.headers:
            wanted = key(header)
            exact = [i for i, k in enumerate(keys) if k == wanted and k]
            if len(exact) > 1:
                letters = " and ".join(column_letter(i) for i in exact)
                raise ExportError(
                    f"{_where(table)}: columns {letters} are both headed '{table.headers[exact[0]]}',"
                    f" so the '{name}' answers are ambiguous",
                    "delete or rename the duplicate column and try again",
                )
            hits = exact or [i for i, k in enumerate(keys) if wanted and k.startswith(wanted)][:1]
            found += [i for i in hits if i not in found]
        if found:
            columns[name] = tuple(found)
        elif not spec.optional:
            missing.append(name)
        else:
            unmapped.append(name)
    if len(missing) == 1:
        raise ExportError(_missing(table, rules, missing[0]), _missing_hint(rules, missing[0]))
    if missing:
        raise ExportError(_all_missing(table, rules, missing), _missing_hint(rules, *missing))
    return ColumnMap(columns=columns, headers=table.headers, unmapped=tuple(unmapped))


def _where(table: Table) -> str:
    return f"{table.source}" + (f" (sheet '{table.sheet}')" if table.sheet else "")


def _closest(table: Table, rules: Rules, name: str) -> str:
    by_key = {key(h): h for h in table.headers if h}
    close: list[str] = []
    for header in rules.spec.fields[name].headers:
        close += difflib.get_close_matches(key(header), list(by_key), n=1, cutoff=0.5)
    return f" Closest header found: '{by_key[close[0]]}'." if close else ""


def _headers_found(table: Table) -> str:
    found = [h for h in table.headers if h]
    listed = ", ".join(f"'{h}'" for h in found[:30]) + (" ..." if len(found) > 30 else "")
    return f"Headers found (row {table.header_row}): {listed}"


def _missing(table: Table, rules: Rules, name: str) -> str:
    expected = rules.spec.fields[name].headers
    return (
        f"{_where(table)}: no column for '{name}': expected a header like '{expected[0]}'."
        f"{_closest(table, rules, name)} {_headers_found(table)}"
    )


def _all_missing(table: Table, rules: Rules, names: list[str]) -> str:
    """Every missing required column in one message (one line, as every error is)."""
    quoted = ", ".join(f"'{name}'" for name in names)
    each = [
        f"'{name}' expected a header like '{rules.spec.fields[name].headers[0]}'."
        + _closest(table, rules, name).replace(" Closest header found:", " Closest:")
        for name in names
    ]
    return (
        f"{_where(table)}: no column for {quoted} ({len(names)} required fields): {' '.join(each)}"
        f" {_headers_found(table)}"
    )


def _missing_hint(rules: Rules, *names: str) -> str:
    if len(names) > 3:
        return f"add the export's header texts to each field's headers in {rules.path} (or pick --sheet)"
    keys = " and ".join(f"fields.{name}.headers" for name in names)
    return f"add the export's header text to {keys} in {rules.path}"
