"""A question's answer from a submitted form, as the interview takes it."""

from __future__ import annotations

from typing import Any

from crux.api import QuestionOut
from crux.records import Invalid


def answer_from_form(question: QuestionOut, form: Any) -> Any:
    """The answer the form gives: true/false, a number, an option, {item: bool} or a list
    of regions. Invalid (naming the field) when it gives none the question takes."""
    kind = question.answer_type
    if kind == "yes_no":
        value = form.get("answer")
        if value not in ("yes", "no"):
            raise Invalid("choose yes or no (or don't know)", field="answer")
        return value == "yes"
    if kind == "number":
        raw = str(form.get("answer", "")).strip().replace(",", ".")
        try:
            return float(raw)
        except ValueError:
            raise Invalid("give a number (or don't know)", field="answer") from None
    if kind == "choice":
        value = form.get("answer")
        if value not in (question.options or {}):
            raise Invalid("choose one of the options (or don't know)", field="answer")
        return value
    if kind == "choices":
        ticked = set(form.getlist("answer"))
        known = {item.id for item in question.items}
        if not ticked <= known:
            raise Invalid("tick only the items listed", field="answer")
        return {item.id: item.id in ticked for item in question.items}
    return list(form.getlist("answer"))  # regions
