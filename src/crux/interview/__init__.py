"""The adaptive interview: safety questions first, then the question with the highest
expected information gain, one at a time, until no question is worth asking.

Public API:

- :class:`Interview` holds one interview: ``next()`` chooses, ``answer()`` records,
  ``back()`` undoes, ``assessment()`` gives the result with the best next questions.
- :func:`simulate` runs an interview whose answers come from a full case file.
- :func:`with_next_questions` adds the best next questions to an assessment.
- :data:`DONT_KNOW` is the answer "don't know".
"""

from crux.interview._gain import Chooser, Scored
from crux.interview._questions import DONT_KNOW, Ask, Book, InvalidAnswer
from crux.interview._session import (
    Choice,
    Interview,
    next_questions,
    with_next_questions,
)
from crux.interview._simulate import Transcript, simulate, starting_case

__all__ = [
    "DONT_KNOW",
    "Ask",
    "Book",
    "Choice",
    "Chooser",
    "Interview",
    "InvalidAnswer",
    "Scored",
    "Transcript",
    "next_questions",
    "simulate",
    "starting_case",
    "with_next_questions",
]
