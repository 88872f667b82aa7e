"""The rule file's typed model: fields, roles, eligibility conditions and matching settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mentormatch.normalise import Unreadable, canonical_band, parse_deadline

FieldType = Literal[
    "text", "choice", "multi", "email", "datetime", "band", "years", "yesno", "number",
    "organisation", "place", "emails",
]  # fmt: skip

# Fields every rule file may rely on: the identity, the name and the submission time.
STANDARD_FIELDS: dict[str, FieldType] = {"email": "email", "name": "text", "submitted": "datetime"}


class Strict(BaseModel):
    """Base model: unknown keys are mistakes, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _with_aliases(value: Any) -> Any:
    """A list of names, or a mapping of names to aliases, as a mapping (no aliases: [])."""
    if isinstance(value, list):
        return {str(name): [] for name in value}
    if isinstance(value, dict):
        return {str(k): ([] if v is None else v) for k, v in value.items()}
    return value


class FieldSpec(Strict):
    """One answer the rules use, found by any of its header texts (first match wins)."""

    headers: list[str] = Field(min_length=1)
    type: FieldType = "text"
    label: str | None = None
    optional: bool = False
    special_category: bool = False
    # the standard vocabulary that reads this field's answers (mentormatch/vocab): ethnicity,
    # gender or profession; organisation, band and place fields always use theirs
    vocabulary: Literal["ethnicity", "gender", "profession"] | None = None
    # choice/multi answers: canonical answer -> other ways people write it ("Acute": ["Acute hospital"])
    values: dict[str, list[str]] = Field(default_factory=dict)
    # Why answers nobody listed are rejected rather than sent to review (e.g. "the form offered only
    # these answers"). Absent: an unforeseen answer goes to review (answer-not-recognised).
    closed: str | None = None

    @field_validator("closed", mode="before")
    @classmethod
    def _closed_says_why(cls, value: Any) -> Any:
        if value is None or value is False:
            return None
        if not isinstance(value, str) or not value.strip():
            raise ValueError(
                'say why the field is closed, e.g. closed: "the form offered only these answers"'
            )
        return value.strip()

    @field_validator("values", mode="before")
    @classmethod
    def _values_default(cls, value: Any) -> Any:
        return _with_aliases(value)

    @field_validator("headers", mode="before")
    @classmethod
    def _one_header(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Condition(Strict):
    """An eligibility test: a leaf on one field, or ``all_of`` / ``any_of`` / ``not`` of others."""

    all_of: list[Condition] | None = None
    any_of: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")
    field: str | None = None
    between: tuple[Any, Any] | None = None
    at_least: Any = None
    at_most: Any = None
    in_: list[str] | None = Field(default=None, alias="in")
    is_: bool | None = Field(default=None, alias="is")
    answered: bool | None = None
    # vocabulary groups (mentormatch/vocab): the answer's group, staff group, ICS area or region;
    # an answer no vocabulary recognises, or whose membership is genuinely open, goes to review
    group: list[str] | None = None
    staff_group: list[str] | None = None
    area: list[str] | None = None
    region: list[str] | None = None
    code: str | None = Field(default=None, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    reason: str | None = None
    # false: an option the text does not state, kept for a coordinator who wants it (always holds)
    enabled: bool = True

    @field_validator("group", "staff_group", "area", "region", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        kinds = [k for k in ("all_of", "any_of", "not_", "field") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "a condition needs exactly one of 'field', 'all_of', 'any_of' or 'not'"
                + (f" (found {', '.join(k.rstrip('_') for k in kinds)})" if kinds else "")
            )
        tests = [t for t in self.leaf_tests() if getattr(self, t) is not None]
        if self.field is not None and len(tests) != 1:
            raise ValueError(
                "a 'field' condition needs exactly one test: between, at_least, at_most, in, is, answered,"
                " group, staff_group, area or region"
            )
        if self.field is None and tests:
            raise ValueError(f"'{tests[0].rstrip('_')}' needs a 'field' beside it")
        return self

    @staticmethod
    def leaf_tests() -> tuple[str, ...]:
        return ("between", "at_least", "at_most", "in_", "is_", "answered", *VOCABULARY_TESTS)


# Condition tests answered by a vocabulary, and the field types / vocabularies each applies to.
VOCABULARY_TESTS = ("group", "staff_group", "area", "region")


class RoleSpec(Strict):
    """A role applicants apply for, how their answer names it, and who is eligible."""

    label: str | None = None
    answers: list[str] = Field(default_factory=list)
    eligibility: Condition | None = None


class OrganisationsSpec(Strict):
    """The organisations in the programme, each with the other names people type for it."""

    field: str = "organisation"
    only_listed: bool = True
    names: dict[str, list[str]] = Field(default_factory=dict)
    # Organisations known to be outside the programme: an answer naming one is rejected; any other
    # organisation not in ``names`` goes to review (answer-not-recognised) unless the field is closed.
    outside: list[str] = Field(default_factory=list)

    @field_validator("names", mode="before")
    @classmethod
    def _aliases_default(cls, value: Any) -> Any:
        return _with_aliases(value)


class CapacitySpec(Strict):
    """How many partners each giver takes: a default, or read per person from a field."""

    default: int = Field(default=1, ge=0)
    field: str | None = None
    max: int = Field(default=5, ge=1)


class RangeSpec(Strict):
    """A minimum and/or maximum (band steps, kilometres, ...)."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self


class ScorePart(Strict):
    """One named, weighted part of a pair's score; its value is between 0 and 1."""

    part: Literal["goals", "band_gap", "priority", "same", "different", "distance"]
    weight: float = Field(gt=0)
    label: str | None = None
    # goals: share of the receiver's answers in ``field`` that the giver offers in ``offer_field``
    field: str | None = None
    offer_field: str | None = None
    both_ways: bool = False
    # band_gap: ``best`` steps above scores 1, falling by ``falloff`` per step away
    best: float | None = None
    falloff: float = 0.25
    # priority: pairs where the given role's person meets ``when`` get the weight
    role: str | None = None
    when: Condition | None = None


class GroupSpec(Strict):
    """Group mentoring: members (the receiver role) placed in groups led by several leaders."""

    size: RangeSpec = RangeSpec(min=5, max=7)
    leaders: RangeSpec = RangeSpec(min=2, max=4)
    goals_field: str = "goals"
    offer_field: str | None = None
    organisation_field: str | None = "organisation"
    profession_field: str | None = None
    max_same_organisation: int | None = Field(default=None, ge=1)
    prefer: Condition | None = None
    prefer_label: str = "best suited"

    @model_validator(mode="after")
    def _whole_sizes(self) -> GroupSpec:
        for name in ("size", "leaders"):
            bounds = getattr(self, name)
            if bounds.min is None or bounds.max is None or bounds.min < 1:
                raise ValueError(f"'{name}' needs a min of at least 1 and a max")
        return self


class MatchingSpec(Strict):
    """Who may be paired with whom, and what makes a pair good."""

    mode: Literal["pairs", "groups"] = "pairs"
    receiver: str = "mentee"
    giver: str = "mentor"
    capacity: CapacitySpec = CapacitySpec()
    different: list[str] = Field(default_factory=list)
    band_gap: RangeSpec | None = None
    band_field: str = "band"
    never_field: str | None = None
    must: list[tuple[str, str]] = Field(default_factory=list)
    distance: RangeSpec | None = None
    place_field: str = "place"
    objective: Literal["coverage-then-score", "best-pairs"] = "coverage-then-score"
    minimum_score: float = 0.0
    score: list[ScorePart] = Field(default_factory=list)
    groups: GroupSpec | None = None


class Programme(Strict):
    """Where the programme comes from."""

    name: str
    source: str
    year: int | None = None


class RuleFile(Strict):
    """A programme's whole rule file."""

    programme: Programme
    deadline: datetime | None = None
    # How the exports write dates such as 03/04/2022 when their own values do not say.
    date_order: Literal["day-first", "month-first"] | None = None
    fields: dict[str, FieldSpec]
    role_field: str | None = "role"
    roles: dict[str, RoleSpec] = Field(min_length=1)
    organisations: OrganisationsSpec | None = None
    grades: dict[str, str] = Field(default_factory=dict)
    places: dict[str, tuple[float, float]] = Field(default_factory=dict)
    # the towns of these areas or regions (mentormatch/vocab/places.yaml) join `places`
    place_regions: list[str] = Field(default_factory=list)
    membership: str | None = None
    matching: MatchingSpec | None = None

    @field_validator("deadline", mode="before")
    @classmethod
    def _deadline(cls, value: Any) -> Any:
        if value is None:
            return None
        try:
            return parse_deadline(value)
        except Unreadable as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="before")
    @classmethod
    def _regions_places(cls, data: Any) -> Any:
        """``place_regions: [west-midlands]`` adds every town of those regions to ``places``
        (a town the rule file lists itself keeps the rule file's coordinates)."""
        if not isinstance(data, dict) or not data.get("place_regions"):
            return data
        from mentormatch import vocab

        regions = data["place_regions"]
        regions = [regions] if isinstance(regions, str) else regions
        known = vocab.places().regions
        unknown = [r for r in regions if r not in known]
        if unknown:
            raise ValueError(
                f"place_regions: no region or area '{unknown[0]}' (known: {', '.join(sorted(known))})"
            )
        towns = {p.name: (p.lat, p.lon) for p in vocab.places().in_regions(regions)}
        own = data.get("places") or {}
        return {**data, "place_regions": regions, "places": {**towns, **own}}

    @field_validator("grades", mode="before")
    @classmethod
    def _grades(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = {}
        for grade, band in value.items():
            try:
                out[str(grade)] = canonical_band(band)
            except Unreadable as exc:
                raise ValueError(f"grade '{grade}': {exc}") from None
        return out
