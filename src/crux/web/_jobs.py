"""Movement analyses run in the background, one at a time (the pose model takes both
cores): a job is submitted, the page shows its progress, and the result stays for an
hour. This is the seam where a job queue can take over when analyses leave the web
process: submit, and read back a job by its id."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crux import records

KEPT_SECONDS = 3600.0


@dataclass
class Job:
    id: str
    clinic_id: int
    folder: Path
    started: float = field(default_factory=time.monotonic)
    status: str = "queued"  # queued, running, done, failed
    done: int = 0
    total: int = 0
    error: str = ""
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class MovementJobs:
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="crux-movement-")))
    _jobs: dict[str, Job] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="movement"))

    def new(self, clinic_id: int) -> Job:
        """A job with a folder of its own for the upload and the key frames."""
        self._forget_old()
        ident = secrets.token_urlsafe(16)
        folder = self.root / ident
        folder.mkdir(parents=True)
        job = Job(ident, clinic_id, folder)
        with self._lock:
            self._jobs[ident] = job
        return job

    def submit(self, job: Job, run: Callable[[Job], None]) -> None:
        def work() -> None:
            job.status = "running"
            try:
                run(job)
                job.status = "done"
            except Exception as err:  # the page says what went wrong; nothing is kept
                job.error = getattr(err, "message", None) or str(err)
                job.status = "failed"

        self._pool.submit(work)

    def drop(self, job: Job) -> None:
        with self._lock:
            self._jobs.pop(job.id, None)
        shutil.rmtree(job.folder, ignore_errors=True)

    def close(self) -> None:
        """At shutdown: stop what is queued and delete every folder (uploads, key frames)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def get(self, ident: str, clinic_id: int) -> Job:
        """The job, for its own clinic only (another clinic's is "not found")."""
        self._forget_old()
        with self._lock:
            job = self._jobs.get(ident)
        if job is None or job.clinic_id != clinic_id:
            raise records.NotFound("no such analysis (results are kept for an hour)",
                                   field="job")
        return job

    def _forget_old(self) -> None:
        now = time.monotonic()
        with self._lock:
            old = [k for k, j in self._jobs.items()
                   if now - j.started > KEPT_SECONDS and j.status in ("done", "failed")]
            for key in old:
                shutil.rmtree(self._jobs.pop(key).folder, ignore_errors=True)
