"""The measures: posture and running gait from a landmark series, each a :class:`Measure`
named by the contract's measurement id.

All angles are in degrees, from image points (x right, y DOWN); "forward" is the direction
of travel found by ``_gait.travel_direction``. Sides are the PERSON's left and right, as the
pose model labels its landmarks (a mirrored "selfie" video swaps them; see the note on
front-view measures). Before measuring, the series is cleaned by ``_filters.smooth`` (short
gaps filled, zero-phase low-pass at a cutoff for the activity).

Side view (camera square to the direction of travel):

- ``craniovertebral_angle_deg``: the angle above the forward horizontal of the line from the
  shoulder to the ear, on the side facing the camera (the one the model sees better); the
  median over frames where both are seen. The model has no C7, so the shoulder stands in for
  it: an ear-to-shoulder angle, lower than a true CVA, to compare only with itself.
- ``hip_extension_toe_off_deg`` (per leg, running): at each toe-off of that leg, the angle
  from the trunk line extended downward (mid-shoulder -> mid-hip) to the thigh
  (hip -> knee); positive when the thigh is BEHIND the trunk line (extension). The median
  over that leg's toe-offs.
- ``overstride_deg`` (per leg, running): at each initial contact, the shank (knee -> ankle)
  angle from the vertical, positive when the ankle lands AHEAD of the knee. The median over
  that leg's contacts.
- ``cadence_spm`` (running): steps per minute from both legs' initial contacts.

Front view (toward or away from the camera; orthographic enough that heights compare):

- ``pelvic_drop_deg`` (per STANCE leg, running): the angle of the hip line to the
  horizontal, positive when the hip OPPOSITE the stance leg is lower (a contralateral drop).
  Each stance window of that leg (``_gait.front_stance``: the lower foot is on the ground;
  a window runs from mid-flight to mid-flight) is resampled to 101 points and the windows
  are averaged; the value is the MAXIMUM of the average curve within the window's central
  half (mid-stance; the ends are flight), read off a least-squares parabola through the
  points around it. Averaging strides before taking the peak, and the parabola, keep pixel
  noise from inflating the peak as a maximum of noisy values would.
- ``knee_valgus_fppa_deg`` (per leg): the frontal plane projection angle, 180 minus the
  angle at the knee between hip->knee and knee->ankle, positive when the knee lies MEDIAL
  to the hip-ankle line (valgus), negative lateral (varus). Medial is toward the other hip,
  read from the image, so the sign holds whether the person faces the camera (their right on
  the image left) or faces away. Running: the peak of the stance-averaged curve as for the
  pelvic drop, its maximum, or its minimum when the knee stays varus through mid-stance
  (the curve's central half averages below zero); squat: the median over repetitions of
  the value at the bottom of each (the median over the frames where the pelvis is within
  2 % of the clip's depth range of its lowest point, a few frames, so one noisy frame does
  not decide); standing: the median over frames.

Confidence, 0..1, is the product of three plain factors:

- visibility: the mean visibility of the landmarks used, at the frames used;
- support: ``min(1, n / full)``, n the events, stance windows or squat repetitions used
  (full = 8) or, standing, the frames used (full = 15; a single photograph has 1/15);
- consistency: ``1 / (1 + (spread / 5)**2)``, spread the robust standard deviation
  (1.4826 x median absolute deviation) of the per-event values, in degrees (or steps/min
  for cadence): 1 when every stride agrees, 0.5 when they scatter by 5.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ._angles import elevation_deg, from_vertical_deg, signed_angle_deg
from ._filters import cubic_at, smooth
from ._gait import (
    CADENCE_RANGE,
    SIDES,
    GaitError,
    check_fps,
    front_stance,
    midpoint,
    peaks,
    pelvis_centre,
    side_events,
    travel_direction,
)
from ._series import INDEX, Series

Array = NDArray[np.float64]
View = Literal["side", "front"]
Activity = Literal["running", "standing", "squat"]

VISIBLE = 0.5  # a landmark counts as seen at or above this visibility
FULL_EVENTS = 8
FULL_FRAMES = 15
STILL_SUPPORT = 0.6  # a photograph: one frame, nothing averaged, so at most this support
SPREAD_SCALE = 5.0
PROFILE_POINTS = 101
MIN_PRESENT = 0.5  # a person must be found in at least this share of frames
FRONT_MIN_HIP_WIDTH = 0.2  # hip width / trunk height below this: not a front view
SIDE_MAX_SHOULDER_WIDTH = 0.4  # shoulder width / trunk height above this: not a side view
BOTTOM = 0.02  # a squat's bottom: within this share of the depth range of the lowest point
C7_NOTE = ("the pose model has no C7 landmark, so the shoulder stands in for C7 (an "
           "ear-to-shoulder angle); it reads lower than a photogrammetric CVA and compares "
           "only with itself")


class MovementError(ValueError):
    """This series cannot give honest measures for the view and activity asked."""


@dataclass(frozen=True)
class Measure:
    id: str
    side: str | None
    value: float
    unit: str
    confidence: float
    frames: list[int] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class NotMeasured:
    id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.id}: not measured - {self.reason}"


NEVER_MEASURED = {
    "pelvic_tilt_deg": (
        "pelvic tilt is the angle of the line from the anterior to the posterior superior "
        "iliac spine (ASIS to PSIS); the pose model marks neither, only hip joint centres, "
        "which do not show how the pelvis tilts"),
    "shoulder_protraction_deg": (
        "shoulder protraction is measured from C7 (or the spine) to the acromion; the pose "
        "model has no C7 or spine landmark, only one shoulder point per side"),
}

WHERE_MEASURED: dict[str, set[tuple[str, str]]] = {
    "craniovertebral_angle_deg": {("side", "standing"), ("side", "running")},
    "hip_extension_toe_off_deg": {("side", "running")},
    "overstride_deg": {("side", "running")},
    "cadence_spm": {("side", "running")},
    "pelvic_drop_deg": {("front", "running")},
    "knee_valgus_fppa_deg": {("front", "running"), ("front", "standing"), ("front", "squat")},
}


def not_measured(view: View | None = None, activity: Activity | None = None
                 ) -> list[NotMeasured]:
    """The contract's posture and gait measures this module does not give, each with the
    reason: the two it never can, and (given a view and activity) those that need another
    view or activity."""
    out = [NotMeasured(k, v) for k, v in NEVER_MEASURED.items()]
    if view is None or activity is None:
        return out
    for mid, where in WHERE_MEASURED.items():
        if (view, activity) not in where:
            places = " or ".join(f"a {v} view of {a}" for v, a in sorted(where))
            out.append(NotMeasured(mid, f"measured only from {places}"))
    return out


# ----------------------------------------------------------------------------- helpers


def robust_sd(values: Iterable[float]) -> float:
    v = np.asarray(list(values), dtype=float)
    if v.size < 2:
        return 0.0
    return float(1.4826 * np.median(np.abs(v - np.median(v))))


def _full_frames(series: Series) -> float:
    """Frames for full support: a video's FULL_FRAMES; a photograph's one frame gives
    STILL_SUPPORT."""
    return FULL_FRAMES if series.fps else 1 / STILL_SUPPORT


def confidence(visibility: float, n: int, full: float, spread: float) -> float:
    """visibility x support x consistency (see the module), rounded to 0.01."""
    if not np.isfinite(visibility):
        visibility = 0.0
    support = min(1.0, n / full)
    consistency = 1.0 / (1.0 + (spread / SPREAD_SCALE) ** 2)
    return round(float(np.clip(visibility, 0.0, 1.0)) * support * consistency, 2)


def mean_visibility(series: Series, names: Iterable[str], frames: Iterable[int]) -> float:
    idx = [INDEX[n] for n in names]
    rows = np.clip(np.asarray(list(frames), dtype=int), 0, series.frames - 1)
    if rows.size == 0:
        return 0.0
    return float(np.mean(series.visibility[np.ix_(rows, idx)]))


def _other(side: str) -> str:
    return "right" if side == "left" else "left"


def _frames(times: Iterable[float]) -> list[int]:
    return [round(float(t)) for t in times]


# ----------------------------------------------------------------------------- checks


def check_person(series: Series) -> None:
    """Refuse a series with no person in most frames."""
    if series.frames == 0:
        raise MovementError("the series has no frames")
    shoulder = series.seen("left_shoulder", 0.0) | series.seen("right_shoulder", 0.0)
    hip = series.seen("left_hip", 0.0) | series.seen("right_hip", 0.0)
    present = shoulder & hip
    if present.mean() < MIN_PRESENT:
        raise MovementError(
            f"a person was found in only {int(present.sum())} of {series.frames} frames; "
            f"at least half are needed. Film one person, whole body in view, in good light.")


def view_ratios(series: Series) -> tuple[float, float]:
    """(median hip width, median shoulder width), each over trunk height (mid-shoulder to
    mid-hip), widths measured horizontally in the image."""
    trunk = np.linalg.norm(midpoint(series, "left_shoulder", "right_shoulder")
                           - pelvis_centre(series), axis=-1)
    trunk = np.where(trunk > 0, trunk, np.nan)
    hips = np.abs(series.point("left_hip")[:, 0] - series.point("right_hip")[:, 0]) / trunk
    shoulders = np.abs(series.point("left_shoulder")[:, 0]
                       - series.point("right_shoulder")[:, 0]) / trunk
    if np.isnan(hips).all() or np.isnan(shoulders).all():
        raise MovementError("the shoulders and hips were never all seen in one frame, so "
                            "the camera's view cannot be checked")
    return float(np.nanmedian(hips)), float(np.nanmedian(shoulders))


PROFILE = 0.8  # nose beyond this share of the ear-to-ear width from their midpoint: profile


def profile_ratio(series: Series) -> float | None:
    """How far the nose sits from the midpoint of the ears, in ear-to-ear widths (median
    over frames where all three are seen): about 0 facing the camera, above 1 in profile
    (the nose beyond the nearer ear). None when the face is not seen (from behind)."""
    ok = (series.seen("nose", VISIBLE) & series.seen("left_ear", VISIBLE)
          & series.seen("right_ear", VISIBLE))
    if not ok.any():
        return None
    nose = series.point("nose")[ok, 0]
    left, right = series.point("left_ear")[ok, 0], series.point("right_ear")[ok, 0]
    width = np.maximum(np.abs(left - right), 1.0)
    return float(np.median(np.abs(nose - (left + right) / 2) / width))


def check_view(series: Series, view: View) -> None:
    """Refuse the wrong view. The face tells first when it is seen (a front view shows it
    from the front, the nose between the ears; a side view in profile); otherwise the
    body: a front view shows the hips apart, a side view the shoulders close together."""
    hips, shoulders = view_ratios(series)
    face = profile_ratio(series)
    if view == "front":
        side_on = face >= PROFILE if face is not None else hips < FRONT_MIN_HIP_WIDTH
        if side_on or hips < FRONT_MIN_HIP_WIDTH:
            raise MovementError(
                "this does not look like a front view: the person seems side-on to the "
                "camera (the face in profile, or the hips close together across the image). "
                "Film them facing the camera, running toward or away from it.")
    if view == "side":
        profile = face >= PROFILE if face is not None else False
        if not profile and shoulders > SIDE_MAX_SHOULDER_WIDTH:
            raise MovementError(
                f"this does not look like a side view: the person seems to face the camera "
                f"(the face seen from the front and the shoulders {shoulders:.0%} of the "
                f"trunk's height apart; a side view shows at most "
                f"{SIDE_MAX_SHOULDER_WIDTH:.0%}). Film them from the side, the camera square "
                f"to the direction of movement.")


# ----------------------------------------------------------------------------- side view


def near_side(series: Series) -> str:
    """The side of the body nearest the camera in a side view: the right when the person
    faces the image's right (their right side is toward the viewer), the left when they
    face its left; by the landmarks' visibility when the facing cannot be told."""
    try:
        return "right" if travel_direction(series) > 0 else "left"
    except GaitError:
        return max(SIDES, key=lambda s: mean_visibility(
            series, (f"{s}_ear", f"{s}_shoulder"), range(series.frames)))


