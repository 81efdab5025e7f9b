"""Texts longer than one Telegram message (issue #17, findings 5 and 9): approval requests
around a post near 4,096 characters, an empty-slot warning for 82 channels, `/queue` with
many channels. The fake refuses what Telegram refuses (over 4,096 UTF-16 units after the
HTML is parsed, HTML cut inside a tag); nothing may be refused, nobody told a message went
out when it did not."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests import running
from tests.conftest import Cli
from tests.fakes.telegram import FakeTelegram

ADMIN, GHOST, OFFICER, CHANNEL = 111, 222, 333, -100880
SENTENCE = "Đoàn viên phường Láng Hạ vớt 2 tấn rác trên kênh Thanh Nhàn, người dân tiếp sức. "


def _refused(tg: FakeTelegram) -> list[str]:
    return [
        str((call.response or {}).get("description"))
        for call in tg.calls()
        if call.method.lower() in ("sendmessage", "editmessagetext") and call.status == 400
    ]


def _channels(count: int) -> str:
    return "".join(
        f'[[channels]]\nname = "kenh-{n:02}"\ntype = "telegram"\nchat_id = {CHANNEL - n}\n'
        for n in range(1, count + 1)
    )


def test_a_post_near_the_limit_reaches_every_admin_and_the_officer_hears_the_truth(
    workdir: Path,
) -> None:
    body = (SENTENCE * 60)[:4000].rsplit(" ", 1)[0] + "."
    text = f"Tuổi trẻ Láng Hạ làm sạch kênh Thanh Nhàn\n{body}"
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(ADMIN, "Lan")
        tg.add_user(GHOST, "Vắng", started=False)  # never pressed Start: cannot be written to
        tg.add_user(OFFICER, "Hùng")
        extra = f"admins = [{ADMIN}, {GHOST}]\nofficers = [{OFFICER}]"
        _cli, env = running.prepare(workdir, tg, CHANNEL, extra)
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(OFFICER, f"/new {text}")
            [told] = tg.wait_for_messages(OFFICER, 1, timeout=10)
            assert told["plain_text"] == "Đã lưu bản nháp #1 và gửi quản trị viên duyệt."
            post, request = tg.wait_for_messages(ADMIN, 2)
            assert post["plain_text"].startswith("Tuổi trẻ Láng Hạ làm sạch kênh Thanh Nhàn")
            assert body[-200:] in post["plain_text"]  # the whole post, as it will look
            assert request["plain_text"].startswith("📝 Bản nháp #1")
            assert request["plain_text"].endswith(
                "⬆️ Nội dung bài ở tin nhắn phía trên (quá dài để hiện cả ở đây)."
            )
            mark = tg.mark()
            tg.push_callback(ADMIN, ADMIN, request["message_id"], "approve:1")
            tg.wait_for_call("editMessageText", since=mark, timeout=10)
            assert tg.message(ADMIN, request["message_id"])["plain_text"].startswith(
                "✅ Đã duyệt bài #1"
            )
            assert running.stop(proc) == 0
        assert _refused(tg) == []


def test_the_officer_is_not_told_it_went_out_when_no_admin_got_it(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_channel(CHANNEL, "tin_tot", "Tin tốt")
        tg.add_user(GHOST, "Vắng", started=False)
        tg.add_user(OFFICER, "Hùng")
        _cli, env = running.prepare(
            workdir, tg, CHANNEL, f"admins = [{GHOST}]\nofficers = [{OFFICER}]"
        )
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(OFFICER, f"/new Tin tốt\n{SENTENCE}")
            [told] = tg.wait_for_messages(OFFICER, 1, timeout=10)
            assert told["plain_text"] == (
                "Đã lưu bản nháp #1, nhưng chưa gửi được cho quản trị viên nào; "
                "bài vẫn chờ trong hàng đợi."
            )
            assert running.stop(proc) == 0


def test_an_empty_slot_warning_for_82_channels_arrives_whole(workdir: Path) -> None:
    with FakeTelegram() as tg:
        tg.add_user(ADMIN, "Lan")
        (workdir / "config.toml").write_text(
            f'[telegram]\napi_url = "{tg.api_url}"\nadmins = [{ADMIN}]\n' + _channels(82),
            encoding="utf-8",
        )
        cli = Cli({"TELEGRAM_BOT_TOKEN": tg.token})
        cli("init")
        evening = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).replace(hour=18, minute=0)
        cli("warn", "--at", evening.isoformat())
        warnings = [m["plain_text"] for m in tg.messages(ADMIN)]
        assert len(warnings) >= 2 and len("\n".join(warnings)) > 4096
        assert warnings[0].startswith("⚠️ Ngày mai còn khung giờ chưa có bài")
        assert all(f"kenh-{n:02}" in "\n".join(warnings) for n in range(1, 83))
        assert _refused(tg) == []


def test_queue_with_many_channels_is_sent_whole_in_english(workdir: Path) -> None:
    # Issue #17 (9): cut at 4,000 characters inside a tag, Telegram refused it all.
    with FakeTelegram() as tg:
        tg.add_user(ADMIN, "Lan", language_code="en")
        (workdir / "config.toml").write_text(
            f'[telegram]\napi_url = "{tg.api_url}"\npoll_timeout = 1\nadmins = [{ADMIN}]\n'
            + _channels(40),
            encoding="utf-8",
        )
        env = {"TELEGRAM_BOT_TOKEN": tg.token}
        cli = Cli(env)
        cli("init")
        with running.worker(workdir, env) as proc:
            tg.wait_for_poller(timeout=20)
            tg.push_message(ADMIN, "/queue")
            tg.wait_for_messages(ADMIN, 2, timeout=10)
            assert running.stop(proc) == 0
        board = "\n".join(m["plain_text"] for m in tg.messages(ADMIN))
        days = json.loads(cli("queue", "--json", "--all").stdout)
        assert days == []  # nothing queued: every slot of 14 days on 12 channels is empty
        assert all(f"kenh-{n:02}" in board for n in range(1, 41))
        empty = int(board.split("(", 1)[1].split()[0])  # "The next 14 days (640 empty slots)"
        listed = [line for line in board.splitlines() if "⚠️ empty" in line]
        named = sum(len(line.rsplit(" · ", 1)[1].split(", ")) for line in listed)
        assert named == empty > 100  # every channel of every slot listed, none cut off
        assert _refused(tg) == []
