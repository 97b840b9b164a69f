"""The pose model behind a small seam: something that turns a video or a photograph into a
landmark Series, and can hand back chosen frames as images. The real one runs the pose
worker in its own environment (.venv-pose: mediapipe 0.10.21 with numpy below 2) as a
separate process; tests of the kinematics use Series made in memory instead, and another
model (or a job queue) can take its place behind the same two methods."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from crux.movement._series import Series

WORKER = Path(__file__).with_name("pose_worker.py")
POSE_PYTHON = "CRUX_POSE_PYTHON"


class PoseUnavailable(RuntimeError):
    """The pose environment is missing or broken; the message says how to make it."""


class Unreadable(ValueError):
    """The file is not a video or an image the pose worker can read."""


class PoseModel(Protocol):
    def landmarks(self, media: Path) -> Series: ...

    def frames(self, media: Path, indices: list[int], out: Path) -> list[Path]: ...


def default_python() -> Path:
    """``CRUX_POSE_PYTHON``, else ``.venv-pose/bin/python`` beside the app's environment."""
    given = os.environ.get(POSE_PYTHON)
    if given:
        return Path(given)
    return Path(sys.prefix).parent / ".venv-pose" / "bin" / "python"


@dataclass(frozen=True)
class WorkerPose:
    """The pose worker as a separate process."""

    python: Path
    timeout: float = 900.0

    @classmethod
    def default(cls) -> WorkerPose:
        return cls(default_python())

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        if not self.python.exists():
            raise PoseUnavailable(
                f"the pose environment is missing ({self.python}); `make run` or `make test` "
                f"makes .venv-pose, or set {POSE_PYTHON} to its python")
        done = subprocess.run([str(self.python), str(WORKER), *args], capture_output=True,
                              text=True, timeout=self.timeout, check=False)
        if done.returncode == 3:
            message = json.loads(done.stdout or "{}").get("error", "unreadable input")
            raise Unreadable(message)
        if done.returncode != 0:
            tail = (done.stderr or "").strip().splitlines()[-3:]
            raise PoseUnavailable("the pose worker failed: " + " | ".join(tail))
        return done

    def landmarks(self, media: Path) -> Series:
        with tempfile.TemporaryDirectory(prefix="crux-pose-") as folder:
            out = Path(folder) / "landmarks.json"
            self._run("landmarks", str(media), str(out))
            return Series.loads(out.read_text(encoding="utf-8"))

    def frames(self, media: Path, indices: list[int], out: Path) -> list[Path]:
        done = self._run("frames", str(media), str(out), *map(str, indices))
        return [Path(p) for p in json.loads(done.stdout)]
