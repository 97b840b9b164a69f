"""The public contract: the case that goes in and the assessment that comes out.

The case models depend on the vocabulary (package data), so they are built on first use
by :func:`case_model` rather than at import. :func:`parse_case` validates anything a
case can arrive as and reports every problem on its own line, naming the field path and
what is allowed. Absent means unknown; ``false`` means no; an explicit ``null`` is
refused so that the two are never confused.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from crux.vocabulary import Term, Vocabulary, load_vocabulary

CASE_VERSION = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what is allowed."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class CaseError(Exception):
    """A case was refused; ``problems`` lists every reason, one per line."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _CaseBase(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def known(self) -> dict[str, Any]:
        """Only what was actually given (absent fields stay absent)."""
        return self.model_dump(exclude_unset=True)


def _literal(values: Any) -> Any:
    return Literal[tuple(values)]  # type: ignore[valid-type]


def _number_field(rng: tuple[float, float] | None, description: str) -> Any:
    kwargs: dict[str, Any] = {"default": None, "description": description}
    if rng is not None:
        kwargs.update(ge=rng[0], le=rng[1])
    return (float, Field(**kwargs))


def _term_field(term: Term, vocab: Vocabulary, sided_model: dict[str, Any]) -> Any:
    desc = f"{term.meaning} ({term.unit})"
    if term.threshold:
        desc += f"; {term.threshold[0]} {term.threshold[1]:g} is past the threshold"
    if term.kind == "bool":
        base: Any = bool
    elif term.kind == "region_list":
        return (list[_literal(vocab.regions)], Field(default=None, description=desc))
    else:
        base = float
    if term.sided:
        key = (term.id, term.kind)
        if key not in sided_model:
            fields: dict[str, Any] = {}
            for side in ("left", "right"):
                if base is bool:
                    fields[side] = (bool, Field(default=None))
                else:
                    fields[side] = _number_field(term.range, f"{side} side")
            sided_model[key] = create_model(  # type: ignore[call-overload]
                f"Sided_{term.id}", __base__=_CaseBase, **fields
            )
        if base is bool:
            return (bool | sided_model[key], Field(default=None, description=desc))
        kwargs: dict[str, Any] = {"default": None, "description": desc}
        if term.range:
            return (
                _ranged_float(term.range) | sided_model[key],
                Field(**kwargs),
            )
        return (float | sided_model[key], Field(**kwargs))
    if base is bool:
        return (bool, Field(default=None, description=desc))
    return _number_field(term.range, desc)


def _ranged_float(rng: tuple[float, float]) -> Any:
    from typing import Annotated

    return Annotated[float, Field(ge=rng[0], le=rng[1])]


DENIED_HELP = (
    "what the person said does not apply (an interview's no): contexts that do not make "
    "it worse or better, qualities it lacks, regions it does not spread to. A value not "
    "listed anywhere is unknown."
)


@dataclass(frozen=True)
class CaseModels:
    case: type[BaseModel]
    complaint: type[BaseModel]


@cache
def case_models() -> CaseModels:
    """Build the case models from the shipped vocabulary (once, on first use)."""
    vocab = load_vocabulary()
    rng = vocab.case_ranges
    sided: dict[str, Any] = {}
    denied = create_model(  # type: ignore[call-overload]
        "Denied",
        __base__=_CaseBase,
        __doc__=DENIED_HELP,
        worse_with=(list[_literal(vocab.contexts)], Field(default=None)),
        better_with=(list[_literal(vocab.contexts)], Field(default=None)),
        qualities=(list[_literal(vocab.qualities)], Field(default=None)),
        radiates_to=(list[_literal(vocab.regions)], Field(default=None)),
    )
    complaint = create_model(  # type: ignore[call-overload]
        "Complaint",
        __base__=_CaseBase,
        __doc__="Where it hurts and how. region and side are required.",
        region=(_literal(vocab.regions), Field(description="body-chart region")),
        side=(_literal(vocab.sides), Field(description="left, right, both or central")),
        onset=(_literal(vocab.onsets), Field(default=None)),
        duration_weeks=_number_field(rng["duration_weeks"], "weeks since it began"),
        severity=_number_field(rng["severity"], "0-10 numeric pain rating"),
        qualities=(list[_literal(vocab.qualities)], Field(default=None)),
        worse_with=(list[_literal(vocab.contexts)], Field(default=None)),
        better_with=(list[_literal(vocab.contexts)], Field(default=None)),
        radiates_to=(list[_literal(vocab.regions)], Field(default=None)),
        denied=(denied, Field(default=None, description=DENIED_HELP)),
    )

    def section(name: str, terms: dict[str, Term]) -> type[BaseModel]:
        fields = {t.id: _term_field(t, vocab, sided) for t in terms.values()}
        return create_model(name, __base__=_CaseBase, **fields)  # type: ignore[call-overload]

    red_flags = create_model(  # type: ignore[call-overload]
        "RedFlags",
        __base__=_CaseBase,
        **{k: (bool, Field(default=None, description=v)) for k, v in vocab.red_flags.items()},
    )
    case = create_model(  # type: ignore[call-overload]
        "Case",
        __base__=_CaseBase,
        __doc__="What is known about one person's complaint. Absent keys are unknown.",
        version=(Literal[1], Field(description="always 1 for this format")),
        age=_number_field(rng["age"], "age in years"),
        sex=(_literal(vocab.sexes), Field(default=None)),
        complaints=(list[complaint], Field(min_length=1)),
        exposures=(section("Exposures", vocab.exposures), Field(default=None)),
        history=(section("History", vocab.history), Field(default=None)),
        red_flags=(red_flags, Field(default=None)),
        measurements=(section("Measurements", vocab.measurements), Field(default=None)),
    )
    return CaseModels(case=case, complaint=complaint)


