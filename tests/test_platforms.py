"""Every registered platform has all its parts, and the config and the dry run reach them
through the registry."""

from __future__ import annotations

import asyncio
import inspect
import json
from pathlib import Path

import pytest

from bot.config import ChannelOptions, channel_schemas, parse_settings
from bot.domain.drafting import Draft
from bot.domain.posts import PostKind
from bot.platforms.base import Limits, OutgoingPost, Photo
from bot.platforms.registry import all_platforms

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: A platform's fake server in tests/fakes/, when not named after the platform.
FAKES = {"facebook": "graph"}
#: The modules of a platform's folder (see the README's "Adding a platform").
PARTS = ("schema", "render", "publisher", "errors", "check", "platform")
#: A sample target per platform: the one key its schema needs.
TARGETS = {"telegram": 'chat_id = "@news"', "facebook": 'page_id = "1234"'}

PLATFORMS = sorted(all_platforms())


def test_the_registry_finds_telegram_and_facebook() -> None:
    assert {"telegram", "facebook"} <= set(PLATFORMS)
    assert set(channel_schemas()) == set(PLATFORMS)


@pytest.mark.parametrize("name", PLATFORMS)
def test_a_platform_has_every_part(name: str) -> None:
    platform = all_platforms()[name]
    folder = ROOT / "bot" / "platforms" / name
    missing = [part for part in PARTS if not (folder / f"{part}.py").is_file()]
    assert not missing, f"bot/platforms/{name}/ lacks {missing}"
    fake = ROOT / "tests" / "fakes" / f"{FAKES.get(name, name)}.py"
    assert fake.is_file(), f"no fake server for {name} in tests/fakes/"
    assert platform.name == name
    assert platform.options is channel_schemas()[name]
    assert issubclass(platform.options, ChannelOptions)
    assert isinstance(platform.limits, Limits) and platform.limits.text > 0
    assert platform.token_env.isupper() and platform.token_env.endswith("_TOKEN")
    for method in (
        "label",
        "render",
        "link",
        "home",
        "dry_run_url",
        "media",
        "open_publisher",
        "check",
    ):
        assert callable(getattr(platform, method, None)), f"{name} lacks {method}"
    assert inspect.iscoroutinefunction(platform.check)


@pytest.mark.parametrize("name", PLATFORMS)
def test_every_key_of_a_platform_is_in_the_reference(name: str) -> None:
    for key in all_platforms()[name].options.model_fields:
        assert f"| `[[channels]]` `{key}` |" in README, (name, key)


@pytest.mark.parametrize("name", PLATFORMS)
def test_the_dry_run_records_a_platforms_requests(name: str, tmp_path: Path) -> None:
    """The outbox knows no platform: it asks the registry what the post would take."""
    from bot.config import Config, Secrets
    from bot.platforms.publishers import open_publishers

    text = (
        f'outbox_dir = "{tmp_path}"\n[[channels]]\nname = "c"\ntype = "{name}"\n{TARGETS[name]}\n'
    )
    config = Config(parse_settings(text, source="test"), Secrets(None, None), None, "sqlite://")
    draft = Draft(
        kind=PostKind.DAILY,
        title="Hiến máu",
        body="Đoàn viên hiến 120 đơn vị máu.",
        link=None,
        hashtags=("#MoiNgayMotTinTot",),
        sentences=("Đoàn viên hiến 120 đơn vị máu.",),
    )
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"\xff\xd8\xff")
    post = OutgoingPost(id=7, draft=draft, photos=(Photo(photo, "image/jpeg"),))

    async def go() -> None:
        async with open_publishers(config) as publishers:
            assert publishers.dry_run == ["c"]
            notice = publishers.dry_run_notice(config)
            assert notice is not None and all_platforms()[name].token_env in notice
            await publishers.for_channel(config.channel("c")).publish(post, config.channel("c"))

    asyncio.run(go())
    record = json.loads((tmp_path / "post-7-c.json").read_text(encoding="utf-8"))
    assert record["method"] == "POST" and record["url"].startswith("http")
    assert record["media"] == [str(photo)]
