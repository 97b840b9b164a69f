"""Posture and running kinematics from landmark series: the geometry helpers on exact
figures, the filter on known signals, the gait events and every measure against the
synthetic runner's known answers (with pixel noise and dropped frames), the left/right and
sign conventions, and the refusals."""

from __future__ import annotations

import dataclasses
import random
import warnings

import numpy as np
import pytest

from crux.movement._angles import (
    direction_deg,
    elevation_deg,
    from_vertical_deg,
    joint_angle_deg,
    signed_angle_deg,
    wrap_deg,
)
from crux.movement._filters import (
    cubic_at,
    default_cutoff,
    fill_gaps,
    lowpass,
    runs,
    smooth,
)
from crux.movement._gait import MIN_FPS, GaitError, side_events, travel_direction
from crux.movement._kinematics import (
    Measure,
    MovementError,
    fppa,
    measure,
    not_measured,
    pelvic_drop,
)
from crux.movement._series import INDEX, LANDMARKS, Series
from tests.support.runner import Runner, squat, standing

DEG = 1.0  # every angle within a degree of the truth
SPM = 1.0  # cadence within a step per minute
NOISE_PX = 1.0  # at a runner 350-500 px tall
DROPPED = 0.05


def by_key(measures: list[Measure]) -> dict[tuple[str, str | None], Measure]:
    return {(m.id, m.side): m for m in measures}


def assert_truth(measures: list[Measure], truth: dict[tuple[str, str | None], float],
                 context: object) -> None:
    got = by_key(measures)
    assert set(got) == set(truth), context
    for key, want in truth.items():
        tolerance = SPM if key[0] == "cadence_spm" else DEG
        assert abs(got[key].value - want) <= tolerance, (key, got[key].value, want, context)
        assert 0.0 <= got[key].confidence <= 1.0
        assert got[key].frames and all(isinstance(f, int) for f in got[key].frames)


# ----------------------------------------------------------------------------- angles

# a 3-4-5 triangle in image coordinates (y down): C is 3 px ABOVE B
A, B, C = np.array([0.0, 0.0]), np.array([4.0, 0.0]), np.array([4.0, -3.0])
SMALL = np.degrees(np.arctan2(3, 4))  # 36.87, the angle at A


def test_joint_angles_of_a_known_triangle() -> None:
    assert joint_angle_deg(A, B, C) == pytest.approx(90.0)
    assert joint_angle_deg(B, A, C) == pytest.approx(SMALL)
    assert joint_angle_deg(A, C, B) == pytest.approx(90.0 - SMALL)
    assert joint_angle_deg(A, B, 2 * B) == pytest.approx(180.0)  # a straight line


def test_segment_angles_know_that_y_points_down() -> None:
    assert elevation_deg(A, C) == pytest.approx(SMALL)  # C is higher on screen
    assert elevation_deg(C, A) == pytest.approx(-SMALL)
    assert elevation_deg(B, A) == pytest.approx(0.0)  # pointing left is still level
    assert direction_deg(A, C) == pytest.approx(SMALL)
    assert direction_deg(C, A) == pytest.approx(SMALL - 180.0)
    assert direction_deg(B, C) == pytest.approx(90.0)  # straight up the screen
    assert from_vertical_deg(C, B) == pytest.approx(0.0)  # B straight below C
    assert from_vertical_deg(C, A, forward=-1) == pytest.approx(90.0 - SMALL)
    assert from_vertical_deg(C, A, forward=1) == pytest.approx(SMALL - 90.0)


def test_signed_angle_is_counter_clockwise_on_screen() -> None:
    right, up = np.array([1.0, 0.0]), np.array([0.0, -1.0])
    assert signed_angle_deg(right, up) == pytest.approx(90.0)
    assert signed_angle_deg(up, right) == pytest.approx(-90.0)
    assert signed_angle_deg(B - A, C - A) == pytest.approx(SMALL)


def test_wrap() -> None:
    assert wrap_deg([190.0, -190.0, 540.0, 0.0]) == pytest.approx([-170.0, 170.0, -180.0, 0.0])


