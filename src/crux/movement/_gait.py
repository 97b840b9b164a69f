"""Gait events of a runner, from landmark positions alone.

**Side view** (camera square to the direction of running; left-to-right, right-to-left or
on a treadmill): the coordinate-based method of Zeni et al. (2008, Gait & Posture 27:710).
Relative to the pelvis centre (the mid-point of the two hip landmarks), along the direction
of travel:

- initial contact (IC) of a leg is a maximum of its heel's FORWARD distance from the pelvis
  (the foot is furthest out in front as it lands);
- toe-off (TO) is a maximum of its toe's (``foot_index``) BACKWARD distance from the pelvis
  (the foot is furthest behind as it leaves).

Working relative to the pelvis makes the method the same over ground and on a treadmill.
The direction of travel is read from the feet: the toes are ahead of the heels (the median
of toe x minus heel x over all frames and both feet); the nose ahead of the ears is the
fallback. Each event is placed at a whole frame and then refined to a fraction of a frame at the
maximum of a cubic spline through the frames around the peak.

Guards against noise: peaks must stand out (prominence at least 30 % of the signal's
5th-95th percentile range), and two events of one leg must be at least 90 % of the
shortest plausible stride apart (cadence at most 240 steps/min: a stride of 0.5 s); peaks
next to a missing frame are dropped, as the true peak may lie in the gap.

Cadence (steps/min) comes from the initial contacts of both legs: the median interval
between successive contacts of the same leg (a stride, two steps) gives each contact its
cycle number, and a least-squares line through contact time against cycle number (one
intercept per leg, one common slope) gives the stride time; a contact missed in a gap just
leaves its cycle number out. Strides rather than alternating left-right steps are used so
that a limp (unequal left and right step times) does not move the estimate.

**Front view** (runner toward or away from the camera): horizontal distances are
foreshortened away, so stance is read from heights instead: the foot lower in the image
(larger y, mean of ankle and heel) is taken to be the one on the ground. A leg's "stance
window" runs from one crossing of the two foot heights to the next; a crossing only counts
once the difference has passed a hysteresis margin (20 % of its 90th-percentile size), so noise
around the crossing does not split a window. Each window covers the stance and half of each
flight phase around it, so mid-stance lies inside it. With a camera at hip height and the
runner coming toward it, perspective makes the nearer (forward) foot look lower than it is;
the method assumes the camera is far compared with a stride (or low, near the ground).

Frame rate: events need at least :data:`MIN_FPS` (24) frames per second. At 240 steps/min a
stance lasts about 0.1-0.15 s; at 24 fps that is three or four frames, the least on which a
peak and its neighbours can be told apart. Below that, events are refused, not guessed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import CubicSpline
from scipy.signal import find_peaks

from ._series import Series

Array = NDArray[np.float64]

MIN_FPS = 24.0
CADENCE_RANGE = (120.0, 240.0)  # plausible running cadence, steps/min
SIDES = ("left", "right")
MIN_STRIDES = 2
_PROMINENCE = 0.3
_SPACING = 0.9
_HYSTERESIS = 0.2


class GaitError(ValueError):
    """Gait events cannot be placed honestly in this series."""


@dataclass(frozen=True)
class GaitEvents:
    """Side-view gait events, as fractional frame indices (frame 0 is the first frame)."""

    fps: float
    direction: int  # +1: running toward image right, -1: toward image left
    contacts: dict[str, Array]  # side -> initial contacts
    toe_offs: dict[str, Array]  # side -> toe-offs
    cadence_spm: float
    stride_s: Array  # every same-leg contact-to-contact interval, seconds


@dataclass(frozen=True)
class StanceWindows:
    """Front-view stance windows per side, (start, stop) in fractional frames."""

    fps: float
    windows: dict[str, list[tuple[float, float]]]


# ----------------------------------------------------------------------------- helpers


def check_fps(fps: float) -> None:
    if fps < MIN_FPS:
        raise GaitError(
            f"the video is {fps:g} frames per second; gait events need at least "
            f"{MIN_FPS:g} (at a fast cadence a foot is on the ground for only 0.1-0.15 s, "
            f"which must span at least three or four frames). Film at 30 fps or more.")


def midpoint(series: Series, a: str, b: str) -> Array:
    """(frames, 2) mid-point of two landmarks; the one alone where the other is missing."""
    return _nanmean(np.stack([series.point(a), series.point(b)]))


def pelvis_centre(series: Series) -> Array:
    """(frames, 2) mid-point of the hips; one hip alone where the other is missing."""
    return midpoint(series, "left_hip", "right_hip")


def _nanmean(stack: Array) -> Array:
    count = (~np.isnan(stack)).sum(axis=0)
    total = np.nansum(stack, axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def travel_direction(series: Series) -> int:
    """+1 when the runner runs (faces) toward the image right, -1 toward the left."""
    offsets = np.concatenate([  # only feet the model saw (off the picture it guesses)
        np.where(series.seen(f"{side}_foot_index") & series.seen(f"{side}_heel"),
                 series.point(f"{side}_foot_index")[:, 0] - series.point(f"{side}_heel")[:, 0],
                 np.nan)
        for side in SIDES])
    offsets = offsets[~np.isnan(offsets)]
    if offsets.size and abs(float(np.median(offsets))) > 1e-6:
        return 1 if np.median(offsets) > 0 else -1
    ears = midpoint(series, "left_ear", "right_ear")
    nose = series.point("nose")[:, 0] - ears[:, 0]
    nose = nose[~np.isnan(nose)]
    if nose.size and abs(float(np.median(nose))) > 1e-6:
        return 1 if np.median(nose) > 0 else -1
    raise GaitError("cannot tell which way the runner is facing: neither the feet (toes "
                    "ahead of heels) nor the face (nose ahead of the ears) were seen")


def _refine(signal: Array, i: int) -> float:
    """Sub-frame position of the peak at frame i: the maximum of a cubic spline through the
    frames around it (i-3..i+3; fewer near a gap), searched within a frame either side. A
    spline follows a lopsided peak (steep on one side, flat on the other) that a parabola
    through three points would pull toward its flat side."""
    lo, hi = max(i - 3, 0), min(i + 4, len(signal))
    t = np.arange(lo, hi)
    ok = ~np.isnan(signal[lo:hi])
    dense = np.linspace(i - 1, i + 1, 201)
    curve = CubicSpline(t[ok], signal[lo:hi][ok])(dense)
    return float(dense[int(np.argmax(curve))])


def peaks(signal: Array, min_distance: float) -> Array:
    """Fractional frames of the clear maxima of a signal that may hold NaN (see module)."""
    signal = np.asarray(signal, dtype=float)
    found = ~np.isnan(signal)
    if found.sum() < 3:
        return np.array([])
    lo, hi = np.percentile(signal[found], [5, 95])
    filled = np.where(found, signal, np.min(signal[found]))
    index, _ = find_peaks(filled, prominence=max(_PROMINENCE * (hi - lo), 1e-9))
    index = [int(i) for i in index
             if 0 < i < len(signal) - 1 and found[i - 1] and found[i + 1]]
    kept: list[int] = []
    for i in sorted(index, key=lambda i: -signal[i]):  # highest first
        if all(abs(i - k) >= min_distance for k in kept):
            kept.append(i)
    return np.array(sorted(_refine(signal, i) for i in kept))


def _min_stride_frames(fps: float) -> float:
    return _SPACING * 2.0 * 60.0 / CADENCE_RANGE[1] * fps


def cadence_from_contacts(contacts: dict[str, Array], fps: float) -> tuple[float, Array]:
    """(steps per minute, every stride interval in seconds) from each leg's contacts."""
    intervals = np.concatenate([np.diff(np.sort(c)) for c in contacts.values()])
    if intervals.size == 0:
        raise GaitError("no complete stride was found")
    guess = float(np.median(intervals))
    rows, times = [], []
    legs = [np.sort(c) for c in contacts.values() if len(c) >= 2]
    for leg_no, leg in enumerate(legs):
        for t in leg:
            row = np.zeros(len(legs) + 1)
            row[leg_no] = 1.0
            row[-1] = round((t - leg[0]) / guess)
            rows.append(row)
            times.append(t)
    solution, *_ = np.linalg.lstsq(np.array(rows), np.array(times), rcond=None)
    stride_frames = float(solution[-1])
    return 2.0 * 60.0 * fps / stride_frames, intervals / fps


