"""Questions put to one person: which can be asked, in what words, and what an answer
does to the case.

The case is kept as contract JSON (a plain dict); answering never mutates it but
returns a new one, so going back a question is just taking the previous case.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from crux.knowledge.schema import AskWhen, KnowledgeBase, Question, Screen
from crux.vocabulary import load_vocabulary


class _DontKnow:
    """The answer "don't know": the case stays as it was."""

    _instance: _DontKnow | None = None

    def __new__(cls) -> _DontKnow:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DONT_KNOW"


DONT_KNOW: Any = _DontKnow()

_LISTS = ("worse_with", "better_with", "qualities")


@dataclass(frozen=True)
class Ask:
    """One question for this person: a question of the book (or a checklist of
    red-flag questions), bound to a complaint, a region or a side where it needs one."""

    id: str  # where the answer goes: "red_flags.fever", "complaints[0].worse_with.running"
    text: str
    answer: str  # yes_no, number, choice, choices, region
    question: Question | None = None
    screen: Screen | None = None
    items: tuple[Question, ...] = ()  # a checklist's questions
    complaint: int | None = None
    region: str | None = None  # complaint.radiates_to: the region asked about
    side: str | None = None  # a measurement taken per side

    @property
    def asks(self) -> str:
        return self.question.asks if self.question else f"screen.{self.screen.id}"  # type: ignore[union-attr]

    @property
    def why(self) -> str | None:
        source = self.question or self.screen
        return source.why if source else None

    @property
    def options(self) -> dict[str, str] | None:
        if self.screen is not None:
            return {q.asks: q.short or q.text for q in self.items}
        return self.question.options if self.question else None


# --------------------------------------------------------------------------- words


def pain_words(kb: KnowledgeBase, complaint: Mapping[str, Any]) -> str:
    """How a question names one complaint: "left heel pain"."""
    words = kb.pain_words.get(complaint["region"], complaint["region"].replace("_", " "))
    side = complaint.get("side")
    if side in ("left", "right"):
        return f"{side} {words} pain"
    if side == "both":
        return f"{words} pain on both sides"
    return f"{words} pain"


def _text(kb: KnowledgeBase, q: Question, case: Mapping[str, Any], complaint: int | None,
          region: str | None, side: str | None) -> str:
    text = q.text
    if complaint is not None:
        text = text.replace("{pain}", pain_words(kb, case["complaints"][complaint]))
    if region is not None:
        text = text.replace("{region}", kb.pain_words.get(region, region))
    if side is not None:
        text = text.replace("{side}", side)
    return text[0].upper() + text[1:]


# --------------------------------------------------------------------------- relevance


def _runs(case: Mapping[str, Any]) -> bool | None:
    km = (case.get("exposures") or {}).get("running_km_per_week")
    if km is not None:
        return km > 0
    for c in case["complaints"]:
        if {"running", "after_running", "long_runs"} & set(c.get("worse_with") or ()):
            return True
    return None


def _pregnant(case: Mapping[str, Any]) -> bool | None:
    weeks = (case.get("history") or {}).get("pregnant_weeks")
    if weeks is not None:
        return weeks >= 1
    if case.get("sex") == "male":
        return False
    return None


def _holds(when: AskWhen, case: Mapping[str, Any]) -> bool:
    if when.regions is not None:
        places = set()
        for c in case["complaints"]:
            places.add(c["region"])
            places.update(c.get("radiates_to") or ())
        if not places & set(when.regions):
            return False
    sex = case.get("sex")
    if when.sex is not None and sex is not None and sex not in when.sex:
        return False
    age = case.get("age")
    if age is not None:
        if when.age_at_least is not None and age < when.age_at_least:
            return False
        if when.age_below is not None and age >= when.age_below:
            return False
    if when.pregnant is not None and _pregnant(case) is not when.pregnant:
        return False  # the pregnancy question comes first; unknown after it: not asked
    runs = _runs(case)
    return when.runner is None or runs is None or runs == when.runner


def worth_asking(q: Question, case: Mapping[str, Any]) -> bool:
    """Whether the question's ask_when holds for this person (always, when it has none)."""
    return not q.ask_when or any(_holds(w, case) for w in q.ask_when)


# --------------------------------------------------------------------------- the book


@dataclass(frozen=True)
class Book:
    """The questions of a knowledge base, indexed by what they ask."""

    kb: KnowledgeBase
    by_asks: dict[str, Question]

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Book:
        return cls(kb=kb, by_asks={q.asks: q for q in kb.questions})

    def ask(self, asks: str, case: Mapping[str, Any], complaint: int | None = None,
            region: str | None = None, side: str | None = None) -> Ask:
        """The question that fills ``asks`` for this person, in words."""
        q = self.by_asks[asks]
        head, _, rest = asks.partition(".")
        if head == "complaint":
            assert complaint is not None
            field = rest
            ident = f"complaints[{complaint}].{field}"
            if region is not None:
                ident += f".{region}"
        else:
            ident = asks + (f".{side}" if side else "")
        return Ask(
            id=ident,
            text=_text(self.kb, q, case, complaint, region, side),
            answer=q.answer,
            question=q,
            complaint=complaint,
            region=region,
            side=side,
        )

    def checklist(self, screen: Screen, items: list[Question]) -> Ask:
        return Ask(
            id=f"screen.{screen.id}",
            text=screen.text,
            answer="choices",
            screen=screen,
            items=tuple(items),
        )

    def for_complaints(self, case: Mapping[str, Any]) -> Iterator[Ask]:
        """Every question about a complaint's details that a person could answer."""
        vocab = load_vocabulary()
        for i, c in enumerate(case["complaints"]):
            for field in ("onset", "duration_weeks", "severity"):
                yield self.ask(f"complaint.{field}", case, complaint=i)
            for key in _LISTS:
                for asks, q in self.by_asks.items():
                    if asks.startswith(f"complaint.{key}.") and worth_asking(q, case):
                        yield self.ask(asks, case, complaint=i)
            for region in vocab.regions:
                if region != c["region"]:
                    yield self.ask("complaint.radiates_to", case, complaint=i, region=region)

    def sides(self, case: Mapping[str, Any]) -> tuple[str, ...]:
        """The sides that hurt: where a measurement per side is worth taking."""
        out: list[str] = []
        for c in case["complaints"]:
            for side in (("left", "right") if c["side"] in ("both", "central") else (c["side"],)):
                if side not in out:
                    out.append(side)
        return tuple(out)

    def for_person(self, case: Mapping[str, Any]) -> Iterator[Ask]:
        """Every question about exposures, history, red flags and measurements."""
        vocab = load_vocabulary()
        for asks, q in self.by_asks.items():
            head, _, rest = asks.partition(".")
            if head not in ("exposures", "history", "red_flags", "measurements"):
                continue
            if not worth_asking(q, case):
                continue
            if head == "measurements" and vocab.measurements[rest].sided:
                for side in self.sides(case):
                    yield self.ask(asks, case, side=side)
            else:
                yield self.ask(asks, case)


