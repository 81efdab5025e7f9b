"""`goodnews post show / cancel / edit`: one post whole, with its links, changed before it
goes out. Published through the real python-telegram-bot and facebook-sdk against the fakes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Cli
from tests.fakes.graph import FakeGraph
from tests.fakes.telegram import FakeTelegram

PUBLIC, PRIVATE, PAGE_ID, PAGE_TOKEN = -100555, -1001234567, "5550001", "EAAGpagetoken"
ADMIN = 111
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class World:
    tg: FakeTelegram
    graph: FakeGraph
    cli: Cli
    workdir: Path

    def show(self, post_id: int) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.cli("post", "show", str(post_id), "--json").stdout)
        return result

    def publish(self, post_id: int) -> str:
        """Tick at the post's slot; the CLI's publishing lines."""
        slot = datetime.fromisoformat(self.show(post_id)["slot"])
        return str(self.cli("tick", "--at", (slot + timedelta(minutes=1)).isoformat()).stdout)


@pytest.fixture
def world(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    import facebook

    monkeypatch.setattr(facebook, "FACEBOOK_GRAPH_URL", facebook.FACEBOOK_GRAPH_URL)  # restored
    with FakeTelegram() as tg, FakeGraph() as graph:
        tg.add_user(ADMIN, "Lan")
        tg.add_channel(PUBLIC, "kenh_tin_tot", "Tin tốt")
        tg.add_channel(PRIVATE, None, "Nội bộ")
        graph.add_page(PAGE_ID, PAGE_TOKEN)
        (workdir / "config.toml").write_text(
            f'[telegram]\napi_url = "{tg.api_url}"\nadmins = [{ADMIN}]\n'
            f'[facebook]\ngraph_url = "{graph.graph_url}"\ntimeout = 2.0\n'
            '[[channels]]\nname = "tg"\ntype = "telegram"\nchat_id = "@kenh_tin_tot"\n'
            f'[[channels]]\nname = "tg-private"\ntype = "telegram"\nchat_id = {PRIVATE}\n'
            f'[[channels]]\nname = "fb"\ntype = "facebook"\npage_id = "{PAGE_ID}"\n',
            encoding="utf-8",
        )
        cli = Cli({"TELEGRAM_BOT_TOKEN": tg.token, "FACEBOOK_PAGE_TOKEN": PAGE_TOKEN})
        cli("init")
        yield World(tg, graph, cli, workdir)


TEXT = "Hiến máu cứu người\nSáng nay 300 đoàn viên hiến máu tình nguyện & <vui>."


def test_show_gives_the_exact_text_per_platform_the_links_and_the_history(world: World) -> None:
    world.cli("queue", "add", "--text", TEXT, "--approved")
    shown = world.show(1)
    assert (shown["id"], shown["kind"], shown["status"]) == (1, "daily", "scheduled")
    assert shown["previews"]["telegram"].startswith("<b>Hiến máu cứu người</b>")
    assert "&amp; &lt;vui&gt;" in shown["previews"]["telegram"]
    assert "& <vui>" in shown["previews"]["facebook"]
    assert shown["photos"] == [] and shown["unit"] is None
    assert {p["channel"]: p["url"] for p in shown["publications"]} == {
        "tg": None,
        "tg-private": None,
        "fb": None,
    }
    assert [h["action"] for h in shown["history"]] == ["queue", "approve"]

    lines = world.publish(1)
    shown = world.show(1)
    assert shown["status"] == "published"
    urls = {p["channel"]: p["url"] for p in shown["publications"]}
    [public] = world.tg.messages(PUBLIC)
    [private] = world.tg.messages(PRIVATE)
    [page_post] = world.graph.posts(PAGE_ID)
    assert urls == {
        "tg": f"https://t.me/kenh_tin_tot/{public['message_id']}",
        "tg-private": f"https://t.me/c/1234567/{private['message_id']}",
        "fb": f"https://www.facebook.com/{page_post['id']}",
    }
    # What went out is exactly what `post show` said would.
    assert public["text"] == private["text"] == shown["previews"]["telegram"]
    assert page_post["message"] == shown["previews"]["facebook"]
    # The same links in the queue's JSON and in the publishing lines.
    [queued] = json.loads(world.cli("queue", "--all", "--json").stdout)
    assert {p["channel"]: p["url"] for p in queued["publications"]} == urls
    for url in urls.values():
        assert url in lines
    human = world.cli("post", "show", "1").stdout
    assert "published" in human and urls["fb"] in human and "--- telegram ---" in human


def test_show_refuses_an_unknown_post_in_one_line(world: World) -> None:
    result = world.cli("post", "show", "9", ok=False)
    assert result.exit_code == 1 and result.stderr.strip() == "Error: no post with id 9"
