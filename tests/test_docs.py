"""The README documents every command and option of the CLI (a test fails when one is
added without documentation), and shows both set-up commands."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main

from crux.cli import app

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(group: Any, prefix: str = "crux") -> list[tuple[str, Any]]:
    # duck-typed: typer bundles its own click, so isinstance against the click package
    # would find no group and check nothing
    out: list[tuple[str, Any]] = []
    for name, cmd in group.commands.items():
        path = f"{prefix} {name}"
        out.append((path, cmd))
        if hasattr(cmd, "commands"):
            out += _commands(cmd, path)
    return out


COMMANDS = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_command_is_documented(path: str, command: Any) -> None:
    assert f"`{path}" in README, f"README does not document `{path}`"
    for param in command.params:
        if param.param_type_name == "option":
            assert any(opt in README for opt in param.opts), (
                f"README does not document {param.opts[0]} of `{path}`"
            )


def test_the_walk_finds_the_nested_commands() -> None:
    paths = {p for p, _ in COMMANDS}
    assert {"crux assess", "crux kb", "crux kb check", "crux kb export"} <= paths


def test_readme_shows_the_two_commands_and_the_disclaimer() -> None:
    assert "make run" in README
    assert "make test" in README
    assert "not a diagnosis" in README


def test_every_setting_is_documented() -> None:
    """Each CRUX_* environment variable the code or the set-up reads is in the README."""
    import re

    sources = [*(REPO / "src").rglob("*.py"), REPO / "Makefile", *(REPO / "scripts").iterdir(),
               REPO / ".ci" / "run"]
    settings = set()
    for path in sources:
        settings |= set(re.findall(r"\bCRUX_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    assert {"CRUX_DATABASE_URL", "CRUX_PASSWORD", "CRUX_TEST_POSTGRES_URL"} <= settings
    for setting in sorted(settings):
        assert f"`{setting}`" in README, f"README does not document the setting {setting}"
