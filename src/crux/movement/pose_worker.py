"""The pose worker: runs in its own environment (.venv-pose: mediapipe 0.10.21, numpy
below 2, OpenCV), never imported by the app. It reads a video or a still image and writes
the 33 BlazePose landmarks of each frame, in pixels, as JSON (the app's Series format);
or it writes chosen frames as PNG for the annotated key frames.

    python pose_worker.py landmarks INPUT OUTPUT.json [--progress]
    python pose_worker.py frames INPUT OUTDIR 12 40 77
    python pose_worker.py video INPUT LANDMARKS.json OUTPUT.mp4 "caption line" ...

Exit status 0 on success; 3 when the input is not a readable video or image (with a JSON
error on standard output), 1 on anything else. It imports nothing of the app, so the app
and the worker can differ in numpy.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

PEOPLE_EVERY_SECONDS = 1.0  # how often a second person is looked for in a video
PROGRESS_EVERY = 15  # frames between progress lines
PEOPLE_WIDTH = 400  # frames are looked at this wide for people (a third of the time of 640)


class Unreadable(Exception):
    """Not a video or an image that OpenCV can read."""


def _open(path: Path) -> tuple[Any, float, bool]:
    """(capture or image, fps, is_video)."""
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is not None:
        return image, 0.0, False
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise Unreadable(f"{path.name} is not a video or an image that can be read")
    ok, _ = capture.read()
    if not ok:
        raise Unreadable(f"{path.name} is not a video or an image that can be read")
    capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
    fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
    if not 1.0 <= fps <= 1000.0:
        raise Unreadable(f"{path.name} does not say its frame rate ({fps:g} frames per "
                         "second), so no time can be measured in it")
    return capture, fps, True


def _frames(source: Any, is_video: bool) -> Any:
    if not is_video:
        yield source
        return
    while True:
        ok, frame = source.read()
        if not ok:
            return
        yield frame


def _decoded(source: Any, is_video: bool) -> Any:
    """(frame, frame in RGB) one after another, decoded a few frames ahead on another
    thread (OpenCV releases the GIL while it decodes), so the pose model never waits."""
    import queue
    import threading

    import cv2

    ahead: queue.Queue[Any] = queue.Queue(maxsize=8)

    def read() -> None:
        for frame in _frames(source, is_video):
            ahead.put((frame, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
        ahead.put(None)

    threading.Thread(target=read, daemon=True).start()
    while (item := ahead.get()) is not None:
        yield item


COMPARABLE = 0.6  # a second person counts when at least this tall beside the tallest


def _people(detector: Any, frame: Any) -> int:
    """People in a frame by OpenCV's HOG people detector (it ships with OpenCV: nothing to
    download): boxes that overlap are counted once, and a person much smaller than the
    tallest one (someone far behind, or cut off by the frame) is not counted, so that a
    clip of one person with others in the background stays that person's."""
    import cv2

    height, width = frame.shape[:2]
    scale = min(1.0, PEOPLE_WIDTH / max(width, height))
    small = cv2.resize(frame, (int(width * scale), int(height * scale))) if scale < 1 else frame
    boxes, weights = detector.detectMultiScale(small, winStride=(8, 8), padding=(8, 8),
                                               scale=1.05)
    kept = [list(map(int, b)) for b, w in zip(boxes, weights, strict=False) if float(w) > 0.6]
    if not kept:
        return 0
    indices = [int(i) for i in cv2.dnn.NMSBoxes(kept, [1.0] * len(kept), 0.5, 0.3)]
    tallest = max(kept[i][3] for i in indices)
    return sum(1 for i in indices if kept[i][3] >= COMPARABLE * tallest)