# --------------------------------------------------------------------------- answers


class InvalidAnswer(ValueError):
    """An answer that the question does not take; the message says what it does."""


def check_answer(ask: Ask, value: Any) -> Any:
    """The answer as the case stores it; InvalidAnswer says what the question takes."""
    if value is DONT_KNOW:
        return value
    kind = ask.answer
    if kind == "yes_no":
        if not isinstance(value, bool):
            raise InvalidAnswer(f"{ask.id}: answer yes or no (true or false)")
        return value
    if kind == "number":
        lo, hi = ask.question.range  # type: ignore[union-attr,misc]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidAnswer(f"{ask.id}: answer a number from {lo:g} to {hi:g}")
        if not lo <= value <= hi:
            raise InvalidAnswer(f"{ask.id}: {value:g} is outside {lo:g} to {hi:g}")
        return float(value)
    if kind == "choice":
        options = ask.options or {}
        if value not in options:
            raise InvalidAnswer(f"{ask.id}: answer one of {', '.join(options)}")
        return value
    if kind == "choices":
        options = ask.options or {}
        if not isinstance(value, Mapping) or not set(value) <= set(options):
            raise InvalidAnswer(f"{ask.id}: tick any of {', '.join(options)}")
        return dict(value)
    regions = load_vocabulary().regions
    if not isinstance(value, list) or not set(value) <= set(regions):
        raise InvalidAnswer(f"{ask.id}: give a list of body-chart regions")
    return list(value)


def _complaint_field(ask: Ask) -> tuple[str, str | None]:
    """("worse_with", "running") for complaints[0].worse_with.running; ("onset", None)."""
    assert ask.question is not None
    rest = ask.question.asks.removeprefix("complaint.")
    field, _, item = rest.partition(".")
    if field == "radiates_to":
        return field, ask.region
    return field, item or None


def _copied(value: Any) -> Any:
    """A copy of a case's plain data (dicts, lists, scalars); a fifth of deepcopy's cost,
    which the interview pays for every answer it weighs."""
    if isinstance(value, Mapping):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    return value


def apply(case: Mapping[str, Any], ask: Ask, value: Any) -> dict[str, Any]:
    """The case with the answer filled in (the same case for "don't know")."""
    out = _copied(case)
    if value is DONT_KNOW:
        return out
    if ask.screen is not None:
        for q in ask.items:
            given = value.get(q.asks, DONT_KNOW)
            if given is not DONT_KNOW:
                _, key = q.asks.split(".", 1)
                out.setdefault("red_flags", {})[key] = bool(given)
        return out
    assert ask.question is not None
    asks = ask.question.asks
    if asks in ("age", "sex"):
        out[asks] = value
        return out
    if ask.complaint is not None:
        c = out["complaints"][ask.complaint]
        field, item = _complaint_field(ask)
        if item is None:
            c[field] = value
            return out
        target = c.setdefault(field, []) if value else c.setdefault("denied", {}).setdefault(
            field, []
        )
        if item not in target:
            target.append(item)
        return out
    section, key = asks.split(".", 1)
    part = out.setdefault(section, {})
    if ask.side is not None:
        current = part.get(key)
        sided = dict(current) if isinstance(current, dict) else {}
        sided[ask.side] = value
        part[key] = sided
    else:
        part[key] = value
    return out


def answer_in(case: Mapping[str, Any], ask: Ask) -> Any:
    """The answer a full case gives to a question, or DONT_KNOW when it does not say."""
    if ask.screen is not None:
        flags = case.get("red_flags") or {}
        known = {q.asks: flags[q.asks.split(".", 1)[1]] for q in ask.items
                 if q.asks.split(".", 1)[1] in flags}
        return known or DONT_KNOW
    assert ask.question is not None
    asks = ask.question.asks
    if asks in ("age", "sex"):
        return case.get(asks, DONT_KNOW)
    if ask.complaint is not None:
        complaints = case.get("complaints") or []
        if ask.complaint >= len(complaints):
            return DONT_KNOW
        c = complaints[ask.complaint]
        field, item = _complaint_field(ask)
        if item is None:
            return c.get(field, DONT_KNOW)
        if item in (c.get(field) or ()):
            return True
        if item in ((c.get("denied") or {}).get(field) or ()):
            return False
        return DONT_KNOW
    section, key = asks.split(".", 1)
    value = (case.get(section) or {}).get(key, DONT_KNOW)
    if ask.side is not None and isinstance(value, dict):
        return value.get(ask.side, DONT_KNOW)
    return value