def craniovertebral(series: Series, running: bool = False) -> Measure | None:
    """Ear-to-shoulder angle above the forward horizontal on the side nearest the camera."""
    side = near_side(series)
    ear, shoulder = series.point(f"{side}_ear"), series.point(f"{side}_shoulder")
    ok = series.seen(f"{side}_ear", VISIBLE) & series.seen(f"{side}_shoulder", VISIBLE)
    if not ok.any():
        return None
    try:
        forward = travel_direction(series)
        d = ear - shoulder
        angles = np.degrees(np.arctan2(-d[:, 1], forward * d[:, 0]))
    except GaitError:  # facing unknown: take the ear as being in front
        forward, angles = 0, elevation_deg(shoulder, ear)
    used = np.flatnonzero(ok)
    values = angles[ok]
    note = f"{side} ear and shoulder (the side nearest the camera); {C7_NOTE}"
    turned = view_ratios(series)[1] > SIDE_MAX_SHOULDER_WIDTH
    if turned:
        note += ("; the shoulders are turned toward the camera, so the angle is less sure "
                 "(confidence halved)")
    if running:
        note += "; measured while running, the head bobbing with each step"
    if forward == 0:
        note += "; the facing direction was not clear, the ear was taken to be in front"
    vis = mean_visibility(series, (f"{side}_ear", f"{side}_shoulder"), used)
    return Measure("craniovertebral_angle_deg", None, float(np.median(values)), "deg",
                   round(confidence(vis, len(used), _full_frames(series),
                                    robust_sd(values)) * (0.5 if turned else 1.0), 2),
                   used.tolist(), note)


