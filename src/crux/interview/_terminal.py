"""The interview in a terminal: one question at a time, with answers checked, "don't
know" (?) and going back one question (b) allowed, and progress shown.

Reading and writing go through two small callables (``read`` and a rich ``Console``),
so the tests drive it with scripted input and no terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console

from crux.interview._questions import DONT_KNOW, Ask, Book, InvalidAnswer, check_answer
from crux.interview._session import Interview
from crux.vocabulary import load_vocabulary

HELP = 'Answer, or type ? for "don\'t know", b to go back one question, q to stop.'


class Back(Exception):
    """The person asked to go back one question."""


class Stop(Exception):
    """The person asked to stop the interview."""


Reader = Callable[[str], str]


def _read(read: Reader, prompt: str) -> str:
    """One line; the end of input (Ctrl-D) or Ctrl-C stops the interview."""
    try:
        return read(prompt)
    except (EOFError, KeyboardInterrupt):
        raise Stop from None


def _parse(ask: Ask, raw: str) -> Any:
    """An answer typed for a question; InvalidAnswer says what is allowed."""
    text = raw.strip().lower()
    if text in ("b", "back"):
        raise Back
    if text in ("q", "quit", "stop"):
        raise Stop
    if text in ("?", "dk", "don't know", "dont know", ""):
        return DONT_KNOW
    kind = ask.answer
    if kind == "yes_no":
        if text in ("y", "yes"):
            return True
        if text in ("n", "no"):
            return False
        raise InvalidAnswer("answer y (yes) or n (no)")
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            lo, hi = ask.question.range  # type: ignore[union-attr,misc]
            raise InvalidAnswer(f"answer a number from {lo:g} to {hi:g}") from None
    options = list((ask.options or {}).keys())
    if kind == "choice":
        if text.isdigit() and 1 <= int(text) <= len(options):
            return options[int(text) - 1]
        if text in options:
            return text
        raise InvalidAnswer(f"answer a number from 1 to {len(options)}")
    if kind == "choices":
        if text in ("0", "none"):
            return dict.fromkeys(options, False)
        picked = set()
        for part in text.replace(" ", ",").split(","):
            if not part:
                continue
            if not part.isdigit() or not 1 <= int(part) <= len(options):
                raise InvalidAnswer(
                    f"give the numbers that apply (1 to {len(options)}), or 0 for none"
                )
            picked.add(options[int(part) - 1])
        return {o: o in picked for o in options}
    regions = load_vocabulary().regions
    if text in ("0", "none"):
        return []
    chosen = [p for p in text.replace(" ", ",").split(",") if p]
    unknown = [p for p in chosen if p not in regions]
    if unknown:
        raise InvalidAnswer(f"unknown region {', '.join(unknown)}; use body-chart region ids")
    return chosen


def _show(console: Console, ask: Ask, number: int, phase: str) -> None:
    stage = "safety check" if phase == "safety" else "narrowing down"
    console.print(f"\n[bold]Question {number}[/bold] [dim]({stage})[/dim]")
    console.print(ask.text)
    if ask.why:
        console.print(f"[dim]Why we ask: {ask.why}[/dim]")
    if ask.answer == "choice":
        for i, (_, words) in enumerate((ask.options or {}).items(), start=1):
            console.print(f"  {i}. {words}")
    elif ask.answer == "choices":
        for i, (_, words) in enumerate((ask.options or {}).items(), start=1):
            console.print(f"  {i}. {words}")
        console.print("  [dim]type the numbers that apply, e.g. 1,3; or 0 for none[/dim]")
    elif ask.answer == "number" and ask.question is not None and ask.question.range:
        lo, hi = ask.question.range
        console.print(f"  [dim]a number in {ask.question.unit}, {lo:g} to {hi:g}[/dim]")
    elif ask.answer == "region":
        console.print("  [dim]region ids separated by commas (e.g. knee_inner), or none[/dim]")


def _ask(console: Console, read: Reader, ask: Ask, number: int, phase: str,
         allow_back: bool = True) -> Any:
    _show(console, ask, number, phase)
    while True:
        raw = _read(read, "> ")
        try:
            value = check_answer(ask, _parse(ask, raw))
        except Back:
            if allow_back:
                raise
            console.print("[yellow]This is the first question; there is nothing to go back to.[/]")
            continue
        except InvalidAnswer as err:
            console.print(f"[yellow]{err}[/yellow]")
            continue
        return value


def _intro(console: Console, read: Reader, book: Book) -> dict[str, Any]:
    """Age, sex and where it hurts: what every interview starts from."""
    case: dict[str, Any] = {"version": 1, "complaints": []}
    console.print("[bold]Crux interview.[/bold] " + HELP)
    for asks in ("age", "sex"):
        ask = book.ask(asks, case)
        value = _ask(console, read, ask, 0, "start", allow_back=False)
        if value is not DONT_KNOW:
            case[asks] = value
    regions = list(load_vocabulary().regions)
    while True:
        console.print("\nWhere does it hurt? Type a region id, e.g. heel, knee_inner, neck.")
        console.print(f"[dim]{', '.join(regions)}[/dim]")
        region = _read(read, "> ").strip().lower()
        if region in ("q", "quit", "stop"):
            raise Stop
        if region not in regions:
            console.print("[yellow]Type one of the region ids above.[/yellow]")
            continue
        complaint = {"region": region}
        side_ask = book.ask("complaint.side", {"complaints": [complaint]}, complaint=0)
        side = DONT_KNOW
        while side is DONT_KNOW:
            side = _ask(console, read, side_ask, 0, "start", allow_back=False)
        complaint["side"] = side
        case["complaints"].append(complaint)
        more = _read(read, "Does it hurt anywhere else too? (y/N) ").strip().lower()
        if more not in ("y", "yes"):
            return case


def run(console: Console, read: Reader, interview_factory: Callable[[dict[str, Any]], Interview],
        book: Book) -> Interview | None:
    """Run one interview; None when the person stops before giving where it hurts."""
    try:
        start = _intro(console, read, book)
    except Stop:
        return None
    interview = interview_factory(start)
    while True:
        choice = interview.next()
        if choice.ask is None:
            console.print(f"\n[dim]Done: {choice.reason}.[/dim]\n")
            return interview
        number = len(interview.steps) + 1
        try:
            value = _ask(console, read, choice.ask, number, choice.phase,
                         allow_back=bool(interview.steps))
        except Back:
            interview.back()
            continue
        except Stop:
            console.print("\n[dim]Stopped; here is the assessment so far.[/dim]\n")
            return interview
        try:
            interview.answer(choice.ask, value, choice.phase)
        except InvalidAnswer as err:
            console.print(f"[yellow]{err}[/yellow]")
