"""Cleaning landmark trajectories before anything is measured from them.

Two steps, each on every landmark coordinate on its own:

1. **Short gaps are filled.** A run of missing frames (NaN) no longer than ``max_gap_s``
   (0.2 s by default) with data on both sides is filled from a cubic spline through the
   trajectory's found frames, so a dropped frame at the top of a swing is not cut flat as a
   straight line would cut it. Longer gaps, and gaps at the start or end, stay NaN: 0.2 s is
   already a third of a running stride, and guessing more would invent the event the gap hid.
   A filled frame's visibility is interpolated from the frames either side of the gap.

2. **Noise is low-passed.** A Butterworth low-pass (``scipy.signal.butter``, order 2) is run
   forwards and backwards (``scipy.signal.filtfilt``), so the result has no phase lag: a
   peak stays in its frame, which matters because gait events are placed at peaks. Running
   the filter twice squares its response, so the design cutoff is raised by Winter's
   two-pass correction (divided by (2**(1/2) - 1)**(1/4) = 0.802) to keep the stated cutoff
   the -3 dB point of the whole. The filter needs a clean run of samples longer than its
   padding (``3 * max(len(a), len(b))`` = 9 samples for order 2), so it is applied to each
   contiguous run of found frames separately; a run too short for that is left as it is.

The cutoff (:func:`default_cutoff`):

- running: 8 Hz. A running stride is 0.5-1 s (cadence 120-240 steps/min), so the limbs move
  at 1-2 Hz with harmonics that matter up to about the 5th; 6-10 Hz is the usual range for
  running marker data, and pose-model noise (frame-to-frame jitter, mostly above 10 Hz)
  argues for the lower end. 8 Hz keeps a heel's forward peak where it is and removes most
  jitter.
- squat: 4 Hz, standing: 2 Hz: slower movement, more smoothing for free.
- never above 0.3 * fps, so the two-pass design cutoff stays at most 0.75 of the Nyquist
  frequency (at 24 fps that is 7.2 Hz); a filter designed near Nyquist barely filters.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import CubicSpline
from scipy.signal import butter, filtfilt

from ._series import Series

Array = NDArray[np.float64]
Activity = Literal["running", "standing", "squat"]

MAX_GAP_S = 0.2
ORDER = 2
CUTOFF_HZ: dict[str, float] = {"running": 8.0, "squat": 4.0, "standing": 2.0}
MAX_CUTOFF_PER_FPS = 0.3


def runs(valid: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(start, stop) of each run of True values, stop exclusive."""
    padded = np.concatenate(([False], np.asarray(valid, dtype=bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(s), int(e)) for s, e in zip(edges[::2], edges[1::2], strict=True)]


def fillable(values: Array, max_gap: int) -> NDArray[np.bool_]:
    """Which NaN frames lie in an interior gap of at most ``max_gap`` frames."""
    missing = np.isnan(values)
    out = np.zeros(values.shape, dtype=bool)
    for start, stop in runs(missing):
        if start > 0 and stop < len(values) and stop - start <= max_gap:
            out[start:stop] = True
    return out


def fill_gaps(values: Array, max_gap: int) -> Array:
    """A copy of a 1D trajectory with interior gaps of up to ``max_gap`` frames filled (cubic
    spline through the found frames; linear when there are fewer than four)."""
    values = np.asarray(values, dtype=float)
    out = values.copy()
    holes = fillable(values, max_gap)
    if not holes.any():
        return out
    t = np.arange(len(values), dtype=float)
    found = ~np.isnan(values)
    if found.sum() >= 4:
        out[holes] = CubicSpline(t[found], values[found])(t[holes])
    else:
        out[holes] = np.interp(t[holes], t[found], values[found])
    return out


def lowpass(values: Array, fps: float, cutoff_hz: float, order: int = ORDER) -> Array:
    """A copy of a 1D trajectory, zero-phase Butterworth low-passed, each run of found frames
    on its own; NaN frames stay NaN and runs too short for the filter's padding are left
    unfiltered."""
    values = np.asarray(values, dtype=float)
    # Winter's correction for a filter run twice (0.802 for order 2)
    correction = (2.0 ** 0.5 - 1.0) ** (1.0 / (2.0 * order))
    wn = cutoff_hz / correction / (fps / 2.0)
    if not 0.0 < wn < 1.0:
        raise ValueError(f"a {cutoff_hz:g} Hz cutoff cannot be kept at {fps:g} fps "
                         f"(it must stay below {0.5 * fps * correction:.1f} Hz)")
    b, a = butter(order, wn)
    padding = 3 * max(len(a), len(b))
    out = values.copy()
    for start, stop in runs(~np.isnan(values)):
        if stop - start > padding:
            out[start:stop] = filtfilt(b, a, values[start:stop])
    return out


def default_cutoff(fps: float, activity: Activity = "running") -> float:
    """The low-pass cutoff in Hz for an activity, capped at 0.3 * fps (see the module)."""
    return min(CUTOFF_HZ[activity], MAX_CUTOFF_PER_FPS * fps)


def _fill_visibility(visibility: Array, holes: NDArray[np.bool_]) -> Array:
    out = visibility.copy()
    if holes.any():
        t = np.arange(len(visibility), dtype=float)
        out[holes] = np.interp(t[holes], t[~holes], visibility[~holes])
    return out


def smooth(series: Series, cutoff_hz: float | None = None, max_gap_s: float = MAX_GAP_S,
           activity: Activity = "running") -> Series:
    """A copy of the series with short gaps filled and every coordinate low-passed.

    ``cutoff_hz`` defaults to :func:`default_cutoff` for the activity. A still image or a
    series without a frame rate is returned unchanged (there is no time to filter over).
    """
    if series.fps <= 0 or series.frames < 2:
        return dataclasses.replace(series, xy=series.xy.copy(),
                                   visibility=series.visibility.copy())
    cutoff = default_cutoff(series.fps, activity) if cutoff_hz is None else cutoff_hz
    max_gap = max(1, round(max_gap_s * series.fps))
    xy = series.xy.astype(float).copy()
    visibility = series.visibility.astype(float).copy()
    for k in range(xy.shape[1]):
        holes = fillable(xy[:, k, 0], max_gap) & fillable(xy[:, k, 1], max_gap)
        for c in range(2):
            xy[:, k, c] = lowpass(fill_gaps(xy[:, k, c], max_gap), series.fps, cutoff)
        visibility[:, k] = _fill_visibility(visibility[:, k], holes)
    return dataclasses.replace(series, xy=xy, visibility=visibility)


def cubic_at(values: Array, times: Array) -> Array:
    """A 1D trajectory read at fractional frame times by four-point (cubic Lagrange)
    interpolation, exact for cubics, so a peak between two frames is not cut flat as a
    straight line between them would cut it; linear where a neighbour is missing, NaN where
    either of the two frames around the time is missing."""
    values = np.asarray(values, dtype=float)
    times = np.atleast_1d(np.asarray(times, dtype=float))
    n = len(values)
    i = np.clip(np.floor(times).astype(int), 0, max(n - 2, 0))
    x = times - i

    def take(k: np.ndarray) -> Array:
        return np.where((k >= 0) & (k < n), values[np.clip(k, 0, n - 1)], np.nan)

    y0, y1, y2, y3 = take(i - 1), take(i), take(i + 1), take(i + 2)
    cubic = (-x * (x - 1) * (x - 2) / 6 * y0 + (x + 1) * (x - 1) * (x - 2) / 2 * y1
             - (x + 1) * x * (x - 2) / 2 * y2 + (x + 1) * x * (x - 1) / 6 * y3)
    linear = y1 + (y2 - y1) * x
    return np.where(np.isnan(cubic), linear, cubic)
