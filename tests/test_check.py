"""`goodnews check`: the real python-telegram-bot and facebook-sdk against the fake servers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result

from bot import config as config_module
from bot.check import ChannelCheck, Finding, check_channels
from tests.conftest import Cli
from tests.fakes.graph import BAD_GATEWAY_HTML, PERMISSION_200, FakeGraph, graph_error_body
from tests.fakes.telegram import FakeTelegram

CHANNEL_ID = -1001234567890
CHANNEL = "kenh_tin_tot"
PAGE_ID = "104857600123456"
PAGE_TOKEN = "EAAB-page-token-of-tin-tot"
OTHER_PAGE_ID = "104857600999999"
OTHER_TOKEN = "EAAB-page-token-of-another-page"


@dataclass
class World:
    tg: FakeTelegram
    graph: FakeGraph
    workdir: Path
    env: dict[str, str]

    def configure(self, *, chat_id: str = f'"@{CHANNEL}"', page_id: str = PAGE_ID) -> None:
        (self.workdir / "config.toml").write_text(
            f"""
[telegram]
api_url = "{self.tg.api_url}"

[facebook]
graph_url = "{self.graph.graph_url}"
timeout = 5.0

[[channels]]
name = "tg-main"
type = "telegram"
chat_id = {chat_id}

[[channels]]
name = "fb-main"
type = "facebook"
page_id = "{page_id}"
""",
            encoding="utf-8",
        )

    def check(self, *args: str, ok: bool = False) -> Result:
        result = Cli(self.env)("check", *args, ok=ok)
        assert "Traceback" not in result.output
        for secret in (self.tg.token, PAGE_TOKEN, OTHER_TOKEN, "123456:WRONG-token"):
            assert secret not in result.output, "a token was printed"
        return result

    def blocks(self, result: Result) -> dict[str, str]:
        """Each channel's block of the report, by channel name."""
        found: dict[str, str] = {}
        for line in result.stdout.splitlines():
            if line[:2] in ("✔ ", "✘ ", "○ "):
                name = line[2:].split(" ", 1)[0]
                found[name] = line
            else:
                found[name] += "\n" + line
        return found


