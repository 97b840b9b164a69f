"""The README documents every command and option of the CLI (a test fails when one is
added without documentation), and shows both set-up commands."""

from __future__ import annotations

import click
import pytest
import typer.main

from crux.cli import app

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "crux") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, cmd in group.commands.items():
        path = f"{prefix} {name}"
        out.append((path, cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, path)
    return out


COMMANDS = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_command_is_documented(path: str, command: click.Command) -> None:
    assert f"`{path}" in README, f"README does not document `{path}`"
    for param in command.params:
        if isinstance(param, click.Option):
            assert any(opt in README for opt in param.opts), (
                f"README does not document {param.opts[0]} of `{path}`"
            )


def test_readme_shows_the_two_commands_and_the_disclaimer() -> None:
    assert "make run" in README
    assert "make test" in README
    assert "not a diagnosis" in README
