"""Write a test video from a photograph, run by the pose environment's python (it has
OpenCV): the person drifts a little each frame, as in a hand-held clip.

    python make_video.py IMAGE OUT.mp4 FPS SECONDS [WIDTH HEIGHT]
"""

from __future__ import annotations

import sys

import cv2
import numpy as np


def main(image: str, out: str, fps: float, seconds: float, width: int = 640,
         height: int = 480) -> None:
    frame = cv2.resize(cv2.imread(image), (width, height))
    writer = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for n in range(max(1, round(fps * seconds))):
        shift = np.float32([[1, 0, 6 * np.sin(n / 7)], [0, 1, 2 * np.cos(n / 5)]])
        writer.write(cv2.warpAffine(frame, shift, (width, height),
                                    borderMode=cv2.BORDER_REPLICATE))
    writer.release()


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], args[1], float(args[2]), float(args[3]), *map(int, args[4:6]))