def _per_event(mid: str, side: str, values: Array, times: Array, series: Series,
               names: tuple[str, ...], note: str) -> Measure | None:
    ok = ~np.isnan(values)
    if not ok.any():
        return None
    values, frames = values[ok], _frames(times[ok])
    vis = mean_visibility(series, names, frames)
    return Measure(mid, side, float(np.median(values)), "deg",
                   confidence(vis, len(values), FULL_EVENTS, robust_sd(values)), frames,
                   f"median of {len(values)} {note}")


def side_running(series: Series) -> list[Measure]:
    """CVA, hip extension at toe-off, overstride and cadence from a side view of running."""
    events = side_events(series)
    d = events.direction
    mid_shoulder = midpoint(series, "left_shoulder", "right_shoulder")
    mid_hip = pelvis_centre(series)
    out: list[Measure] = []
    cva = craniovertebral(series, running=True)
    if cva is not None:
        out.append(cva)
    for side in SIDES:
        hip, knee = series.point(f"{side}_hip"), series.point(f"{side}_knee")
        ankle = series.point(f"{side}_ankle")
        to = events.toe_offs[side]
        # per frame, then read at the sub-frame event times
        extension = cubic_at(-d * signed_angle_deg(mid_hip - mid_shoulder, knee - hip), to)
        m = _per_event("hip_extension_toe_off_deg", side, extension, to, series,
                       (f"{side}_hip", f"{side}_knee", f"{side}_shoulder"),
                       "toe-offs; thigh (hip->knee) against the trunk line "
                       "(mid-shoulder->mid-hip) extended down, + = thigh behind it")
        if m is not None:
            out.append(m)
        ic = events.contacts[side]
        shank = cubic_at(from_vertical_deg(knee, ankle, d), ic)
        m = _per_event("overstride_deg", side, shank, ic, series,
                       (f"{side}_knee", f"{side}_ankle", f"{side}_heel"),
                       "initial contacts; shank (knee->ankle) from the vertical, "
                       "+ = ankle ahead of the knee")
        if m is not None:
            out.append(m)
    out.append(_cadence(series, events.contacts, events.cadence_spm, events.stride_s))
    return out