@pytest.fixture
def world(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    import facebook

    monkeypatch.setattr(facebook, "FACEBOOK_GRAPH_URL", facebook.FACEBOOK_GRAPH_URL)  # restored
    with FakeTelegram() as tg, FakeGraph() as graph:
        tg.add_channel(CHANNEL_ID, CHANNEL, "Tin tốt mỗi ngày")
        graph.add_page(PAGE_ID, PAGE_TOKEN, name="Tin tốt")
        graph.add_page(OTHER_PAGE_ID, OTHER_TOKEN, name="Trang khác")
        env = {"TELEGRAM_BOT_TOKEN": tg.token, "FACEBOOK_PAGE_TOKEN": PAGE_TOKEN}
        built = World(tg, graph, workdir, env)
        built.configure()
        yield built


def test_all_good_exits_0_and_says_each_channel_can_post(world: World) -> None:
    result = world.check(ok=True)
    assert result.exit_code == 0
    blocks = world.blocks(result)
    assert blocks["tg-main"] == (
        f"✔ tg-main (telegram, @{CHANNEL}): "
        'the bot @goodnews_test_bot can post in "Tin tốt mỗi ngày"'
    )
    assert blocks["fb-main"] == (
        f'✔ fb-main (facebook page {PAGE_ID}): the Page token is valid and belongs to "Tin tốt"'
    )
    assert "all 2 channel(s) can publish" in result.stderr
    assert [c.method for c in world.tg.calls()] == ["getMe", "getChat", "getChatMember"]
    member_call = world.tg.calls("getChatMember")[0]
    assert member_call.params["user_id"] == world.tg.bot_id
    assert [c.path for c in world.graph.calls()] == [f"/v24.0/{PAGE_ID}", "/v24.0/me"]
    assert world.tg.messages(CHANNEL_ID) == [] and world.graph.posts(PAGE_ID) == []  # read-only


def test_bot_that_is_only_a_member_is_told_to_become_admin(world: World) -> None:
    world.tg.set_member(CHANNEL_ID, world.tg.bot_id, "member")
    result = world.check()
    assert result.exit_code == 1
    block = world.blocks(result)["tg-main"]
    assert block.startswith(
        f'✘ tg-main (telegram, @{CHANNEL}): the bot @goodnews_test_bot cannot post in "Tin tốt '
        'mỗi ngày": it is not an admin of the channel.'
    )
    assert "Fix: make the bot an admin with the Post messages right" in block
    assert world.blocks(result)["fb-main"].startswith("✔ fb-main")  # one channel's trouble only
    assert "1 of 2 channel(s) cannot publish for real: 1 need(s) fixing" in result.stderr


def test_the_report_is_in_the_configured_language_and_json_stays_english(world: World) -> None:
    world.tg.set_member(CHANNEL_ID, world.tg.bot_id, "member")
    world.env["GOODNEWS_LANGUAGE"] = "vi"
    result = world.check()
    block = world.blocks(result)["tg-main"]
    assert block.startswith(
        f'✘ tg-main (telegram, @{CHANNEL}): bot @goodnews_test_bot không đăng được vào "Tin '
        'tốt mỗi ngày": bot không phải quản trị viên của kênh.'
    ), block
    assert "\n  Cách khắc phục: đặt bot làm quản trị viên với quyền Post messages" in block
    assert world.blocks(result)["fb-main"] == (
        f'✔ fb-main (trang Facebook {PAGE_ID}): token của Trang hợp lệ và thuộc về "Tin tốt"'
    )
    assert "1/2 kênh chưa đăng thật được: 1 kênh cần khắc phục" in result.stderr
    tg = json.loads(world.check("--json").stdout.splitlines()[0])
    assert tg["problem"].startswith("the bot @goodnews_test_bot cannot post in")
    assert tg["fix"].startswith("make the bot an admin with the Post messages right")


def test_bot_that_left_the_channel(world: World) -> None:
    world.tg.set_member(CHANNEL_ID, world.tg.bot_id, "left")
    block = world.blocks(world.check())["tg-main"]
    assert "it is not a member of the channel" in block and "Post messages" in block


def test_bot_banned_from_the_channel_is_told_to_unban_it(world: World) -> None:
    world.tg.set_member(CHANNEL_ID, world.tg.bot_id, "kicked")
    block = world.blocks(world.check())["tg-main"]
    assert "was removed from" in block and "unban @goodnews_test_bot" in block


def test_admin_without_post_messages_right(world: World) -> None:
    world.tg.set_member(CHANNEL_ID, world.tg.bot_id, "administrator", can_post_messages=False)
    result = world.check()
    assert result.exit_code == 1
    block = world.blocks(result)["tg-main"]
    assert 'is an admin of "Tin tốt mỗi ngày" but without the Post messages right' in block
    assert "Fix: in the channel: Administrators → @goodnews_test_bot → turn on Post messages" in (
        block
    )


def test_creator_may_post(world: World) -> None:
    world.tg.set_member(CHANNEL_ID, world.tg.bot_id, "creator")
    assert world.check(ok=True).exit_code == 0


@pytest.mark.parametrize("chat_id", ['"@no_such_channel"', "-1009999999999"])
def test_chat_not_found(world: World, chat_id: str) -> None:
    world.configure(chat_id=chat_id)
    result = world.check()
    assert result.exit_code == 1
    block = world.blocks(result)["tg-main"]
    assert "does not exist for the bot @goodnews_test_bot" in block
    assert "the bot is not in that channel, or chat_id is wrong" in block
    assert "Fix: add @goodnews_test_bot to the channel as an admin" in block


def test_refused_bot_token_says_get_one_from_botfather(world: World) -> None:
    world.env["TELEGRAM_BOT_TOKEN"] = "123456:WRONG-token"
    result = world.check()
    assert result.exit_code == 1
    block = world.blocks(result)["tg-main"]
    assert "Telegram refused TELEGRAM_BOT_TOKEN (Unauthorized)" in block
    assert "wrong or was revoked" in block and "@BotFather" in block
    assert [c.status for c in world.tg.calls()] == [401]  # nothing asked after getMe


def test_telegram_unreachable_says_try_again(world: World) -> None:
    world.tg.drop_connection_next("getMe", store=False)
    block = world.blocks(world.check())["tg-main"]
    assert f"cannot reach the Telegram Bot API at {world.tg.api_url}" in block
    assert "try again" in block


def test_expired_page_token_explains_a_new_long_lived_token(world: World) -> None:
    world.graph.expire_token(PAGE_TOKEN)
    result = world.check()
    assert result.exit_code == 1
    block = world.blocks(result)["fb-main"]
    assert block.startswith(
        f"✘ fb-main (facebook page {PAGE_ID}): the Page token (FACEBOOK_PAGE_TOKEN) has expired "
        "(Facebook: Error validating access token: Session has expired on"
    )
    for words in ("long-lived Page access token", "FACEBOOK_PAGE_TOKEN", ".env", "restart"):
        assert words in block
    assert world.blocks(result)["tg-main"].startswith("✔ tg-main")


def test_invalid_page_token(world: World) -> None:
    world.env["FACEBOOK_PAGE_TOKEN"] = "EAAB-garbage"
    block = world.blocks(world.check())["fb-main"]
    assert "Facebook refused FACEBOOK_PAGE_TOKEN: the token is wrong or was revoked" in block
    assert "long-lived Page access token" in block


def test_wrong_page_id(world: World) -> None:
    world.configure(page_id="999")
    result = world.check()
    assert result.exit_code == 1
    block = world.blocks(result)["fb-main"]
    assert "Facebook knows no Page with id 999" in block
    assert "Fix: correct page_id in the config" in block


def test_token_of_another_page(world: World) -> None:
    world.env["FACEBOOK_PAGE_TOKEN"] = OTHER_TOKEN
    block = world.blocks(world.check())["fb-main"]
    assert (
        f'FACEBOOK_PAGE_TOKEN is not a token of "Tin tốt": it belongs to "Trang khác" '
        f"(id {OTHER_PAGE_ID})"
    ) in block
    assert f"put the Page access token of page {PAGE_ID} in FACEBOOK_PAGE_TOKEN" in block


def test_missing_permission(world: World) -> None:
    world.graph.fail_next(f"/{PAGE_ID}", status=403, body=graph_error_body(200, PERMISSION_200))
    block = world.blocks(world.check())["fb-main"]
    assert "the Page token lacks a permission Facebook requires" in block
    assert "pages_manage_posts, pages_read_engagement" in block


def test_graph_bad_gateway_page_says_try_again(world: World) -> None:
    world.graph.fail_next(
        f"/{PAGE_ID}", status=502, body=BAD_GATEWAY_HTML, content_type="text/html"
    )
    result = world.check()
    assert result.exit_code == 1
    block = world.blocks(result)["fb-main"]
    assert "answered with an error page instead of the Graph API" in block
    assert "try again in a few minutes" in block


def test_graph_dropped_connection_says_cannot_reach(world: World) -> None:
    world.graph.drop_connection_next(f"/{PAGE_ID}", store=False)
    block = world.blocks(world.check())["fb-main"]
    assert f"cannot reach Facebook at {world.graph.graph_url} (the connection failed)" in block
    assert "try again" in block


def test_no_tokens_is_dry_run_and_says_what_to_set(world: World) -> None:
    world.env.clear()
    result = world.check()
    assert result.exit_code == 1
    blocks = world.blocks(result)
    assert blocks["tg-main"].startswith(
        f"○ tg-main (telegram, @{CHANNEL}): dry-run mode: TELEGRAM_BOT_TOKEN is not set, so "
        "posts are written to outbox/"
    )
    assert "To go live:" in blocks["tg-main"] and "@BotFather" in blocks["tg-main"]
    assert blocks["fb-main"].startswith(
        f"○ fb-main (facebook page {PAGE_ID}): dry-run mode: FACEBOOK_PAGE_TOKEN is not set"
    )
    assert "2 in dry-run mode (posts go to the outbox only)" in result.stderr
    assert world.tg.calls() == [] and world.graph.calls() == []  # nothing asked


def test_demo_setup_with_no_config_and_no_tokens(run_cli: Cli) -> None:
    result = run_cli("check", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "○ telegram-main (telegram, @your_channel): dry-run mode" in result.stdout
    assert "○ facebook-main (facebook page 123456789): dry-run mode" in result.stdout


def test_json_is_one_object_per_channel(world: World) -> None:
    world.graph.expire_token(PAGE_TOKEN)
    result = world.check("--json")
    assert result.exit_code == 1
    tg, fb = (json.loads(line) for line in result.stdout.splitlines())
    assert tg == {
        "channel": "tg-main",
        "type": "telegram",
        "target": f"@{CHANNEL}",
        "ok": True,
        "finding": "ok",
        "problem": None,
        "fix": None,
        "detail": 'the bot @goodnews_test_bot can post in "Tin tốt mỗi ngày"',
    }
    assert fb["ok"] is False and fb["finding"] == "token_expired"
    assert "has expired" in fb["problem"] and "long-lived" in fb["fix"]


def test_bad_config_is_the_one_line_config_error(world: World) -> None:
    (world.workdir / "config.toml").write_text(
        '[[channels]]\nname = "tg"\ntype = "telegram"\n', encoding="utf-8"
    )
    result = world.check()
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        'Error: config.toml: channels[0] (name "tg"): a telegram channel needs chat_id '
        '(such as "@your_channel")'
    )


def test_no_channels_is_not_ok(world: World) -> None:
    (world.workdir / "config.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    result = world.check()
    assert result.exit_code == 1 and "no channels in the config" in result.stderr


def test_check_channels_returns_one_result_per_channel_in_config_order(world: World) -> None:
    world.tg.set_member(CHANNEL_ID, world.tg.bot_id, "administrator", can_post_messages=False)
    world.graph.expire_token(PAGE_TOKEN)
    config = config_module.load(world.workdir / "config.toml", environ=world.env)
    checks = asyncio.run(check_channels(config))
    assert [(c.channel, c.ok, c.finding) for c in checks] == [
        ("tg-main", False, Finding.CANNOT_POST),
        ("fb-main", False, Finding.TOKEN_EXPIRED),
    ]
    assert all(isinstance(c, ChannelCheck) and c.problem and c.fix for c in checks)


def test_check_keeps_how_people_know_each_channel(world: World) -> None:
    """The channel's title (getChat) and the Page's name (GET /{page-id}), kept for the
    officers' notices; each check refreshes them."""
    from bot.config import load
    from bot.services import channel_names
    from bot.storage import channel_rows, db
    from bot.storage.db import session_scope

    Cli(world.env)("init")
    world.check(ok=True)
    engine = db.make_engine(load(None, environ={}).database_url)
    with session_scope(engine) as session:
        assert channel_rows.titles(session) == {"tg-main": "Tin tốt mỗi ngày", "fb-main": "Tin tốt"}
    # The channel aimed elsewhere: its new title, even where the bot may not post (getChat
    # answered).
    world.tg.add_channel(-100777, "tin_vui", "Tin tốt")
    world.configure(chat_id="-100777")
    world.check()
    with session_scope(engine) as session:
        assert channel_rows.titles(session)["tg-main"] == "Tin tốt"
        # The same title on both platforms: the officers read which is which.
        assert channel_names.channel_labels(session, load(None, environ={})) == {
            "tg-main": "Tin tốt (Telegram)",
            "fb-main": "Tin tốt (Facebook)",
        }
