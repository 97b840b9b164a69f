"""The records on a real database, SQLite and PostgreSQL: migrations, accounts, isolation
between clinics, the audit log, export/import and erasure."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy import func, inspect, select

from crux import records
from crux.records import Actor, PersonChange, PersonIn, UserIn
from crux.records._tables import (
    AssessmentRow,
    AuditEntry,
    Base,
    Case,
    Link,
    PlanRow,
    Progress,
)

PASSWORD = "a long enough password"


def clinic(store: Any, name: str) -> tuple[Actor, records.UserOut]:
    with store.transaction() as db:
        made, admin = records.create_clinic(
            db, name, UserIn(email=f"{uuid.uuid4().hex[:8]}@{name.lower()}.example",
                             name="Admin", role="admin", password=PASSWORD))
    return Actor(made.id, "user", admin.id, "admin"), admin


def a_case() -> dict[str, Any]:
    return {"version": 1, "age": 41, "sex": "female",
            "complaints": [{"region": "heel", "side": "left", "worse_with": ["running"]}]}


def an_assessment() -> dict[str, Any]:
    from crux.assess import assess, shipped_model
    from crux.contract import parse_case

    return assess(parse_case(a_case()), shipped_model()).model_dump(mode="json")


def full_person(store: Any, actor: Actor) -> uuid.UUID:
    """A person with a case, an assessment, a plan and two progress entries."""
    from crux.assess import shipped_model
    from crux.contract import Assessment
    from crux.plan import build_plan

    assessment = an_assessment()
    plan = build_plan(a_case(), Assessment.model_validate(assessment), shipped_model().kb,
                      start=date(2026, 11, 30), weeks=2).model_dump(mode="json")
    entry = records.progress_in_model()
    with store.transaction() as db:
        person = records.create_person(db, actor, PersonIn(name="Ada Example", birth_year=1985))
        case = records.add_case(db, actor, person.id, a_case())
        kept = records.add_assessment(db, actor, case.id, assessment)
        made = records.add_plan(db, actor, kept.id, plan, date(2026, 11, 30), 2)
        for day, score in ((1, 6), (2, 5)):
            records.add_progress(db, actor, person.id, entry(
                day=date(2026, 12, day), plan_id=made.id,
                pain=[{"region": "heel", "side": "left", "score": score}],
                function=[{"activity": "running 5 km", "score": 4}],
                exercises_done=[plan["routine"][0]["id"]] if plan["routine"] else []))
    return person.id


# --------------------------------------------------------------------------- migrations


def test_migrations_make_the_tables_the_models_describe(store: Any) -> None:
    assert records.current(store.engine) == records.head()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert set(Base.metadata.tables) <= set(inspect(store.engine).get_table_names())


def test_migrations_go_down_and_up_again(store: Any) -> None:
    records.downgrade(store.engine, "base")
    assert records.current(store.engine) is None
    assert "persons" not in inspect(store.engine).get_table_names()
    store.upgrade()
    assert records.current(store.engine) == records.head()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Any) -> None:
    store = records.Store.open(f"sqlite:///{tmp_path / 'x.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_default_database_is_a_file_in_the_data_directory(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.delenv(records.URL_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert records.database_url() == f"sqlite:///{tmp_path / 'crux' / 'crux.db'}"
    monkeypatch.setenv(records.URL_VARIABLE, "mysql://x@y/z")
    with pytest.raises(records.DatabaseError, match="allowed: sqlite, postgresql"):
        records.database_url()


def test_moments_come_back_in_utc_to_the_microsecond(store: Any) -> None:
    actor, _ = clinic(store, "Utc")
    with store.transaction() as db:
        person = records.create_person(db, actor, PersonIn(name="Timed"))
    with store.transaction() as db:
        again = records.get_person(db, actor, person.id)
    assert again.created_at == person.created_at
    assert again.created_at.tzinfo is not None
    assert again.created_at.utcoffset() == timedelta(0)


# --------------------------------------------------------------------------- accounts


def test_passwords_are_argon2_hashes_and_tokens_expire(store: Any) -> None:
    _, admin = clinic(store, "Pw")
    with store.transaction() as db:
        from crux.records._tables import Token, User

        row = db.get(User, admin.id)
        assert row is not None and row.password_hash.startswith("$argon2id$")
        assert PASSWORD not in row.password_hash
        signed = records.sign_in(db, admin.email, PASSWORD, hours=1)
        stored = db.scalars(select(Token.token_hash)).all()
        assert signed.token not in stored  # only the hash is kept
    with store.transaction() as db:
        assert records.actor_for_token(db, signed.token).id == admin.id
        later = datetime.now(UTC) + timedelta(hours=1, seconds=1)
        with pytest.raises(records.Unauthorised):
            records.actor_for_token(db, signed.token, at=later)
    with store.transaction() as db:
        records.sign_out(db, signed.token)
    with store.transaction() as db, pytest.raises(records.Unauthorised):
        records.actor_for_token(db, signed.token)


def test_wrong_password_and_unknown_email_are_refused_alike(store: Any) -> None:
    _, admin = clinic(store, "Wrong")
    with store.transaction() as db:
        with pytest.raises(records.Unauthorised, match="wrong email or password"):
            records.sign_in(db, admin.email, "not the password at all")
        with pytest.raises(records.Unauthorised, match="wrong email or password"):
            records.sign_in(db, "nobody@nowhere.example", PASSWORD)


def test_only_admins_add_users_and_emails_are_unique(store: Any) -> None:
    admin, _ = clinic(store, "Roles")
    with store.transaction() as db:
        user = records.add_user(db, admin, UserIn(email="p@roles.example", name="P",
                                                  password=PASSWORD))
    practitioner = Actor(admin.clinic_id, "user", user.id, "practitioner")
    with store.transaction() as db, pytest.raises(records.Forbidden):
        records.add_user(db, practitioner, UserIn(email="q@roles.example", name="Q",
                                                  password=PASSWORD))
    with store.transaction() as db, pytest.raises(records.Conflict, match="already taken"):
        records.add_user(db, admin, UserIn(email="P@roles.example", name="P2",
                                           password=PASSWORD))


# --------------------------------------------------------------------------- isolation


def test_another_clinic_finds_nothing(store: Any) -> None:
    a, _ = clinic(store, "Alpha")
    b, _ = clinic(store, "Beta")
    person = full_person(store, a)
    with store.transaction() as db:
        case = records.list_cases(db, a, person)[0]
        kept = records.list_assessments(db, a, case.id)[0]
        plan = records.latest_plan(db, a, person)
        assert plan is not None
    attempts = [
        lambda db: records.get_person(db, b, person),
        lambda db: records.update_person(db, b, person, PersonChange(name="Stolen")),
        lambda db: records.list_cases(db, b, person),
        lambda db: records.add_case(db, b, person, a_case()),
        lambda db: records.get_case(db, b, case.id),
        lambda db: records.list_assessments(db, b, case.id),
        lambda db: records.get_assessment(db, b, kept.id),
        lambda db: records.add_assessment(db, b, case.id, an_assessment()),
        lambda db: records.get_plan(db, b, plan.id),
        lambda db: records.latest_plan(db, b, person),
        lambda db: records.list_progress(db, b, person),
        lambda db: records.create_link(db, b, person, records.LinkIn()),
        lambda db: records.export_person(db, b, person),
        lambda db: records.erase_person(db, b, person),
    ]
    for attempt in attempts:
        with store.transaction() as db, pytest.raises(records.NotFound):
            attempt(db)
    with store.transaction() as db:
        assert [p.id for p in records.list_persons(db, b)] == []
        assert records.get_person(db, a, person).name == "Ada Example"
        assert all(e.clinic_id != b.clinic_id or e.person_id is None
                   for e in db.scalars(select(AuditEntry)))


def test_a_link_reaches_only_its_person_and_expires(store: Any) -> None:
    a, _ = clinic(store, "Linked")
    person = full_person(store, a)
    with store.transaction() as db:
        other = records.create_person(db, a, PersonIn(name="Someone Else"))
        link = records.create_link(db, a, person, records.LinkIn(days=1))
    with store.transaction() as db:
        through = records.actor_for_link(db, link.token)
        assert through.person_id == person
        assert records.latest_plan(db, through, person) is not None
        with pytest.raises(records.NotFound):
            records.list_progress(db, through, other.id)
        with pytest.raises(records.Forbidden):
            records.list_persons(db, through)
        with pytest.raises(records.Unauthorised):
            records.actor_for_link(db, link.token, at=datetime.now(UTC) + timedelta(days=2))
    with store.transaction() as db:
        assert db.scalar(select(Link.token_hash)) != link.token
        records.revoke_links(db, a, person)
    with store.transaction() as db, pytest.raises(records.Unauthorised):
        records.actor_for_link(db, link.token)


# --------------------------------------------------------------------------- audit


def test_every_read_and_write_of_a_person_is_audited(store: Any) -> None:
    a, _ = clinic(store, "Audited")
    person = full_person(store, a)
    with store.transaction() as db:
        records.get_person(db, a, person)
        records.list_progress(db, a, person)
        records.export_person(db, a, person)
    with store.transaction() as db:
        log = records.audit_entries(db, a, person_id=person, limit=1000)
    done = [(e.action, e.entity) for e in reversed(log)]
    assert done == [
        ("create", "person"), ("create", "case"), ("create", "assessment"), ("create", "plan"),
        ("create", "progress"), ("create", "progress"),
        ("read", "person"), ("read", "progress"), ("export", "person"),
    ]
    assert {e.actor for e in log} == {f"user:{a.id}"}


# --------------------------------------------------------------------------- export, erase


def _counts(store: Any) -> dict[str, int]:
    with store.transaction() as db:
        return {t.__tablename__: db.scalar(select(func.count()).select_from(t)) or 0
                for t in (Case, AssessmentRow, PlanRow, Progress, Link)}


def test_export_then_import_round_trips_exactly(store: Any) -> None:
    a, _ = clinic(store, "Exported")
    person = full_person(store, a)
    with store.transaction() as db:
        token, _ = records.start_interview(db, a, {"version": 1, "complaints": [
            {"region": "heel", "side": "left"}]}, person)
        records.keep_answers(db, a, token, [{"question": "history.pregnant_weeks",
                                             "answer": 0}], 1)
    with store.transaction() as db:
        first = records.export_person(db, a, person)
    assert len(first.interviews) == 1 and token not in first.model_dump_json()
    with store.transaction() as db:
        records.erase_person(db, a, person)
    with store.transaction() as db, pytest.raises(records.NotFound):
        records.load_interview(db, a, token)
    with store.transaction() as db:
        records.import_person(db, a, records.PersonExport.model_validate_json(
            first.model_dump_json()))
    with store.transaction() as db:
        second = records.export_person(db, a, person)
    assert second.model_dump_json() == first.model_dump_json()
    assert len(first.cases[0].assessments[0].plans) == 1 and len(first.progress) == 2
    with store.transaction() as db:  # the interview came back with it, answers and all
        assert records.load_interview(db, a, token).answers[0]["answer"] == 0


def test_import_refuses_ids_already_kept_and_changes_nothing(store: Any) -> None:
    a, _ = clinic(store, "Twice")
    person = full_person(store, a)
    with store.transaction() as db:
        doc = records.export_person(db, a, person)
    before = _counts(store)
    with store.transaction() as db, pytest.raises(records.Conflict, match="already in use"):
        records.import_person(db, a, doc)
    assert _counts(store) == before


def test_import_refuses_a_case_the_contract_refuses(store: Any) -> None:
    a, _ = clinic(store, "BadImport")
    person = full_person(store, a)
    with store.transaction() as db:
        doc = records.export_person(db, a, person)
    data = doc.model_dump(mode="json")
    data["person"]["id"] = str(uuid.uuid4())
    data["cases"][0]["case"]["complaints"][0]["region"] = "elbow_of_the_moon"
    with store.transaction() as db, pytest.raises(records.Invalid) as err:
        records.import_person(db, a, records.PersonExport.model_validate(data))
    assert err.value.field == "cases[0].case.complaints[0].region"


def test_erasure_leaves_nothing_of_the_person_but_the_log(store: Any) -> None:
    a, _ = clinic(store, "Erased")
    kept = full_person(store, a)
    other = full_person(store, a)
    with store.transaction() as db:
        records.create_link(db, a, kept, records.LinkIn())
    before = _counts(store)
    with store.transaction() as db:
        records.erase_person(db, a, kept)
    after = _counts(store)
    assert after == {"cases": 1, "assessments": 1, "plans": 1, "progress": 2, "links": 0}
    assert before["cases"] == 2
    with store.transaction() as db:
        assert records.get_person(db, a, other).name == "Ada Example"
        log = records.audit_entries(db, a, person_id=kept)
    assert log[0].action == "erase"
    assert all(e.detail == "" or "Ada" not in e.detail for e in log)


def test_a_stale_version_is_refused(store: Any) -> None:
    a, _ = clinic(store, "Versioned")
    with store.transaction() as db:
        person = records.create_person(db, a, PersonIn(name="V"))
    with store.transaction() as db:
        changed = records.update_person(db, a, person.id, PersonChange(notes="one"),
                                        if_version=person.version)
    assert changed.version == person.version + 1
    with store.transaction() as db, pytest.raises(records.Stale):
        records.update_person(db, a, person.id, PersonChange(notes="two"),
                              if_version=person.version)


def test_progress_names_only_known_exercises_and_regions(store: Any) -> None:
    from pydantic import ValidationError

    a, _ = clinic(store, "Progress")
    with store.transaction() as db:
        person = records.create_person(db, a, PersonIn(name="P"))
    entry = records.progress_in_model()
    with store.transaction() as db, pytest.raises(records.Invalid) as err:
        records.add_progress(db, a, person.id, entry(day=date(2026, 12, 1),
                                                     exercises_done=["juggling"]))
    assert err.value.field == "exercises_done"
    with pytest.raises(ValidationError, match="region"):
        entry(day=date(2026, 12, 1), pain=[{"region": "elbow_tip", "score": 3}])
    with pytest.raises(ValidationError, match="less than or equal to 10"):
        entry(day=date(2026, 12, 1), pain=[{"region": "heel", "score": 11}])


def test_interviews_are_kept_for_a_day_and_then_forgotten(store: Any) -> None:
    start = {"version": 1, "complaints": [{"region": "neck", "side": "central"}]}
    with store.transaction() as db:
        token, kept = records.start_interview(db, None, start)
        old, _ = records.start_interview(db, None, start, hours=-1)
    assert kept.key != token  # only the token's hash is kept
    with store.transaction() as db:
        assert records.load_interview(db, None, token).start == start
        with pytest.raises(records.NotFound):
            records.load_interview(db, None, old)
        assert records.forget_expired(db) == 1
    with store.transaction() as db:
        assert records.forget_expired(db) == 0
        records.keep_answers(db, None, token, [{"question": "q", "answer": None}], 1)
    with store.transaction() as db, pytest.raises(records.Stale):
        records.keep_answers(db, None, token, [], 1)


def test_an_import_must_agree_with_itself(store: Any) -> None:
    a, _ = clinic(store, "Honest")
    person = full_person(store, a)
    with store.transaction() as db:
        doc = records.export_person(db, a, person).model_dump(mode="json")
        records.erase_person(db, a, person)
    bad = [
        (("cases", 0, "assessments", 0, "triage_level"), "emergency",
         "cases[0].assessments[0].triage_level"),
        (("progress", 0, "exercises_done"), ["juggling"], "progress[0].exercises_done"),
        (("progress", 0, "pain", 0, "score"), 11, "progress[0].pain[0].score"),
    ]
    for path, value, field in bad:
        changed = json.loads(json.dumps(doc))
        target = changed
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        with store.transaction() as db, pytest.raises(records.Invalid) as err:
            records.import_person(db, a, records.PersonExport.model_validate(changed))
        assert err.value.field == field
    naive = json.loads(json.dumps(doc))
    naive["person"]["created_at"] = "2026-01-01T00:00:00"
    with pytest.raises(ValidationError, match="timezone"):
        records.PersonExport.model_validate(naive)


def test_a_migration_that_rebuilds_a_table_keeps_the_rows_pointing_to_it(
        tmp_path: Any) -> None:
    """On SQLite a table is changed by copying it; with foreign keys enforced, dropping the
    old copy would cascade to every case, progress entry and link."""
    from alembic.operations import Operations
    from sqlalchemy import Column, Integer

    from crux.records._migrate import migrating

    store = records.Store.open(f"sqlite:///{tmp_path / 'rebuild.db'}")
    a, _ = clinic(store, "Rebuilt")
    full_person(store, a)
    before = _counts(store)
    with migrating(store.engine) as conn:
        operations = Operations(MigrationContext.configure(conn))
        with operations.batch_alter_table("persons", recreate="always") as batch:
            batch.add_column(Column("extra", Integer, nullable=True))
    assert _counts(store) == before
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again


def test_a_change_of_nothing_makes_no_new_version_and_null_names_are_refused(
        store: Any) -> None:
    a, _ = clinic(store, "Nothing")
    with store.transaction() as db:
        person = records.create_person(db, a, PersonIn(name="N", reference="R1"))
        same = records.update_person(db, a, person.id, PersonChange())
        cleared = records.update_person(db, a, person.id, PersonChange(reference=None))
    assert same.version == person.version
    assert cleared.reference is None and cleared.version == person.version + 1
    with pytest.raises(ValidationError, match="may not be null"):
        PersonChange(name=None)
    with pytest.raises(ValidationError, match="NUL"):
        PersonIn(name="a\x00b")
