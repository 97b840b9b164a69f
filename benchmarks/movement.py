"""Frames per second of the whole movement pipeline against the pose model alone, in one
run, on a 640x480 clip.

    .venv/bin/python benchmarks/movement.py [--seconds 10] [--fps 30] [--rounds 3]

The clip: `--seconds` of a person (Debian opencv-doc's basketball1.png, else
scikit-image's camera) drifting a little in each frame, at `--fps`, 640x480, written by
the pose environment's OpenCV (tests/support/make_video.py).

- pipeline: `crux.movement.analyse(clip, "front", "standing")` timed from the call to
  the measures: the worker process starting, decoding, the pose model on every frame,
  people counted once a second, the landmark series handed back, filtering and the
  measures. Frames over wall seconds.
- pose alone: mediapipe's pose (model_complexity=1, tracking mode, as the worker runs it)
  on the same frames already decoded and converted to RGB, in the pose environment
  (benchmarks/pose_alone.py); the model's set-up call is not counted.

Rounds alternate the two (the machine's speed drifts); the medians and their ratio are
printed, with the goals: the pipeline at least real time for the clip's frame rate, and at
least 80 % of the pose model's own speed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _person(folder: Path) -> Path:
    """A photograph of a person: opencv-doc's basketball1.png from the tests' cache (or
    fetched again), else scikit-image's camera."""
    cached = REPO / "build" / "test-media" / "basketball1.png"
    if cached.exists():
        return cached
    from skimage import data, io

    path = folder / "camera.png"
    io.imsave(path, data.camera())
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from crux.movement import analyse, default_python

    python = default_python()
    if not python.exists():
        print(f"the pose environment is missing ({python}); run make test", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="crux-bench-") as folder:
        clip = Path(folder) / "clip.mp4"
        subprocess.run([str(python), str(REPO / "tests" / "support" / "make_video.py"),
                        str(_person(Path(folder))), str(clip), str(args.fps),
                        str(args.seconds), "640", "480"], check=True)
        pipeline: list[float] = []
        alone: list[float] = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            result = analyse(clip, "front", "standing")
            pipeline.append(result.series.frames / (time.perf_counter() - start))
            done = subprocess.run([str(python), str(REPO / "benchmarks" / "pose_alone.py"),
                                   str(clip)], capture_output=True, text=True, check=True)
            alone.append(json.loads(done.stdout)["fps"])
    ours, model = statistics.median(pipeline), statistics.median(alone)
    print(f"clip: {args.seconds:g} s at {args.fps:g} fps, 640x480; {args.rounds} rounds")
    print(f"pipeline (decode, pose, people, kinematics): {ours:.1f} fps "
          f"(rounds {', '.join(f'{x:.1f}' for x in pipeline)})")
    print(f"pose model alone: {model:.1f} fps (rounds {', '.join(f'{x:.1f}' for x in alone)})")
    ratio = ours / model
    print(f"pipeline / pose alone: {ratio:.2f} (goal >= 0.80: "
          f"{'met' if ratio >= 0.8 else 'not met'}); real time for {args.fps:g} fps: "
          f"{'met' if ours >= args.fps else 'not met'} ({ours / args.fps:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
