"""The pose model behind a small seam: something that turns a video or a photograph into a
landmark Series, and can hand back chosen frames as images. The real one runs the pose
worker in its own environment (.venv-pose: mediapipe 0.10.21 with numpy below 2) as a
separate process; tests of the kinematics use Series made in memory instead, and another
model (or a job queue) can take its place behind the same two methods."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
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


Progress = Callable[[int, int], None]  # (frames done, frames in all)


class PoseModel(Protocol):
    def landmarks(self, media: Path, progress: Progress | None = None) -> Series: ...

    def frames(self, media: Path, indices: list[int], out: Path) -> list[Path]: ...

    def video(self, media: Path, series: Series, out: Path, captions: list[str]) -> Path: ...


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

    def _check(self) -> None:
        if not self.python.exists():
            raise PoseUnavailable(
                f"the pose environment is missing ({self.python}); `make run` or `make test` "
                f"makes .venv-pose, or set {POSE_PYTHON} to its python")

    @staticmethod
    def _raise_for(code: int, stdout: str, stderr: str) -> None:
        if code == 3:
            message = json.loads(stdout.strip().splitlines()[-1] if stdout.strip() else "{}")
            raise Unreadable(message.get("error", "unreadable input"))
        if code != 0:
            tail = (stderr or "").strip().splitlines()[-3:]
            raise PoseUnavailable("the pose worker failed: " + " | ".join(tail))

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        self._check()
        try:
            done = subprocess.run([str(self.python), str(WORKER), *args], capture_output=True,
                                  text=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PoseUnavailable(
                f"the pose worker took longer than {self.timeout:g} s") from None
        self._raise_for(done.returncode, done.stdout, done.stderr)
        return done

    def landmarks(self, media: Path, progress: Progress | None = None) -> Series:
        with tempfile.TemporaryDirectory(prefix="crux-pose-") as folder:
            out = Path(folder) / "landmarks.json"
            if progress is None:
                self._run("landmarks", str(media), str(out))
            else:
                self._follow(progress, "landmarks", str(media), str(out), "--progress")
            return Series.loads(out.read_text(encoding="utf-8"))

    def _follow(self, progress: Progress, *args: str) -> None:
        """Run the worker, passing on its progress lines as they come. Its messages go to
        a file (a full pipe nobody reads would stall it), and past the time allowed it is
        stopped."""
        self._check()
        deadline = time.monotonic() + self.timeout
        with tempfile.TemporaryFile(mode="w+") as errors, subprocess.Popen(
                [str(self.python), str(WORKER), *args], stdout=subprocess.PIPE,
                stderr=errors, text=True) as worker:
            assert worker.stdout is not None
            watchdog = threading.Timer(self.timeout, worker.kill)
            watchdog.start()
            last = ""
            try:
                for line in worker.stdout:
                    last = line
                    with contextlib.suppress(ValueError, KeyError):
                        said = json.loads(line)
                        progress(int(said["done"]), int(said["total"]))
                code = worker.wait()
            finally:
                watchdog.cancel()
                if worker.poll() is None:
                    worker.kill()
            errors.seek(0)
            told = errors.read()
        if time.monotonic() > deadline:
            raise PoseUnavailable(f"the pose worker took longer than {self.timeout:g} s")
        self._raise_for(code, last, told)

    def frames(self, media: Path, indices: list[int], out: Path) -> list[Path]:
        done = self._run("frames", str(media), str(out), *map(str, indices))
        return [Path(p) for p in json.loads(done.stdout)]

    def video(self, media: Path, series: Series, out: Path, captions: list[str]) -> Path:
        """The clip with the skeleton drawn on every frame and the captions on top."""
        with tempfile.TemporaryDirectory(prefix="crux-pose-") as folder:
            points = Path(folder) / "landmarks.json"
            points.write_text(json.dumps(series.to_json()), encoding="utf-8")
            self._run("video", str(media), str(points), str(out), *captions)
        return out
