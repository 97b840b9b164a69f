"""Posture and running gait measured from an ordinary video or photograph.

    analysis = analyse(Path("run.mp4"), view="side", activity="running")
    analysis.measures          # in the contract's measurement ids, each with confidence
    analysis.into_case(case)   # the case with the measurements added

The pose model (mediapipe's BlazePose, in its own environment) turns frames into a
landmark Series; everything measured is computed from the Series in this package
(scipy filters, gait events, angles), so it is tested on generated series with known
truth, and another pose model can take its place (:class:`PoseModel`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from crux.movement._kinematics import Measure, MovementError, NotMeasured, measure, not_measured
from crux.movement._pose import (
    PoseModel,
    PoseUnavailable,
    Progress,
    Unreadable,
    WorkerPose,
    default_python,
)
from crux.movement._series import LANDMARKS, Series

View = Literal["side", "front"]
Activity = Literal["running", "standing", "squat"]
SEVERAL = 0.3  # a second person in at least this share of the frames looked at: refused
MIN_CONFIDENCE = 0.3  # below this a measure is shown but not added to a case

__all__ = [
    "LANDMARKS",
    "Analysis",
    "Measure",
    "MovementError",
    "NotMeasured",
    "PoseModel",
    "PoseUnavailable",
    "Progress",
    "Series",
    "WorkerPose",
    "analyse",
    "annotate",
    "annotated_video",
    "default_python",
    "measure",
]


@dataclass(frozen=True)
class Analysis:
    media: str
    view: str
    activity: str
    series: Series = field(repr=False)
    measures: list[Measure]
    not_measured: list[NotMeasured]

    def as_json(self) -> dict[str, Any]:
        return {
            "media": self.media, "view": self.view, "activity": self.activity,
            "frames": self.series.frames, "fps": self.series.fps,
            "width": self.series.width, "height": self.series.height,
            "measures": [
                {"id": m.id, "side": m.side, "value": round(m.value, 2), "unit": m.unit,
                 "confidence": round(m.confidence, 3), "frames": m.frames, "note": m.note}
                for m in self.measures],
            "not_measured": [{"id": n.id, "reason": n.reason} for n in self.not_measured],
        }

    def measurements(self) -> dict[str, Any]:
        """The measures sure enough to be evidence (confidence at least MIN_CONFIDENCE) as a
        case's ``measurements``, per side where the term has sides."""
        from crux.vocabulary import load_vocabulary

        terms = load_vocabulary().measurements
        out: dict[str, Any] = {}
        for m in self.measures:
            if m.confidence < MIN_CONFIDENCE:
                continue
            value = round(m.value, 1)
            if terms[m.id].sided and m.side in ("left", "right"):
                out.setdefault(m.id, {})[m.side] = value
            elif not terms[m.id].sided:
                out[m.id] = value
        return out

    def into_case(self, case: dict[str, Any]) -> dict[str, Any]:
        """The case with these measurements added (a side measured replaces that side
        only); validated, CaseError naming the field when a value is out of range."""
        from crux.contract import parse_case

        updated = copy.deepcopy(case)
        found = updated.setdefault("measurements", {})
        for key, value in self.measurements().items():
            if isinstance(value, dict) and isinstance(found.get(key), dict):
                found[key] = {**found[key], **value}
            else:
                found[key] = value
        parse_case(updated)
        return updated


def _check_people(series: Series) -> None:
    looked = series.people[series.people >= 0]
    if looked.size and (looked >= 2).mean() >= SEVERAL:
        raise MovementError(
            f"several people are in view ({int(looked.max())} in some frames); film one "
            "person at a time, with nobody else of a similar size in the picture")


def analyse(media: Path, view: View, activity: Activity, model: PoseModel | None = None,
            progress: Progress | None = None) -> Analysis:
    """Measure posture or gait in a video or photograph; MovementError (a clear message,
    no partial result) when it cannot be done honestly."""
    if not media.is_file():
        raise MovementError(f"{media}: no such file")
    try:
        series = (model or WorkerPose.default()).landmarks(media, progress)
    except Unreadable as err:
        raise MovementError(f"{err}; give a video (mp4, mov, avi) or a photograph "
                            "(jpg, png)") from None
    _check_people(series)
    if series.fps == 0 and activity != "standing":
        raise MovementError(f"a photograph shows standing posture only; for {activity} "
                            "give a video")
    measures = measure(series, view, activity)
    return Analysis(str(media), view, activity, series, measures,
                    not_measured(view, activity))


def key_frames(analysis: Analysis) -> dict[int, list[Measure]]:
    """For each measure its middle frame, and the measures each such frame shows."""
    chosen: dict[int, list[Measure]] = {}
    for m in analysis.measures:
        if m.frames:  # a frame the measure was taken in (an event, never between two)
            chosen.setdefault(sorted(m.frames)[len(m.frames) // 2], []).append(m)
    return chosen


SHORT = {  # names short enough to write on a frame
    "craniovertebral_angle_deg": "head angle (ear to shoulder)",
    "hip_extension_toe_off_deg": "hip extension at toe-off",
    "overstride_deg": "overstride",
    "cadence_spm": "cadence",
    "pelvic_drop_deg": "pelvic drop",
    "knee_valgus_fppa_deg": "knee angle (FPPA)",
}


def caption(m: Measure) -> str:
    """A measure in one short line, as drawn on the frames."""
    return f"{SHORT.get(m.id, m.id)}{f' ({m.side})' if m.side else ''}: {m.value:.1f} {m.unit}"


def captions(analysis: Analysis) -> list[str]:
    return [caption(m) for m in analysis.measures]


def annotated_video(analysis: Analysis, media: Path, out: Path,
                    model: PoseModel | None = None) -> Path:
    """The clip with the skeleton drawn on every frame and the measures written on top."""
    if analysis.series.fps == 0:
        raise MovementError("a photograph has no video to annotate; use --annotated")
    return (model or WorkerPose.default()).video(media, analysis.series, out,
                                                 captions(analysis))


def annotate(analysis: Analysis, media: Path, out: Path,
             model: PoseModel | None = None) -> list[Path]:
    """Write the key frames as PNG with the skeleton and the measured angles drawn."""
    from crux.movement._annotate import draw

    chosen = key_frames(analysis)
    if not chosen:
        return []
    raw = out / ".frames"
    images = (model or WorkerPose.default()).frames(media, sorted(chosen), raw)
    written = []
    for image in images:
        frame = int(image.stem.split("-")[-1])
        shown = [(m.id, m.side, caption(m)) for m in chosen[frame]]
        written.append(draw(image, analysis.series, frame, shown,
                            out / f"key-frame-{frame:05d}.png"))
        image.unlink()
    if raw.exists():
        raw.rmdir()
    return written
