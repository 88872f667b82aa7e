"""The pair kernel: score points of many pairs at once, from small integer lookup tables.

``Scorer.points`` works in floating point, part by part, over whole blocks of pairs. Here the same
numbers come from whole numbers: everything a pair's score and hard rules read is a short tuple of
small integers, some of one person alone (a band, a place, how many goals they named, whether a
priority part holds for them), some of the pair (how many of the receiver's goals the giver
offers: a bitwise AND and a popcount of the two goal bitmasks; whether a compared field is equal).
Each side's people are grouped by their own part of the tuple; one table, built once by the very
floating-point formula of ``Scorer.part_values`` and ``Scorer.points`` (the parts added in the
same order, rounded the same way), holds the points (or -1: not allowed) of every combination. A
block of pairs is then an outer sum of two index vectors, a few integer operations and one lookup,
with the same numbers as ``Scorer.points`` bit for bit (tests/test_pairkernel.py checks it on
random rule files and cohorts). The pairs that hard rules rule out one by one (a line manager, a
pair ruled out before, the same person on both sides) are set to -1 afterwards.

A programme whose table would be too large (very many places, say) falls back to
``Scorer.points``: slower, the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mentormatch.scoring import SCORE_SCALE, Scorer, shown_parts

MAX_TABLE = 1 << 22  # combinations held in the lookup table at most (8 MB as int16)
KNOWN_RULES = ("same-person", "band-gap-too-small", "band-gap-too-large", "place-unknown", "too-far",
               "reporting-line", "ruled-out-before", "no-capacity")  # fmt: skip


def goal_masks(table: np.ndarray) -> np.ndarray:
    """A one-hot goal table (people x choices) as bitmasks: uint64 words per person."""
    n, k = table.shape
    words = max(1, -(-k // 64))
    bits = np.zeros((n, words * 64), dtype=bool)
    bits[:, :k] = table > 0
    weights = np.uint64(1) << np.arange(64, dtype=np.uint64)
    return (bits.reshape(n, words, 64).astype(np.uint64) * weights).sum(axis=2, dtype=np.uint64)


def _count(masks: np.ndarray) -> np.ndarray:
    return np.bitwise_count(masks).sum(axis=1).astype(np.int64)


class PairKernel:
    """Points (int, -1 where not allowed) of pairs ``rows`` x ``columns`` (receiver and giver
    indexes), block by block of rows, equal to ``scorer.points(rows[a:b], columns, minimum)``."""

    def __init__(self, scorer: Scorer, rows: np.ndarray, columns: np.ndarray, minimum: float | None) -> None:
        self.scorer, self.minimum = scorer, minimum
        self.rows = np.asarray(rows, dtype=np.int64)
        self.columns = np.asarray(columns, dtype=np.int64)
        top = int(np.rint(scorer.max_score() * SCORE_SCALE))
        self.dtype: type = np.int16 if top < np.iinfo(np.int16).max else np.int32
        self._blocked = self._one_by_one()
        self.fast = self._build()

    # --- the pairs ruled out one by one --------------------------------------------------------

    def _one_by_one(self) -> np.ndarray:
        """Sorted codes (row position * columns + column position) of the pairs a hard rule rules
        out one by one: the same person on both sides, a reporting line, a pair ruled out before."""
        r, g = self.scorer.receivers, self.scorer.givers
        width = max(self.columns.size, 1)
        row_at = np.full(len(r.people), -1, dtype=np.int64)
        row_at[self.rows] = np.arange(self.rows.size)
        column_at = np.full(len(g.people), -1, dtype=np.int64)
        column_at[self.columns] = np.arange(self.columns.size)
        pairs = [self.scorer.never, self.scorer.forbidden]
        both = np.intersect1d(r.ids[self.rows], g.ids[self.columns])
        if both.size:
            same_r = np.flatnonzero(np.isin(r.ids, both))
            same_g = np.flatnonzero(np.isin(g.ids, both))
            by_id = {int(g.ids[j]): int(j) for j in same_g}
            pairs.append(
                np.array([(int(i), by_id[int(r.ids[i])]) for i in same_r], dtype=np.int64).reshape(-1, 2)
            )
        found = np.concatenate([p.reshape(-1, 2) for p in pairs])
        i, j = row_at[found[:, 0]], column_at[found[:, 1]]
        keep = (i >= 0) & (j >= 0)
        return np.unique(i[keep] * width + j[keep])

    # --- the table -----------------------------------------------------------------------------

    def _build(self) -> bool:
        """Gather each side's and each pair's integer features and tabulate every combination;
        False (fall back to Scorer.points) if a rule is not known here or the table is too big."""
        scorer, spec = self.scorer, self.scorer.spec
        r, g = scorer.receivers, scorer.givers
        codes = {rule.code for rule in scorer.hard_rules}
        fields = {f"same-{name.replace('_', '-')}": name for name in spec.different}
        if codes - set(KNOWN_RULES) - set(fields):
            return False
        row: dict[str, np.ndarray] = {}
        column: dict[str, np.ndarray] = {}
        # pair features: name -> (cardinality, function of a block of row positions)
        pair: dict[str, tuple[int, Callable[[slice], np.ndarray]]] = {}
        rows, cols = self.rows, self.columns
        if spec.band_gap is not None or any(p.part == "band_gap" for p in spec.score):
            row["rank"], column["rank"] = r.ranks[rows], g.ranks[cols]
        if "place-unknown" in codes or any(p.part == "distance" for p in spec.score):
            row["place"], column["place"] = r.places[rows], g.places[cols]
        column["capacity"] = (g.capacity[cols] > 0).astype(np.int64)
        compared = set(spec.different) | {
            p.field for p in spec.score if p.part in {"same", "different"} and p.field
        }
        for name in sorted(compared):
            a = r.codes[name][rows]
            b = np.where(g.codes[name][cols] >= 0, g.codes[name][cols], -2)  # blanks never equal
            row[f"known {name}"], column[f"known {name}"] = (
                (a >= 0).astype(np.int64),
                (b >= 0).astype(np.int64),
            )
            pair[f"equal {name}"] = (2, self._equal(a, b))
        for index, part in enumerate(spec.score):
            if part.part == "priority":
                on_receiver = part.role == spec.receiver
                side, chosen = (row, r.bonus[index][rows]) if on_receiver else (column, g.bonus[index][cols])
                side[f"priority {index}"] = chosen.astype(np.int64)
            elif part.part == "goals":
                assert part.field is not None
                offer = part.offer_field or part.field
                want, give = goal_masks(r.goals[part.field])[rows], goal_masks(g.goals[offer])[cols]
                row[f"wanted {index}"] = _count(want)
                pair[f"overlap {index}"] = (
                    int(row[f"wanted {index}"].max(initial=0)) + 1,
                    self._overlap(want, give),
                )
                if part.both_ways:
                    back, takes = goal_masks(g.goals[part.field])[cols], goal_masks(r.goals[offer])[rows]
                    column[f"wanted back {index}"] = _count(back)
                    pair[f"overlap back {index}"] = (
                        int(column[f"wanted back {index}"].max(initial=0)) + 1,
                        self._overlap(takes, back),
                    )
        row_kinds, self._row_state = _states(row, rows.size)
        column_kinds, self._column_state = _states(column, cols.size)
        sizes = [card for card, _f in pair.values()]
        n_pair = int(np.prod(sizes)) if sizes else 1
        total = row_kinds[next(iter(row_kinds))].size if row_kinds else 1
        total_columns = column_kinds[next(iter(column_kinds))].size if column_kinds else 1
        if total * total_columns * n_pair > MAX_TABLE:
            return False
        # Every combination (row state, column state, pair state), in that mixed radix.
        combos = np.arange(total * total_columns * n_pair, dtype=np.int64)
        u, v, p = combos // (total_columns * n_pair), (combos // n_pair) % total_columns, combos % n_pair
        values = {name: kind[u] for name, kind in row_kinds.items()}
        values |= {f"column {name}": kind[v] for name, kind in column_kinds.items()}
        self._pair_features = []
        stride = n_pair
        for name, (card, compute) in pair.items():
            stride //= card
            values[name] = (p // stride) % card
            self._pair_features.append((stride, compute))
        self._row_base = (self._row_state * (total_columns * n_pair)).astype(np.int32)
        self._column_base = (self._column_state * n_pair).astype(np.int32)
        self.table = self._tabulate(values, combos.size)
        return True

    def _equal(self, a: np.ndarray, b: np.ndarray) -> Callable[[slice], np.ndarray]:
        return lambda part: np.equal.outer(a[part], b)

    def _overlap(self, want: np.ndarray, give: np.ndarray) -> Callable[[slice], np.ndarray]:
        def overlap(part: slice) -> np.ndarray:
            found = np.bitwise_count(np.bitwise_and(want[part, None, 0], give[None, :, 0]))
            for word in range(1, want.shape[1]):
                found += np.bitwise_count(np.bitwise_and(want[part, None, word], give[None, :, word]))
            return found

        return overlap

    def _tabulate(self, x: dict[str, np.ndarray], size: int) -> np.ndarray:
        """Points of every combination by Scorer's own formula (part_values, scores, points)."""
        spec, scorer = self.scorer.spec, self.scorer
        ok = np.ones(size, dtype=bool)
        known_band = (x["rank"] >= 0) & (x["column rank"] >= 0) if "rank" in x else None
        gap = x["column rank"] - x["rank"] if "rank" in x else None
        km = None
        if "place" in x:
            known = (x["place"] >= 0) & (x["column place"] >= 0)
            km = np.full(size, np.inf)
            km[known] = scorer.place_km[x["place"][known], x["column place"][known]]
        for name in spec.different:
            ok &= x[f"equal {name}"] == 0
        if spec.band_gap is not None:
            assert known_band is not None and gap is not None
            if spec.band_gap.min is not None:
                ok &= known_band & (gap >= spec.band_gap.min)
            if spec.band_gap.max is not None:
                ok &= known_band & (gap <= spec.band_gap.max)
        if spec.distance is not None and spec.distance.max is not None:
            assert km is not None
            ok &= (x["place"] >= 0) & (x["column place"] >= 0)
            ok &= km <= spec.distance.max
        ok &= x["column capacity"] > 0
        parts = []
        for index, part in enumerate(spec.score):
            if part.part == "goals":
                value = _share(x[f"overlap {index}"], x[f"wanted {index}"])
                if part.both_ways:
                    value = (value + _share(x[f"overlap back {index}"], x[f"column wanted back {index}"])) / 2
            elif part.part == "band_gap":
                assert part.best is not None and gap is not None and known_band is not None
                v = np.clip(1.0 - part.falloff * np.abs(gap.astype(float) - part.best), 0.0, 1.0)
                value = np.where(known_band, v, 0.0)
            elif part.part == "priority":
                name = f"priority {index}" if part.role == spec.receiver else f"column priority {index}"
                value = x[name].astype(bool).astype(float)
            elif part.part in {"same", "different"}:
                equal = x[f"equal {part.field}"] == 1
                if part.part == "same":
                    value = equal.astype(float)
                else:
                    known = (x[f"known {part.field}"] == 1) & (x[f"column known {part.field}"] == 1)
                    value = (~equal & known).astype(float)
            elif part.part == "distance":
                limit = spec.distance.max if spec.distance and spec.distance.max else 100.0
                assert km is not None
                value = np.where(np.isfinite(km), np.clip(1.0 - km / limit, 0.0, 1.0), 0.0)
            else:  # pragma: no cover - the schema allows no other part
                raise ValueError(f"unknown score part {part.part}")
            parts.append(value)
        total = np.zeros(size)
        for part, value in zip(spec.score, parts, strict=True):
            total += part.weight * value
        if self.minimum is not None:
            shown = np.zeros(size)
            for index in shown_parts(scorer.rules):
                shown += spec.score[index].weight * parts[index]
            ok &= shown >= self.minimum - 1e-9
        return np.where(ok, np.rint(total * SCORE_SCALE), -1).astype(self.dtype)

    # --- blocks ------------------------------------------------------------------------------------

    def block(self, start: int, stop: int) -> np.ndarray:
        """Points of rows[start:stop] x every column (-1: not allowed)."""
        if not self.fast:
            out = self.scorer.points(self.rows[start:stop], self.columns, self.minimum, self.dtype)
        else:
            part = slice(start, stop)
            index = np.add.outer(self._row_base[part], self._column_base)
            for stride, compute in self._pair_features:
                found = compute(part)
                if stride == 1:
                    np.add(index, found, out=index, casting="unsafe")
                else:
                    index += found.astype(np.int32) * np.int32(stride)
            out = self.table.take(index)
        width = max(self.columns.size, 1)
        low, high = np.searchsorted(self._blocked, [start * width, stop * width])
        if high > low:
            codes = self._blocked[low:high]
            out[codes // width - start, codes % width] = -1
        return out


def _states(features: dict[str, np.ndarray], n: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Distinct combinations of one side's features (name -> value per combination) and each
    person's combination."""
    if not features or n == 0:
        return {name: np.zeros(1, dtype=np.int64) for name in features}, np.zeros(n, dtype=np.int64)
    stacked = np.stack([np.asarray(v, dtype=np.int64) for v in features.values()], axis=1)
    kinds, state = np.unique(stacked, axis=0, return_inverse=True)
    return {name: kinds[:, k] for k, name in enumerate(features)}, state.ravel().astype(np.int64)


def _share(overlap: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The share of the goals offered, as Scorer computes it (float32 division, then float64)."""
    o, w = overlap.astype(np.float32), wanted.astype(np.float32)
    return np.divide(o, w, out=np.zeros_like(o), where=w > 0).astype(float)
