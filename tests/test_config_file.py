"""``draft preview`` reads the ``[drafting]`` table without pydantic: the same values and the
same refusals as the full config."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import config
from bot.config_file import read_drafting
from bot.domain.errors import ConfigError
from bot.domain.posts import PostKind


@pytest.mark.parametrize(
    "table",
    [
        "",
        "[drafting]\ndaily_max_chars = 80\nweekly_hashtags = []\n",
        '[drafting]\nweekly_max_chars = 4000\ndaily_hashtags = ["#A", "#B"]\n',
    ],
)
def test_the_light_reader_agrees_with_the_config(tmp_path: Path, table: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(table, encoding="utf-8")
    full = config.load(path, environ={}).settings.drafting
    light = read_drafting(path)
    for kind in PostKind:
        assert light.max_chars_for(kind) == full.max_chars_for(kind)
        assert light.hashtags_for(kind) == full.hashtags_for(kind)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[drafting]\ndaily_max_chars = 79", "drafting.daily_max_chars: expected a whole number"),
        ("[drafting]\nweekly_max_chars = 4001", "drafting.weekly_max_chars: expected a whole"),
        ('[drafting]\ndaily_hashtags = "#A"', "drafting.daily_hashtags: expected a list"),
        ("[drafting]\nmax = 3", "drafting.max: unknown key"),
        ("[drafting", "not valid TOML"),
    ],
)
def test_a_bad_drafting_table_is_one_line_for_both(
    tmp_path: Path, table: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(table, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_drafting(path)
    with pytest.raises(ConfigError):
        config.load(path, environ={})
