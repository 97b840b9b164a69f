"""Interviews held in memory between requests, rebuilt from the kept answers when missing
(after a restart, or on another worker): the kept answers are the truth, this is a cache."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from crux.interview import DONT_KNOW, Interview, InvalidAnswer
from crux.records import Conflict

MAX_LIVE = 64


@dataclass
class Live:
    interview: Interview
    version: int
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class LiveInterviews:
    size: int = MAX_LIVE
    _held: OrderedDict[str, Live] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str, version: int) -> Live | None:
        with self._lock:
            live = self._held.get(key)
            if live is None or live.version != version:
                return None
            self._held.move_to_end(key)
            return live

    def put(self, key: str, live: Live) -> None:
        with self._lock:
            self._held[key] = live
            self._held.move_to_end(key)
            while len(self._held) > self.size:
                self._held.popitem(last=False)

    def drop(self, key: str) -> None:
        with self._lock:
            self._held.pop(key, None)


def stored(value: Any) -> Any:
    """An answer as kept in the database (JSON): "don't know" as null."""
    return None if value is DONT_KNOW else value


def replay(start: dict[str, Any], answers: list[dict[str, Any]], make: Any) -> Interview:
    """The interview after the kept answers, each given to the question it was asked."""
    interview: Interview = make(start)
    for kept in answers:
        choice = interview.next()
        if choice.ask is None or choice.ask.id != kept["question"]:
            raise Conflict(
                f"the kept interview no longer replays at {kept['question']!r} (the knowledge "
                "changed since it started); start a new one", field="interview_id")
        value = DONT_KNOW if kept["answer"] is None else kept["answer"]
        try:
            interview.answer(choice.ask, value, choice.phase)
        except InvalidAnswer:
            raise Conflict(f"the kept answer to {kept['question']!r} no longer fits its "
                           "question (the knowledge changed); start a new interview",
                           field="interview_id") from None
    return interview