def test_angles_are_vectorised_and_nan_safe() -> None:
    a = np.array([[0.0, 0.0], [np.nan, 0.0], [0.0, 0.0]])
    b = np.array([[4.0, 0.0], [4.0, 0.0], [4.0, 0.0]])
    c = np.array([[4.0, -3.0], [4.0, -3.0], [8.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = joint_angle_deg(a, b, c)
        elev = elevation_deg(a, c)
    assert got[0] == pytest.approx(90.0) and np.isnan(got[1]) and got[2] == pytest.approx(180)
    assert elev[0] == pytest.approx(SMALL) and np.isnan(elev[1])


# ----------------------------------------------------------------------------- filters


def _sine(freq: float, fps: float, seconds: float = 10.0, amplitude: float = 10.0
          ) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * freq * np.arange(round(seconds * fps)) / fps)


def test_a_running_frequency_sine_passes() -> None:
    x = _sine(2.0, 60.0)
    y = lowpass(x, 60.0, 8.0)
    assert np.max(np.abs(y - x)[60:-60]) < 0.1


def test_the_cutoff_is_the_minus_3_db_point_of_the_two_pass_filter() -> None:
    y = lowpass(_sine(8.0, 120.0, amplitude=1.0), 120.0, 8.0)
    assert np.max(np.abs(y[240:-240])) == pytest.approx(1 / np.sqrt(2), abs=0.03)


def test_noise_is_reduced() -> None:
    noise = np.random.default_rng(1).normal(0.0, 1.0, 3000)
    assert np.std(lowpass(noise, 60.0, 8.0)) < 0.6


def test_short_gaps_are_filled_long_gaps_are_not() -> None:
    truth = _sine(1.0, 30.0, 4.0)
    x = truth.copy()
    x[:2] = np.nan  # leading: no data before it
    x[30:33] = np.nan  # 0.1 s: filled
    x[60:70] = np.nan  # 0.33 s: left missing
    y = fill_gaps(x, max_gap=6)
    assert np.max(np.abs(y[30:33] - truth[30:33])) < 0.05  # a spline, not a straight line
    assert np.isnan(y[60:70]).all() and np.isnan(y[:2]).all()
    assert np.array_equal(y[~np.isnan(x)], x[~np.isnan(x)])


def test_each_run_is_filtered_on_its_own() -> None:
    x = _sine(2.0, 60.0, 2.0)
    x[50:60] = np.nan
    x[65:] = np.nan
    x[60:65] = [1.0, 5.0, -3.0, 2.0, 0.0]  # too short for filtfilt's padding: kept as is
    y = lowpass(x, 60.0, 8.0)
    assert runs(~np.isnan(y)) == [(0, 50), (60, 65)]
    assert np.array_equal(y[60:65], x[60:65])
    assert not np.array_equal(y[:50], x[:50])


def test_cutoff_choice() -> None:
    assert default_cutoff(30.0) == 8.0
    assert default_cutoff(24.0) == pytest.approx(7.2)  # capped at 0.3 fps
    assert default_cutoff(60.0, "standing") == 2.0
    with pytest.raises(ValueError, match="cutoff"):
        lowpass(np.zeros(50), 20.0, 9.0)


def test_cubic_reading_between_frames_is_exact_for_a_cubic() -> None:
    t = np.arange(20.0)
    x = 0.1 * t**3 - t**2 + 3 * t
    at = np.array([3.25, 7.5, 10.9])
    assert cubic_at(x, at) == pytest.approx(0.1 * at**3 - at**2 + 3 * at)


def test_smooth_fills_dropped_frames_and_keeps_a_still_image() -> None:
    raw = Runner(noise=0.0, dropped=0.05, seed=3).series()
    lost = np.isnan(raw.xy[:, 0, 0])
    clean = smooth(raw)
    inner = lost.copy()
    inner[:3] = inner[-3:] = False
    assert not np.isnan(clean.xy[inner]).any()
    assert (clean.visibility[inner] > 0.5).all()
    still = standing(fps=0)
    assert np.array_equal(smooth(still).xy, still.xy)


# ----------------------------------------------------------------------------- gait


@pytest.mark.parametrize("direction,speed", [(1, 0.0), (-1, 0.0), (1, 300.0), (-1, 300.0)])
def test_events_fall_on_the_models_contacts_and_toe_offs(direction: int, speed: float) -> None:
    r = Runner(fps=60.0, direction=direction, speed=speed, seed=5)
    events = side_events(smooth(r.series()))
    assert events.direction == direction
    _, phase = r.phases()
    stride = 120.0 / r.cadence * r.fps
    # seconds: a toe-off's peak is lopsided (sharp before, flat after), and the low-pass
    # moves its top toward the flat side by about 10 ms
    for side in ("left", "right"):
        first_ic = (1.0 - phase[side][0]) % 1.0 * stride
        for times, offset, tolerance in ((events.contacts[side], 0.0, 0.003),
                                         (events.toe_offs[side], r.stance, 0.015)):
            cycles = (np.asarray(times) - first_ic - offset * stride) / stride
            assert np.abs(cycles - np.round(cycles)).max() * stride / r.fps < tolerance


def test_direction_falls_back_to_the_face() -> None:
    series = Runner(direction=-1).series()
    xy = series.xy.copy()
    for side in ("left", "right"):
        xy[:, INDEX[f"{side}_heel"]] = np.nan
        xy[:, INDEX[f"{side}_foot_index"]] = np.nan
    assert travel_direction(dataclasses.replace(series, xy=xy)) == -1


# ----------------------------------------------------------------------------- accuracy


def _side_cases(n: int = 24) -> list[Runner]:
    rng = random.Random(20240601)
    return [Runner(
        fps=rng.choice([24.0, 30.0, 60.0, 120.0]), seconds=10.0,
        cadence=rng.uniform(140.0, 220.0),
        hip_extension=(rng.uniform(0.0, 30.0), rng.uniform(0.0, 30.0)),
        overstride=(rng.uniform(-5.0, 15.0), rng.uniform(-5.0, 15.0)),
        cva=rng.uniform(35.0, 65.0), direction=rng.choice([1, -1]),
        speed=rng.choice([0.0, 150.0, 400.0]), height_px=rng.uniform(350.0, 500.0),
        noise=NOISE_PX, dropped=DROPPED, seed=i) for i in range(n)]


def _front_cases(n: int = 24) -> list[Runner]:
    rng = random.Random(20240602)
    return [Runner(
        view="front", fps=rng.choice([24.0, 30.0, 60.0, 120.0]), seconds=10.0,
        cadence=rng.uniform(140.0, 220.0),
        pelvic_drop=(rng.uniform(0.0, 12.0), rng.uniform(0.0, 12.0)),
        knee_fppa=(rng.uniform(-10.0, 20.0), rng.uniform(-10.0, 20.0)),
        direction=rng.choice([1, -1]), height_px=rng.uniform(350.0, 500.0),
        noise=NOISE_PX, dropped=DROPPED, seed=100 + i) for i in range(n)]


@pytest.mark.parametrize("runner", _side_cases(), ids=lambda r: f"side-seed{r.seed}")
def test_side_view_running_measures(runner: Runner) -> None:
    assert_truth(measure(runner.series(), "side", "running"), runner.truth(), runner)


@pytest.mark.parametrize("runner", _front_cases(), ids=lambda r: f"front-seed{r.seed}")
def test_front_view_running_measures(runner: Runner) -> None:
    assert_truth(measure(runner.series(), "front", "running"), runner.truth(), runner)


@pytest.mark.parametrize("seed", range(8))
def test_standing_craniovertebral_angle(seed: int) -> None:
    rng = random.Random(seed)
    cva, direction = rng.uniform(30.0, 70.0), rng.choice([1, -1])
    series = standing("side", cva=cva, direction=direction, fps=rng.choice([30.0, 60.0]),
                      noise=NOISE_PX, dropped=DROPPED, seed=seed)
    (m,) = measure(series, "side", "standing")
    assert m.id == "craniovertebral_angle_deg" and m.side is None
    assert abs(m.value - cva) <= DEG
    assert "C7" in m.note and "shoulder" in m.note
    # one photograph, exact
    (still,) = measure(standing("side", cva=cva, direction=direction, fps=0), "side",
                       "standing")
    assert still.value == pytest.approx(cva) and still.frames == [0]


@pytest.mark.parametrize("seed", range(8))
def test_squat_and_standing_knee_fppa(seed: int) -> None:
    rng = random.Random(seed)
    fppa_lr = (rng.uniform(-10.0, 20.0), rng.uniform(-10.0, 20.0))
    facing = rng.choice([1, -1])
    want = {("knee_valgus_fppa_deg", "left"): fppa_lr[0],
            ("knee_valgus_fppa_deg", "right"): fppa_lr[1]}
    clip = squat(knee_fppa=fppa_lr, facing=facing, fps=rng.choice([24.0, 30.0, 60.0]),
                 seconds=20.0, noise=NOISE_PX, dropped=DROPPED, seed=seed)
    assert_truth(measure(clip, "front", "squat"), want, ("squat", seed))
    still = standing("front", knee_fppa=fppa_lr, direction=facing, noise=NOISE_PX,
                     dropped=DROPPED, seed=seed)
    assert_truth(measure(still, "front", "standing"), want, ("standing", seed))


# ----------------------------------------------------------------------------- conventions


def _frame(points: dict[str, tuple[float, float]]) -> Series:
    xy = np.full((1, len(LANDMARKS), 2), np.nan)
    for name, p in points.items():
        xy[0, INDEX[name]] = p
    return Series(xy=xy, visibility=np.where(np.isnan(xy[..., 0]), 0.0, 0.9), fps=0.0,
                  width=300, height=500, people=np.ones(1, dtype=int))


def test_fppa_sign_follows_the_person_not_the_image() -> None:
    # facing the camera: their right hip is on the image LEFT; the right knee pushed toward
    # the image right is pushed toward the midline, valgus
    legs = {"right_hip": (100, 200), "right_knee": (110, 300), "right_ankle": (100, 400),
            "left_hip": (150, 200), "left_knee": (150, 300), "left_ankle": (150, 400)}
    valgus = 2 * np.degrees(np.arctan2(10, 100))
    facing = _frame(legs)
    assert fppa(facing, "right")[0] == pytest.approx(valgus)
    assert fppa(facing, "left")[0] == pytest.approx(0.0)
    # the same body seen from behind (mirror image): still valgus
    behind = _frame({k: (250 - x, y) for k, (x, y) in legs.items()})
    assert fppa(behind, "right")[0] == pytest.approx(valgus)
    # knee pushed out (away from the other hip): varus, negative
    varus = _frame({**legs, "right_knee": (90, 300)})
    assert fppa(varus, "right")[0] == pytest.approx(-valgus)


def test_pelvic_drop_sign() -> None:
    # the right hip 5 px lower than the left, 50 px apart: standing on the left leg, that is
    # a contralateral drop; standing on the right, a hip hike
    frame = _frame({"right_hip": (100, 205), "left_hip": (150, 200)})
    drop = np.degrees(np.arctan2(5, 50))
    assert pelvic_drop(frame, "left")[0] == pytest.approx(drop)
    assert pelvic_drop(frame, "right")[0] == pytest.approx(-drop)


@pytest.mark.parametrize("direction", [1, -1])
def test_front_view_sides_are_not_swapped(direction: int) -> None:
    r = Runner(view="front", direction=direction, pelvic_drop=(3.0, 9.0),
               knee_fppa=(12.0, -4.0), seconds=8.0)
    got = by_key(measure(r.series(), "front", "running"))
    assert got["pelvic_drop_deg", "left"].value == pytest.approx(3.0, abs=0.3)
    assert got["pelvic_drop_deg", "right"].value == pytest.approx(9.0, abs=0.3)
    assert got["knee_valgus_fppa_deg", "left"].value == pytest.approx(12.0, abs=0.3)
    assert got["knee_valgus_fppa_deg", "right"].value == pytest.approx(-4.0, abs=0.3)
    assert "mirrored" not in got["pelvic_drop_deg", "left"].note


@pytest.mark.parametrize("direction", [1, -1])
def test_side_view_sides_are_not_swapped(direction: int) -> None:
    r = Runner(direction=direction, hip_extension=(5.0, 25.0), overstride=(-3.0, 12.0),
               speed=200.0)
    got = by_key(measure(r.series(), "side", "running"))
    assert got["hip_extension_toe_off_deg", "left"].value == pytest.approx(5.0, abs=0.3)
    assert got["hip_extension_toe_off_deg", "right"].value == pytest.approx(25.0, abs=0.3)
    assert got["overstride_deg", "left"].value == pytest.approx(-3.0, abs=0.3)
    assert got["overstride_deg", "right"].value == pytest.approx(12.0, abs=0.3)


def test_a_mirrored_front_video_is_flagged() -> None:
    series = Runner(view="front", direction=1).series()
    swap = [INDEX[n.replace("left", "@").replace("right", "left").replace("@", "right")]
            for n in LANDMARKS]
    mirrored = dataclasses.replace(series, xy=series.xy[:, swap],
                                   visibility=series.visibility[:, swap])
    notes = [m.note for m in measure(mirrored, "front", "running")]
    assert notes and all("mirrored" in n for n in notes)


def test_views_and_activities_pick_their_measures() -> None:
    assert {m.id for m in measure(standing("front"), "front", "standing")} == {
        "knee_valgus_fppa_deg"}
    with pytest.raises(MovementError, match="a squat is measured from the front"):
        measure(standing("side"), "side", "squat")


def test_what_is_not_measured_says_why() -> None:
    always = {n.id: n.reason for n in not_measured()}
    assert set(always) == {"pelvic_tilt_deg", "shoulder_protraction_deg"}
    assert "ASIS" in always["pelvic_tilt_deg"] and "C7" in always["shoulder_protraction_deg"]
    front = {n.id: n.reason for n in not_measured("front", "running")}
    assert "side view" in front["craniovertebral_angle_deg"]
    assert "cadence_spm" in front and "pelvic_drop_deg" not in front
    assert str(not_measured()[0]).startswith("pelvic_tilt_deg: not measured")


# ----------------------------------------------------------------------------- refusals


def test_errors_are_value_errors() -> None:
    assert issubclass(MovementError, ValueError) and issubclass(GaitError, ValueError)


def test_too_short_for_two_strides() -> None:
    with pytest.raises(MovementError, match="fewer than 2 strides"):
        measure(Runner(seconds=1.0).series(), "side", "running")
    with pytest.raises(MovementError, match="fewer than 2 complete stances"):
        measure(Runner(view="front", seconds=0.8).series(), "front", "running")


def test_too_low_a_frame_rate() -> None:
    for view in ("side", "front"):
        with pytest.raises(MovementError, match=f"at least {MIN_FPS:g}"):
            measure(Runner(view=view, fps=15.0).series(), view, "running")


def test_the_wrong_view() -> None:
    with pytest.raises(MovementError, match="not look like a front view"):
        measure(Runner(view="side").series(), "front", "running")
    with pytest.raises(MovementError, match="not look like a side view"):
        measure(Runner(view="front").series(), "side", "running")
    with pytest.raises(MovementError, match="not look like a side view"):
        measure(standing("front"), "side", "standing")


def test_no_person_in_most_frames() -> None:
    series = Runner().series()
    xy, people = series.xy.copy(), series.people.copy()
    xy[: series.frames * 2 // 3] = np.nan
    people[: series.frames * 2 // 3] = 0
    empty = dataclasses.replace(series, xy=xy, people=people)
    with pytest.raises(MovementError, match="person was found in only"):
        measure(empty, "side", "running")


def test_unknown_view_or_activity() -> None:
    with pytest.raises(MovementError, match="view"):
        measure(standing(), "top", "standing")  # type: ignore[arg-type]
    with pytest.raises(MovementError, match="activity"):
        measure(standing(), "side", "jumping")  # type: ignore[arg-type]