# --------------------------------------------------------------------------- errors


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # pydantic adds the union member or the literal name to the loc; people need neither
    return tuple(
        p
        for p in loc
        if not (isinstance(p, str) and (p.startswith(("Sided_", "function-", "constrained-"))
                                        or p in {"float", "bool", "literal"}
                                        or p.startswith("literal[")))
    )


def _allowed_for(loc: tuple[Any, ...]) -> list[str] | None:
    """The ids allowed at a location, for messages about unknown keys."""
    vocab = load_vocabulary()
    if not loc:
        return ["version", "age", "sex", "complaints", "exposures", "history",
                "red_flags", "measurements"]
    head = loc[0]
    sections = {
        "exposures": vocab.exposures,
        "history": vocab.history,
        "red_flags": vocab.red_flags,
        "measurements": vocab.measurements,
    }
    if head in sections and len(loc) == 1:
        return list(sections[head])
    if head == "complaints" and len(loc) == 2:
        return list(case_models().complaint.model_fields)
    if head == "measurements" and len(loc) == 2:
        return ["left", "right"]
    return None


def _describe(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _problem(err: dict[str, Any]) -> Problem | None:
    loc = _clean_loc(tuple(err["loc"]))
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    path = _path(loc)
    if kind == "extra_forbidden":
        allowed = _allowed_for(loc[:-1]) or []
        return Problem(path, f"unknown field {loc[-1]!r}; allowed: {', '.join(allowed)}")
    if kind == "missing":
        return Problem(path, "required, but missing")
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        allowed = expected.replace("'", "").replace(" or ", ", ")
        return Problem(path, f"{_describe(value)} is not allowed; allowed: {allowed}")
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        field_range = _range_text(loc)
        return Problem(path, f"{_describe(value)} is out of range; allowed: {field_range}")
    if value is None:
        return Problem(path, "null is not allowed; leave the key out when it is unknown")
    if kind in {"float_type", "int_type", "float_parsing"}:
        return Problem(path, f"expected a number, got {_describe(value)}")
    if kind == "bool_type":
        return Problem(path, f"expected true or false, got {_describe(value)}")
    if kind in {"list_type"}:
        return Problem(path, f"expected a list, got {_describe(value)}")
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return Problem(path, f"expected an object, got {_describe(value)}")
    if kind == "too_short":
        return Problem(path, "must hold at least one item")
    if kind == "finite_number":
        return Problem(path, f"expected a finite number, got {_describe(value)}")
    return Problem(path, err["msg"])


def _range_text(loc: tuple[Any, ...]) -> str:
    vocab = load_vocabulary()
    rng: tuple[float, float] | None = None
    if len(loc) == 1 and loc[0] in vocab.case_ranges:
        rng = vocab.case_ranges[loc[0]]
    elif len(loc) >= 3 and loc[0] == "complaints" and loc[2] in vocab.case_ranges:
        rng = vocab.case_ranges[loc[2]]
    elif len(loc) >= 2:
        section = {
            "exposures": vocab.exposures,
            "history": vocab.history,
            "measurements": vocab.measurements,
        }.get(loc[0], {})
        term = section.get(loc[1])
        if term is not None:
            rng = term.range
    if rng is None:
        return "see the schema"
    unit = ""
    return f"{rng[0]:g} to {rng[1]:g}{unit}"


def problems_of(err: ValidationError) -> list[Problem]:
    """One problem per line, in input order, without the noise of union members."""
    problems: list[Problem] = []
    for e in err.errors():
        p = _problem(e)
        if p is not None and p not in problems:
            problems.append(p)
    type_errors: dict[str, list[Problem]] = {}
    for p in problems:
        if p.message.startswith("expected "):
            type_errors.setdefault(p.path, []).append(p)
    out: list[Problem] = []
    for p in problems:
        deeper = any(q.path.startswith(p.path + ".") for q in problems)
        if p.message.startswith("expected ") and deeper:
            continue  # the per-side form was meant; its own problem says what is wrong
        same = type_errors.get(p.path, [])
        if len(same) > 1:
            if p is not same[0]:
                continue
            wanted = " or ".join(q.message.split(",")[0].removeprefix("expected ") for q in same)
            got = p.message.split(", got ", 1)[-1]
            p = Problem(p.path, f"expected {wanted} (per side: {{left, right}}), got {got}")
        out.append(p)
    return out


# --------------------------------------------------------------------------- parsing


def parse_case(data: Any) -> BaseModel:
    """Validate a case given as parsed JSON; raise CaseError listing every problem."""
    if not isinstance(data, dict):
        raise CaseError([Problem("", f"a case is a JSON object, got {_describe(data)}")])
    try:
        case = case_models().case.model_validate(data)
    except ValidationError as err:
        raise CaseError(problems_of(err)) from None
    contradictions = list(_contradictions(case))
    if contradictions:
        raise CaseError(contradictions)
    return case


def _contradictions(case: BaseModel) -> Iterator[Problem]:
    """A complaint may not both list a value and deny it."""
    for i, complaint in enumerate(case.complaints):
        denied = complaint.denied
        if denied is None:
            continue
        for key in type(denied).model_fields:  # each denied list beside its listed twin
            both = sorted(set(getattr(complaint, key) or ()) & set(getattr(denied, key) or ()))
            if both:
                yield Problem(
                    f"complaints[{i}].denied.{key}",
                    f"{', '.join(both)} is also given in complaints[{i}].{key}; "
                    "a value is either listed or denied",
                )


def parse_case_text(text: str, name: str = "case") -> BaseModel:
    """Validate a case given as JSON text (from a file, standard input or a form)."""
    if not text.strip():
        raise CaseError([Problem(name, "empty input; a case is a JSON object")])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise CaseError(
            [Problem(name, f"invalid JSON at line {err.lineno} column {err.colno}: {err.msg}")]
        ) from None
    return parse_case(data)


def case_json_schema() -> dict[str, Any]:
    schema = case_models().case.model_json_schema()
    schema["title"] = "Crux case, version 1"
    return schema


# --------------------------------------------------------------------------- assessment


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FiredRule(_Out):
    id: str
    level: Literal["emergency", "urgent", "soon"]
    suspects: str
    advice: str
    sources: list[str]


class Triage(_Out):
    level: Literal["emergency", "urgent", "soon", "self_care"]
    reasons: list[str] = Field(description="the red flags and conditions that set the level")
    advice: str
    rules: list[FiredRule] = Field(default_factory=list)


class RootCause(_Out):
    id: str
    probability: float = Field(ge=0, le=1)
    side: Literal["left", "right"] | None = None
    explanation: list[str] = Field(description="the causal path, root first")
    evidence: list[str] = Field(description="the answers that support it")
    summary: str = Field(description="the chain in plain words")


class Ranked(_Out):
    id: str
    probability: float = Field(ge=0, le=1)
    side: Literal["left", "right"] | None = None


class RankedCondition(Ranked):
    suspected_by: str | None = Field(
        default=None, description="the red-flag rule that suspects it, listed first"
    )


class NextQuestion(_Out):
    id: str
    text: str
    expected_information_gain: float = Field(ge=0)


class Assessment(_Out):
    version: Literal[1] = 1
    triage: Triage
    root_causes: list[RootCause]
    contributing_factors: list[Ranked]
    conditions: list[RankedCondition]
    next_questions: list[NextQuestion] = Field(default_factory=list)
    plan: Any = None
    knowledge_version: str
    disclaimer: str = Field(
        default=(
            "Crux supports decisions; it does not diagnose. The triage advice says how soon "
            "to be seen; when unsure, see a clinician."
        )
    )


def assessment_json_schema() -> dict[str, Any]:
    schema = Assessment.model_json_schema()
    schema["title"] = "Crux assessment, version 1"
    return schema
