"""Which pairs the hard rules allow and how good each is, computed over whole arrays at once."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from mentormatch.applicants import Applicant
from mentormatch.conditions import holds
from mentormatch.normalise import BAND_RANK, key
from mentormatch.rulefile import Rules
from mentormatch.schema import MatchingSpec, ScorePart

SCORE_SCALE = 100  # integer score points per score unit: the solver sees round(score * 100)
CHUNK_CELLS = 4_000_000  # pairs scored at a time, to bound memory on large cohorts
TABLE_BYTES = 1_000_000_000  # largest points table kept from candidates() for price()
EARTH_KM = 6371.0


@dataclass(frozen=True)
class Side:
    """One side's people as arrays: identities, codes for compared fields, bands, goals."""

    people: tuple[Applicant, ...]
    ids: np.ndarray  # int64 identity code (shared between sides)
    hashes: np.ndarray  # uint64 stable hash of the email, for tie-breaks
    codes: dict[str, np.ndarray]  # field -> int64 code of the value (-1 = blank), shared coding
    ranks: np.ndarray  # int64 band rank (-1 = blank)
    places: np.ndarray  # int64 index into the places table (-1 = blank)
    goals: dict[str, np.ndarray]  # multi field -> float32 one-hot (n, K), shared columns per field
    bonus: dict[int, np.ndarray]  # score part index -> bool per person (priority parts)
    capacity: np.ndarray  # int64 places offered (givers only; 1 for receivers)


@dataclass(frozen=True)
class HardRule:
    """A named hard rule and its test over a block of pairs (True = allowed)."""

    code: str
    description: str  # completes "of N mentors: 12 ..." from the receiver's side
    allowed: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (receiver idx, giver idx) -> bool
    giver_description: str = ""  # the same from the giver's side ("are in your organisation")


@dataclass(frozen=True)
class Candidates:
    """Every allowed pair as parallel arrays, with its integer score for the solver."""

    left: np.ndarray
    right: np.ndarray
    score: np.ndarray  # int64 score points
    tiebreak: np.ndarray  # int64 stable key per pair
    must: np.ndarray  # bool
    allowed: AllowedPairs | None = None  # with top_k: what the pass over every pair found


@dataclass(frozen=True)
class AllowedPairs:
    """What one pass over every receiver x giver found: bounds for the solver and for pricing.

    Counts and points cover every pair the hard rules allow (and that reaches ``minimum``),
    plus the 'must' pairs. ``points`` is the whole table (score points, -1 where a pair is not
    allowed) when it fits in TABLE_BYTES, so pricing reads it instead of scoring again.
    """

    count: int  # allowed pairs
    minimum: float | None
    left_degree: np.ndarray  # int64 allowed partners per receiver
    right_degree: np.ndarray  # int64 allowed partners per giver
    left_best: np.ndarray  # int64 best points per receiver (-1: no allowed partner)
    right_best: np.ndarray  # int64 best points per giver (-1: no allowed partner)
    low: int  # lowest points of an allowed pair (0 when there is none)
    high: int  # highest points of an allowed pair (0 when there is none)
    points: np.ndarray | None = None  # (receivers, givers) int16/int32 points, -1 = not allowed