def _cadence(series: Series, contacts: dict[str, Array], cadence: float,
             stride_s: Array) -> Measure:
    frames = sorted(f for c in contacts.values() for f in _frames(c))
    per_stride = 120.0 / stride_s
    vis = mean_visibility(series, ("left_heel", "right_heel"), frames)
    note = (f"from {len(frames)} initial contacts of both legs (Zeni et al. 2008: heel "
            f"furthest ahead of the pelvis); stride time fitted over all of them")
    low, high = CADENCE_RANGE
    if not low <= cadence <= high:
        note += f"; outside the usual running range {low:g}-{high:g}"
    return Measure("cadence_spm", None, float(cadence), "steps/min",
                   confidence(vis, len(stride_s), FULL_EVENTS, robust_sd(per_stride)),
                   frames, note)


# ----------------------------------------------------------------------------- front view


def medial_sign(series: Series, side: str) -> float:
    """Image x sign of the direction from this side's hip toward the other's (medial)."""
    dx = series.point(f"{_other(side)}_hip")[:, 0] - series.point(f"{side}_hip")[:, 0]
    return 1.0 if np.nanmedian(dx) > 0 else -1.0


def fppa(series: Series, side: str) -> Array:
    """(frames,) knee frontal plane projection angle, + valgus (knee medial)."""
    hip, knee = series.point(f"{side}_hip"), series.point(f"{side}_knee")
    ankle = series.point(f"{side}_ankle")
    # medial valgus turns the shank clockwise on screen from the thigh when medial is +x
    return -medial_sign(series, side) * signed_angle_deg(knee - hip, ankle - knee)


