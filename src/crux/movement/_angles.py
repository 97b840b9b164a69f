"""Plain 2D geometry on image points, in degrees.

Every function takes points or vectors as arrays whose last axis is (x, y) in IMAGE
coordinates: x to the right, y DOWN. Leading axes (frames, events, ...) broadcast, so one
call handles a whole series. NaN in gives NaN out, with no warning. A zero-length segment
gives 0 (what ``arctan2(0, 0)`` gives), so callers drop frames where two landmarks coincide
if that matters.

Because y points down, "up" on the screen is -y. The functions that speak of up, above,
counter-clockwise or "forward" state which way their sign goes; none of them needs the
caller to flip y first.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def _xy(v: ArrayLike) -> tuple[Array, Array]:
    a = np.asarray(v, dtype=float)
    return a[..., 0], a[..., 1]


def wrap_deg(angle: ArrayLike) -> Array:
    """Angles wrapped into [-180, 180)."""
    return (np.asarray(angle, dtype=float) + 180.0) % 360.0 - 180.0


def direction_deg(a: ArrayLike, b: ArrayLike) -> Array:
    """Direction of the segment a->b as seen on the screen: 0 pointing right, +90 pointing
    up (toward the top of the image), -90 down, in [-180, 180)."""
    dx, dy = _xy(np.asarray(b, dtype=float) - np.asarray(a, dtype=float))
    return wrap_deg(np.degrees(np.arctan2(-dy, dx)))


def elevation_deg(a: ArrayLike, b: ArrayLike) -> Array:
    """Angle of a->b above the horizontal, whichever way it points left or right: +90 when b
    is straight above a, 0 level, negative when b is lower than a; in [-90, 90]."""
    dx, dy = _xy(np.asarray(b, dtype=float) - np.asarray(a, dtype=float))
    return np.degrees(np.arctan2(-dy, np.abs(dx)))


def from_vertical_deg(a: ArrayLike, b: ArrayLike, forward: ArrayLike = 1) -> Array:
    """Angle of a->b from the downward vertical: 0 when b is straight below a, positive when
    b lies on the ``forward`` side (+1: image right, -1: image left), in [-180, 180)."""
    dx, dy = _xy(np.asarray(b, dtype=float) - np.asarray(a, dtype=float))
    side = np.sign(np.asarray(forward, dtype=float))
    return wrap_deg(np.degrees(np.arctan2(side * dx, dy)))


def signed_angle_deg(u: ArrayLike, v: ArrayLike) -> Array:
    """Angle that turns vector u onto vector v, positive counter-clockwise AS SEEN ON THE
    SCREEN, in [-180, 180). (With y down, screen counter-clockwise is the negative of the
    textbook cross product, hence the sign below.)"""
    ux, uy = _xy(u)
    vx, vy = _xy(v)
    cross = ux * vy - uy * vx
    dot = ux * vx + uy * vy
    return wrap_deg(np.degrees(np.arctan2(-cross, dot)))


def joint_angle_deg(a: ArrayLike, b: ArrayLike, c: ArrayLike) -> Array:
    """Unsigned angle at b between the segments b->a and b->c, in [0, 180]: 180 for three
    points in a straight line, 90 for a right angle."""
    b_ = np.asarray(b, dtype=float)
    ux, uy = _xy(np.asarray(a, dtype=float) - b_)
    vx, vy = _xy(np.asarray(c, dtype=float) - b_)
    return np.degrees(np.arctan2(np.abs(ux * vy - uy * vx), ux * vx + uy * vy))
