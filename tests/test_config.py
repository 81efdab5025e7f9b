"""Config: embedded defaults, the contract's keys, one-line errors naming the key, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import config
from bot.domain.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def test_embedded_defaults_apply_without_a_file(workdir: Path) -> None:
    loaded = config.load(None, environ={})
    assert loaded.path is None
    assert loaded.settings.timezone == "Asia/Ho_Chi_Minh"
    assert loaded.database_url == "sqlite:///goodnews.db"
    assert [c.name for c in loaded.channels] == ["telegram-main", "facebook-main"]
    assert loaded.settings.cadence.daily_at == ["07:30"]
    assert loaded.settings.facebook.api_version == "v24.0"


def test_repository_config_is_the_template_init_writes() -> None:
    assert (REPO / "config.toml").read_text(encoding="utf-8") == config.default_config_text()


def test_contract_example_from_the_issue_is_accepted() -> None:
    text = """
timezone = "Asia/Ho_Chi_Minh"
database_url = "sqlite:///goodnews.db"
[telegram]
api_url = "https://api.telegram.org"
admins = [111111111]
[facebook]
graph_url = "https://graph.facebook.com"
api_version = "v24.0"
[cadence]
daily_at = "07:30"
weekly_day = "sunday"
weekly_at = "19:00"
[[channels]]
name = "telegram-main"
type = "telegram"
chat_id = "@your_channel"
[[channels]]
name = "facebook-main"
type = "facebook"
page_id = "123456789"
"""
    settings = config.parse_settings(text, source="config.toml")
    assert settings.telegram.admins == [111111111]
    assert settings.channels[1].target == "123456789"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'timezone = "Mars/Olympus"',
            "config.toml: timezone: unknown IANA timezone 'Mars/Olympus'",
        ),
        ("[telegram]\nadmin = [1]", "config.toml: telegram.admin: unknown key"),
        ("surprise = 1", "config.toml: surprise: unknown key"),
        (
            '[telegram]\nadmins = ["me"]',
            "config.toml: telegram.admins[0]: Input should be a valid integer",
        ),
        (
            '[cadence]\ndaily_at = "7:30"',
            "config.toml: cadence.daily_at: expected a 24-hour time HH:MM",
        ),
        (
            '[cadence]\nweekly_at = "25:00"',
            "config.toml: cadence.weekly_at: expected a 24-hour time",
        ),
        (
            '[cadence]\nweekly_day = "sundae"',
            "config.toml: cadence.weekly_day: expected one of monday",
        ),
        (
            '[[channels]]\nname = "t"\ntype = "telegram"',
            'config.toml: channels[0] (name "t"): a telegram channel needs chat_id',
        ),
        (
            '[[channels]]\nname = "f"\ntype = "facebook"',
            'config.toml: channels[0] (name "f"): a facebook channel needs page_id',
        ),
        (
            '[[channels]]\nname = "a"\ntype = "facebook"\npage_id = "1"\n'
            '[[channels]]\nname = "a"\ntype = "facebook"\npage_id = "2"',
            "config.toml: channels: duplicate channel name 'a'",
        ),
        (
            '[[channels]]\nname = "f"\ntype = "facebook"\npage_id = "1"\nlink_preview = false',
            'config.toml: channels[0] (name "f"): link_preview belongs to telegram channels',
        ),
        (
            '[[channels]]\nname = "t"\ntype = "telegram"\nchat_id = 1\nlink_preview = "no"',
            'config.toml: channels[0] (name "t").link_preview: Input should be a valid boolean',
        ),
        (
            '[[channels]]\nname = "m"\ntype = "mastodon"\nchat_id = "x"',
            'config.toml: channels[0] (name "m").type: Input should be',
        ),
        ("[telegram]\nadmins = 5", "config.toml: telegram.admins: Input should be a valid list"),
        (
            '[cadence]\ndaily_at = ["07:30", "7pm"]',
            "config.toml: cadence.daily_at[1]: expected a 24-hour",
        ),
        (
            "[cadence]\ndaily_at = []",
            "config.toml: cadence.daily_at: Value should have at least 1 item",
        ),
        (
            '[cadence]\nskip_dates = ["2027-02-30"]',
            "config.toml: cadence.skip_dates: expected a date",
        ),
        ('[telegram]\ntoken = "123:abc"', "config.toml: telegram.token: secrets do not belong"),
        ("timezone = ", "config.toml: not valid TOML"),
        (
            '[telegram]\napi_url = "ftp://x"',
            "config.toml: telegram.api_url: expected an http(s) URL",
        ),
    ],
)
def test_bad_config_is_one_line_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        config.parse_settings(text, source="config.toml")
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_config_file_selection_option_then_env_then_cwd(workdir: Path) -> None:
    (workdir / "config.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    other = workdir / "other.toml"
    other.write_text('timezone = "Asia/Tokyo"\n', encoding="utf-8")
    env_file = workdir / "env.toml"
    env_file.write_text('timezone = "UTC"\n', encoding="utf-8")
    assert config.load(None, environ={}).settings.timezone == "Europe/Berlin"
    assert config.load(None, environ={"GOODNEWS_CONFIG": str(env_file)}).settings.timezone == "UTC"
    chosen = config.load(other, environ={"GOODNEWS_CONFIG": str(env_file)})
    assert chosen.settings.timezone == "Asia/Tokyo"


def test_missing_explicit_file_is_a_clear_error(workdir: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: no such config file"):
        config.load(Path("nope.toml"), environ={})


def test_secrets_from_environment_then_dotenv(workdir: Path) -> None:
    (workdir / ".env").write_text(
        "TELEGRAM_BOT_TOKEN=from-dotenv\nFACEBOOK_PAGE_TOKEN=fb-dotenv\n", encoding="utf-8"
    )
    loaded = config.load(None, environ={"TELEGRAM_BOT_TOKEN": "from-env"})
    assert loaded.secrets.telegram_bot_token == "from-env"
    assert loaded.secrets.facebook_page_token == "fb-dotenv"
    assert "from-env" not in repr(loaded.secrets) and "fb-dotenv" not in repr(loaded)


def test_database_url_env_overrides_the_file(workdir: Path) -> None:
    loaded = config.load(None, environ={"DATABASE_URL": "postgresql://u@h/db"})
    assert loaded.database_url == "postgresql://u@h/db"


def test_several_daily_times_and_skip_dates() -> None:
    from bot.config import Config, Secrets

    settings = config.parse_settings(
        '[cadence]\ndaily_at = ["19:30", "07:30"]\nskip_dates = ["2027-02-06..2027-02-08"]',
        source="config.toml",
    )
    cadence = Config(settings, Secrets(None, None), None, "sqlite://").cadence
    assert [t.strftime("%H:%M") for t in cadence.daily_at] == ["07:30", "19:30"]
    assert len(cadence.skip) == 3