def landmarks(path: Path, progress: bool = False) -> dict[str, Any]:
    """The landmarks of every frame; with ``progress``, a line of JSON on standard output
    every PROGRESS_EVERY frames ({"done": n, "total": frames})."""
    import cv2
    import mediapipe as mp

    source, fps, is_video = _open(path)
    pose = mp.solutions.pose.Pose(static_image_mode=not is_video, model_complexity=1,
                                  smooth_landmarks=is_video)
    detector = cv2.HOGDescriptor()
    detector.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    every = max(1, round(fps * PEOPLE_EVERY_SECONDS)) if is_video else 1
    total = int(source.get(cv2.CAP_PROP_FRAME_COUNT)) if is_video else 1
    xy: list[Any] = []
    visibility: list[list[float]] = []
    counted: dict[int, Future[int]] = {}
    width = height = 0
    # people are counted on another core while the pose model runs (both release the GIL)
    with ThreadPoolExecutor(max_workers=1) as counter:
        for n, (frame, rgb) in enumerate(_decoded(source, is_video)):
            height, width = frame.shape[:2]
            if n % every == 0:
                counted[n] = counter.submit(_people, detector, frame)
            found = pose.process(rgb).pose_landmarks
            if found is None:
                xy.append([[None, None]] * 33)
                visibility.append([0.0] * 33)
            else:
                xy.append([[round(p.x * width, 2), round(p.y * height, 2)]
                           for p in found.landmark])
                visibility.append([round(p.visibility, 3) for p in found.landmark])
            if progress and (n + 1) % PROGRESS_EVERY == 0:
                print(json.dumps({"done": n + 1, "total": total}), flush=True)
        people = [counted[n].result() if n in counted else -1 for n in range(len(xy))]
    pose.close()
    if is_video:
        source.release()
    if not xy:
        raise Unreadable(f"{path.name} has no frames")
    return {"fps": fps, "width": width, "height": height, "source": path.name,
            "xy": xy, "visibility": visibility, "people": people}


def frames(path: Path, out: Path, wanted: list[int]) -> list[str]:
    import cv2

    source, _, is_video = _open(path)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    want = set(wanted)
    for n, frame in enumerate(_frames(source, is_video)):
        if n in want:
            target = out / f"frame-{n:05d}.png"
            cv2.imwrite(str(target), frame)
            written.append(str(target))
        if n >= max(want, default=-1):
            break
    if is_video:
        source.release()
    return written


BONES = (
    (11, 12), (23, 24), (11, 23), (12, 24), (11, 13), (13, 15), (12, 14), (14, 16),
    (23, 25), (25, 27), (24, 26), (26, 28), (27, 29), (29, 31), (27, 31), (28, 30),
    (30, 32), (28, 32), (7, 11), (8, 12),
)


def video(path: Path, landmarks_json: Path, out: Path, captions: list[str]) -> str:
    """The clip again with the skeleton the model saw drawn on every frame and the
    measures written at the top (mp4)."""
    import cv2

    source, fps, is_video = _open(path)
    if not is_video:
        raise Unreadable(f"{path.name} is a still image, not a video")
    data = json.loads(landmarks_json.read_text(encoding="utf-8"))
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    for n, frame in enumerate(_frames(source, True)):
        if writer is None:
            height, width = frame.shape[:2]
            writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps or 30.0,
                                     (width, height))
            if not writer.isOpened():
                raise RuntimeError(f"cannot write a video to {out}")
        points = data["xy"][n] if n < len(data["xy"]) else []
        seen = data["visibility"][n] if n < len(data["visibility"]) else []
        for a, b in BONES:
            if points and points[a][0] is not None and points[b][0] is not None \
                    and min(seen[a], seen[b]) >= 0.3:
                pa = (int(points[a][0]), int(points[a][1]))
                pb = (int(points[b][0]), int(points[b][1]))
                cv2.line(frame, pa, pb, (255, 255, 255), 4)
                cv2.line(frame, pa, pb, (120, 200, 40), 2)
        for i, text in enumerate(captions):
            y = 22 + 22 * i
            cv2.putText(frame, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 4)
            cv2.putText(frame, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                        (255, 255, 255), 1)
        writer.write(frame)
    source.release()
    if writer is not None:
        writer.release()
    return str(out)


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["landmarks"] and len(argv) in (3, 4):
            data = landmarks(Path(argv[1]), progress=argv[3:] == ["--progress"])
            Path(argv[2]).write_text(json.dumps(data), encoding="utf-8")
            return 0
        if argv[:1] == ["video"] and len(argv) >= 4:
            print(json.dumps(video(Path(argv[1]), Path(argv[2]), Path(argv[3]), argv[4:])))
            return 0
        if argv[:1] == ["frames"] and len(argv) >= 3:
            print(json.dumps(frames(Path(argv[1]), Path(argv[2]), [int(a) for a in argv[3:]])))
            return 0
    except Unreadable as err:
        print(json.dumps({"error": str(err)}))
        return 3
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
