"""Every command and every config key is documented; every command's help has an example."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from pydantic import BaseModel

from bot.cli import cli
from bot.config import ChannelConfig, Settings, UnitConfig

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "goodnews") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found.extend(_commands(command, full))
        else:
            found.append((full, command))
    return found


COMMANDS = _commands(cli)


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_is_in_the_readme_and_has_an_example(name: str, command: click.Command) -> None:
    assert f"`{name}" in README, f"{name} is missing from the README's command table"
    assert "Example: goodnews" in (command.help or ""), f"{name} --help has no Example:"


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys.extend(_keys(annotation, f"{prefix}{name}."))
        elif name not in ("channels", "units"):
            keys.append(prefix + name)
    return keys


@pytest.mark.parametrize("key", _keys(Settings))
def test_config_key_is_in_the_reference(key: str) -> None:
    assert re.search(rf"^\| `{re.escape(key)}` \|", README, re.MULTILINE), key


@pytest.mark.parametrize("key", list(ChannelConfig.model_fields))
def test_channel_key_is_in_the_reference(key: str) -> None:
    assert f"| `[[channels]]` `{key}` |" in README


@pytest.mark.parametrize("key", list(UnitConfig.model_fields))
def test_unit_key_is_in_the_reference(key: str) -> None:
    assert f"| `[[units]]` `{key}` |" in README


def test_quick_start_has_exactly_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 2 and all(len(b.strip().splitlines()) == 1 for b in blocks)
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    test_command = blocks[1].strip().replace(" -q ", " ")
    assert test_command in ci.replace(" -q ", " "), "CI must run the README's test command"
