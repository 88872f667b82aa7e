"""A rule's vocabulary test (``group``, ``staff_group``, ``area``, ``region``) on one answer, and
band ranges on answers that are not a single band (``Band 8``, ``Band 5/6``, ``Consultant``)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from mentormatch import vocab
from mentormatch.vocab import BANDS, Membership

_ORDER = {"yes": 0, "ask": 1, "unknown": 2, "no": 3}


def evaluate(
    test: str, names: Sequence[str], kind: str, which: str | None, answers: Sequence[str]
) -> Membership:
    """yes when any answer is in the named groups; else ask (the first question), else unknown
    (nothing recognises an answer), else no."""
    groups = tuple(names)
    found = [_one(test, groups, kind, which, answer) for answer in answers]
    if not found:
        return Membership("unknown", None)
    return min(found, key=lambda m: _ORDER[m.verdict])


# The same answers recur on most rows (an organisation, an ethnic group): each distinct question
# is answered once. The vocabularies never change while the process runs, and a Membership is
# frozen, so sharing one is safe.
@functools.lru_cache(maxsize=65_536)
def _one(test: str, names: tuple[str, ...], kind: str, which: str | None, answer: str) -> Membership:
    if kind == "place":
        place = vocab.places().lookup(answer)
        if place is None:
            return Membership("unknown", None)
        return Membership("yes" if place.region in names or place.area in names else "no", None)
    if test in {"area", "region"}:
        return vocab.organisations().in_area(answer, names, region=test == "region")
    if which == "band":
        reading = vocab.bands().read(answer)
        if reading is None:
            return Membership("unknown", None)
        return vocab.bands().term_membership(reading.term, names) if reading.term else Membership("no", None)
    assert which is not None
    return vocab.vocabulary(which).membership(answer, names)


def band_range(answer: str, low: str | None, high: str | None) -> Membership:
    """Whether a band answer that is not one band lies within [low, high]: yes when every band it
    can mean does, no when none does, ask (with the question) when it is a grade without a
    standard band or straddles the limit, unknown when nothing reads it."""
    reading = vocab.bands().read(answer)
    if reading is None:
        return Membership("unknown", None)
    if reading.low is None or reading.high is None:
        return Membership("ask", reading.term, reading.question)
    lo, hi = BANDS.index(reading.low), BANDS.index(reading.high)
    want_lo = BANDS.index(low) if low is not None else 0
    want_hi = BANDS.index(high) if high is not None else len(BANDS) - 1
    if want_lo <= lo and hi <= want_hi:
        return Membership("yes", reading.term)
    if hi < want_lo or lo > want_hi:
        return Membership("no", reading.term)
    question = (
        reading.question
        or f"The answer could mean Band {reading.low} to Band {reading.high}, which is partly inside"
        " the programme's range: which band is it?"
    )
    return Membership("ask", reading.term, question)
