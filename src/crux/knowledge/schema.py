"""The shape of the knowledge files. Pure data models: no clinical fact lives in this module.

A knowledge file (any ``*.yaml`` in ``knowledge/data``) may hold ``nodes``, ``edges``,
``findings``, ``rules``, ``interventions`` and ``claims``; ``sources.yaml`` lists what may
be cited and ``scales.yaml`` maps the strength and prior words to numbers, in one place.
``claims.yaml`` is the ledger of what the source articles say, each claim pointing at the
items that encode it; ``interventions.yaml`` holds what a plan can ask a person to do.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

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
    located: str | None = Field(
        default=None, description="the body-chart region where it sits (root causes)"
    )
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


InterventionKind = Literal[
    "release",  # prolonged pressure on a muscle holding tension
    "realign",
    "mobilise",
    "strengthen",
    "stretch",
    "habit",
    "load_management",
    "cool_down",
    "soothe",  # short relief in a flare: a resting position, a cold pack
]
SideRule = Literal["painful_side", "side_pulled_forward", "both", "not_sided"]
Equipment = Literal[
    "fingers",
    "hands",
    "massage_ball",
    "large_firm_ball",
    "angled_pressure_tool",
    "foam_roller",
    "wall",
    "chair",
    "floor",
    "mat",
    "towel",
    "step",
    "rail",
    "exercise_ball",
    "cushion",
    "yoga_blocks",
    "blanket",
    "weight",
    "cold_pack",
    "running_shoes",
]
ContraindicationKind = Literal[
    "pregnancy", "acute_injury", "red_flag", "hypermobility", "sharp_pain", "muscle_knots"
]
# The order a plan follows. Phases: soothe a flare, release tension before anything else,
# realign, mobilise, stretch only what has been released, strengthen, then the habits and
# recovery rules. Region groups: the primary core (hips) before the secondary core (chest,
# base of the skull), the upper traps last (the sources' order); the others are ours.
Phase = Literal[
    "soothe", "release", "realign", "mobilise", "stretch", "strengthen", "habit", "recover"
]
PHASES: tuple[Phase, ...] = (
    "soothe", "release", "realign", "mobilise", "stretch", "strengthen", "habit", "recover"
)
RegionGroup = Literal[
    "primary_core", "lower_limb", "spine", "secondary_core", "upper_traps", "whole_body"
]
REGION_ORDER: tuple[RegionGroup, ...] = (
    "primary_core", "lower_limb", "spine", "secondary_core", "upper_traps", "whole_body"
)
Moment = Literal[
    "any_time",
    "morning",
    "through_the_day",
    "before_run",
    "after_run",
    "rest_day",
    "after_long_run",
    "flare",
]


class Span(_Strict):
    """A number or a range of numbers; YAML may give ``30``, ``[30, 90]`` or ``{min, max}``."""

    min: float = Field(ge=0)
    max: float = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_short_forms(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError("give a number or a range such as [30, 90]")
        if isinstance(data, int | float):
            return {"min": data, "max": data}
        if isinstance(data, list | tuple):
            if len(data) != 2:
                raise ValueError("a range is two numbers, [low, high]")
            return {"min": data[0], "max": data[1]}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.min > self.max:
            raise ValueError(f"a range runs low to high; got {self.min:g} to {self.max:g}")
        return self


class DaysOffByAge(_Strict):
    """Full days off that depend on age; where younger ends is left to the plan."""

    younger: int = Field(ge=0)
    older: int = Field(ge=0)


class Dose(_Strict):
    """How much, how long and how often, as numbers; every field may be left out."""

    hold_s: Span | None = Field(default=None, description="seconds each hold lasts")
    reps: Span | None = None
    sets: Span | None = None
    minutes: Span | None = Field(default=None, description="minutes the whole thing takes")
    times_per_day: Span | None = None
    times_per_week: Span | None = None
    days_off: Span | None = Field(default=None, description="full days without activity")
    light_days: Span | None = Field(default=None, description="days of light, other activity")
    days_off_by_age: DaysOffByAge | None = None
    each_side: bool = Field(default=False, description="the dose is for each side in turn")

    @model_validator(mode="after")
    def _one_frequency(self) -> Dose:
        if self.times_per_day is not None and self.times_per_week is not None:
            raise ValueError("give times_per_day or times_per_week, not both")
        return self


class Contraindication(_Strict):
    """Who must not do it (avoid), or must take care (caution), and why."""

    when: ContraindicationKind
    level: Literal["avoid", "caution"] = "avoid"
    trimesters: tuple[Literal[1, 2, 3], ...] = Field(
        default=(), description="with pregnancy: the trimesters it applies to (none: all)"
    )
    note: str | None = Field(default=None, min_length=8)

    @model_validator(mode="after")
    def _trimesters_with_pregnancy(self) -> Contraindication:
        if self.trimesters and self.when != "pregnancy":
            raise ValueError("trimesters go with pregnancy only")
        if len(set(self.trimesters)) != len(self.trimesters):
            raise ValueError("each trimester is named once")
        return self


class Order(_Strict):
    """Hints for a plan builder: where this comes in a routine."""

    phase: Phase
    region_group: RegionGroup
    after: tuple[str, ...] = Field(default=(), description="interventions done before this one")
    moment: Moment = "any_time"
    run_longer_than_min: float | None = Field(
        default=None, ge=0, description="with after_run: only after runs longer than this"
    )

    @model_validator(mode="after")
    def _run_length_after_a_run(self) -> Order:
        if self.run_longer_than_min is not None and self.moment != "after_run":
            raise ValueError("run_longer_than_min goes with moment: after_run")
        return self


Step = Annotated[str, Field(min_length=3)]


class Intervention(_Strict):
    """Something a plan can ask a person (or a practitioner) to do, with its dose and order."""

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=3, description="plain words a patient understands")
    kind: InterventionKind
    who: Literal["self", "practitioner"] = "self"
    targets: tuple[str, ...] = Field(
        min_length=1, description="the root-cause, factor or condition nodes it helps"
    )
    steps: tuple[Step, ...] = Field(min_length=1, description="short steps in our own words")
    dose: Dose = Dose()
    side: SideRule
    equipment: tuple[Equipment, ...] = ()
    contraindications: tuple[Contraindication, ...] = ()
    order: Order
    sources: tuple[Citation, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_named_once(self) -> Intervention:
        for what, items in (("target", self.targets), ("piece of equipment", self.equipment)):
            dups = sorted({i for i in items if items.count(i) > 1})
            if dups:
                raise ValueError(f"each {what} is named once; repeated: {', '.join(dups)}")
        return self


ClaimKind = Literal[
    "causal",  # one thing leads to another
    "finding",  # what a person shows or says that points to a cause
    "intervention",  # something that helps
    "dose",  # how much, how long, how often
    "order",  # what comes before what
    "warning",  # what not to do, or when to see someone
    "recovery",  # rest, recovery days, cool down
    "definition",  # what a condition or structure is
    "prevalence",  # how common something is
]

_REF_ID = r"[a-z][a-z0-9_]*"
_REFERENCE = re.compile(
    rf"^(?:edge:(?P<cause>{_REF_ID})->(?P<effect>{_REF_ID})"
    rf"|finding:(?P<finding>{_REF_ID})(?:<-(?P<finding_cause>{_REF_ID}))?"
    rf"|(?P<kind>node|rule|intervention):(?P<id>{_REF_ID}))$"
)
REFERENCE_FORMS = (
    "edge:CAUSE->EFFECT, finding:ID, finding:ID<-NODE, node:ID, rule:ID or intervention:ID"
)


def parse_reference(ref: str) -> tuple[str, tuple[str, ...]]:
    """``"edge:a->b"`` -> ``("edge", ("a", "b"))``; ``"finding:f<-n"`` -> ``("finding",
    ("f", "n"))``; ``"node:x"`` -> ``("node", ("x",))``. ValueError when malformed."""
    m = _REFERENCE.match(ref)
    if m is None:
        raise ValueError(f"{ref!r} is not a reference; write {REFERENCE_FORMS}")
    if m["cause"]:
        return "edge", (m["cause"], m["effect"])
    if m["finding"]:
        return "finding", (m["finding"],) + ((m["finding_cause"],) if m["finding_cause"] else ())
    return m["kind"], (m["id"],)


def _valid_reference(ref: str) -> str:
    parse_reference(ref)
    return ref


Reference = Annotated[str, AfterValidator(_valid_reference)]


class Claim(_Strict):
    """One thing a source article says, and the knowledge items that encode it."""

    id: str = Field(pattern=_ID)
    source: str = Field(description="the id of the article it comes from")
    kind: ClaimKind
    says: str = Field(min_length=8, description="a one-line paraphrase in our own words")
    encoded_by: tuple[Reference, ...] = Field(
        default=(), description="items that encode it; empty means not encoded yet"
    )


AnswerType = Literal["yes_no", "number", "choice", "choices", "region"]

# What a question fills in a case: a section and a vocabulary id, or a complaint detail.
# ``complaint.worse_with.running`` asks whether one complaint is worse with running;
# ``complaint.radiates_to`` is asked once per region, with ``{region}`` in its text.
_ASKS = re.compile(
    r"^(?:age|sex"
    r"|complaint\.(?:region|side|onset|duration_weeks|severity|radiates_to)"
    r"|complaint\.(?:worse_with|better_with|qualities)\.[a-z][a-z0-9_]*"
    r"|(?:exposures|history|red_flags|measurements)\.[a-z][a-z0-9_]*)$"
)


def _valid_asks(asks: str) -> str:
    if not _ASKS.match(asks):
        raise ValueError(
            f"{asks!r} is not something a case holds; write age, sex, complaint.FIELD, "
            "complaint.worse_with|better_with|qualities.ID, or SECTION.ID with SECTION one "
            "of exposures, history, red_flags, measurements"
        )
    return asks


Asks = Annotated[str, AfterValidator(_valid_asks)]


class AskWhen(_Strict):
    """When a question is worth asking at all: every part given must hold (unknown age or
    sex counts as holding, so nothing is skipped on a guess)."""

    regions: tuple[str, ...] | None = Field(
        default=None, description="a complaint in, or spreading to, one of these regions"
    )
    sex: tuple[str, ...] | None = None
    age_at_least: float | None = None
    age_below: float | None = None
    pregnant: bool | None = None
    runner: bool | None = Field(default=None, description="runs (any weekly distance)")


class Question(_Strict):
    """One question in plain words, the answer it takes and why it is asked."""

    asks: Asks
    text: str = Field(
        min_length=8,
        description=(
            "plain words; {pain} names the complaint, {region} the region asked about "
            "and {side} the side a measurement is taken on"
        ),
    )
    short: str | None = Field(
        default=None, min_length=3, description="a few words for a checklist line"
    )
    answer: AnswerType
    unit: str | None = None
    range: tuple[float, float] | None = None
    options: dict[str, str] | None = Field(
        default=None, description="choice answers: the value and its plain words"
    )
    why: str | None = Field(default=None, min_length=8, description="why we ask")
    ask_when: tuple[AskWhen, ...] = Field(
        default=(), description="worth asking when any of these holds (always, when empty)"
    )
    safety: bool = Field(default=False, description="asked among the first questions")

    @field_validator("ask_when", mode="before")
    @classmethod
    def _one_or_several(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _shape(self) -> Question:
        if self.answer == "number" and (self.unit is None or self.range is None):
            raise ValueError("a number answer needs a unit and a range")
        if self.answer != "number" and (self.unit is not None or self.range is not None):
            raise ValueError("only a number answer has a unit and a range")
        if self.answer in ("choice", "choices") and not self.options:
            raise ValueError(f"a {self.answer} answer needs options")
        if self.answer not in ("choice", "choices") and self.options:
            raise ValueError("only a choice answer has options")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError("range goes from the lower to the upper bound")
        return self


class Screen(_Strict):
    """Several red-flag questions asked together as one checklist ("any of these?")."""

    id: str = Field(pattern=_ID)
    text: str = Field(min_length=8)
    items: tuple[str, ...] = Field(min_length=2, description="the asks of its questions")
    why: str | None = Field(default=None, min_length=8)


class KnowledgeFile(_Strict):
    sources: tuple[Source, ...] = ()
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    findings: tuple[Finding, ...] = ()
    rules: tuple[Rule, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    claims: tuple[Claim, ...] = ()
    questions: tuple[Question, ...] = ()
    screens: tuple[Screen, ...] = ()
    pain_words: dict[str, str] = Field(
        default_factory=dict, description="region id -> how a question names pain there"
    )


class Scales(_Strict):
    strengths: dict[Strength, float]
    priors: dict[Prior, float]


class Addressed(_Strict):
    """Which parts of an assessment a plan works on."""

    top_root_causes: int = Field(ge=1, description="at most this many root causes")
    root_cause_at_least: float = Field(ge=0, le=1)
    condition_at_least: float = Field(ge=0, le=1)
    factor_at_least: float = Field(ge=0, le=1)
    weights: dict[Literal["root_cause", "condition", "factor"], float] = Field(
        description="how much working on each kind counts when the routine is full"
    )


class Gate(_Strict):
    """What a plan may hold at one triage level, and what it says first."""

    level: Literal["emergency", "urgent", "soon", "self_care"]
    kinds: tuple[InterventionKind, ...] = Field(
        description="the kinds of intervention allowed (none: only what to do now)"
    )
    say: tuple[str, ...] = ()


class AcuteInjury(_Strict):
    """When a complaint counts as an acute injury (for the acute_injury contraindication):
    after trauma, with a pop at onset, or a sudden onset this recent (or of unknown age)."""

    sudden_within_weeks: float = Field(gt=0)
    qualities: tuple[str, ...] = Field(description="pain qualities that mark a fresh injury")
    sources: tuple[Citation, ...] = Field(min_length=1)


class Trimesters(_Strict):
    """Weeks of gestation where the second and third trimesters begin."""

    second_from_week: int = Field(gt=0)
    third_from_week: int = Field(gt=0)
    sources: tuple[Citation, ...] = Field(min_length=1)


class Runners(_Strict):
    """Recovery rules for people who run."""

    recovery_days_per_week: Span
    long_run_minutes: float = Field(gt=0, description="a run longer than this is a long run")
    older_from_age: int = Field(gt=0, description="where 'older' begins for days off by age")
    always: tuple[str, ...] = Field(description="interventions every runner's plan holds")
    with_long_runs: tuple[str, ...] = Field(description="and those with runs over the limit")
    sources: tuple[Citation, ...] = Field(min_length=1)


class StopRule(_Strict):
    """When to stop an exercise, or stop and seek help."""

    say: str = Field(min_length=8)
    kinds: tuple[InterventionKind, ...] = Field(
        default=(), description="shown with each item of these kinds (none: for the whole plan)"
    )
    sources: tuple[Citation, ...] = Field(min_length=1)


class PlanRules(_Strict):
    """The rules a plan builder follows beyond each intervention's own data."""

    routine_minutes: float = Field(gt=0, description="about this long a day")
    side_pulled_forward_from: str = Field(
        description="the lateral node whose side is the side pulled forward (for realigning)"
    )
    sharp_qualities: tuple[str, ...] = Field(description="pain qualities that count as sharp")
    knot_qualities: tuple[str, ...] = Field(description="pain qualities that mean a knot")
    routine_sources: tuple[Citation, ...] = Field(min_length=1)
    addressed: Addressed
    gates: tuple[Gate, ...]
    acute_injury: AcuteInjury
    trimesters: Trimesters
    runners: Runners
    stop_rules: tuple[StopRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_level_once(self) -> PlanRules:
        levels = [g.level for g in self.gates]
        wanted = {"emergency", "urgent", "soon", "self_care"}
        if sorted(levels) != sorted(wanted):
            raise ValueError(f"gates: give each of {', '.join(sorted(wanted))} once")
        return self


class KnowledgeBase(_Strict):
    """Everything the engine knows, merged from all knowledge files."""

    version: str
    scales: Scales
    sources: tuple[Source, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...]
    interventions: tuple[Intervention, ...] = ()
    claims: tuple[Claim, ...] = ()
    questions: tuple[Question, ...] = ()
    screens: tuple[Screen, ...] = ()
    pain_words: dict[str, str] = Field(default_factory=dict)
    plan_rules: PlanRules | None = None

    def __hash__(self) -> int:  # the version digests the files; equality still checks all
        return hash(self.version)

    def node(self, node_id: str) -> Node:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def label(self, node_id: str) -> str:
        """A node's label in plain words; an id with no node, spelled out."""
        try:
            return self.node(node_id).label
        except KeyError:
            return node_id.replace("_", " ")
