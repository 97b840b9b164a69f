"""The records' commands: `crux db`, `crux clinic`, and `crux serve` as a real server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crux.cli import app

PASSWORD = "a long enough password"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'records.db'}"


def run(*args: str, **env: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"CRUX_PASSWORD": PASSWORD, **env})


def test_db_upgrade_then_current(url: str) -> None:
    assert "at empty" in run("db", "current", "--url", url).output
    assert "migrated from empty to" in run("db", "upgrade", "--url", url).output
    assert "already at" in run("db", "upgrade", "--url", url).output


def test_an_unsupported_database_is_refused_by_name() -> None:
    got = run("db", "current", "--url", "mysql://someone@somewhere/db")
    assert got.exit_code == 2
    assert "allowed: sqlite, postgresql" in got.output


def test_clinic_create_and_add_user(url: str) -> None:
    made = run("clinic", "create", "Bay", "--admin-email", "a@bay.example",
               "--admin-name", "Ann", "--url", url)
    assert made.exit_code == 0 and "clinic 1 (Bay) with admin a@bay.example" in made.output
    again = run("clinic", "create", "Bay", "--admin-email", "a@bay.example",
                "--admin-name", "Ann", "--url", url)
    assert again.exit_code == 2 and "email: the email a@bay.example is already taken" in again.output
    added = run("clinic", "add-user", "1", "--email", "p@bay.example", "--name", "Pat",
                "--url", url)
    assert added.exit_code == 0 and "practitioner" in added.output
    assert run("clinic", "add-user", "7", "--email", "q@bay.example", "--name", "Q",
               "--url", url).exit_code == 2
    short = run("clinic", "add-user", "1", "--email", "q@bay.example", "--name", "Q",
                "--url", url, CRUX_PASSWORD="short")
    assert short.exit_code == 2 and "password" in short.output


def test_serve_answers_over_http(url: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    crux = Path(sys.executable).with_name("crux")
    server = subprocess.Popen([str(crux), "serve", "--port", str(port), "--url", url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={**os.environ})
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/schema/case", timeout=1) as r:
                    assert json.load(r)["title"] == "Crux case, version 1"
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("crux serve did not answer: " + server.stderr.read1().decode())
        case = json.dumps({"version": 1, "complaints": [{"region": "neck",
                                                         "side": "central"}]}).encode()
        request = urllib.request.Request(f"{base}/assess", data=case, method="POST",
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            assert json.load(r)["triage"]["level"] in ("self_care", "soon", "urgent",
                                                       "emergency")
    finally:
        server.terminate()
        server.wait(timeout=10)
