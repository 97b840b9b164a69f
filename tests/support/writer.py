"""A writer process for the durability test: imports copies of one exported person, each
with new ids, one transaction per copy, and says which it begins and which it committed,
until it is killed.

    python -m tests.support.writer DATABASE_URL EXPORT.json CLINIC_ID
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from pathlib import Path

from crux import records

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _renamed(text: str, ids: dict[str, str]) -> dict:
    """The document with every id replaced by a new one (the same new id wherever the old
    one appears, so references still hold)."""
    return json.loads(_UUID.sub(lambda m: ids.get(m.group(), m.group()), text))


def _all_ids(doc: dict) -> list[str]:
    found = [doc["person"]["id"]]
    for case in doc["cases"]:
        found.append(case["id"])
        for assessment in case["assessments"]:
            found.append(assessment["id"])
            found += [plan["id"] for plan in assessment["plans"]]
    found += [entry["id"] for entry in doc["progress"]]
    return found


def main() -> None:
    url, path, clinic = sys.argv[1], sys.argv[2], int(sys.argv[3])
    text = Path(path).read_text(encoding="utf-8")
    doc = json.loads(text)
    old = _all_ids(doc)
    store = records.Store.open(url)
    actor = records.Actor(clinic, "system")
    while True:
        copy = _renamed(text, {o: str(uuid.uuid4()) for o in old})
        parsed = records.PersonExport.model_validate(copy)
        print("begin", copy["person"]["id"], flush=True)
        with store.transaction() as db:
            records.import_person(db, actor, parsed)
        print("done", copy["person"]["id"], flush=True)


if __name__ == "__main__":
    main()
