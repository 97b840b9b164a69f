"""Movement uploads on the practitioner's pages, in-process: the job runs in the
background, another clinic never sees it or its frames, bad uploads are refused whole,
and a failed analysis adds nothing to the case."""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from crux import records
from crux.movement import default_python
from crux.web import create_web_app

from .support import media

PASSWORD = "a long enough password"

pytestmark = pytest.mark.skipif(not default_python().exists(),
                                reason="the pose environment .venv-pose is missing")


@pytest.fixture
def site(tmp_path: Any) -> Any:
    store = records.Store.open(f"sqlite:///{tmp_path / 'web.db'}")
    with store.transaction() as db:
        for name in ("a", "b"):
            records.create_clinic(db, f"Clinic {name}", records.UserIn(
                email=f"{name}@clinic.example", name=name, role="admin", password=PASSWORD))
    app = create_web_app(store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield app, client
    store.close()


def sign_in(client: TestClient, who: str) -> str:
    client.cookies.clear()
    client.post("/signin", data={"email": f"{who}@clinic.example", "password": PASSWORD})
    page = client.get("/patients").text
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def an_assessment(client: TestClient, csrf: str) -> str:
    """A patient with one saved assessment; its page's path."""
    person = client.post("/patients", data={"name": "Pat", "csrf": csrf},
                         follow_redirects=False).headers["location"].rsplit("/", 1)[-1]
    url = client.post("/check", data={"pick": "knee_front:right", "person": person},
                      follow_redirects=False).headers["location"]
    for _ in range(30):
        got = client.get(url, follow_redirects=False)
        if got.status_code == 303:
            break
        question = re.search(r'name="question" value="([^"]+)"', got.text).group(1)
        client.post(url + "/answer", data={"question": question, "action": "answer"}
                    if question.startswith("screen.") else
                    {"question": question, "action": "dont_know"})
    saved = client.post(url + "/save", data={"csrf": csrf}, follow_redirects=False)
    return saved.headers["location"]


def upload(client: TestClient, assessment: str, csrf: str, content: bytes, name: str,
           view: str = "front") -> Any:
    return client.post(assessment + "/movement", data={"csrf": csrf, "view": view,
                                                       "activity": "standing"},
                       files={"media": (name, content, "application/octet-stream")},
                       follow_redirects=False)


def finished(client: TestClient, job: str) -> str:
    for _ in range(120):
        page = client.get(job).text
        if "Movement analysis" in page and "http-equiv=\"refresh\"" not in page:
            return page
        time.sleep(0.5)
    raise AssertionError("the analysis did not finish")


def test_a_job_and_its_frames_stay_in_their_clinic(site: Any) -> None:
    app, client = site
    csrf = sign_in(client, "a")
    assessment = an_assessment(client, csrf)
    sent = upload(client, assessment, csrf, media.basketball().read_bytes(), "photo.png")
    job = sent.headers["location"]
    page = finished(client, job)
    assert "See the updated assessment" in page
    frame = re.search(r'src="(/movement/[^"]+/frames/[^"]+)"', page).group(1)
    assert client.get(frame).headers["content-type"] == "image/png"
    assert client.get(job + "/frames/..%2F..%2Fweb.db").status_code == 404
    sign_in(client, "b")
    assert client.get(job).status_code == 404
    assert client.get(frame).status_code == 404
    assert not any(p.name.startswith("upload") for p in app.state.movement.root.rglob("*"))


def test_bad_uploads_are_refused_and_leave_nothing(site: Any) -> None:
    app, client = site
    csrf = sign_in(client, "a")
    assessment = an_assessment(client, csrf)
    before = set(app.state.movement.root.iterdir())
    empty = upload(client, assessment, csrf, b"", "empty.mp4")
    assert empty.status_code == 422 and "empty" in empty.text
    assert set(app.state.movement.root.iterdir()) == before  # no job, no folder left
    huge = client.post(assessment + "/movement", content=b"x",
                       headers={"content-length": str(400 * 2**20),
                                "content-type": "multipart/form-data; boundary=x"})
    assert huge.status_code == 413
    odd = upload(client, assessment, csrf, b"\x00" * 100, "a.\x00png")
    assert odd.status_code == 303  # the name is never used as a path
    page = finished(client, odd.headers["location"])
    assert "not a video or an image" in page


def test_a_failed_analysis_says_why_and_adds_nothing(site: Any) -> None:
    _, client = site
    csrf = sign_in(client, "a")
    assessment = an_assessment(client, csrf)
    person = re.search(r'href="/patients/([0-9a-f-]+)"', client.get(assessment).text).group(1)
    cases = client.get(f"/patients/{person}").text.count("/assessments/")
    blank = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 120, 120)).save(blank, format="PNG")
    job = upload(client, assessment, csrf, blank.getvalue(), "blank.png").headers["location"]
    page = finished(client, job)
    assert "could not be done" in page and "a person was found" in page
    assert client.get(f"/patients/{person}").text.count("/assessments/") == cases