# ----------------------------------------------------------------------------- side view


def side_events(series: Series) -> GaitEvents:
    """IC and TO of each leg and the cadence, for a runner filmed from the side. Expects a
    smoothed series (see ``_filters.smooth``)."""
    check_fps(series.fps)
    direction = travel_direction(series)
    pelvis_x = pelvis_centre(series)[:, 0]
    spacing = _min_stride_frames(series.fps)
    contacts: dict[str, Array] = {}
    toe_offs: dict[str, Array] = {}
    for side in SIDES:
        heel_ahead = direction * (series.point(f"{side}_heel")[:, 0] - pelvis_x)
        toe_behind = -direction * (series.point(f"{side}_foot_index")[:, 0] - pelvis_x)
        contacts[side] = peaks(heel_ahead, spacing)
        toe_offs[side] = peaks(toe_behind, spacing)
    _require_strides(contacts, toe_offs, series)
    cadence, strides = cadence_from_contacts(contacts, series.fps)
    return GaitEvents(series.fps, direction, contacts, toe_offs, cadence, strides)


def _require_strides(contacts: dict[str, Array], toe_offs: dict[str, Array],
                     series: Series) -> None:
    for side in SIDES:
        ic, to = len(contacts[side]), len(toe_offs[side])
        if ic < MIN_STRIDES + 1 or to < MIN_STRIDES:
            raise GaitError(
                f"fewer than {MIN_STRIDES} strides of the {side} leg were found in "
                f"{series.seconds:.1f} s ({ic} initial contacts and {to} toe-offs; two "
                f"strides need three contacts and two toe-offs). Film at least 3 s of "
                f"steady running, the whole body in view from the side.")


