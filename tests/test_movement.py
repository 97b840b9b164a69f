"""The real pose model end to end, on real photographs of people shipped by the registries:
scikit-image's `camera` (a man seen from the side) and Debian's opencv-doc `basketball1.png`
(a man standing, facing the camera; fetched at test time with `apt-get download`, never
committed). Bad input is refused with a clear message and no partial result."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from crux.cli import app
from crux.movement import MovementError, WorkerPose, analyse, annotate, default_python

from .conftest import REPO
from .support import media

MAKE_VIDEO = REPO / "tests" / "support" / "make_video.py"

pytestmark = pytest.mark.skipif(
    not default_python().exists(),
    reason="the pose environment .venv-pose is missing (make test makes it)")


@pytest.fixture(scope="module")
def camera() -> Path:
    return media.camera()


@pytest.fixture(scope="module")
def basketball() -> Path:
    return media.basketball()


def video(image: Path, out: Path, fps: float, seconds: float) -> Path:
    subprocess.run([str(default_python()), str(MAKE_VIDEO), str(image), str(out), str(fps),
                    str(seconds)], check=True)
    return out


def test_the_forward_head_angle_of_a_man_seen_from_the_side(camera: Path,
                                                            tmp_path: Path) -> None:
    """He faces the image's right and leans into a viewfinder: the near side is his right,
    and his head is well forward of his shoulder (a low angle); the same photograph
    mirrored gives about the same angle from his other side."""
    result = analyse(camera, "side", "standing")
    (cva,) = result.measures
    assert cva.id == "craniovertebral_angle_deg"
    assert 10 <= cva.value <= 40, cva
    assert cva.note.startswith("right ear and shoulder") and "C7" in cva.note
    assert "turned toward the camera" in cva.note  # his shoulders are turned: less sure
    assert cva.frames == [0] and 0.2 <= cva.confidence <= 0.35
    mirrored = tmp_path / "mirrored.png"
    Image.open(camera).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(mirrored)
    (other,) = analyse(mirrored, "side", "standing").measures
    assert other.note.startswith("left ear and shoulder")
    assert abs(other.value - cva.value) < 10
    (drawn,) = annotate(result, camera, tmp_path)
    pixels = np.asarray(Image.open(drawn).convert("RGB"))
    red = (pixels == [255, 60, 60]).all(axis=-1)
    assert red.sum() > 50  # the measured line is drawn
    for landmark in ("right_ear", "right_shoulder"):  # drawn where it was measured
        x, y = (int(v) for v in result.series.point(landmark)[0])
        assert red[y - 4:y + 5, x - 4:x + 5].any(), landmark


def test_the_knees_of_a_man_facing_the_camera(basketball: Path) -> None:
    result = analyse(basketball, "front", "standing")
    sides = {m.side: m for m in result.measures}
    assert set(sides) == {"left", "right"}
    for m in sides.values():
        assert m.id == "knee_valgus_fppa_deg"
        assert -15 <= m.value <= 20, m  # standing straight: knees near the line
        assert m.confidence >= 0.5


def test_a_video_gives_the_same_as_its_frames_and_more_support(basketball: Path,
                                                               tmp_path: Path) -> None:
    clip = video(basketball, tmp_path / "standing.mp4", 30, 2)
    moving = {m.side: m for m in analyse(clip, "front", "standing").measures}
    still = {m.side: m for m in analyse(basketball, "front", "standing").measures}
    for side in ("left", "right"):
        assert abs(moving[side].value - still[side].value) < 5
        assert moving[side].confidence >= still[side].confidence
        assert len(moving[side].frames) == 60


@pytest.mark.parametrize(("make", "view", "activity", "words"), [
    ("blank", "front", "standing", "a person was found"),
    ("two_people", "front", "standing", "several people"),
    ("text", "side", "standing", "not a video or an image"),
    ("no_running_clip", "front", "running", "fewer than 2 complete"),
    ("slow_clip", "front", "running", "frames per second"),
    ("wrong_view", "side", "standing", "does not look like a side view"),
    ("wrong_view_front", "front", "standing", "does not look like a front view"),
    ("photo_running", "front", "running", "a photograph shows standing posture only"),
    ("side_squat", "side", "squat", "a squat is measured from the front"),
])
def test_bad_input_gets_a_clear_message_and_no_result(make: str, view: str, activity: str,
                                                      words: str, basketball: Path,
                                                      camera: Path, tmp_path: Path) -> None:
    path = tmp_path / "input.png"
    if make == "blank":
        Image.new("RGB", (640, 480), (128, 128, 128)).save(path)
    elif make == "two_people":
        picture = np.asarray(Image.open(basketball).convert("RGB"))
        man = picture[60:480, 20:200]
        two = np.full_like(picture, 200)
        two[60:480, 40:220] = man
        two[60:480, 360:540] = man
        Image.fromarray(two).save(path)
    elif make == "text":
        path = tmp_path / "notes.mp4"
        path.write_text("not a video at all")
    elif make == "no_running_clip":  # a man standing, given as running: no strides in it
        path = video(basketball, tmp_path / "standing.mp4", 30, 1)
    elif make == "slow_clip":
        path = video(basketball, tmp_path / "slow.mp4", 10, 3)
    elif make == "wrong_view":
        path = basketball
    elif make == "wrong_view_front":
        path = camera
    elif make == "side_squat":
        path = video(basketball, tmp_path / "squat.mp4", 30, 1)
    else:
        path = basketball
    with pytest.raises(MovementError, match=words):
        analyse(path, view, activity)  # type: ignore[arg-type]


def test_the_command_adds_the_measures_to_a_case(basketball: Path, tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"version": 1, "complaints": [
        {"region": "knee_front", "side": "right"}],
        "measurements": {"knee_valgus_fppa_deg": {"left": 2.0}, "cadence_spm": 170}}))
    got = CliRunner().invoke(app, ["movement", "analyse", str(basketball), "--view", "front",
                                   "--activity", "standing", "--format", "json",
                                   "--annotated", str(tmp_path / "frames"),
                                   "--into", str(case)])
    assert got.exit_code == 0, got.output
    out = json.loads(got.output)
    assert {m["id"] for m in out["measures"]} == {"knee_valgus_fppa_deg"}
    assert {n["id"] for n in out["not_measured"]} >= {"pelvic_tilt_deg",
                                                     "shoulder_protraction_deg"}
    assert len(out["annotated"]) == 1 and Path(out["annotated"][0]).exists()
    kept = json.loads(case.read_text())
    assert kept["measurements"]["cadence_spm"] == 170  # what was there stays
    assert set(kept["measurements"]["knee_valgus_fppa_deg"]) == {"left", "right"}
    from crux.contract import parse_case

    parse_case(kept)


def test_the_command_refuses_with_the_reason_and_leaves_the_case(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    original = json.dumps({"version": 1, "complaints": [{"region": "neck", "side": "central"}]})
    case.write_text(original)
    blank = tmp_path / "blank.png"
    Image.new("RGB", (320, 240)).save(blank)
    got = CliRunner().invoke(app, ["movement", "analyse", str(blank), "--view", "side",
                                   "--activity", "standing", "--into", str(case)])
    assert got.exit_code == 2 and "a person was found" in got.output
    assert case.read_text() == original


def test_the_worker_is_the_only_place_the_model_runs() -> None:
    """The app's environment has numpy 2 and no mediapipe: the model runs only in the
    worker's environment."""
    import importlib.util

    assert np.__version__.startswith("2.")
    assert importlib.util.find_spec("mediapipe") is None
    check = subprocess.run([str(default_python()), "-c",
                            "import numpy, mediapipe; print(numpy.__version__)"],
                           capture_output=True, text=True, check=True)
    assert check.stdout.startswith("1.")
    assert WorkerPose.default().python == default_python()


def test_an_annotated_video_has_every_frame_drawn(basketball: Path, tmp_path: Path) -> None:
    clip = video(basketball, tmp_path / "clip.mp4", 30, 1)
    out = tmp_path / "drawn.mp4"
    got = CliRunner().invoke(app, ["movement", "analyse", str(clip), "--view", "front",
                                   "--activity", "standing", "--annotated-video", str(out)])
    assert got.exit_code == 0, got.output
    count = subprocess.run([str(default_python()), "-c",
                            "import cv2, sys; c = cv2.VideoCapture(sys.argv[1]); "
                            "print(int(c.get(cv2.CAP_PROP_FRAME_COUNT)))", str(out)],
                           capture_output=True, text=True, check=True)
    assert int(count.stdout) == 30
    photo = CliRunner().invoke(app, ["movement", "analyse", str(basketball), "--view", "front",
                                     "--activity", "standing", "--annotated-video",
                                     str(tmp_path / "x.mp4")])
    assert photo.exit_code == 2 and "is a photograph; use --annotated" in photo.output