def pelvic_drop(series: Series, stance_side: str) -> Array:
    """(frames,) hip line to the horizontal, + when the hip opposite the stance leg is lower."""
    stance = series.point(f"{stance_side}_hip")
    other = series.point(f"{_other(stance_side)}_hip")
    return -elevation_deg(stance, other)


@dataclass(frozen=True)
class Profile:
    value: float  # the peak of the averaged curve
    per_window: Array  # each window's value at that point
    frames: list[int]  # the frame of that point in each window


def _peak_index(curve: Array, signed: bool) -> int:
    """Index of the peak within the central half of a stance curve: its maximum, or (when
    ``signed`` is False) its maximum or minimum, whichever way the central half leans."""
    lo, hi = len(curve) // 4, len(curve) - len(curve) // 4
    middle = curve[lo:hi]
    flip = 1.0 if signed or np.nanmean(middle) >= 0 else -1.0
    return lo + int(np.nanargmax(flip * middle))


def _vertex(curve: Array, k: int, half: int = PROFILE_POINTS // 10) -> float:
    """The peak value from a least-squares parabola through the curve around k (which
    smooths away what noise is left after averaging); the curve at k if the parabola's
    vertex falls outside the points fitted."""
    lo, hi = max(k - half, 0), min(k + half + 1, len(curve))
    x = np.arange(lo, hi, dtype=float)
    y = curve[lo:hi]
    ok = ~np.isnan(y)
    if ok.sum() < 5:
        return float(curve[k])
    a, b, c = np.polyfit(x[ok] - k, y[ok], 2)
    if a == 0 or not -half <= -b / (2 * a) <= half:
        return float(curve[k])
    return float(c - b * b / (4 * a))


def stance_profile(signal: Array, windows: list[tuple[float, float]],
                   signed: bool = True) -> Profile | None:
    """Average the signal over stance windows, each resampled to PROFILE_POINTS, and take
    the peak of the average within the central half of the window (mid-stance; the ends
    of a window are flight). ``signed``: the maximum; otherwise the maximum or the minimum,
    whichever way the curve leans."""
    curves, used = [], []
    for a, b in windows:
        curve = cubic_at(signal, np.linspace(a, b, PROFILE_POINTS))
        if np.isnan(curve).mean() <= 0.2:
            curves.append(curve)
            used.append((a, b))
    if not curves:
        return None
    stack = np.array(curves)
    mean = np.nanmean(stack, axis=0)
    k = _peak_index(mean, signed)
    frames = [round(a + (b - a) * k / (PROFILE_POINTS - 1)) for a, b in used]
    return Profile(_vertex(mean, k), stack[:, k], frames)


def _profile_measure(mid: str, side: str, profile: Profile | None, series: Series,
                     names: tuple[str, ...], note: str) -> Measure | None:
    if profile is None:
        return None
    vis = mean_visibility(series, names, profile.frames)
    n = len(profile.per_window)
    return Measure(mid, side, profile.value, "deg",
                   confidence(vis, n, FULL_EVENTS, robust_sd(profile.per_window)),
                   profile.frames, f"peak of {n} {side} stances averaged; {note}")


def mirror_note(series: Series) -> str:
    """A warning when the face is seen but the right hip is on the image right: a person
    facing the camera has their right on the image left, so the video may be mirrored."""
    face = np.nanmedian(series.visibility[:, INDEX["nose"]])
    dx = np.nanmedian(series.point("right_hip")[:, 0] - series.point("left_hip")[:, 0])
    if face >= VISIBLE and dx > 0:
        return ("; the face is seen yet the right hip is on the image right: if the video "
                "is mirrored (a selfie camera), left and right are swapped")
    return ""


def front_running(series: Series) -> list[Measure]:
    stance = front_stance(series)
    warn = mirror_note(series)
    out: list[Measure] = []
    for side in SIDES:
        drop = stance_profile(pelvic_drop(series, side), stance.windows[side])
        m = _profile_measure(
            "pelvic_drop_deg", side, drop, series, ("left_hip", "right_hip"),
            f"hip line to the horizontal, + = the {_other(side)} hip lower; stance read "
            f"from foot height (the lower foot is on the ground)" + warn)
        if m is not None:
            out.append(m)
    for side in SIDES:
        knee = stance_profile(fppa(series, side), stance.windows[side], signed=False)
        m = _profile_measure(
            "knee_valgus_fppa_deg", side, knee, series,
            (f"{side}_hip", f"{side}_knee", f"{side}_ankle"),
            "180 - knee angle in the image, + = knee medial (valgus)" + warn)
        if m is not None:
            out.append(m)
    return out


def _fppa_at(series: Series, side: str, groups: list[Array], note: str,
             full: float) -> Measure | None:
    """Knee FPPA: the median within each group of frames, then the median over groups."""
    names = (f"{side}_hip", f"{side}_knee", f"{side}_ankle")
    ok = np.ones(series.frames, dtype=bool)
    for name in names:
        ok &= series.seen(name, VISIBLE)
    angle = fppa(series, side)
    groups = [g[ok[g]] for g in groups]
    groups = [g for g in groups if g.size]
    if not groups:
        return None
    values = np.array([np.median(angle[g]) for g in groups])
    used = np.concatenate(groups)
    n = len(groups) if len(groups) > 1 else len(used)
    spread = robust_sd(values) if len(groups) > 1 else robust_sd(angle[used])
    vis = mean_visibility(series, names, used)
    return Measure("knee_valgus_fppa_deg", side, float(np.median(values)), "deg",
                   confidence(vis, n, full, spread), sorted(used.tolist()),
                   note + mirror_note(series))


def squat_bottoms(series: Series) -> list[Array]:
    """The frames at the bottom of each squat repetition: around each lowest point of the
    pelvis (one per repetition, at least 1 s apart), the frames within BOTTOM (2 %) of the
    clip's depth range of that lowest point."""
    depth = pelvis_centre(series)[:, 1]  # y down: larger is lower
    if np.isnan(depth).all():
        return []
    found = peaks(depth, series.fps) if series.fps > 0 and series.frames >= 3 else []
    lows = _frames(found) if len(found) else [int(np.nanargmax(depth))]
    band = BOTTOM * (np.nanmax(depth) - np.nanmin(depth))
    out = []
    for k in lows:
        near = ~(depth >= depth[k] - band)  # True where not at the bottom (or missing)
        start = k - (np.flatnonzero(near[:k][::-1])[0] if near[:k].any() else k)
        after = np.flatnonzero(near[k:])
        stop = k + (after[0] if after.size else series.frames - k)
        out.append(np.arange(start, stop))
    return out


def front_still(series: Series, activity: Activity) -> list[Measure]:
    out: list[Measure] = []
    for side in SIDES:
        if activity == "squat":
            groups = squat_bottoms(series)
            note = (f"median over {len(groups)} squat repetitions of the value at the bottom "
                    f"of each (pelvis lowest); 180 - knee angle in the image, + = knee medial")
            full = FULL_EVENTS
        else:
            groups = [np.arange(series.frames)]
            note = "median over the frames standing; 180 - knee angle, + = knee medial"
            full = _full_frames(series)
        m = _fppa_at(series, side, groups, note, full)
        if m is not None:
            out.append(m)
    return out


# ----------------------------------------------------------------------------- entry


def measure(series: Series, view: View, activity: Activity) -> list[Measure]:
    """The measures that make sense for the view and activity (see the module), from a raw
    series; raises :class:`MovementError` when it cannot measure honestly. What is left out
    and why: :func:`not_measured`."""
    if view not in ("side", "front"):
        raise MovementError(f"unknown view {view!r}: 'side' or 'front'")
    if activity not in ("running", "standing", "squat"):
        raise MovementError(f"unknown activity {activity!r}: 'running', 'standing' or 'squat'")
    if view == "side" and activity == "squat":
        raise MovementError("a squat is measured from the front (the knee's angle across the "
                            "body); film it facing the camera and give --view front")
    check_person(series)
    check_view(series, view)
    try:
        if activity == "running":
            check_fps(series.fps)
        found = _measured(smooth(series, activity=activity), view, activity)
    except GaitError as err:
        raise MovementError(str(err)) from err
    if not found:
        raise MovementError(
            "nothing could be measured: the landmarks the measures need (ears and shoulders "
            "from the side; hips, knees and ankles from the front) were not seen well enough")
    return found


def _measured(clean: Series, view: View, activity: Activity) -> list[Measure]:
    if view == "side":
        if activity == "running":
            return side_running(clean)
        cva = craniovertebral(clean)
        return [cva] if cva is not None else []
    if activity == "running":
        return front_running(clean)
    return front_still(clean, activity)
