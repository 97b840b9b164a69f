"""What keeping a case answers: the case and, when it was assessed, its assessment."""

from __future__ import annotations

from pydantic import BaseModel

from crux import records


class CaseKept(BaseModel):
    case: records.CaseOut
    assessment: records.AssessmentOut | None
