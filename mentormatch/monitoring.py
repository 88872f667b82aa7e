"""Equality monitoring: counts by special-category answer, small numbers suppressed (report_monitoring.py
writes them as their own workbook)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mentormatch import problems as codes
from mentormatch.applicants import Applicant
from mentormatch.eligibility import Checked
from mentormatch.normalise import clean_text, key
from mentormatch.report import field_label
from mentormatch.rulefile import Rules
from mentormatch.solvers import highspy, new_highs, run_highs

SMALL = 5  # counts from 1 to SMALL - 1 are never shown
PRIMARY = "<5"  # a count from 1 to 4
SECONDARY = "[c]"  # a count of 5 or more, hidden so that a "<5" cannot be worked out
WITHHELD = "-"  # no count shown: too few people for any count to be shown safely
NOT_GIVEN = "Not given"
HIDDEN_ANSWER = "(an answer that looked like an email address)"
TOTAL = "Total"

COLUMNS = ["Answer", "Applicants", "Eligible", "Matched", "Unmatched"]
A, E, M, U = range(4)  # count columns: applicants, eligible, matched, unmatched

SUPPRESSION_RULE = (
    f"Counts from 1 to {SMALL - 1} are shown as {PRIMARY}; 0 is shown as 0 (nobody can be picked out of"
    " no one). Because the Total row is shown, and on every row Matched + Unmatched = Eligible and"
    " Eligible is at most Applicants, a hidden count could be worked out by subtraction. So the sheets"
    f" are checked together: while the counts shown (all the sums at once) would pin any {PRIMARY} to one"
    f" exact number, one more count is hidden and shown as {SECONDARY} (a count of {SMALL} or more,"
    " hidden only to protect another): the one that protects most, the smallest of those, and a Total"
    " only when no other count helps. A Total hidden on one sheet is hidden on every sheet. In tables"
    f" so small that their 0s would still give a count away, every 0 is shown as {PRIMARY} too (so a"
    f" {PRIMARY} may stand for 0); where even that would, no count is shown ({WITHHELD})."
)


@dataclass(eq=False)  # cells are compared by identity: the sheets share their Total cells
class _Cell:
    """One count and whether it is shown, hidden as small ("primary") or hidden to protect one."""

    value: int
    state: str = "shown"  # shown, primary, secondary, masked (a 0 shown as "<5") or withheld

    @property
    def hidden(self) -> bool:
        return self.state != "shown"

    def bounds(self, small_low: float = 1.0) -> tuple[float, float]:
        """What a reader knows of the count: ``small_low`` is 0 where 0s are shown as "<5" too."""
        if self.state in ("primary", "masked"):
            return (small_low, float(SMALL - 1))
        if self.state == "secondary":
            return (float(SMALL), math.inf)
        if self.state == "withheld":
            return (0.0, math.inf)
        return (float(self.value), float(self.value))

    def display(self) -> int | str:
        shown = {"primary": PRIMARY, "masked": PRIMARY, "secondary": SECONDARY, "withheld": WITHHELD}
        return shown.get(self.state, self.value)


# A linear relation a reader knows: sum(coef * cell) == 0 ("eq") or <= 0 ("le").
_Term = tuple[_Cell, int]
_Relation = tuple[tuple[_Term, ...], str]
_Bounds = dict[int, tuple[float, float]]  # id(cell) -> what a reader can deduce


class _Suppressor:
    """The counts of every sheet and what is hidden, checked together.

    Every sheet counts the same people, so its Total row is the same: the sheets share one set
    of Total cells, and a Total hidden on one sheet is hidden on all (else another sheet's
    counts would give it away).
    """

    def __init__(self, tables: list[list[list[int]]]) -> None:
        totals = [[sum(row[c] for row in table) for c in range(4)] for table in tables]
        shared = [_Cell(v) for v in totals[0]] if tables and all(t == totals[0] for t in totals) else None
        self.sheets: list[list[list[_Cell]]] = []
        self.relations: list[_Relation] = []
        balanced = all(
            r[M] + r[U] == r[E] for table, total in zip(tables, totals, strict=True) for r in [*table, total]
        )
        for table, total in zip(tables, totals, strict=True):
            rows = [[_Cell(v) for v in row] for row in table]
            total_row = shared if shared is not None else [_Cell(v) for v in total]
            rows.append(total_row)
            self.sheets.append(rows)
            for c in range(4):  # each column adds up to its total
                column = [(row[c], 1) for row in rows[:-1]] + [(total_row[c], -1)]
                self.relations.append((tuple(column), "eq"))
            for row in rows:  # Matched + Unmatched = Eligible <= Applicants
                self.relations.append((((row[M], 1), (row[U], 1), (row[E], -1)), "eq" if balanced else "le"))
                self.relations.append((((row[E], 1), (row[A], -1)), "le"))
        self.cells = list({id(c): c for rows in self.sheets for row in rows for c in row}.values())
        self.uses: dict[int, list[int]] = {id(c): [] for c in self.cells}  # cell -> its relations
        for index, (relation, _) in enumerate(self.relations):
            for cell, _ in relation:
                self.uses[id(cell)].append(index)
        self.totals = {id(c) for rows in self.sheets for c in rows[-1]}
        # what a "<5" tells a reader: 1-4, or 0-4 where every sheet showing it shows 0s as "<5" too
        self.small_low = {id(c): 1.0 for c in self.cells}
        for cell in self.cells:
            if 0 < cell.value < SMALL:
                cell.state = "primary"

    def bounds(self) -> _Bounds:
        """What a reader can deduce about every cell from what is shown (bounds propagation).

        A relation is looked at again only when the bounds of one of its cells have narrowed.
        """
        bounds = {id(cell): cell.bounds(self.small_low[id(cell)]) for cell in self.cells}
        queue = [i for i, (terms, _) in enumerate(self.relations) if any(c.hidden for c, _ in terms)]
        queued = set(queue)
        steps = 0
        while queue and steps < 1_000_000:
            steps += 1
            index = queue.pop()
            queued.discard(index)
            terms, kind = self.relations[index]
            for changed in _tighten(terms, kind, bounds):
                for other in self.uses[changed]:
                    if other not in queued:
                        queued.add(other)
                        queue.append(other)
        return bounds

    def exposed(self) -> list[_Cell]:
        """Cells shown as "<5" whose exact count a reader could work out."""
        bounds = self.bounds()
        return [c for c in self.cells if c.state == "primary" and bounds[id(c)][0] >= bounds[id(c)][1]]

    def exposed_exactly(self) -> list[_Cell]:
        """Cells shown as "<5" pinned to one whole number by all the sums together (a linear program)."""
        highs = new_highs()
        hidden = [c for c in self.cells if c.hidden]
        column = {id(c): i for i, c in enumerate(hidden)}
        for cell in hidden:
            lo, hi = cell.bounds(self.small_low[id(cell)])
            highs.addVar(lo, hi if math.isfinite(hi) else highspy.kHighsInf)
        for terms, kind in self.relations:
            indexes: list[int] = []
            values: list[float] = []
            rhs = 0.0
            for cell, coef in terms:
                if id(cell) in column:
                    indexes.append(column[id(cell)])
                    values.append(float(coef))
                else:
                    rhs -= coef * cell.value
            if indexes:
                lower = rhs if kind == "eq" else -highspy.kHighsInf
                highs.addRow(lower, rhs, len(indexes), np.array(indexes, np.int32), np.array(values))
        found = []
        for cell in hidden:
            if cell.state != "primary":
                continue
            highs.changeColCost(column[id(cell)], 1.0)
            low = _optimum(highs, highspy.ObjSense.kMinimize)
            high = _optimum(highs, highspy.ObjSense.kMaximize)
            highs.changeColCost(column[id(cell)], 0.0)
            if low is not None and high is not None and math.ceil(low - 1e-6) >= math.floor(high + 1e-6):
                found.append(cell)
        return found

    def protect(self) -> None:
        """Hide more counts until no "<5" can be worked out exactly.

        Bounds propagation finds most ways to work a count out and is fast enough to try many
        candidates; a linear program then checks what combining all the sums at once could show.
        When every count but the 0s is hidden and a "<5" can still be worked out (a tiny table:
        the 0s and the sums pin it), the 0s are shown as "<5" too; when even then one can (every
        count "<5", the sums pin them), no count is shown at all.
        """
        while True:
            measure = self.exposed
            exposed = measure()
            if not exposed:
                measure = self.exposed_exactly
                exposed = measure()
            if not exposed:
                return
            helper = self._helper(exposed, measure)
            if helper is not None:
                helper.state = "secondary"
                continue
            zeros = [c for c in self.cells if c.state == "shown" and c.value == 0]
            if zeros:
                for cell in zeros:
                    cell.state = "masked"
                self._mask_small_counts()
                continue
            for cell in self.cells:  # four people or so: any count would give one away
                cell.state = "withheld"
            return

    def _mask_small_counts(self) -> None:
        """Where a sheet shows its 0s as "<5", a reader cannot tell a "<5" from a 0 there."""
        masked = [any(c.state == "masked" for row in rows for c in row) for rows in self.sheets]
        for cell in self.cells:
            sheets = [s for s, rows in enumerate(self.sheets) if any(c is cell for row in rows for c in row)]
            self.small_low[id(cell)] = 0.0 if all(masked[s] for s in sheets) else 1.0

    def _helper(self, exposed: list[_Cell], measure: Callable[[], list[_Cell]]) -> _Cell | None:
        """The count to hide next: the one that leaves fewest exposed, then the smallest.

        Counts sharing a row or column with the first exposed cell are tried first, then those
        sharing one with any exposed cell, then every count, and a Total only when no other helps.
        """
        shown = [c for c in self.cells if not c.hidden and c.value > 0]
        body = [c for c in shown if id(c) not in self.totals]
        totals = [c for c in shown if id(c) in self.totals]

        def near(cells: list[_Cell]) -> list[_Cell]:
            ids = {id(t) for c in cells for i in self.uses[id(c)] for t, _ in self.relations[i][0]}
            return [c for c in body if id(c) in ids]

        tiers = (near(exposed[:1]), near(exposed), body, totals)
        for candidates in tiers:
            best: tuple[int, int, int, _Cell] | None = None
            for order, cell in enumerate(candidates):
                cell.state = "secondary"
                left = len(measure())
                cell.state = "shown"
                if left < len(exposed) and (best is None or (left, cell.value, order) < best[:3]):
                    best = (left, cell.value, order, cell)
            if best is not None:
                return best[3]
        # No single count helps: hide the smallest count near the first exposed cell, else anywhere.
        for candidates in tiers:
            if candidates:
                return min(candidates, key=lambda c: c.value)
        return None


def _tighten(terms: tuple[_Term, ...], kind: str, bounds: _Bounds) -> list[int]:
    """Narrow the bounds of the hidden cells in one relation; the ids of those that narrowed."""
    lows: list[float] = []
    highs: list[float] = []
    for cell, coef in terms:
        lo, hi = bounds[id(cell)]
        lows.append(coef * (lo if coef > 0 else hi))  # finite or -inf
        highs.append(coef * (hi if coef > 0 else lo))  # finite or +inf
    low_sum = sum(v for v in lows if math.isfinite(v))
    high_sum = sum(v for v in highs if math.isfinite(v))
    low_inf = sum(1 for v in lows if not math.isfinite(v))
    high_inf = sum(1 for v in highs if not math.isfinite(v))
    changed: list[int] = []
    for index, (cell, coef) in enumerate(terms):
        if not cell.hidden:
            continue
        own_low, own_high = lows[index], highs[index]
        if low_inf - (not math.isfinite(own_low)):
            others_low = -math.inf
        else:
            others_low = low_sum - (own_low if math.isfinite(own_low) else 0.0)
        if high_inf - (not math.isfinite(own_high)):
            others_high = math.inf
        else:
            others_high = high_sum - (own_high if math.isfinite(own_high) else 0.0)
        # coef * x + others (= or <=) 0
        if coef > 0:
            new_lo, new_hi = (-others_high if kind == "eq" else -math.inf), -others_low
        else:
            new_lo, new_hi = others_low, (others_high if kind == "eq" else math.inf)
        lo, hi = bounds[id(cell)]
        tightened = (max(lo, _ceil(new_lo)), min(hi, _floor(new_hi)))
        if tightened != (lo, hi):
            bounds[id(cell)] = tightened
            changed.append(id(cell))
    return changed


def _optimum(highs: Any, sense: Any) -> float | None:
    """The LP's optimum in this sense, or None when HiGHS proves none."""
    highs.changeObjectiveSense(sense)
    run = run_highs(highs, mip=False, deadline=None, stoppable=False)  # each LP takes < 1 ms
    return float(highs.getInfo().objective_function_value) if run.state == "optimal" else None


