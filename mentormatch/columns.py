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

    def header(self, field: str) -> str:
        """The header text of the field's first column (for messages), or the field name."""
        found = self.columns.get(field)
        return self.headers[found[0]] if found else field


def resolve_columns(table: Table, rules: Rules) -> ColumnMap:
    """Match every field to columns: same header text ignoring case, spacing and punctuation,
    else a header that starts with the expected text (``Goals (select all that apply)``)."""
    keys = [key(h) for h in table.headers]
    columns: dict[str, tuple[int, ...]] = {}
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
            raise ExportError(_missing(table, rules, name), _missing_hint(rules, name))
    return ColumnMap(columns=columns, headers=table.headers)


def _where(table: Table) -> str:
    return f"{table.source}" + (f" (sheet '{table.sheet}')" if table.sheet else "")


def _missing(table: Table, rules: Rules, name: str) -> str:
    expected = rules.spec.fields[name].headers
    found = [h for h in table.headers if h]
    by_key = {key(h): h for h in found}
    close: list[str] = []
    for header in expected:
        close += difflib.get_close_matches(key(header), list(by_key), n=1, cutoff=0.5)
    closest = f" Closest header found: '{by_key[close[0]]}'." if close else ""
    listed = ", ".join(f"'{h}'" for h in found[:30]) + (" ..." if len(found) > 30 else "")
    return (
        f"{_where(table)}: no column for '{name}': expected a header like '{expected[0]}'.{closest}"
        f" Headers found (row {table.header_row}): {listed}"
    )


def _missing_hint(rules: Rules, name: str) -> str:
    return f"add the export's header text to fields.{name}.headers in {rules.path}"
