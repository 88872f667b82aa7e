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
from mentormatch.schema import Condition, MatchingSpec, ScorePart

SCORE_SCALE = 100  # integer score points per score unit: the solver sees round(score * 100)
CHUNK_CELLS = 4_000_000  # pairs scored at a time, to bound memory on large cohorts
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
        self.never = np.zeros((0, 2), dtype=np.int64)
        self.hard_rules = self._hard_rules()
        self._named: tuple[np.ndarray, np.ndarray] | None = None  # individual(), once
        self._blocked: dict[tuple[object, ...], list[tuple[HardRule, int]]] = {}  # counts by kind

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
            self.never = never
            rules.append(
                HardRule(
                    "reporting-line",
                    "are in your reporting line (line manager)",
                    _not_among(never, len(g.people)),
                    "are in your reporting line",
                )
            )
        if len(self.forbidden):
            forbidden = self.forbidden
            rules.append(
                HardRule(
                    "ruled-out-before",
                    "were rejected for you by the coordinator or paired with you before",
                    _not_among(forbidden, len(g.people)),
                    "were rejected for you by the coordinator or paired with you before",
                )
            )
        rules.append(
            HardRule("no-capacity", f"offered no places as {giver.lower()}", lambda i, j: g.capacity[j] > 0)
        )
        return rules

    def individual(self) -> tuple[np.ndarray, np.ndarray]:
        """Who has a constraint of their own (bool per receiver, per giver): named in a pair the
        hard rules rule out one by one (a line manager, a pair ruled out before), or on both
        sides. Everyone else is interchangeable with anyone of the same profile."""
        left = np.zeros(len(self.receivers.people), dtype=bool)
        right = np.zeros(len(self.givers.people), dtype=bool)
        for pairs in (self.never, self.forbidden):
            left[pairs[:, 0]] = True
            right[pairs[:, 1]] = True
        both = np.intersect1d(self.receivers.ids, self.givers.ids)
        left |= np.isin(self.receivers.ids, both)
        right |= np.isin(self.givers.ids, both)
        return left, right

    def profiles(self, giving: bool) -> np.ndarray:
        """One int64 row per person of one side holding everything the hard rules and the score
        parts read of them, apart from their identity: equal rows mean interchangeable people
        (unless ``individual`` says otherwise)."""
        side = self.givers if giving else self.receivers
        n = len(side.people)
        columns = [side.codes[name] for name in sorted(side.codes)]
        columns += [side.ranks, side.places]
        columns += [side.bonus[index].astype(np.int64) for index in sorted(side.bonus)]
        if giving:
            columns.append((side.capacity > 0).astype(np.int64))
        parts = [np.stack(columns, axis=1).astype(np.int64)] if columns else []
        parts += [(side.goals[name] > 0).astype(np.int64) for name in sorted(side.goals)]
        return np.concatenate(parts, axis=1) if parts else np.zeros((n, 0), dtype=np.int64)

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

    def shown_scores(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The shown score for pairs (i, j): the total without the special category parts."""
        total = np.zeros(np.broadcast(i, j).shape)
        for index in shown_parts(self.rules):
            total += self.spec.score[index].weight * self.part_values(index, i, j)
        return total

    def reaches(self, i: np.ndarray, j: np.ndarray, minimum: float) -> np.ndarray:
        """True where the pair's shown score reaches ``minimum`` (best-pairs mode).

        The minimum is held against the shown score, not the optimised one: a pair kept only
        thanks to a special category part would show a Score below the rule file's minimum,
        and so reveal that part.
        """
        return self.shown_scores(i, j) >= minimum - 1e-9

    def max_score(self) -> float:
        return float(sum(part.weight for part in self.spec.score))

    # --- candidates ---------------------------------------------------------------------------

    def candidates(self, must: Sequence[tuple[int, int]] = (), minimum: float | None = None) -> Candidates:
        """Allowed pairs with their integer scores, built block by block of receivers."""
        m = len(self.givers.people)
        lefts, rights = [], []
        for block in self._blocks():
            i = block[:, None]
            j = np.arange(m)[None, :]
            ok = self.allowed(i, j)
            if minimum is not None:
                ok &= self.reaches(i, j, minimum)
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

    def points(
        self, rows: np.ndarray, columns: np.ndarray, minimum: float | None, dtype: np.dtype | type = np.int64
    ) -> np.ndarray:
        """Score points of every pair rows x columns, -1 where a hard rule (or ``minimum``) rules
        it out."""
        i, j = rows[:, None], columns[None, :]
        ok = self.allowed(i, j)
        score = self.scores(i, j)
        if minimum is not None:
            ok &= self.reaches(i, j, minimum)
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
        tiebreak = pair_key(self.receivers.hashes[left], self.givers.hashes[right])
        return Candidates(left, right, score, tiebreak, is_must)

    def _blocks(self) -> Iterator[np.ndarray]:
        n, m = len(self.receivers.people), max(1, len(self.givers.people))
        step = max(1, CHUNK_CELLS // m)
        for start in range(0, n, step):
            yield np.arange(start, min(n, start + step))

    def blocking_rules(self, i: int) -> list[tuple[HardRule, int]]:
        """For receiver i: each hard rule with how many givers it rules out (first rule wins)."""
        j = np.arange(len(self.givers.people))
        return self._blocking(False, i, lambda rule: rule.allowed(np.full(len(j), i), j))

    def giver_blocking_rules(self, j: int) -> list[tuple[HardRule, int]]:
        """For giver j: each hard rule with how many receivers it rules out (first rule wins)."""
        i = np.arange(len(self.receivers.people))
        return self._blocking(True, j, lambda rule: rule.allowed(i, np.full(len(i), j)))

    def _blocking(
        self, giving: bool, n: int, allowed: Callable[[HardRule], np.ndarray]
    ) -> list[tuple[HardRule, int]]:
        """The counts, worked out once per kind of person: what the hard rules read of them (their
        compared fields, band, place, whether they offer places), unless a rule names them."""
        if self._named is None:
            self._named = self.individual()
        named = self._named[1 if giving else 0][n]
        side = self.givers if giving else self.receivers
        memo = (
            giving,
            tuple(int(side.codes[name][n]) for name in sorted(side.codes)),
            int(side.ranks[n]),
            int(side.places[n]),
            bool(side.capacity[n] > 0),
        )
        cache = self._blocked
        if not named and memo in cache:
            return list(cache[memo])
        left: np.ndarray | None = None
        counts = []
        for rule in self.hard_rules:
            ok = allowed(rule)
            out = ~ok if left is None else left & ~ok
            counts.append((rule, int(out.sum())))
            left = ~out if left is None else left & ~out
        if not named:
            cache[memo] = counts
        return list(counts)


def _not_among(pairs: np.ndarray, n_givers: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A hard rule's test: True where (i, j) is not one of ``pairs`` (sorted once, not per call)."""
    codes = np.sort(pairs[:, 0] * n_givers + pairs[:, 1]) if len(pairs) else np.zeros(0, dtype=np.int64)

    def allowed(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        if codes.size == 0:
            return np.ones(np.broadcast(i, j).shape, dtype=bool)
        wanted = i * n_givers + j
        return codes[np.clip(np.searchsorted(codes, wanted), 0, codes.size - 1)] != wanted

    return allowed


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
    codes = {name: answer_codes(everyone, name) for name in code_fields}
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
            ranks=np.array([_rank_of(a, spec.band_field, giving) for a in people], dtype=np.int64),
            places=np.array([places.get(a.value(spec.place_field), -1) for a in people], dtype=np.int64),
            goals={name: g[part] for name, g in goals.items()},
            bonus=bonus,
            capacity=_capacity(people, spec) if giving else np.ones(len(people), dtype=np.int64),
        )

    return side(receivers, slice(0, cut), False), side(givers, slice(cut, None), True)


def answer_codes(people: Sequence[Applicant], name: str) -> np.ndarray:
    """One int per person for a field's answer (equal answers, by ``normalise.key``, share it);
    -1 where no answer was given."""
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


def _rank_of(person: Applicant, field: str, giving: bool) -> int:
    """A person's band rank; for an answer that spans bands ("Band 8", "Band 5/6") the end that
    keeps a band-gap rule safe: the lowest for the giver, the highest for the receiver."""
    rank = _rank(person.value(field))
    raw = person.raw.get(field) if rank < 0 else None
    if raw:
        from mentormatch import vocab

        reading = vocab.bands().read(raw)
        if reading is not None and reading.low is not None and reading.high is not None:
            return _rank(reading.low if giving else reading.high)
    return rank


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


def pair_key(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A stable 63-bit key per pair from both people's hashes (order of sides matters)."""
    with np.errstate(over="ignore"):
        x = a * np.uint64(0x9E3779B97F4A7C15) ^ (b + np.uint64(0x632BE59BD9B4E019))
        x ^= x >> np.uint64(31)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(29)
    return (x >> np.uint64(1)).astype(np.int64)


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


def _place_distances(rules: Rules) -> np.ndarray:
    """Great-circle kilometres between every two places of the rule file's table."""
    coords = np.radians(np.array(list(rules.spec.places.values()), dtype=float).reshape(-1, 2))
    lat, lon = coords[:, 0][:, None], coords[:, 1][:, None]
    dlat, dlon = lat - lat.T, lon - lon.T
    h = np.sin(dlat / 2) ** 2 + np.cos(lat) * np.cos(lat.T) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def special_parts(rules: Rules) -> frozenset[int]:
    """Indexes of the score parts that read a special category field: hidden from forwarding.

    A part reads the fields it compares (``field``, ``offer_field``), the fields its ``when``
    condition tests (a priority part), the band field (band_gap) and the place field (distance).
    If any of those is declared ``special_category: true`` in the rule file, the part is special:
    the solver optimises it, but no forwardable output names it or counts its points (the
    "shown score" is the sum of the other parts; see :func:`shown_parts`).
    """
    spec = rules.spec.matching
    if spec is None:
        return frozenset()
    special = {name for name, field in rules.spec.fields.items() if field.special_category}
    found = set()
    for index, part in enumerate(spec.score):
        read = {part.field, part.offer_field, *_condition_fields(part.when)}
        if part.part == "band_gap":
            read.add(spec.band_field)
        if part.part == "distance":
            read.add(spec.place_field)
        if read & special:
            found.add(index)
    return frozenset(found)


def shown_parts(rules: Rules) -> list[int]:
    """Indexes of the score parts a forwardable output may name and count (all but special)."""
    spec = rules.spec.matching
    hidden = special_parts(rules)
    return [n for n in range(len(spec.score) if spec else 0) if n not in hidden]


def _condition_fields(cond: Condition | None) -> set[str]:
    from mentormatch.known import walk

    return {c.field for _where, c in walk(cond) if c.field} if cond is not None else set()


def part_label(part: ScorePart) -> str:
    return part.label or part.part.replace("_", " ")


def km_text(km: float) -> str:
    return f"{km:.0f} km" if math.isfinite(km) else "distance unknown"
