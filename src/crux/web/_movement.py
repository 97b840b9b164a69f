"""Movement from the practitioner's pages: upload a video or photograph on an assessment,
watch the analysis, see the key frames with the measured angles, and the assessment made
again with the measurements added to the case."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response

from crux import records
from crux.contract import Assessment, CaseError, parse_case
from crux.web._jobs import Job, MovementJobs
from crux.web._pages import page, refusal_words, see_other
from crux.web._practitioner import keep_reassessed
from crux.web._session import check_csrf, practitioner, services

router = APIRouter(include_in_schema=False)
MAX_BYTES = 300 * 1024 * 1024
CHUNK = 1024 * 1024
VIEWS = ("side", "front")
ACTIVITIES = ("running", "standing", "squat")


def jobs(request: Request) -> MovementJobs:
    return request.app.state.movement  # type: ignore[no-any-return]


SUFFIXES = {".mp4", ".mov", ".avi", ".m4v", ".webm", ".mkv", ".jpg", ".jpeg", ".png",
            ".bmp", ".webp"}


async def _save(upload: UploadFile, folder: Path) -> Path:
    """The upload on disk, refused past MAX_BYTES (nothing half-kept)."""
    suffix = Path((upload.filename or "").replace("\x00", "")).suffix.lower()
    target = folder / f"upload{suffix if suffix in SUFFIXES else ''}"
    written = 0
    with target.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            written += len(chunk)
            if written > MAX_BYTES:
                out.close()
                target.unlink()
                raise records.Invalid(f"the file is larger than {MAX_BYTES // 2**20} MB",
                                      field="media")
            out.write(chunk)
    if written == 0:
        target.unlink()
        raise records.Invalid("the file is empty", field="media")
    return target


@router.post("/assessments/{assessment_id}/movement")
async def upload(request: Request, assessment_id: uuid.UUID,
                 media: Annotated[UploadFile, File()],
                 view: Annotated[str, Form()] = "side",
                 activity: Annotated[str, Form()] = "standing",
                 csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    if view not in VIEWS or activity not in ACTIVITIES:
        raise records.Invalid(f"view: {', '.join(VIEWS)}; activity: {', '.join(ACTIVITIES)}",
                              field="view")
    with practitioner(request) as (db, actor):
        records.get_assessment(db, actor, assessment_id)  # theirs, or not found
    job = jobs(request).new(actor.clinic_id)
    try:
        saved = await _save(media, job.folder)
    except Exception:
        jobs(request).drop(job)  # nothing queued, nothing kept
        raise
    kept = services(request)

    def run(job: Job) -> None:
        _analyse(job, saved, view, activity, actor, assessment_id, kept)

    jobs(request).submit(job, run)
    return see_other(f"/movement/{job.id}")


def _analyse(job: Job, media: Path, view: str, activity: str, actor: records.Actor,
             assessment_id: uuid.UUID, kept_services: Any) -> None:
    from crux.movement import analyse, annotate

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total

    try:
        result = analyse(media, view, activity, progress=progress)  # type: ignore[arg-type]
        frames = annotate(result, media, job.folder / "frames")
    finally:
        media.unlink(missing_ok=True)  # the video itself is never kept
    if not result.measurements():
        raise records.Invalid("nothing was measured surely enough to add to the case "
                              "(every measure's confidence is below 0.3)")
    store = kept_services.store
    with store.transaction() as db:
        kept, _ = records.get_assessment(db, actor, assessment_id)
        person_id = records.get_case(db, actor, kept.case_id).person_id
        latest = records.list_cases(db, actor, person_id)[-1].case  # whatever came since
    try:
        changed = parse_case(result.into_case(latest))
    except CaseError as err:
        raise records.Invalid(refusal_words(err)) from None
    new = keep_reassessed(kept_services, actor, person_id, changed)
    job.result = {"analysis": result.as_json(), "frames": [p.name for p in frames],
                  "assessment_id": str(new.id), "was": str(assessment_id),
                  "level": Assessment.model_validate(new.assessment).triage.level}


@router.get("/movement/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> HTMLResponse:
    from crux.vocabulary import load_vocabulary

    with practitioner(request) as (_, actor):
        job = jobs(request).get(job_id, actor.clinic_id)
    return page(request, "movement.html.j2", job=job,
                terms=load_vocabulary().measurements)


@router.get("/movement/{job_id}/frames/{name}")
def job_frame(request: Request, job_id: str, name: str) -> Response:
    with practitioner(request) as (_, actor):
        job = jobs(request).get(job_id, actor.clinic_id)
    if name not in job.result.get("frames", []):
        raise records.NotFound("no such key frame", field="name")
    return FileResponse(job.folder / "frames" / name, media_type="image/png")