# ----------------------------------------------------------------------------- front view


def foot_height(series: Series, side: str) -> Array:
    """(frames,) image y of a foot: mean of ankle and heel where found (larger = lower)."""
    ys = np.stack([series.point(f"{side}_ankle")[:, 1], series.point(f"{side}_heel")[:, 1]])
    return _nanmean(ys)


def _crossing(diff: Array, a: int, b: int) -> float | None:
    """Where diff crosses zero between frames a and b (the last crossing), or None when a
    frame in between is missing."""
    segment = diff[a:b + 1]
    if np.isnan(segment).any():
        return None
    sign = np.sign(segment[0])
    cross = [i for i in range(len(segment) - 1)
             if np.sign(segment[i]) == sign and np.sign(segment[i + 1]) != sign]
    if not cross:
        return None
    i = cross[-1]
    y0, y1 = segment[i], segment[i + 1]
    return float(a + i + (y0 / (y0 - y1) if y0 != y1 else 0.0))


def front_stance(series: Series) -> StanceWindows:
    """Stance windows of each leg for a runner filmed from the front (see module)."""
    check_fps(series.fps)
    diff = foot_height(series, "left") - foot_height(series, "right")  # >0: left lower
    found = diff[~np.isnan(diff)]
    if found.size < 3:
        raise GaitError("the feet were not seen in enough frames to tell stance")
    margin = _HYSTERESIS * float(np.percentile(np.abs(found), 90))
    state = np.where(diff > margin, 1, np.where(diff < -margin, -1, 0))
    confirmed = np.flatnonzero(state != 0)
    boundaries: list[tuple[float | None, int]] = []  # (time, state after it)
    for a, b in itertools.pairwise(confirmed):
        if state[a] != state[b]:
            boundaries.append((_crossing(diff, int(a), int(b)), int(state[b])))
    windows: dict[str, list[tuple[float, float]]] = {"left": [], "right": []}
    for (start, kind), (stop, _) in itertools.pairwise(boundaries):
        if start is not None and stop is not None:
            windows["left" if kind == 1 else "right"].append((start, stop))
    for side in SIDES:
        if len(windows[side]) < MIN_STRIDES:
            raise GaitError(
                f"fewer than {MIN_STRIDES} complete stances of the {side} leg were found in "
                f"{series.seconds:.1f} s ({len(windows[side])}). Film at least 3 s of "
                f"steady running, the whole body in view from the front.")
    return StanceWindows(series.fps, windows)
