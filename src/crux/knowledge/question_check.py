"""Checks of the interview's questions against the vocabulary and the case's ranges.

Every answer a person can give has a question; every question fills something a case
holds, with an answer type, options and a range that agree with the contract.
"""

from __future__ import annotations

from collections.abc import Iterator

from crux.knowledge.schema import KnowledgeBase, Question
from crux.vocabulary import Term, Vocabulary

# the complaint details a person answers, and the answer type each takes
COMPLAINT_FIELDS = {
    "region": "region",
    "side": "choice",
    "onset": "choice",
    "duration_weeks": "number",
    "severity": "number",
    "radiates_to": "yes_no",
}
_ANSWER_OF_KIND = {"bool": "yes_no", "number": "number", "region_list": "region"}


def _expected(q: Question, vocab: Vocabulary) -> tuple[str | None, Term | None, str | None]:
    """(answer type, vocabulary term, problem) for what a question asks."""
    head, _, rest = q.asks.partition(".")
    if head == "age":
        return "number", None, None
    if head == "sex":
        return "choice", None, None
    if head == "complaint":
        field, _, item = rest.partition(".")
        if not item:
            return COMPLAINT_FIELDS[field], None, None
        known = vocab.qualities if field == "qualities" else vocab.contexts
        if item not in known:
            return None, None, f"{item!r} is not a vocabulary {field} id"
        return "yes_no", None, None
    if head == "red_flags":
        if rest not in vocab.red_flags:
            return None, None, f"{rest!r} is not a vocabulary red flag"
        return "yes_no", None, None
    terms: dict[str, Term] = getattr(vocab, head)
    term = terms.get(rest)
    if term is None:
        return None, None, f"{rest!r} is not a vocabulary {head} id"
    return _ANSWER_OF_KIND[term.kind], term, None


def _options_wanted(asks: str, vocab: Vocabulary) -> tuple[str, ...] | None:
    return {
        "sex": vocab.sexes,
        "complaint.side": vocab.sides,
        "complaint.onset": vocab.onsets,
    }.get(asks)


def _range_wanted(asks: str, term: Term | None, vocab: Vocabulary) -> tuple[float, float] | None:
    if term is not None:
        return term.range
    key = asks.removeprefix("complaint.")
    return vocab.case_ranges.get(key)


def check_questions(kb: KnowledgeBase, vocab: Vocabulary) -> Iterator[str]:
    """Every problem with the questions, the screens and the words for regions."""
    seen: dict[str, int] = {}
    by_asks: dict[str, Question] = {}
    for q in kb.questions:
        seen[q.asks] = seen.get(q.asks, 0) + 1
        by_asks[q.asks] = q
    for asks, count in seen.items():
        if count > 1:
            yield f"question {asks}: asked by {count} questions; keep one"

    for q in kb.questions:
        where = f"question {q.asks}"
        answer, term, problem = _expected(q, vocab)
        if problem:
            yield f"{where}: {problem}"
            continue
        if answer != q.answer:
            yield f"{where}: the answer must be {answer}, not {q.answer}"
        options = _options_wanted(q.asks, vocab)
        if options is not None and set(q.options or {}) != set(options):
            yield f"{where}: the options must be exactly {', '.join(options)}"
        if q.answer == "number":
            wanted = _range_wanted(q.asks, term, vocab)
            if wanted is not None and q.range is not None and (
                q.range[0] < wanted[0] or q.range[1] > wanted[1]
            ):
                yield f"{where}: range {list(q.range)} goes beyond the case's {list(wanted)}"
            if term is not None and q.unit != term.unit:
                yield f"{where}: unit {q.unit!r} differs from the vocabulary's {term.unit!r}"
        in_complaint = q.asks.startswith("complaint.") and q.asks != "complaint.region"
        if in_complaint and "{pain}" not in q.text:
            yield f"{where}: a question about a complaint names it with {{pain}}"
        if not in_complaint and "{pain}" in q.text:
            yield f"{where}: only a question about a complaint may use {{pain}}"
        if ("{region}" in q.text) != (q.asks == "complaint.radiates_to"):
            yield f"{where}: {{region}} belongs in, and only in, complaint.radiates_to"
        sided = term is not None and term.sided
        if ("{side}" in q.text) != sided:
            yield f"{where}: {{side}} belongs in, and only in, a measurement taken per side"
        for i, when in enumerate(q.ask_when):
            for region in when.regions or ():
                if region not in vocab.regions:
                    yield f"{where}: ask_when[{i}] names unknown region {region!r}"
            for sex in when.sex or ():
                if sex not in vocab.sexes:
                    yield f"{where}: ask_when[{i}] names unknown sex {sex!r}"

    # every answerable vocabulary id has its question
    wanted = ["age", "sex", *(f"complaint.{f}" for f in COMPLAINT_FIELDS)]
    wanted += [f"complaint.worse_with.{c}" for c in vocab.contexts]
    wanted += [f"complaint.qualities.{q}" for q in vocab.qualities]
    wanted += [f"exposures.{e}" for e in vocab.exposures]
    wanted += [f"history.{h}" for h in vocab.history]
    wanted += [f"red_flags.{r}" for r in vocab.red_flags]
    for asks in wanted:
        if asks not in by_asks:
            yield f"no question asks {asks}"

    for region in vocab.regions:
        if region not in kb.pain_words:
            yield f"pain_words: no words for region {region!r}"
    for region in kb.pain_words:
        if region not in vocab.regions:
            yield f"pain_words: {region!r} is not a vocabulary region"

    screen_ids = [s.id for s in kb.screens]
    for sid in {s for s in screen_ids if screen_ids.count(s) > 1}:
        yield f"screen {sid}: given more than once"
    for screen in kb.screens:
        for item in screen.items:
            q = by_asks.get(item)
            if q is None:
                yield f"screen {screen.id}: no question asks {item}"
            elif not item.startswith("red_flags.") or q.answer != "yes_no":
                yield f"screen {screen.id}: {item} is not a yes/no red-flag question"
            elif q.short is None:
                yield f"screen {screen.id}: {item} needs short words for the checklist"
