"""The pose model alone, for benchmarks/movement.py: run by the pose environment's python.
Decodes the whole clip first (untimed), then times mediapipe's pose on every frame in
tracking mode (model_complexity=1), as the worker runs it, and prints frames per second.

    .venv-pose/bin/python benchmarks/pose_alone.py VIDEO
"""

from __future__ import annotations

import json
import sys
import time

import cv2
import mediapipe as mp


def main(path: str) -> None:
    capture = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    capture.release()
    pose = mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1)
    pose.process(frames[0])  # the first call sets the graph up: not counted
    start = time.perf_counter()
    for frame in frames[1:]:
        pose.process(frame)
    seconds = time.perf_counter() - start
    pose.close()
    print(json.dumps({"frames": len(frames) - 1, "seconds": seconds,
                      "fps": (len(frames) - 1) / seconds}))


if __name__ == "__main__":
    main(sys.argv[1])
