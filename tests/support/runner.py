"""Synthetic landmark series with known answers: a runner (side or front view), a standing
pose and a squat, each as the :class:`~crux.movement._series.Series` a pose model would
give, with Gaussian pixel noise and dropped frames on request.

The runner's model
------------------

Time runs in gait cycles (strides) of ``T = 120 / cadence`` seconds. Each leg has a phase
``p`` in [0, 1): initial contact (IC) at ``p = 0``, toe-off (TO) at ``p = stance`` (0.38 by
default), the right leg half a cycle after the left. Angles are in degrees, measured from
the vertical, positive FORWARD (toward the direction of travel).

Side view, a sagittal stick figure hanging from the hip joint (both hips project to the
same point):

- trunk lean ``lean(p) = 7 + 2 cos(4 pi (p - stance))`` (forward; sways twice a stride,
  leaning most at each toe-off);
- thigh ``thigh(p)`` and shank ``shank(p)`` follow the same smooth cycle shape ``g(p)``:
  ``g = cos(pi p / stance)`` over stance, falling from +1 at IC to -1 at TO, then
  ``-cos(pi u)`` over swing (``u`` the fraction of swing), rising back to +1; the shank
  uses ``u**2`` in swing (it lags, so the knee bends in mid-swing). ``g`` has zero slope
  at IC and TO, so every segment is still at IC and at TO;
- thigh at IC is 25 deg forward; thigh at TO is set so that the angle between the thigh
  and the trunk line extended downward is exactly the wanted hip extension
  (``thigh_TO = -(hip_extension + lean_TO)``); shank at IC is exactly the wanted overstride
  (ankle ahead of knee), shank at TO is the thigh's less 25 deg of knee flexion;
- the foot is fixed square to the shank; the heel is 0.045 H behind and 0.02 H below the
  ankle along the shank, the toe (``foot_index``) 0.12 H ahead and 0.035 H below.

The heel's forward distance from the pelvis grows with both thigh and shank angles (for
the angles used here), and both peak exactly at IC, so the heel's forward distance peaks at
IC; likewise the toe's backward distance peaks at TO. So the Zeni et al. events fall
exactly on the model's IC and TO, and the truth is the model's own numbers: the hip
extension at TO, the overstride at IC, the cadence. Every angle that enters a measure is
still at its event (the trunk's sway too), so a fraction of a frame of event-timing error
costs almost nothing here; on a real runner the segments still move at IC and TO and
timing error costs more.

Front view (toward the camera, ``direction=+1``, the person's right on the image LEFT; or
away, ``direction=-1``, their right on the image right), an orthographic projection onto the
frontal plane:

- the pelvis sinks a little in each stance; the hip line tilts by
  ``pelvic_drop * sin(pi p / stance)**2`` over each leg's stance, the side OPPOSITE the
  stance leg going down, so its peak (mid-stance) is the wanted drop;
- the feet are on the ground (same height) in stance and lifted by
  ``0.12 H sin(pi u)**2`` in swing, so the lower foot is the stance foot;
- each knee sits on the perpendicular bisector of its hip-ankle line, pushed medially so
  that 180 minus the knee angle is ``knee_fppa * sin(pi p / stance)**2`` in stance (its peak
  the wanted FPPA; negative: pushed laterally, varus) and 0 in swing.

Proportions are fractions of the standing height ``H`` (pixel scale), after the usual
anthropometric tables. Arms and face are filled in plausibly but measure nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from crux.movement._series import INDEX, LANDMARKS, Series

Array = NDArray[np.float64]
Points = dict[str, Array]
Pair = float | tuple[float, float]  # one value for both sides, or (left, right)
SIDES = ("left", "right")

# proportions, fractions of standing height
HIP_HEIGHT = 0.53
TRUNK = 0.29
THIGH = 0.245
SHANK = 0.246
ANKLE_HEIGHT = 0.04
HEEL_BACK, HEEL_DOWN = 0.045, 0.02
TOE_AHEAD, TOE_DOWN = 0.12, 0.035
HIP_WIDTH = 0.12
SHOULDER_WIDTH = 0.22
NECK = 0.10  # shoulder to ear
UPPER_ARM, FOREARM, HAND = 0.186, 0.146, 0.05
FOOT_LIFT = 0.12
SINK = 0.015

THIGH_AT_CONTACT = 25.0
KNEE_AT_TOE_OFF = 25.0
LEAN, LEAN_SWAY = 7.0, 2.0


def pair(value: Pair) -> dict[str, float]:
    """{'left': ..., 'right': ...} from one value or a (left, right) pair."""
    if isinstance(value, tuple):
        return {"left": float(value[0]), "right": float(value[1])}
    return {"left": float(value), "right": float(value)}


# ------------------------------------------------------------------------ cycle shapes


def cycle(p: Array, stance: float, lag: bool = False) -> Array:
    """+1 at IC (p = 0), -1 at TO (p = stance), zero slope at both; see the module."""
    u = np.clip((p - stance) / (1.0 - stance), 0.0, 1.0)
    swing = -np.cos(np.pi * (u**2 if lag else u))
    return np.where(p < stance, np.cos(np.pi * p / stance), swing)


def stance_bump(p: Array, stance: float) -> Array:
    """0 at IC, 1 at mid-stance, 0 at TO and through swing."""
    return np.where(p < stance, np.sin(np.pi * p / stance) ** 2, 0.0)


def swing_bump(p: Array, stance: float) -> Array:
    """0 through stance, 1 at mid-swing."""
    u = np.clip((p - stance) / (1.0 - stance), 0.0, 1.0)
    return np.where(p < stance, 0.0, np.sin(np.pi * u) ** 2)


def _between(mid_at_ic: float, at_to: float, g: Array) -> Array:
    return (mid_at_ic + at_to) / 2.0 + (mid_at_ic - at_to) / 2.0 * g


def _rad(deg: Array | float) -> Array:
    return np.radians(np.asarray(deg, dtype=float))


def _dir(deg: Array | float) -> Array:
    """(n, 2) unit (forward, up) vector at an angle from the DOWNWARD vertical, + forward."""
    a = _rad(deg)
    return np.stack([np.sin(a), -np.cos(a)], axis=-1)


# ------------------------------------------------------------------------ side view body


@dataclass(frozen=True)
class SideFrame:
    """Per-frame sagittal angles (degrees) for the side-view body."""

    lean: Array
    thigh: dict[str, Array]
    shank: dict[str, Array]
    arm: dict[str, Array]
    shoulder_turn: Array  # deg, the shoulders' rotation about the vertical


def side_body(h: float, frame: SideFrame, cva: float) -> Points:
    """Landmarks in body coordinates (forward, up) relative to the hip joint, in pixels."""
    n = len(frame.lean)
    hip = np.zeros((n, 2))
    pts: Points = {"left_hip": hip, "right_hip": hip.copy()}
    lean = _rad(frame.lean)
    mid_shoulder = TRUNK * h * np.stack([np.sin(lean), np.cos(lean)], axis=-1)
    turn = SHOULDER_WIDTH / 2 * h * np.sin(_rad(frame.shoulder_turn))
    for sign, side in ((1.0, "left"), (-1.0, "right")):
        shoulder = mid_shoulder + np.stack([sign * turn, np.zeros(n)], axis=-1)
        pts[f"{side}_shoulder"] = shoulder
        c = _rad(cva)
        pts[f"{side}_ear"] = shoulder + NECK * h * np.array([np.cos(c), np.sin(c)])
        knee = hip + THIGH * h * _dir(frame.thigh[side])
        ankle = knee + SHANK * h * _dir(frame.shank[side])
        along = _dir(frame.shank[side])  # down the shank
        ahead = np.stack([-along[:, 1], along[:, 0]], axis=-1)  # square to it, forward
        pts[f"{side}_knee"], pts[f"{side}_ankle"] = knee, ankle
        pts[f"{side}_heel"] = ankle + h * (HEEL_DOWN * along - HEEL_BACK * ahead)
        pts[f"{side}_foot_index"] = ankle + h * (TOE_DOWN * along + TOE_AHEAD * ahead)
        elbow = shoulder + UPPER_ARM * h * _dir(frame.arm[side])
        pts[f"{side}_elbow"] = elbow
        _hand(pts, side, elbow, _dir(frame.arm[side] + 75.0), h)
    _side_face(pts, h)
    return pts


def _hand(pts: Points, side: str, elbow: Array, forearm: Array, h: float) -> None:
    wrist = elbow + FOREARM * h * forearm
    pts[f"{side}_wrist"] = wrist
    pts[f"{side}_pinky"] = wrist + HAND * h * forearm + np.array([-0.01 * h, 0.0])
    pts[f"{side}_index"] = wrist + HAND * h * forearm + np.array([0.01 * h, 0.0])
    pts[f"{side}_thumb"] = wrist + 0.6 * HAND * h * forearm + np.array([0.015 * h, 0.0])


def _side_face(pts: Points, h: float) -> None:
    ear = (pts["left_ear"] + pts["right_ear"]) / 2
    pts["nose"] = ear + h * np.array([0.06, -0.015])
    pts["mouth_left"] = ear + h * np.array([0.05, -0.045])
    pts["mouth_right"] = pts["mouth_left"].copy()
    for side in SIDES:
        pts[f"{side}_eye"] = ear + h * np.array([0.045, 0.015])
        pts[f"{side}_eye_inner"] = ear + h * np.array([0.055, 0.015])
        pts[f"{side}_eye_outer"] = ear + h * np.array([0.035, 0.015])


def to_image(body: Points, origin: Array, direction: int) -> Points:
    """Body (forward, up) coordinates to image (x right, y down) about a moving origin."""
    flip = np.array([float(direction), -1.0])
    return {k: origin + v * flip for k, v in body.items()}


# ------------------------------------------------------------------------ front view body


@dataclass(frozen=True)
class FrontFrame:
    """Per-frame frontal-plane state for the front-view body (image coordinates)."""

    centre: Array  # (n, 2) pelvis centre
    tilt: Array  # (n,) hip line, degrees, + = the person's right hip lower
    ankles: dict[str, Array]  # side -> (n, 2)
    fppa: dict[str, Array]  # side -> (n,) degrees, + valgus
    arm: dict[str, Array]  # side -> (n,) arm swing, degrees


def lateral(side: str, facing: int) -> float:
    """Image x sign of the person's ``side``: facing the camera (+1) their right is on the
    image left."""
    right = -1.0 if facing == 1 else 1.0
    return right if side == "right" else -right


def knee_between(hip: Array, ankle: Array, fppa: Array, medial: float) -> Array:
    """The knee on the perpendicular bisector of hip-ankle, medial by ``fppa`` degrees."""
    d = ankle - hip
    length = np.linalg.norm(d, axis=-1, keepdims=True)
    normal = np.stack([-d[:, 1], d[:, 0]], axis=-1) / length
    normal *= np.sign(normal[:, :1] * medial)
    offset = length / 2 * np.tan(_rad(fppa) / 2)[:, None]
    return (hip + ankle) / 2 + normal * offset


def front_body(h: float, frame: FrontFrame, facing: int) -> Points:
    """Landmarks in image coordinates for a person seen from the front (or back)."""
    n = len(frame.tilt)
    t = _rad(frame.tilt)
    pts: Points = {}
    mid_shoulder = frame.centre + np.array([0.0, -TRUNK * h])
    for side in SIDES:
        lat = lateral(side, facing)
        s = 1.0 if side == "right" else -1.0
        hip = frame.centre + s * HIP_WIDTH / 2 * h * np.stack(
            [-np.cos(t) if facing == 1 else np.cos(t), np.sin(t)], axis=-1)
        ankle = frame.ankles[side]
        pts[f"{side}_hip"], pts[f"{side}_ankle"] = hip, ankle
        pts[f"{side}_knee"] = knee_between(hip, ankle, frame.fppa[side], -lat)
        pts[f"{side}_heel"] = ankle + np.array([0.0, 0.025 * h])
        pts[f"{side}_foot_index"] = ankle + np.array([lat * 0.015 * h, 0.045 * h])
        shoulder = mid_shoulder + np.stack(
            [np.full(n, lat * SHOULDER_WIDTH / 2 * h), -0.3 * s * np.sin(t) * h * 0.11],
            axis=-1)
        pts[f"{side}_shoulder"] = shoulder
        swing = np.cos(_rad(frame.arm[side]))
        elbow = shoulder + np.stack([np.full(n, lat * 0.03 * h), UPPER_ARM * h * swing],
                                    axis=-1)
        pts[f"{side}_elbow"] = elbow
        _hand(pts, side, elbow, np.stack([np.zeros(n), 0.6 * swing], axis=-1), h)
        pts[f"{side}_ear"] = mid_shoulder + np.array([lat * 0.07 * h, -0.12 * h])
        pts[f"{side}_eye"] = mid_shoulder + np.array([lat * 0.03 * h, -0.145 * h])
        pts[f"{side}_eye_inner"] = mid_shoulder + np.array([lat * 0.015 * h, -0.145 * h])
        pts[f"{side}_eye_outer"] = mid_shoulder + np.array([lat * 0.045 * h, -0.145 * h])
    pts["nose"] = mid_shoulder + np.array([0.0, -0.13 * h])
    pts["mouth_left"] = mid_shoulder + np.array([lateral("left", facing) * 0.02 * h, -0.105 * h])
    pts["mouth_right"] = mid_shoulder + np.array([lateral("right", facing) * 0.02 * h,
                                                  -0.105 * h])
    return pts


# ------------------------------------------------------------------------ to a Series


def to_series(pts: Points, visibility: dict[str, float], fps: float, noise: float,
              dropped: float, rng: np.random.Generator) -> Series:
    """Stack the landmarks, move them onto a canvas, add noise and drop frames."""
    missing = set(LANDMARKS) - set(pts)
    if missing:
        raise ValueError(f"landmarks not made: {sorted(missing)}")
    n = len(pts["nose"])
    xy = np.zeros((n, len(LANDMARKS), 2))
    for name, value in pts.items():
        xy[:, INDEX[name], :] = np.broadcast_to(value, (n, 2))
    margin = 40.0
    xy -= xy.reshape(-1, 2).min(axis=0) - margin
    width, height = (np.ceil(xy.reshape(-1, 2).max(axis=0) + margin)).astype(int)
    vis = np.tile([visibility.get(name, 0.95) for name in LANDMARKS], (n, 1))
    xy += rng.normal(0.0, noise, xy.shape) if noise > 0 else 0.0
    lost = rng.choice(n, size=round(dropped * n), replace=False) if dropped > 0 else []
    xy[lost] = np.nan
    vis[lost] = 0.0
    return Series(xy=xy, visibility=vis, fps=float(fps), width=int(width),
                  height=int(height), people=np.ones(n, dtype=int), source="synthetic")


def side_visibility(direction: int, near: float = 0.95, far: float = 0.7) -> dict[str, float]:
    """A runner going right shows the camera their RIGHT side, going left their left."""
    near_side = "right" if direction == 1 else "left"
    return {name: (near if name.startswith(near_side) else far)
            for name in LANDMARKS if name.startswith(SIDES)}


def front_visibility(facing: int) -> dict[str, float]:
    if facing == 1:
        return {}
    face = ("nose", "left_eye", "right_eye", "left_eye_inner", "right_eye_inner",
            "left_eye_outer", "right_eye_outer", "mouth_left", "mouth_right")
    return {name: 0.15 for name in face}


# ------------------------------------------------------------------------ the runner


@dataclass(frozen=True)
class Runner:
    """A synthetic runner; :meth:`series` films it, :meth:`truth` says what it did.

    ``direction``: side view, +1 running toward the image right, -1 left; front view, +1
    toward the camera (face seen), -1 away. ``speed``: side view, pixels per second across
    the image (0: a treadmill). ``height_px``: the runner's standing height in pixels.
    ``noise``: Gaussian pixel noise (sd) on every coordinate. ``dropped``: the fraction of
    frames lost (all landmarks NaN, visibility 0). Sided values take a (left, right) pair.
    """

    fps: float = 30.0
    seconds: float = 6.0
    cadence: float = 170.0
    hip_extension: Pair = 15.0
    overstride: Pair = 6.0
    pelvic_drop: Pair = 6.0
    knee_fppa: Pair = 8.0
    cva: float = 50.0
    direction: int = 1
    view: Literal["side", "front"] = "side"
    height_px: float = 400.0
    speed: float = 0.0
    noise: float = 0.0
    dropped: float = 0.0
    stance: float = 0.38
    seed: int = 0

    def phases(self) -> tuple[Array, dict[str, Array]]:
        """(times in s, each leg's phase per frame); the clip starts at a seeded phase."""
        n = max(1, round(self.seconds * self.fps))
        t = np.arange(n) / self.fps
        start = np.random.default_rng([self.seed, 1]).uniform()
        stride = 120.0 / self.cadence
        left = (t / stride + start) % 1.0
        return t, {"left": left, "right": (left + 0.5) % 1.0}

    def series(self) -> Series:
        rng = np.random.default_rng([self.seed, 2])
        pts = self._side() if self.view == "side" else self._front()
        vis = (side_visibility(self.direction) if self.view == "side"
               else front_visibility(self.direction))
        return to_series(pts, vis, self.fps, self.noise, self.dropped, rng)

    def truth(self) -> dict[tuple[str, str | None], float]:
        """What each measure should report: {(measure id, side): value}."""
        if self.view == "side":
            out: dict[tuple[str, str | None], float] = {
                ("cadence_spm", None): self.cadence,
                ("craniovertebral_angle_deg", None): self.cva}
            for side in SIDES:
                out["hip_extension_toe_off_deg", side] = pair(self.hip_extension)[side]
                out["overstride_deg", side] = pair(self.overstride)[side]
            return out
        out = {}
        for side in SIDES:
            out["pelvic_drop_deg", side] = pair(self.pelvic_drop)[side]
            out["knee_valgus_fppa_deg", side] = pair(self.knee_fppa)[side]
        return out

    def _side(self) -> Points:
        t, p = self.phases()
        s = self.stance
        lean = LEAN + LEAN_SWAY * np.cos(4 * np.pi * (p["left"] - s))
        lean_at_to = LEAN + LEAN_SWAY
        thigh, shank, arm = {}, {}, {}
        for side in SIDES:
            thigh_to = -(pair(self.hip_extension)[side] + lean_at_to)
            thigh[side] = _between(THIGH_AT_CONTACT, thigh_to, cycle(p[side], s))
            shank[side] = _between(pair(self.overstride)[side], thigh_to - KNEE_AT_TOE_OFF,
                                   cycle(p[side], s, lag=True))
            arm[side] = -25.0 * cycle(p[side], s) + 5.0
        frame = SideFrame(lean, thigh, shank, arm, 10.0 * np.sin(2 * np.pi * p["left"]))
        body = side_body(self.height_px, frame, self.cva)
        h = self.height_px
        bounce = SINK * h * np.cos(4 * np.pi * p["left"])
        origin = np.stack([self.direction * self.speed * t, bounce], axis=-1)
        return to_image(body, origin, self.direction)

    def _front(self) -> Points:
        _, p = self.phases()
        s, h = self.stance, self.height_px
        bump = {side: stance_bump(p[side], s) for side in SIDES}
        drop = pair(self.pelvic_drop)
        tilt = drop["left"] * bump["left"] - drop["right"] * bump["right"]
        centre = np.stack([np.zeros_like(tilt), SINK * h * (bump["left"] + bump["right"])],
                          axis=-1)
        ground = (HIP_HEIGHT - ANKLE_HEIGHT) * h
        ankles, fppa, arm = {}, {}, {}
        for side in SIDES:
            x = lateral(side, self.direction) * 0.9 * HIP_WIDTH / 2 * h
            lift = FOOT_LIFT * h * swing_bump(p[side], s)
            ankles[side] = np.stack([np.full_like(lift, x), ground - lift], axis=-1)
            fppa[side] = pair(self.knee_fppa)[side] * bump[side]
            arm[side] = 25.0 * cycle(p[side], s)
        return front_body(h, FrontFrame(centre, tilt, ankles, fppa, arm), self.direction)


# ------------------------------------------------------------------------ still poses


def standing(view: Literal["side", "front"] = "side", cva: float = 50.0,
             knee_fppa: Pair = 0.0, pelvic_obliquity: float = 0.0, fps: float = 30.0,
             seconds: float = 3.0, direction: int = 1, height_px: float = 400.0,
             noise: float = 0.0, dropped: float = 0.0, seed: int = 0) -> Series:
    """A person standing still (a slight sway), side view with the given craniovertebral
    angle, or front view with the given knee FPPA per side. ``fps=0`` gives one still
    frame."""
    n = max(1, round(seconds * fps)) if fps > 0 else 1
    t = np.arange(n) / fps if fps > 0 else np.zeros(1)
    sway = 0.004 * height_px * np.sin(2 * np.pi * 0.3 * t)
    rng = np.random.default_rng([seed, 3])
    zero = np.zeros(n)
    if view == "side":
        frame = SideFrame(np.full(n, 2.0), {s: zero for s in SIDES},
                          {s: zero for s in SIDES}, {s: zero for s in SIDES}, zero)
        body = side_body(height_px, frame, cva)
        pts = to_image(body, np.stack([sway, zero], axis=-1), direction)
        return to_series(pts, side_visibility(direction), fps, noise, dropped, rng)
    ground = (HIP_HEIGHT - ANKLE_HEIGHT) * height_px
    ankles = {s: np.stack([np.full(n, lateral(s, direction) * 0.9 * HIP_WIDTH / 2
                                   * height_px), np.full(n, ground)], axis=-1)
              for s in SIDES}
    fppa = {s: np.full(n, v) for s, v in pair(knee_fppa).items()}
    frame = FrontFrame(np.stack([sway, zero], axis=-1), np.full(n, pelvic_obliquity), ankles,
                       fppa, {s: zero for s in SIDES})
    pts = front_body(height_px, frame, direction)
    return to_series(pts, front_visibility(direction), fps, noise, dropped, rng)


def squat(knee_fppa: Pair = 10.0, fps: float = 30.0, seconds: float = 8.0,
          reps_per_min: float = 15.0, depth: float = 0.2, facing: int = 1,
          height_px: float = 400.0, noise: float = 0.0, dropped: float = 0.0,
          seed: int = 0) -> Series:
    """Repeated squats seen from the front: the pelvis sinks by ``depth * H`` and each knee's
    FPPA grows with depth, reaching ``knee_fppa`` at the deepest point of every rep."""
    n = max(1, round(seconds * fps))
    t = np.arange(n) / fps
    period = 60.0 / reps_per_min
    start = np.random.default_rng([seed, 1]).uniform()
    deep = (1.0 - np.cos(2 * np.pi * (t / period + start))) / 2.0  # 0 standing .. 1 deepest
    zero = np.zeros(n)
    ground = (HIP_HEIGHT - ANKLE_HEIGHT) * height_px
    ankles = {s: np.stack([np.full(n, lateral(s, facing) * 1.1 * HIP_WIDTH / 2 * height_px),
                           np.full(n, ground)], axis=-1) for s in SIDES}
    fppa = {s: v * deep for s, v in pair(knee_fppa).items()}
    centre = np.stack([zero, depth * height_px * deep], axis=-1)
    frame = FrontFrame(centre, zero, ankles, fppa, {s: np.full(n, 60.0) for s in SIDES})
    pts = front_body(height_px, frame, facing)
    rng = np.random.default_rng([seed, 2])
    return to_series(pts, front_visibility(facing), fps, noise, dropped, rng)
