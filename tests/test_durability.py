"""Nothing is lost: a writer killed mid-save leaves the database consistent with nothing
half-written; concurrent writers lose no update. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from crux import records
from crux.records._tables import AssessmentRow, Case, Person, PlanRow, Progress

from .conftest import REPO
from .test_records import clinic, full_person

PROGRESS_PER_COPY = 300  # a save long enough to be killed in the middle of
KILLS = 6
WRITERS = 20


def _big_export(store: Any, actor: records.Actor) -> dict[str, Any]:
    person = full_person(store, actor)
    with store.transaction() as db:
        doc = records.export_person(db, actor, person).model_dump(mode="json")
    first = doc["progress"][0]
    doc["progress"] = [
        {**first, "id": str(uuid.uuid4()), "day": str(date(2026, 1, 1) + timedelta(days=i)),
         "note": "x" * 500}
        for i in range(PROGRESS_PER_COPY)
    ]
    with store.transaction() as db:
        records.erase_person(db, actor, person)
    return doc


def _counts_per_person(store: Any) -> dict[str, tuple[int, int, int, int]]:
    with store.transaction() as db:
        out: dict[str, tuple[int, int, int, int]] = {}
        for person in db.scalars(select(Person.id)):
            cases = db.scalar(select(func.count()).where(Case.person_id == person))
            assessments = db.scalar(select(func.count()).select_from(AssessmentRow)
                                    .join(Case).where(Case.person_id == person))
            plans = db.scalar(select(func.count()).select_from(PlanRow).join(AssessmentRow)
                              .join(Case).where(Case.person_id == person))
            progress = db.scalar(select(func.count()).where(Progress.person_id == person))
            out[str(person)] = (cases or 0, assessments or 0, plans or 0, progress or 0)
        orphans = db.scalar(select(func.count()).select_from(Progress).outerjoin(Person)
                            .where(Person.id.is_(None)))
        assert orphans == 0
    return out


def test_a_writer_killed_mid_save_leaves_nothing_half_written(store: Any, database_url: str,
                                                               tmp_path: Path) -> None:
    actor, _ = clinic(store, "Killed")
    export = tmp_path / "person.json"
    export.write_text(json.dumps(_big_export(store, actor)), encoding="utf-8")
    committed: list[str] = []
    unconfirmed: list[str] = []  # begun, killed before it said done: saved whole or not at all
    cut = 0  # kills that landed inside a save (begun, not committed)
    rng = random.Random(7)
    for _ in range(KILLS):
        writer = subprocess.Popen(
            [sys.executable, "-m", "tests.support.writer", database_url, str(export),
             str(actor.clinic_id)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert writer.stdout is not None
        while not (line := writer.stdout.readline()).startswith("done"):  # one copy saved
            assert line, writer.stderr.read() if writer.stderr else ""
        committed.append(line.split()[1])
        line = writer.stdout.readline()  # the next copy has begun its save
        assert line.startswith("begin"), line
        time.sleep(rng.uniform(0.0, 0.05))  # somewhere inside its transaction
        writer.send_signal(signal.SIGKILL)
        rest, _ = writer.communicate()
        said = [line.split(), *(x.split() for x in rest.splitlines())]
        committed += [ident for word, ident in said if word == "done"]
        if said and said[-1][0] == "begin":
            cut += 1
            unconfirmed.append(said[-1][1])
    assert cut >= KILLS // 2, "the kills did not land inside saves; make the saves longer"
    counts = _counts_per_person(store)
    assert set(committed) <= set(counts), "a committed copy was lost"
    whole = (1, 1, 1, PROGRESS_PER_COPY)
    assert all(c == whole for c in counts.values()), counts
    # a killed copy is either all there (killed after its commit) or not there at all
    assert set(counts) <= set(committed) | set(unconfirmed)
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []


def _retrying(store: Any, actor: records.Actor, person: uuid.UUID, line: str,
              conflicts: list[int]) -> None:
    """Read, change, write with If-Match; on a conflict read again and redo."""
    while True:
        with store.transaction() as db:
            now = records.get_person(db, actor, person)
        try:
            with store.transaction() as db:
                records.update_person(db, actor, person,
                                      records.PersonChange(notes=now.notes + line),
                                      if_version=now.version)
            return
        except records.Stale:
            conflicts.append(1)


def test_concurrent_writers_lose_no_update(database_url: str) -> None:
    setup = records.Store.open(database_url)
    actor, _ = clinic(setup, "Busy")
    with setup.transaction() as db:
        person = records.create_person(db, actor, records.PersonIn(name="Shared")).id
    stores = [records.Store.open(database_url, migrate=False) for _ in range(WRITERS)]
    conflicts: list[int] = []
    errors: list[BaseException] = []
    entry = records.progress_in_model()
    start = threading.Barrier(WRITERS)

    def write(i: int) -> None:
        try:
            start.wait()
            _retrying(stores[i], actor, person, f"[writer {i}]", conflicts)
            for k in range(5):
                with stores[i].transaction() as db:
                    records.add_progress(db, actor, person, entry(
                        day=date(2026, 12, 1), note=f"{i}-{k}"))
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with setup.transaction() as db:
        final = records.get_person(db, actor, person)
        notes = {e.note for e in records.list_progress(db, actor, person)}
    written = re.findall(r"\[writer (\d+)\]", final.notes)
    assert sorted(map(int, written)) == list(range(WRITERS))  # each once, none lost
    assert final.version == 1 + WRITERS
    assert notes == {f"{i}-{k}" for i in range(WRITERS) for k in range(5)}
    for s in [setup, *stores]:
        s.close()