class Scorer:
    """Hard rules and score parts of one programme, over its receivers and givers."""

    def __init__(
        self,
        rules: Rules,
        receivers: Sequence[Applicant],
        givers: Sequence[Applicant],
        forbidden: Iterable[tuple[str, str]] = (),
    ) -> None:
        spec = rules.spec.matching
        assert spec is not None
        self.rules = rules
        self.spec: MatchingSpec = spec
        self.receivers, self.givers = _sides(rules, spec, receivers, givers)
        self.place_km = _place_distances(rules)
        self.forbidden = _index_pairs(forbidden, self.receivers, self.givers)
        self.hard_rules = self._hard_rules()

    # --- hard rules ---------------------------------------------------------------------------

    def _hard_rules(self) -> list[HardRule]:
        r, g, spec = self.receivers, self.givers, self.spec
        giver = self.rules.spec.roles[spec.giver].label or spec.giver
        rules = [HardRule("same-person", "are you", lambda i, j: r.ids[i] != g.ids[j])]
        for name in spec.different:
            field = self.rules.spec.fields.get(name)
            label = (field.label if field and field.label else name.replace("_", " ")).lower()
            rules.append(
                HardRule(
                    f"same-{name.replace('_', '-')}",
                    f"share your {label}",
                    _differ_on(r.codes[name], g.codes[name]),
                    f"share your {label}",
                )
            )
        if spec.band_gap is not None:
            low, high = spec.band_gap.min, spec.band_gap.max
            if low is not None:
                rules.append(
                    HardRule(
                        "band-gap-too-small",
                        f"are less than {low:g} band(s) above you",
                        lambda i, j: _known(r.ranks[i], g.ranks[j]) & (g.ranks[j] - r.ranks[i] >= low),
                        f"are not at least {low:g} band(s) below you",
                    )
                )
            if high is not None:
                rules.append(
                    HardRule(
                        "band-gap-too-large",
                        f"are more than {high:g} band(s) above you",
                        lambda i, j: _known(r.ranks[i], g.ranks[j]) & (g.ranks[j] - r.ranks[i] <= high),
                        f"are more than {high:g} band(s) below you",
                    )
                )
        if spec.distance is not None and spec.distance.max is not None:
            limit = spec.distance.max
            rules.append(
                HardRule(
                    "place-unknown",
                    "have no place we can measure from (or you have none)",
                    lambda i, j: (r.places[i] >= 0) & (g.places[j] >= 0),
                    "have no place we can measure from (or you have none)",
                )
            )
            rules.append(
                HardRule(
                    "too-far",
                    f"are more than {limit:g} km away",
                    lambda i, j: self.km(i, j) <= limit,
                    f"are more than {limit:g} km away",
                )
            )
        if spec.never_field is not None:
            never = _never_pairs(self.rules, spec.never_field, r, g)
            rules.append(
                HardRule(
                    "reporting-line",
                    "are in your reporting line (line manager)",
                    lambda i, j: ~_pair_in(i, j, never, len(g.people)),
                    "are in your reporting line",
                )
            )
        if len(self.forbidden):
            forbidden = self.forbidden
            rules.append(
                HardRule(
                    "ruled-out-before",
                    "were rejected for you by the coordinator or paired with you before",
                    lambda i, j: ~_pair_in(i, j, forbidden, len(g.people)),
                    "were rejected for you by the coordinator or paired with you before",
                )
            )
        rules.append(
            HardRule("no-capacity", f"offered no places as {giver.lower()}", lambda i, j: g.capacity[j] > 0)
        )
        return rules

    def index_of(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[int, int]]:
        """(receiver, giver) indexes of pairs given by email, for people on both sides."""
        return [(int(i), int(j)) for i, j in _index_pairs(pairs, self.receivers, self.givers)]

    def km(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        a, b = self.receivers.places[i], self.givers.places[j]
        known = (a >= 0) & (b >= 0)
        km = np.full(np.broadcast(a, b).shape, np.inf)
        km[known] = self.place_km[np.broadcast_to(a, km.shape)[known], np.broadcast_to(b, km.shape)[known]]
        return km

    def allowed(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """True where every hard rule allows the pair (i, j broadcast against each other)."""
        ok = np.ones(np.broadcast(i, j).shape, dtype=bool)
        for rule in self.hard_rules:
            ok &= rule.allowed(i, j)
        return ok

    # --- scores -------------------------------------------------------------------------------

    def part_values(self, index: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The value in [0, 1] of score part ``index`` for pairs (i, j)."""
        part = self.spec.score[index]
        r, g = self.receivers, self.givers
        shape = np.broadcast(i, j).shape
        if part.part == "goals":
            assert part.field is not None
            value = _share(r.goals[part.field], g.goals[part.offer_field or part.field], i, j)
            if part.both_ways:
                back = _share(g.goals[part.field], r.goals[part.offer_field or part.field], j, i)
                value = (value + back) / 2
            return np.broadcast_to(value, shape)
        if part.part == "band_gap":
            assert part.best is not None
            gap = (g.ranks[j] - r.ranks[i]).astype(float)
            value = np.clip(1.0 - part.falloff * np.abs(gap - part.best), 0.0, 1.0)
            return np.where(_known(r.ranks[i], g.ranks[j]), value, 0.0)
        if part.part == "priority":
            person = r.bonus[index][i] if part.role == self.spec.receiver else g.bonus[index][j]
            return np.broadcast_to(person.astype(float), shape)
        if part.part in {"same", "different"}:
            assert part.field is not None
            a, b = r.codes[part.field][i], g.codes[part.field][j]
            equal = (a == b) & (a >= 0)
            wanted = equal if part.part == "same" else (a != b) & (a >= 0) & (b >= 0)
            return np.broadcast_to(wanted.astype(float), shape)
        if part.part == "distance":
            limit = self.spec.distance.max if self.spec.distance and self.spec.distance.max else 100.0
            km = self.km(i, j)
            return np.where(np.isfinite(km), np.clip(1.0 - km / limit, 0.0, 1.0), 0.0)
        raise ValueError(f"unknown score part {part.part}")  # pragma: no cover - schema forbids

    def scores(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Total score (sum of weight x value) for pairs (i, j)."""
        total = np.zeros(np.broadcast(i, j).shape)
        for index, part in enumerate(self.spec.score):
            total += part.weight * self.part_values(index, i, j)
        return total

    def max_score(self) -> float:
        return float(sum(part.weight for part in self.spec.score))

    # --- candidates ---------------------------------------------------------------------------

    def candidates(
        self,
        must: Sequence[tuple[int, int]] = (),
        minimum: float | None = None,
        top_k: int | None = None,
    ) -> Candidates:
        """Allowed pairs with their integer scores, built block by block of receivers.

        With ``top_k``, only each person's best ``top_k`` allowed partners (on either side) are
        kept, plus every ``must`` pair: a sparse set for the solver, whose answer is then
        certified for all pairs with :meth:`price`. The result then carries ``allowed``: counts
        and bounds over every allowed pair (and, when it fits, every pair's points).
        """
        if top_k is not None:
            return self._best_candidates(must, minimum, top_k)
        m = len(self.givers.people)
        lefts, rights = [], []
        for block in self._blocks():
            i = block[:, None]
            j = np.arange(m)[None, :]
            ok = self.allowed(i, j)
            if minimum is not None:
                ok &= self.scores(i, j) >= minimum - 1e-9
            bi, bj = np.nonzero(ok)
            lefts.append(block[bi])
            rights.append(bj)
        if must:
            lefts.append(np.array([a for a, _b in must], dtype=np.int64))
            rights.append(np.array([b for _a, b in must], dtype=np.int64))
        left = np.concatenate(lefts).astype(np.int64) if lefts else np.zeros(0, np.int64)
        right = np.concatenate(rights).astype(np.int64) if rights else np.zeros(0, np.int64)
        if must:
            codes = np.unique(left * max(m, 1) + right)
            left, right = codes // max(m, 1), codes % max(m, 1)
        return self.edges(left, right, must)

    def _best_candidates(
        self,
        must: Sequence[tuple[int, int]],
        minimum: float | None,
        top_k: int,
    ) -> Candidates:
        """Each person's best ``top_k`` allowed partners and the 'must' pairs, with AllowedPairs."""
        n, m = len(self.receivers.people), len(self.givers.people)
        small = self.max_score() * SCORE_SCALE < np.iinfo(np.int16).max - 1
        dtype = np.dtype(np.int16 if small else np.int32)
        table = np.empty((n, m), dtype=dtype) if n * m * dtype.itemsize <= TABLE_BYTES else None
        left_degree = np.zeros(n, dtype=np.int64)
        right_degree = np.zeros(m, dtype=np.int64)
        left_best = np.full(n, -1, dtype=np.int64)
        right_best = np.full(m, -1, dtype=np.int64)
        low = -1
        lefts, rights = [], []
        col_best = _ColumnTopK(m, top_k, dtype)
        columns = np.arange(m)
        for block in self._blocks():
            points = self.points(block, columns, minimum, dtype)
            if table is not None:
                table[block] = points
            ok = points >= 0
            left_degree[block] = ok.sum(axis=1)
            right_degree += ok.sum(axis=0)
            left_best[block] = points.max(axis=1, initial=-1)
            right_best = np.maximum(right_best, points.max(axis=0, initial=-1))
            if ok.any():
                least = int(points[ok].min())
                low = least if low < 0 else min(low, least)
            bi, bj = _row_top_k(points, top_k)
            lefts.append(block[bi])
            rights.append(bj)
            col_best.add(points, block)
        extra_left, extra_right = col_best.pairs()
        lefts.append(extra_left)
        rights.append(extra_right)
        if must:
            must_left = np.array([a for a, _b in must], dtype=np.int64)
            must_right = np.array([b for _a, b in must], dtype=np.int64)
            lefts.append(must_left)
            rights.append(must_right)
            low = self._count_must(must_left, must_right, minimum, left_degree, right_degree, left_best, low)
            right_best = np.maximum(
                right_best, _best_of(must_right, self._pair_points(must_left, must_right), m)
            )
        codes = np.unique(np.concatenate(lefts).astype(np.int64) * max(m, 1) + np.concatenate(rights))
        left, right = codes // max(m, 1), codes % max(m, 1)
        found = self.edges(left, right, must)
        summary = AllowedPairs(
            count=int(left_degree.sum()),
            minimum=minimum,
            left_degree=left_degree,
            right_degree=right_degree,
            left_best=left_best,
            right_best=right_best,
            low=max(low, 0),
            high=max(int(left_best.max(initial=-1)), 0),
            points=table,
        )
        return Candidates(found.left, found.right, found.score, found.tiebreak, found.must, summary)

    def _count_must(
        self,
        left: np.ndarray,
        right: np.ndarray,
        minimum: float | None,
        left_degree: np.ndarray,
        right_degree: np.ndarray,
        left_best: np.ndarray,
        low: int,
    ) -> int:
        """Count the 'must' pairs below ``minimum`` (the pass skipped them) as allowed too."""
        points = self._pair_points(left, right)
        _codes, first = np.unique(left * max(len(self.givers.people), 1) + right, return_index=True)
        left, right, points = left[first], right[first], points[first]
        if minimum is not None:
            below = self.scores(left, right) < minimum - 1e-9
            np.add.at(left_degree, left[below], 1)
            np.add.at(right_degree, right[below], 1)
        np.maximum.at(left_best, left, points)
        return int(points.min()) if low < 0 else min(low, int(points.min(initial=low)))

    def _pair_points(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return np.rint(self.scores(left, right) * SCORE_SCALE).astype(np.int64)

    def points(
        self, rows: np.ndarray, columns: np.ndarray, minimum: float | None, dtype: np.dtype | type = np.int64
    ) -> np.ndarray:
        """Score points of every pair rows x columns, -1 where a hard rule (or ``minimum``) rules
        it out."""
        i, j = rows[:, None], columns[None, :]
        ok = self.allowed(i, j)
        score = self.scores(i, j)
        if minimum is not None:
            ok &= score >= minimum - 1e-9
        return np.where(ok, np.rint(score * SCORE_SCALE), -1).astype(dtype)

    def edges(self, left: np.ndarray, right: np.ndarray, must: Sequence[tuple[int, int]] = ()) -> Candidates:
        """Candidates for given (receiver, giver) index pairs: scores, tie-break keys, must flags."""
        m = max(len(self.givers.people), 1)
        score = np.zeros(len(left), dtype=np.int64)
        for start in range(0, len(left), CHUNK_CELLS):
            part = slice(start, start + CHUNK_CELLS)
            score[part] = np.rint(self.scores(left[part], right[part]) * SCORE_SCALE).astype(np.int64)
        is_must = np.zeros(len(left), dtype=bool)
        if must:
            must_codes = np.array([a * m + b for a, b in must], dtype=np.int64)
            is_must = np.isin(left * m + right, must_codes)
        tiebreak = _mix(self.receivers.hashes[left], self.givers.hashes[right])
        return Candidates(left, right, score, tiebreak, is_must)

    def price(
        self,
        weight: Callable[[np.ndarray, np.ndarray], np.ndarray],
        dual_left: np.ndarray,
        dual_right: np.ndarray,
        offset: float,
        present: np.ndarray,
        tolerance: float = 1e-6,
        limit: int | None = None,
        *,
        minimum: float | None = None,
        allowed: AllowedPairs | None = None,
        bound: tuple[float, float, float] | None = None,
        extra: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    ) -> Candidates:
        """Allowed pairs outside ``present`` whose reduced cost is positive.

        ``weight(points, tiebreak)`` is the solver's objective coefficient for a pair; a pair
        could improve the LP optimum iff weight - dual_left[i] - dual_right[j] - offset > 0
        (here: > ``tolerance``). ``present`` holds the codes (i * givers + j) already in the
        model, sorted. Pairs below ``minimum`` are not allowed. With ``limit``, only each
        receiver's ``limit`` pairs with the highest reduced costs come back. Returned scores are
        the pairs' own points (without ``extra``).

        Faster with what :meth:`candidates` (``top_k``) found: ``allowed`` (its minimum applies;
        its points table, if kept, replaces scoring again) and ``bound`` = (a, b, spread) with
        a * p + b - spread <= weight(p, key) <= a * p + b for every key: a pair is weighed
        exactly only if a * p + b - dual_left[i] - dual_right[j] - offset > tolerance (and, with
        ``limit``, if it is within ``spread`` of its row's best such bound); with ``allowed``'s
        best points per person, whole rows and columns that cannot pass are skipped.
        ``extra(i, j)``: points added to aligned pairs before weighing (``bound`` must allow
        for them). A ``weight`` whose ``tie`` attribute is False ignores the keys: they are then
        computed only for the pairs returned.
        """
        n, m = len(self.receivers.people), len(self.givers.people)
        y_left = np.asarray(dual_left, dtype=np.float64)
        y_right = np.asarray(dual_right, dtype=np.float64)
        rows, columns = np.arange(n), np.arange(m)
        if allowed is not None:
            minimum = allowed.minimum
            if bound is not None:
                rows, columns = _live_people(allowed, bound, y_left, y_right, offset, tolerance)
        table = allowed.points if allowed is not None else None
        whole_rows = columns.size == m
        keyed = getattr(weight, "tie", True)  # False: the weight ignores the tie-break key
        lefts, rights, points_out, keys_out = [], [], [], []
        step = max(1, CHUNK_CELLS // max(columns.size, 1))
        for start in range(0, rows.size, step):
            block = rows[start : start + step]
            if table is None:
                points = self.points(block, columns, minimum)
            elif whole_rows:
                points = table[block]
            else:
                points = table[block][:, columns]
            live = points >= 0
            _drop_present(live, present, block, columns, max(m, 1))
            if bound is not None:
                live &= _may_price(points, bound, y_left[block], y_right[columns], offset, tolerance)
                if limit is not None:
                    live &= _near_row_best(points, live, bound, y_right[columns])
            bi, bj = np.nonzero(live)
            i, j = block[bi], columns[bj]
            own = points[bi, bj].astype(np.int64)
            weighed = own + extra(i, j) if extra is not None else own
            keys = _mix(self.receivers.hashes[i], self.givers.hashes[j]) if keyed else weighed
            reduced = weight(weighed, keys) - y_left[i] - y_right[j] - offset
            keep = np.flatnonzero(reduced > tolerance)
            if limit is not None:
                turn = (self.receivers.hashes[i[keep]] % np.uint64(max(m, 1))).astype(np.int64)
                keep = keep[_best_per_row(i[keep], j[keep], reduced[keep], turn, limit)]
            i, j = i[keep], j[keep]
            lefts.append(i)
            rights.append(j)
            points_out.append(own[keep])
            keys_out.append(keys[keep] if keyed else _mix(self.receivers.hashes[i], self.givers.hashes[j]))
        left = np.concatenate(lefts).astype(np.int64) if lefts else np.zeros(0, np.int64)
        right = np.concatenate(rights).astype(np.int64) if rights else np.zeros(0, np.int64)
        score = np.concatenate(points_out) if points_out else np.zeros(0, np.int64)
        tiebreak = np.concatenate(keys_out) if keys_out else np.zeros(0, np.int64)
        return Candidates(left, right, score, tiebreak, np.zeros(left.size, dtype=bool))

    def _blocks(self) -> Iterator[np.ndarray]:
        n, m = len(self.receivers.people), max(1, len(self.givers.people))
        step = max(1, CHUNK_CELLS // m)
        for start in range(0, n, step):
            yield np.arange(start, min(n, start + step))

    def blocking_rules(self, i: int) -> list[tuple[HardRule, int]]:
        """For receiver i: each hard rule with how many givers it rules out (first rule wins)."""
        j = np.arange(len(self.givers.people))
        left = np.full(len(j), True)
        counts = []
        for rule in self.hard_rules:
            out = left & ~rule.allowed(np.full(len(j), i), j)
            counts.append((rule, int(out.sum())))
            left &= ~out
        return counts

    def giver_blocking_rules(self, j: int) -> list[tuple[HardRule, int]]:
        """For giver j: each hard rule with how many receivers it rules out (first rule wins)."""
        i = np.arange(len(self.receivers.people))
        left = np.full(len(i), True)
        counts = []
        for rule in self.hard_rules:
            out = left & ~rule.allowed(i, np.full(len(i), j))
            counts.append((rule, int(out.sum())))
            left &= ~out
        return counts


# --- building the sides ---------------------------------------------------------------------------


def _sides(
    rules: Rules, spec: MatchingSpec, receivers: Sequence[Applicant], givers: Sequence[Applicant]
) -> tuple[Side, Side]:
    everyone = [*receivers, *givers]
    emails = {email: n for n, email in enumerate(dict.fromkeys(a.email for a in everyone))}
    code_fields = set(spec.different) | {
        p.field for p in spec.score if p.part in {"same", "different"} and p.field
    }
    goal_fields = {f for p in spec.score if p.part == "goals" for f in (p.field, p.offer_field) if f}
    codes = {name: _codes(everyone, name) for name in code_fields}
    goals = _one_hot(everyone, sorted(goal_fields))
    places = {name: n for n, name in enumerate(rules.spec.places)}
    bonus_parts = {n: p for n, p in enumerate(spec.score) if p.part == "priority"}
    cut = len(receivers)

    def side(people: Sequence[Applicant], part: slice, giving: bool) -> Side:
        role = spec.giver if giving else spec.receiver
        bonus = {
            n: np.array(
                [p.role == role and p.when is not None and holds(p.when, a, rules) for a in people],
                dtype=bool,
            )
            for n, p in bonus_parts.items()
        }
        return Side(
            people=tuple(people),
            ids=np.array([emails[a.email] for a in people], dtype=np.int64),
            hashes=np.array([stable_hash(a.email or f"row{a.row}") for a in people], dtype=np.uint64),
            codes={name: c[part] for name, c in codes.items()},
            ranks=np.array([_rank(a.value(spec.band_field)) for a in people], dtype=np.int64),
            places=np.array([places.get(a.value(spec.place_field), -1) for a in people], dtype=np.int64),
            goals={name: g[part] for name, g in goals.items()},
            bonus=bonus,
            capacity=_capacity(people, spec) if giving else np.ones(len(people), dtype=np.int64),
        )

    return side(receivers, slice(0, cut), False), side(givers, slice(cut, None), True)


def _codes(people: Sequence[Applicant], name: str) -> np.ndarray:
    index: dict[str, int] = {}
    out = np.full(len(people), -1, dtype=np.int64)
    for n, person in enumerate(people):
        value = person.value(name)
        if value is not None and value != ():
            out[n] = index.setdefault(key(value), len(index))
    return out


def _one_hot(people: Sequence[Applicant], names: Sequence[str]) -> dict[str, np.ndarray]:
    """One table per multi-select field, all sharing one column per distinct answer, so goals
    and offers can be compared by a matrix product."""
    index: dict[str, int] = {}
    rows: dict[str, list[list[int]]] = {}
    for name in names:
        rows[name] = []
        for person in people:
            value = person.value(name) or ()
            items = value if isinstance(value, tuple) else (value,)
            rows[name].append([index.setdefault(key(item), len(index)) for item in items])
    tables = {}
    for name in names:
        table = np.zeros((len(people), max(1, len(index))), dtype=np.float32)
        for n, columns in enumerate(rows[name]):
            table[n, columns] = 1.0
        tables[name] = table
    return tables


def _rank(value: object) -> int:
    return BAND_RANK[value] if isinstance(value, str) and value in BAND_RANK else -1


def _capacity(people: Sequence[Applicant], spec: MatchingSpec) -> np.ndarray:
    out = np.full(len(people), spec.capacity.default, dtype=np.int64)
    if spec.capacity.field is not None:
        for n, person in enumerate(people):
            value = person.value(spec.capacity.field)
            if isinstance(value, float) and value >= 0:
                out[n] = min(int(value), spec.capacity.max)
    return out


def stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A stable 63-bit key per pair from both people's hashes (order of sides matters)."""
    with np.errstate(over="ignore"):
        x = a * np.uint64(0x9E3779B97F4A7C15) ^ (b + np.uint64(0x632BE59BD9B4E019))
        x ^= x >> np.uint64(31)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(29)
    return (x >> np.uint64(1)).astype(np.int64)


def _row_top_k(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of each row's best k allowed pairs (points >= 0)."""
    if points.shape[1] > k:
        cols = np.argpartition(-points, k - 1, axis=1)[:, :k]
    else:
        cols = np.broadcast_to(np.arange(points.shape[1]), points.shape)
    rows = np.broadcast_to(np.arange(points.shape[0])[:, None], cols.shape)
    keep = np.take_along_axis(points, cols, axis=1) >= 0
    return rows[keep], cols[keep]


class _ColumnTopK:
    """Each column's best k allowed pairs (points >= 0) seen so far across blocks of rows."""

    def __init__(self, columns: int, k: int, dtype: np.dtype) -> None:
        self.k = k
        self.points = np.full((0, columns), -1, dtype=dtype)
        self.row = np.zeros((0, columns), dtype=np.int64)

    def add(self, points: np.ndarray, rows: np.ndarray) -> None:
        if points.shape[0] > self.k:  # the block's own best k first: less to merge
            pick = np.argpartition(-points, self.k - 1, axis=0)[: self.k]
            points, rows = np.take_along_axis(points, pick, axis=0), rows[pick]
        else:
            rows = np.broadcast_to(rows[:, None], points.shape)
        both = np.concatenate([self.points, points], axis=0)
        who = np.concatenate([self.row, rows], axis=0)
        if both.shape[0] > self.k:
            pick = np.argpartition(-both, self.k - 1, axis=0)[: self.k]
            both = np.take_along_axis(both, pick, axis=0)
            who = np.take_along_axis(who, pick, axis=0)
        self.points, self.row = both, who

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        keep = self.points >= 0
        cols = np.broadcast_to(np.arange(self.points.shape[1]), self.points.shape)
        return self.row[keep], cols[keep]


def _best_per_row(
    row: np.ndarray, column: np.ndarray, value: np.ndarray, turn: np.ndarray, limit: int
) -> np.ndarray:
    """Positions of up to ``limit`` pairs per row among those with the row's highest value.

    ``row`` ascending and ``column`` ascending within a row (np.nonzero's order). Equal values
    are taken in column order starting at the row's ``turn`` (a column from the receiver's
    hash), so receivers with many equal choices spread over different givers. No sorting.
    """
    if row.size == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    sizes = np.diff(np.r_[starts, row.size])
    best = np.flatnonzero(value >= np.repeat(np.maximum.reduceat(value, starts), sizes))
    row, column, turn = row[best], column[best], turn[best]
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    sizes = np.diff(np.r_[starts, row.size])
    before = np.add.reduceat((column < turn).astype(np.int64), starts)
    place = np.arange(row.size) - np.repeat(starts, sizes)
    rotated = (place - np.repeat(before, sizes)) % np.repeat(sizes, sizes)
    return best[rotated < limit]


def _drop_present(
    live: np.ndarray, present: np.ndarray, rows: np.ndarray, columns: np.ndarray, width: int
) -> None:
    """Clear ``live`` (rows x columns, both ascending) where the pair's code is in ``present``."""
    if present.size == 0 or rows.size == 0:
        return
    low, high = np.searchsorted(present, [rows[0] * width, (rows[-1] + 1) * width])
    codes = present[low:high]
    at_row = np.searchsorted(rows, codes // width)
    at_column = np.searchsorted(columns, codes % width)
    at_row_ok = np.minimum(at_row, rows.size - 1)
    at_column_ok = np.minimum(at_column, columns.size - 1)
    hit = (rows[at_row_ok] == codes // width) & (columns[at_column_ok] == codes % width)
    live[at_row_ok[hit], at_column_ok[hit]] = False


def _best_of(index: np.ndarray, points: np.ndarray, size: int) -> np.ndarray:
    """The highest points per index value (-1 where none)."""
    best = np.full(size, -1, dtype=np.int64)
    np.maximum.at(best, index, points)
    return best


def _live_people(
    allowed: AllowedPairs,
    bound: tuple[float, float, float],
    y_left: np.ndarray,
    y_right: np.ndarray,
    offset: float,
    tolerance: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Receivers and givers with a pair that may still price in.

    A pair (i, j) weighs at most a * min(best_i, best_j) + b, so it can price in only if
    a * best_i + b - y_i - offset exceeds tolerance + y_j for some live j (and the same for j).
    """
    a, b, _spread = bound
    room_left = a * allowed.left_best + b - y_left - offset
    room_right = a * allowed.right_best + b - y_right - offset
    rows = np.flatnonzero(allowed.left_best >= 0)
    columns = np.flatnonzero(allowed.right_best >= 0)
    for _ in range(2):
        if rows.size == 0 or columns.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        rows = rows[room_left[rows] - y_right[columns].min() > tolerance]
        if rows.size == 0:
            break
        columns = columns[room_right[columns] - y_left[rows].min() > tolerance]
    return rows, columns


def _near_row_best(
    points: np.ndarray, live: np.ndarray, bound: tuple[float, float, float], y_right: np.ndarray
) -> np.ndarray:
    """Where a pair's bound a * p + b - y_right is within ``spread`` of its row's best: only
    those can have the row's highest reduced cost (rows differ only by their own dual)."""
    a, _b, spread = bound
    value = np.where(live, np.float32(a) * points - y_right.astype(np.float32)[None, :], -np.inf)
    best = value.max(axis=1, initial=-np.inf)
    slack = spread + 0.05 + np.abs(best) * 1e-6
    return value >= (best - slack)[:, None]


def _may_price(
    points: np.ndarray,
    bound: tuple[float, float, float],
    y_left: np.ndarray,
    y_right: np.ndarray,
    offset: float,
    tolerance: float,
) -> np.ndarray:
    """Where a * points + b - y_left - y_right - offset > tolerance could hold (a superset)."""
    a, b, _spread = bound
    if a > 0:  # points > (y_left + y_right + offset + tolerance - b) / a, in float32 with slack
        row = (y_left + offset + tolerance - b) / a
        column = y_right / a
        row = (row - 0.05 - np.abs(row) * 1e-6).astype(np.float32)
        column = (column - np.abs(column) * 1e-6).astype(np.float32)
        return points > row[:, None] + column[None, :]
    return (b - y_left - offset)[:, None] - y_right[None, :] > tolerance


def _known(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a >= 0) & (b >= 0)


def _differ_on(a: np.ndarray, b: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return lambda i, j: _differ(a[i], b[j])


def _differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Different values, or a blank on either side (nothing says they are the same)."""
    return (a != b) | (a < 0) | (b < 0)


def _share(goals: np.ndarray, offers: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Share of the first side's goals the second side offers; 0 when no goals were given."""
    if i.ndim == 1 and i.shape == j.shape:  # aligned pairs: one dot product each
        overlap_1d = np.einsum("nk,nk->n", goals[i], offers[j])
        wanted_1d = goals[i].sum(axis=1)
        return np.divide(overlap_1d, wanted_1d, out=np.zeros_like(overlap_1d), where=wanted_1d > 0).astype(
            float
        )
    rows_i = np.unique(i.ravel())
    rows_j = np.unique(j.ravel())
    overlap = goals[rows_i] @ offers[rows_j].T  # (len(rows_i), len(rows_j))
    wanted = goals[rows_i].sum(axis=1)
    share = np.divide(overlap, wanted[:, None], out=np.zeros_like(overlap), where=wanted[:, None] > 0)
    pos_i = np.searchsorted(rows_i, i)
    pos_j = np.searchsorted(rows_j, j)
    return share[pos_i, pos_j].astype(float)


def _never_pairs(rules: Rules, field: str, r: Side, g: Side) -> np.ndarray:
    """(receiver, giver) index pairs that must never be matched, from either side's answer."""
    by_email_r = {a.email: n for n, a in enumerate(r.people)}
    by_email_g = {a.email: n for n, a in enumerate(g.people)}
    pairs = set()
    for n, person in enumerate(r.people):
        for email in _emails(person.value(field)):
            if email in by_email_g:
                pairs.add((n, by_email_g[email]))
    for n, person in enumerate(g.people):
        for email in _emails(person.value(field)):
            if email in by_email_r:
                pairs.add((by_email_r[email], n))
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def _index_pairs(pairs: Iterable[tuple[str, str]], r: Side, g: Side) -> np.ndarray:
    by_r = {a.email: n for n, a in enumerate(r.people)}
    by_g = {a.email: n for n, a in enumerate(g.people)}
    found = set()
    for a, b in pairs:
        if a in by_r and b in by_g:
            found.add((by_r[a], by_g[b]))
        elif b in by_r and a in by_g:
            found.add((by_r[b], by_g[a]))
    return np.array(sorted(found), dtype=np.int64).reshape(-1, 2)


def _emails(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _pair_in(i: np.ndarray, j: np.ndarray, pairs: np.ndarray, n_givers: int) -> np.ndarray:
    if len(pairs) == 0:
        return np.zeros(np.broadcast(i, j).shape, dtype=bool)
    codes = np.sort(pairs[:, 0] * n_givers + pairs[:, 1])
    wanted = i * n_givers + j
    pos = np.clip(np.searchsorted(codes, wanted), 0, len(codes) - 1)
    return codes[pos] == wanted


def _place_distances(rules: Rules) -> np.ndarray:
    """Great-circle kilometres between every two places of the rule file's table."""
    coords = np.radians(np.array(list(rules.spec.places.values()), dtype=float).reshape(-1, 2))
    lat, lon = coords[:, 0][:, None], coords[:, 1][:, None]
    dlat, dlon = lat - lat.T, lon - lon.T
    h = np.sin(dlat / 2) ** 2 + np.cos(lat) * np.cos(lat.T) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def part_label(part: ScorePart) -> str:
    return part.label or part.part.replace("_", " ")


def km_text(km: float) -> str:
    return f"{km:.0f} km" if math.isfinite(km) else "distance unknown"