def _ceil(value: float) -> float:
    return float(math.ceil(value)) if math.isfinite(value) else value


def _floor(value: float) -> float:
    return float(math.floor(value)) if math.isfinite(value) else value


def _person_key(applicant: Applicant) -> str:
    return applicant.email or f"row:{applicant.source}:{applicant.row}"


def _people(checked: Checked) -> list[Applicant]:
    """One application per person: the eligible one, else the latest that is not a superseded repeat."""
    eligible = {id(a) for a in checked.eligible}
    repeats = {
        id(r.applicant) for r in checked.rejected if any(p.rule == codes.DUPLICATE for p in r.problems)
    }
    chosen: dict[str, Applicant] = {}
    for applicant in checked.applicants:
        person = _person_key(applicant)
        current = chosen.get(person)
        rank = (id(applicant) in eligible, id(applicant) not in repeats)
        if current is None or rank >= (id(current) in eligible, id(current) not in repeats):
            chosen[person] = applicant
    return list(chosen.values())


def _answer(applicant: Applicant, field: str) -> str:
    text = clean_text(applicant.raw.get(field))
    if text is None:
        return NOT_GIVEN
    return HIDDEN_ANSWER if "@" in text else text


def answer_grouper(rules: Rules, field: str) -> Callable[[str], str]:
    """How a special category field's answers are counted together: the one place that decides.

    An answer a standard vocabulary recognises (the field's ``vocabulary:``, else the vocabulary
    named like the field: ``gender``, ``ethnicity``) counts under its term, so "Male", "Man" and
    "male" are one row; else an answer the rule file's ``values`` list names (or aliases) counts
    under that value; else answers are the same when they differ only in case, spacing or
    punctuation. A row is labelled with its most common spelling.
    """
    from mentormatch import vocab

    aliases: dict[str, str] = {}
    for value, others in rules.spec.fields[field].values.items():  # a field of the rule file
        for alias in (value, *others):
            aliases.setdefault(key(alias), key(value))
    which = vocab.field_vocabulary(rules, field) or (field if field in {"gender", "ethnicity"} else None)
    vocabulary = vocab.vocabulary(which) if which in {"gender", "ethnicity", "profession"} else None

    def group(answer: str) -> str:
        if answer in (NOT_GIVEN, HIDDEN_ANSWER):
            return answer
        term = vocabulary.lookup(answer) if vocabulary is not None else None
        if term is not None:
            return f"term:{term.name}"
        plain = key(answer)
        return f"value:{aliases[plain]}" if plain in aliases else (plain or answer)

    return group


