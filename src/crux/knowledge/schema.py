"""The shape of the knowledge files. Pure data models: no clinical fact lives in this module.

A knowledge file (any ``*.yaml`` in ``knowledge/data``) may hold ``nodes``, ``edges``,
``findings`` and ``rules``; ``sources.yaml`` lists what may be cited and ``scales.yaml``
maps the strength and prior words to numbers, in one place.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

NodeKind = Literal["factor", "root_cause", "mechanism", "condition", "demographic"]
Strength = Literal["weak", "moderate", "strong", "defining"]
Prior = Literal["very_rare", "rare", "uncommon", "common", "very_common", "usual"]
TriageLevel = Literal["emergency", "urgent", "soon"]

_ID = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Strict):
    """One source behind a claim, with the claim paraphrased in our own words."""

    source: str = Field(description="an id from sources.yaml: a source file id or a guideline")
    says: str = Field(min_length=8, description="what the source supports, in our own words")


class Source(_Strict):
    id: str
    kind: Literal["article", "guideline", "review"]
    title: str
    publisher: str | None = None
    year: int | None = None


class Node(_Strict):
    id: str = Field(pattern=_ID)
    kind: NodeKind
    label: str = Field(min_length=3, description="plain words a patient understands")
    lateral: bool = Field(
        default=False, description="reasoned about per side (left and right copies)"
    )
    prior: Prior = Field(description="how likely it is when none of its causes is present")
    sources: tuple[Citation, ...] = ()


class Edge(_Strict):
    """A causal claim: `from` raises the chance of `to` with the given strength."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    cause: str = Field(alias="from")
    effect: str = Field(alias="to")
    strength: Strength
    sides: Literal["same", "opposite"] = "same"
    because: str = Field(min_length=8, description="the mechanism, in plain words")
    sources: tuple[Citation, ...] = Field(min_length=1)


class FindingCause(_Strict):
    node: str
    strength: Strength
    sources: tuple[Citation, ...] = Field(min_length=1)


class ComplaintMatch(_Strict):
    """What a complaint must show for the finding to be present."""

    region: str | tuple[str, ...] | None = None
    side: str | None = None
    worse_with: str | None = None
    better_with: str | None = None
    quality: str | None = None
    onset: str | None = None
    radiates_to: str | None = None
    duration_weeks_at_least: float | None = None
    duration_weeks_below: float | None = None
    severity_at_least: float | None = None

    def regions(self) -> tuple[str, ...]:
        if self.region is None:
            return ()
        return (self.region,) if isinstance(self.region, str) else self.region


class Condition(_Strict):
    """What a case must show for a finding to be present. Exactly one key is given.

    Known and not shown means the finding is absent (evidence against its causes);
    unknown means it is ignored.
    """

    complaint: ComplaintMatch | None = None
    exposure: str | None = None
    history: str | None = None
    measurement: str | None = None
    red_flag: str | None = None
    age_at_least: float | None = None
    age_below: float | None = None
    sex: str | None = None
    at_least: float | None = Field(default=None, description="with exposure or history")
    below: float | None = Field(
        default=None,
        description="with exposure or history: a number under it; with measurement: "
        "overrides the vocabulary threshold",
    )
    above: float | None = Field(default=None, description="with measurement, overrides threshold")
    is_: bool | None = Field(
        default=None,
        alias="is",
        description="with a yes/no exposure, history item or red flag: the answer that "
        "makes the finding present (default yes)",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_subject(self) -> Condition:
        subjects = [
            self.complaint,
            self.exposure,
            self.history,
            self.measurement,
            self.red_flag,
            self.age_at_least,
            self.age_below,
            self.sex,
        ]
        given = sum(s is not None for s in subjects)
        if given != 1:
            raise ValueError(
                "give exactly one of complaint, exposure, history, measurement, red_flag, "
                "age_at_least, age_below, sex"
            )
        answered = self.exposure is not None or self.history is not None
        if self.at_least is not None and not answered:
            raise ValueError("at_least goes with exposure or history")
        if self.below is not None and not (answered or self.measurement is not None):
            raise ValueError("below goes with exposure, history or measurement")
        if self.above is not None and self.measurement is None:
            raise ValueError("above goes with measurement")
        if self.is_ is not None and not (answered or self.red_flag is not None):
            raise ValueError("is goes with exposure, history or red_flag")
        if self.is_ is not None and (self.at_least is not None or self.below is not None):
            raise ValueError("is goes with a yes/no answer, not with a bound")
        return self


class Finding(_Strict):
    """Something a case can show, and the nodes that make it likely (noisy-OR children).

    ``observes`` instead of ``causes`` makes the finding a direct observation of a
    demographic node (age or sex): the node is then known, not inferred.
    """

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=3, description="the answer in plain words")
    when: Condition
    leak: Prior | None = Field(default=None, description="how often it shows with no cause")
    causes: tuple[FindingCause, ...] = ()
    observes: str | None = None

    @model_validator(mode="after")
    def _causes_or_observes(self) -> Finding:
        if bool(self.causes) == bool(self.observes):
            raise ValueError("give either causes or observes, not both or neither")
        if self.causes and self.leak is None:
            raise ValueError("a finding with causes needs a leak")
        return self


class Predicate(_Strict):
    """One test a red-flag rule makes of a case. Exactly one key is given."""

    red_flag: str | None = None
    history: str | None = None
    exposure: str | None = None
    age_at_least: float | None = None
    age_below: float | None = None
    sex: str | None = None
    pregnant: bool | None = None
    complaint: ComplaintMatch | None = None
    at_least: float | None = None
    all: tuple[Predicate, ...] | None = None
    any: tuple[Predicate, ...] | None = None
    not_: Predicate | None = Field(default=None, alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_test(self) -> Predicate:
        tests = [
            self.red_flag,
            self.history,
            self.exposure,
            self.age_at_least,
            self.age_below,
            self.sex,
            self.pregnant,
            self.complaint,
            self.all,
            self.any,
            self.not_,
        ]
        if sum(t is not None for t in tests) != 1:
            raise ValueError("a test gives exactly one of its keys")
        return self


class Rule(_Strict):
    """A red-flag rule: deterministic, checked before any probability, never outweighed."""

    id: str = Field(pattern=_ID)
    level: TriageLevel
    suspects: str = Field(description="the condition the rule suspects")
    when: Predicate
    advice: str = Field(min_length=20, description="what to tell the person, and how soon")
    sources: tuple[Citation, ...] = Field(min_length=1)
    fires_on: tuple[dict, ...] = Field(
        min_length=1, description="example cases (contract format) that must fire the rule"
    )
    near_misses: tuple[dict, ...] = Field(
        min_length=1, description="close example cases that must not fire it"
    )


class KnowledgeFile(_Strict):
    sources: tuple[Source, ...] = ()
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    findings: tuple[Finding, ...] = ()
    rules: tuple[Rule, ...] = ()


class Scales(_Strict):
    strengths: dict[Strength, float]
    priors: dict[Prior, float]


class KnowledgeBase(_Strict):
    """Everything the engine knows, merged from all knowledge files."""

    version: str
    scales: Scales
    sources: tuple[Source, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...]

    def node(self, node_id: str) -> Node:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)
