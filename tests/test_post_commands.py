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
def world(workdir: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[World]:
    """Every test on SQLite and on PostgreSQL."""
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
        cli = Cli(
            {
                "TELEGRAM_BOT_TOKEN": tg.token,
                "FACEBOOK_PAGE_TOKEN": PAGE_TOKEN,
                "DATABASE_URL": database_url,
            }
        )
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


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def test_unapprove_resends_the_draft_and_edit_updates_the_admins_copies(world: World) -> None:
    world.cli("queue", "add", "--text", TEXT, "--approved")
    slot = world.show(1)["slot"]
    assert world.tg.messages(ADMIN) == []
    world.cli("unapprove", "1")
    [request] = world.tg.messages(ADMIN)
    assert "Hiến máu cứu người" in request["plain_text"] and len(buttons(request)) >= 2
    # Edited while pending: the admin's copy reads the new text and keeps its buttons.
    world.cli("post", "edit", "1", "--text", "Hiến máu đợt hai\nThêm 50 đoàn viên tham gia.")
    [request] = world.tg.messages(ADMIN)
    assert "Hiến máu đợt hai" in request["plain_text"] and len(buttons(request)) >= 2
    # Edited once scheduled: it keeps its slot and goes out as it now reads.
    world.cli("approve", "1")
    assert world.show(1)["slot"] == slot
    (world.workdir / "fixed.txt").write_text("Hiến máu đợt ba\nĐã sửa lỗi chính tả.", "utf-8")
    assert "edited (scheduled)" in world.cli("post", "edit", "1", "--file", "fixed.txt").stderr
    [request] = world.tg.messages(ADMIN)
    assert "Hiến máu đợt ba" in request["plain_text"] and buttons(request) == []
    shown = world.show(1)
    assert (shown["status"], shown["slot"]) == ("scheduled", slot)
    assert shown["title"] == "Hiến máu đợt ba"
    assert [h["action"] for h in shown["history"]] == [
        "queue",
        "approve",
        "unapprove",
        "edit",
        "approve",
        "edit",
    ]
    world.publish(1)
    [page_post] = world.graph.posts(PAGE_ID)
    assert page_post["message"].startswith("Hiến máu đợt ba")
    # Once it went out, its photos can no longer change.
    (world.workdir / "a.png").write_bytes(b"not read")
    refused = world.cli("post", "edit", "1", "--text", "X\nY.", "--photo", "a.png", ok=False)
    assert refused.stderr.strip() == "Error: post 1 went out: its photos can no longer change"


def test_edit_replaces_the_photos_and_bad_input_changes_nothing(world: World) -> None:
    from tests.factories import png

    (world.workdir / "a.png").write_bytes(png(seed=1))
    (world.workdir / "b.png").write_bytes(png(seed=2))
    world.cli("queue", "add", "--text", TEXT, "--photo", "a.png")
    before = world.show(1)
    for args, error in [
        (["--text", "Chỉ có tiêu đề"], "the post needs its title on the first line"),
        (["--text", "T\nB.", "--photo", "missing.png"], "missing.png"),
        (["--text", "T\nB.", "--file", "x.txt"], "give exactly one of --text or --file"),
    ]:
        result = world.cli("post", "edit", "1", *args, ok=False)
        assert result.exit_code == 1 and error in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert world.show(1) == before
    world.cli("post", "edit", "1", "--text", "Ảnh mới\nHai tấm ảnh.", "--photo", "b.png")
    after = world.show(1)
    assert len(after["photos"]) == 1 and after["photos"] != before["photos"]
    world.cli("post", "edit", "1", "--text", "Ảnh giữ\nẢnh giữ nguyên.")
    assert world.show(1)["photos"] == after["photos"]


def test_cancel_frees_the_slots_and_nothing_goes_out(world: World) -> None:
    world.cli("queue", "add", "--text", TEXT, "--approved")
    slot = world.show(1)["slot"]
    world.cli("unapprove", "1")
    world.cli("approve", "1")
    assert "post 1 cancelled" in world.cli("post", "cancel", "1").stderr
    [request] = world.tg.messages(ADMIN)
    assert buttons(request) == [] and "huỷ" in request["plain_text"].lower()
    assert "already cancelled" in world.cli("post", "cancel", "1").stderr
    shown = world.show(1)
    assert shown["status"] == "cancelled" and shown["slot"] is None
    assert {p["status"] for p in shown["publications"]} == {"cancelled"}
    assert shown["history"][-1]["action"] == "cancel"
    # The freed slot goes to the next post; the cancelled one never goes out.
    world.cli("queue", "add", "--text", "Tin khác\nMột tin tốt khác.", "--approved")
    assert world.show(2)["slot"] == slot
    world.cli("tick", "--at", (datetime.fromisoformat(slot) + timedelta(minutes=1)).isoformat())
    [page_post] = world.graph.posts(PAGE_ID)
    assert page_post["message"].startswith("Tin khác")
    assert world.show(1)["status"] == "cancelled"
    assert "cannot be approved" in world.cli("approve", "1", ok=False).stderr
    refused = world.cli("post", "cancel", "2", ok=False)
    assert refused.stderr.strip() == "Error: post 2 is published; it cannot be cancelled"


def test_edit_after_publication_corrects_every_channel_and_says_which_refused(
    world: World,
) -> None:
    world.cli("queue", "add", "--text", TEXT, "--approved")
    world.publish(1)
    [page_post] = world.graph.posts(PAGE_ID)
    result = world.cli("post", "edit", "1", "--text", "Hiến máu cứu người\nĐã sửa: 350 đoàn viên.")
    assert result.exit_code == 0
    shown = world.show(1)
    urls = {p["channel"]: p["url"] for p in shown["publications"]}
    for channel in ("tg", "tg-private", "fb"):
        assert f"post 1 corrected on {channel}: {urls[channel]}" in result.stderr
    [public] = world.tg.messages(PUBLIC)
    assert public["text"] == shown["previews"]["telegram"] and "350 đoàn viên" in public["text"]
    assert len(public["edits"]) == 1
    assert world.graph.post(page_post["id"])["message"] == shown["previews"]["facebook"]
    assert shown["status"] == "published"

    # Someone deleted the Page's post by hand: Facebook refuses, Telegram takes the text
    # (the private channel's copy already reads it: Telegram's "not modified" is success).
    world.graph.delete_post(page_post["id"])
    world.tg.backdate(PUBLIC, public["message_id"], seconds=3600)
    result = world.cli("post", "edit", "1", "--text", "Hiến máu cứu người\nSửa lần hai.", ok=False)
    assert result.exit_code == 1
    assert "post 1 corrected on tg: https://t.me/kenh_tin_tot/" in result.stderr
    [refusal] = [line for line in result.stderr.splitlines() if "NOT" in line]
    assert refusal.startswith("post 1 NOT corrected on fb (it still reads the previous text): ")
    assert "Unsupported post request" in refusal
    shown = world.show(1)
    errors = {p["channel"]: p["error"] for p in shown["publications"]}
    assert errors["tg"] is None and errors["fb"].startswith("not corrected: ")
    assert [h["after"] for h in shown["history"] if h["action"] == "correct"][-3:] == [
        "tg done",
        "tg-private done",
        "fb refused",
    ]


def test_a_correction_and_a_retraction_reach_the_admins_copies(world: World) -> None:
    world.cli("queue", "add", "--text", TEXT, "--approved", "--channel", "tg")
    world.cli("unapprove", "1")  # the draft goes to the admin
    world.cli("approve", "1")
    world.publish(1)
    [request] = world.tg.messages(ADMIN)
    assert "300 đoàn viên" in request["plain_text"]
    world.cli("post", "edit", "1", "--text", "Hiến máu cứu người\nĐã sửa: 350 đoàn viên.")
    [request] = world.tg.messages(ADMIN)
    assert "350 đoàn viên" in request["plain_text"] and "300 đoàn viên" not in request["plain_text"]
    assert buttons(request) == []
    world.cli("post", "retract", "1")
    [request] = world.tg.messages(ADMIN)
    assert world.show(1)["status"] == "retracted"
    assert "350 đoàn viên" in request["plain_text"] and buttons(request) == []
    assert len(request["edits"]) == 3  # approved, corrected, retracted


def test_a_photo_post_is_corrected_in_its_caption(world: World) -> None:
    from tests.factories import png

    (world.workdir / "a.png").write_bytes(png(seed=3))
    world.cli("queue", "add", "--text", TEXT, "--photo", "a.png", "--approved", "--channel", "tg")
    world.publish(1)
    world.cli("post", "edit", "1", "--text", "Ảnh hiến máu\nChú thích đã sửa.")
    [photo] = world.tg.messages(PUBLIC)
    assert photo["kind"] == "photo" and photo["plain_caption"].startswith("Ảnh hiến máu")
    # A text too long for a caption cannot go there: said, and nothing changed.
    long_text = "Ảnh hiến máu\n" + "Rất dài. " * 200
    result = world.cli("post", "edit", "1", "--text", long_text, ok=False)
    assert (
        "NOT corrected on tg" in result.stderr and "longer than a photo's caption" in result.stderr
    )
    assert world.tg.messages(PUBLIC)[0]["plain_caption"] == photo["plain_caption"]


def test_retract_takes_it_down_and_says_where_it_could_not(world: World) -> None:
    world.cli("queue", "add", "--text", TEXT, "--approved")
    world.publish(1)
    [private] = world.tg.messages(PRIVATE)
    world.tg.backdate(PRIVATE, private["message_id"], seconds=49 * 3600)  # too old to delete
    result = world.cli("post", "retract", "1", "--reason", "sai ngày", ok=False)
    assert result.exit_code == 1
    assert "post 1 taken down on tg" in result.stderr and "taken down on fb" in result.stderr
    assert (
        "post 1 NOT taken down on tg-private (it is still out): telegram channel tg-private "
        f"({PRIVATE}): Telegram refused the post: Message can't be deleted for everyone"
    ) in result.stderr
    assert world.tg.messages(PUBLIC) == [] and world.graph.posts(PAGE_ID) == []
    assert len(world.tg.messages(PRIVATE)) == 1
    shown = world.show(1)
    assert shown["status"] == "published"  # still out on one channel
    assert {p["channel"]: p["status"] for p in shown["publications"]} == {
        "tg": "retracted",
        "tg-private": "sent",
        "fb": "retracted",
    }
    retracts = [h for h in shown["history"] if h["action"] == "retract"]
    assert [h["after"] for h in retracts] == ["tg done", "tg-private refused", "fb done"]
    assert retracts[0]["detail"] == "sai ngày"

    # A post out on channels that all take it down is retracted.
    world.cli("queue", "add", "--text", "Tin hai\nMột tin khác.", "--approved", "--channel", "fb")
    world.publish(2)
    result = world.cli("post", "retract", "2")
    assert "post 2 is retracted" in result.stderr and world.show(2)["status"] == "retracted"
    refused = world.cli("post", "retract", "2", ok=False)
    assert refused.stderr.strip() == "Error: post 2 is retracted; nothing to take down"


def test_retract_deletes_every_photo_of_an_album(world: World) -> None:
    from tests.factories import png

    for n in (1, 2, 3):
        (world.workdir / f"{n}.png").write_bytes(png(seed=n))
    photos = [arg for n in (1, 2, 3) for arg in ("--photo", f"{n}.png")]
    world.cli("queue", "add", "--text", TEXT, *photos, "--approved", "--channel", "tg")
    world.publish(1)
    assert len(world.tg.messages(PUBLIC)) == 3
    world.cli("post", "retract", "1")
    assert world.tg.messages(PUBLIC) == [] and world.show(1)["status"] == "retracted"


#: A story whose text fits a message (4,096) but not a caption (1,024): the text goes out
#: after the photos, as a message of its own.
LONG = "Câu chuyện đẹp của tuần\n" + " ".join(
    f"Đoạn {n}: các bạn trẻ trong đội tình nguyện đã dành cả buổi sáng giúp bà con sửa nhà."
    for n in range(1, 25)
)


def test_a_text_after_its_photos_is_corrected_and_taken_down_with_them(world: World) -> None:
    from tests.factories import png

    for n in (1, 2):
        (world.workdir / f"{n}.png").write_bytes(png(seed=n))
    photos = ["--photo", "1.png", "--photo", "2.png"]
    world.cli("queue", "add", "--text", LONG, *photos, "--approved", "--channel", "tg")
    world.publish(1)
    first, second, text = world.tg.messages(PUBLIC)
    assert (first["kind"], second["kind"], text["kind"]) == ("photo", "photo", "text")
    fixed = LONG.replace("Đoạn 24:", "Đoạn cuối:")
    result = world.cli("post", "edit", "1", "--text", fixed)
    assert "post 1 corrected on tg: https://t.me/kenh_tin_tot/" in result.stderr
    corrected = world.tg.message(PUBLIC, text["message_id"])
    assert "Đoạn cuối:" in corrected["text"] and len(corrected["edits"]) == 1
    assert corrected["text"] == world.show(1)["previews"]["telegram"]
    assert all(not world.tg.message(PUBLIC, m["message_id"])["edits"] for m in (first, second))
    world.cli("post", "retract", "1")
    assert world.tg.messages(PUBLIC) == [] and world.show(1)["status"] == "retracted"
    assert len(world.tg.calls("deleteMessage")) == 3


def test_the_admins_see_a_drafts_photos_above_its_approval_message(world: World) -> None:
    from tests.factories import png

    for n in (1, 2):
        (world.workdir / f"{n}.png").write_bytes(png(seed=n))
    world.cli("queue", "add", "--text", TEXT, "--photo", "1.png", "--photo", "2.png", "--approved")
    world.cli("unapprove", "1")  # the draft goes to the admins again
    first, second, request = world.tg.messages(ADMIN)
    assert [first["kind"], second["kind"]] == ["photo", "photo"]
    assert first["media_group_id"] == second["media_group_id"] is not None
    assert request["kind"] == "text" and request["plain_text"].startswith("📝")
    assert len(buttons(request)) >= 2


def test_a_post_moved_to_another_slot_says_so_on_the_admins_copies(world: World) -> None:
    for text in (TEXT, "Chuyện hai\nNội dung hai."):
        world.cli("queue", "add", "--text", text, "--approved", "--channel", "tg")
    world.cli("unapprove", "1")  # the draft goes to the admin
    world.cli("approve", "1")
    first, second = (datetime.fromisoformat(world.show(i)["slot"]).astimezone(HCM) for i in (1, 2))
    [request] = world.tg.messages(ADMIN)
    assert f"{first:%d/%m/%Y}" in request["plain_text"]
    world.cli("queue", "swap", "1")
    [request] = world.tg.messages(ADMIN)
    assert f"{second:%d/%m/%Y}" in request["plain_text"]
    assert f"{first:%d/%m/%Y}" not in request["plain_text"] and buttons(request) == []
    world.cli("queue", "now", "1")  # goes at the next pass: the copy says when
    [request] = world.tg.messages(ADMIN)
    assert f"{second:%d/%m/%Y}" not in request["plain_text"]
