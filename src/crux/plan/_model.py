"""The plan as data: what to do now, the daily routine in order, what goes around runs,
through the day and in a flare, what a practitioner can add, what was left out and why,
when to stop, and the days of the schedule. Every renderer (text, JSON, handout,
calendar) reads this and nothing else."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Cited(_Out):
    source: str
    title: str
    says: str


class Addresses(_Out):
    """A root cause, condition or factor of the assessment that an item works on."""

    id: str
    label: str
    probability: float
    side: Literal["left", "right"] | None = None


class PlanItem(_Out):
    id: str
    label: str
    kind: str
    phase: str
    region_group: str
    who: Literal["self", "practitioner"]
    moment: str
    steps: list[str]
    dose: dict[str, object] = Field(description="the numbers, as in the knowledge")
    dose_text: str = Field(description="the dose in words")
    side: Literal["left", "right", "both", "none"]
    side_text: str
    equipment: list[str]
    cautions: list[str] = Field(description="take care: notes that apply to this person")
    stop_if: list[str]
    addresses: list[Addresses]
    minutes: float = Field(description="about how long it takes")
    sources: list[Cited]


class Why(_Out):
    """One root cause the plan works on, with its chain to where it hurts in plain words."""

    id: str
    label: str
    probability: float
    side: Literal["left", "right"] | None = None
    located: str | None = Field(default=None, description="body-chart region where it sits")
    chain: list[str] = Field(description="labels from the root cause to what hurts")
    summary: str


class Pain(_Out):
    region: str
    side: str
    label: str


class LeftOut(_Out):
    id: str
    label: str
    reason: str


class Day(_Out):
    date: date
    runner_day: Literal["run", "long_run", "recovery", "day_off", "light", "none"] = "none"
    routine: list[str] = Field(description="ids of the routine items done this day, in order")
    notes: list[str] = Field(default_factory=list)


class Plan(_Out):
    version: Literal[1] = 1
    knowledge_version: str
    triage_level: Literal["emergency", "urgent", "soon", "self_care"]
    triage_advice: str
    do_now: list[str]
    pain: list[Pain] = Field(description="where it hurts, from the case")
    why: list[Why] = Field(description="the root causes the plan works on, and their chains")
    routine: list[PlanItem]
    routine_minutes: float
    around_runs: list[PlanItem]
    through_the_day: list[PlanItem]
    in_a_flare: list[PlanItem]
    with_a_practitioner: list[PlanItem]
    left_out: list[LeftOut]
    notes: list[str]
    stop_and_seek_help: list[str]
    schedule: list[Day]
    disclaimer: str = (
        "This plan supports self-care; it is not a diagnosis. Stop and seek help as it says, "
        "and when unsure, see a clinician."
    )