def nothing_to_monitor(rules: Rules) -> str | None:
    """Why there is no monitoring workbook to write for a rule file, or None when there is."""
    if any(spec.special_category for spec in rules.spec.fields.values()):
        return None
    return (
        f"Nothing to monitor: {rules.path.name} marks no field special_category: true (ethnicity,"
        " gender, disability, ...), so no monitoring workbook was written."
    )


def _email_set(emails: Iterable[str]) -> set[str]:
    return {e.strip().lower() for e in emails if e and e.strip()}


@dataclass(frozen=True)
class MonitoringTable:
    """One special category field's counts as a reader may see them (small numbers hidden)."""

    label: str  # the field's label
    rows: list[list[int | str]]  # [answer, *COLUMNS counts], one per answer, then the Total row


def monitoring_tables(
    checked: Checked, rules: Rules, matched_emails: set[str], unmatched_emails: set[str]
) -> list[MonitoringTable]:
    """One table per special-category field: counts by answer, small numbers hidden (all checked together).

    Each person is counted once (a repeated submission is not counted again). Matched and
    Unmatched count eligible applicants whose email is in ``matched_emails`` /
    ``unmatched_emails``. No name, email or row number is kept.
    """
    matched, unmatched = _email_set(matched_emails), _email_set(unmatched_emails)
    eligible = {id(a) for a in checked.eligible}
    people = _people(checked)
    fields = [name for name, spec in rules.spec.fields.items() if spec.special_category]
    labels_by_sheet: list[tuple[str, list[str]]] = []
    tables: list[list[list[int]]] = []
    for name in fields:
        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        group_of = answer_grouper(rules, name)
        for person in people:
            answer = _answer(person, name)
            group = group_of(answer)
            spellings[group][answer] += 1
            row = counts[group]
            row[A] += 1
            if id(person) in eligible:
                row[E] += 1
                email = (person.email or "").lower()
                row[M] += int(email in matched)
                row[U] += int(email in unmatched and email not in matched)
        labels = {g: min(s.items(), key=lambda kv: (-kv[1], kv[0]))[0] for g, s in spellings.items()}
        order = sorted(counts, key=lambda g: (labels[g] in (NOT_GIVEN, HIDDEN_ANSWER), labels[g].casefold()))
        labels_by_sheet.append((field_label(rules, name), [labels[g] for g in order]))
        tables.append([counts[g] for g in order])
    suppressor = _Suppressor(tables)
    suppressor.protect()
    return [
        MonitoringTable(
            label,
            [
                [answer, *(cell.display() for cell in row)]
                for answer, row in zip([*answers, TOTAL], cells, strict=True)
            ],
        )
        for (label, answers), cells in zip(labels_by_sheet, suppressor.sheets, strict=True)
    ]
